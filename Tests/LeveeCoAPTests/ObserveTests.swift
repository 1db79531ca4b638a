import LeveeApp
import LeveeBase
import LeveeCoAP
import XCTest

/// Observe (RFC 7641) with a manual clock: notifications, CON every n-th, retransmission and
/// removal, deregistration, a full table.
final class ObserveTests: XCTestCase {
    func register(_ h: Harness, token: [UInt8], id: UInt16, from source: Endpoint? = nil) throws -> Message {
        let r = try XCTUnwrap(h.send(Message.request(.get, "test/ticker", id: id, token: token)
            .with(OptionNumber.observe, uint: 0), from: source))
        return r
    }

    func testTenNotificationsThenDeregisterWithObserve1() throws {
        let h = Harness()
        let first = try register(h, token: [0xAA], id: 1)
        XCTAssertEqual(first.code, .content)
        var last = try XCTUnwrap(first.uint(OptionNumber.observe))
        XCTAssertEqual(h.node.counters.observers, 1)
        var confirmable = 0
        for n in 1...10 {
            let (to, m) = try XCTUnwrap(h.advanceToDeadline(), "notification \(n)")
            XCTAssertEqual(to, h.client)
            XCTAssertEqual(m.token, [0xAA])
            XCTAssertEqual(m.code, .content)
            let sequence = try XCTUnwrap(m.uint(OptionNumber.observe))
            XCTAssertGreaterThan(sequence, last)
            XCTAssertLessThanOrEqual(sequence, 0xFF_FFFF)
            last = sequence
            XCTAssertNotNil(m.uint(OptionNumber.maxAge))
            XCTAssertEqual(m.values(OptionNumber.eTag).first?.count, 4)
            if m.type == .confirmable {
                confirmable += 1
                XCTAssertNil(h.sendRaw([0x60, 0x00, UInt8(m.messageID >> 8), UInt8(m.messageID & 0xFF)]), "ACK it")
            }
        }
        XCTAssertEqual(confirmable, 2, "every 5th notification is CON")
        XCTAssertEqual(h.node.counters.notificationsSent, 10)
        let off = try XCTUnwrap(h.send(Message.request(.get, "test/ticker", id: 2, token: [0xAA]).with(OptionNumber.observe, uint: 1)))
        XCTAssertEqual(off.code, .content)
        XCTAssertNil(off.uint(OptionNumber.observe))
        XCTAssertEqual(h.node.counters.observers, 0)
        XCTAssertNil(h.node.nextDeadline())
    }

    /// An alarm: `resourceChanged(_:confirmable: true)` makes the next notification CON whatever
    /// the pacing; a second alarm while that CON is unacknowledged waits for the ACK (NSTART 1)
    /// instead of going out NON; an ordinary change stays NON.
    func testConfirmableChangeIsNotifiedConAndWaitsForTheConInFlight() throws {
        let h = Harness()
        let risk = h.node.resources.riskIndex
        let first = try XCTUnwrap(h.send(Message.request(.get, "risk", id: 1, token: [7]).with(OptionNumber.observe, uint: 0)))
        XCTAssertEqual(first.code, .content)
        h.node.resourceChanged(risk)
        let (_, plain) = try XCTUnwrap(h.outgoing())
        XCTAssertEqual(plain.type, .nonConfirmable, "an ordinary change: NON")

        h.node.resourceChanged(risk, confirmable: true)
        let (_, alarm) = try XCTUnwrap(h.outgoing())
        XCTAssertEqual(alarm.type, .confirmable)
        XCTAssertEqual(alarm.token, [7])
        h.node.resourceChanged(risk, confirmable: true)
        XCTAssertNil(h.outgoing(), "the second alarm waits for the first one's ACK")
        XCTAssertNil(h.sendRaw([0x60, 0x00, UInt8(alarm.messageID >> 8), UInt8(alarm.messageID & 0xFF)]), "ACK")
        let (_, second) = try XCTUnwrap(h.outgoing())
        XCTAssertEqual(second.type, .confirmable, "then it goes out, CON")
        XCTAssertNotEqual(second.messageID, alarm.messageID)
        XCTAssertGreaterThan(try XCTUnwrap(second.uint(OptionNumber.observe)), try XCTUnwrap(alarm.uint(OptionNumber.observe)))
        XCTAssertNil(h.sendRaw([0x60, 0x00, UInt8(second.messageID >> 8), UInt8(second.messageID & 0xFF)]))
        h.node.resourceChanged(risk)
        XCTAssertEqual(try XCTUnwrap(h.outgoing()).1.type, .nonConfirmable, "back to the ordinary pacing")
    }

