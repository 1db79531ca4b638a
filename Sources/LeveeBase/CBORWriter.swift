/// CBOR (RFC 8949) items appended to a `ByteWriter`: the encoder every payload in the core shares
/// (SenML+CBOR, configuration, health). Only definite-length items: the caller knows its counts,
/// and the decoder on a constrained peer then never has to look for a break byte. An item that
/// does not fit may be cut short, but the writer's `overflowed` is then set: check it once at the end.
extension ByteWriter {
    /// The head of an item: major type in the top three bits, the argument in the shortest form.
    public mutating func appendCBORHead(major: UInt8, _ argument: UInt64) {
        let type = major &<< 5
        if argument < 24 {
            append(type | UInt8(truncatingIfNeeded: argument))
        } else if argument <= 0xFF {
            append(type | 24)
            append(UInt8(truncatingIfNeeded: argument))
        } else if argument <= 0xFFFF {
            append(type | 25)
            appendBigEndian(UInt16(truncatingIfNeeded: argument))
        } else if argument <= 0xFFFF_FFFF {
            append(type | 26)
            appendBigEndian(UInt32(truncatingIfNeeded: argument))
        } else {
            append(type | 27)
            appendBigEndian(UInt32(truncatingIfNeeded: argument &>> 32))
            appendBigEndian(UInt32(truncatingIfNeeded: argument))
        }
    }

    public mutating func appendCBOR(unsigned value: UInt64) { appendCBORHead(major: 0, value) }

    /// A signed integer: major type 0, or major type 1 carrying -1 - value.
    public mutating func appendCBOR(integer value: Int64) {
        if value >= 0 {
            appendCBORHead(major: 0, UInt64(bitPattern: value))
        } else {
            appendCBORHead(major: 1, UInt64(bitPattern: -1 &- value))
        }
    }

    /// A text string from static UTF-8.
    public mutating func appendCBOR(text: StaticString) {
        text.withUTF8Buffer { appendCBOR(text: UnsafeRawBufferPointer($0)) }
    }

    /// A text string from UTF-8 bytes the caller guarantees are valid.
    public mutating func appendCBOR(text bytes: UnsafeRawBufferPointer) {
        appendCBORHead(major: 3, UInt64(widening: UInt32(truncatingIfNeeded: bytes.count)))
        append(bytes)
    }

    public mutating func appendCBOR(bytes: UnsafeRawBufferPointer) {
        appendCBORHead(major: 2, UInt64(widening: UInt32(truncatingIfNeeded: bytes.count)))
        append(bytes)
    }

    public mutating func appendCBORArrayHeader(count: Int) {
        appendCBORHead(major: 4, UInt64(widening: UInt32(truncatingIfNeeded: count)))
    }

    public mutating func appendCBORMapHeader(count: Int) {
        appendCBORHead(major: 5, UInt64(widening: UInt32(truncatingIfNeeded: count)))
    }

    public mutating func appendCBOR(bool value: Bool) { append(value ? 0xF5 : 0xF4) }

    public mutating func appendCBORNull() { append(0xF6) }

    /// A single-precision float (0xFA + IEEE 754 binary32): the chip's native width, so no value
    /// loses precision and no double arithmetic is needed. NaN and infinities are encoded as they
    /// are (CBOR can carry them); callers that must not emit them check first.
    public mutating func appendCBOR(float value: Float) {
        append(0xFA)
        appendBigEndian(value.bitPattern)
    }
}
