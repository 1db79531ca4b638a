import XCTest
import LeveeBase
@testable import LeveeNet

/// A frame buffer for tests.
final class Frame {
    var bytes = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
    func with<T>(_ body: (UnsafeMutableRawBufferPointer) -> T) -> T { bytes.withUnsafeMutableBytes(body) }
}

/// Parsed view of a DHCP frame sent by the node.
struct SentDHCP {
    var type: UInt8 = 0
    var xid: UInt32 = 0
    var ciaddr: UInt32 = 0
    var sourceIP: IPv4Address = .unspecified
    var destinationIP: IPv4Address = .unspecified
    var destinationMAC: MACAddress = .zero
    var requested: IPv4Address?
    var server: IPv4Address?
    var length = 0

    init?(_ f: [UInt8], count: Int) {
        guard count > 42 + 240, f[12] == 0x08, f[13] == 0x00, f[23] == 17,
              f[36] == 0, f[37] == 67 else { return nil }
        func u32(_ o: Int) -> UInt32 { UInt32(f[o]) << 24 | UInt32(f[o + 1]) << 16 | UInt32(f[o + 2]) << 8 | UInt32(f[o + 3]) }
        destinationMAC = MACAddress(f[0], f[1], f[2], f[3], f[4], f[5])
        sourceIP = IPv4Address(u32(26)); destinationIP = IPv4Address(u32(30))
        let b = 42
        xid = u32(b + 4); ciaddr = u32(b + 12)
        var o = b + 240
        while o < count, f[o] != 255 {
            if f[o] == 0 { o += 1; continue }
            let code = f[o], len = Int(f[o + 1])
            if code == 53 { type = f[o + 2] }
            if code == 50 { requested = IPv4Address(u32(o + 2)) }
            if code == 54 { server = IPv4Address(u32(o + 2)) }
            o += 2 + len
        }
        length = count - b
    }
}

final class DHCPTests: XCTestCase {
    let nodeMAC = MACAddress(0x02, 0, 0, 0, 0, 0x42)
    let serverMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    let serverIP = IPv4Address(10, 9, 0, 1)
    let offered = IPv4Address(10, 9, 0, 50)
    var clock = ManualClock(Instant(microseconds: 1_000_000))
    let rx = Frame(), tx = Frame()

    /// The server side: a stack at 10.9.0.1 that frames BOOTP replies.
    lazy var server = NetworkStack(mac: serverMAC, addressing: .fixed(address: serverIP, prefixLength: 24, gateway: .unspecified),
                                   now: clock.now())

    /// Builds a BOOTP reply in `rx` and returns its frame length.
    func reply(type: UInt8, xid: UInt32, yiaddr: IPv4Address, lease: UInt32 = 60, to destination: IPv4Address = .broadcast,
               chaddr: MACAddress? = nil) -> Int {
        var p = [UInt8](repeating: 0, count: 240)
        p[0] = 2; p[1] = 1; p[2] = 6
        p.replaceSubrange(4..<8, with: withUnsafeBytes(of: xid.bigEndian, Array.init))
        p.replaceSubrange(16..<20, with: withUnsafeBytes(of: yiaddr.value.bigEndian, Array.init))
        let mac = chaddr ?? nodeMAC
        for i in 0..<6 { p[28 + i] = mac[i] }
        p.replaceSubrange(236..<240, with: [99, 130, 83, 99])
        p += [53, 1, type, 54, 4] + withUnsafeBytes(of: serverIP.value.bigEndian, Array.init)
        p += [51, 4] + withUnsafeBytes(of: lease.bigEndian, Array.init)
        p += [1, 4, 255, 255, 255, 0, 3, 4] + withUnsafeBytes(of: serverIP.value.bigEndian, Array.init) + [255]
        rx.bytes.replaceSubrange(udpPayloadOffset..<udpPayloadOffset + p.count, with: p)
        let now = clock.now()
        if !destination.isMulticast && destination != .broadcast {
            server.arpCache.insert(destination, mac: nodeMAC, now: now)
        }
        let result = rx.with { server.sendUDP(from: 67, to: IPv4Endpoint(address: destination, port: 68),
                                              payloadLength: p.count, frame: $0, now: now) }
        guard case let .transmit(n) = result else { XCTFail("server could not frame: \(result)"); return 0 }
        return n
    }

    func deliver(_ node: inout NetworkStack, _ count: Int) -> ReceiveEvent {
        let now = clock.now()
        return rx.with { r in tx.with { t in node.receive(UnsafeRawBufferPointer(rebasing: r[0..<count]), now: now, transmit: t) } }
    }

