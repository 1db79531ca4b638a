import LeveeBase

/// Why CBOR input was refused.
public enum CBORError: Error, Equatable {
    /// The item runs past the end of the buffer.
    case truncated
    /// An indefinite length (additional information 31): not accepted, lengths must be definite.
    case indefiniteLength
    /// Additional information 28-30, reserved by RFC 8949.
    case reservedAdditionalInformation
    /// A head that is not in its shortest form (RFC 8949 §4.2.1): refused, so one value has one
    /// encoding.
    case nonMinimalHead
    /// Arrays and maps nested deeper than `CBORReader.maximumDepth`.
    case tooDeep
    /// The item is not of the type the format expects there.
    case unexpectedType
    /// A number or length that does not fit where it goes.
    case outOfRange
}

/// The major types of RFC 8949 §3.1.
public enum CBORMajorType: UInt8 {
    case unsigned = 0, negative = 1, byteString = 2, textString = 3, array = 4, map = 5, tag = 6, simple = 7
}

/// A cursor over CBOR in the caller's buffer. Strings come back as ranges of offsets into it.
public struct CBORReader {
    /// How deep `skipItem` follows nested arrays and maps.
    public static let maximumDepth = 8

    public let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset >= bytes.count }

    /// The major type of the next item, without consuming it.
    public func peekMajorType() throws(CBORError) -> CBORMajorType {
        guard offset < bytes.count else { throw .truncated }
        return CBORMajorType(rawValue: bytes[offset] &>> 5) ?? .simple
    }

    /// Reads an initial byte and its argument (RFC 8949 §3). For major type 7 the argument is the
    /// simple value or the raw bits of a float.
    public mutating func readHead() throws(CBORError) -> (type: CBORMajorType, argument: UInt64) {
        guard offset < bytes.count else { throw .truncated }
        let initial = bytes[offset]
        let type = CBORMajorType(rawValue: initial &>> 5) ?? .simple
        let info = initial & 0x1f
        var length = 0
        switch info {
        case 0..<24: length = 0
        case 24: length = 1
        case 25: length = 2
        case 26: length = 4
        case 27: length = 8
        case 31: throw .indefiniteLength
        default: throw .reservedAdditionalInformation
        }
        guard length <= bytes.count - offset - 1 else { throw .truncated }
        var argument: UInt64 = length == 0 ? UInt64(widening: info) : 0
        for i in 0..<length { argument = argument &<< 8 | UInt64(widening: bytes[offset + 1 + i]) }
        // Minimal form: a one-byte argument must be >= 24, and a longer one must not fit the next
        // shorter size. Floats (major 7, info 25-27) are exempt: their size is their precision.
        if type != .simple || info == 24 {
            let minimal: Bool
            switch length {
            case 1: minimal = argument >= 24
            case 2: minimal = argument > 0xff
            case 4: minimal = argument > 0xffff
            case 8: minimal = argument > 0xffff_ffff
            default: minimal = true
            }
            guard minimal else { throw .nonMinimalHead }
        }
        offset += 1 + length
        return (type, argument)
    }

    /// Reads an item of `type` and returns its argument.
    public mutating func read(_ type: CBORMajorType) throws(CBORError) -> UInt64 {
        let head = try readHead()
        guard head.type == type else { throw .unexpectedType }
        return head.argument
    }

    public mutating func readUnsigned() throws(CBORError) -> UInt64 { try read(.unsigned) }

    /// An integer of major type 0 or 1 that fits in Int64.
    public mutating func readInteger() throws(CBORError) -> Int64 {
        let head = try readHead()
        guard head.argument <= UInt64(bitPattern: Int64.max) else { throw .outOfRange }
        switch head.type {
        case .unsigned: return Int64(bitPattern: head.argument)
        case .negative: return -1 - Int64(bitPattern: head.argument)
        default: throw .unexpectedType
        }
    }

    /// A byte string's contents, as offsets into `bytes`.
    public mutating func readByteString() throws(CBORError) -> Range<Int> { try readString(.byteString) }

    /// A text string's contents, as offsets into `bytes` (UTF-8 is not validated).
    public mutating func readTextString() throws(CBORError) -> Range<Int> { try readString(.textString) }

    private mutating func readString(_ type: CBORMajorType) throws(CBORError) -> Range<Int> {
        let length = try read(type)
        guard length <= UInt64(widening: UInt32(truncatingIfNeeded: bytes.count - offset)) else { throw .truncated }
        let start = offset
        offset += Int(truncatingIfNeeded: length)
        return start..<offset
    }

    /// The number of items of an array (or of pairs of a map), at most the bytes left (each item
    /// takes at least one), so a count from the wire never drives a long loop.
    public mutating func readArrayCount() throws(CBORError) -> Int { try readCount(.array) }
    public mutating func readMapCount() throws(CBORError) -> Int { try readCount(.map) }

    private mutating func readCount(_ type: CBORMajorType) throws(CBORError) -> Int {
        let count = try read(type)
        guard count <= UInt64(widening: UInt32(truncatingIfNeeded: bytes.count - offset)) else { throw .truncated }
        return Int(truncatingIfNeeded: count)
    }

    /// Skips one complete item of any type, nested arrays and maps included, iteratively (a
    /// fixed stack of pending counts, so hostile nesting cannot grow the call stack).
    public mutating func skipItem() throws(CBORError) {
        var pending = InlineArray<9, Int>(repeating: 0)
        var depth = 0
        pending[0] = 1
        while true {
            while pending[depth] == 0 {
                if depth == 0 { return }
                depth -= 1
            }
            pending[depth] -= 1
            let head = try readHead()
            let remaining = UInt64(widening: UInt32(truncatingIfNeeded: bytes.count - offset))
            switch head.type {
            case .unsigned, .negative:
                break
            case .byteString, .textString:
                guard head.argument <= remaining else { throw .truncated }
                offset += Int(truncatingIfNeeded: head.argument)
            case .array, .map:
                let items = head.type == .map ? head.argument &* 2 : head.argument
                guard head.argument <= remaining, items <= remaining else { throw .truncated }
                if items > 0 {
                    guard depth < Self.maximumDepth else { throw .tooDeep }
                    depth += 1
                    pending[depth] = Int(truncatingIfNeeded: items)
                }
            case .tag:
                guard depth < Self.maximumDepth else { throw .tooDeep }
                depth += 1
                pending[depth] = 1
            case .simple:
                break
            }
        }
    }
}

/// Writes a CBOR head (major type and argument, shortest form) through `emit`, one byte at a time.
@inline(__always)
func encodeHead(_ type: CBORMajorType, _ argument: UInt64, _ emit: (UInt8) -> Void) {
    let top = type.rawValue &<< 5
    if argument < 24 {
        emit(top | UInt8(truncatingIfNeeded: argument))
        return
    }
    let length: UInt64 = argument <= 0xff ? 1 : (argument <= 0xffff ? 2 : (argument <= 0xffff_ffff ? 4 : 8))
    emit(top | (length == 1 ? 24 : (length == 2 ? 25 : (length == 4 ? 26 : 27))))
    var shift = (length &- 1) &* 8
    while true {
        emit(UInt8(truncatingIfNeeded: argument &>> shift))
        if shift == 0 { break }
        shift &-= 8
    }
}
