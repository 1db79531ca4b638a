import LeveeApp
import LeveeBase
import LeveeCoAP
import XCTest

/// Malformed datagrams: RST for a malformed CON whose message ID is readable, silence otherwise,
/// and the counters say what happened.
final class BadInputTests: XCTestCase {
    func testTruncatedHeadersAreDropped() {
        let h = Harness()
        for length in 0..<4 {
            XCTAssertNil(h.sendRaw(Array([0x40, 0x01, 0x12, 0x34].prefix(length))), "length \(length)")
        }
        XCTAssertEqual(h.node.counters.malformed, 4)
        XCTAssertEqual(h.node.counters.resetsSent, 0)
    }

    func testTokenLength9To15IsRejectedWithReset() throws {
        let h = Harness()
        for tkl in UInt8(9)...15 {
            let datagram: [UInt8] = [0x40 | tkl, 0x01, 0x00, tkl] + [UInt8](repeating: 0xAA, count: Int(tkl))
            let reply = try XCTUnwrap(h.sendRaw(datagram))
            XCTAssertEqual(reply, [0x70, 0x00, 0x00, tkl], "RST with the same MID for TKL \(tkl)")
            // The same as NON: dropped.
            XCTAssertNil(h.sendRaw([0x50 | tkl, 0x01, 0x01, tkl] + [UInt8](repeating: 0xAA, count: Int(tkl))))
        }
        XCTAssertEqual(h.node.counters.malformed, 14)
        XCTAssertEqual(h.node.counters.resetsSent, 7)
        XCTAssertEqual(h.node.counters.requests, 0)
    }

    func testOptionLengthPastTheEnd() throws {
        let h = Harness()
        // Uri-Path of length 5 with 2 bytes present; then an extended length byte missing.
        XCTAssertEqual(h.sendRaw([0x40, 0x01, 0x00, 0x07, 0xB5, 0x61, 0x62]), [0x70, 0x00, 0x00, 0x07])
        XCTAssertEqual(h.sendRaw([0x40, 0x01, 0x00, 0x08, 0xBD]), [0x70, 0x00, 0x00, 0x08])
        XCTAssertEqual(h.sendRaw([0x40, 0x01, 0x00, 0x09, 0xDE, 0x01]), [0x70, 0x00, 0x00, 0x09])
        XCTAssertNil(h.sendRaw([0x60, 0x45, 0x00, 0x0A, 0xB5, 0x61]), "a malformed ACK is ignored")
        XCTAssertEqual(h.node.counters.malformed, 4)
    }

    func testReservedDeltaAndLength15() {
        let h = Harness()
        XCTAssertEqual(h.sendRaw([0x40, 0x01, 0x00, 0x01, 0xF0]), [0x70, 0x00, 0x00, 0x01], "delta 15 without 0xFF")
        XCTAssertEqual(h.sendRaw([0x40, 0x01, 0x00, 0x02, 0x1F, 0x00]), [0x70, 0x00, 0x00, 0x02], "length 15")
        XCTAssertEqual(h.node.counters.malformed, 2)
    }

    func testPayloadMarkerWithoutPayload() {
        let h = Harness()
        XCTAssertEqual(h.sendRaw([0x40, 0x01, 0x00, 0x03, 0xFF]), [0x70, 0x00, 0x00, 0x03])
        XCTAssertNil(h.sendRaw([0x50, 0x01, 0x00, 0x04, 0xFF]))
        XCTAssertEqual(h.node.counters.malformed, 2)
    }

    func testWrongVersionIsSilentlyIgnored() {
        let h = Harness()
        for version: UInt8 in [0, 2, 3] {
            XCTAssertNil(h.sendRaw([version << 6 | 0x00, 0x01, 0x00, 0x05]))
        }
        XCTAssertEqual(h.node.counters.malformed, 3)
        XCTAssertEqual(h.node.counters.resetsSent, 0)
    }

    func testUnknownCriticalOptionIsBadOptionAndElectiveIsIgnored() throws {
        let h = Harness()
        let critical = try XCTUnwrap(h.send(Message.request(.get, "sys/firmware").with(9, uint: 1)))
        XCTAssertEqual(critical.code, .badOption)
        XCTAssertEqual(critical.type, .acknowledgement)
        let elective = try XCTUnwrap(h.send(Message.request(.get, "sys/firmware", id: 2).with(2000, uint: 1)))
        XCTAssertEqual(elective.code, .content)
        XCTAssertEqual(elective.text, "levee-node 0.1")
    }

