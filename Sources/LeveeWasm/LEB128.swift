import LeveeBase

extension ByteReader {
    /// Reads an unsigned LEB128 integer of at most `bits` bits (32 or 64), rejecting overlong
    /// encodings and unused bits that are set, as the binary format requires.
    public mutating func readULEB128(bits: UInt32) throws(DecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = readU8() else { throw .unexpectedEnd }
            let payload = UInt64(widening: byte & 0x7F)
            if shift + 7 > bits {
                // Last permitted byte: no continuation, and no bits beyond `bits`.
                if byte & 0x80 != 0 { throw .integerRepresentationTooLong }
                if payload &>> UInt64(widening: bits - shift) != 0 { throw .integerTooLong }
            }
            result |= payload &<< UInt64(widening: shift)
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a signed LEB128 integer of at most `bits` bits, sign-extended to 64 bits.
    public mutating func readSLEB128(bits: UInt32) throws(DecodeError) -> Int64 {
        var result: Int64 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = readU8() else { throw .unexpectedEnd }
            let payload = Int64(bitPattern: UInt64(widening: byte & 0x7F))
            if shift + 7 >= bits {
                if byte & 0x80 != 0 { throw .integerRepresentationTooLong }
                // The unused high bits of the last byte must all equal the sign bit.
                let used = bits - shift            // 1...7 bits of this byte belong to the value
                let signAndRest = Int32(Int8(bitPattern: byte << 1)) >> Int32(used)
                if signAndRest != 0 && signAndRest != -1 { throw .integerTooLong }
            }
            result |= payload &<< Int64(bitPattern: UInt64(widening: shift))
            shift += 7
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 { result |= -1 &<< Int64(bitPattern: UInt64(widening: shift)) }
                return result
            }
        }
    }
}
