import LeveeBase

// Fixed-offset loads and stores on frame buffers, plus the header layouts.
//
// The parsers check a length once and then read fields at known offsets, keeping offsets into the
// caller's buffer instead of copying headers out (like nanocoap). These helpers do not check
// bounds themselves: every caller has checked the length just before.

extension UnsafeRawBufferPointer {
    @inline(__always) func u16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) &<< 8 | UInt16(self[offset + 1])
    }
    @inline(__always) func u32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) &<< 24 | UInt32(self[offset + 1]) &<< 16
            | UInt32(self[offset + 2]) &<< 8 | UInt32(self[offset + 3])
    }
    @inline(__always) func mac(at offset: Int) -> MACAddress {
        MACAddress(self[offset], self[offset + 1], self[offset + 2],
                   self[offset + 3], self[offset + 4], self[offset + 5])
    }
    @inline(__always) func ipv4(at offset: Int) -> IPv4Address { IPv4Address(u32(at: offset)) }
    @inline(__always) func u64(at offset: Int) -> UInt64 {
        UInt64(widening: u32(at: offset)) &<< 32 | UInt64(widening: u32(at: offset + 4))
    }
    @inline(__always) func ipv6(at offset: Int) -> IPv6Address {
        IPv6Address(high: u64(at: offset), low: u64(at: offset + 8))
    }
    @inline(__always) func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[offset..<offset + count])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func put(_ value: UInt8, at offset: Int) { self[offset] = value }
    @inline(__always) func put(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value &>> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
    @inline(__always) func put(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value &>> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value &>> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value &>> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
    @inline(__always) func put(_ mac: MACAddress, at offset: Int) {
        for i in 0..<6 { self[offset + i] = mac[i] }
    }
    @inline(__always) func put(_ address: IPv4Address, at offset: Int) { put(address.value, at: offset) }
    @inline(__always) func put(_ value: UInt64, at offset: Int) {
        put(UInt32(truncatingIfNeeded: value &>> 32), at: offset)
        put(UInt32(truncatingIfNeeded: value), at: offset + 4)
    }
    @inline(__always) func put(_ address: IPv6Address, at offset: Int) {
        put(address.high, at: offset)
        put(address.low, at: offset + 8)
    }
    @inline(__always) func zero(_ offset: Int, _ count: Int) {
        for i in offset..<offset + count { self[i] = 0 }
    }
    @inline(__always) var readOnly: UnsafeRawBufferPointer { UnsafeRawBufferPointer(self) }
}

/// Ethernet II header: destination, source, EtherType.
public enum Ethernet {
    public static let headerLength = 14
    public static let destination = 0, source = 6, etherType = 12
    public static let typeIPv4: UInt16 = 0x0800
    public static let typeARP: UInt16 = 0x0806
    public static let typeIPv6: UInt16 = 0x86DD
    /// EtherType values below this are IEEE 802.3 lengths, not types.
    public static let minimumEtherType: UInt16 = 0x0600
}

/// ARP for IPv4 over Ethernet (RFC 826), relative to the start of the ARP packet.
public enum ARP {
    public static let length = 28
    public static let hardwareType = 0, protocolType = 2, hardwareLength = 4, protocolLength = 5
    public static let operation = 6, senderMAC = 8, senderIP = 14, targetMAC = 18, targetIP = 24
    public static let request: UInt16 = 1, reply: UInt16 = 2
}

/// IPv4 header (RFC 791), relative to its start.
public enum IPv4 {
    public static let minimumHeaderLength = 20
    public static let versionAndIHL = 0, tos = 1, totalLength = 2, identification = 4, flagsAndOffset = 6
    public static let ttl = 8, protocolNumber = 9, checksum = 10, source = 12, destination = 16
    public static let protocolICMP: UInt8 = 1, protocolIGMP: UInt8 = 2, protocolUDP: UInt8 = 17
    public static let moreFragments: UInt16 = 0x2000, dontFragment: UInt16 = 0x4000
    public static let fragmentOffsetMask: UInt16 = 0x1FFF

    /// Writes an IPv4 header at `offset` (14 in an Ethernet frame, 0 in a raw-IP capture) and
    /// returns its length: 20, or 24 with the Router Alert option IGMP needs (RFC 2113).
    public static func writeHeader(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, source: IPv4Address,
                                   destination: IPv4Address, protocolNumber: UInt8, payloadLength: Int,
                                   ttl: UInt8, identification: UInt16, routerAlert: Bool = false) -> Int {
        let ip = offset
        let headerLength = minimumHeaderLength + (routerAlert ? 4 : 0)
        buffer[ip] = 0x40 | UInt8(truncatingIfNeeded: headerLength / 4)
        buffer[ip + tos] = 0
        buffer.put(UInt16(truncatingIfNeeded: headerLength + payloadLength), at: ip + totalLength)
        buffer.put(identification, at: ip + IPv4.identification)
        // Don't Fragment: we never send more than the MTU, and cannot reassemble either.
        buffer.put(dontFragment, at: ip + flagsAndOffset)
        buffer[ip + IPv4.ttl] = ttl
        buffer[ip + IPv4.protocolNumber] = protocolNumber
        buffer.put(UInt16(0), at: ip + checksum)
        buffer.put(source, at: ip + IPv4.source)
        buffer.put(destination, at: ip + IPv4.destination)
        if routerAlert { buffer.put(UInt32(0x9404_0000), at: ip + minimumHeaderLength) }
        var sum = InternetChecksum()
        sum.add(buffer.readOnly.slice(ip, headerLength))
        buffer.put(sum.value, at: ip + checksum)
        return headerLength
    }
}

/// UDP header (RFC 768).
public enum UDP {
    public static let headerLength = 8
    public static let sourcePort = 0, destinationPort = 2, length = 4, checksum = 6

    /// Writes a 20-byte IPv4 header and the UDP header at `offset`, in front of a payload the
    /// caller has already put at `offset + 28`, with both checksums.
    public static func writeHeaders(into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                                    source: IPv4Endpoint, destination: IPv4Endpoint, payloadLength: Int,
                                    ttl: UInt8, identification: UInt16) {
        let udp = offset + IPv4.minimumHeaderLength
        let length = headerLength + payloadLength
        buffer.put(source.port, at: udp + sourcePort)
        buffer.put(destination.port, at: udp + destinationPort)
        buffer.put(UInt16(truncatingIfNeeded: length), at: udp + UDP.length)
        buffer.put(UInt16(0), at: udp + checksum)
        var sum = InternetChecksum()
        sum.add(source.address); sum.add(destination.address)
        sum.add(UInt16(IPv4.protocolUDP)); sum.add(UInt16(truncatingIfNeeded: length))
        sum.add(buffer.readOnly.slice(udp, length))
        // A computed 0 is sent as 0xFFFF: 0 would mean "no checksum" (RFC 768).
        buffer.put(sum.value == 0 ? 0xFFFF : sum.value, at: udp + checksum)
        _ = IPv4.writeHeader(into: buffer, at: offset, source: source.address, destination: destination.address,
                             protocolNumber: IPv4.protocolUDP, payloadLength: length, ttl: ttl,
                             identification: identification)
    }
}

/// ICMP echo (RFC 792).
public enum ICMP {
    public static let headerLength = 8
    public static let echoReply: UInt8 = 0, echoRequest: UInt8 = 8
}

/// IGMPv2 (RFC 2236); IGMPv3 queries (RFC 3376) are longer and answered with v2 reports.
public enum IGMP {
    public static let length = 8
    public static let membershipQuery: UInt8 = 0x11
    public static let v1Report: UInt8 = 0x12, v2Report: UInt8 = 0x16, v3Report: UInt8 = 0x22
    public static let leaveGroup: UInt8 = 0x17
}

/// IPv6 header (RFC 8200), relative to its start, and the ICMPv6 messages the node speaks.
public enum IPv6 {
    public static let headerLength = 40
    public static let payloadLength = 4, nextHeader = 6, hopLimit = 7, source = 8, destination = 24
    public static let nextHeaderHopByHop: UInt8 = 0, nextHeaderUDP: UInt8 = 17, nextHeaderICMPv6: UInt8 = 58
    public static let echoRequest: UInt8 = 128, echoReply: UInt8 = 129
    public static let neighborSolicitation: UInt8 = 135, neighborAdvertisement: UInt8 = 136
    /// NDP options: source and target link-layer address (RFC 4861 §4.6.1).
    public static let optionSourceLinkLayer: UInt8 = 1, optionTargetLinkLayer: UInt8 = 2
    /// Writes an IPv6 header at `offset` (14 in a frame, 0 in a raw-IP capture).
    public static func writeHeader(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, source: IPv6Address,
                                   destination: IPv6Address, nextHeader: UInt8, payloadLength: Int, hopLimit: UInt8) {
        buffer.put(UInt32(0x6000_0000), at: offset)   // version 6, traffic class 0, flow label 0
        buffer.put(UInt16(truncatingIfNeeded: payloadLength), at: offset + IPv6.payloadLength)
        buffer[offset + IPv6.nextHeader] = nextHeader
        buffer[offset + IPv6.hopLimit] = hopLimit
        buffer.put(source, at: offset + IPv6.source)
        buffer.put(destination, at: offset + IPv6.destination)
    }

    /// Writes an IPv6 and a UDP header at `offset` in front of a payload already at `offset + 48`,
    /// with the UDP checksum IPv6 makes mandatory.
    public static func writeUDPHeaders(into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                                       source: IPv6Address, sourcePort: UInt16, destination: IPv6Address,
                                       destinationPort: UInt16, payloadLength: Int, hopLimit: UInt8) {
        let udp = offset + headerLength
        let length = UDP.headerLength + payloadLength
        buffer.put(sourcePort, at: udp + UDP.sourcePort)
        buffer.put(destinationPort, at: udp + UDP.destinationPort)
        buffer.put(UInt16(truncatingIfNeeded: length), at: udp + UDP.length)
        buffer.put(UInt16(0), at: udp + UDP.checksum)
        var sum = InternetChecksum.ipv6PseudoHeader(source: source, destination: destination, length: length,
                                                    nextHeader: nextHeaderUDP)
        sum.add(buffer.readOnly.slice(udp, length))
        buffer.put(sum.value == 0 ? 0xFFFF : sum.value, at: udp + UDP.checksum)
        writeHeader(into: buffer, at: offset, source: source, destination: destination, nextHeader: nextHeaderUDP,
                    payloadLength: length, hopLimit: hopLimit)
    }

    /// NDP messages must arrive with hop limit 255: proof they were not forwarded (RFC 4861 §7.1).
    public static let ndpHopLimit: UInt8 = 255
}

/// Where the UDP payload starts in a frame the stack builds: Ethernet + 20-byte IPv4 + UDP.
public let udpPayloadOffset = Ethernet.headerLength + IPv4.minimumHeaderLength + UDP.headerLength
