import LeveeBase

/// Writes a CoAP message into a caller-owned buffer, options in ascending order (delta-encoded).
///
/// Writing past the buffer sets `overflowed` on the underlying writer instead of trapping; writing
/// options out of order sets `misordered`. The caller checks `isValid` once at the end.
public struct MessageBuilder {
    public var writer: ByteWriter
    private var lastOption: UInt16 = 0
    public private(set) var misordered = false

    public init(_ buffer: UnsafeMutableRawBufferPointer) { writer = ByteWriter(buffer) }

    public var isValid: Bool { !writer.overflowed && !misordered }
    public var written: UnsafeRawBufferPointer { writer.written }

    public mutating func header(type: MessageType, code: Code, messageID: UInt16,
                                token: UnsafeRawBufferPointer) {
        let tokenLength = UInt8(truncatingIfNeeded: min(token.count, CoAPLimits.maxTokenLength))
        writer.append(0x40 | type.rawValue << 4 | tokenLength)
        writer.append(code.rawValue)
        writer.appendBigEndian(messageID)
        writer.append(UnsafeRawBufferPointer(rebasing: token[0..<Int(tokenLength)]))
        lastOption = 0
    }

    public mutating func option(_ number: UInt16, _ value: UnsafeRawBufferPointer) {
        guard number >= lastOption else { misordered = true; return }
        let delta = UInt32(number - lastOption)
        let length = UInt32(truncatingIfNeeded: value.count)
        writer.append(nibble(delta) << 4 | nibble(length))
        extended(delta)
        extended(length)
        writer.append(value)
        lastOption = number
    }

    /// An unsigned-integer option in its shortest form (zero is the empty value).
    public mutating func option(_ number: UInt16, uint value: UInt32) {
        var bigEndian = value.bigEndian
        let skip = value == 0 ? 4 : value.leadingZeroBitCount / 8
        withUnsafeBytes(of: &bigEndian) { option(number, UnsafeRawBufferPointer(rebasing: $0[skip..<4])) }
    }

    public mutating func option(_ number: UInt16, _ text: StaticString) {
        text.withUTF8Buffer { option(number, UnsafeRawBufferPointer($0)) }
    }

    /// The payload marker; the payload itself is then appended to `writer` directly.
    public mutating func payloadMarker() { writer.append(0xFF) }

    private func nibble(_ value: UInt32) -> UInt8 {
        value < 13 ? UInt8(truncatingIfNeeded: value) : value < 269 ? 13 : 14
    }

    private mutating func extended(_ value: UInt32) {
        if value >= 269 {
            writer.appendBigEndian(UInt16(truncatingIfNeeded: value - 269))
        } else if value >= 13 {
            writer.append(UInt8(truncatingIfNeeded: value - 13))
        }
    }
}
