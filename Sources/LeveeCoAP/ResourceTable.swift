import LeveeBase

/// Up to three Content-Format numbers: what a resource produces (the first is its default) or
/// accepts in a request body.
public struct ContentFormats: Sendable, Equatable {
    public static let unused: UInt16 = 0xFFFF
    private var formats: (UInt16, UInt16, UInt16)

    public init(_ first: UInt16, _ second: UInt16 = ContentFormats.unused, _ third: UInt16 = ContentFormats.unused) {
        formats = (first, second, third)
    }

    public static let none = ContentFormats(unused)

    public static func == (a: ContentFormats, b: ContentFormats) -> Bool {
        a.formats.0 == b.formats.0 && a.formats.1 == b.formats.1 && a.formats.2 == b.formats.2
    }

    public var isEmpty: Bool { formats.0 == Self.unused }
    public var first: UInt16? { isEmpty ? nil : formats.0 }

    public func contains(_ format: UInt16) -> Bool {
        format != Self.unused && (formats.0 == format || formats.1 == format || formats.2 == format)
    }

    public func forEach(_ body: (UInt16) -> Void) {
        if formats.0 != Self.unused { body(formats.0) }
        if formats.1 != Self.unused { body(formats.1) }
        if formats.2 != Self.unused { body(formats.2) }
    }
}

/// What the server needs to know about a resource to route, check and list it. A table returns
/// these from `switch` statements, so the table costs flash, not RAM.
public struct ResourceDescriptor: Sendable {
    /// "/"-separated with a leading "/", e.g. "/sensors/stage".
    public var path: StaticString
    public var methods: Methods
    /// Link attributes for `/.well-known/core` (RFC 6690): `rt` and `if` ("" leaves them out).
    public var resourceType: StaticString
    public var interface: StaticString
    /// Content formats the resource can produce (an Accept outside them is 4.06).
    public var formats: ContentFormats
    /// Content formats a PUT/POST body may have (a Content-Format outside them is 4.15).
    public var accepts: ContentFormats
    public var observable: Bool
    /// The `sz` hint for discovery (0 leaves it out).
    public var sizeHint: UInt32
    /// The largest request body; bigger is 4.13 with Size1 (RFC 7959 §2.9.3).
    public var maxBody: UInt32

    public init(_ path: StaticString, methods: Methods, rt resourceType: StaticString = "",
                if interface: StaticString = "", formats: ContentFormats,
                accepts: ContentFormats = .none, observable: Bool = false, sizeHint: UInt32 = 0,
                maxBody: UInt32 = 0) {
        self.path = path
        self.methods = methods
        self.resourceType = resourceType
        self.interface = interface
        self.formats = formats
        self.accepts = accepts
        self.observable = observable
        self.sizeHint = sizeHint
        self.maxBody = maxBody
    }

    /// What a table answers for an index it does not have (never listed, never matched).
    public static var absent: ResourceDescriptor { ResourceDescriptor("", methods: Methods(bits: 0), formats: .none) }
}

/// A request as a handler sees it, after the server checked method, formats, Block1 order and size.
public struct Request {
    public var resource: Int
    public var method: Method
    public var source: Endpoint
    public var now: Instant
    /// The content format to answer in: the Accept option, or the resource's first format.
    public var format: UInt16
    /// The request's Content-Format, when it had one.
    public var bodyFormat: UInt16?
    /// This request's part of the body (a whole body, or one Block1 block) and where it starts.
    public var body: UnsafeRawBufferPointer
    public var bodyOffset: UInt32
    /// False while more Block1 blocks are to come.
    public var bodyIsLast: Bool
    /// The whole message, for Uri-Query and other options; nil when the server asks again on its
    /// own (a notification, a separate response).
    public var message: MessageView?
}

/// What a handler decided.
public enum Outcome {
    /// Answer now with this code (the payload written to the `ResponseWriter`).
    case respond(Code)
    /// Not ready: ask again at this instant. A CON request gets an empty ACK now and a separate
    /// CON response later (RFC 7252 §5.2.2).
    case later(Instant)
}

