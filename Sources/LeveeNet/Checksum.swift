/// The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words.
///
/// Accumulates in 32 bits and folds at the end; a frame is at most 1514 bytes, so the sum cannot
/// overflow. Pieces must be added in order, and only the last may have an odd length.
public struct InternetChecksum {
    var sum: UInt32 = 0

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while i + 1 < bytes.count {
            sum &+= UInt32(bytes[i]) &<< 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum &+= UInt32(bytes[i]) &<< 8 }
    }

    public mutating func add(_ word: UInt16) { sum &+= UInt32(word) }

    public mutating func add(_ address: IPv4Address) {
        add(UInt16(truncatingIfNeeded: address.value &>> 16))
        add(UInt16(truncatingIfNeeded: address.value))
    }

    public mutating func add(_ address: IPv6Address) {
        addWords(address.high)
        addWords(address.low)
    }

    mutating func addWords(_ value: UInt64) {
        sum &+= UInt32(truncatingIfNeeded: value &>> 48) & 0xFFFF
        sum &+= UInt32(truncatingIfNeeded: value &>> 32) & 0xFFFF
        sum &+= UInt32(truncatingIfNeeded: value &>> 16) & 0xFFFF
        sum &+= UInt32(truncatingIfNeeded: value) & 0xFFFF
    }

    /// The IPv6 pseudo-header (RFC 8200 §8.1) every upper-layer checksum over IPv6 starts with.
    public static func ipv6PseudoHeader(source: IPv6Address, destination: IPv6Address, length: Int,
                                        nextHeader: UInt8) -> InternetChecksum {
        var sum = InternetChecksum()
        sum.add(source)
        sum.add(destination)
        sum.add(UInt16(truncatingIfNeeded: length &>> 16))
        sum.add(UInt16(truncatingIfNeeded: length))
        sum.add(UInt16(nextHeader))
        return sum
    }

    /// The checksum to put in a header (one's complement of the folded sum).
    public var value: UInt16 {
        var s = sum
        while s > 0xFFFF { s = (s & 0xFFFF) &+ (s &>> 16) }
        return ~UInt16(truncatingIfNeeded: s)
    }

    /// Over data that includes its checksum field, a correct checksum sums to 0xFFFF (value 0).
    public var verifies: Bool { value == 0 }
}
