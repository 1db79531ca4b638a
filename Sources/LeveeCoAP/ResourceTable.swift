import LeveeBase

/// The node's resources as a static table: the server asks it for paths and link attributes (for
/// routing and `/.well-known/core`) and hands it matched requests. An app implements it with
/// `switch` statements over an index, so the table costs flash, not RAM.
public protocol ResourceTable {
    /// How many resources there are; indices run from 0.
    var resourceCount: Int { get }
    /// The resource's path, "/"-separated with a leading "/", e.g. "/sensors/stage".
    func path(of resource: Int) -> StaticString
    /// Its link-format attributes for discovery, e.g. `;rt="levee.stage";ct=110;obs` (may be "").
    func linkAttributes(of resource: Int) -> StaticString
    /// Answers a request for `resource`: writes options (in ascending order) and payload through
    /// `response`, and returns the response code.
    mutating func handle(resource: Int, request: MessageView, response: inout ResponseWriter, at now: Instant) -> Code
}

/// What a resource handler may write: options in ascending order, then the payload.
public struct ResponseWriter {
    public var builder: MessageBuilder
    private var payloadStarted = false

    init(_ builder: MessageBuilder) { self.builder = builder }

    public mutating func option(_ number: UInt16, uint value: UInt32) { builder.option(number, uint: value) }
    public mutating func option(_ number: UInt16, _ value: UnsafeRawBufferPointer) { builder.option(number, value) }

    /// Appends payload bytes (the marker is written before the first).
    public mutating func payload(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        startPayload()
        builder.writer.append(bytes)
    }

    public mutating func payload(_ text: StaticString) {
        text.withUTF8Buffer { payload(UnsafeRawBufferPointer($0)) }
    }

    public mutating func payload(decimal value: Int64) {
        startPayload()
        builder.writer.appendDecimal(value)
    }

    private mutating func startPayload() {
        if !payloadStarted {
            builder.payloadMarker()
            payloadStarted = true
        }
    }
}

extension ResourceTable {
    /// The index of the resource whose path equals the request's Uri-Path options, if any.
    func match(_ request: MessageView) -> Int? {
        for resource in 0..<resourceCount where pathMatches(path(of: resource), request) {
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
