import Foundation
import XCTest
import LeveeOTA

/// The envelopes of fixtures/updates (made by pycose/cbor2/PyNaCl in tools/ota-fixtures.py) against
/// the verdicts listed in expected.txt, plus truncation and mutation of the valid envelope.
final class UpdateFixtureTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/updates")

    static func hex(_ text: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    func trustedKeys() throws -> TrustedKeys<4> {
        let line = try String(contentsOf: Self.directory.appendingPathComponent("trusted-key.txt"), encoding: .utf8)
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let kid = Array(fields[0].utf8), key = Self.hex(fields[1])
        var keys = TrustedKeys<4>()
        let added = kid.withUnsafeBytes { k in key.withUnsafeBytes { p in TrustedKey(keyID: k, publicKey: p).map { keys.add($0) } } }
        XCTAssertEqual(added, true)
        return keys
    }

    func verdict(_ envelope: [UInt8], _ keys: TrustedKeys<4>) -> String {
        envelope.withUnsafeBytes { raw in
            do throws(UpdateError) {
                _ = try UpdateVerifier.verify(envelope: raw, trustedKeys: keys)
                return "ok"
            } catch {
                switch error {
                case .malformedEnvelope: return "malformedEnvelope"
                case .notSign1: return "notSign1"
                case .unsupportedAlgorithm: return "unsupportedAlgorithm"
                case .missingKeyID: return "missingKeyID"
                case .criticalHeader: return "criticalHeader"
                case .unknownKey: return "unknownKey"
                case .badSignature: return "badSignature"
                case .malformedManifest: return "malformedManifest"
                case .sizeMismatch: return "sizeMismatch"
                case .digestMismatch: return "digestMismatch"
                }
            }
        }
    }

    func testEveryFixtureGetsItsVerdict() throws {
        let keys = try trustedKeys()
        let listing = try String(contentsOf: Self.directory.appendingPathComponent("expected.txt"), encoding: .utf8)
        var checked = 0
        for line in listing.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            let envelope = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(String(fields[0]))))
            XCTAssertEqual(verdict(envelope, keys), String(fields[1]), String(fields[0]))
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 15)
    }

    func testValidEnvelopeYieldsTheManifestAndTheModuleInPlace() throws {
        let keys = try trustedKeys()
        let envelope = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("valid.cose")))
        let module = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("module.wasm")))
        try envelope.withUnsafeBytes { raw in
            let update = try UpdateVerifier.verify(envelope: raw, trustedKeys: keys)
            XCTAssertEqual(update.keyIndex, 0)
            XCTAssertEqual(String(decoding: raw[update.keyID], as: UTF8.self), "levee-test-1")
            XCTAssertEqual(Array(raw[update.module]), module)
            XCTAssertEqual(update.manifest.version, 3)
            XCTAssertEqual(update.manifest.slot, 0)
            XCTAssertEqual(update.manifest.moduleSize, UInt64(module.count))
            XCTAssertEqual(update.manifest.memoryNeeded, 65536)
            var exports: [String] = []
            update.manifest.forEachExport(in: raw) { exports.append(String(decoding: raw[$0], as: UTF8.self)) }
            XCTAssertEqual(exports, ["assess"])
            var imports: [String] = []
            update.manifest.forEachImport(in: raw) { module, name in
                imports.append(String(decoding: raw[module], as: UTF8.self) + "." + String(decoding: raw[name], as: UTF8.self))
            }
            XCTAssertEqual(imports, ["levee.read_channel"])
        }
    }

    func testWithoutTrustedKeysNothingVerifies() throws {
        let envelope = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("valid.cose")))
        XCTAssertEqual(verdict(envelope, TrustedKeys<4>()), "unknownKey")
    }

    /// Every proper prefix of the valid envelope, and the envelope with trailing bytes, is refused
    /// without a trap (these never reach the signature check, so the loop is quick).
    func testTruncationsAndTrailingBytesAreRefused() throws {
        let keys = try trustedKeys()
        let envelope = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("valid.cose")))
        for length in 0..<envelope.count {
            let result = verdict(Array(envelope[..<length]), keys)
            XCTAssertTrue(result == "malformedEnvelope" || result == "notSign1", "prefix \(length): \(result)")
        }
        XCTAssertEqual(verdict(envelope + [0], keys), "notSign1")
    }

    /// Random changes anywhere in the valid envelope (one to three bytes) are refused and never trap.
    func testRandomMutationsAreRefused() throws {
        let keys = try trustedKeys()
        let envelope = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("valid.cose")))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<120 {
            var mutated = envelope
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<mutated.count, using: &generator)
                mutated[index] ^= UInt8.random(in: 1...255, using: &generator)
            }
            XCTAssertNotEqual(verdict(mutated, keys), "ok", "mutation accepted: \(mutated)")
        }
    }
}
