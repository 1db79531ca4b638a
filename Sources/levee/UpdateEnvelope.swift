import ArgumentParser
import Crypto
import Foundation

/// Builds signed update envelopes on the host (README, "Update format"): the manifest and module
/// as CBOR, the COSE_Sign1 around them, the Ed25519 signature by swift-crypto. The node checks
/// them with LeveeOTA; the encoding here is canonical, so the same key and fields give the same
/// bytes as pycose (the fixtures of fixtures/updates are reproduced exactly by the tests).
enum UpdateEnvelope {
    struct Manifest {
        var version: UInt64
        var slot: UInt64
        var exports: [String]
        /// (module, name) pairs.
        var imports: [(String, String)]
        var memoryNeeded: UInt64
    }

    /// The payload `[manifest, module]`.
    static func payload(_ manifest: Manifest, module: [UInt8]) -> [UInt8] {
        var out = CBOREncoder.head(4, 2)
        out += CBOREncoder.head(5, 7)
        out += CBOREncoder.unsigned(1) + CBOREncoder.unsigned(manifest.version)
        out += CBOREncoder.unsigned(2) + CBOREncoder.unsigned(manifest.slot)
        out += CBOREncoder.unsigned(3) + CBOREncoder.unsigned(UInt64(module.count))
        out += CBOREncoder.unsigned(4) + CBOREncoder.bytes(Array(SHA256.hash(data: module)))
        out += CBOREncoder.unsigned(5) + CBOREncoder.head(4, UInt64(manifest.exports.count))
        for name in manifest.exports { out += CBOREncoder.text(name) }
        out += CBOREncoder.unsigned(6) + CBOREncoder.head(4, UInt64(manifest.imports.count))
        for (module, name) in manifest.imports {
            out += CBOREncoder.head(4, 2) + CBOREncoder.text(module) + CBOREncoder.text(name)
        }
        out += CBOREncoder.unsigned(7) + CBOREncoder.unsigned(manifest.memoryNeeded)
        out += CBOREncoder.bytes(module)
        return out
    }

    /// The protected header `{1: -8, 4: kid}`.
    static func protectedHeader(keyID: [UInt8]) -> [UInt8] {
        CBOREncoder.head(5, 2) + CBOREncoder.unsigned(1) + CBOREncoder.negative(-8)
            + CBOREncoder.unsigned(4) + CBOREncoder.bytes(keyID)
    }

    /// `Sig_structure = ["Signature1", protected, h'', payload]` (RFC 9052 §4.4).
    static func sigStructure(protected: [UInt8], payload: [UInt8]) -> [UInt8] {
        CBOREncoder.head(4, 4) + CBOREncoder.text("Signature1") + CBOREncoder.bytes(protected)
            + CBOREncoder.bytes([]) + CBOREncoder.bytes(payload)
    }

    /// The signed COSE_Sign1, tagged 18 unless `tagged` is false.
    static func sign(payload: [UInt8], key: UpdateKey, tagged: Bool = true) throws -> [UInt8] {
        let protected = protectedHeader(keyID: Array(key.keyID.utf8))
        let signature = try key.privateKey.signature(for: sigStructure(protected: protected, payload: payload))
        var out: [UInt8] = tagged ? CBOREncoder.head(6, 18) : []
        out += CBOREncoder.head(4, 4) + CBOREncoder.bytes(protected) + CBOREncoder.head(5, 0)
        out += CBOREncoder.bytes(payload) + CBOREncoder.bytes(Array(signature))
        return out
    }
}

/// The few CBOR encodings the envelope needs, every head in its shortest form.
enum CBOREncoder {
    static func head(_ major: UInt8, _ argument: UInt64) -> [UInt8] {
        let top = major << 5
        switch argument {
        case 0..<24: return [top | UInt8(argument)]
        case 24...0xff: return [top | 24, UInt8(argument)]
        case 0x100...0xffff: return [top | 25] + bigEndian(argument, 2)
        case 0x10000...0xffff_ffff: return [top | 26] + bigEndian(argument, 4)
        default: return [top | 27] + bigEndian(argument, 8)
        }
    }

    static func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(count - 1 - $0))) }
    }

    static func unsigned(_ value: UInt64) -> [UInt8] { head(0, value) }
    static func negative(_ value: Int64) -> [UInt8] { head(1, UInt64(-1 - value)) }
    static func bytes(_ value: [UInt8]) -> [UInt8] { head(2, UInt64(value.count)) + value }
    static func text(_ value: String) -> [UInt8] { head(3, UInt64(value.utf8.count)) + Array(value.utf8) }
}

/// A signing key and its kid, kept in a text file `KID SEED-HEX` (mode 0600); the public half in
/// `KID PUBLIC-KEY-HEX` (the form a node's trusted-key file and fixtures/updates/trusted-key.txt use).
struct UpdateKey {
    var keyID: String
    var privateKey: Curve25519.Signing.PrivateKey

    var publicLine: String { "\(keyID) \(hexString(Array(privateKey.publicKey.rawRepresentation)))\n" }
    var privateLine: String { "\(keyID) \(hexString(Array(privateKey.rawRepresentation)))\n" }

    static func read(from path: String) throws -> UpdateKey {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let seed = bytes(fromHex: fields[1]), seed.count == 32 else {
            throw ValidationError("\(path): expected one line 'KID SEED-HEX' (64 hex digits)")
        }
        return UpdateKey(keyID: String(fields[0]), privateKey: try .init(rawRepresentation: seed))
    }
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func bytes(fromHex text: Substring) -> [UInt8]? {
    guard text.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
        out.append(byte)
        index = next
    }
    return out
}
