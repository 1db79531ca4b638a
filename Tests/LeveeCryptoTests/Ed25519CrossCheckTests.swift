import XCTest
import Crypto
import LeveeCrypto

/// The core's verifier against swift-crypto's signer and verifier on random keys and messages:
/// every genuine signature verifies, every flipped bit (signature, message, key) fails in both.
final class Ed25519CrossCheckTests: XCTestCase {
    func coreVerifies(_ signature: [UInt8], _ publicKey: [UInt8], _ message: [UInt8]) -> Bool {
        signature.withUnsafeBytes { s in
            publicKey.withUnsafeBytes { k in
                message.withUnsafeBytes { m in
                    do throws(SignatureError) {
                        try Ed25519.verify(signature: s, publicKey: k, message: m)
                        return true
                    } catch {
                        return false
                    }
                }
            }
        }
    }

    func referenceVerifies(_ signature: [UInt8], _ publicKey: [UInt8], _ message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    func testRandomKeysAndMessagesAgreeWithSwiftCrypto() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<10 {
            let privateKey = Curve25519.Signing.PrivateKey()
            let publicKey = Array(privateKey.publicKey.rawRepresentation)
            let length = [0, 1, 31, 32, 63, 64, 127, 128, 1000, 4096][round % 10]
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let signature = Array(try privateKey.signature(for: message))
            XCTAssertTrue(coreVerifies(signature, publicKey, message), "round \(round)")

            var badSignature = signature
            badSignature[Int.random(in: 0..<64, using: &generator)] ^= 1 << UInt8.random(in: 0...7, using: &generator)
            XCTAssertEqual(coreVerifies(badSignature, publicKey, message),
                           referenceVerifies(badSignature, publicKey, message), "signature bit, round \(round)")
            XCTAssertFalse(coreVerifies(badSignature, publicKey, message), "signature bit, round \(round)")

            if !message.isEmpty {
                var badMessage = message
                badMessage[Int.random(in: 0..<message.count, using: &generator)] ^= 1 << UInt8.random(in: 0...7, using: &generator)
                XCTAssertFalse(coreVerifies(signature, publicKey, badMessage), "message bit, round \(round)")
            }

            var badKey = publicKey
            badKey[Int.random(in: 0..<32, using: &generator)] ^= 1 << UInt8.random(in: 0...7, using: &generator)
            XCTAssertFalse(coreVerifies(signature, badKey, message), "key bit, round \(round)")
            XCTAssertFalse(referenceVerifies(signature, badKey, message), "key bit, round \(round)")
        }
    }
}