    func poll(_ node: inout NetworkStack) -> PollEvent {
        let now = clock.now()
        return tx.with { node.poll(now: now, transmit: $0) }
    }

    /// Polls until idle; returns the DHCP messages sent (IGMP reports are skipped).
    func pollDHCP(_ node: inout NetworkStack) -> [SentDHCP] {
        var sent: [SentDHCP] = []
        for _ in 0..<10 {
            guard case let .transmit(n) = poll(&node) else { break }
            if let m = SentDHCP(tx.bytes, count: n) { sent.append(m) }
        }
        return sent
    }

    func bind(_ node: inout NetworkStack) -> UInt32 {
        let discover = pollDHCP(&node)
        XCTAssertEqual(discover.count, 1)
        XCTAssertEqual(discover.first?.type, 1)
        XCTAssertEqual(discover.first?.destinationMAC, .broadcast)
        XCTAssertEqual(discover.first?.destinationIP, .broadcast)
        XCTAssertEqual(discover.first?.sourceIP, .unspecified)
        XCTAssertGreaterThanOrEqual(discover.first?.length ?? 0, NetLimits.dhcpMinMessageLength)
        let xid = discover.first?.xid ?? 0
        let offer = reply(type: 2, xid: xid, yiaddr: offered)
        guard case let .transmit(n) = deliver(&node, offer), let request = SentDHCP(tx.bytes, count: n) else {
            XCTFail("OFFER must be answered with a REQUEST"); return xid
        }
        XCTAssertEqual(request.type, 3)
        XCTAssertEqual(request.requested, offered)
        XCTAssertEqual(request.server, serverIP)
        XCTAssertEqual(request.xid, xid)
        let ack = reply(type: 5, xid: xid, yiaddr: offered)
        guard case .consumed = deliver(&node, ack) else { XCTFail("ACK is consumed"); return xid }
        XCTAssertEqual(node.address, offered)
        XCTAssertEqual(node.prefixLength, 24)
        XCTAssertEqual(node.gateway, serverIP)
        XCTAssertEqual(node.dhcp?.state, .bound)
        return xid
    }

    func testDiscoverOfferRequestAckThenRenewalAtT1() {
        var node = NetworkStack(mac: nodeMAC, addressing: .dhcp(seed: 7), now: clock.now())
        XCTAssertFalse(node.hasAddress)
        let xid = bind(&node)
        // After binding: an ARP announcement of the new address (sender = target = 10.9.0.50) ...
        guard case let .transmit(announce) = poll(&node) else { return XCTFail("ARP announcement expected") }
        XCTAssertEqual(announce, 42)
        XCTAssertEqual(Array(tx.bytes[0..<6]), [255, 255, 255, 255, 255, 255])
        XCTAssertEqual(Array(tx.bytes[28..<32]), [10, 9, 0, 50])
        XCTAssertEqual(Array(tx.bytes[38..<42]), [10, 9, 0, 50])
        // ... and the IGMP join for All-CoAP-Nodes.
        guard case let .transmit(n) = poll(&node) else { return XCTFail("IGMP report expected") }
        XCTAssertEqual(tx.bytes[23], 2, "IGMP")
        XCTAssertEqual(Array(tx.bytes[30..<34]), [224, 0, 1, 187])
        XCTAssertEqual(n, 14 + 24 + 8, "Router Alert option")

        // Before T1 (30 s of a 60 s lease): nothing.
        clock.advance(by: .seconds(29))
        XCTAssertTrue(pollDHCP(&node).isEmpty)
        // At T1: a unicast renewal to the server, preceded by ARP for it (its MAC is not known yet).
        clock.advance(by: .seconds(1))
        guard case let .transmit(arpCount) = poll(&node) else { return XCTFail("ARP for the server expected") }
        XCTAssertEqual(arpCount, 42)
        XCTAssertEqual(Array(tx.bytes[12..<14]), [0x08, 0x06])
        XCTAssertEqual(node.dhcp?.state, .renewing)
        // The server answers the ARP.
        let arp = tx.with { t in rx.with { r -> Int in
            guard case let .transmit(c) = server.receive(UnsafeRawBufferPointer(rebasing: t[0..<arpCount]), now: clock.now(), transmit: r) else { return 0 }
            return c } }
        XCTAssertEqual(arp, 42)
        guard case .consumed = deliver(&node, arp) else { return XCTFail("ARP reply learnt") }
        clock.advance(by: NetLimits.dhcpARPRetry)
        let renew = pollDHCP(&node)
        XCTAssertEqual(renew.count, 1)
        XCTAssertEqual(renew.first?.type, 3)
        XCTAssertEqual(renew.first?.destinationMAC, serverMAC)
        XCTAssertEqual(renew.first?.destinationIP, serverIP)
        XCTAssertEqual(renew.first?.sourceIP, offered)
        XCTAssertEqual(renew.first?.ciaddr, offered.value)
        XCTAssertNil(renew.first?.requested, "RFC 2131: no requested-address option while renewing")
        XCTAssertEqual(renew.first?.xid, xid)
        // The unicast ACK renews the lease.
        let ack = reply(type: 5, xid: xid, yiaddr: offered, to: offered)
        guard case .consumed = deliver(&node, ack) else { return XCTFail("renewal ACK consumed") }
        XCTAssertEqual(node.dhcp?.state, .bound)
        XCTAssertEqual(node.dhcp?.renewAt, clock.now() + .seconds(30))
        XCTAssertEqual(node.address, offered)
    }

