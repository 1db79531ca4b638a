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

    /// Schoolbook product, then 2^256 = 38 (mod p) folds the upper half onto the lower.
    func multiplied(by other: FieldElement) -> FieldElement {
        var columns = InlineArray<31, Int64>(repeating: 0)
        for i in 0..<16 {
            let ai = Int64(widening: limbs[i])
            for j in 0..<16 {
                columns[i + j] &+= ai &* Int64(widening: other.limbs[j])
            }
        }
        for i in 0..<15 { columns[i] &+= 38 &* columns[i + 16] }
        return Self.carried(columns)
    }

    func squared() -> FieldElement { multiplied(by: self) }

    /// Two carry passes over the low 16 columns: limbs 1...15 end in [0, 2^16), limb 0 within a
    /// few units of that range (what is carried out of limb 15 re-enters limb 0 times 38).
    private static func carried(_ columns: InlineArray<31, Int64>) -> FieldElement {
        var t = columns
        for _ in 0..<2 {
            for i in 0..<16 {
                let carry = t[i] &>> 16
                t[i] &-= carry &<< 16
                if i < 15 { t[i + 1] &+= carry } else { t[0] &+= 38 &* carry }
            }
        }
        var r = FieldElement.zero
        for i in 0..<16 { r.limbs[i] = Int32(truncatingIfNeeded: t[i]) }
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
    func squared(times k: Int) -> FieldElement {
        var r = self
        for _ in 0..<k { r = r.squared() }
        return r
    }

    /// self^(p-2) = 1/self (0 for 0). p - 2 = 2^255 - 21: every bit from 254 down is set except
    /// bits 4 and 2.
    func inverted() -> FieldElement {
        var r = self
        for bit in (0...253).reversed() {
            r = r.squared()
            if bit != 4 && bit != 2 { r = r * self }
        }
        return r
    }

    /// self^((p-5)/8) = self^(2^252 - 3), the core of the square root in RFC 8032 §5.1.3:
    /// bits 251 down to 0, all set except bit 1.
    func raisedToPMinus5Over8() -> FieldElement {
        var r = self
        for bit in (0...250).reversed() {
            r = r.squared()
            if bit != 1 { r = r * self }
        }
        return r
    }
}
