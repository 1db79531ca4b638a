import LeveeBase

/// Why a datagram is not a well-formed CoAP message.
public enum ParseError: Error, Equatable, Sendable {
    /// Shorter than the 4-byte header: not even a message ID to answer, so it is dropped.
    case truncatedHeader
    /// Version other than 1: silently ignored (§3).
    case unsupportedVersion
    case badTokenLength
    case truncatedToken
    case reservedOptionNibble
    case optionPastEnd
    case payloadMarkerWithoutPayload
    case tooManyOptions
}

/// A parsed message: the header fields and the offsets of token, options and payload in the
/// caller's datagram. Nothing is copied; the view is valid while the datagram's buffer is.
public struct MessageView {
    public let bytes: UnsafeRawBufferPointer
    public var type: MessageType
    public var code: Code
    public var messageID: UInt16
    public var tokenLength: UInt8
    public var optionCount: Int
    public var options: CoAPLimits.OptionTable
    public var payloadOffset: Int

    public var token: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[4..<4 + Int(tokenLength)])
    }

    public var payload: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[payloadOffset..<bytes.count])
    }

    public func value(of option: OptionView) -> UnsafeRawBufferPointer {
        let start = Int(option.valueOffset)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(option.valueLength)])
    }

    /// The first option with `number`, if any.
    public func first(_ number: UInt16) -> OptionView? {
        for i in 0..<optionCount where options[i].number == number { return options[i] }
        return nil
    }

    /// The value of an unsigned-integer option (§3.2: big-endian, leading zeros may be omitted).
    public func uint(_ number: UInt16) -> UInt32? {
        guard let option = first(number), option.valueLength <= 4 else { return nil }
        var result: UInt32 = 0
        for byte in value(of: option) { result = result << 8 | UInt32(byte) }
        return result
    }

    /// Parses `bytes` (RFC 7252 §3). The header fields are filled as far as they could be read,
    /// so the caller can answer a malformed CON with RST using its message ID.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> MessageView {
        guard bytes.count >= 4 else { throw .truncatedHeader }
        guard bytes[0] >> 6 == 1 else { throw .unsupportedVersion }
        let tokenLength = bytes[0] & 0x0F
        guard tokenLength <= UInt8(CoAPLimits.maxTokenLength) else { throw .badTokenLength }
        var view = MessageView(
            bytes: bytes,
            type: MessageType(rawValue: (bytes[0] >> 4) & 0x3) ?? .reset,
            code: Code(rawValue: bytes[1]),
            messageID: UInt16(bytes[2]) << 8 | UInt16(bytes[3]),
            tokenLength: tokenLength,
            optionCount: 0,
            options: InlineArray(repeating: OptionView(number: 0, valueOffset: 0, valueLength: 0)),
            payloadOffset: bytes.count)
        var reader = ByteReader(bytes, offset: 4)
        guard reader.skip(Int(tokenLength)) else { throw .truncatedToken }

        var number: UInt16 = 0
        while let first = reader.readU8() {
            if first == 0xFF {
                guard !reader.isAtEnd else { throw .payloadMarkerWithoutPayload }
                view.payloadOffset = reader.offset
                break
            }
            let delta = try extended(first >> 4, &reader)
            let length = try extended(first & 0x0F, &reader)
            guard UInt32(number) + delta <= UInt32(UInt16.max), length <= UInt32(reader.remaining) else {
                throw .optionPastEnd
            }
            number += UInt16(truncatingIfNeeded: delta)
            guard view.optionCount < view.options.count else { throw .tooManyOptions }
            view.options[view.optionCount] = OptionView(
                number: number, valueOffset: UInt16(truncatingIfNeeded: reader.offset),
                valueLength: UInt16(truncatingIfNeeded: length))
            view.optionCount += 1
            _ = reader.skip(Int(length))
        }
        return view
    }

    /// Decodes an option delta or length nibble with its extended bytes (§3.1).
    private static func extended(_ nibble: UInt8, _ reader: inout ByteReader) throws(ParseError) -> UInt32 {
        switch nibble {
        case 13:
            guard let byte = reader.readU8() else { throw .optionPastEnd }
            return UInt32(byte) + 13
        case 14:
            guard let word = reader.readBigEndianU16() else { throw .optionPastEnd }
            return UInt32(word) + 269
        case 15:
            throw .reservedOptionNibble
        default:
            return UInt32(nibble)
        }
    }
}

/// A Block1/Block2 option as found in a request.
public enum BlockLookup: Equatable {
    case absent
    case present(BlockOption)
    /// Longer than 3 bytes or SZX 7: the request is answered 4.00.
    case invalid
}

extension MessageView {
    public func block(_ number: UInt16) -> BlockLookup {
        guard let option = first(number) else { return .absent }
        guard option.valueLength <= 3, let value = uint(number), let block = BlockOption(value: value) else {
            return .invalid
        }
        return .present(block)
    }

    /// Whether the message carries option `number` at all.
    public func has(_ number: UInt16) -> Bool { first(number) != nil }

    /// Calls `body` with the value of every option `number`, in order.
    public func forEach(_ number: UInt16, _ body: (UnsafeRawBufferPointer) -> Void) {
        for i in 0..<optionCount where options[i].number == number { body(value(of: options[i])) }
    }
}
