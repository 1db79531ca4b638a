/// Room for one datagram: 1152 bytes, what fits an unfragmented IPv6 path (RFC 7252 §4.6).
public typealias DatagramBytes = InlineArray<1152, UInt8>

/// One datagram in a ring: its peer (source when received, destination when sent) and its bytes.
public struct DatagramSlot {
    public var peer: Endpoint
    public var length: UInt16
    public var bytes: DatagramBytes

    public init() {
        peer = Endpoint(addressHigh: 0, addressLow: 0, port: 0)
        length = 0
        bytes = DatagramBytes(repeating: 0)
    }
}

/// A fixed ring of datagrams between a network driver and the node, like a MAC's DMA descriptor
/// ring: the driver fills received datagrams in and takes datagrams to send out, the node's network
/// task does the opposite. Nothing is copied twice: producers write into the slot, consumers read
/// from it.
public struct DatagramRing<let capacity: Int> {
    private var slots: InlineArray<capacity, DatagramSlot>
    private var head = 0
    public private(set) var count = 0
    /// Datagrams refused because the ring was full.
    public private(set) var overflows: UInt32 = 0

    public init() { slots = InlineArray(repeating: DatagramSlot()) }

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == capacity }

    /// Lends the next free slot to `fill`, which writes a datagram and returns its length and peer,
    /// or nil to leave the slot free. Returns false (and counts an overflow) when the ring is full.
    @discardableResult
    public mutating func produce(_ fill: (UnsafeMutableRawBufferPointer) -> (length: Int, peer: Endpoint)?) -> Bool {
        guard count < capacity else {
            overflows &+= 1
            return false
        }
        let index = (head + count) % capacity
        let filled = withUnsafeMutableBytes(of: &slots[index].bytes) { fill($0) }
        guard let filled, filled.length >= 0, filled.length <= MemoryLayout<DatagramBytes>.size else { return true }
        slots[index].length = UInt16(truncatingIfNeeded: filled.length)
        slots[index].peer = filled.peer
        count += 1
        return true
    }

    /// Hands the oldest datagram to `body` and frees its slot; nil when the ring is empty.
    public mutating func consume<Result>(_ body: (UnsafeRawBufferPointer, Endpoint) -> Result) -> Result? {
        guard count > 0 else { return nil }
        let index = head
        let length = Int(slots[index].length)
        let peer = slots[index].peer
        let result = withUnsafeBytes(of: &slots[index].bytes) { body(UnsafeRawBufferPointer(rebasing: $0[0..<length]), peer) }
        head = (head + 1) % capacity
        count -= 1
        return result
    }
}
