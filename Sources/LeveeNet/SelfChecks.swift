import LeveeBase

/// LeveeNet's own checks, run on the host (`swift test`) and on the chip (`make qemu`).
///
/// Two stacks talk to each other through frame buffers — a peer at 10.0.0.1 and the node at
/// 10.0.0.2 — so ARP, UDP and multicast are checked end to end; hand-damaged copies of good frames
/// check that bad input is dropped under the right reason.
public enum NetSelfChecks {
    static let nodeMAC = MACAddress(0x02, 0, 0, 0, 0, 0x02)
    static let peerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let nodeIP = IPv4Address(10, 0, 0, 2)
    static let peerIP = IPv4Address(10, 0, 0, 1)

    public static func run<R: CheckRecorder>(_ r: inout R) {
        let now = Instant(microseconds: 5_000_000)
        var node = NetworkStack(mac: nodeMAC, addressing: .fixed(address: nodeIP, prefixLength: 24, gateway: .unspecified), now: now)
        var peer = NetworkStack(mac: peerMAC, addressing: .fixed(address: peerIP, prefixLength: 24, gateway: .unspecified), now: now)
        // A local InlineArray, not withUnsafeTemporaryAllocation: above 1 KiB that may use the heap.
        var storage = InlineArray<4544, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &storage) { raw in
            let a = UnsafeMutableRawBufferPointer(rebasing: raw[0..<NetLimits.frameCapacity])
            let b = UnsafeMutableRawBufferPointer(rebasing: raw[NetLimits.frameCapacity..<2 * NetLimits.frameCapacity])
            let scratch = UnsafeMutableRawBufferPointer(rebasing: raw[(2 * NetLimits.frameCapacity)..<raw.count])
            checkARPAndUDP(&r, &node, &peer, a, b, now)
            checkEcho(&r, &node, &peer, a, b, now)
            checkIPv6(&r, &node, &peer, a, b, now)
            checkBadFrames(&r, &node, &peer, a, b, scratch, now)
            checkStatus(&r, node, scratch, now)
        }
    }

    /// Writes "hello" as a UDP payload and lets `peer` frame it for `to`.
    static func peerSends(_ peer: inout NetworkStack, to: IPv4Endpoint, _ frame: UnsafeMutableRawBufferPointer,
                          _ now: Instant) -> SendResult {
        var w = ByteWriter(UnsafeMutableRawBufferPointer(rebasing: frame[udpPayloadOffset...]))
        w.append("hello")
        return peer.sendUDP(from: 40000, to: to, payloadLength: w.count, frame: frame, now: now)
    }

    static func checkARPAndUDP<R: CheckRecorder>(_ r: inout R, _ node: inout NetworkStack, _ peer: inout NetworkStack,
                                                 _ a: UnsafeMutableRawBufferPointer, _ b: UnsafeMutableRawBufferPointer,
                                                 _ now: Instant) {
        let coap = IPv4Endpoint(address: nodeIP, port: 5683)
        // First send: the peer does not know the node's MAC, so an ARP request goes out instead.
        guard case let .arpRequestInstead(arpCount) = peerSends(&peer, to: coap, a, now) else {
            r.check(false, "net: unresolved next hop sends an ARP request"); return
        }
        r.check(arpCount == 42, "net: unresolved next hop sends an ARP request")
        guard case let .transmit(replyCount) = node.receive(a.readOnly.slice(0, arpCount), now: now, transmit: b) else {
            r.check(false, "net: ARP request for our address is answered"); return
        }
        r.check(replyCount == 42 && b.readOnly.u16(at: 20) == ARP.reply && b.readOnly.mac(at: 0) == peerMAC,
                "net: ARP request for our address is answered")
        r.check(node.arpCache.lookup(peerIP, now: now) == peerMAC, "net: ARP requester is learnt")
        if case .consumed = peer.receive(b.readOnly.slice(0, replyCount), now: now, transmit: a) {} else {
            r.check(false, "net: ARP reply is consumed")
        }
        r.check(peer.arpCache.lookup(nodeIP, now: now) == nodeMAC, "net: ARP reply is learnt")

        guard case let .transmit(udpCount) = peerSends(&peer, to: coap, a, now) else {
            r.check(false, "net: resolved next hop sends the datagram"); return
        }
        r.check(udpCount == udpPayloadOffset + 5, "net: resolved next hop sends the datagram")
        guard case let .deliver(datagram) = node.receive(a.readOnly.slice(0, udpCount), now: now, transmit: b) else {
            r.check(false, "net: UDP datagram is delivered"); return
        }
        r.check(datagram.source == IPv4Endpoint(address: peerIP, port: 40000) && datagram.destination == coap
                && !datagram.isMulticast
                && BaseSelfChecks.equal(datagram.payload(in: a.readOnly), "hello"), "net: UDP datagram is delivered")

        // The reply needs no ARP: the node learnt the peer's MAC from the request.
        b[udpPayloadOffset] = 0x42
        guard case let .transmit(replyUDP) = node.sendUDP(from: 5683, to: datagram.source, payloadLength: 1, frame: b, now: now),
              case let .deliver(back) = peer.receive(b.readOnly.slice(0, replyUDP), now: now, transmit: a) else {
            r.check(false, "net: UDP reply reaches the peer"); return
        }
        r.check(back.source == coap && back.payloadLength == 1 && b[back.payloadOffset] == 0x42, "net: UDP reply reaches the peer")

        // Multicast discovery to All-CoAP-Nodes is delivered and marked as multicast.
        guard case let .transmit(mcCount) = peerSends(&peer, to: IPv4Endpoint(address: .allCoAPNodes, port: 5683), a, now),
              case let .deliver(group) = node.receive(a.readOnly.slice(0, mcCount), now: now, transmit: b) else {
            r.check(false, "net: All-CoAP-Nodes datagram is delivered"); return
        }
        r.check(group.isMulticast && a.readOnly.mac(at: 0) == MACAddress(0x01, 0, 0x5E, 0, 0x01, 0xBB)
                && a[Ethernet.headerLength + IPv4.ttl] == 1, "net: All-CoAP-Nodes datagram is delivered")
    }

    /// Over IPv6 link-local: neighbour solicitation and advertisement, UDP both ways, All-CoAP-Nodes.
    static func checkIPv6<R: CheckRecorder>(_ r: inout R, _ node: inout NetworkStack, _ peer: inout NetworkStack,
                                            _ a: UnsafeMutableRawBufferPointer, _ b: UnsafeMutableRawBufferPointer,
                                            _ now: Instant) {
        r.check(node.linkLocal == IPv6Address(high: 0xFE80_0000_0000_0000, low: 0x0000_00FF_FE00_0002),
                "net: IPv6 link-local address from the MAC (modified EUI-64)")
        a[udpPayloadOffset] = 0x61
        guard case let .arpRequestInstead(ns) = peer.sendUDPv6(from: 40001, to: node.linkLocal, port: 5683, payloadLength: 1,
                                                               frame: a, now: now),
              case let .transmit(na) = node.receive(a.readOnly.slice(0, ns), now: now, transmit: b),
              case .consumed = peer.receive(b.readOnly.slice(0, na), now: now, transmit: a) else {
            r.check(false, "net: IPv6 neighbour solicitation is answered"); return
        }
        r.check(peer.neighborCache.lookup(node.linkLocal, now: now) == nodeMAC
                && node.neighborCache.lookup(peer.linkLocal, now: now) == peerMAC,
                "net: IPv6 neighbour solicitation is answered")
        a[udpPayloadOffset] = 0x61
        guard case let .transmit(count) = peer.sendUDPv6(from: 40001, to: node.linkLocal, port: 5683, payloadLength: 1,
                                                         frame: a, now: now),
              case let .deliverIPv6(d) = node.receive(a.readOnly.slice(0, count), now: now, transmit: b) else {
            r.check(false, "net: UDP over IPv6 is delivered"); return
        }
        r.check(d.source == peer.linkLocal && d.sourcePort == 40001 && d.destinationPort == 5683 && d.payloadLength == 1
                && a[d.payloadOffset] == 0x61, "net: UDP over IPv6 is delivered")
        b[udpPayloadOffset] = 0x62
        guard case let .transmit(back) = node.sendUDPv6(from: 5683, to: d.source, port: d.sourcePort, payloadLength: 1,
                                                        frame: b, now: now),
              case let .deliverIPv6(reply) = peer.receive(b.readOnly.slice(0, back), now: now, transmit: a) else {
            r.check(false, "net: UDP reply over IPv6 reaches the peer"); return
        }
        r.check(reply.source == node.linkLocal && b[reply.payloadOffset] == 0x62, "net: UDP reply over IPv6 reaches the peer")
        guard case let .transmit(group) = peer.sendUDPv6(from: 40001, to: .allCoAPNodesLinkLocal, port: 5683, payloadLength: 0,
                                                         frame: a, now: now),
              case let .deliverIPv6(m) = node.receive(a.readOnly.slice(0, group), now: now, transmit: b) else {
            r.check(false, "net: UDP to ff02::fd is delivered"); return
        }
        r.check(m.isMulticast && a.readOnly.mac(at: 0) == MACAddress(0x33, 0x33, 0, 0, 0, 0xFD), "net: UDP to ff02::fd is delivered")
    }

    /// Builds an ICMP echo request from the peer to the node in `frame`; returns its length.
    static func echoRequest(_ peer: inout NetworkStack, _ frame: UnsafeMutableRawBufferPointer, dataLength: Int) -> Int {
        let icmp = Ethernet.headerLength + IPv4.minimumHeaderLength
        let length = ICMP.headerLength + dataLength
        frame[icmp] = ICMP.echoRequest
        frame[icmp + 1] = 0
        frame.put(UInt32(0), at: icmp + 2)          // checksum 0 while summing, identifier high byte
        frame.put(UInt16(0x1234), at: icmp + 4)     // identifier
        frame.put(UInt16(7), at: icmp + 6)          // sequence
        for i in 0..<dataLength { frame[icmp + ICMP.headerLength + i] = UInt8(truncatingIfNeeded: i) }
        var sum = InternetChecksum()
        sum.add(frame.readOnly.slice(icmp, length))
        frame.put(sum.value, at: icmp + 2)
        peer.writeEthernet(into: frame, destination: nodeMAC, type: Ethernet.typeIPv4)
        _ = peer.writeIPv4Header(into: frame, source: peerIP, destination: nodeIP, protocolNumber: IPv4.protocolICMP,
                                 payloadLength: length, ttl: 64, routerAlert: false)
        return icmp + length
    }

    static func checkEcho<R: CheckRecorder>(_ r: inout R, _ node: inout NetworkStack, _ peer: inout NetworkStack,
                                            _ a: UnsafeMutableRawBufferPointer, _ b: UnsafeMutableRawBufferPointer,
                                            _ now: Instant) {
        let count = echoRequest(&peer, a, dataLength: 56)
        guard case let .transmit(replyCount) = node.receive(a.readOnly.slice(0, count), now: now, transmit: b) else {
            r.check(false, "net: echo request is answered"); return
        }
        let icmp = Ethernet.headerLength + IPv4.minimumHeaderLength
        var sum = InternetChecksum()
        sum.add(b.readOnly.slice(icmp, replyCount - icmp))
        var same = true
        for i in 4..<(replyCount - icmp) where a[icmp + i] != b[icmp + i] { same = false }
        r.check(replyCount == count && b[icmp] == ICMP.echoReply && sum.verifies && same
                && b.readOnly.ipv4(at: Ethernet.headerLength + IPv4.destination) == peerIP,
                "net: echo request is answered with the same identifier, sequence and data")
    }

    /// Feeds `frame` to the node and checks it is dropped for `reason`.
    static func expectDrop<R: CheckRecorder>(_ r: inout R, _ node: inout NetworkStack, _ frame: UnsafeRawBufferPointer,
                                             _ reason: DropReason, _ tx: UnsafeMutableRawBufferPointer,
                                             _ now: Instant, _ name: StaticString) {
        let before = node.counters.drops(reason)
        var ok = false
        if case let .dropped(got) = node.receive(frame, now: now, transmit: tx) { ok = got == reason }
        r.check(ok && node.counters.drops(reason) == before &+ 1, name)
    }

    static func copy(_ from: UnsafeRawBufferPointer, to: UnsafeMutableRawBufferPointer) {
        for i in 0..<from.count { to[i] = from[i] }
    }

    /// Recomputes the IPv4 header checksum after a deliberate change to another header field.
    static func fixIPv4Checksum(_ frame: UnsafeMutableRawBufferPointer) {
        let ip = Ethernet.headerLength
        frame.put(UInt16(0), at: ip + IPv4.checksum)
        var sum = InternetChecksum()
        sum.add(frame.readOnly.slice(ip, IPv4.minimumHeaderLength))
        frame.put(sum.value, at: ip + IPv4.checksum)
    }

    static func checkBadFrames<R: CheckRecorder>(_ r: inout R, _ node: inout NetworkStack, _ peer: inout NetworkStack,
                                                 _ a: UnsafeMutableRawBufferPointer, _ b: UnsafeMutableRawBufferPointer,
                                                 _ bad: UnsafeMutableRawBufferPointer, _ now: Instant) {
        guard case let .transmit(n) = peerSends(&peer, to: IPv4Endpoint(address: nodeIP, port: 5683), a, now) else {
            r.check(false, "net: bad-frame checks have a good frame to damage"); return
        }
        let good = a.readOnly.slice(0, n)
        let ip = Ethernet.headerLength
        let udp = ip + IPv4.minimumHeaderLength
        let badView = bad.readOnly

        expectDrop(&r, &node, good.slice(0, 10), .frameTooShort, b, now, "net: runt frame dropped")
        expectDrop(&r, &node, good.slice(0, 20), .frameTooShort, b, now, "net: truncated IPv4 header dropped")
        copy(good, to: bad); bad[ip + IPv4.ttl] &+= 1
        expectDrop(&r, &node, badView.slice(0, n), .ipv4BadChecksum, b, now, "net: bad IPv4 header checksum dropped")
        copy(good, to: bad); bad[udpPayloadOffset] ^= 0xFF
        expectDrop(&r, &node, badView.slice(0, n), .udpBadChecksum, b, now, "net: bad UDP checksum dropped")
        copy(good, to: bad); bad.put(UInt16(0x2000), at: ip + IPv4.flagsAndOffset); fixIPv4Checksum(bad)
        expectDrop(&r, &node, badView.slice(0, n), .ipv4Fragment, b, now, "net: first fragment dropped")
        copy(good, to: bad); bad.put(UInt16(0x0010), at: ip + IPv4.flagsAndOffset); fixIPv4Checksum(bad)
        expectDrop(&r, &node, badView.slice(0, n), .ipv4Fragment, b, now, "net: later fragment dropped")
        copy(good, to: bad); bad.put(UInt16(n), at: ip + IPv4.totalLength); fixIPv4Checksum(bad)
        expectDrop(&r, &node, badView.slice(0, n), .ipv4Malformed, b, now, "net: IPv4 total length beyond the frame dropped")
        copy(good, to: bad); bad[ip] = 0x44; fixIPv4Checksum(bad)
        expectDrop(&r, &node, badView.slice(0, n), .ipv4Malformed, b, now, "net: IPv4 header length below 20 dropped")
        copy(good, to: bad); bad[ip] = 0x65
        expectDrop(&r, &node, badView.slice(0, n), .ipv4Malformed, b, now, "net: IP version 6 in an IPv4 frame dropped")
        copy(good, to: bad); bad.put(UInt16(200), at: udp + UDP.length)
        expectDrop(&r, &node, badView.slice(0, n), .udpMalformed, b, now, "net: UDP length beyond the packet dropped")
        copy(good, to: bad); bad.put(UInt16(4), at: udp + UDP.length)
        expectDrop(&r, &node, badView.slice(0, n), .udpMalformed, b, now, "net: UDP length below its header dropped")
        copy(good, to: bad); bad.put(UInt16(0x88CC), at: Ethernet.etherType)
        expectDrop(&r, &node, badView.slice(0, n), .unknownEtherType, b, now, "net: unknown EtherType (LLDP) dropped")
        copy(good, to: bad); bad.put(Ethernet.typeIPv6, at: Ethernet.etherType)
        expectDrop(&r, &node, badView.slice(0, n), .frameTooShort, b, now, "net: IPv6 frame shorter than its header dropped")
        copy(good, to: bad); bad.put(UInt16(0x0040), at: Ethernet.etherType)
        expectDrop(&r, &node, badView.slice(0, n), .unknownEtherType, b, now, "net: 802.3 length frame dropped")
        copy(good, to: bad); bad.put(MACAddress(0x02, 9, 9, 9, 9, 9), at: Ethernet.destination)
        expectDrop(&r, &node, badView.slice(0, n), .notForUs, b, now, "net: frame for another MAC dropped")
        copy(good, to: bad); bad.put(IPv4Address(10, 0, 0, 9), at: ip + IPv4.destination); fixIPv4Checksum(bad)
        expectDrop(&r, &node, badView.slice(0, n), .ipv4NotForUs, b, now, "net: packet for another IP dropped")
        copy(good, to: bad); bad[ip + IPv4.protocolNumber] = 6; fixIPv4Checksum(bad)
        expectDrop(&r, &node, badView.slice(0, n), .ipv4UnknownProtocol, b, now, "net: TCP dropped")
        // A UDP checksum of 0 means "none" and is accepted.
        copy(good, to: bad); bad.put(UInt16(0), at: udp + UDP.checksum)
        if case .deliver = node.receive(badView.slice(0, n), now: now, transmit: b) {
            r.check(true, "net: UDP without checksum accepted")
        } else { r.check(false, "net: UDP without checksum accepted") }

        let echo = echoRequest(&peer, bad, dataLength: 8)
        bad[echo - 1] ^= 1
        expectDrop(&r, &node, badView.slice(0, echo), .icmpBadChecksum, b, now, "net: bad ICMP checksum dropped")

        // ARP: wrong protocol, someone else's request, and a flood of requests for us from
        // different senders: the table keeps its size and evicts, nothing traps.
        let arp = node.writeARP(into: bad, operation: ARP.request, targetMAC: .zero, targetIP: nodeIP, ethernetDestination: .broadcast)
        bad.put(peerMAC, at: Ethernet.source)
        bad.put(peerMAC, at: Ethernet.headerLength + ARP.senderMAC)
        bad.put(Ethernet.typeIPv6, at: Ethernet.headerLength + ARP.protocolType)
        expectDrop(&r, &node, badView.slice(0, arp), .arpUnsupported, b, now, "net: ARP for another protocol dropped")
        bad.put(Ethernet.typeIPv4, at: Ethernet.headerLength + ARP.protocolType)
        expectDrop(&r, &node, badView.slice(0, 30), .frameTooShort, b, now, "net: truncated ARP dropped")
        bad.put(IPv4Address(10, 0, 0, 77), at: Ethernet.headerLength + ARP.targetIP)
        bad.put(IPv4Address(10, 0, 0, 78), at: Ethernet.headerLength + ARP.senderIP)
        expectDrop(&r, &node, badView.slice(0, arp), .arpNotForUs, b, now, "net: ARP for someone else dropped")
        r.check(node.arpCache.lookup(IPv4Address(10, 0, 0, 78), now: now) == nil, "net: ARP between others is not learnt")
        bad.put(nodeIP, at: Ethernet.headerLength + ARP.targetIP)
        var replies: UInt32 = 0
        for i in 0..<200 {
            bad.put(IPv4Address(10, 0, 1, UInt8(truncatingIfNeeded: i)), at: Ethernet.headerLength + ARP.senderIP)
            bad[Ethernet.headerLength + ARP.senderMAC + 5] = UInt8(truncatingIfNeeded: i)
            if case .transmit = node.receive(badView.slice(0, arp), now: now, transmit: b) { replies += 1 }
        }
        r.check(replies == 200 && node.arpCache.freshCount(now: now) == ARPCache.capacity
                && node.arpCache.evictions >= 200 - UInt32(ARPCache.capacity),
                "net: ARP flood keeps the cache at its fixed size")
        r.check(node.arpCache.lookup(peerIP, now: now + NetLimits.arpEntryLifetime) == nil,
                "net: ARP entries age out")
    }

    static func checkStatus<R: CheckRecorder>(_ r: inout R, _ node: NetworkStack, _ buffer: UnsafeMutableRawBufferPointer,
                                              _ now: Instant) {
        var w = ByteWriter(buffer)
        node.writeStatus(into: &w, now: now)
        let text = w.written
        var prefix = true
        let expected: StaticString = "{\"mac\":\"02:00:00:00:00:02\",\"address\":\"10.0.0.2/24\""
        expected.withUTF8Buffer { e in
            if e.count > text.count { prefix = false; return }
            for i in 0..<e.count where e[i] != text[i] { prefix = false }
        }
        r.check(!w.overflowed && prefix && text[text.count - 1] == UInt8(ascii: "}"), "net: status report is written")
    }
}
