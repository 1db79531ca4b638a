import XCTest
@testable import LeveeCrypto

/// FIPS 180-2 appendix vectors (one block, two blocks, the 448- and 896-bit messages, a million
/// 'a' fed in uneven pieces to exercise the streaming path).
final class SHA2Tests: XCTestCase {
    static let abc = Array("abc".utf8)
    static let m448 = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    static let m896 = Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                             + "klmnopqrlmnopqrsmnopqrstnopqrstu").utf8)

    func sha256(_ message: [UInt8], pieces: Int = 1) -> String {
        var hasher = SHA256()
        feed(message, pieces: pieces) { hasher.update($0) }
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { hasher.finalize(into: $0) }
        return hexString(out)
    }

    func sha512(_ message: [UInt8], pieces: Int = 1) -> String {
        var hasher = SHA512()
        feed(message, pieces: pieces) { hasher.update($0) }
        var out = [UInt8](repeating: 0, count: 64)
        out.withUnsafeMutableBytes { hasher.finalize(into: $0) }
        return hexString(out)
    }

    /// Feeds `message` in `pieces` chunks of uneven sizes.
    func feed(_ message: [UInt8], pieces: Int, _ update: (UnsafeRawBufferPointer) -> Void) {
        message.withUnsafeBytes { raw in
            var start = 0
            var size = max(1, message.count / pieces - 7)
            while start < raw.count {
                let end = min(raw.count, start + size)
                update(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                start = end
                size = size % 3 == 0 ? size + 13 : size + 1
            }
        }
    }

    func testSHA256Vectors() {
        XCTAssertEqual(sha256([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha256(Self.abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(sha256(Self.m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(sha256(Self.m448, pieces: 5), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(sha256(Self.m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testSHA512Vectors() {
        XCTAssertEqual(sha512([]), "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                       + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
        XCTAssertEqual(sha512(Self.abc), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                       + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        XCTAssertEqual(sha512(Self.m448), "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
                       + "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445")
        XCTAssertEqual(sha512(Self.m896, pieces: 7), "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                       + "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
    }

    func testMillionA() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(sha256(million, pieces: 300), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(sha512(million, pieces: 300), "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                       + "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b")
    }

    /// Every length around the padding boundaries, against swift-crypto.
    func testPaddingBoundariesAgainstSwiftCrypto() {
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 255, 256, 257] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            XCTAssertEqual(sha256(message), ReferenceCrypto.sha256(message), "SHA-256 of \(length) bytes")
            XCTAssertEqual(sha512(message, pieces: 3), ReferenceCrypto.sha512(message), "SHA-512 of \(length) bytes")
        }
    }
}
