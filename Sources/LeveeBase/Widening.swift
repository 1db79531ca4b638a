// Integer conversions that compile for the 32-bit chip under -no-allocations.
//
// On armv7em the standard library's generic conversions into or out of 64-bit integers
// (`UInt64(x)`, `Int64(x)`, `UInt32(someUInt64)`, `Float(someUInt32)`), and the "smart" shifts
// `<<`/`>>` on 64-bit values, go through a path that uses an Array, which -no-allocations
// rejects. What does compile: `X(truncatingIfNeeded:)` into a narrower type, the masking shifts
// `&<<`/`&>>`, `Float(Int64)`, `Int64(Float)` and the conversions below. Use these in the core.

extension UInt64 {
    /// Zero-extends a 32-bit value.
    @inline(__always) public init(widening value: UInt32) { self.init(_truncatingBits: UInt(value)) }
    @inline(__always) public init(widening value: UInt16) { self.init(_truncatingBits: UInt(value)) }
    @inline(__always) public init(widening value: UInt8) { self.init(_truncatingBits: UInt(value)) }
}

extension Int64 {
    /// Sign-extends a 32-bit value.
    @inline(__always) public init(widening value: Int32) {
        self = Int64(bitPattern: UInt64(widening: UInt32(bitPattern: value)) &<< 32) &>> 32
    }
}

extension UInt32 {
    /// The value if it fits in 32 bits, else nil.
    @inline(__always) public init?(narrowing value: UInt64) {
        guard value &>> 32 == 0 else { return nil }
        self.init(truncatingIfNeeded: value)
    }
}
