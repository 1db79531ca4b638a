import LeveeBase

/// A UDP datagram over IPv6 for the upper layer (offsets into the received frame).
public struct UDPDatagramIPv6: Sendable {
    public var source: IPv6Address
    public var sourcePort: UInt16
    public var destination: IPv6Address
    public var destinationPort: UInt16
    public var payloadOffset: Int
    public var payloadLength: Int

    public func payload(in frame: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        frame.slice(payloadOffset, payloadLength)
    }

    public var isMulticast: Bool { destination.isMulticast }
}

/// IPv6 on the link: the node's link-local address (from its MAC), neighbour discovery (answering
/// solicitations for it, soliciting neighbours it sends to), ICMPv6 echo, and UDP, including the
/// All-CoAP-Nodes groups ff02::fd and ff05::fd. No router discovery, global addresses or MLD
/// reports: CoAP discovery on the link is what the node needs; switches without MLD snooping
/// flood the groups to every port anyway.
extension NetworkStack {
    /// Where a UDP payload over IPv6 starts: Ethernet + IPv6 + UDP headers. `sendUDPv6` takes the
    /// payload at `udpPayloadOffset` like IPv4 and moves it here, so the upper layer writes in one place.
    public static let udpPayloadOffsetIPv6 = Ethernet.headerLength + IPv6.headerLength + UDP.headerLength

    func isOurIPv6Destination(_ destination: IPv6Address) -> Bool {
        destination == linkLocal || destination == .allNodes || destination == linkLocal.solicitedNode
            || destination == .allCoAPNodesLinkLocal || destination == .allCoAPNodesSiteLocal
    }

    mutating func receiveIPv6(_ frame: UnsafeRawBufferPointer, now: Instant,
                              transmit tx: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        let ip = Ethernet.headerLength
        guard frame.count - ip >= IPv6.headerLength else { return drop(.frameTooShort) }
        let payloadLength = Int(frame.u16(at: ip + IPv6.payloadLength))
        guard frame[ip] &>> 4 == 6, payloadLength <= frame.count - ip - IPv6.headerLength else {
            return drop(.ipv6Malformed)
        }
        let source = frame.ipv6(at: ip + IPv6.source)
        let destination = frame.ipv6(at: ip + IPv6.destination)
        guard !source.isMulticast else { return drop(.ipv6Malformed) }
        guard isOurIPv6Destination(destination) else { return drop(.ipv6NotForUs) }
        var next = frame[ip + IPv6.nextHeader]
        var offset = ip + IPv6.headerLength
        let end = offset + payloadLength
        if next == IPv6.nextHeaderHopByHop {
            // Only hop-by-hop (MLD queries carry Router Alert in it) is skipped; its options are
            // all of the "skip if unknown" kind we may ignore as a host.
            guard end - offset >= 8 else { return drop(.ipv6Malformed) }
            let length = (Int(frame[offset + 1]) + 1) * 8
            guard length <= end - offset else { return drop(.ipv6Malformed) }
            next = frame[offset]
            offset += length
        }
        let unicastToUs = destination == linkLocal
        let sourceMAC = frame.mac(at: Ethernet.source)
        if unicastToUs && !source.isUnspecified && !sourceMAC.isGroup {
            neighborCache.insert(source, mac: sourceMAC, now: now)
        }
        let upper = frame.slice(offset, end - offset)
        switch next {
        case IPv6.nextHeaderICMPv6:
            return receiveICMPv6(upper, source: source, destination: destination, hopLimit: frame[ip + IPv6.hopLimit],
                                 sourceMAC: sourceMAC, now: now, transmit: tx)
        case IPv6.nextHeaderUDP:
            return receiveUDPv6(upper, at: offset, source: source, destination: destination)
        default:
            return drop(.ipv6UnknownNextHeader)
        }
    }

