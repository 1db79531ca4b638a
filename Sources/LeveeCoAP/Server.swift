import LeveeBase

/// Counters the server keeps (served at a `/sys/coap` resource).
public struct CoAPCounters: Sendable {
    public var requests: UInt32 = 0
    public var responses2xx: UInt32 = 0
    public var responses4xx: UInt32 = 0
    public var responses5xx: UInt32 = 0
    public var malformed: UInt32 = 0
    public var resetsSent: UInt32 = 0
    public var resetsReceived: UInt32 = 0
    public var ignored: UInt32 = 0
    public init() {}
}

/// The CoAP server: RFC 7252 message handling over a static resource table, plus
/// `/.well-known/core` generated from that table.
public struct CoAPServer<Resources: ResourceTable>: DatagramService {
    public var resources: Resources
    public private(set) var counters = CoAPCounters()
    private var nextMessageID: UInt16

    public init(resources: Resources, firstMessageID: UInt16 = 0x4C45) {
        self.resources = resources
        nextMessageID = firstMessageID
    }

    public mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Endpoint, at now: Instant,
                                 reply: inout ByteWriter) -> Bool {
        let request: MessageView
        do throws(ParseError) {
            request = try MessageView.parse(datagram)
        } catch {
            counters.malformed += 1
            // A malformed CON is rejected with RST (§4.2); everything else is silently dropped.
            guard error != .truncatedHeader, error != .unsupportedVersion,
                  datagram[0] >> 4 & 0x3 == MessageType.confirmable.rawValue else { return false }
            return reset(messageID: UInt16(datagram[2]) << 8 | UInt16(datagram[3]), into: &reply)
        }

        switch request.type {
        case .acknowledgement:
            return false
        case .reset:
            counters.resetsReceived += 1
            return false
        case .confirmable, .nonConfirmable:
            break
        }
        if request.code.isEmpty {
            // CoAP ping: an empty CON is answered with RST (§4.3); an empty NON is ignored.
            return request.type == .confirmable ? reset(messageID: request.messageID, into: &reply) : false
        }
        guard request.code.isRequest else {
            // A response we never asked for: reject a CON, ignore the rest (§4.2, §4.3).
            counters.ignored += 1
            return request.type == .confirmable ? reset(messageID: request.messageID, into: &reply) : false
        }
        counters.requests += 1
        return respond(to: request, at: now, into: &reply)
    }

    public mutating func nextOutgoing(at now: Instant, into message: inout ByteWriter) -> Endpoint? { nil }

    public func nextDeadline() -> Instant? { nil }

    // MARK: - Requests

    private mutating func respond(to request: MessageView, at now: Instant, into reply: inout ByteWriter) -> Bool {
        // A CON is answered piggybacked in the ACK (same message ID); a NON with a NON of our own.
        let type: MessageType = request.type == .confirmable ? .acknowledgement : .nonConfirmable
        let messageID = type == .acknowledgement ? request.messageID : takeMessageID()
        var builder = MessageBuilder(reply.buffer)
        builder.header(type: type, code: .content, messageID: messageID, token: request.token)

        var response = ResponseWriter(builder)
        var code: Code
        if firstUnknownCriticalOption(request) != nil {
            code = .badOption
        } else if pathMatches("/.well-known/core", request) {
            code = request.code == .get ? discovery(&response) : .methodNotAllowed
        } else if let resource = resources.match(request) {
            code = resources.handle(resource: resource, request: request, response: &response, at: now)
        } else {
            code = .notFound
        }
        builder = response.builder
        if !builder.isValid {
            code = .internalServerError   // the handler wrote more than a datagram holds
        }
        if code.codeClass == 2 && builder.isValid {
            builder.writer.buffer[1] = code.rawValue   // the code is known only after the handler ran
        } else {
            // Errors carry no options or payload from the handler.
            builder = MessageBuilder(reply.buffer)
            builder.header(type: type, code: code, messageID: messageID, token: request.token)
        }
        return finish(builder, code: code, into: &reply)
    }

    private mutating func finish(_ builder: MessageBuilder, code: Code, into reply: inout ByteWriter) -> Bool {
        switch code.codeClass {
        case 2: counters.responses2xx += 1
        case 4: counters.responses4xx += 1
        default: counters.responses5xx += 1
        }
        reply = builder.writer
        return true
    }

    private mutating func reset(messageID: UInt16, into reply: inout ByteWriter) -> Bool {
        var builder = MessageBuilder(reply.buffer)
        builder.header(type: .reset, code: .empty, messageID: messageID, token: UnsafeRawBufferPointer(start: nil, count: 0))
        counters.resetsSent += 1
        reply = builder.writer
        return true
    }

    private mutating func takeMessageID() -> UInt16 {
        defer { nextMessageID &+= 1 }
        return nextMessageID
    }

    /// The first critical option the server does not know (§5.4.1), answered 4.02.
    private func firstUnknownCriticalOption(_ request: MessageView) -> UInt16? {
        for i in 0..<request.optionCount {
            let number = request.options[i].number
            guard OptionNumber.isCritical(number) else { continue }
            switch number {
            case OptionNumber.ifMatch, OptionNumber.uriHost, OptionNumber.ifNoneMatch, OptionNumber.uriPort,
                 OptionNumber.uriPath, OptionNumber.uriQuery, OptionNumber.accept, OptionNumber.block2,
                 OptionNumber.block1:
                continue
            default:
                return number
            }
        }
        return nil
    }

    /// `/.well-known/core` (RFC 6690): every resource of the table in link format.
    private func discovery(_ response: inout ResponseWriter) -> Code {
        response.option(OptionNumber.contentFormat, uint: UInt32(ContentFormat.linkFormat))
        for resource in 0..<resources.resourceCount {
            if resource > 0 { response.payload(",") }
            response.payload("<")
            response.payload(resources.path(of: resource))
            response.payload(">")
            response.payload(resources.linkAttributes(of: resource))
        }
        return .content
    }
}
