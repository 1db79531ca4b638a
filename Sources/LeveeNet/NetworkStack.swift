import LeveeBase

/// A UDP datagram delivered to the upper layer: endpoints, and where its payload sits in the
/// received frame (offsets, so nothing is copied).
public struct UDPDatagram: Sendable {
    public var source: IPv4Endpoint
    public var destination: IPv4Endpoint
    public var payloadOffset: Int
    public var payloadLength: Int

    /// The payload as a slice of the frame it was parsed from.
    public func payload(in frame: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        frame.slice(payloadOffset, payloadLength)
    }

    /// Sent to a group (All-CoAP-Nodes) or broadcast: a CoAP server must not answer errors to these.
    public var isMulticast: Bool {
        destination.address.isMulticast || destination.address == .broadcast
    }
}

/// What a received frame turned into.
public enum ReceiveEvent: Sendable {
    /// A UDP datagram for the upper layer.
    case deliver(UDPDatagram)
    /// A UDP datagram over IPv6 for the upper layer.
    case deliverIPv6(UDPDatagramIPv6)
    /// The stack wrote a frame of this many bytes into the transmit buffer (ARP reply, echo reply,
    /// DHCP request, IGMP report): send it.
    case transmit(byteCount: Int)
    /// Taken by the stack with nothing to send (an ARP reply learnt, a DHCP ACK, an IGMP query).
    case consumed
    case dropped(DropReason)
}

/// What `poll` wants done.
public enum PollEvent: Sendable, Equatable {
    case transmit(byteCount: Int)
    /// Nothing to send before this instant (nil: nothing scheduled at all).
    case idle(until: Instant?)
}

public enum SendFailure: UInt8, Sendable {
    /// No address yet (DHCP in progress).
    case noAddress
    /// Off-link destination and no gateway configured.
    case noRoute
    /// Payload longer than `NetLimits.maxUDPPayload` or the frame buffer.
    case payloadTooLarge
}

/// What `sendUDP` wrote into the frame buffer.
public enum SendResult: Sendable, Equatable {
    /// The datagram's frame, ready to transmit.
    case transmit(byteCount: Int)
    /// The next hop's MAC is unknown: the frame now holds an ARP request for it instead and the
    /// datagram is lost (like smoltcp; CoAP retransmits confirmable messages, replies to requests
    /// find the requester's MAC already learnt from the request).
    case arpRequestInstead(byteCount: Int)
    case failed(SendFailure)
}

/// How the node gets its IPv4 address.
public enum IPv4Addressing: Sendable {
    case fixed(address: IPv4Address, prefixLength: UInt8, gateway: IPv4Address)
    /// DHCP; `seed` varies the transaction IDs between nodes and boots.
    case dhcp(seed: UInt32)
}

/// The node's IPv4 host stack over Ethernet. Holds no frame buffers: the board owns one receive and
/// one transmit buffer of `NetLimits.frameCapacity` bytes and passes them in.
public struct NetworkStack: Sendable {
    public let mac: MACAddress
    public private(set) var address: IPv4Address = .unspecified
    public private(set) var mask: UInt32 = 0
    public private(set) var gateway: IPv4Address = .unspecified
    public private(set) var dhcp: DHCPClient?
    public var arpCache = ARPCache()
    /// The IPv6 link-local address, from the MAC (see IPv6.swift).
    public let linkLocal: IPv6Address
    public var neighborCache = NeighborCache()
    public var counters = NetCounters()
    var nextIdentification: UInt16 = 1
    /// IGMP reports still to send for All-CoAP-Nodes, and when the next is due.
    var igmpReportsPending: UInt8 = 0
    var igmpNextReport: Instant = .zero
    /// ARP announcements still to send for a new address, and when the next is due (RFC 5227 §2.3).
    var arpAnnouncementsPending: UInt8 = 0
    var arpNextAnnouncement: Instant = .zero

    public init(mac: MACAddress, addressing: IPv4Addressing, now: Instant) {
        self.mac = mac
        linkLocal = IPv6Address(linkLocalFor: mac)
        switch addressing {
        case let .fixed(address, prefixLength, gateway):
            configure(address: address, mask: netmask(prefixLength: prefixLength), gateway: gateway, now: now)
        case let .dhcp(seed):
            dhcp = DHCPClient(seed: seed ^ mac.low, now: now)
        }
    }

