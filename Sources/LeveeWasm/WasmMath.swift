/// The numeric semantics of WebAssembly where Swift's operators differ: traps instead of
/// overflow, IEEE 754-2019 min/max and sign handling without touching NaN payloads, and rounding
/// without libm (the chip has none; these are exact for every input).
enum WasmMath {
    @inline(__always)
    static func divS(_ a: UInt32, _ b: UInt32) throws(Trap) -> UInt32 {
        guard b != 0 else { throw .divideByZero }
        let (q, overflow) = Int32(bitPattern: a).dividedReportingOverflow(by: Int32(bitPattern: b))
        guard !overflow else { throw .integerOverflow }
        return UInt32(bitPattern: q)
    }

    @inline(__always)
    static func divS(_ a: UInt64, _ b: UInt64) throws(Trap) -> UInt64 {
        guard b != 0 else { throw .divideByZero }
        let (q, overflow) = Int64(bitPattern: a).dividedReportingOverflow(by: Int64(bitPattern: b))
        guard !overflow else { throw .integerOverflow }
        return UInt64(bitPattern: q)
    }

    // MIN % -1 is 0 in WebAssembly, not an overflow.
    @inline(__always)
    static func remS(_ a: UInt32, _ b: UInt32) throws(Trap) -> UInt32 {
        guard b != 0 else { throw .divideByZero }
        return UInt32(bitPattern: Int32(bitPattern: a).remainderReportingOverflow(dividingBy: Int32(bitPattern: b)).partialValue)
    }

    @inline(__always)
    static func remS(_ a: UInt64, _ b: UInt64) throws(Trap) -> UInt64 {
        guard b != 0 else { throw .divideByZero }
        return UInt64(bitPattern: Int64(bitPattern: a).remainderReportingOverflow(dividingBy: Int64(bitPattern: b)).partialValue)
    }

    @inline(__always)
    static func divU<U: FixedWidthInteger & UnsignedInteger>(_ a: U, _ b: U) throws(Trap) -> U {
        guard b != U.zero else { throw .divideByZero }
        return a / b
    }

    @inline(__always)
    static func remU<U: FixedWidthInteger & UnsignedInteger>(_ a: U, _ b: U) throws(Trap) -> U {
        guard b != U.zero else { throw .divideByZero }
        return a % b
    }

    // abs, neg and copysign only touch the sign bit, so NaN payloads pass through unchanged.
    @inline(__always) static func abs(_ a: Float) -> Float { Float(bitPattern: a.bitPattern & 0x7FFF_FFFF) }
    @inline(__always) static func abs(_ a: Double) -> Double { Double(bitPattern: a.bitPattern & 0x7FFF_FFFF_FFFF_FFFF) }
    @inline(__always) static func neg(_ a: Float) -> Float { Float(bitPattern: a.bitPattern ^ 0x8000_0000) }
    @inline(__always) static func neg(_ a: Double) -> Double { Double(bitPattern: a.bitPattern ^ 0x8000_0000_0000_0000) }
    @inline(__always) static func copysign(_ a: Float, _ b: Float) -> Float {
        Float(bitPattern: (a.bitPattern & 0x7FFF_FFFF) | (b.bitPattern & 0x8000_0000))
    }
    @inline(__always) static func copysign(_ a: Double, _ b: Double) -> Double {
        Double(bitPattern: (a.bitPattern & 0x7FFF_FFFF_FFFF_FFFF) | (b.bitPattern & 0x8000_0000_0000_0000))
    }

