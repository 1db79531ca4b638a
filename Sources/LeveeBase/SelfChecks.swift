/// LeveeBase's own checks, run on the host and on the chip (see `CheckRecorder`).
public enum BaseSelfChecks {
    public static func run<R: CheckRecorder>(_ r: inout R) {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 4) { raw in
            var w = ByteWriter(raw)
            w.appendDecimal(4_294_967_296 as UInt64)
            w.append(" ")
            w.appendDecimal(-42 as Int64)
            r.check(equal(w.written, "4294967296 -42"), "ByteWriter formats decimals")
            w.reset()
            for _ in 0..<40 { w.append(UInt8(1)) }
            r.check(w.overflowed && w.count == 32, "ByteWriter stops at the end of its buffer")

            var reader = ByteReader(UnsafeRawBufferPointer(raw))
            r.check(reader.readBigEndianU16() == 0x0101, "ByteReader reads big-endian")
            r.check(!reader.skip(31) && reader.offset == 2, "ByteReader refuses to skip past the end")
            r.check(reader.take(30)?.count == 30 && reader.readU8() == nil, "ByteReader stops at the end")
        }
        var clock = ManualClock()
        clock.advance(by: .milliseconds(1500))
        r.check(clock.now().microseconds == 1_500_000, "ManualClock advances by hand")
        r.check(Instant.zero.since(clock.now()) == .zero, "time never runs backwards")
    }

    /// Whether `bytes` hold exactly the UTF-8 of `text`.
    public static func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        text.withUTF8Buffer { expected in
            guard expected.count == bytes.count else { return false }
            for i in 0..<expected.count where expected[i] != bytes[i] { return false }
            return true
        }
    }
}
