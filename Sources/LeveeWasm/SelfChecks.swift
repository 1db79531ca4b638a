import LeveeBase

/// The arena of the self-checks' module: static, so the chip's budget shows it (.bss).
nonisolated(unsafe) var selfCheckArena = InlineArray<384, UInt64>(repeating: 0)

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
                    ids = ids &<< 4 | UInt32(section.id.rawValue)
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
        // The executor reads opcodes by casting a byte: the layout must be the raw value.
        r.check(MemoryLayout<Op>.size == 1 && unsafeBitCast(Op.refFunc, to: UInt8.self) == Op.refFunc.rawValue,
                "wasm opcodes are one byte, tag = raw value")
        runModule(&r)
    }

    /// Loads a small module into a 3 KiB arena and runs its functions: results, a trap, fuel and
    /// call-stack exhaustion, and an arena that is too small.
    static func runModule<R: CheckRecorder>(_ r: inout R) {
        // BEGIN GENERATED module
        let module: InlineArray<164, UInt8> = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x16, 0x04, 0x60, 0x01, 0x7F, 0x01, 0x7F,
            0x60, 0x01, 0x7F, 0x01, 0x7E, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F, 0x60, 0x01, 0x7D, 0x01, 0x7D,
            0x03, 0x05, 0x04, 0x00, 0x01, 0x02, 0x03, 0x07, 0x1B, 0x04, 0x03, 0x66, 0x69, 0x62, 0x00, 0x00,
            0x03, 0x73, 0x75, 0x6D, 0x00, 0x01, 0x03, 0x64, 0x69, 0x76, 0x00, 0x02, 0x05, 0x66, 0x73, 0x71,
            0x72, 0x74, 0x00, 0x03, 0x0A, 0x4F, 0x04, 0x1C, 0x00, 0x20, 0x00, 0x41, 0x02, 0x49, 0x04, 0x7F,
            0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6B, 0x10, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6B, 0x10,
            0x00, 0x6A, 0x0B, 0x0B, 0x22, 0x01, 0x01, 0x7E, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0D,
            0x01, 0x20, 0x01, 0x20, 0x00, 0xAD, 0x7C, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6B, 0x21, 0x00,
            0x0C, 0x00, 0x0B, 0x0B, 0x20, 0x01, 0x0B, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6D, 0x0B, 0x05,
            0x00, 0x20, 0x00, 0x91, 0x0B, 0x00, 0x0D, 0x04, 0x6E, 0x61, 0x6D, 0x65, 0x01, 0x06, 0x01, 0x00,
            0x03, 0x66, 0x69, 0x62,
        ]
        // END GENERATED module
        let copy = module
        copy.span.withUnsafeBytes { bytes in
            withUnsafeMutableBytes(of: &selfCheckArena) { arena in
                var host = NoImportsHost()
                var fuel = Fuel(1_000_000)
                let limits = InstanceLimits(maxMemoryBytes: 0, maxTableElements: 0, valueStackSlots: 96, callDepth: 12)
                let loaded: Instance?
                do throws(LoadError) {
                    loaded = try Instance.load(module: bytes, arena: arena, limits: limits, fuel: &fuel, host: &host)
                } catch {
                    loaded = nil
                }
                r.check(loaded != nil, "wasm module loads into a 3 KiB arena")
                guard let instance = loaded else { return }

                r.check(call(instance, "fib", 10, &fuel, &host) == .value(55), "wasm fib(10) = 55 (guest recursion)")
                r.check(call(instance, "sum", 100, &fuel, &host) == .value(5050), "wasm loop sum(100) = 5050")
                r.check(call(instance, "fsqrt", u64(Float(2.25).bitPattern), &fuel, &host) == .value(u64(Float(1.5).bitPattern)),
                        "wasm f32.sqrt")
                r.check(call(instance, "div", 7, &fuel, &host, second: 0) == .trap(.divideByZero), "wasm divide by zero traps")
                r.check(call(instance, "div", 7, &fuel, &host, second: 2) == .value(3), "wasm runs on after a trap")
                r.check(call(instance, "fib", 20, &fuel, &host) == .trap(.stackExhausted), "wasm deep recursion traps, no crash")
                var little = Fuel(500)
                r.check(call(instance, "sum", 1_000_000, &little, &host) == .trap(.fuelExhausted), "wasm runaway loop runs out of fuel")

                var tooSmall = false
                do throws(LoadError) {
                    _ = try Instance.load(module: bytes, arena: UnsafeMutableRawBufferPointer(rebasing: arena[0..<256]),
                                          limits: limits, fuel: &fuel, host: &host)
                } catch {
                    if case .arenaTooSmall = error { tooSmall = true }
                }
                r.check(tooSmall, "wasm arena too small is a load error")
            }
        }
    }

    enum Outcome: Equatable { case value(UInt64), trap(Trap), missing }

    static func call(_ instance: Instance, _ name: StaticString, _ a: UInt64, _ fuel: inout Fuel, _ host: inout NoImportsHost,
                     second: UInt64? = nil) -> Outcome {
        guard case .function(let f)? = instance.export(named: name) else { return .missing }
        var args: (UInt64, UInt64) = (a, second ?? 0)
        var result: UInt64 = 0
        return withUnsafeMutableBytes(of: &args) { raw in
            withUnsafeMutablePointer(to: &result) { resp in
                let argv = raw.bindMemory(to: UInt64.self)
                do throws(Trap) {
                    try instance.invoke(f, arguments: UnsafeBufferPointer(rebasing: argv[0..<(second == nil ? 1 : 2)]),
                                        results: UnsafeMutableBufferPointer(start: resp, count: 1), fuel: &fuel, host: &host)
                    return .value(resp.pointee)
                } catch {
                    return .trap(error)
                }
            }
        }
    }
}