    mutating func configure(address: IPv4Address, mask: UInt32, gateway: IPv4Address, now: Instant) {
        let changed = address != self.address
        self.address = address
        self.mask = mask
        self.gateway = gateway
        if changed && !address.isUnspecified {
            // Joining All-CoAP-Nodes: announce it so IGMP-snooping switches forward discovery to us.
            igmpReportsPending = NetLimits.igmpUnsolicitedReports
            igmpNextReport = now
            // Announce the address so neighbours drop stale entries (e.g. a DHCP server's probe of
            // the address before it was ours left an unresolved one).
            arpAnnouncementsPending = NetLimits.arpAnnouncements
            arpNextAnnouncement = now
        }
    }

    public var hasAddress: Bool { !address.isUnspecified }

    /// The prefix length of `mask` (for display).
    public var prefixLength: UInt8 { UInt8(truncatingIfNeeded: mask.nonzeroBitCount) }

    func isOnLink(_ other: IPv4Address) -> Bool {
        hasAddress && (other.value & mask) == (address.value & mask)
    }

    func isOurBroadcast(_ destination: IPv4Address) -> Bool {
        destination == .broadcast || (hasAddress && mask != 0xFFFF_FFFF && destination.value == address.value | ~mask)
    }

    func isJoinedGroup(_ group: IPv4Address) -> Bool {
        group == .allCoAPNodes || group == .allHosts
    }

    mutating func drop(_ reason: DropReason) -> ReceiveEvent {
        counters.count(reason)
        return .dropped(reason)
    }

    // MARK: receive

    /// Runs one received Ethernet frame (without FCS) through the stack.
    public mutating func receive(_ frame: UnsafeRawBufferPointer, now: Instant,
                                 transmit: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        counters.framesIn &+= 1
        counters.bytesIn &+= UInt32(truncatingIfNeeded: frame.count)
        guard frame.count >= Ethernet.headerLength else { return drop(.frameTooShort) }
        guard frame.count <= NetLimits.frameCapacity else { return drop(.frameTooLong) }
        let destination = frame.mac(at: Ethernet.destination)
        guard destination == mac || destination == .broadcast
              || destination == MACAddress(multicast: .allCoAPNodes)
              || destination == MACAddress(multicast: .allHosts)
              || destination.high == 0x3333   // IPv6 multicast: the IPv6 layer checks the group
        else { return drop(.notForUs) }
        switch frame.u16(at: Ethernet.etherType) {
        case Ethernet.typeARP: return receiveARP(frame, now: now, transmit: transmit)
        case Ethernet.typeIPv4: return receiveIPv4(frame, now: now, transmit: transmit)
        case Ethernet.typeIPv6: return receiveIPv6(frame, now: now, transmit: transmit)
        default: return drop(.unknownEtherType)
        }
    }

    mutating func receiveARP(_ frame: UnsafeRawBufferPointer, now: Instant,
                             transmit tx: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        let a = Ethernet.headerLength
        guard frame.count - a >= ARP.length else { return drop(.frameTooShort) }
        guard frame.u16(at: a + ARP.hardwareType) == 1, frame.u16(at: a + ARP.protocolType) == Ethernet.typeIPv4,
              frame[a + ARP.hardwareLength] == 6, frame[a + ARP.protocolLength] == 4 else {
            return drop(.arpUnsupported)
        }
        let operation = frame.u16(at: a + ARP.operation)
        let senderMAC = frame.mac(at: a + ARP.senderMAC)
        let senderIP = frame.ipv4(at: a + ARP.senderIP)
        let targetIP = frame.ipv4(at: a + ARP.targetIP)
        guard operation == ARP.request || operation == ARP.reply,
              !senderMAC.isGroup, !senderIP.isMulticast, senderIP != .broadcast else { return drop(.arpMalformed) }
        guard hasAddress else { return drop(.noAddress) }
        let forUs = targetIP == address
        // RFC 826: refresh what we know from any ARP; add the sender only when it talks to us, so
        // ARP traffic between other hosts (or a flood) does not fill the table. A probe (sender
        // 0.0.0.0, RFC 5227) teaches nothing.
        if !senderIP.isUnspecified && senderIP != address {
            if forUs { arpCache.insert(senderIP, mac: senderMAC, now: now) }
            else { arpCache.refresh(senderIP, mac: senderMAC, now: now) }
        }
        guard forUs else { return drop(.arpNotForUs) }
        guard operation == ARP.request else { return .consumed }
        guard tx.count >= Ethernet.headerLength + ARP.length else { return drop(.transmitBufferTooSmall) }
        let count = writeARP(into: tx, operation: ARP.reply, targetMAC: senderMAC, targetIP: senderIP,
                             ethernetDestination: senderMAC)
        counters.arpRepliesSent &+= 1
        counters.countOut(count)
        return .transmit(byteCount: count)
    }

