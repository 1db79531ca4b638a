import LeveeBase

/// The four message types (RFC 7252 §3).
public enum MessageType: UInt8, Sendable {
    case confirmable = 0, nonConfirmable = 1, acknowledgement = 2, reset = 3
}

/// A method or response code, `class.detail` packed as in the header (c.dd = c << 5 | dd).
public struct Code: Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ codeClass: UInt8, _ detail: UInt8) { rawValue = codeClass << 5 | detail }

    public var codeClass: UInt8 { rawValue >> 5 }
    public var detail: UInt8 { rawValue & 0x1F }
    public var isRequest: Bool { codeClass == 0 && rawValue != 0 }
    public var isEmpty: Bool { rawValue == 0 }

    public static let empty = Code(0, 0)
    public static let get = Code(0, 1), post = Code(0, 2), put = Code(0, 3), delete = Code(0, 4)
    public static let created = Code(2, 1), deleted = Code(2, 2), valid = Code(2, 3)
    public static let changed = Code(2, 4), content = Code(2, 5), `continue` = Code(2, 31)
    public static let badRequest = Code(4, 0), unauthorized = Code(4, 1), badOption = Code(4, 2)
    public static let forbidden = Code(4, 3), notFound = Code(4, 4), methodNotAllowed = Code(4, 5)
    public static let notAcceptable = Code(4, 6), requestEntityIncomplete = Code(4, 8)
    public static let conflict = Code(4, 9), preconditionFailed = Code(4, 12)
    public static let requestEntityTooLarge = Code(4, 13), unsupportedContentFormat = Code(4, 15)
    public static let internalServerError = Code(5, 0), serviceUnavailable = Code(5, 3)
}

/// Option numbers the node understands (RFC 7252 §12.2, 7641, 7959).
public enum OptionNumber {
    public static let ifMatch: UInt16 = 1
    public static let uriHost: UInt16 = 3
    public static let eTag: UInt16 = 4
    public static let ifNoneMatch: UInt16 = 5
    public static let observe: UInt16 = 6
    public static let uriPort: UInt16 = 7
    public static let uriPath: UInt16 = 11
    public static let contentFormat: UInt16 = 12
    public static let maxAge: UInt16 = 14
    public static let uriQuery: UInt16 = 15
    public static let accept: UInt16 = 17
    public static let block2: UInt16 = 23
    public static let block1: UInt16 = 27
    public static let size2: UInt16 = 28
    public static let size1: UInt16 = 60

    /// Odd option numbers are critical: an unknown one must not be ignored (§5.4.1).
    public static func isCritical(_ number: UInt16) -> Bool { number & 1 == 1 }
}

/// Content-Format identifiers in use (RFC 7252 §12.3 and the CoRE registry).
public enum ContentFormat {
    public static let textPlain: UInt16 = 0
    public static let linkFormat: UInt16 = 40
    public static let octetStream: UInt16 = 42
    public static let json: UInt16 = 50
    public static let cbor: UInt16 = 60
    public static let coseSign1: UInt16 = 18
    public static let senmlJSON: UInt16 = 110
    public static let senmlCBOR: UInt16 = 112
}

/// One option of a parsed message: its number and where its value lies in the datagram.
public struct OptionView: Sendable {
    public var number: UInt16
    public var valueOffset: UInt16
    public var valueLength: UInt16

    public init(number: UInt16, valueOffset: UInt16, valueLength: UInt16) {
        self.number = number
        self.valueOffset = valueOffset
        self.valueLength = valueLength
    }
}

/// The request methods the node serves (RFC 7252 §5.8).
public enum Method: UInt8, Sendable {
    case get = 1, post = 2, put = 3, delete = 4

    public init?(_ code: Code) { self.init(rawValue: code.rawValue) }
}

/// The methods a resource allows: a 4-bit set over `Method`.
public struct Methods: Sendable, Equatable {
    public var bits: UInt8
    public init(bits: UInt8) { self.bits = bits }

    public static let get = Methods(bits: 1 << 1)
    public static let post = Methods(bits: 1 << 2)
    public static let put = Methods(bits: 1 << 3)
    public static let delete = Methods(bits: 1 << 4)
    public static let all = Methods(bits: 0b11110)

    public static func | (a: Methods, b: Methods) -> Methods { Methods(bits: a.bits | b.bits) }
    public func contains(_ method: Method) -> Bool { bits & (1 << method.rawValue) != 0 }
}

/// A Block1 or Block2 option value (RFC 7959 §2.2): block number, more flag, size exponent.
public struct BlockOption: Sendable, Equatable {
    public var number: UInt32
    public var more: Bool
    /// Size exponent: the block holds 2^(szx + 4) bytes; 7 is reserved.
    public var szx: UInt8

    public init(number: UInt32, more: Bool, szx: UInt8) {
        self.number = number
        self.more = more
        self.szx = szx
    }

    /// Decodes the option's uint value; nil for the reserved SZX 7 or a number past 2^20.
    public init?(value: UInt32) {
        guard value & 0x7 != 7, value <= 0xFF_FFFF else { return nil }
        number = value >> 4
        more = value & 0x8 != 0
        szx = UInt8(truncatingIfNeeded: value & 0x7)
    }

    public var size: Int { 1 << (Int(szx) + 4) }
    public var offset: UInt32 { number << (UInt32(szx) + 4) }
    public var value: UInt32 { number << 4 | (more ? 0x8 : 0) | UInt32(szx) }
}