    func testPingUnsolicitedResponseAndStrayMessages() throws {
        let h = Harness()
        XCTAssertEqual(h.sendRaw([0x40, 0x00, 0x12, 0x34]), [0x70, 0x00, 0x12, 0x34], "CoAP ping gets RST")
        XCTAssertNil(h.sendRaw([0x50, 0x00, 0x12, 0x35]), "empty NON is ignored")
        XCTAssertEqual(h.sendRaw([0x40, 0x45, 0x12, 0x36]), [0x70, 0x00, 0x12, 0x36], "unsolicited CON response gets RST")
        XCTAssertNil(h.sendRaw([0x50, 0x45, 0x12, 0x37]), "unsolicited NON response is ignored")
        XCTAssertNil(h.sendRaw([0x60, 0x00, 0x12, 0x38]), "unmatched ACK is ignored")
        XCTAssertNil(h.sendRaw([0x70, 0x00, 0x12, 0x39]), "unmatched RST is ignored")
        XCTAssertEqual(h.node.counters.resetsReceived, 1)
        XCTAssertEqual(h.node.counters.requests, 0)
    }

    /// 10,000 random datagrams and 10,000 mutations of valid requests: no crash, every reply
    /// well-formed, and every datagram accounted for by exactly one counter.
    func testRandomAndMutatedDatagrams() throws {
        let h = Harness()
        var rng = CoAPRandom(seed: 0xC0A9)
        var sent: UInt32 = 0
        func check(_ datagram: [UInt8]) {
            sent += 1
            guard let reply = h.sendRaw(datagram) else { return }
            let decoded = Message.decode(reply)
            XCTAssertNotNil(decoded, "reply to \(datagram) is well-formed")
            guard let decoded, datagram.count >= 4 else { return }
            let mid = UInt16(datagram[2]) << 8 | UInt16(datagram[3])
            if decoded.type == .acknowledgement || decoded.type == .reset {
                XCTAssertEqual(decoded.messageID, mid, "ACK/RST carry the request's MID")
            }
            XCTAssertNotEqual(datagram[0] >> 4 & 0x3, MessageType.acknowledgement.rawValue, "an ACK is never answered")
        }
        for _ in 0..<10_000 {
            let length = Int(rng.next(below: 64))
            var datagram = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if length > 0 && rng.next(below: 2) == 0 { datagram[0] = 0x40 | datagram[0] & 0x3F }   // version 1 half the time
            check(datagram)
        }
        let valid: [[UInt8]] = [
            Message.request(.get, ".well-known/core", query: ["rt=levee.*"]).encode(),
            Message.request(.get, "test/blob").with(OptionNumber.block2, uint: 0x22).encode(),
            Message.request(.put, "test/store").with(OptionNumber.contentFormat, uint: 0).with(payload: Array("hi".utf8)).encode(),
            Message.request(.get, "test/ticker").with(OptionNumber.observe, uint: 0).encode(),
            Message.request(.put, "test/upload").with(OptionNumber.block1, uint: 0x0A).with(payload: [UInt8](repeating: 7, count: 64)).encode(),
        ]
        for i in 0..<10_000 {
            var datagram = valid[i % valid.count]
            switch rng.next(below: 4) {
            case 0:   // flip bits
                for _ in 0...rng.next(below: 4) {
                    let at = Int(rng.next(below: UInt32(datagram.count)))
                    datagram[at] ^= UInt8(1) << UInt8(rng.next(below: 8))
                }
            case 1:   // truncate
                datagram = Array(datagram.prefix(Int(rng.next(below: UInt32(datagram.count)))))
            case 2:   // overwrite a byte
                datagram[Int(rng.next(below: UInt32(datagram.count)))] = UInt8(truncatingIfNeeded: rng.next())
            default:  // insert random bytes
                let at = Int(rng.next(below: UInt32(datagram.count)))
                datagram.insert(contentsOf: (0...rng.next(below: 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            }
            if datagram.count > 2 { datagram[2] = UInt8(truncatingIfNeeded: i >> 8) }   // fresh MIDs
            if datagram.count > 3 { datagram[3] = UInt8(truncatingIfNeeded: i) }
            check(datagram)
            h.advance(.milliseconds(10))
            while h.outgoing() != nil {}
        }
        let c = h.node.counters
        XCTAssertEqual(c.requests + c.malformed + c.ignored + c.duplicates + c.duplicatesIgnored + c.resetsReceived
                       + c.acknowledgements, sent, "every datagram counted once")
        XCTAssertGreaterThan(c.malformed, 1000)
        XCTAssertGreaterThan(c.requests, 1000)
        // The node still works.
        let after = try XCTUnwrap(h.send(Message.request(.get, "sys/firmware", id: 0xFFFF, token: [9])))
        XCTAssertEqual(after.code, .content)
    }
}