    mutating func receiveIPv4(_ frame: UnsafeRawBufferPointer, now: Instant,
                              transmit tx: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        let ip = Ethernet.headerLength
        let available = frame.count - ip
        guard available >= IPv4.minimumHeaderLength else { return drop(.frameTooShort) }
        let headerLength = Int(frame[ip] & 0x0F) * 4
        let totalLength = Int(frame.u16(at: ip + IPv4.totalLength))
        guard frame[ip] &>> 4 == 4, headerLength >= IPv4.minimumHeaderLength,
              totalLength >= headerLength, totalLength <= available else { return drop(.ipv4Malformed) }
        var sum = InternetChecksum()
        sum.add(frame.slice(ip, headerLength))
        guard sum.verifies else { return drop(.ipv4BadChecksum) }
        let flags = frame.u16(at: ip + IPv4.flagsAndOffset)
        guard flags & IPv4.moreFragments == 0, flags & IPv4.fragmentOffsetMask == 0 else {
            return drop(.ipv4Fragment)
        }
        let source = frame.ipv4(at: ip + IPv4.source)
        let destination = frame.ipv4(at: ip + IPv4.destination)
        guard !source.isMulticast, source != .broadcast else { return drop(.ipv4BadSource) }
        let unicastToUs = hasAddress && destination == address
        // Before DHCP has bound, a server may unicast the OFFER/ACK to the address it offers.
        let maybeDHCP = dhcp != nil && !hasAddress && !destination.isMulticast
        guard unicastToUs || isOurBroadcast(destination) || isJoinedGroup(destination) || maybeDHCP else {
            return drop(.ipv4NotForUs)
        }
        let protocolNumber = frame[ip + IPv4.protocolNumber]
        let payload = frame.slice(ip + headerLength, totalLength - headerLength)
        let sourceMAC = frame.mac(at: Ethernet.source)
        // Learn the sender's MAC from its unicast traffic, so the reply needs no ARP round trip.
        if unicastToUs && isOnLink(source) && !sourceMAC.isGroup {
            arpCache.insert(source, mac: sourceMAC, now: now)
        }
        switch protocolNumber {
        case IPv4.protocolUDP:
            return receiveUDP(payload, at: ip + headerLength, source: source, destination: destination,
                              now: now, transmit: tx)
        case IPv4.protocolICMP:
            guard hasAddress else { return drop(.noAddress) }
            return receiveICMP(payload, source: source, sourceMAC: sourceMAC, unicast: unicastToUs, transmit: tx)
        case IPv4.protocolIGMP:
            guard hasAddress else { return drop(.noAddress) }
            return receiveIGMP(payload, now: now)
        default:
            return drop(.ipv4UnknownProtocol)
        }
    }

    mutating func receiveICMP(_ packet: UnsafeRawBufferPointer, source: IPv4Address, sourceMAC: MACAddress,
                              unicast: Bool, transmit tx: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        guard packet.count >= ICMP.headerLength else { return drop(.icmpMalformed) }
        var sum = InternetChecksum()
        sum.add(packet)
        guard sum.verifies else { return drop(.icmpBadChecksum) }
        guard packet[0] == ICMP.echoRequest, packet[1] == 0 else { return drop(.icmpUnsupported) }
        guard unicast else { return drop(.icmpEchoToGroup) }
        let start = Ethernet.headerLength + IPv4.minimumHeaderLength
        guard tx.count >= start + packet.count else { return drop(.transmitBufferTooSmall) }
        // The reply repeats identifier, sequence number and data: only type and checksum change.
        for i in 0..<packet.count { tx[start + i] = packet[i] }
        tx[start] = ICMP.echoReply
        tx.put(UInt16(0), at: start + 2)
        var reply = InternetChecksum()
        reply.add(tx.readOnly.slice(start, packet.count))
        tx.put(reply.value, at: start + 2)
        writeEthernet(into: tx, destination: sourceMAC, type: Ethernet.typeIPv4)
        let header = writeIPv4Header(into: tx, source: address, destination: source, protocolNumber: IPv4.protocolICMP,
                                     payloadLength: packet.count, ttl: NetLimits.unicastTTL, routerAlert: false)
        let count = Ethernet.headerLength + header + packet.count
        counters.echoRepliesSent &+= 1
        counters.countOut(count)
        return .transmit(byteCount: count)
    }

