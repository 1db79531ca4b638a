import LeveeBase

/// Short names for LeveeBase's chip-safe widenings (see Widening.swift there), used all over the
/// executor, plus the few conversions this module needs on top.

@inline(__always) func u64(_ x: UInt32) -> UInt64 { UInt64(widening: x) }
@inline(__always) func u64(_ x: UInt16) -> UInt64 { UInt64(widening: x) }
@inline(__always) func u64(_ x: UInt8) -> UInt64 { UInt64(widening: x) }
@inline(__always) func u64(_ x: UInt64) -> UInt64 { x }
@inline(__always) func u64(_ x: UInt) -> UInt64 { UInt64(_truncatingBits: x) }
/// `x` must not be negative.
@inline(__always) func u64(_ x: Int) -> UInt64 { UInt64(_truncatingBits: UInt(bitPattern: x)) }

@inline(__always) func s64(_ x: Int32) -> Int64 { Int64(widening: x) }
@inline(__always) func s64(_ x: Int16) -> Int64 { Int64(widening: Int32(x)) }
@inline(__always) func s64(_ x: Int8) -> Int64 { Int64(widening: Int32(x)) }

/// An index or size that is known to fit the address space.
@inline(__always) func index(_ x: UInt64) -> Int { Int(truncatingIfNeeded: x) }

/// Correctly rounded unsigned conversions, through the signed ones (round to odd on the
/// halved value when the top bit is set, so the final rounding is the right one).
@inline(__always) func float(_ u: UInt64) -> Float {
    if u &>> 63 == 0 { return Float(Int64(bitPattern: u)) }
    return Float(Int64(bitPattern: (u &>> 1) | (u & 1))) * 2
}
@inline(__always) func double(_ u: UInt64) -> Double {
    if u &>> 63 == 0 { return Double(Int64(bitPattern: u)) }
    return Double(Int64(bitPattern: (u &>> 1) | (u & 1))) * 2
}
