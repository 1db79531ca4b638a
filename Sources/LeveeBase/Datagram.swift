/// The far end of a datagram: an IPv6 address (IPv4 as ::ffff:a.b.c.d) and a UDP port.
///
/// Two 64-bit halves rather than a byte tuple, so it is Hashable and compares in two instructions.
public struct Endpoint: Hashable, Sendable {
    public var addressHigh: UInt64
    public var addressLow: UInt64
    public var port: UInt16

    public init(addressHigh: UInt64, addressLow: UInt64, port: UInt16) {
        self.addressHigh = addressHigh
        self.addressLow = addressLow
        self.port = port
    }

    /// An IPv4 endpoint; `address` in host order (127.0.0.1 is 0x7F00_0001).
    public init(ipv4 address: UInt32, port: UInt16) {
        self.init(addressHigh: 0, addressLow: 0x0000_FFFF_0000_0000 | UInt64(widening: address), port: port)
    }

    public var isIPv4: Bool { addressHigh == 0 && addressLow &>> 32 == 0xFFFF }

    /// The IPv4 address in host order, if this is an IPv4 endpoint.
    public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: addressLow) : nil }
}

/// What the node offers a board's network driver: datagrams in, replies and its own messages out.
///
/// Split-phase and callback-free (as in embassy/Tock): the board calls `receive` for each datagram
/// and sends the reply it writes; it calls `nextOutgoing` until it returns nil after every event,
/// and sleeps at most until `nextDeadline`. The same service runs on a host UDP socket, on the
/// node's own IPv4/UDP stack over raw Ethernet, and on the chip.
public protocol DatagramService {
    /// Handles one datagram; returns true when `reply` holds a datagram to send back to `source`.
    mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Endpoint, at now: Instant,
                          reply: inout ByteWriter) -> Bool

    /// Writes the next message the node wants to send on its own (notifications, retransmissions,
    /// separate responses) and returns its destination; nil when there is none due at `now`.
    mutating func nextOutgoing(at now: Instant, into message: inout ByteWriter) -> Endpoint?

    /// The next time `nextOutgoing` may have something to send, or nil when nothing is scheduled.
    /// Mutating so a large service is used in place: a non-mutating call on a struct of several
    /// KiB copies it onto the (chip's) stack.
    mutating func nextDeadline() -> Instant?
}
