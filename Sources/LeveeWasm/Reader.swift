import LeveeBase

/// The binary format's primitive values, read from the module with `LoadError` as the one error
/// type of loading.
struct ModuleReader {
    var r: ByteReader

    init(_ bytes: UnsafeRawBufferPointer) { r = ByteReader(bytes) }

    var offset: Int { r.offset }
    var isAtEnd: Bool { r.isAtEnd }
    var remaining: Int { r.remaining }

    mutating func u8() throws(LoadError) -> UInt8 {
        guard let b = r.readU8() else { throw .malformed(.unexpectedEnd) }
        return b
    }

    func peek() throws(LoadError) -> UInt8 {
        guard r.offset < r.bytes.count else { throw .malformed(.unexpectedEnd) }
        return r.bytes[r.offset]
    }

    mutating func u32() throws(LoadError) -> UInt32 {
        do { return UInt32(truncatingIfNeeded: try r.readULEB128(bits: 32)) } catch { throw .malformed(error) }
    }

    mutating func s32() throws(LoadError) -> Int32 {
        do { return Int32(truncatingIfNeeded: try r.readSLEB128(bits: 32)) } catch { throw .malformed(error) }
    }

    mutating func s33() throws(LoadError) -> Int64 {
        do { return try r.readSLEB128(bits: 33) } catch { throw .malformed(error) }
    }

    mutating func s64() throws(LoadError) -> Int64 {
        do { return try r.readSLEB128(bits: 64) } catch { throw .malformed(error) }
    }

    mutating func fixed32() throws(LoadError) -> UInt32 {
        guard let v = r.readLittleEndianU32() else { throw .malformed(.unexpectedEnd) }
        return v
    }

    mutating func fixed64() throws(LoadError) -> UInt64 {
        let lo = try fixed32()
        let hi = try fixed32()
        return u64(hi) &<< 32 | u64(lo)
    }

    mutating func bytes(_ count: UInt32) throws(LoadError) -> UnsafeRawBufferPointer {
        guard let b = r.take(Int(count)) else { throw .malformed(.unexpectedEnd) }
        return b
    }

    /// A name: length-prefixed UTF-8, checked.
    mutating func name() throws(LoadError) -> UnsafeRawBufferPointer {
        let b = try bytes(try u32())
        guard isValidUTF8(b) else { throw .malformed(.malformedUTF8) }
        return b
    }

    mutating func valType() throws(LoadError) -> ValType {
        let b = try u8()
        guard b != 0, let t = ValType(rawValue: b) else {
            throw b == 0x7B ? .unsupported : .malformed(.malformedValueType)
        }
        return t
    }

    mutating func refType() throws(LoadError) -> ValType {
        let t = try valType()
        guard t.isReference else { throw .malformed(.malformedReferenceType) }
        return t
    }

    /// A memory type: 64-bit limits with flag 0x04 (memory64), a page size with flag 0x08
    /// (custom-page-sizes). Shared memories (0x02) are a later proposal.
    mutating func memoryLimits() throws(LoadError) -> MemoryLimits {
        let flags = try u8()
        guard flags & ~0x0D == 0 else { throw flags & 0x02 != 0 && flags < 0x10 ? .unsupported : .malformed(.malformedLimits) }
        let is64 = flags & 0x04 != 0
        let min = is64 ? UInt64(bitPattern: try u64leb()) : u64(try u32())
        let max: UInt64? = flags & 1 != 0 ? (is64 ? UInt64(bitPattern: try u64leb()) : u64(try u32())) : nil
        var log2: UInt8 = 16
        if flags & 0x08 != 0 {
            let p = try u32()
            guard p <= 64 else { throw .malformed(.malformedLimits) }
            log2 = UInt8(p)
        }
        return MemoryLimits(min: min, max: max, pageSizeLog2: log2, is64: is64)
    }

    private mutating func u64leb() throws(LoadError) -> Int64 {
        do { return Int64(bitPattern: try r.readULEB128(bits: 64)) } catch { throw .malformed(error) }
    }

    /// Table limits (the memory flags are rejected).
    mutating func limits(memory: Bool) throws(LoadError) -> (min: UInt64, max: UInt64?, pageSizeLog2: UInt8) {
        let flags = try u8()
        let allowed: UInt8 = memory ? 0x09 : 0x01
        guard flags & ~allowed == 0 else {
            // Shared and 64-bit memories are later proposals.
            throw memory && flags & 0x06 != 0 && flags < 0x10 ? .unsupported : .malformed(.malformedLimits)
        }
        let min = u64(try u32())
        let max: UInt64? = flags & 1 != 0 ? u64(try u32()) : nil
        var log2: UInt8 = 16
        if flags & 0x08 != 0 {
            let p = try u32()
            guard p <= 64 else { throw .malformed(.malformedLimits) }
            log2 = UInt8(p)
        }
        return (min, max, log2)
    }
}

/// Whether `b` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
func isValidUTF8(_ b: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    let n = b.count
    while i < n {
        let c = b[i]
        if c < 0x80 { i += 1; continue }
        var need = 0
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return false
        }
        guard i + need < n else { return false }
        let second = b[i + 1]
        guard second >= lo && second <= hi else { return false }
        var k = 2
        while k <= need {
            guard b[i + k] & 0xC0 == 0x80 else { return false }
            k += 1
        }
        i += need + 1
    }
    return true
}

struct MemoryLimits {
    var min: UInt64
    var max: UInt64?
    var pageSizeLog2: UInt8
    var is64: Bool
}
