import LeveeBase
import LeveeCrypto

/// The parts of a COSE_Sign1 (RFC 9052 §4.2) as offsets into the envelope:
/// `COSE_Sign1 = [protected: bstr, unprotected: map, payload: bstr, signature: bstr]`,
/// optionally under tag 18.
struct Sign1 {
    /// COSE header labels (RFC 9052 §3.1) and the EdDSA algorithm id (RFC 9053 §2.2).
    static let algorithmLabel: Int64 = 1
    static let criticalLabel: Int64 = 2
    static let keyIDLabel: Int64 = 4
    static let edDSA: Int64 = -8
    static let tag: UInt64 = 18

    /// The protected header's serialized map (the contents of the bstr).
    var protected: Range<Int>
    var payload: Range<Int>
    var signature: Range<Int>
    var keyID: Range<Int>

    static func parse(_ envelope: UnsafeRawBufferPointer) throws(UpdateError) -> Sign1 {
        let parts: Sign1?
        let header: ProtectedHeader
        do throws(CBORError) {
            parts = try parseStructure(envelope)
            header = try ProtectedHeader(envelope, parts?.protected ?? 0..<0)
        } catch {
            throw .malformedEnvelope(error)
        }
        guard var sign1 = parts, header.isMap, !header.hasDuplicate else { throw .notSign1 }
        guard !header.hasCritical else { throw .criticalHeader }
        guard header.algorithm == edDSA else { throw .unsupportedAlgorithm }
        guard let keyID = header.keyID, keyID.count > 0, keyID.count <= TrustedKey.maximumKeyIDLength else {
            throw .missingKeyID
        }
        sign1.keyID = keyID
        return sign1
    }

    /// The four parts, or nil when the CBOR is well-formed but not shaped like a COSE_Sign1.
    private static func parseStructure(_ envelope: UnsafeRawBufferPointer) throws(CBORError) -> Sign1? {
        var reader = CBORReader(envelope)
        if try reader.peekMajorType() == .tag {
            guard try reader.read(.tag) == tag else { return nil }
        }
        guard try reader.peekMajorType() == .array, try reader.readArrayCount() == 4,
              try reader.peekMajorType() == .byteString else { return nil }
        let protected = try reader.readByteString()
        guard try reader.peekMajorType() == .map else { return nil }
        try reader.skipItem()
        guard try reader.peekMajorType() == .byteString else { return nil }
        let payload = try reader.readByteString()
        guard try reader.peekMajorType() == .byteString else { return nil }
        let signature = try reader.readByteString()
        guard reader.isAtEnd else { return nil }
        return Sign1(protected: protected, payload: payload, signature: signature, keyID: 0..<0)
    }

    /// Streams the canonical encoding of
    /// `Sig_structure = ["Signature1", protected, external_aad = h'', payload]` (RFC 9052 §4.4)
    /// into `hasher`: the heads are encoded on the fly, the protected bytes and the payload are
    /// hashed where they lie in the envelope.
    func feedSigStructure(_ envelope: UnsafeRawBufferPointer, into hasher: inout SHA512) {
        hasher.update(byte: 0x84)                                   // array(4)
        encodeHead(.textString, 10) { hasher.update(byte: $0) }
        ("Signature1" as StaticString).withUTF8Buffer { hasher.update(UnsafeRawBufferPointer($0)) }
        encodeHead(.byteString, UInt64(widening: UInt32(truncatingIfNeeded: protected.count))) { hasher.update(byte: $0) }
        hasher.update(UnsafeRawBufferPointer(rebasing: envelope[protected]))
        hasher.update(byte: 0x40)                                   // external_aad: empty bstr
        encodeHead(.byteString, UInt64(widening: UInt32(truncatingIfNeeded: payload.count))) { hasher.update(byte: $0) }
        hasher.update(UnsafeRawBufferPointer(rebasing: envelope[payload]))
    }
}

/// What the protected header map (RFC 9052 §3) says, read without judging it: the caller decides
/// which findings refuse the envelope. Labels other than alg, crit and kid are skipped.
struct ProtectedHeader {
    var isMap = false
    var algorithm: Int64? = nil
    var keyID: Range<Int>? = nil
    var hasCritical = false
    var hasDuplicate = false

    init(_ envelope: UnsafeRawBufferPointer, _ protected: Range<Int>) throws(CBORError) {
        var reader = CBORReader(UnsafeRawBufferPointer(rebasing: envelope[..<protected.upperBound]),
                                offset: protected.lowerBound)
        // An empty bstr stands for an empty map (RFC 9052 §3): well-formed, but without alg.
        guard !reader.isAtEnd else { isMap = true; return }
        guard try reader.peekMajorType() == .map else { return }
        let pairs = try reader.readMapCount()
        for _ in 0..<pairs {
            let labelType = try reader.peekMajorType()
            guard labelType == .unsigned || labelType == .negative else {
                try reader.skipItem()
                try reader.skipItem()
                continue
            }
            switch try reader.readInteger() {
            case Sign1.algorithmLabel:
                if algorithm != nil { hasDuplicate = true }
                let valueType = try reader.peekMajorType()
                if valueType == .unsigned || valueType == .negative {
                    algorithm = try reader.readInteger()
                } else {
                    try reader.skipItem()       // a text alg name: never EdDSA here
                    algorithm = 0
                }
            case Sign1.keyIDLabel:
                if keyID != nil { hasDuplicate = true }
                if try reader.peekMajorType() == .byteString {
                    keyID = try reader.readByteString()
                } else {
                    try reader.skipItem()
                }
            case Sign1.criticalLabel:
                hasCritical = true
                try reader.skipItem()
            default:
                try reader.skipItem()
            }
        }
        isMap = reader.isAtEnd
    }
}
