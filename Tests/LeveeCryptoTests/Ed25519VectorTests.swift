import XCTest
@testable import LeveeCrypto

/// RFC 8032 §7.1 test vectors (public key, message, signature; the secret keys are not needed to
/// verify), and the strict checks on hostile input.
final class Ed25519VectorTests: XCTestCase {
    static let message1024 =
        "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1" +
        "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d" +
        "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a" +
        "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e" +
        "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10" +
        "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1" +
        "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d" +
        "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270" +
        "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b" +
        "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba" +
        "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b" +
        "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7" +
        "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d" +
        "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df" +
        "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7" +
        "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4" +
        "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09" +
        "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f" +
        "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161" +
        "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d" +
        "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca" +
        "c60c905c15fc910840b94c00a0b9d0"

    static let vectors: [(name: String, publicKey: String, message: String, signature: String)] = [
        ("TEST 1", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("TEST 2", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        ("TEST 3", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
        ("TEST 1024", "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", Ed25519VectorTests.message1024,
         "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"),
        ("TEST SHA(abc)", "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
    ]

    func verify(_ signature: [UInt8], _ publicKey: [UInt8], _ message: [UInt8]) -> SignatureError? {
        signature.withUnsafeBytes { s in
            publicKey.withUnsafeBytes { k in
                message.withUnsafeBytes { m in
                    do throws(SignatureError) {
                        try Ed25519.verify(signature: s, publicKey: k, message: m)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
        }
    }

    func testRFC8032Vectors() {
        for v in Self.vectors {
            XCTAssertNil(verify(hex(v.signature), hex(v.publicKey), hex(v.message)), v.name)
            var wrongMessage = hex(v.message)
            if wrongMessage.isEmpty { wrongMessage = [0] } else { wrongMessage[wrongMessage.count / 2] ^= 0x10 }
            XCTAssertEqual(verify(hex(v.signature), hex(v.publicKey), wrongMessage), .mismatch, v.name)
        }
    }

    func testSignatureScalarAtOrAboveTheGroupOrderIsRefused() {
        let v = Self.vectors[0]
        var signature = hex(v.signature)
        // S + L verifies under a lax check ([S+L]B = [S]B); a strict verifier refuses it.
        let order = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var carry = 0
        for i in 0..<32 {
            let sum = Int(signature[32 + i]) + Int(order[i]) + carry
            signature[32 + i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        XCTAssertEqual(carry, 0)
        XCTAssertEqual(verify(signature, hex(v.publicKey), hex(v.message)), .nonCanonicalScalar)
        var exactlyL = hex(v.signature)
        exactlyL.replaceSubrange(32..<64, with: order)
        XCTAssertEqual(verify(exactlyL, hex(v.publicKey), hex(v.message)), .nonCanonicalScalar)
        var allOnes = hex(v.signature)
        allOnes.replaceSubrange(32..<64, with: [UInt8](repeating: 0xff, count: 32))
        XCTAssertEqual(verify(allOnes, hex(v.publicKey), hex(v.message)), .nonCanonicalScalar)
    }

    func testInvalidPublicKeysAreRefused() {
        let v = Self.vectors[1]
        let signature = hex(v.signature), message = hex(v.message)
        // y = p and y = p + 1 (non-canonical encodings of 0 and 1), with and without the sign bit.
        var yIsP = [UInt8](repeating: 0xff, count: 32)
        yIsP[0] = 0xed; yIsP[31] = 0x7f
        var yIsPPlusOne = yIsP
        yIsPPlusOne[0] = 0xee
        var allOnes = [UInt8](repeating: 0xff, count: 32)
        // y = 2 has no x on the curve; y = 1 is the identity (x = 0), so its sign bit must be clear.
        var yIsTwo = [UInt8](repeating: 0, count: 32)
        yIsTwo[0] = 2
        var negativeZeroX = [UInt8](repeating: 0, count: 32)
        negativeZeroX[0] = 1; negativeZeroX[31] = 0x80
        for key in [yIsP, yIsPPlusOne, allOnes, yIsTwo, negativeZeroX] {
            XCTAssertEqual(verify(signature, key, message), .invalidPublicKey, hexString(key))
        }
        yIsP[31] |= 0x80
        XCTAssertEqual(verify(signature, yIsP, message), .invalidPublicKey)
        allOnes[31] = 0x7f
        XCTAssertEqual(verify(signature, allOnes, message), .invalidPublicKey)
        XCTAssertEqual(verify(Array(signature.dropLast()), hex(v.publicKey), message), .wrongLength)
        XCTAssertEqual(verify(signature, Array(hex(v.publicKey).dropLast()), message), .wrongLength)
    }

    func testFieldEncodingIsCanonical() {
        // 2^255 - 19 + 5 read as limbs (ignoring the top bit: the value p + 5) encodes as 5.
        var pPlusFive = [UInt8](repeating: 0xff, count: 32)
        pPlusFive[0] = 0xf2; pPlusFive[31] = 0x7f
        let element = pPlusFive.withUnsafeBytes { FieldElement(bytes: $0) }
        var expected = [UInt8](repeating: 0, count: 32)
        expected[0] = 5
        XCTAssertEqual(element.withEncoding { Array($0) }, expected)
        // 0 - 1 is p - 1; (p - 1) * (p - 1) = 1.
        let minusOne = FieldElement.zero - FieldElement.one
        var pMinusOne = [UInt8](repeating: 0xff, count: 32)
        pMinusOne[0] = 0xec; pMinusOne[31] = 0x7f
        XCTAssertEqual(minusOne.withEncoding { Array($0) }, pMinusOne)
        XCTAssertEqual((minusOne * minusOne).withEncoding { Array($0) }, FieldElement.one.withEncoding { Array($0) })
        // sqrt(-1)^2 = -1, d * (1/d) = 1.
        XCTAssertTrue(Ed25519.sqrtMinusOne.squared() == minusOne)
        XCTAssertTrue(Ed25519.d * Ed25519.d.inverted() == FieldElement.one)
        XCTAssertTrue(FieldElement.zero.inverted().isZero)
    }

    func testBasePointRoundTrips() {
        let encoded = EdwardsPoint.base.withEncoding { Array($0) }
        XCTAssertEqual(hexString(encoded), "5866666666666666666666666666666666666666666666666666666666666666")
        let decoded = encoded.withUnsafeBytes { EdwardsPoint(decoding: $0) }
        XCTAssertNotNil(decoded)
        XCTAssertEqual(decoded?.withEncoding { Array($0) }, encoded)
        // [L]B is the identity (encoded y = 1, x = 0).
        let order = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        let zero = [UInt8](repeating: 0, count: 32)
        let identity = order.withUnsafeBytes { l in
            zero.withUnsafeBytes { z in
                EdwardsPoint.combination(s: l, base: .base, k: z, negatedPoint: .base).withEncoding { Array($0) }
            }
        }
        var one = zero
        one[0] = 1
        XCTAssertEqual(identity, one)
    }

    func testScalarReduction() {
        // 2^512 - 1 mod L, and L itself mod L = 0 (values from Python's big integers).
        let allOnes = [UInt8](repeating: 0xff, count: 64)
        var out = [UInt8](repeating: 0, count: 32)
        allOnes.withUnsafeBytes { w in out.withUnsafeMutableBytes { Scalar.reduce(w, into: $0) } }
        XCTAssertEqual(hexString(out), Self.allOnesModL)
        let order = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010") + [UInt8](repeating: 0, count: 32)
        order.withUnsafeBytes { w in out.withUnsafeMutableBytes { Scalar.reduce(w, into: $0) } }
        XCTAssertEqual(out, [UInt8](repeating: 0, count: 32))
    }
}

extension Ed25519VectorTests {
    static let allOnesModL = "000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903"
}
