/// Appends bytes to a buffer owned by the caller, never past its end.
///
/// A write that does not fit sets `overflowed` and writes nothing, so a response builder can write
/// straight through and check once at the end (then answer 5.00 or go block-wise) instead of
/// checking every call.
public struct ByteWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    public private(set) var count: Int = 0
    public private(set) var overflowed = false

    public init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    public var remaining: Int { buffer.count - count }

    /// The bytes written so far.
    public var written: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    public mutating func append(_ byte: UInt8) {
        guard count < buffer.count else { overflowed = true; return }
        buffer[count] = byte
        count += 1
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= remaining else { overflowed = true; return }
        for i in 0..<bytes.count { buffer[count + i] = bytes[i] }
        count += bytes.count
    }

    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    public mutating func appendBigEndian(_ value: UInt16) {
        guard remaining >= 2 else { overflowed = true; return }
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func appendBigEndian(_ value: UInt32) {
        guard remaining >= 4 else { overflowed = true; return }
        for shift in stride(from: 24, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    /// Writes `value` in decimal ASCII: the core's only number formatting, so no `String` is built.
    public mutating func appendDecimal(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var used = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[used] = UInt8(truncatingIfNeeded: n % 10) &+ 0x30
                n /= 10
                used += 1
            } while n != 0
            guard used <= remaining else { overflowed = true; return }
            // A plain countdown: `(0..<used).reversed()` allocates in unoptimised host builds.
            var i = used
            while i > 0 {
                i -= 1
                append(d[i])
            }
        }
    }

    public mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            appendDecimal(UInt64(bitPattern: 0 &- value))
        } else {
            appendDecimal(UInt64(bitPattern: value))
        }
    }

    /// Forgets everything written, keeping the buffer.
    public mutating func reset() {
        count = 0
        overflowed = false
    }
}