/// The node's resources as a static table: descriptors for routing and discovery, one handler.
public protocol ResourceTable {
    /// How many resources there are; indices run from 0.
    var resourceCount: Int { get }
    func descriptor(of resource: Int) -> ResourceDescriptor
    /// Answers a request: writes the representation through `response`. For a GET the server may
    /// ask for it again for every Block2 block and every notification, so it must be a function of
    /// the resource's state.
    mutating func handle(_ request: Request, response: inout ResponseWriter) -> Outcome
    /// When an observable resource will next change on its own (nil: only when the app says so
    /// through `CoAPServer.resourceChanged`).
    func nextChange(of resource: Int, after now: Instant) -> Instant?
}

extension ResourceTable {
    public func nextChange(of resource: Int, after now: Instant) -> Instant? { nil }
}

/// Where a handler writes a representation: a window onto it.
///
/// The handler always writes the whole representation; only the bytes inside the window (the
/// requested Block2 block) are kept, in the response datagram. Every byte goes through a hash that
/// becomes the ETag, so each block carries the ETag of the whole representation, and its length
/// becomes Size2. Writing never fails: what does not fit is counted, not stored.
public struct ResponseWriter {
    let area: UnsafeMutableRawBufferPointer
    let windowStart: Int
    let windowSize: Int
    /// Bytes of representation written so far (kept or not).
    public private(set) var total: Int = 0
    /// FNV-1a over the whole representation.
    private(set) var hash: UInt32 = 0x811C_9DC5
    /// The Content-Format option: the negotiated format unless the handler changes it (nil: none).
    public var contentFormat: UInt16?
    /// A Max-Age option in seconds (nil: none, which means 60 s to a client).
    public var maxAge: UInt32?

    init(area: UnsafeMutableRawBufferPointer, windowStart: Int, windowSize: Int, contentFormat: UInt16?) {
        self.area = area
        self.windowStart = windowStart
        self.windowSize = min(windowSize, area.count)
        self.contentFormat = contentFormat
    }

    /// Bytes of the window that hold representation.
    var kept: Int { max(0, min(total - windowStart, windowSize)) }

    public mutating func payload(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        let low = max(total, windowStart), high = min(total + bytes.count, windowStart + windowSize)
        if low < high {
            for i in low..<high { area[i - windowStart] = bytes[i - total] }
        }
        total += bytes.count
    }

    public mutating func payload(_ text: StaticString) {
        text.withUTF8Buffer { payload(UnsafeRawBufferPointer($0)) }
    }

    public mutating func payload(byte: UInt8) {
        withUnsafeBytes(of: byte) { payload($0) }
    }

    /// Decimal ASCII, through `ByteWriter.appendDecimal` (the core's one number formatter).
    public mutating func payload(decimal value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            var writer = ByteWriter(raw)
            writer.appendDecimal(value)
            payload(writer.written)
        }
    }

    public mutating func payload(decimal value: UInt32) { payload(decimal: Int64(bitPattern: UInt64(widening: value))) }

    /// Eight lowercase hex digits.
    public mutating func payload(hex value: UInt32) {
        for shift in stride(from: 28, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt32(shift)) & 0xF
            payload(byte: nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
        }
    }
}

extension ResourceTable {
    /// The index of the resource whose path equals the request's Uri-Path options, if any.
    func match(_ request: MessageView) -> Int? {
        for resource in 0..<resourceCount where pathMatches(descriptor(of: resource).path, request) {
            return resource
        }
        return nil
    }
}

/// Whether the Uri-Path options of `request` spell `path` ("/a/b" ~ Uri-Path "a", Uri-Path "b").
func pathMatches(_ path: StaticString, _ request: MessageView) -> Bool {
    path.withUTF8Buffer { text in
        var position = 0
        for i in 0..<request.optionCount where request.options[i].number == OptionNumber.uriPath {
            let segment = request.value(of: request.options[i])
            guard position < text.count, text[position] == UInt8(ascii: "/") else { return false }
            position += 1
            guard text.count - position >= segment.count else { return false }
            for j in 0..<segment.count where text[position + j] != segment[j] { return false }
            position += segment.count
            if position < text.count && text[position] != UInt8(ascii: "/") { return false }
        }
        return position == text.count
    }
}