    mutating func receiveUDPv6(_ segment: UnsafeRawBufferPointer, at segmentOffset: Int,
                               source: IPv6Address, destination: IPv6Address) -> ReceiveEvent {
        guard segment.count >= UDP.headerLength else { return drop(.udpMalformed) }
        let length = Int(segment.u16(at: UDP.length))
        guard length >= UDP.headerLength, length <= segment.count else { return drop(.udpMalformed) }
        // Over IPv6 the checksum is mandatory: 0 is an error, not "none" (RFC 8200 §8.1).
        guard segment.u16(at: UDP.checksum) != 0 else { return drop(.udpBadChecksum) }
        var sum = InternetChecksum.ipv6PseudoHeader(source: source, destination: destination, length: length,
                                                    nextHeader: IPv6.nextHeaderUDP)
        sum.add(segment.slice(0, length))
        guard sum.verifies else { return drop(.udpBadChecksum) }
        guard !source.isUnspecified else { return drop(.ipv6Malformed) }
        counters.udpDelivered &+= 1
        return .deliverIPv6(UDPDatagramIPv6(source: source, sourcePort: segment.u16(at: UDP.sourcePort),
                                            destination: destination, destinationPort: segment.u16(at: UDP.destinationPort),
                                            payloadOffset: segmentOffset + UDP.headerLength,
                                            payloadLength: length - UDP.headerLength))
    }

    mutating func receiveICMPv6(_ packet: UnsafeRawBufferPointer, source: IPv6Address, destination: IPv6Address,
                                hopLimit: UInt8, sourceMAC: MACAddress, now: Instant,
                                transmit tx: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        guard packet.count >= 8 else { return drop(.icmpMalformed) }
        var sum = InternetChecksum.ipv6PseudoHeader(source: source, destination: destination, length: packet.count,
                                                    nextHeader: IPv6.nextHeaderICMPv6)
        sum.add(packet)
        guard sum.verifies else { return drop(.icmpBadChecksum) }
        switch packet[0] {
        case IPv6.echoRequest:
            guard destination == linkLocal else { return drop(.icmpEchoToGroup) }
            guard !source.isUnspecified else { return drop(.ipv6Malformed) }
            let start = Ethernet.headerLength + IPv6.headerLength
            guard tx.count >= start + packet.count else { return drop(.transmitBufferTooSmall) }
            for i in 0..<packet.count { tx[start + i] = packet[i] }
            tx[start] = IPv6.echoReply
            let count = finishICMPv6(tx, length: packet.count, destination: source, destinationMAC: sourceMAC,
                                     hopLimit: NetLimits.unicastTTL)
            counters.echoRepliesSent &+= 1
            return .transmit(byteCount: count)
        case IPv6.neighborSolicitation, IPv6.neighborAdvertisement:
            guard hopLimit == IPv6.ndpHopLimit, packet[1] == 0, packet.count >= 24 else { return drop(.ndpInvalid) }
            let target = packet.ipv6(at: 8)
            // Options: type, length in units of 8 bytes (0 is invalid), value.
            var linkLayer: MACAddress? = nil
            var offset = 24
            while offset + 2 <= packet.count {
                let length = Int(packet[offset + 1]) * 8
                guard length > 0, offset + length <= packet.count else { return drop(.ndpInvalid) }
                if (packet[offset] == IPv6.optionSourceLinkLayer || packet[offset] == IPv6.optionTargetLinkLayer), length == 8 {
                    linkLayer = packet.mac(at: offset + 2)
                }
                offset += length
            }
            if packet[0] == IPv6.neighborAdvertisement {
                guard !target.isMulticast else { return drop(.ndpInvalid) }
                if let mac = linkLayer {
                    if destination == linkLocal { neighborCache.insert(target, mac: mac, now: now) }
                    else { neighborCache.refresh(target, mac: mac, now: now) }
                }
                return .consumed
            }
            guard target == linkLocal else { return drop(.ipv6NotForUs) }
            // Duplicate address detection (source ::) is answered to all nodes, without "solicited".
            let dad = source.isUnspecified
            guard !(dad && linkLayer != nil) else { return drop(.ndpInvalid) }
            if let mac = linkLayer, !dad { neighborCache.insert(source, mac: mac, now: now) }
            let start = Ethernet.headerLength + IPv6.headerLength
            guard tx.count >= start + 32 else { return drop(.transmitBufferTooSmall) }
            tx[start] = IPv6.neighborAdvertisement
            tx[start + 1] = 0
            tx.put(UInt16(0), at: start + 2)
            // Flags: Solicited (unless DAD) and Override; Router never.
            tx.put(dad ? UInt32(0x2000_0000) : UInt32(0x6000_0000), at: start + 4)
            tx.put(linkLocal, at: start + 8)
            tx[start + 24] = IPv6.optionTargetLinkLayer
            tx[start + 25] = 1
            tx.put(mac, at: start + 26)
            let count = finishICMPv6(tx, length: 32, destination: dad ? .allNodes : source,
                                     destinationMAC: dad ? IPv6Address.allNodes.multicastMAC : (linkLayer ?? sourceMAC),
                                     hopLimit: IPv6.ndpHopLimit)
            counters.arpRepliesSent &+= 1
            return .transmit(byteCount: count)
        default:
            // MLD queries, router advertisements, echo replies, errors: not for a host like this one.
            return drop(.icmpUnsupported)
        }
    }

