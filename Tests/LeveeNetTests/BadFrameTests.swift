import XCTest
import LeveeBase
@testable import LeveeNet

/// Hostile input: every truncation and every single-byte corruption of good frames, random garbage
/// and an ARP flood. Nothing may trap, every rejected frame is counted under one reason, and the
/// node keeps answering afterwards.
final class BadFrameTests: XCTestCase {
    let nodeMAC = MACAddress(0x02, 0, 0, 0, 0, 0x02)
    let nodeIP = IPv4Address(10, 0, 0, 2)
    let now = Instant(microseconds: 1_000_000)

    func makeNode() -> NetworkStack {
        NetworkStack(mac: nodeMAC, addressing: .fixed(address: nodeIP, prefixLength: 24, gateway: .unspecified), now: now)
    }

    /// Good frames from a peer: ARP request, UDP to 5683, multicast UDP, ICMP echo.
    func goodFrames() -> [[UInt8]] {
        var peer = NetworkStack(mac: MACAddress(0x02, 0, 0, 0, 0, 1),
                                addressing: .fixed(address: IPv4Address(10, 0, 0, 1), prefixLength: 24, gateway: .unspecified), now: now)
        var frames: [[UInt8]] = []
        var buf = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
        buf.withUnsafeMutableBytes { b in
            for i in 0..<20 { b[udpPayloadOffset + i] = UInt8(i) }
            if case let .arpRequestInstead(n) = peer.sendUDP(from: 1, to: IPv4Endpoint(address: nodeIP, port: 5683), payloadLength: 20, frame: b, now: now) {
                frames.append(Array(b[0..<n]))
            }
            peer.arpCache.insert(nodeIP, mac: nodeMAC, now: now)
            if case let .transmit(n) = peer.sendUDP(from: 1, to: IPv4Endpoint(address: nodeIP, port: 5683), payloadLength: 20, frame: b, now: now) {
                frames.append(Array(b[0..<n]))
            }
            if case let .transmit(n) = peer.sendUDP(from: 1, to: IPv4Endpoint(address: .allCoAPNodes, port: 5683), payloadLength: 20, frame: b, now: now) {
                frames.append(Array(b[0..<n]))
            }
            let n = NetSelfChecks.echoRequest(&peer, b, dataLength: 32)
            frames.append(Array(b[0..<n]))
            // IPv6: a neighbour solicitation for the node's link-local address, then UDP to it.
            let nodeLinkLocal = IPv6Address(linkLocalFor: nodeMAC)
            if case let .arpRequestInstead(ns) = peer.sendUDPv6(from: 1, to: nodeLinkLocal, port: 5683, payloadLength: 20, frame: b, now: now) {
                frames.append(Array(b[0..<ns]))
            }
            peer.neighborCache.insert(nodeLinkLocal, mac: nodeMAC, now: now)
            for i in 0..<20 { b[udpPayloadOffset + i] = UInt8(i) }
            if case let .transmit(u) = peer.sendUDPv6(from: 1, to: nodeLinkLocal, port: 5683, payloadLength: 20, frame: b, now: now) {
                frames.append(Array(b[0..<u]))
            }
        }
        // The ARP request targets 10.0.0.2 (the node).
        XCTAssertEqual(frames.count, 6)
        return frames
    }

    func feed(_ node: inout NetworkStack, _ frame: [UInt8]) -> ReceiveEvent {
        var tx = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
        return frame.withUnsafeBytes { f in tx.withUnsafeMutableBytes { node.receive(f, now: now, transmit: $0) } }
    }

    func testGoodFramesAreAccepted() {
        var node = makeNode()
        for f in goodFrames() {
            switch feed(&node, f) {
            case .dropped(let reason): XCTFail("good frame dropped: \(reason)")
            default: break
            }
        }
        XCTAssertEqual(node.counters.totalDrops, 0)
    }

    func testEveryTruncationIsDroppedAndCounted() {
        var node = makeNode()
        var fed: UInt32 = 0
        for f in goodFrames() {
            for length in 0..<f.count {
                // Ethernet has no length field: an IPv4 frame cut inside the UDP payload still
                // carries its IP total length, so it must be dropped as malformed, not delivered short.
                if case .deliver = feed(&node, Array(f[0..<length])) { XCTFail("truncated frame (\(length)/\(f.count)) delivered") }
                fed += 1
            }
        }
        XCTAssertEqual(node.counters.totalDrops, fed, "each truncated frame counted once")
        XCTAssertGreaterThan(node.counters.drops(.frameTooShort), 0)
        XCTAssertGreaterThan(node.counters.drops(.ipv4Malformed), 0)
    }