    mutating func receiveUDP(_ segment: UnsafeRawBufferPointer, at segmentOffset: Int,
                             source: IPv4Address, destination: IPv4Address, now: Instant,
                             transmit tx: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        guard segment.count >= UDP.headerLength else { return drop(.udpMalformed) }
        let length = Int(segment.u16(at: UDP.length))
        guard length >= UDP.headerLength, length <= segment.count else { return drop(.udpMalformed) }
        // Checksum 0 means "not computed", which IPv4 allows (RFC 768).
        if segment.u16(at: UDP.checksum) != 0 {
            var sum = InternetChecksum()
            sum.add(source); sum.add(destination)
            sum.add(UInt16(IPv4.protocolUDP)); sum.add(UInt16(truncatingIfNeeded: length))
            sum.add(segment.slice(0, length))
            guard sum.verifies else { return drop(.udpBadChecksum) }
        }
        let sourcePort = segment.u16(at: UDP.sourcePort)
        let destinationPort = segment.u16(at: UDP.destinationPort)
        let payload = segment.slice(UDP.headerLength, length - UDP.headerLength)
        if dhcp != nil && destinationPort == DHCPClient.clientPort && sourcePort == DHCPClient.serverPort {
            return receiveDHCP(payload, now: now, transmit: tx)
        }
        guard hasAddress else { return drop(.noAddress) }
        counters.udpDelivered &+= 1
        return .deliver(UDPDatagram(source: IPv4Endpoint(address: source, port: sourcePort),
                                    destination: IPv4Endpoint(address: destination, port: destinationPort),
                                    payloadOffset: segmentOffset + UDP.headerLength,
                                    payloadLength: length - UDP.headerLength))
    }

    mutating func receiveIGMP(_ packet: UnsafeRawBufferPointer, now: Instant) -> ReceiveEvent {
        guard packet.count >= IGMP.length else { return drop(.igmpMalformed) }
        var sum = InternetChecksum()
        sum.add(packet)
        guard sum.verifies else { return drop(.igmpBadChecksum) }
        let group = packet.ipv4(at: 4)
        // A general query (group 0) or one for our group: report membership (IGMPv1/v2/v3 queriers
        // all accept a v2 report from a host in compatibility mode).
        guard packet[0] == IGMP.membershipQuery, group.isUnspecified || group == .allCoAPNodes else {
            return drop(.igmpIgnored)
        }
        igmpReportsPending = max(igmpReportsPending, 1)
        igmpNextReport = now
        return .consumed
    }

    mutating func receiveDHCP(_ message: UnsafeRawBufferPointer, now: Instant,
                              transmit tx: UnsafeMutableRawBufferPointer) -> ReceiveEvent {
        guard var client = dhcp else { return drop(.dhcpIgnored) }
        let outcome = client.handle(message, mac: mac, now: now)
        dhcp = client
        switch outcome {
        case let .ignored(reason):
            return drop(reason)
        case .sendRequest:
            _ = dhcp!.messageDue(now: now)   // schedules the REQUEST's retransmission
            return dhcpFrame(now: now, transmit: tx).map { .transmit(byteCount: $0) } ?? drop(.transmitBufferTooSmall)
        case let .bound(lease):
            configure(address: lease.address, mask: lease.mask, gateway: lease.router, now: now)
            return .consumed
        case .restarted:
            configure(address: .unspecified, mask: 0, gateway: .unspecified, now: now)
            return .consumed
        }
    }

    // MARK: timers

