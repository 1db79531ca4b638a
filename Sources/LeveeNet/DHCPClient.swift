import LeveeBase

/// A small DHCP client (RFC 2131): DISCOVER → OFFER → REQUEST → ACK, then renewal at T1 (unicast
/// to the server), rebinding at T2 (broadcast), and back to DISCOVER when the lease expires or the
/// server says NAK. It only keeps state and reads/writes BOOTP payloads; `NetworkStack` frames them
/// and drives it with the board's `Clock` time, so tests run it on a `ManualClock`.
public struct DHCPClient: Sendable {
    public enum State: UInt8, Sendable {
        case selecting, requesting, bound, renewing, rebinding

        public var name: StaticString {
            switch self {
            case .selecting: "selecting"
            case .requesting: "requesting"
            case .bound: "bound"
            case .renewing: "renewing"
            case .rebinding: "rebinding"
            }
        }
    }

    /// What the address configuration became after a server message.
    public struct Lease: Sendable {
        public var address: IPv4Address
        public var mask: UInt32
        public var router: IPv4Address
        public var server: IPv4Address
        public var seconds: UInt32
    }

    enum Outcome {
        case ignored(DropReason)
        /// An OFFER was taken: send the REQUEST now.
        case sendRequest
        case bound(Lease)
        /// NAK: the address must be given up at once.
        case restarted
    }

    public private(set) var state: State = .selecting
    public private(set) var lease: Lease?
    public private(set) var leaseStart: Instant = .zero
    var xid: UInt32
    var random: UInt32
    var offered: IPv4Address = .unspecified
    var server: IPv4Address = .unspecified
    var nextTransmit: Instant
    var retransmitInterval = NetLimits.dhcpFirstRetransmit
    var requestAttempts: UInt8 = 0
    public private(set) var renewAt: Instant = .zero
    public private(set) var rebindAt: Instant = .zero
    public private(set) var expiresAt: Instant = .zero

    static let serverPort: UInt16 = 67
    static let clientPort: UInt16 = 68
    static let magicCookie: UInt32 = 0x6382_5363
    static let fixedLength = 236
    static let optionsOffset = 240
    enum MessageType: UInt8 { case discover = 1, offer, request, decline, ack, nak, release, inform }

    /// `seed` should differ between nodes and boots (transaction IDs must not collide on a LAN).
    public init(seed: UInt32, now: Instant) {
        random = seed == 0 ? 0x9E37_79B9 : seed
        xid = 0
        nextTransmit = now
        xid = nextRandom()
    }

    mutating func nextRandom() -> UInt32 {
        // xorshift32: enough to make transaction IDs differ, not a security measure.
        random ^= random &<< 13
        random ^= random &>> 17
        random ^= random &<< 5
        return random
    }

    /// Back to DISCOVER with a fresh transaction ID (boot, NAK, lease expiry, REQUESTs unanswered).
    mutating func restart(now: Instant) {
        state = .selecting
        lease = nil
        offered = .unspecified
        server = .unspecified
        xid = nextRandom()
        nextTransmit = now
        retransmitInterval = NetLimits.dhcpFirstRetransmit
        requestAttempts = 0
    }

    /// The next time `poll` has something to do.
    var nextDeadline: Instant {
        switch state {
        case .bound: renewAt
        case .renewing: min(nextTransmit, rebindAt)
        case .rebinding: min(nextTransmit, expiresAt)
        case .selecting, .requesting: nextTransmit
        }
    }

    /// Advances timers; returns whether the address is lost (lease expired).
    mutating func advance(now: Instant) -> Bool {
        switch state {
        case .bound, .renewing, .rebinding:
            if now >= expiresAt { restart(now: now); return true }
            if state == .bound && now >= renewAt { state = .renewing; nextTransmit = now }
            if state == .renewing && now >= rebindAt { state = .rebinding; nextTransmit = now }
        case .selecting, .requesting:
            break
        }
        return false
    }

    /// Whether a message is due now; if so, schedules its retransmission.
    mutating func messageDue(now: Instant) -> Bool {
        guard state != .bound, now >= nextTransmit else { return false }
        switch state {
        case .selecting:
            nextTransmit = now + retransmitInterval
            retransmitInterval = min(retransmitInterval + retransmitInterval, NetLimits.dhcpMaxRetransmit)
        case .requesting:
            if requestAttempts >= NetLimits.dhcpRequestAttempts {
                restart(now: now)
                nextTransmit = now + retransmitInterval
                retransmitInterval = retransmitInterval + retransmitInterval
                return true
            }
            requestAttempts += 1
            nextTransmit = now + retransmitInterval
            retransmitInterval = min(retransmitInterval + retransmitInterval, NetLimits.dhcpMaxRetransmit)
        case .renewing, .rebinding:
            // RFC 2131 §4.4.5: wait half the time remaining until T2 (renewing) or expiry (rebinding).
            let end = state == .renewing ? rebindAt : expiresAt
            let half = Interval(microseconds: end.since(now).microseconds / 2)
            nextTransmit = now + max(half, NetLimits.dhcpMinRenewRetransmit)
        case .bound:
            return false
        }
        return true
    }

    /// Sends the due message again after `NetLimits.dhcpARPRetry` (its frame became an ARP request).
    mutating func retrySoon(now: Instant) { nextTransmit = now + NetLimits.dhcpARPRetry }

    /// Where the due message goes: unicast to the server only while renewing.
    var messageDestination: IPv4Address { state == .renewing ? server : .broadcast }

