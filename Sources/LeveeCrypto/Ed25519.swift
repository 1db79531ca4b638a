import LeveeBase

/// Why an Ed25519 signature was refused.
public enum SignatureError: Error, Equatable {
    /// The signature or key is not 64 / 32 bytes.
    case wrongLength
    /// The public key does not decode to a curve point (RFC 8032 §5.1.3), or its encoding is
    /// not canonical (y >= p, or x = 0 with the sign bit set).
    case invalidPublicKey
    /// S >= L: a malleable, non-canonical signature (RFC 8032 §5.1.7 step 1).
    case nonCanonicalScalar
    /// Well-formed but does not verify: the key did not sign this message.
    case mismatch
}

/// Ed25519 verification (RFC 8032 §5.1.7, "pure" EdDSA, no context).
///
/// The check is the non-cofactored equation as bytes, [S]B - [k]A == R, like BoringSSL (and so
/// swift-crypto) and libsodium: R is never decoded, so a non-canonical R cannot match.
public enum Ed25519 {
    public static let publicKeySize = 32
    public static let signatureSize = 64

    /// Verifies `signature` over `message` with `publicKey`.
    public static func verify(signature: UnsafeRawBufferPointer, publicKey: UnsafeRawBufferPointer,
                              message: UnsafeRawBufferPointer) throws(SignatureError) {
        try verify(signature: signature, publicKey: publicKey) { hasher in hasher.update(message) }
    }

    /// Verifies `signature` over a message that `feedMessage` streams into the hasher, so a
    /// message assembled from pieces (a COSE Sig_structure around a payload in place) is never
    /// copied. `feedMessage` runs exactly once, after the cheap checks on key and signature.
    public static func verify(signature: UnsafeRawBufferPointer, publicKey: UnsafeRawBufferPointer,
                              feedMessage: (inout SHA512) -> Void) throws(SignatureError) {
        guard signature.count == signatureSize, publicKey.count == publicKeySize else { throw .wrongLength }
        let r = UnsafeRawBufferPointer(rebasing: signature[0..<32])
        let s = UnsafeRawBufferPointer(rebasing: signature[32..<64])
        guard Scalar.isCanonical(s) else { throw .nonCanonicalScalar }
        guard let a = EdwardsPoint(decoding: publicKey) else { throw .invalidPublicKey }

        var k = InlineArray<32, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &k) { kBytes in
            var digest = InlineArray<64, UInt8>(repeating: 0)
            withUnsafeMutableBytes(of: &digest) { digestBytes in
                var hasher = SHA512()
                hasher.update(r)
                hasher.update(publicKey)
                feedMessage(&hasher)
                hasher.finalize(into: digestBytes)
                Scalar.reduce(UnsafeRawBufferPointer(digestBytes), into: kBytes)
            }
        }
        let check = withUnsafeBytes(of: &k) { kBytes in
            EdwardsPoint.combination(s: s, base: .base, k: kBytes, negatedPoint: -a)
        }
        let matches = check.withEncoding { encoded in
            var difference: UInt8 = 0
            for i in 0..<32 { difference |= encoded[i] ^ r[i] }
            return difference == 0
        }
        guard matches else { throw .mismatch }
    }
}

/// Scalars modulo the group order L = 2^252 + 27742317777372353535851937790883648493, as
/// little-endian bytes.
enum Scalar {
    /// Whether the 32 little-endian bytes are < L.
    static func isCanonical(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for word in (0..<8).reversed() {
            var value: UInt32 = 0
            for j in (0..<4).reversed() { value = value &<< 8 | UInt32(bytes[4 * word + j]) }
            let limit = Ed25519.groupOrder[word]
            if value != limit { return value < limit }
        }
        return false
    }

    /// `wide` (64 little-endian bytes) mod L into 32 bytes of `output`, by binary long division:
    /// 512 shift-and-subtract steps on a 9-word remainder, short and obviously right.
    static func reduce(_ wide: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        var remainder = InlineArray<9, UInt32>(repeating: 0)
        for bit in (0..<512).reversed() {
            var carry = UInt32(wide[bit &>> 3] &>> UInt8(truncatingIfNeeded: bit & 7)) & 1
            for i in 0..<9 {
                let word = remainder[i]
                remainder[i] = word &<< 1 | carry
                carry = word &>> 31
            }
            // remainder < 2L < 2^254 here; subtract L if it fits.
            var difference = InlineArray<9, UInt32>(repeating: 0)
            var borrow: UInt64 = 0
            for i in 0..<9 {
                let limit = i < 8 ? UInt64(widening: Ed25519.groupOrder[i]) : 0
                let v = UInt64(widening: remainder[i]) &- limit &- borrow
                difference[i] = UInt32(truncatingIfNeeded: v)
                borrow = v &>> 63
            }
            if borrow == 0 { remainder = difference }
        }
        for i in 0..<8 {
            for j in 0..<4 { output[4 * i + j] = UInt8(truncatingIfNeeded: remainder[i] &>> UInt32(8 * j)) }
        }
    }