    func testUnansweredRenewalRebindsThenLosesTheAddress() {
        var node = NetworkStack(mac: nodeMAC, addressing: .dhcp(seed: 9), now: clock.now())
        _ = bind(&node)
        node.arpCache.insert(serverIP, mac: serverMAC, now: clock.now())
        var renewals = 0, rebinds = 0
        // Step through the lease second by second with nobody answering.
        for _ in 0..<60 {
            clock.advance(by: .seconds(1))
            for m in pollDHCP(&node) where m.type == 3 {
                if m.destinationIP == serverIP { renewals += 1 }
                if m.destinationIP == .broadcast {
                    rebinds += 1
                    XCTAssertEqual(m.ciaddr, offered.value)
                    XCTAssertEqual(m.sourceIP, offered)
                }
            }
            if node.dhcp?.state == .renewing { XCTAssertTrue(node.hasAddress) }
        }
        XCTAssertGreaterThanOrEqual(renewals, 2, "retransmitted while renewing")
        XCTAssertGreaterThanOrEqual(rebinds, 1, "broadcast from T2 (52.5 s)")
        XCTAssertFalse(node.hasAddress, "the lease expired at 60 s")
        XCTAssertEqual(node.dhcp?.state, .selecting)
        // It starts over; UDP is refused meanwhile.
        XCTAssertEqual(tx.with { node.sendUDP(from: 5683, to: IPv4Endpoint(address: serverIP, port: 1), payloadLength: 0, frame: $0, now: clock.now()) },
                       .failed(.noAddress))
    }

    func testNakRestartsAndStrangersAreIgnored() {
        var node = NetworkStack(mac: nodeMAC, addressing: .dhcp(seed: 3), now: clock.now())
        let discover = pollDHCP(&node)
        let xid = discover[0].xid
        // Another client's transaction and another MAC are ignored.
        guard case .dropped(.dhcpIgnored) = deliver(&node, reply(type: 2, xid: xid &+ 1, yiaddr: offered)) else { return XCTFail() }
        guard case .dropped(.dhcpIgnored) = deliver(&node, reply(type: 2, xid: xid, yiaddr: offered, chaddr: serverMAC)) else { return XCTFail() }
        // An ACK while selecting is unexpected.
        guard case .dropped(.dhcpIgnored) = deliver(&node, reply(type: 5, xid: xid, yiaddr: offered)) else { return XCTFail() }
        guard case .transmit = deliver(&node, reply(type: 2, xid: xid, yiaddr: offered)) else { return XCTFail() }
        guard case .consumed = deliver(&node, reply(type: 6, xid: xid, yiaddr: .unspecified)) else { return XCTFail("NAK") }
        XCTAssertEqual(node.dhcp?.state, .selecting)
        XCTAssertFalse(node.hasAddress)
        let again = pollDHCP(&node)
        XCTAssertEqual(again.first?.type, 1, "DISCOVER again")
        XCTAssertNotEqual(again.first?.xid, xid, "with a new transaction ID")
    }

    func testDiscoverIsRetransmittedWithBackoff() {
        var node = NetworkStack(mac: nodeMAC, addressing: .dhcp(seed: 5), now: clock.now())
        var times: [UInt64] = []
        for _ in 0..<130 {
            if !pollDHCP(&node).isEmpty { times.append(clock.now().microseconds / 1_000_000) }
            clock.advance(by: .seconds(1))
        }
        XCTAssertEqual(times, [1, 5, 13, 29, 61, 125])   // 4, 8, 16, 32, 64 s apart
    }