    /// Runs the stack's timers. Call it until it answers `.idle`, and again at the latest at the
    /// instant it names (or after each received frame).
    public mutating func poll(now: Instant, transmit tx: UnsafeMutableRawBufferPointer) -> PollEvent {
        var deadline: Instant? = nil
        if var client = dhcp {
            let lost = client.advance(now: now)
            let due = client.messageDue(now: now)
            dhcp = client
            if lost { configure(address: .unspecified, mask: 0, gateway: .unspecified, now: now) }
            if due, let count = dhcpFrame(now: now, transmit: tx) { return .transmit(byteCount: count) }
            deadline = client.nextDeadline
        }
        if hasAddress && arpAnnouncementsPending > 0 {
            if now >= arpNextAnnouncement, tx.count >= Ethernet.headerLength + ARP.length {
                arpAnnouncementsPending -= 1
                arpNextAnnouncement = now + NetLimits.arpAnnouncementInterval
                let count = writeARP(into: tx, operation: ARP.request, targetMAC: .zero, targetIP: address,
                                     ethernetDestination: .broadcast)
                counters.countOut(count)
                return .transmit(byteCount: count)
            }
            deadline = deadline.map { min($0, arpNextAnnouncement) } ?? arpNextAnnouncement
        }
        if hasAddress {
            let (entry, next) = arpCache.refreshDue(now: now)
            if let entry, tx.count >= Ethernet.headerLength + ARP.length {
                // Unicast to the MAC we have (RFC 1122 §2.3.2.1 suggests unicast polling).
                let count = writeARP(into: tx, operation: ARP.request, targetMAC: entry.mac, targetIP: entry.address,
                                     ethernetDestination: entry.mac)
                counters.arpRequestsSent &+= 1
                counters.countOut(count)
                return .transmit(byteCount: count)
            }
            if let next { deadline = deadline.map { min($0, next) } ?? next }
        }
        if hasAddress && igmpReportsPending > 0 {
            if now >= igmpNextReport {
                igmpReportsPending -= 1
                igmpNextReport = now + NetLimits.igmpUnsolicitedReportInterval
                if let count = igmpReport(transmit: tx) { return .transmit(byteCount: count) }
            }
            deadline = deadline.map { min($0, igmpNextReport) } ?? igmpNextReport
        }
        return .idle(until: deadline)
    }

    /// Writes the DHCP message the client's state sends; nil when it does not fit or needs ARP first
    /// (then the ARP request is what goes out: `dhcpFrame` returns its length).
    mutating func dhcpFrame(now: Instant, transmit tx: UnsafeMutableRawBufferPointer) -> Int? {
        guard let client = dhcp, tx.count >= udpPayloadOffset + NetLimits.dhcpMinMessageLength else { return nil }
        var w = ByteWriter(UnsafeMutableRawBufferPointer(rebasing: tx[udpPayloadOffset...]))
        client.writeMessage(into: &w, mac: mac, clientAddress: address)
        guard !w.overflowed else { return nil }
        counters.dhcpMessagesSent &+= 1
        let destination = client.messageDestination
        let source = client.state == .renewing || client.state == .rebinding ? address : .unspecified
        switch writeUDP(from: IPv4Endpoint(address: source, port: DHCPClient.clientPort),
                        to: IPv4Endpoint(address: destination, port: DHCPClient.serverPort),
                        payloadLength: w.count, frame: tx, now: now) {
        case let .transmit(count):
            return count
        case let .arpRequestInstead(count):
            // The server's MAC is being resolved: retry soon rather than after the renewal interval.
            dhcp?.retrySoon(now: now)
            return count
        case .failed:
            return nil
        }
    }

    /// An IGMPv2 membership report for All-CoAP-Nodes, with the Router Alert option (RFC 2236 §2).
    mutating func igmpReport(transmit tx: UnsafeMutableRawBufferPointer) -> Int? {
        let start = Ethernet.headerLength + IPv4.minimumHeaderLength + 4
        guard tx.count >= start + IGMP.length else { return nil }
        let group = IPv4Address.allCoAPNodes
        tx[start] = IGMP.v2Report
        tx[start + 1] = 0
        tx.put(UInt16(0), at: start + 2)
        tx.put(group, at: start + 4)
        var sum = InternetChecksum()
        sum.add(tx.readOnly.slice(start, IGMP.length))
        tx.put(sum.value, at: start + 2)
        writeEthernet(into: tx, destination: MACAddress(multicast: group), type: Ethernet.typeIPv4)
        let header = writeIPv4Header(into: tx, source: address, destination: group, protocolNumber: IPv4.protocolIGMP,
                                     payloadLength: IGMP.length, ttl: NetLimits.multicastTTL, routerAlert: true)
        let count = Ethernet.headerLength + header + IGMP.length
        counters.igmpReportsSent &+= 1
        counters.countOut(count)
        return count
    }

    // MARK: send