    @inline(__always)
    static func min<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == b { return a.sign == .minus ? a : b }   // -0 is below +0
        return a < b ? a : b
    }

    @inline(__always)
    static func max<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        if a.isNaN || b.isNaN { return a + b }
        if a == b { return a.sign == .minus ? b : a }
        return a > b ? a : b
    }

    /// 2^p: from there on every float is an integer.
    @inline(__always)
    private static func integralLimit<F: BinaryFloatingPoint>(_: F.Type) -> F {
        F(sign: .plus, exponent: F.Exponent(F.significandBitCount), significand: 1)
    }

    /// Round half to even: adding and removing 2^p makes the FPU round in its default mode.
    @inline(__always)
    static func nearest<F: BinaryFloatingPoint>(_ a: F) -> F {
        let limit = integralLimit(F.self)
        let m = a.magnitude
        guard m < limit else { return a.isNaN ? a + a : a }
        let r = (m + limit) - limit
        return r.sign == a.sign ? r : -r
    }

    @inline(__always)
    static func floor<F: BinaryFloatingPoint>(_ a: F) -> F {
        guard a.magnitude < integralLimit(F.self) else { return a.isNaN ? a + a : a }
        var t = nearest(a)
        if t > a { t -= 1 }
        return t == 0 ? (a.sign == .minus ? -F.zero : F.zero) : t
    }

    @inline(__always)
    static func ceil<F: BinaryFloatingPoint>(_ a: F) -> F {
        guard a.magnitude < integralLimit(F.self) else { return a.isNaN ? a + a : a }
        var t = nearest(a)
        if t < a { t += 1 }
        return t == 0 ? (a.sign == .minus ? -F.zero : F.zero) : t
    }

    @inline(__always)
    static func trunc<F: BinaryFloatingPoint>(_ a: F) -> F {
        a.sign == .minus ? ceil(a) : floor(a)
    }

    /// Correctly rounded square root in integer arithmetic: the chip has no libm (`sqrt`,
    /// `sqrtf`) and no double-precision FPU. Digit-by-digit on the significand, two radicand
    /// bits per step, with one round bit and a sticky remainder for round-half-even.
    static func sqrtBits(_ bits: UInt64, fractionBits p: UInt64, exponentBits: UInt64, bias: Int64) -> UInt64 {
        var exponent = Int64(bitPattern: (bits &>> p) & ((UInt64(1) &<< exponentBits) &- 1))
        var m = bits & ((UInt64(1) &<< p) &- 1)
        if exponent == 0 {
            // Subnormal: normalize so that the implicit bit is set.
            while m & (UInt64(1) &<< p) == 0 { m = m &<< 1; exponent -= 1 }
            exponent += 1
        } else {
            m |= UInt64(1) &<< p
        }
        var e = exponent - bias - Int64(bitPattern: p)        // value = m * 2^e
        // root = floor(sqrt(m * 2^k)) with k = p + 2: p+2 bits, the last one the round bit. The
        // exponent e - k must be even to halve it: else one more bit goes into m.
        let k = p + 2
        if (e - Int64(bitPattern: k)) & 1 != 0 { m = m &<< 1; e -= 1 }
        let steps = k
        let extra: UInt64 = 1
        var remainder: UInt64 = 0
        var root: UInt64 = 0
        var i = steps
        while i > 0 {
            i -= 1
            let shift = Int64(bitPattern: 2 &* i) - Int64(bitPattern: k)   // bits 2i+1, 2i of m * 2^k
            let pair = shift >= 0 ? (m &>> UInt64(bitPattern: shift)) & 3 : shift == -1 ? (m & 1) &<< 1 : 0
            remainder = (remainder &<< 2) | pair
            let trial = (root &<< 2) | 1
            root = root &<< 1
            if remainder >= trial { remainder -= trial; root |= 1 }
        }
        var significand = root &>> extra
        let round = (root &>> (extra - 1)) & 1
        let sticky = remainder != 0 || root & ((UInt64(1) &<< (extra - 1)) &- 1) != 0
        if round != 0 && (sticky || significand & 1 != 0) { significand += 1 }
        let resultExponent = Int64(bitPattern: extra) + (e - Int64(bitPattern: k)) / 2 + Int64(bitPattern: p) + bias
        // Adding the significand (implicit bit included) carries a rounding overflow into the exponent.
        return (UInt64(bitPattern: resultExponent - 1) &<< p) &+ significand
    }

    @inline(__always)
    static func sqrt(_ a: Float) -> Float {
        if a.isNaN { return a + a }
        if a == 0 || a == .infinity { return a }
        if a < 0 { return .nan }
        return Float(bitPattern: UInt32(truncatingIfNeeded: sqrtBits(u64(a.bitPattern), fractionBits: 23, exponentBits: 8, bias: 127)))
    }

    @inline(__always)
    static func sqrt(_ a: Double) -> Double {
        if a.isNaN { return a + a }
        if a == 0 || a == .infinity { return a }
        if a < 0 { return .nan }
        return Double(bitPattern: sqrtBits(a.bitPattern, fractionBits: 52, exponentBits: 11, bias: 1023))
    }

    /// Whether `a` truncated towards zero fits `I`: the exclusive bounds min-1 and max+1 are
    /// compared after truncation, where they are exact in every float type.
    @inline(__always)
    private static func fits<F: BinaryFloatingPoint, I: FixedWidthInteger>(_ t: F, _: I.Type) -> Bool {
        let upper = F(sign: .plus, exponent: F.Exponent(I.bitWidth - (I.isSigned ? 1 : 0)), significand: 1)
        let lower: F = I.isSigned ? -upper : 0
        return t >= lower && t < upper
    }

    /// Traps unless `a` truncated fits `I`; `convert` is the concrete conversion (the generic
    /// `I(F)` of the standard library would need a heap on the chip).
    @inline(__always)
    static func truncate<F: BinaryFloatingPoint, I: FixedWidthInteger>(_ a: F, _: I.Type, _ convert: (F) -> I) throws(Trap) -> I {
        guard !a.isNaN else { throw .invalidConversion }
        let t = trunc(a)
        guard fits(t, I.self) else { throw .integerOverflow }
        return convert(t)
    }

    @inline(__always)
    static func saturate<F: BinaryFloatingPoint, I: FixedWidthInteger>(_ a: F, _: I.Type, _ convert: (F) -> I) -> I {
        if a.isNaN { return 0 }
        let t = trunc(a)
        if fits(t, I.self) { return convert(t) }
        return t < 0 ? I.min : I.max
    }
}
