import LeveeBase

/// An element of GF(2^255 - 19): sixteen signed limbs of (nominally) 16 bits, least significant
/// first, value = sum(limbs[i] * 2^(16 i)).
///
/// Limbs may run a few bits over 16 or go negative between carries; `multiplied` and `carried`
/// bring them back. The bounds that keep every intermediate within Int64: inputs to `multiplied`
/// have |limb| < 2^18 (at most a sum or difference of two carried elements and a doubling), so a
/// product column is below 16 * 2^36 and the fold by 38 below 2^46.
struct FieldElement {
    var limbs: InlineArray<16, Int32>

    init(limbs: InlineArray<16, Int32>) { self.limbs = limbs }

    static let zero = FieldElement(limbs: InlineArray(repeating: 0))
    static let one = FieldElement(limbs: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])

    /// Reads 32 little-endian bytes, ignoring the top bit (RFC 8032 §5.1.3: it carries x's sign).
    /// The value may be non-canonical (>= p); `isCanonicalEncoding` tells.
    init(bytes: UnsafeRawBufferPointer) {
        limbs = InlineArray(repeating: 0)
        for i in 0..<16 { limbs[i] = Int32(bytes[2 * i]) | Int32(bytes[2 * i + 1]) &<< 8 }
        limbs[15] &= 0x7fff
    }

    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        var r = a
        for i in 0..<16 { r.limbs[i] = a.limbs[i] &+ b.limbs[i] }
        return r
    }

    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        var r = a
        for i in 0..<16 { r.limbs[i] = a.limbs[i] &- b.limbs[i] }
        return r
    }

    static prefix func - (a: FieldElement) -> FieldElement { zero - a }

    static func * (a: FieldElement, b: FieldElement) -> FieldElement { a.multiplied(by: b) }

    /// Schoolbook product, then 2^256 = 38 (mod p) folds the upper half onto the lower. Through
    /// buffer pointers: the limbs' bounds are fixed, and InlineArray's checked subscripts would
    /// cost more than the multiplies.
    @inline(never)      // one frame for the columns, not one in every caller (the chip's stack)
    func multiplied(by other: FieldElement) -> FieldElement {
        var columns = InlineArray<31, Int64>(repeating: 0)
        withUnsafeBytes(of: limbs) { aBytes in
            withUnsafeBytes(of: other.limbs) { bBytes in
                withUnsafeMutableBytes(of: &columns) { cBytes in
                    let a = aBytes.assumingMemoryBound(to: Int32.self)
                    let b = bBytes.assumingMemoryBound(to: Int32.self)
                    let c = cBytes.assumingMemoryBound(to: Int64.self)
                    for i in 0..<16 {
                        let ai = Int64(widening: a[i])
                        for j in 0..<16 { c[i + j] &+= ai &* Int64(widening: b[j]) }
                    }
                    for i in 0..<15 { c[i] &+= 38 &* c[i + 16] }
                }
            }
        }
        return Self.carried(columns)
    }

    func squared() -> FieldElement { multiplied(by: self) }

    /// Two carry passes over the low 16 columns: limbs 1...15 end in [0, 2^16), limb 0 within a
    /// few units of that range (what is carried out of limb 15 re-enters limb 0 times 38).
    private static func carried(_ columns: InlineArray<31, Int64>) -> FieldElement {
        var t = columns
        var r = FieldElement.zero
        withUnsafeMutableBytes(of: &t) { tBytes in
            let t = tBytes.assumingMemoryBound(to: Int64.self)
            for _ in 0..<2 {
                for i in 0..<16 {
                    let carry = t[i] &>> 16
                    t[i] &-= carry &<< 16
                    if i < 15 { t[i + 1] &+= carry } else { t[0] &+= 38 &* carry }
                }
            }
            withUnsafeMutableBytes(of: &r.limbs) { rBytes in
                let limbs = rBytes.assumingMemoryBound(to: Int32.self)
                for i in 0..<16 { limbs[i] = Int32(truncatingIfNeeded: t[i]) }
            }
        }
        return r
    }

    /// The canonical little-endian encoding (value reduced into [0, p)) into 32 bytes of `output`.
    func encode(into output: UnsafeMutableRawBufferPointer) {
        var t = InlineArray<16, Int64>(repeating: 0)
        for i in 0..<16 { t[i] = Int64(widening: limbs[i]) }
        // Carry until every limb is in [0, 2^16): the value is then in [0, 2^256). A negative
        // carry out of the top ripples back through limb 0, so four passes bound the loop.
        for _ in 0..<4 {
            for i in 0..<16 {
                let carry = t[i] &>> 16
                t[i] &-= carry &<< 16
                if i < 15 { t[i + 1] &+= carry } else { t[0] &+= 38 &* carry }
            }
        }
        // [0, 2^256) holds at most 2p + 37: subtract p while the result stays non-negative.
        for _ in 0..<2 {
            var m = InlineArray<16, Int64>(repeating: 0)
            var borrow: Int64 = 0
            for i in 0..<16 {
                let pLimb: Int64 = i == 0 ? 0xffed : (i == 15 ? 0x7fff : 0xffff)
                let v = t[i] &- pLimb &- borrow
                borrow = v < 0 ? 1 : 0
                m[i] = v &+ (borrow &<< 16)
            }
            if borrow == 0 { t = m }
        }
        for i in 0..<16 {
            output[2 * i] = UInt8(truncatingIfNeeded: t[i])
            output[2 * i + 1] = UInt8(truncatingIfNeeded: t[i] &>> 8)
        }
    }

    /// Runs `body` with the canonical 32-byte encoding.
    func withEncoding<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var bytes = InlineArray<32, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            encode(into: raw)
            return body(UnsafeRawBufferPointer(raw))
        }
    }

    var isZero: Bool {
        withEncoding { bytes in
            var any: UInt8 = 0
            for i in 0..<32 { any |= bytes[i] }
            return any == 0
        }
    }

    /// The low bit of the canonical value: the "sign" of x in RFC 8032.
    var isNegative: Bool { withEncoding { $0[0] & 1 == 1 } }

    static func == (a: FieldElement, b: FieldElement) -> Bool { (a - b).isZero }

    /// self^(2^k) by k squarings.
    @inline(never)      // inlined into the addition chain, each copy would bring its own frame
    func squared(times k: Int) -> FieldElement {
        var r = self
        for _ in 0..<k { r = r.squared() }
        return r
    }

    /// (self^(2^250 - 1), self^11): the common part of the two exponentiations below, by the
    /// usual addition chain (254 squarings and 11 multiplications instead of ~250 of each).
    private func power2To250Minus1() -> (FieldElement, FieldElement) {
        let z2 = squared()                                      // 2
        let z9 = z2.squared(times: 2) * self                    // 9
        let z11 = z9 * z2                                       // 11
        let z2_5 = z11.squared() * z9                           // 2^5 - 1
        let z2_10 = z2_5.squared(times: 5) * z2_5               // 2^10 - 1
        let z2_20 = z2_10.squared(times: 10) * z2_10            // 2^20 - 1
        let z2_40 = z2_20.squared(times: 20) * z2_20            // 2^40 - 1
        let z2_50 = z2_40.squared(times: 10) * z2_10            // 2^50 - 1
        let z2_100 = z2_50.squared(times: 50) * z2_50           // 2^100 - 1
        let z2_200 = z2_100.squared(times: 100) * z2_100        // 2^200 - 1
        let z2_250 = z2_200.squared(times: 50) * z2_50          // 2^250 - 1
        return (z2_250, z11)
    }

    /// self^(p-2) = 1/self (0 for 0): p - 2 = 2^255 - 21 = (2^250 - 1) * 2^5 + 11.
    func inverted() -> FieldElement {
        let (z2_250, z11) = power2To250Minus1()
        return z2_250.squared(times: 5) * z11
    }

    /// self^((p-5)/8) = self^(2^252 - 3) = self^((2^250 - 1) * 4 + 1), the core of the square root
    /// in RFC 8032 §5.1.3.
    func raisedToPMinus5Over8() -> FieldElement {
        let (z2_250, _) = power2To250Minus1()
        return z2_250.squared(times: 2) * self
    }
}
