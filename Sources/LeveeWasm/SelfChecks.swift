import LeveeBase

/// LeveeWasm's checks that run on the host and on the chip.
public enum WasmSelfChecks {
    public static func run<R: CheckRecorder>(_ r: inout R) {
        // (module (type (func)) (func (type 0)))
        let module: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
             0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
             0x03, 0x02, 0x01, 0x00,
             0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B, 0x00)
        withUnsafeBytes(of: module) { all in
            let bytes = UnsafeRawBufferPointer(rebasing: all[0..<24])
            var ids: UInt32 = 0
            var count: UInt32 = 0
            do throws(DecodeError) {
                var walker = try SectionWalker(module: bytes)
                while let section = try walker.next() {
                    ids = ids << 4 | UInt32(section.id.rawValue)
                    count += 1
                }
            } catch {
                count = 0
            }
            r.check(count == 3 && ids == 0x13A, "wasm sections are walked in order")
        }
        let leb: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0xE5, 0x8E, 0x26, 0x7F, 0x80, 0x7F)
        withUnsafeBytes(of: leb) { raw in
            var reader = ByteReader(raw)
            r.check((try? reader.readULEB128(bits: 32)) == 624_485, "unsigned LEB128")
            r.check((try? reader.readSLEB128(bits: 32)) == -1, "signed LEB128 (one byte)")
            r.check((try? reader.readSLEB128(bits: 32)) == -128, "signed LEB128 (two bytes)")
        }
    }
}
