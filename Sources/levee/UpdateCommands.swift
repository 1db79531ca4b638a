import ArgumentParser
import Crypto
import Foundation
import LeveeCrypto
import LeveeOTA
import LeveeUpdateHost

/// `levee keygen`: a new Ed25519 signing key for updates.
struct UpdateKeygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 update-signing key: NAME.key (secret, mode 0600) and NAME.pub (for the node).")

    @Option(help: "Key id (kid) the envelopes will carry, 1 to 16 bytes.")
    var kid: String

    @Option(help: "Path prefix of the two files written.")
    var output: String

    @Flag(help: "Replace existing files.")
    var force = false

    func validate() throws {
        guard (1...TrustedKey.maximumKeyIDLength).contains(kid.utf8.count), !kid.contains(" ") else {
            throw ValidationError("--kid must be 1 to \(TrustedKey.maximumKeyIDLength) bytes without spaces")
        }
    }

    func run() throws {
        let key = UpdateKey(keyID: kid, privateKey: Curve25519.Signing.PrivateKey())
        let secretPath = output + ".key", publicPath = output + ".pub"
        for path in [secretPath, publicPath] where !force && FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) exists (--force replaces it)")
        }
        FileManager.default.createFile(atPath: secretPath, contents: Data(key.privateLine.utf8),
                                       attributes: [.posixPermissions: 0o600])
        try key.publicLine.write(toFile: publicPath, atomically: true, encoding: .utf8)
        print("keygen: \(secretPath) (keep it secret), \(publicPath): \(key.publicLine)", terminator: "")
    }
}

/// `levee sign`: a module and its manifest fields into a signed COSE_Sign1 envelope.
struct UpdateSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a Wasm module and its manifest into a COSE_Sign1 update envelope (README: Update format).")

    @Option(help: "Secret key file from `levee keygen`.")
    var key: String

    @Option(help: "The Wasm module.")
    var module: String

    @Option(help: "Update version: must be greater than the version running on the node.")
    var version: UInt64

    @Option(help: "Target slot.")
    var slot: UInt64 = 0

    @Option(name: .customLong("export"), help: "A function the module must export (repeatable).")
    var exports: [String] = []

    @Option(name: .customLong("import"), help: "An import the module needs, as MODULE.NAME (repeatable).")
    var imports: [String] = []

    @Option(help: "Bytes of linear memory the module needs.")
    var memory: UInt64 = 65536

    @Flag(help: "Leave out CBOR tag 18.")
    var untagged = false

    @Option(help: "Where to write the envelope.")
    var output: String

    func run() throws {
        let signingKey = try UpdateKey.read(from: key)
        let moduleBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: module)))
        let pairs = try imports.map { text -> (String, String) in
            guard let dot = text.firstIndex(of: ".") else { throw ValidationError("--import \(text): expected MODULE.NAME") }
            return (String(text[..<dot]), String(text[text.index(after: dot)...]))
        }
        let manifest = UpdateEnvelope.Manifest(version: version, slot: slot, exports: exports, imports: pairs,
                                               memoryNeeded: memory)
        let envelope = try UpdateEnvelope.sign(payload: UpdateEnvelope.payload(manifest, module: moduleBytes),
                                               key: signingKey, tagged: !untagged)
        try Data(envelope).write(to: URL(fileURLWithPath: output))
        print("sign: \(output): \(envelope.count) bytes, version \(version), slot \(slot), kid \(signingKey.keyID), "
              + "module \(moduleBytes.count) bytes sha256 \(hexString(Array(SHA256.hash(data: moduleBytes))))")
    }
}

/// `levee verify`: checks an envelope with the node's own verifier (LeveeOTA); `--repeat` times it.
struct UpdateVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an update envelope with the node's verifier; --repeat N measures it (use a release build).")

    @Option(name: .customLong("trusted"), help: "A public key file (`KID HEX` lines) the node trusts (repeatable).")
    var trustedFiles: [String]

    @Option(help: "Verify this many times and print the time per verification.")
    var `repeat` = 0

    @Argument(help: "The envelope.")
    var envelope: String

    func run() throws {
        var keys = TrustedKeys<8>()
        for path in trustedFiles {
            for entry in try TrustedKeyFile.read(from: path) {
                let added = entry.keyID.withUnsafeBytes { k in entry.publicKey.withUnsafeBytes { p in TrustedKey(keyID: k, publicKey: p).map { keys.add($0) } } }
                guard added == true else {
                    throw ValidationError("\(path): key \(String(decoding: entry.keyID, as: UTF8.self)) refused (table full, duplicate or bad length)")
                }
            }
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: envelope)))
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(UpdateError) -> String in
                let update = try UpdateVerifier.verify(envelope: raw, trustedKeys: keys)
                let m = update.manifest
                var exports: [String] = [], imports: [String] = []
                m.forEachExport(in: raw) { exports.append(String(decoding: raw[$0], as: UTF8.self)) }
                m.forEachImport(in: raw) { imports.append(String(decoding: raw[$0], as: UTF8.self) + "." + String(decoding: raw[$1], as: UTF8.self)) }
                return "verify: ok: kid \(String(decoding: raw[update.keyID], as: UTF8.self)), version \(m.version), slot \(m.slot), "
                    + "module \(update.module.count) bytes, memory \(m.memoryNeeded), exports \(exports), imports \(imports)"
            }
        }
        switch result {
        case .success(let line): print(line)
        case .failure(let error):
            print("verify: refused: \(error)")
            throw ExitCode(2)
        }
        if `repeat` > 0 { benchmark(bytes, keys) }
    }

    /// Times the whole envelope check and the bare Ed25519 verification (core, and swift-crypto
    /// for comparison) on the same key and a 64-byte message.
    func benchmark(_ bytes: [UInt8], _ keys: TrustedKeys<8>) {
        func measure(_ label: String, _ body: () -> Void) {
            body()
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<`repeat` { body() }
            let perCall = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(`repeat`) / 1000
            print(String(format: "  %-44@ %9.1f us per call (%d calls)", label as NSString, perCall, `repeat`))
        }
        var accepted = 0
        measure("envelope (\(bytes.count) B): LeveeOTA verify") {
            bytes.withUnsafeBytes { raw in if (try? UpdateVerifier.verify(envelope: raw, trustedKeys: keys)) != nil { accepted += 1 } }
        }
        let privateKey = Curve25519.Signing.PrivateKey()
        let message = [UInt8](repeating: 0x5a, count: 64)
        let signature = Array(try! privateKey.signature(for: message))
        let publicKey = Array(privateKey.publicKey.rawRepresentation)
        measure("Ed25519, 64-byte message: LeveeCrypto") {
            signature.withUnsafeBytes { s in publicKey.withUnsafeBytes { k in message.withUnsafeBytes { m in
                if (try? Ed25519.verify(signature: s, publicKey: k, message: m)) != nil { accepted += 1 }
            } } }
        }
        measure("Ed25519, 64-byte message: swift-crypto") {
            if privateKey.publicKey.isValidSignature(signature, for: message) { accepted += 1 }
        }
        print("  (\(accepted) of \(3 * (`repeat` + 1)) verifications accepted)")
    }
}