    /// Writes the BOOTP payload of the message the current state sends (DISCOVER or REQUEST).
    func writeMessage(into w: inout ByteWriter, mac: MACAddress, clientAddress: IPv4Address) {
        let start = w.count
        w.append(UInt8(1))                       // op: BOOTREQUEST
        w.append(UInt8(1)); w.append(UInt8(6))   // htype Ethernet, hlen 6
        w.append(UInt8(0))                       // hops
        w.appendBigEndian(xid)
        w.appendBigEndian(UInt16(0))             // secs
        // Broadcast flag while we have no address: the answer cannot be unicast to us yet.
        let hasAddress = state == .renewing || state == .rebinding
        w.appendBigEndian(hasAddress ? UInt16(0) : UInt16(0x8000))
        w.appendBigEndian(hasAddress ? clientAddress.value : 0)  // ciaddr
        for _ in 0..<3 { w.appendBigEndian(UInt32(0)) }           // yiaddr, siaddr, giaddr
        for i in 0..<6 { w.append(mac[i]) }                       // chaddr
        for _ in 6..<(16 + 64 + 128) { w.append(UInt8(0)) }      // rest of chaddr, sname, file
        w.appendBigEndian(DHCPClient.magicCookie)
        w.append(UInt8(53)); w.append(UInt8(1))
        w.append(state == .selecting ? MessageType.discover.rawValue : MessageType.request.rawValue)
        if state == .requesting {
            w.append(UInt8(50)); w.append(UInt8(4)); w.appendBigEndian(offered.value)
            w.append(UInt8(54)); w.append(UInt8(4)); w.appendBigEndian(server.value)
        }
        // Parameter request list: subnet mask, router, lease time, T1, T2.
        w.append(UInt8(55)); w.append(UInt8(5))
        w.append(UInt8(1)); w.append(UInt8(3)); w.append(UInt8(51)); w.append(UInt8(58)); w.append(UInt8(59))
        w.append(UInt8(255))
        while w.count - start < NetLimits.dhcpMinMessageLength && !w.overflowed { w.append(UInt8(0)) }
    }

    /// Takes a BOOTP reply addressed to UDP port 68.
    mutating func handle(_ message: UnsafeRawBufferPointer, mac: MACAddress, now: Instant) -> Outcome {
        guard message.count >= DHCPClient.optionsOffset,
              message[0] == 2, message[1] == 1, message[2] == 6,
              message.u32(at: 236) == DHCPClient.magicCookie else { return .ignored(.dhcpMalformed) }
        guard message.u32(at: 4) == xid, message.mac(at: 28) == mac else { return .ignored(.dhcpIgnored) }
        let yourAddress = message.ipv4(at: 16)

        var type: UInt8 = 0
        var serverID = IPv4Address.unspecified
        var leaseSeconds: UInt32 = 0
        var t1: UInt32 = 0, t2: UInt32 = 0
        var mask: UInt32 = 0
        var router = IPv4Address.unspecified
        var reader = ByteReader(message, offset: DHCPClient.optionsOffset)
        while let code = reader.readU8() {
            if code == 0 { continue }      // pad
            if code == 255 { break }       // end
            guard let length = reader.readU8(), let value = reader.take(Int(length)) else {
                return .ignored(.dhcpMalformed)
            }
            switch (code, value.count) {
            case (53, 1): type = value[0]
            case (54, 4): serverID = value.ipv4(at: 0)
            case (51, 4): leaseSeconds = value.u32(at: 0)
            case (58, 4): t1 = value.u32(at: 0)
            case (59, 4): t2 = value.u32(at: 0)
            case (1, 4): mask = value.u32(at: 0)
            case (3, 4...): router = value.ipv4(at: 0)   // the first router is ours
            default: break
            }
        }

        switch (MessageType(rawValue: type), state) {
        case (.offer, .selecting):
            guard !yourAddress.isUnspecified, !yourAddress.isMulticast, yourAddress != .broadcast,
                  !serverID.isUnspecified else { return .ignored(.dhcpMalformed) }
            offered = yourAddress
            server = serverID
            state = .requesting
            requestAttempts = 0
            retransmitInterval = NetLimits.dhcpFirstRetransmit
            nextTransmit = now
            return .sendRequest
        case (.ack, .requesting), (.ack, .renewing), (.ack, .rebinding):
            guard !yourAddress.isUnspecified, !yourAddress.isMulticast else { return .ignored(.dhcpMalformed) }
            if state == .requesting, yourAddress != offered { return .ignored(.dhcpIgnored) }
            if !serverID.isUnspecified { server = serverID }
            let seconds = max(leaseSeconds == 0 ? 3600 : leaseSeconds, NetLimits.dhcpMinLeaseSeconds)
            let leaseLength = Interval.seconds(UInt64(widening: seconds))
            // Defaults from RFC 2131 §4.4.5: T1 = 0.5 × lease, T2 = 0.875 × lease.
            let renewAfter = t1 != 0 && t1 < seconds ? Interval.seconds(UInt64(widening: t1))
                : Interval(microseconds: leaseLength.microseconds / 2)
            let rebindAfter = t2 != 0 && t2 < seconds ? Interval.seconds(UInt64(widening: t2))
                : Interval(microseconds: (leaseLength.microseconds / 8) &* 7)
            leaseStart = now
            renewAt = now + renewAfter
            rebindAt = now + max(rebindAfter, renewAfter)
            expiresAt = now + leaseLength
            state = .bound
            retransmitInterval = NetLimits.dhcpFirstRetransmit
            let newLease = Lease(address: yourAddress, mask: mask == 0 ? netmask(prefixLength: 24) : mask,
                                 router: router, server: server, seconds: seconds)
            lease = newLease
            return .bound(newLease)
        case (.nak, .requesting), (.nak, .renewing), (.nak, .rebinding):
            guard serverID.isUnspecified || serverID == server else { return .ignored(.dhcpIgnored) }
            restart(now: now)
            return .restarted
        default:
            return .ignored(.dhcpIgnored)
        }
    }
}