    /// Sends a UDP datagram whose payload the caller has already written at `udpPayloadOffset` in
    /// `frame`; fills in the Ethernet, IPv4 and UDP headers in front of it.
    public mutating func sendUDP(from localPort: UInt16, to remote: IPv4Endpoint, payloadLength: Int,
                                 frame: UnsafeMutableRawBufferPointer, now: Instant) -> SendResult {
        guard hasAddress else { return .failed(.noAddress) }
        let result = writeUDP(from: IPv4Endpoint(address: address, port: localPort), to: remote,
                              payloadLength: payloadLength, frame: frame, now: now)
        if case .transmit = result { counters.udpSent &+= 1 }
        return result
    }

    mutating func writeUDP(from local: IPv4Endpoint, to remote: IPv4Endpoint, payloadLength: Int,
                           frame: UnsafeMutableRawBufferPointer, now: Instant) -> SendResult {
        guard payloadLength >= 0, payloadLength <= NetLimits.maxUDPPayload,
              udpPayloadOffset + payloadLength <= frame.count else { return .failed(.payloadTooLarge) }
        let nextHopMAC: MACAddress
        if remote.address.isMulticast {
            nextHopMAC = MACAddress(multicast: remote.address)
        } else if isOurBroadcast(remote.address) || !hasAddress {
            nextHopMAC = .broadcast
        } else {
            let nextHop: IPv4Address
            if isOnLink(remote.address) { nextHop = remote.address }
            else if !gateway.isUnspecified { nextHop = gateway }
            else { return .failed(.noRoute) }
            guard let known = arpCache.lookupForSending(nextHop, now: now) else {
                let count = writeARP(into: frame, operation: ARP.request, targetMAC: .zero, targetIP: nextHop,
                                     ethernetDestination: .broadcast)
                counters.arpRequestsSent &+= 1
                counters.sendsAwaitingARP &+= 1
                counters.countOut(count)
                return .arpRequestInstead(byteCount: count)
            }
            nextHopMAC = known
        }
        writeEthernet(into: frame, destination: nextHopMAC, type: Ethernet.typeIPv4)
        let ttl = remote.address.isMulticast ? NetLimits.multicastTTL : NetLimits.unicastTTL
        UDP.writeHeaders(into: frame, at: Ethernet.headerLength, source: local, destination: remote,
                         payloadLength: payloadLength, ttl: ttl, identification: nextIdentification)
        nextIdentification &+= 1
        let count = udpPayloadOffset + payloadLength
        counters.countOut(count)
        return .transmit(byteCount: count)
    }

    // MARK: header writers

    func writeEthernet(into frame: UnsafeMutableRawBufferPointer, destination: MACAddress, type: UInt16) {
        frame.put(destination, at: Ethernet.destination)
        frame.put(mac, at: Ethernet.source)
        frame.put(type, at: Ethernet.etherType)
    }

    /// Writes an IPv4 header after the Ethernet header with the next identification number.
    mutating func writeIPv4Header(into frame: UnsafeMutableRawBufferPointer, source: IPv4Address,
                                  destination: IPv4Address, protocolNumber: UInt8, payloadLength: Int,
                                  ttl: UInt8, routerAlert: Bool) -> Int {
        defer { nextIdentification &+= 1 }
        return IPv4.writeHeader(into: frame, at: Ethernet.headerLength, source: source, destination: destination,
                                protocolNumber: protocolNumber, payloadLength: payloadLength, ttl: ttl,
                                identification: nextIdentification, routerAlert: routerAlert)
    }

    func writeARP(into frame: UnsafeMutableRawBufferPointer, operation: UInt16, targetMAC: MACAddress,
                  targetIP: IPv4Address, ethernetDestination: MACAddress) -> Int {
        writeEthernet(into: frame, destination: ethernetDestination, type: Ethernet.typeARP)
        let a = Ethernet.headerLength
        frame.put(UInt16(1), at: a + ARP.hardwareType)
        frame.put(Ethernet.typeIPv4, at: a + ARP.protocolType)
        frame[a + ARP.hardwareLength] = 6
        frame[a + ARP.protocolLength] = 4
        frame.put(operation, at: a + ARP.operation)
        frame.put(mac, at: a + ARP.senderMAC)
        frame.put(address, at: a + ARP.senderIP)
        frame.put(targetMAC, at: a + ARP.targetMAC)
        frame.put(targetIP, at: a + ARP.targetIP)
        return a + ARP.length
    }
}
