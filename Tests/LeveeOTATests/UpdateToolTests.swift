import Foundation
import XCTest
import LeveeCrypto
import LeveeOTA
import LeveeTestSupport

/// `levee keygen` / `levee sign` / `levee verify` as a person runs them: the envelopes the tool
/// writes are accepted by the core verifier, the fixture key reproduces pycose's envelope byte for
/// byte, and (when the fixtures' venv from `make ota-fixtures-check` exists) pycose verifies them.
final class UpdateToolTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("levee-ota-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// The `levee` executable next to the test bundle (built by `swift build` / `swift test`).
    func levee(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram(NodeProcess.executable("levee"), arguments)
    }

    var fixtures: URL { UpdateFixtureTests.directory }

    func testFixtureKeyReproducesThePycoseEnvelope() throws {
        // The fixtures' test key: seed = SHA-256("levee-node test key 1") (tools/ota-fixtures.py).
        let keyFile = work.appendingPathComponent("test.key")
        let seed = try XCTUnwrap(knownTestSeed())
        try "levee-test-1 \(seed)\n".write(to: keyFile, atomically: true, encoding: .utf8)
        let output = work.appendingPathComponent("valid.cose")
        let signed = try levee(["sign", "--key", keyFile.path, "--module", fixtures.appendingPathComponent("module.wasm").path,
                                "--version", "3", "--export", "assess", "--import", "levee.read_channel",
                                "--output", output.path])
        XCTAssertEqual(signed.status, 0, signed.output)
        XCTAssertEqual(try Data(contentsOf: output), try Data(contentsOf: fixtures.appendingPathComponent("valid.cose")))
    }

    /// SHA-256("levee-node test key 1") in hex, by the core's SHA-256 (checked against FIPS 180).
    func knownTestSeed() -> String? {
        var digest = [UInt8](repeating: 0, count: 32)
        Array("levee-node test key 1".utf8).withUnsafeBytes { message in
            digest.withUnsafeMutableBytes { SHA256.hash(message, into: $0) }
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    func testKeygenSignVerifyRoundTrip() throws {
        let prefix = work.appendingPathComponent("ops").path
        let made = try levee(["keygen", "--kid", "ops-1", "--output", prefix])
        XCTAssertEqual(made.status, 0, made.output)
        let attributes = try FileManager.default.attributesOfItem(atPath: prefix + ".key")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let module = fixtures.appendingPathComponent("module.wasm").path
        let envelope = work.appendingPathComponent("update.cose").path
        let signed = try levee(["sign", "--key", prefix + ".key", "--module", module, "--version", "7", "--slot", "0",
                                "--export", "assess", "--import", "levee.read_channel", "--memory", "4096",
                                "--untagged", "--output", envelope])
        XCTAssertEqual(signed.status, 0, signed.output)

        // The core verifier in process, with the key from the .pub file.
        let publicLine = try String(contentsOfFile: prefix + ".pub", encoding: .utf8).split(separator: " ")
        let kid = Array(publicLine[0].utf8)
        let key = UpdateFixtureTests.hex(publicLine[1].prefix(64))
        var keys = TrustedKeys<4>()
        _ = kid.withUnsafeBytes { k in key.withUnsafeBytes { p in TrustedKey(keyID: k, publicKey: p).map { keys.add($0) } } }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: envelope)))
        try bytes.withUnsafeBytes { raw in
            let update = try UpdateVerifier.verify(envelope: raw, trustedKeys: keys)
            XCTAssertEqual(update.manifest.version, 7)
            XCTAssertEqual(update.manifest.memoryNeeded, 4096)
            XCTAssertEqual(update.manifest.importCount, 1)
        }

        let verified = try levee(["verify", "--trusted", prefix + ".pub", envelope])
        XCTAssertEqual(verified.status, 0, verified.output)
        XCTAssertTrue(verified.output.contains("version 7"), verified.output)
        let refused = try levee(["verify", "--trusted", fixtures.appendingPathComponent("trusted-key.txt").path, envelope])
        XCTAssertEqual(refused.status, 2, refused.output)
        XCTAssertTrue(refused.output.contains("unknownKey"), refused.output)

        try verifyWithPycose(envelope: envelope, publicKeyHex: String(publicLine[1].prefix(64)))
    }

    /// pycose (the second implementation) verifies what `levee sign` wrote; skipped without the venv.
    func verifyWithPycose(envelope: String, publicKeyHex: String) throws {
        let root = fixtures.deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".venv-ota/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw XCTSkip("pycose check skipped: .venv-ota is missing (make ota-fixtures-check creates it)")
        }
        let script = """
        import sys, cbor2
        from pycose.messages import Sign1Message
        from pycose.keys import OKPKey
        from pycose.keys.curves import Ed25519
        data = open(sys.argv[1], 'rb').read()
        data = data if data[0] == 0xd2 else cbor2.dumps(cbor2.CBORTag(18, cbor2.loads(data)))
        message = Sign1Message.decode(data)
        message.key = OKPKey(crv=Ed25519, x=bytes.fromhex(sys.argv[2]))
        assert message.verify_signature()
        manifest, module = cbor2.loads(message.payload)
        assert manifest[1] == 7 and manifest[5] == ["assess"], manifest
        print("pycose: ok")
        """
        let result = try runProgram(python, ["-c", script, envelope, publicKeyHex])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("pycose: ok"), result.output)
    }
}
