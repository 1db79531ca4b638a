import LeveeBase

/// The trace the scenarios print: lines appended to one fixed buffer (RTIC's `hprintln!`), read
/// back by the host tests (compared with golden files) and by the chip (printed over semihosting).
public enum Trace {
    /// Bytes of trace kept (the rest is dropped and `overflowed` is set).
    public static let capacity = 4096

    public static func reset() {
        traceLength = 0
        traceOverflowed = false
    }

    public static var overflowed: Bool { traceOverflowed }
    public static var count: Int { traceLength }

    /// Appends through a ByteWriter over the free part of the buffer.
    public static func write(_ body: (inout ByteWriter) -> Void) {
        withUnsafeMutableBytes(of: &traceBuffer) { all in
            let free = UnsafeMutableRawBufferPointer(rebasing: all[traceLength..<all.count])
            var writer = ByteWriter(free)
            body(&writer)
            traceLength += writer.count
            if writer.overflowed { traceOverflowed = true }
        }
    }

    public static func text(_ text: StaticString) { write { $0.append(text) } }
    public static func decimal(_ value: UInt64) { write { $0.appendDecimal(value) } }
    public static func decimal(_ value: UInt32) { decimal(UInt64(widening: value)) }
    public static func line(_ text: StaticString) { write { $0.append(text); $0.append(UInt8(ascii: "\n")) } }
    public static func newline() { write { $0.append(UInt8(ascii: "\n")) } }

    /// The trace so far.
    public static func withText<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(of: &traceBuffer) { body(UnsafeRawBufferPointer(rebasing: $0[0..<traceLength])) }
    }
}

/// 4096 = Trace.capacity.
nonisolated(unsafe) var traceBuffer = InlineArray<4096, UInt8>(repeating: 0)
nonisolated(unsafe) var traceLength = 0
nonisolated(unsafe) var traceOverflowed = false
