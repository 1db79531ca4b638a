import Crypto

/// The second implementation the core is checked against: swift-crypto (BoringSSL on Linux).
enum ReferenceCrypto {
    static func sha256(_ message: [UInt8]) -> String { hexString(Array(Crypto.SHA256.hash(data: message))) }
    static func sha512(_ message: [UInt8]) -> String { hexString(Array(Crypto.SHA512.hash(data: message))) }
}
