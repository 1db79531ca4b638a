/// Decimal text of a `Float` without Foundation or `String`: for JSON and text/plain payloads.
///
/// Six significant digits (a Float holds about seven, and no sensor of the node resolves more),
/// plain notation for magnitudes from 1e-5 to 1e15, exponent notation outside, trailing zeros
/// dropped. The arithmetic stays in Float and 32-bit integers, which the chip does in hardware.
/// Non-finite values have no JSON spelling: they are written as `null` and `isFinite` is the
/// caller's check if it would rather leave the field out.
extension ByteWriter {
    public mutating func appendDecimal(_ value: Float) {
        guard value.isFinite else { append("null"); return }
        if value == 0 { append(UInt8(ascii: "0")); return }
        var magnitude = value
        if magnitude < 0 {
            append(UInt8(ascii: "-"))
            magnitude = -magnitude
        }
        // exponent: 10^exponent <= magnitude < 10^(exponent+1), found by comparison against exact
        // powers of ten (no log10, whose libm call the chip would have to carry).
        var exponent: Int32 = 0
        var scaled = magnitude
        while scaled >= 10 { scaled /= 10; exponent += 1 }
        while scaled < 1 { scaled *= 10; exponent -= 1 }
        // Six significant digits as an integer, computed from the original value with one scaling
        // by an exact power of ten so that repeated divisions do not accumulate error.
        var digits = FloatFormatting.sixDigits(magnitude, exponent: exponent)
        if digits >= 1_000_000 { digits /= 10; exponent += 1 }
        var text: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &text) { d in
            var n = digits
            var i = 6
            while i > 0 {   // no reversed(): it allocates in debug builds
                i -= 1
                d[i] = UInt8(truncatingIfNeeded: n % 10) &+ 0x30
                n /= 10
            }
            var significant = 6
            while significant > 1 && d[significant - 1] == 0x30 { significant -= 1 }
            if exponent >= -5 && exponent < 15 {
                if exponent < 0 {
                    append("0.")
                    for _ in 0..<Int(-exponent - 1) { append(UInt8(ascii: "0")) }
                    for i in 0..<significant { append(d[i]) }
                } else {
                    let integerDigits = Int(exponent) + 1
                    for i in 0..<max(integerDigits, significant) {
                        if i == integerDigits { append(UInt8(ascii: ".")) }
                        append(i < 6 ? d[i] : 0x30)
                    }
                }
            } else {
                append(d[0])
                if significant > 1 {
                    append(UInt8(ascii: "."))
                    for i in 1..<significant { append(d[i]) }
                }
                append(UInt8(ascii: "e"))
                appendDecimal(Int64(widening: exponent))
            }
        }
    }
}

enum FloatFormatting {
    /// round(magnitude × 10^(5 − exponent)), a number of six digits (or 1 000 000 after rounding up).
    static func sixDigits(_ magnitude: Float, exponent: Int32) -> UInt32 {
        var shift = 5 - exponent
        var scaled = magnitude
        // Float spans 10^-45 … 10^38: at most a few steps of 10^10 before the last exact power.
        while shift > 10 { scaled *= 1e10; shift -= 10 }
        while shift < -10 { scaled /= 1e10; shift += 10 }
        let power = powerOfTen(shift < 0 ? -shift : shift)
        scaled = shift < 0 ? scaled / power : scaled * power
        // Positive, so truncation after adding one half rounds to nearest (no floorf on the chip).
        let rounded = scaled + 0.5
        guard rounded >= 0, rounded < 4e9 else { return 999_999 }
        return UInt32(truncatingIfNeeded: Int64(rounded))
    }

    /// 10^n for 0 ≤ n ≤ 10, exact in Float.
    static func powerOfTen(_ n: Int32) -> Float {
        var result: Float = 1
        for _ in 0..<n { result *= 10 }
        return result
    }
}