    /// Adds the IPv6 and Ethernet headers and the checksum to an ICMPv6 message of `length` bytes
    /// already at offset 54 of `tx`; returns the frame length.
    mutating func finishICMPv6(_ tx: UnsafeMutableRawBufferPointer, length: Int, destination: IPv6Address,
                               destinationMAC: MACAddress, hopLimit: UInt8) -> Int {
        let start = Ethernet.headerLength + IPv6.headerLength
        tx.put(UInt16(0), at: start + 2)
        var sum = InternetChecksum.ipv6PseudoHeader(source: linkLocal, destination: destination, length: length,
                                                    nextHeader: IPv6.nextHeaderICMPv6)
        sum.add(tx.readOnly.slice(start, length))
        tx.put(sum.value, at: start + 2)
        writeEthernet(into: tx, destination: destinationMAC, type: Ethernet.typeIPv6)
        IPv6.writeHeader(into: tx, at: Ethernet.headerLength, source: linkLocal, destination: destination,
                         nextHeader: IPv6.nextHeaderICMPv6, payloadLength: length, hopLimit: hopLimit)
        let count = start + length
        counters.countOut(count)
        return count
    }

    /// Sends a UDP datagram over IPv6 from the node's link-local address. The caller writes the
    /// payload at `udpPayloadOffset` (as for IPv4); it is moved behind the longer IPv6 header.
    public mutating func sendUDPv6(from localPort: UInt16, to remote: IPv6Address, port remotePort: UInt16,
                                   payloadLength: Int, frame: UnsafeMutableRawBufferPointer, now: Instant) -> SendResult {
        let payloadStart = NetworkStack.udpPayloadOffsetIPv6
        guard payloadLength >= 0, payloadLength <= NetLimits.mtu - IPv6.headerLength - UDP.headerLength,
              payloadStart + payloadLength <= frame.count else { return .failed(.payloadTooLarge) }
        let nextHopMAC: MACAddress
        if remote.isMulticast {
            nextHopMAC = remote.multicastMAC
        } else if let known = neighborCache.lookupForSending(remote, now: now) {
            nextHopMAC = known
        } else {
            // Unknown neighbour: solicit it (to its solicited-node group); the datagram is lost.
            let start = Ethernet.headerLength + IPv6.headerLength
            guard frame.count >= start + 32 else { return .failed(.payloadTooLarge) }
            frame[start] = IPv6.neighborSolicitation
            frame[start + 1] = 0
            frame.put(UInt32(0), at: start + 4)
            frame.put(remote, at: start + 8)
            frame[start + 24] = IPv6.optionSourceLinkLayer
            frame[start + 25] = 1
            frame.put(mac, at: start + 26)
            let count = finishICMPv6(frame, length: 32, destination: remote.solicitedNode,
                                     destinationMAC: remote.solicitedNode.multicastMAC, hopLimit: IPv6.ndpHopLimit)
            counters.arpRequestsSent &+= 1
            counters.sendsAwaitingARP &+= 1
            return .arpRequestInstead(byteCount: count)
        }
        // Move the payload back by 20 bytes, last byte first (the ranges overlap).
        var i = payloadLength
        while i > 0 {
            i -= 1
            frame[payloadStart + i] = frame[udpPayloadOffset + i]
        }
        writeEthernet(into: frame, destination: nextHopMAC, type: Ethernet.typeIPv6)
        IPv6.writeUDPHeaders(into: frame, at: Ethernet.headerLength, source: linkLocal, sourcePort: localPort,
                             destination: remote, destinationPort: remotePort, payloadLength: payloadLength,
                             hopLimit: remote.isMulticast ? NetLimits.multicastTTL : NetLimits.unicastTTL)
        let count = payloadStart + payloadLength
        counters.udpSent &+= 1
        counters.countOut(count)
        return .transmit(byteCount: count)
    }
}
