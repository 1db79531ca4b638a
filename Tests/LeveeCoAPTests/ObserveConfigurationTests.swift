import LeveeApp
import LeveeBase
import LeveeCoAP
import XCTest

/// `observe-max-interval` in `/config` is the node's CoAP server setting: an observer of a resource
/// that does not change hears from the node at that interval (RFC 7641 §4.3.1).
final class ObserveConfigurationTests: XCTestCase {
    func testTheConfiguredMaximumIntervalPacesNotifications() throws {
        var node = NodeService(bootTime: .zero)
        let client = Endpoint(ipv4: 0x7F00_0001, port: 40000)
        let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: CoAPLimits.maxDatagram, alignment: 8)
        defer { reply.deallocate() }
        func send(_ message: Message, at now: Instant) -> Message? {
            message.encode().withUnsafeBytes { datagram -> Message? in
                var writer = ByteWriter(reply)
                guard node.receive(datagram, from: client, at: now, reply: &writer) else { return nil }
                return Message.decode(Array(writer.written))
            }
        }
        func outgoing(at now: Instant) -> Message? {
            var writer = ByteWriter(reply)
            guard node.nextOutgoing(at: now, into: &writer) != nil else { return nil }
            return Message.decode(Array(writer.written))
        }

        let change = Message.request(.put, "config", id: 1).with(OptionNumber.contentFormat, uint: 0)
            .with(payload: Array("observe-max-interval=5".utf8))
        XCTAssertEqual(send(change, at: .zero)?.code, .changed)
        node.adoptObserveConfiguration()
        XCTAssertEqual(node.configuration.observeMaxInterval, .seconds(5))

        let register = Message.request(.get, "risk", id: 2, token: [9]).with(OptionNumber.observe, uint: 0)
        XCTAssertNotNil(send(register, at: .zero)?.uint(OptionNumber.observe), "registered")
        XCTAssertNil(outgoing(at: Instant(microseconds: 4_900_000)), "nothing before the interval")
        let notification = try XCTUnwrap(outgoing(at: Instant(microseconds: 5_000_000)), "a notification at 5 s")
        XCTAssertEqual(notification.token, [9])
        XCTAssertNotNil(notification.uint(OptionNumber.observe))

        let refused = Message.request(.put, "config", id: 3).with(OptionNumber.contentFormat, uint: 0)
            .with(payload: Array("observe-max-interval=0".utf8))
        XCTAssertEqual(send(refused, at: Instant(microseconds: 5_000_000))?.code, .badRequest)
    }
}