    func testStatusReportShowsTheLease() {
        var node = NetworkStack(mac: nodeMAC, addressing: .dhcp(seed: 11), now: clock.now())
        _ = bind(&node)
        clock.advance(by: .seconds(10))
        var out = [UInt8](repeating: 0, count: 2048)
        let text = out.withUnsafeMutableBytes { b -> String in
            var w = ByteWriter(b)
            node.writeStatus(into: &w, now: clock.now())
            XCTAssertFalse(w.overflowed)
            return String(decoding: w.written, as: UTF8.self)
        }
        XCTAssertTrue(text.contains("\"address\":\"10.9.0.50/24\""), text)
        XCTAssertTrue(text.contains("\"ipv6_link_local\":\"fe80:0:0:0:0:ff:fe00:42\""), text)
        XCTAssertTrue(text.contains("\"addressing\":{\"dhcp\":\"bound\",\"server\":\"10.9.0.1\",\"lease_s\":60,\"lease_left_s\":50}"), text)
        let json = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        XCTAssertNotNil(json, "status is valid JSON: \(text)")
    }
}

final class ARPRefreshTests: XCTestCase {
    func testUsedEntryIsRefreshedBeforeItExpiresAndUnusedOnesAgeOut() {
        var clock = ManualClock(Instant(microseconds: 1_000_000))
        let nodeMAC = MACAddress(2, 0, 0, 0, 0, 2), peerMAC = MACAddress(2, 0, 0, 0, 0, 1)
        let peerIP = IPv4Address(10, 0, 0, 1), otherIP = IPv4Address(10, 0, 0, 3)
        var node = NetworkStack(mac: nodeMAC, addressing: .fixed(address: IPv4Address(10, 0, 0, 2), prefixLength: 24,
                                                                  gateway: .unspecified), now: clock.now())
        var peer = NetworkStack(mac: peerMAC, addressing: .fixed(address: peerIP, prefixLength: 24, gateway: .unspecified),
                                now: clock.now())
        var tx = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
        var rx = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
        func drain() { while case .transmit = tx.withUnsafeMutableBytes({ node.poll(now: clock.now(), transmit: $0) }) {} }
        drain()   // announcements and IGMP reports
        node.arpCache.insert(peerIP, mac: peerMAC, now: clock.now())
        node.arpCache.insert(otherIP, mac: MACAddress(2, 0, 0, 0, 0, 3), now: clock.now())
        let send = { (n: inout NetworkStack) -> SendResult in
            tx.withUnsafeMutableBytes { n.sendUDP(from: 5683, to: IPv4Endpoint(address: peerIP, port: 1), payloadLength: 0, frame: $0, now: clock.now()) }
        }
        XCTAssertEqual(send(&node), .transmit(byteCount: 42))
        // Nothing until 10 s before expiry (60 s lifetime).
        clock.advance(by: .seconds(49))
        drain()   // the second announcement and IGMP report, due since long
        XCTAssertEqual(tx.withUnsafeMutableBytes { node.poll(now: clock.now(), transmit: $0) }, .idle(until: Instant(microseconds: 51_000_000)))
        clock.advance(by: .seconds(1))
        guard case let .transmit(n) = tx.withUnsafeMutableBytes({ node.poll(now: clock.now(), transmit: $0) }) else {
            return XCTFail("refresh request expected")
        }
        XCTAssertEqual(n, 42)
        XCTAssertEqual(Array(tx[0..<6]), [2, 0, 0, 0, 0, 1], "unicast to the known MAC")
        XCTAssertEqual(Array(tx[38..<42]), [10, 0, 0, 1])
        XCTAssertEqual(tx.withUnsafeMutableBytes { node.poll(now: clock.now(), transmit: $0) }, .idle(until: nil), "requested once")
        // The peer answers; the entry is fresh again and the flow goes on past the old expiry.
        let reply = tx.withUnsafeBytes { t in rx.withUnsafeMutableBytes { r -> Int in
            guard case let .transmit(c) = peer.receive(UnsafeRawBufferPointer(rebasing: t[0..<n]), now: clock.now(), transmit: r) else { return 0 }
            return c } }
        XCTAssertEqual(reply, 42)
        let event = rx.withUnsafeBytes { r in tx.withUnsafeMutableBytes { node.receive(UnsafeRawBufferPointer(rebasing: r[0..<reply]), now: clock.now(), transmit: $0) } }
        guard case .consumed = event else { return XCTFail("\(event)") }
        clock.advance(by: .seconds(15))
        XCTAssertEqual(send(&node), .transmit(byteCount: 42))
        // The unused entry was not refreshed and has aged out.
        XCTAssertNil(node.arpCache.lookup(otherIP, now: clock.now()))
    }
}
