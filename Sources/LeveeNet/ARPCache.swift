import LeveeBase

/// An address a neighbour table can hold (IPv4 for ARP, IPv6 for NDP).
public protocol NeighborAddress: Equatable, Sendable {
    static var unspecified: Self { get }
}

extension IPv4Address: NeighborAddress {}

/// The ARP cache: IPv4 neighbours.
public typealias ARPCache = NeighborTable<IPv4Address>
/// The NDP neighbour cache: IPv6 neighbours (RFC 4861), same size and ageing as ARP's.
public typealias NeighborCache = NeighborTable<IPv6Address>

/// A fixed-size address → MAC table with ageing.
///
/// Entries older than `NetLimits.arpEntryLifetime` are not used (the peer may have moved or been
/// replaced); when the table is full the least recently refreshed entry is replaced, so an ARP flood
/// can churn the table but never grow it.
public struct NeighborTable<Address: NeighborAddress>: Sendable {
    public struct Entry: Sendable {
        public var address: Address
        public var mac: MACAddress
        public var refreshed: Instant
        public var inUse: Bool
        /// Looked up for sending since it was last refreshed: worth refreshing before it expires.
        public var used: Bool = false
        /// A refresh request has gone out for this entry.
        public var refreshRequested: Bool = false
    }

    /// Storage: `NetLimits.arpCacheEntries` entries (a literal: value generics need one).
    public typealias Entries = InlineArray<8, Entry>
    public private(set) var entries: Entries
    /// Entries overwritten while still fresh: a sign of a flood or a too-small table.
    public private(set) var evictions: UInt32 = 0

    public init() {
        entries = Entries(repeating: Entry(address: .unspecified, mac: .zero, refreshed: .zero, inUse: false))
    }

    public static var capacity: Int { Entries.count }

    func isFresh(_ entry: Entry, now: Instant) -> Bool {
        entry.inUse && now.since(entry.refreshed) < NetLimits.arpEntryLifetime
    }

    public func lookup(_ address: Address, now: Instant) -> MACAddress? {
        for i in 0..<entries.count where entries[i].inUse && entries[i].address == address {
            return isFresh(entries[i], now: now) ? entries[i].mac : nil
        }
        return nil
    }

    /// `lookup` for sending: marks the entry as in use, so `refreshDue` renews it before it ages
    /// out and a steady flow (e.g. Observe notifications) never loses a datagram to ARP.
    public mutating func lookupForSending(_ address: Address, now: Instant) -> MACAddress? {
        for i in 0..<entries.count where entries[i].inUse && entries[i].address == address {
            guard isFresh(entries[i], now: now) else { return nil }
            entries[i].used = true
            return entries[i].mac
        }
        return nil
    }

    /// When a used entry should be re-resolved: `NetLimits.arpRefreshMargin` before it expires.
    func refreshTime(_ entry: Entry) -> Instant {
        entry.refreshed + Interval(microseconds: NetLimits.arpEntryLifetime.microseconds - NetLimits.arpRefreshMargin.microseconds)
    }

    /// A used, still fresh entry due for a refresh request (marked as requested); and the next
    /// instant one will be due.
    mutating func refreshDue(now: Instant) -> (entry: Entry?, next: Instant?) {
        var next: Instant? = nil
        for i in 0..<entries.count where isFresh(entries[i], now: now) && entries[i].used && !entries[i].refreshRequested {
            let due = refreshTime(entries[i])
            if due <= now {
                entries[i].refreshRequested = true
                return (entries[i], nil)
            }
            next = next.map { min($0, due) } ?? due
        }
        return (nil, next)
    }

    /// Refreshes an existing entry only (RFC 826's merge step for ARP not aimed at us). Returns whether it existed.
    @discardableResult
    public mutating func refresh(_ address: Address, mac: MACAddress, now: Instant) -> Bool {
        for i in 0..<entries.count where entries[i].inUse && entries[i].address == address {
            entries[i].mac = mac
            entries[i].refreshed = now
            entries[i].used = false
            entries[i].refreshRequested = false
            return true
        }
        return false
    }

    /// Adds or refreshes an entry, replacing a free, stale or else the oldest one.
    public mutating func insert(_ address: Address, mac: MACAddress, now: Instant) {
        if refresh(address, mac: mac, now: now) { return }
        var victim = 0
        for i in 0..<entries.count {
            if !isFresh(entries[i], now: now) { victim = i; break }
            if entries[i].refreshed < entries[victim].refreshed { victim = i }
        }
        if isFresh(entries[victim], now: now) { evictions &+= 1 }
        entries[victim] = Entry(address: address, mac: mac, refreshed: now, inUse: true)
    }

    /// Number of entries that are still fresh.
    public func freshCount(now: Instant) -> Int {
        var n = 0
        for i in 0..<entries.count where isFresh(entries[i], now: now) { n += 1 }
        return n
    }
}
