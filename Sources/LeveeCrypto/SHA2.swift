import LeveeBase

/// A SHA-256 hasher (FIPS 180-4 §6.2): `update` any number of times, then `finalize` once.
public struct SHA256 {
    public static let digestSize = 32
    private var state: InlineArray<8, UInt32>
    private var block: InlineArray<64, UInt8>
    private var blockUsed = 0
    /// Message length so far in bytes.
    private var length: UInt64 = 0

    public init() {
        state = Self.sha256Initial
        block = InlineArray(repeating: 0)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(widening: UInt32(truncatingIfNeeded: bytes.count))
        var index = 0
        while index < bytes.count {
            let take = min(64 - blockUsed, bytes.count - index)
            for i in 0..<take { block[blockUsed + i] = bytes[index + i] }
            blockUsed += take
            index += take
            if blockUsed == 64 {
                compress()
                blockUsed = 0
            }
        }
    }

    public mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// Writes the 32-byte digest into the first bytes of `output` (which must hold at least 32)
    /// and leaves the hasher spent.
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        let bitLength = length &<< 3
        block[blockUsed] = 0x80
        blockUsed += 1
        if blockUsed > 56 {
            for i in blockUsed..<64 { block[i] = 0 }
            compress()
            blockUsed = 0
        }
        for i in blockUsed..<56 { block[i] = 0 }
        for i in 0..<8 { block[56 + i] = UInt8(truncatingIfNeeded: bitLength &>> UInt64(widening: UInt32(56 - 8 * i))) }
        compress()
        guard output.count >= Self.digestSize else { return }
        for i in 0..<8 {
            let word = state[i]
            output[4 * i] = UInt8(truncatingIfNeeded: word &>> 24)
            output[4 * i + 1] = UInt8(truncatingIfNeeded: word &>> 16)
            output[4 * i + 2] = UInt8(truncatingIfNeeded: word &>> 8)
            output[4 * i + 3] = UInt8(truncatingIfNeeded: word)
        }
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bytes)
        hasher.finalize(into: output)
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 - n))
    }

    /// One 64-byte block; the message schedule rolls through 16 words to keep the stack small.
    private mutating func compress() {
        var w = InlineArray<16, UInt32>(repeating: 0)
        for i in 0..<16 {
            w[i] = UInt32(block[4 * i]) &<< 24 | UInt32(block[4 * i + 1]) &<< 16
                | UInt32(block[4 * i + 2]) &<< 8 | UInt32(block[4 * i + 3])
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<64 {
            let word: UInt32
            if t < 16 {
                word = w[t]
            } else {
                let w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15]
                let s0 = Self.rotr(w15, 7) ^ Self.rotr(w15, 18) ^ (w15 &>> 3)
                let s1 = Self.rotr(w2, 17) ^ Self.rotr(w2, 19) ^ (w2 &>> 10)
                word = w[t & 15] &+ s0 &+ w[(t - 7) & 15] &+ s1
                w[t & 15] = word
            }
            let sum1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ sum1 &+ choose &+ Self.sha256Rounds[t] &+ word
            let sum0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = sum0 &+ majority
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
    }
}

/// A SHA-512 hasher (FIPS 180-4 §6.4): `update` any number of times, then `finalize` once.
public struct SHA512 {
    public static let digestSize = 64
    private var state: InlineArray<8, UInt64>
    private var block: InlineArray<128, UInt8>
    private var blockUsed = 0
    /// Message length so far in bytes (a 2^64-byte message is far beyond any update).
    private var length: UInt64 = 0

    public init() {
        state = Self.sha512Initial
        block = InlineArray(repeating: 0)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(widening: UInt32(truncatingIfNeeded: bytes.count))
        var index = 0
        while index < bytes.count {
            let take = min(128 - blockUsed, bytes.count - index)
            for i in 0..<take { block[blockUsed + i] = bytes[index + i] }
            blockUsed += take
            index += take
            if blockUsed == 128 {
                compress()
                blockUsed = 0
            }
        }
    }

    public mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// Writes the 64-byte digest into the first bytes of `output` (which must hold at least 64)
    /// and leaves the hasher spent.
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        let bitLength = length &<< 3
        block[blockUsed] = 0x80
        blockUsed += 1
        if blockUsed > 112 {
            for i in blockUsed..<128 { block[i] = 0 }
            compress()
            blockUsed = 0
        }
        // The top 64 bits of the 128-bit length field are always zero here.
        for i in blockUsed..<120 { block[i] = 0 }
        for i in 0..<8 { block[120 + i] = UInt8(truncatingIfNeeded: bitLength &>> UInt64(widening: UInt32(56 - 8 * i))) }
        compress()
        guard output.count >= Self.digestSize else { return }
        for i in 0..<8 {
            let word = state[i]
            for j in 0..<8 {
                output[8 * i + j] = UInt8(truncatingIfNeeded: word &>> UInt64(widening: UInt32(56 - 8 * j)))
            }
        }
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        var hasher = SHA512()
        hasher.update(bytes)
        hasher.finalize(into: output)
    }

    @inline(__always) private static func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 {
        (x &>> n) | (x &<< (64 - n))
    }

    private mutating func compress() {
        var w = InlineArray<16, UInt64>(repeating: 0)
        for i in 0..<16 {
            var word: UInt64 = 0
            for j in 0..<8 { word = word &<< 8 | UInt64(widening: block[8 * i + j]) }
            w[i] = word
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<80 {
            let word: UInt64
            if t < 16 {
                word = w[t]
            } else {
                let w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15]
                let s0 = Self.rotr(w15, 1) ^ Self.rotr(w15, 8) ^ (w15 &>> 7)
                let s1 = Self.rotr(w2, 19) ^ Self.rotr(w2, 61) ^ (w2 &>> 6)
                word = w[t & 15] &+ s0 &+ w[(t - 7) & 15] &+ s1
                w[t & 15] = word
            }
            let sum1 = Self.rotr(e, 14) ^ Self.rotr(e, 18) ^ Self.rotr(e, 41)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ sum1 &+ choose &+ Self.sha512Rounds[t] &+ word
            let sum0 = Self.rotr(a, 28) ^ Self.rotr(a, 34) ^ Self.rotr(a, 39)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = sum0 &+ majority
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
    }
}
