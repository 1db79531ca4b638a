import LeveeBase

/// The network stack's fixed sizes and timings: they are what the memory budget counts.
public enum NetLimits {
    /// Largest Ethernet II frame without FCS: 14 header + 1500 MTU. Frame buffers are this big.
    public static let frameCapacity = 1514
    /// IPv4 MTU on Ethernet.
    public static let mtu = 1500
    /// Entries of the ARP cache (`ARPCache.Entries`); older entries are replaced when it is full.
    public static let arpCacheEntries = 8
    /// How long a learnt MAC address is trusted before it must be resolved again.
    public static let arpEntryLifetime = Interval.seconds(60)
    /// A cache entry used for sending is re-resolved (unicast ARP request) this long before it
    /// expires, so the flow to that peer is not interrupted.
    public static let arpRefreshMargin = Interval.seconds(10)
    /// Largest UDP payload that fits one unfragmented frame (1500 − 20 IPv4 − 8 UDP).
    public static let maxUDPPayload = mtu - 20 - 8
    /// ARP announcements (gratuitous requests) sent when an address is configured (RFC 5227
    /// ANNOUNCE_NUM and ANNOUNCE_INTERVAL).
    public static let arpAnnouncements: UInt8 = 2
    public static let arpAnnouncementInterval = Interval.seconds(2)
    /// TTL of unicast datagrams we originate.
    public static let unicastTTL: UInt8 = 64
    /// TTL of multicast datagrams and IGMP reports: link-local scope (RFC 2236, RFC 7252 §8).
    public static let multicastTTL: UInt8 = 1
    /// Unsolicited IGMP reports sent after joining (RFC 2236 §3 suggests repeating once or twice).
    public static let igmpUnsolicitedReports: UInt8 = 2
    /// Spacing of those unsolicited reports (RFC 2236 Unsolicited Report Interval: 10 s; shorter here
    /// so a snooping switch learns the node quickly after boot).
    public static let igmpUnsolicitedReportInterval = Interval.seconds(1)
    /// First DHCP retransmission timeout; it doubles up to `dhcpMaxRetransmit` (RFC 2131 §4.1).
    public static let dhcpFirstRetransmit = Interval.seconds(4)
    public static let dhcpMaxRetransmit = Interval.seconds(64)
    /// Retransmissions of a REQUEST in the requesting state before starting over with DISCOVER.
    public static let dhcpRequestAttempts: UInt8 = 4
    /// Smallest retransmission interval while renewing or rebinding (RFC 2131 §4.4.5 says 60 s;
    /// shorter here because short leases are used in tests).
    public static let dhcpMinRenewRetransmit = Interval.seconds(4)
    /// Retry of a unicast renewal whose frame had to become an ARP request for the server.
    public static let dhcpARPRetry = Interval.seconds(1)
    /// Shortest lease accepted: a server asking for less would make us renew in a loop.
    public static let dhcpMinLeaseSeconds: UInt32 = 10
    /// BOOTP messages are padded to this size; some servers and relays drop shorter ones.
    public static let dhcpMinMessageLength = 300
}
