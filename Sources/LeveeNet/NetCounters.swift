/// Why a received frame was not used. Every drop is counted under exactly one reason.
public enum DropReason: UInt8, Sendable {
    /// Shorter than an Ethernet header, or than the header its EtherType announces.
    case frameTooShort
    /// Longer than `NetLimits.frameCapacity`.
    case frameTooLong
    /// Unicast to another MAC or to a group we have not joined (seen in promiscuous capture).
    case notForUs
    /// An 802.3 length field, or an EtherType we do not speak (IPv6, VLAN, LLDP, ...).
    case unknownEtherType
    case arpMalformed
    /// ARP for another protocol or hardware than IPv4 over Ethernet.
    case arpUnsupported
    /// A request for someone else's address, or a reply not addressed to us.
    case arpNotForUs
    /// Version not 4, header length below 20 or beyond the packet, total length beyond the frame.
    case ipv4Malformed
    case ipv4BadChecksum
    /// We do not reassemble: any fragment (MF set or offset non-zero) is dropped.
    case ipv4Fragment
    /// To an address that is not ours, our broadcast, or a group we joined.
    case ipv4NotForUs
    /// A source address that no host may use (multicast, broadcast) — never answered.
    case ipv4BadSource
    case ipv4UnknownProtocol
    /// The address is not configured yet (DHCP in progress) and the packet is not for the DHCP client.
    case noAddress
    case icmpMalformed
    case icmpBadChecksum
    /// ICMP other than an echo request (we send no requests, so replies and errors are not ours).
    case icmpUnsupported
    /// An echo request to a broadcast or multicast address (not answered, RFC 1122 §3.2.2.6 allows it).
    case icmpEchoToGroup
    /// UDP length below 8 or beyond the IPv4 payload.
    case udpMalformed
    case udpBadChecksum
    case igmpMalformed
    case igmpBadChecksum
    /// Reports of other hosts, leaves, queries for other groups.
    case igmpIgnored
    case dhcpMalformed
    /// A DHCP message for another client or transaction, or unexpected in our state.
    case dhcpIgnored
    /// IPv6: version not 6, payload length beyond the frame, a truncated extension header.
    case ipv6Malformed
    /// To an IPv6 address or group that is not ours.
    case ipv6NotForUs
    /// An extension header other than hop-by-hop, or an upper layer we do not speak.
    case ipv6UnknownNextHeader
    /// A neighbour discovery message with a hop limit below 255, a bad length or a bad option.
    case ndpInvalid
    /// The transmit buffer is too small for the reply (a board configuration error).
    case transmitBufferTooSmall

    /// Number of reasons (the size of the counter table; `CaseIterable` would need an Array).
    public static let count = 30

    /// The reason's name in counter reports.
    public var name: StaticString {
        switch self {
        case .frameTooShort: "frame_too_short"
        case .frameTooLong: "frame_too_long"
        case .notForUs: "not_for_us"
        case .unknownEtherType: "unknown_ethertype"
        case .arpMalformed: "arp_malformed"
        case .arpUnsupported: "arp_unsupported"
        case .arpNotForUs: "arp_not_for_us"
        case .ipv4Malformed: "ipv4_malformed"
        case .ipv4BadChecksum: "ipv4_bad_checksum"
        case .ipv4Fragment: "ipv4_fragment"
        case .ipv4NotForUs: "ipv4_not_for_us"
        case .ipv4BadSource: "ipv4_bad_source"
        case .ipv4UnknownProtocol: "ipv4_unknown_protocol"
        case .noAddress: "no_address"
        case .icmpMalformed: "icmp_malformed"
        case .icmpBadChecksum: "icmp_bad_checksum"
        case .icmpUnsupported: "icmp_unsupported"
        case .icmpEchoToGroup: "icmp_echo_to_group"
        case .udpMalformed: "udp_malformed"
        case .udpBadChecksum: "udp_bad_checksum"
        case .igmpMalformed: "igmp_malformed"
        case .igmpBadChecksum: "igmp_bad_checksum"
        case .igmpIgnored: "igmp_ignored"
        case .dhcpMalformed: "dhcp_malformed"
        case .dhcpIgnored: "dhcp_ignored"
        case .ipv6Malformed: "ipv6_malformed"
        case .ipv6NotForUs: "ipv6_not_for_us"
        case .ipv6UnknownNextHeader: "ipv6_unknown_next_header"
        case .ndpInvalid: "ndp_invalid"
        case .transmitBufferTooSmall: "transmit_buffer_too_small"
        }
    }
}

/// What the stack has seen and done, for the `/sys/net` resource. Counters wrap, never trap.
public struct NetCounters: Sendable {
    public var framesIn: UInt32 = 0
    public var framesOut: UInt32 = 0
    public var bytesIn: UInt32 = 0
    public var bytesOut: UInt32 = 0
    public var arpRepliesSent: UInt32 = 0
    public var arpRequestsSent: UInt32 = 0
    public var echoRepliesSent: UInt32 = 0
    public var udpDelivered: UInt32 = 0
    public var udpSent: UInt32 = 0
    public var igmpReportsSent: UInt32 = 0
    public var dhcpMessagesSent: UInt32 = 0
    /// Datagrams not sent because the next hop was unresolved (an ARP request went out instead).
    public var sendsAwaitingARP: UInt32 = 0
    var drops = InlineArray<30, UInt32>(repeating: 0)

    public init() {}

    public func drops(_ reason: DropReason) -> UInt32 { drops[Int(reason.rawValue)] }

    public var totalDrops: UInt32 {
        var total: UInt32 = 0
        for i in 0..<drops.count { total &+= drops[i] }
        return total
    }

    mutating func count(_ reason: DropReason) { drops[Int(reason.rawValue)] &+= 1 }

    mutating func countOut(_ byteCount: Int) {
        framesOut &+= 1
        bytesOut &+= UInt32(truncatingIfNeeded: byteCount)
    }
}