    func testResetToNonNotificationRemovesObserver() throws {
        let h = Harness()
        _ = try register(h, token: [1], id: 1)
        let (_, m) = try XCTUnwrap(h.advanceToDeadline())
        XCTAssertEqual(m.type, .nonConfirmable)
        XCTAssertNil(h.sendRaw([0x70, 0x00, UInt8(m.messageID >> 8), UInt8(m.messageID & 0xFF)]))
        XCTAssertEqual(h.node.counters.observers, 0)
        XCTAssertEqual(h.node.counters.observersRemoved, 1)
        XCTAssertNil(h.node.nextDeadline())
    }

    func testUnacknowledgedConNotificationIsRetransmittedThenTheObserverRemoved() throws {
        let h = Harness(configuration: CoAPConfiguration(observeMaxInterval: .seconds(60), confirmableEvery: 1))
        _ = try register(h, token: [2], id: 1)
        let (_, m) = try XCTUnwrap(h.advanceToDeadline())
        XCTAssertEqual(m.type, .confirmable)
        var sentAt = h.clock.now()
        var waits: [UInt64] = []
        for _ in 1...4 {
            let (_, again) = try XCTUnwrap(h.advanceToDeadline())
            XCTAssertEqual(again.messageID, m.messageID, "a retransmission keeps the MID")
            XCTAssertEqual(again.type, .confirmable)
            waits.append(h.clock.now().since(sentAt).microseconds)
            sentAt = h.clock.now()
        }
        XCTAssertTrue((2_000_000..<3_000_000).contains(waits[0]), "\(waits)")
        for i in 1..<4 { XCTAssertEqual(waits[i], waits[i - 1] * 2, "the timeout doubles: \(waits)") }
        XCTAssertNil(h.advanceToDeadline(), "after MAX_RETRANSMIT the observer is given up")
        XCTAssertEqual(h.node.counters.observers, 0)
        XCTAssertEqual(h.node.counters.notificationsLost, 1)
        XCTAssertEqual(h.node.counters.retransmissions, 4)
        XCTAssertNil(h.node.nextDeadline())
    }

    /// RFC 7641 §4.1: a server that cannot add an observer answers the GET as usual, without
    /// Observe, and the client knows it is not registered.
    func testFullTableAnswersAPlainGetWithoutObserve() throws {
        let h = Harness()
        for i in 0..<CoAPLimits.observerCapacity {
            let r = try register(h, token: [UInt8(truncatingIfNeeded: i)], id: UInt16(i + 1),
                                 from: Endpoint(ipv4: 0x0A00_0000 + UInt32(i), port: 5683))
            XCTAssertNotNil(r.uint(OptionNumber.observe))
        }
        XCTAssertEqual(CoAPLimits.observerCapacity, 100)
        let refused = try register(h, token: [0x99], id: 1000)
        XCTAssertEqual(refused.code, .content)
        XCTAssertNil(refused.uint(OptionNumber.observe), "not registered: no Observe option")
        XCTAssertEqual(h.node.counters.observeRefused, 1)
        XCTAssertEqual(h.node.counters.observers, UInt32(CoAPLimits.observerCapacity))
        // Re-registering an existing (endpoint, token) replaces it and needs no new slot.
        let again = try register(h, token: [3], id: 1001, from: Endpoint(ipv4: 0x0A00_0003, port: 5683))
        XCTAssertEqual(again.code, .content)
        XCTAssertNotNil(again.uint(OptionNumber.observe))
        XCTAssertEqual(h.node.counters.observers, UInt32(CoAPLimits.observerCapacity))
        XCTAssertEqual(h.node.counters.observeRefused, 1)
    }

    func testMaxIntervalNotificationForAResourceThatDoesNotChange() throws {
        let h = Harness(configuration: CoAPConfiguration(observeMaxInterval: .seconds(30)))
        _ = try h.send(Message.request(.get, "test/store", id: 1, token: [3]).with(OptionNumber.observe, uint: 0))
        let before = h.clock.now()
        let (_, m) = try XCTUnwrap(h.advanceToDeadline())
        XCTAssertEqual(h.clock.now().since(before), .seconds(30))
        XCTAssertEqual(m.token, [3])
    }
}