    @inline(__always) static func bit(_ bytes: UnsafeRawBufferPointer, _ index: Int) -> Bool {
        (bytes[index &>> 3] &>> UInt8(truncatingIfNeeded: index & 7)) & 1 == 1
    }
}

/// A point of edwards25519 in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z
/// (RFC 8032 §5.1.4).
struct EdwardsPoint {
    var x: FieldElement
    var y: FieldElement
    var z: FieldElement
    var t: FieldElement

    // Computed, not stored: a stored static point would be initialised into 256 bytes of RAM.
    static var identity: EdwardsPoint { EdwardsPoint(x: .zero, y: .one, z: .one, t: .zero) }
    static var base: EdwardsPoint { EdwardsPoint(x: Ed25519.baseX, y: Ed25519.baseY, z: .one, t: Ed25519.baseT) }

    init(x: FieldElement, y: FieldElement, z: FieldElement, t: FieldElement) {
        self.x = x; self.y = y; self.z = z; self.t = t
    }

    /// Decodes a 32-byte point (RFC 8032 §5.1.3), strictly: nil when y >= p, when no x solves the
    /// curve equation, or when x = 0 comes with the sign bit set.
    @inline(never)      // its frame (about 2 KiB of temporaries) must not add to the caller's
    init?(decoding bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        let y = FieldElement(bytes: bytes)
        let canonical = y.withEncoding { encoded in
            var difference: UInt8 = 0
            for i in 0..<31 { difference |= encoded[i] ^ bytes[i] }
            difference |= encoded[31] ^ (bytes[31] & 0x7f)
            return difference == 0
        }
        guard canonical else { return nil }
        let sign = bytes[31] &>> 7 == 1
        let ySquared = y.squared()
        let u = ySquared - .one                       // y^2 - 1
        let v = Ed25519.d * ySquared + .one           // d y^2 + 1
        let v3 = v.squared() * v
        let v7 = v3.squared() * v
        var x = u * v3 * (u * v7).raisedToPMinus5Over8()
        let vxx = v * x.squared()
        if vxx == u {
            // x is a square root of u/v.
        } else if vxx == -u {
            x = x * Ed25519.sqrtMinusOne
        } else {
            return nil
        }
        if x.isZero && sign { return nil }
        if x.isNegative != sign { x = -x }
        self.init(x: x, y: y, z: .one, t: x * y)
    }

    static prefix func - (p: EdwardsPoint) -> EdwardsPoint {
        EdwardsPoint(x: -p.x, y: p.y, z: p.z, t: -p.t)
    }

    /// Addition (RFC 8032 §5.1.4), complete on edwards25519.
    static func + (p: EdwardsPoint, q: EdwardsPoint) -> EdwardsPoint {
        let a = (p.y - p.x) * (q.y - q.x)
        let b = (p.y + p.x) * (q.y + q.x)
        let c = p.t * Ed25519.twiceD * q.t
        let zz = p.z * q.z
        let d = zz + zz
        let e = b - a, f = d - c, g = d + c, h = b + a
        return EdwardsPoint(x: e * f, y: g * h, z: f * g, t: e * h)
    }

    /// Doubling (RFC 8032 §5.1.4).
    func doubled() -> EdwardsPoint {
        let a = x.squared()
        let b = y.squared()
        let zz = z.squared()
        let c = zz + zz
        let h = a + b
        let e = h - (x + y).squared()
        let g = a - b
        let f = c + g
        return EdwardsPoint(x: e * f, y: g * h, z: f * g, t: e * h)
    }

    /// [s]base + [k]negatedPoint by joint double-and-add over the 253 bits of both scalars
    /// (Straus-Shamir with the sum precomputed). Not constant-time: only public data goes in.
    @inline(never)      // keeps the points' temporaries out of `verify`'s frame
    static func combination(s: UnsafeRawBufferPointer, base: EdwardsPoint, k: UnsafeRawBufferPointer,
                            negatedPoint: EdwardsPoint) -> EdwardsPoint {
        let both = base + negatedPoint
        var accumulator = EdwardsPoint.identity
        for bit in (0..<253).reversed() {
            accumulator = accumulator.doubled()
            switch (Scalar.bit(s, bit), Scalar.bit(k, bit)) {
            case (true, true): accumulator = accumulator + both
            case (true, false): accumulator = accumulator + base
            case (false, true): accumulator = accumulator + negatedPoint
            case (false, false): break
            }
        }
        return accumulator
    }

    /// The 32-byte encoding: y with the sign of x in the top bit.
    @inline(never)
    func withEncoding<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let zInverse = z.inverted()
        let affineX = x * zInverse
        let affineY = y * zInverse
        var bytes = InlineArray<32, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            affineY.encode(into: raw)
            if affineX.isNegative { raw[31] |= 0x80 }
            return body(UnsafeRawBufferPointer(raw))
        }
    }
}
