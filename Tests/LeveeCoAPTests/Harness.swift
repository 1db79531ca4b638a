import LeveeApp
import LeveeBase
import LeveeCoAP
import XCTest

/// A CoAP message as a test writes or reads it.
struct Message: Equatable {
    var type: MessageType = .confirmable
    var code: Code = .get
    var messageID: UInt16 = 1
    var token: [UInt8] = []
    /// Options in any order; `encode` sorts them (stably).
    var options: [(number: UInt16, value: [UInt8])] = []
    var payload: [UInt8] = []

    static func == (a: Message, b: Message) -> Bool {
        a.type == b.type && a.code == b.code && a.messageID == b.messageID && a.token == b.token
            && a.options.map(\.number) == b.options.map(\.number) && a.options.map(\.value) == b.options.map(\.value)
            && a.payload == b.payload
    }

    static func request(_ code: Code = .get, _ path: String, type: MessageType = .confirmable, id: UInt16 = 1,
                        token: [UInt8] = [0x01], query: [String] = []) -> Message {
        var m = Message(type: type, code: code, messageID: id, token: token)
        for segment in path.split(separator: "/") { m.options.append((OptionNumber.uriPath, Array(segment.utf8))) }
        for q in query { m.options.append((OptionNumber.uriQuery, Array(q.utf8))) }
        return m
    }

    func with(_ number: UInt16, uint value: UInt32) -> Message {
        var m = self
        var bytes: [UInt8] = []
        var v = value
        while v > 0 { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
        m.options.append((number, bytes))
        return m
    }

    func with(payload: [UInt8]) -> Message {
        var m = self
        m.payload = payload
        return m
    }

    func encode() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 2048)
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            var b = MessageBuilder(raw)
            token.withUnsafeBytes { b.header(type: type, code: code, messageID: messageID, token: $0) }
            let sorted = options.enumerated().sorted { ($0.element.number, $0.offset) < ($1.element.number, $1.offset) }
            for (_, option) in sorted { option.value.withUnsafeBytes { b.option(option.number, $0) } }
            if !payload.isEmpty {
                b.payloadMarker()
                payload.withUnsafeBytes { b.writer.append($0) }
            }
            XCTAssertTrue(b.isValid)
            return b.written.count
        }
        return Array(buffer[0..<count])
    }

    static func decode(_ bytes: [UInt8]) -> Message? {
        bytes.withUnsafeBytes { raw -> Message? in
            guard let view = try? MessageView.parse(raw) else { return nil }
            var m = Message(type: view.type, code: view.code, messageID: view.messageID, token: Array(view.token))
            for i in 0..<view.optionCount {
                m.options.append((view.options[i].number, Array(view.value(of: view.options[i]))))
            }
            m.payload = Array(view.payload)
            return m
        }
    }

    func values(_ number: UInt16) -> [[UInt8]] { options.filter { $0.number == number }.map(\.value) }
    func uint(_ number: UInt16) -> UInt32? {
        values(number).first.map { $0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    }
    var text: String { String(decoding: payload, as: UTF8.self) }
}

/// The node's CoAP service driven by hand: datagrams in, replies and own messages out, time moved
/// by a `ManualClock` (no sleeping).
final class Harness {
    var node: NodeService
    var clock = ManualClock(Instant(microseconds: 1_000_000))
    let client = Endpoint(ipv4: 0x7F00_0001, port: 40000)

    init(configuration: CoAPConfiguration = CoAPConfiguration()) {
        node = NodeService(resources: NodeResources(bootTime: Instant(microseconds: 1_000_000)), seed: 12345,
                           configuration: configuration)
    }

    /// Sends raw bytes; returns the reply's bytes, if any.
    func sendRaw(_ bytes: [UInt8], from source: Endpoint? = nil) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: CoAPLimits.maxDatagram)
        let now = clock.now()
        let count = bytes.withUnsafeBytes { datagram in
            out.withUnsafeMutableBytes { buffer -> Int? in
                var reply = ByteWriter(buffer)
                return node.receive(datagram, from: source ?? client, at: now, reply: &reply) ? reply.count : nil
            }
        }
        return count.map { Array(out[0..<$0]) }
    }

    func send(_ message: Message, from source: Endpoint? = nil) -> Message? {
        guard let bytes = sendRaw(message.encode(), from: source) else { return nil }
        let decoded = Message.decode(bytes)
        XCTAssertNotNil(decoded, "the server's reply is well-formed CoAP")
        return decoded
    }

    /// The next message the node sends on its own now.
    func outgoing() -> (Endpoint, Message)? {
        var out = [UInt8](repeating: 0, count: CoAPLimits.maxDatagram)
        let now = clock.now()
        let result = out.withUnsafeMutableBytes { buffer -> (Endpoint, Int)? in
            var message = ByteWriter(buffer)
            guard let to = node.nextOutgoing(at: now, into: &message) else { return nil }
            return (to, message.count)
        }
        guard let (to, count) = result, let m = Message.decode(Array(out[0..<count])) else { return nil }
        return (to, m)
    }

    /// Advances to the node's next deadline (if it is within `limit`) and returns what it sends.
    func advanceToDeadline(limit: Interval = .seconds(3600)) -> (Endpoint, Message)? {
        guard let deadline = node.nextDeadline(), deadline.since(clock.now()) <= limit else { return nil }
        if clock.now() < deadline { clock.current = deadline }
        return outgoing()
    }

    func advance(_ interval: Interval) { clock.advance(by: interval) }
}
