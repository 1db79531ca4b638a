import ArgumentParser
import Crypto
import Foundation

/// Builds signed update envelopes on the host (README, "Update format"): the manifest and module
/// as CBOR, the COSE_Sign1 around them, the Ed25519 signature by swift-crypto. The node checks
/// them with LeveeOTA; the encoding here is canonical, so the same key and fields give the same
/// bytes as pycose (the fixtures of fixtures/updates are reproduced exactly by the tests).
public enum UpdateEnvelope {
    public struct Manifest {
        public var version: UInt64
        public var slot: UInt64
        public var exports: [String]
        /// (module, name) pairs.
        public var imports: [(String, String)]
        public var memoryNeeded: UInt64

        public init(version: UInt64, slot: UInt64, exports: [String], imports: [(String, String)], memoryNeeded: UInt64) {
            self.version = version
            self.slot = slot
            self.exports = exports
            self.imports = imports
            self.memoryNeeded = memoryNeeded
        }
    }

    /// The payload `[manifest, module]`.
    public static func payload(_ manifest: Manifest, module: [UInt8]) -> [UInt8] {
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
    public static func protectedHeader(keyID: [UInt8]) -> [UInt8] {
        CBOREncoder.head(5, 2) + CBOREncoder.unsigned(1) + CBOREncoder.negative(-8)
            + CBOREncoder.unsigned(4) + CBOREncoder.bytes(keyID)
    }

    /// `Sig_structure = ["Signature1", protected, h'', payload]` (RFC 9052 §4.4).
    public static func sigStructure(protected: [UInt8], payload: [UInt8]) -> [UInt8] {
        CBOREncoder.head(4, 4) + CBOREncoder.text("Signature1") + CBOREncoder.bytes(protected)
            + CBOREncoder.bytes([]) + CBOREncoder.bytes(payload)
    }

    /// The signed COSE_Sign1, tagged 18 unless `tagged` is false.
    public static func sign(payload: [UInt8], key: UpdateKey, tagged: Bool = true) throws -> [UInt8] {
        let protected = protectedHeader(keyID: Array(key.keyID.utf8))
        let signature = try key.privateKey.signature(for: sigStructure(protected: protected, payload: payload))
        var out: [UInt8] = tagged ? CBOREncoder.head(6, 18) : []
        out += CBOREncoder.head(4, 4) + CBOREncoder.bytes(protected) + CBOREncoder.head(5, 0)
        out += CBOREncoder.bytes(payload) + CBOREncoder.bytes(Array(signature))
        return out
    }
}

/// The few CBOR encodings the envelope needs, every head in its shortest form.
public enum CBOREncoder {
    public static func head(_ major: UInt8, _ argument: UInt64) -> [UInt8] {
        let top = major << 5
        switch argument {
        case 0..<24: return [top | UInt8(argument)]
        case 24...0xff: return [top | 24, UInt8(argument)]
        case 0x100...0xffff: return [top | 25] + bigEndian(argument, 2)
        case 0x10000...0xffff_ffff: return [top | 26] + bigEndian(argument, 4)
        default: return [top | 27] + bigEndian(argument, 8)
        }
    }

    public static func bigEndian(_ value: UInt64, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(count - 1 - $0))) }
    }

    public static func unsigned(_ value: UInt64) -> [UInt8] { head(0, value) }
    public static func negative(_ value: Int64) -> [UInt8] { head(1, UInt64(-1 - value)) }
    public static func bytes(_ value: [UInt8]) -> [UInt8] { head(2, UInt64(value.count)) + value }
    public static func text(_ value: String) -> [UInt8] { head(3, UInt64(value.utf8.count)) + Array(value.utf8) }
}

/// A signing key and its kid, kept in a text file `KID SEED-HEX` (mode 0600); the public half in
/// `KID PUBLIC-KEY-HEX` (the form a node's trusted-key file and fixtures/updates/trusted-key.txt use).
public struct UpdateKey {
    public var keyID: String
    public var privateKey: Curve25519.Signing.PrivateKey

    public init(keyID: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.keyID = keyID
        self.privateKey = privateKey
    }

    public var publicLine: String { "\(keyID) \(hexString(Array(privateKey.publicKey.rawRepresentation)))\n" }
    public var privateLine: String { "\(keyID) \(hexString(Array(privateKey.rawRepresentation)))\n" }

    public static func read(from path: String) throws -> UpdateKey {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let seed = bytes(fromHex: fields[1]), seed.count == 32 else {
            throw ValidationError("\(path): expected one line 'KID SEED-HEX' (64 hex digits)")
        }
        return UpdateKey(keyID: String(fields[0]), privateKey: try .init(rawRepresentation: seed))
    }
}

public func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

public func bytes(fromHex text: Substring) -> [UInt8]? {
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

/// A public-key file as `levee keygen` writes it (`KID PUBLIC-KEY-HEX`, one per line): what a
/// node trusts (`levee verify --trusted`, `levee-node --trusted-key`).
public enum TrustedKeyFile {
    public struct Entry {
        public var keyID: [UInt8]
        public var publicKey: [UInt8]
    }

    public static func read(from path: String) throws -> [Entry] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2, let key = bytes(fromHex: fields[1]), key.count == 32 else {
                throw ValidationError("\(path): expected lines 'KID PUBLIC-KEY-HEX' (64 hex digits)")
            }
            return Entry(keyID: Array(fields[0].utf8), publicKey: key)
        }
    }
}
