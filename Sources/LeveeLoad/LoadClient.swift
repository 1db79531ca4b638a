import LeveeBase
import LeveeCoAP

/// One simulated CoAP client: its socket, message IDs, tokens and the one request it has in flight.
struct LoadClient {
    let descriptor: Int32
    /// This client's number, the high half of every token it sends.
    let index: UInt32
    var nextMessageID: UInt16
    /// Requests issued so far; the low half of the token.
    var issued: UInt32 = 0

    var outstanding = false
    var operation: LoadPlan.Operation = .get
    var messageID: UInt16 = 0
    var firstSent: UInt64 = 0
    var deadline: UInt64 = 0
    var timeout: UInt64 = 0
    var retransmissions = 0
    /// An empty ACK arrived: the response will come separately, so stop retransmitting.
    var acknowledged = false
    /// Registered as an observer; notifications keep arriving with the registration's token.
    var observing = false
    /// Its registration was answered without Observe: it stays idle rather than poll.
    var observeRefused = false
    var notifications = 0

    /// The request as sent, kept for retransmission.
    var request: [UInt8]
    var requestLength = 0

    init(descriptor: Int32, index: UInt32, firstMessageID: UInt16) {
        self.descriptor = descriptor
        self.index = index
        nextMessageID = firstMessageID
        request = [UInt8](repeating: 0, count: CoAPLimits.maxDatagram)
    }

    var currentToken: UInt64 { UInt64(index) << 32 | UInt64(issued) }

    /// Writes the next request into `request`, advancing message ID and token.
    mutating func prepare(_ operation: LoadPlan.Operation, plan: LoadPlan, pathSegments: [[UInt8]],
                          querySegments: [[UInt8]]) {
        issued &+= 1
        self.operation = operation
        let type: MessageType = plan.confirmable || operation == .observe ? .confirmable : .nonConfirmable
        write(type: type, code: operation == .put ? .put : .get, observe: operation == .observe ? 0 : nil,
              pathSegments: pathSegments, querySegments: querySegments,
              payload: operation == .put ? plan.putPayload : nil)
        acknowledged = false
        retransmissions = 0
    }

    /// Writes a NON GET with Observe=1 and the registration's token, which deregisters (RFC 7641 §3.6).
    mutating func prepareDeregistration(pathSegments: [[UInt8]], querySegments: [[UInt8]]) {
        write(type: .nonConfirmable, code: .get, observe: 1, pathSegments: pathSegments,
              querySegments: querySegments, payload: nil)
    }

    private mutating func write(type: MessageType, code: Code, observe: UInt32?, pathSegments: [[UInt8]],
                                querySegments: [[UInt8]], payload: [UInt8]?) {
        messageID = nextMessageID
        nextMessageID &+= 1
        var token = currentToken.bigEndian
        let messageID = messageID
        requestLength = request.withUnsafeMutableBytes { buffer in
            var builder = MessageBuilder(buffer)
            withUnsafeBytes(of: &token) { builder.header(type: type, code: code, messageID: messageID, token: $0) }
            if let observe { builder.option(OptionNumber.observe, uint: observe) }
            for segment in pathSegments {
                segment.withUnsafeBytes { builder.option(OptionNumber.uriPath, $0) }
            }
            if payload != nil { builder.option(OptionNumber.contentFormat, uint: UInt32(ContentFormat.textPlain)) }
            for segment in querySegments {
                segment.withUnsafeBytes { builder.option(OptionNumber.uriQuery, $0) }
            }
            if let payload {
                builder.payloadMarker()
                payload.withUnsafeBytes { builder.writer.append($0) }
            }
            return builder.written.count
        }
    }
}
