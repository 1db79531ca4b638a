import LeveeBase
import LeveeCrypto

/// Why an update envelope was refused. Each case says which check failed, so the upload handler
/// can answer with the right CoAP code (signature and key failures 4.01/4.03, the rest 4.00).
public enum UpdateError: Error, Equatable {
    /// Not well-formed CBOR, or not the shape of a COSE_Sign1 (RFC 9052 §4.2).
    case malformedEnvelope(CBORError)
    case notSign1
    /// The protected header's alg is missing or is not EdDSA (-8).
    case unsupportedAlgorithm
    /// The protected header has no kid, or a kid longer than `TrustedKey.maximumKeyIDLength`.
    case missingKeyID
    /// The protected header lists a critical header parameter (label 2): none is understood.
    case criticalHeader
    /// No trusted key has this kid.
    case unknownKey
    /// The Ed25519 signature does not verify with the key named by the kid.
    case badSignature(SignatureError)
    /// The payload is not [manifest, module] or the manifest breaks the format.
    case malformedManifest
    /// The module is not as long as the manifest says.
    case sizeMismatch
    /// The module's SHA-256 is not the manifest's digest.
    case digestMismatch
}

/// A public key the node trusts, under its COSE key id.
public struct TrustedKey {
    public static let maximumKeyIDLength = 16
    public var keyID: InlineArray<16, UInt8>
    public var keyIDLength: Int
    public var publicKey: InlineArray<32, UInt8>

    /// A key from raw bytes; nil when the kid is empty or too long or the key is not 32 bytes.
    public init?(keyID: UnsafeRawBufferPointer, publicKey: UnsafeRawBufferPointer) {
        guard keyID.count > 0, keyID.count <= Self.maximumKeyIDLength,
              publicKey.count == Ed25519.publicKeySize else { return nil }
        self.keyID = InlineArray(repeating: 0)
        self.publicKey = InlineArray(repeating: 0)
        keyIDLength = keyID.count
        for i in 0..<keyID.count { self.keyID[i] = keyID[i] }
        for i in 0..<32 { self.publicKey[i] = publicKey[i] }
    }

    func hasKeyID(_ kid: UnsafeRawBufferPointer) -> Bool {
        guard kid.count == keyIDLength else { return false }
        for i in 0..<keyIDLength where keyID[i] != kid[i] { return false }
        return true
    }
}

/// The node's fixed table of trusted keys (provisioned at first start, persisted with the slots).
public struct TrustedKeys<let capacity: Int> {
    private var keys: InlineArray<capacity, TrustedKey?>
    public private(set) var count = 0

    public init() { keys = InlineArray(repeating: nil) }

    /// Adds a key; false when the table is full or the kid is already present.
    public mutating func add(_ key: TrustedKey) -> Bool {
        guard count < capacity else { return false }
        let duplicate = withUnsafeBytes(of: key.keyID) { index(of: UnsafeRawBufferPointer(rebasing: $0[0..<key.keyIDLength])) } != nil
        guard !duplicate else { return false }
        keys[count] = key
        count += 1
        return true
    }

    /// The index of the key with this kid.
    public func index(of kid: UnsafeRawBufferPointer) -> Int? {
        for i in 0..<count where keys[i]?.hasKeyID(kid) == true { return i }
        return nil
    }

    public subscript(index: Int) -> TrustedKey? { index >= 0 && index < count ? keys[index] : nil }
}

/// An update that passed every check: where its parts are in the envelope buffer.
public struct VerifiedUpdate: Equatable {
    /// Which entry of the trusted-key table signed it.
    public var keyIndex: Int
    /// The kid, as offsets into the envelope.
    public var keyID: Range<Int>
    public var manifest: UpdateManifest
    /// The Wasm module's bytes, as offsets into the envelope.
    public var module: Range<Int>
}

/// Checks an update envelope (see the README, "Update format").
public enum UpdateVerifier {
    /// Verifies `envelope` against `trustedKeys`, in this order: COSE_Sign1 shape, protected
    /// header (alg EdDSA, kid, no crit), known kid, Ed25519 signature over the Sig_structure,
    /// manifest, module size, module SHA-256. Nothing is copied; nothing is trusted before the
    /// signature holds except what locating the signed bytes needs.
    public static func verify<let capacity: Int>(envelope: UnsafeRawBufferPointer,
                                                 trustedKeys: TrustedKeys<capacity>) throws(UpdateError) -> VerifiedUpdate {
        let sign1 = try Sign1.parse(envelope)
        let kid = UnsafeRawBufferPointer(rebasing: envelope[sign1.keyID])
        guard let keyIndex = trustedKeys.index(of: kid), let key = trustedKeys[keyIndex] else { throw .unknownKey }
        do throws(SignatureError) {
            try withUnsafeBytes(of: key.publicKey) { publicKey throws(SignatureError) in
                try Ed25519.verify(signature: UnsafeRawBufferPointer(rebasing: envelope[sign1.signature]),
                                   publicKey: publicKey) { hasher in
                    sign1.feedSigStructure(envelope, into: &hasher)
                }
            }
        } catch {
            throw .badSignature(error)
        }
        let (manifest, module) = try UpdateManifest.parsePayload(envelope, payload: sign1.payload)
        guard UInt64(widening: UInt32(truncatingIfNeeded: module.count)) == manifest.moduleSize else { throw .sizeMismatch }
        var digest = InlineArray<32, UInt8>(repeating: 0)
        let digestMatches = withUnsafeMutableBytes(of: &digest) { computed in
            SHA256.hash(UnsafeRawBufferPointer(rebasing: envelope[module]), into: computed)
            var difference: UInt8 = 0
            for i in 0..<32 { difference |= computed[i] ^ envelope[manifest.moduleDigest.lowerBound + i] }
            return difference == 0
        }
        guard digestMatches else { throw .digestMismatch }
        return VerifiedUpdate(keyIndex: keyIndex, keyID: sign1.keyID, manifest: manifest, module: module)
    }
}