    func testEverySingleByteCorruptionIsSurvived() {
        var node = makeNode()
        var delivered = 0
        for f in goodFrames() {
            for i in 0..<f.count {
                for flip: UInt8 in [0x01, 0x80, 0xFF] {
                    var bad = f
                    bad[i] ^= flip
                    if case .deliver(let d) = feed(&node, bad) {
                        delivered += 1
                        XCTAssertLessThanOrEqual(d.payloadOffset + d.payloadLength, bad.count)
                    }
                }
            }
        }
        // Some corruptions are harmless (the destination MAC to broadcast, a port, ...): fine, as
        // long as whatever is delivered stays inside the frame.
        XCTAssertGreaterThan(node.counters.drops(.ipv4BadChecksum), 0)
        XCTAssertGreaterThan(node.counters.drops(.udpBadChecksum), 0)
        XCTAssertGreaterThan(node.counters.drops(.icmpBadChecksum), 0)
        XCTAssertGreaterThan(node.counters.drops(.notForUs), 0)
        XCTAssertGreaterThan(node.counters.drops(.unknownEtherType), 0)
        XCTAssertGreaterThan(node.counters.drops(.ipv6Malformed), 0)
        XCTAssertGreaterThan(node.counters.drops(.ipv6NotForUs), 0)
        XCTAssertGreaterThan(node.counters.drops(.ndpInvalid), 0)
        _ = delivered
    }

    func testRandomGarbage() {
        var node = makeNode()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var f = (0..<Int.random(in: 0...1600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half of them get a plausible header so the deeper parsers are exercised too.
            if Bool.random(using: &rng), f.count > 34 {
                for i in 0..<6 { f[i] = nodeMAC[i] }
                f[12] = 0x08; f[13] = Bool.random(using: &rng) ? 0x00 : 0x06
                if f[13] == 0 { f[14] = 0x45 }
            }
            _ = feed(&node, f)
        }
        XCTAssertEqual(node.counters.framesIn, 2_000)
        // Still works.
        let good = goodFrames()
        guard case .deliver = feed(&node, good[1]) else { return XCTFail("node still delivers after garbage") }
    }

    func testFrameLongerThanCapacityIsDropped() {
        var node = makeNode()
        var f = goodFrames()[1]
        f += [UInt8](repeating: 0, count: NetLimits.frameCapacity + 1 - f.count)
        guard case .dropped(.frameTooLong) = feed(&node, f) else { return XCTFail() }
        // Ethernet padding after the IP packet is fine.
        let padded = goodFrames()[1] + [0, 0, 0, 0]
        guard case .deliver(let d) = feed(&node, padded) else { return XCTFail("padded frame delivered") }
        XCTAssertEqual(d.payloadLength, 20)
    }

    func testTransmitBufferTooSmallIsCountedNotTrapped() {
        var node = makeNode()
        let echo = goodFrames()[3]
        var tx = [UInt8](repeating: 0, count: 40)
        let event = echo.withUnsafeBytes { f in tx.withUnsafeMutableBytes { node.receive(f, now: now, transmit: $0) } }
        guard case .dropped(.transmitBufferTooSmall) = event else { return XCTFail("\(event)") }
    }
}

final class ARPFloodTests: XCTestCase {
    /// 10 000 ARP requests between other hosts (random senders and targets on our subnet) and
    /// 10 000 gratuitous announcements: all dropped as not for us, counted, nothing learnt.
    func testFloodOfForeignARPIsDroppedAndLearnsNothing() {
        let now = Instant(microseconds: 1)
        var node = NetworkStack(mac: MACAddress(2, 0, 0, 0, 0, 2),
                                addressing: .fixed(address: IPv4Address(10, 0, 0, 2), prefixLength: 24, gateway: .unspecified), now: now)
        var frame = [UInt8](repeating: 0, count: 42)
        var tx = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<20_000 {
            frame.withUnsafeMutableBytes { f in
                let sender = IPv4Address(10, 0, 0, UInt8.random(in: 3...254, using: &rng))
                let target = i % 2 == 0 ? IPv4Address(10, 0, 0, UInt8.random(in: 3...254, using: &rng)) : sender
                let senderMAC = MACAddress(2, 1, 2, 3, UInt8(truncatingIfNeeded: i >> 8), UInt8(truncatingIfNeeded: i))
                f.put(MACAddress.broadcast, at: 0); f.put(senderMAC, at: 6); f.put(Ethernet.typeARP, at: 12)
                f.put(UInt16(1), at: 14); f.put(Ethernet.typeIPv4, at: 16); f[18] = 6; f[19] = 4
                f.put(ARP.request, at: 20); f.put(senderMAC, at: 22); f.put(sender, at: 28)
                f.put(MACAddress.zero, at: 32); f.put(target, at: 38)
            }
            let event = frame.withUnsafeBytes { f in tx.withUnsafeMutableBytes { node.receive(f, now: now, transmit: $0) } }
            guard case .dropped(.arpNotForUs) = event else { return XCTFail("\(event)") }
        }
        XCTAssertEqual(node.counters.drops(.arpNotForUs), 20_000)
        XCTAssertEqual(node.arpCache.freshCount(now: now), 0)
        XCTAssertEqual(node.counters.framesOut, 0, "nothing answered")
    }
}
