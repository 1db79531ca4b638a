import LeveeBase

/// A 48-bit Ethernet MAC address, held in two fixed-width words (no 64-bit shifts on the chip).
public struct MACAddress: Equatable, Hashable, Sendable {
    /// Bytes 0–1 (the first on the wire) and bytes 2–5, big-endian.
    public var high: UInt16
    public var low: UInt32

    public init(high: UInt16, low: UInt32) { self.high = high; self.low = low }

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        high = UInt16(b0) &<< 8 | UInt16(b1)
        low = UInt32(b2) &<< 24 | UInt32(b3) &<< 16 | UInt32(b4) &<< 8 | UInt32(b5)
    }

    public static let broadcast = MACAddress(high: 0xFFFF, low: 0xFFFF_FFFF)
    public static let zero = MACAddress(high: 0, low: 0)

    /// Byte `index` (0–5) in wire order.
    public subscript(index: Int) -> UInt8 {
        index < 2 ? UInt8(truncatingIfNeeded: high &>> UInt16(8 * (1 - index)))
                  : UInt8(truncatingIfNeeded: low &>> UInt32(8 * (5 - index)))
    }

    /// Group bit (I/G): broadcast and multicast frames have it set.
    public var isGroup: Bool { high & 0x0100 != 0 }

    /// The Ethernet group address an IPv4 multicast group maps to (RFC 1112 §6.4: 01:00:5e + low 23 bits).
    public init(multicast group: IPv4Address) {
        high = 0x0100
        low = 0x5E00_0000 | (group.value & 0x007F_FFFF)
    }
}

/// An IPv4 address in host order.
public struct IPv4Address: Equatable, Hashable, Sendable {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) &<< 24 | UInt32(b) &<< 16 | UInt32(c) &<< 8 | UInt32(d)
    }

    public static let unspecified = IPv4Address(0)
    public static let broadcast = IPv4Address(0xFFFF_FFFF)
    /// All-CoAP-Nodes (RFC 7252 §12.8): where multicast discovery is sent.
    public static let allCoAPNodes = IPv4Address(224, 0, 1, 187)
    /// All-Hosts (RFC 1112): general IGMP queries go here.
    public static let allHosts = IPv4Address(224, 0, 0, 1)
    /// All-Routers: IGMPv2 leave messages go here (we never leave, listed for completeness of checks).
    public static let allRouters = IPv4Address(224, 0, 0, 2)

    public var isMulticast: Bool { value & 0xF000_0000 == 0xE000_0000 }
    public var isUnspecified: Bool { value == 0 }
}

/// The netmask of a prefix length 0–32 (larger values are clamped to 32).
public func netmask(prefixLength: UInt8) -> UInt32 {
    prefixLength == 0 ? 0 : ~UInt32(0) &<< UInt32(32 - min(prefixLength, 32))
}

/// An IPv4 address and UDP port: one end of a datagram.
public struct IPv4Endpoint: Equatable, Hashable, Sendable {
    public var address: IPv4Address
    public var port: UInt16
    public init(address: IPv4Address, port: UInt16) { self.address = address; self.port = port }
}

extension ByteWriter {
    /// Dotted-quad text, e.g. `10.0.0.2`.
    public mutating func appendIPv4(_ address: IPv4Address) {
        for i in 0..<4 {
            if i > 0 { append(UInt8(ascii: ".")) }
            appendDecimal(UInt64(widening: UInt8(truncatingIfNeeded: address.value &>> UInt32(24 - 8 * i))))
        }
    }

    /// Colon-separated lowercase hex, e.g. `02:00:00:00:00:01`.
    public mutating func appendMAC(_ mac: MACAddress) {
        for i in 0..<6 {
            if i > 0 { append(UInt8(ascii: ":")) }
            appendHexByte(mac[i])
        }
    }

    /// IPv6 text as eight groups without zero compression (valid, simple), e.g. `fe80:0:0:0:4c:56ff:fe00:2`.
    public mutating func appendIPv6(_ address: IPv6Address) {
        for i in 0..<8 {
            if i > 0 { append(UInt8(ascii: ":")) }
            let half = i < 4 ? address.high : address.low
            let group = UInt16(truncatingIfNeeded: half &>> UInt64(widening: UInt32(truncatingIfNeeded: 48 - 16 * (i % 4))))
            var started = false
            for digit in 0..<4 {   // leading zeros dropped, at least one digit
                let nibble = UInt8(truncatingIfNeeded: (group &>> UInt16(12 - 4 * digit)) & 0xF)
                if nibble != 0 || started || digit == 3 {
                    started = true
                    append(hexDigit(nibble))
                }
            }
        }
    }

    mutating func appendHexByte(_ byte: UInt8) {
        append(hexDigit(byte &>> 4))
        append(hexDigit(byte & 0x0F))
    }
}

@inline(__always) func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x57
}

/// An IPv6 address as two big-endian 64-bit halves (the layout of LeveeBase's `Endpoint`).
public struct IPv6Address: Equatable, Hashable, Sendable, NeighborAddress {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    public static let unspecified = IPv6Address(high: 0, low: 0)
    /// All-Nodes, link scope (ff02::1): unsolicited neighbour advertisements go here.
    public static let allNodes = IPv6Address(high: 0xFF02_0000_0000_0000, low: 1)
    /// All-CoAP-Nodes, link-local and site-local scope (RFC 7252 §12.8: ff0x::fd).
    public static let allCoAPNodesLinkLocal = IPv6Address(high: 0xFF02_0000_0000_0000, low: 0xFD)
    public static let allCoAPNodesSiteLocal = IPv6Address(high: 0xFF05_0000_0000_0000, low: 0xFD)

    /// The link-local address of a MAC (fe80::/64 with the modified EUI-64 interface ID, RFC 4291 §2.5.1).
    public init(linkLocalFor mac: MACAddress) {
        high = 0xFE80_0000_0000_0000
        let b0 = UInt64(widening: mac[0] ^ 0x02)
        low = b0 &<< 56 | UInt64(widening: mac[1]) &<< 48 | UInt64(widening: mac[2]) &<< 40 | 0xFF_FE00_0000
            | UInt64(widening: mac[3]) &<< 16 | UInt64(widening: mac[4]) &<< 8 | UInt64(widening: mac[5])
    }

    /// The solicited-node group of an address (ff02::1:ffXX:XXXX), where neighbour solicitations go.
    public var solicitedNode: IPv6Address {
        IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | (low & 0xFF_FFFF))
    }

    public var isMulticast: Bool { high &>> 56 == 0xFF }
    public var isUnspecified: Bool { high == 0 && low == 0 }

    /// The Ethernet group address of a multicast group (RFC 2464 §7: 33:33 + the low 32 bits).
    public var multicastMAC: MACAddress { MACAddress(high: 0x3333, low: UInt32(truncatingIfNeeded: low)) }

    /// The same address as a LeveeBase `Endpoint` with `port`.
    public func endpoint(port: UInt16) -> Endpoint { Endpoint(addressHigh: high, addressLow: low, port: port) }
}
