import LeveeBase

/// LeveeCrypto's own checks, run on the host and on the chip (see `CheckRecorder`): one FIPS 180
/// vector per hash and RFC 8032 TEST 2, genuine and with one bit flipped.
public enum CryptoSelfChecks {
    public static func run<R: CheckRecorder>(_ r: inout R) {
        var scratch = InlineArray<160, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            let digest = UnsafeMutableRawBufferPointer(rebasing: raw[0..<64])
            let expected = UnsafeMutableRawBufferPointer(rebasing: raw[64..<128])
            ("abc" as StaticString).withUTF8Buffer { SHA256.hash(UnsafeRawBufferPointer($0), into: digest) }
            decodeHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", into: expected)
            r.check(same(digest, expected, 32), "SHA-256(abc) matches FIPS 180")
            ("abc" as StaticString).withUTF8Buffer { SHA512.hash(UnsafeRawBufferPointer($0), into: digest) }
            decodeHex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", into: expected)
            r.check(same(digest, expected, 64), "SHA-512(abc) matches FIPS 180")

            // RFC 8032 §7.1 TEST 2: a one-byte message.
            let signature = UnsafeMutableRawBufferPointer(rebasing: raw[0..<64])
            let publicKey = UnsafeMutableRawBufferPointer(rebasing: raw[64..<96])
            let message = UnsafeMutableRawBufferPointer(rebasing: raw[96..<97])
            decodeHex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", into: signature)
            decodeHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", into: publicKey)
            message[0] = 0x72
            r.check(outcome(signature, publicKey, message) == nil, "Ed25519 verifies RFC 8032 TEST 2")
            message[0] ^= 0x01
            r.check(outcome(signature, publicKey, message) == .mismatch, "Ed25519 refuses a changed message")
        }
    }

    private static func outcome(_ signature: UnsafeMutableRawBufferPointer, _ publicKey: UnsafeMutableRawBufferPointer,
                                _ message: UnsafeMutableRawBufferPointer) -> SignatureError? {
        do throws(SignatureError) {
            try Ed25519.verify(signature: UnsafeRawBufferPointer(signature), publicKey: UnsafeRawBufferPointer(publicKey),
                               message: UnsafeRawBufferPointer(message))
            return nil
        } catch {
            return error
        }
    }

    private static func same(_ a: UnsafeMutableRawBufferPointer, _ b: UnsafeMutableRawBufferPointer, _ count: Int) -> Bool {
        var difference: UInt8 = 0
        for i in 0..<count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// Decodes a lowercase hex literal into the start of `output` (self-check data only).
    private static func decodeHex(_ text: StaticString, into output: UnsafeMutableRawBufferPointer) {
        text.withUTF8Buffer { digits in
            var i = 0
            while i + 1 < digits.count && i / 2 < output.count {
                output[i / 2] = nibble(digits[i]) &<< 4 | nibble(digits[i + 1])
                i += 2
            }
        }
    }

    private static func nibble(_ digit: UInt8) -> UInt8 {
        digit >= UInt8(ascii: "a") ? digit &- UInt8(ascii: "a") &+ 10 : digit &- UInt8(ascii: "0")
    }
}
