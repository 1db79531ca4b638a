import LeveeBase

/// The trusted keys in their flash sector: 64-byte records, provisioned once at first start.
///
///     magic "LKY1" | kid length (word) | kid (16 bytes, 0xFF padded) | Ed25519 public key (32) |
///     0xFFFF_FFFF | FNV-1a of the 60 bytes before
public typealias NodeTrustedKeys = TrustedKeys<4>

public enum TrustedKeyStore {
    public static let recordSize = 64
    public static let capacity = 4
    static let magic: UInt32 = 0x3159_4B4C   // "LKY1"

    /// The keys in the sector, in order; invalid records are skipped.
    public static func load<F: FlashDevice>(_ flash: F, layout: FlashLayout) -> NodeTrustedKeys {
        var keys = NodeTrustedKeys()
        let start = layout.keysSector * layout.geometry.sectorSize
        for i in 0..<capacity {
            guard let record = flash.bytes(start + i * recordSize..<start + (i + 1) * recordSize) else { break }
            guard flash.word(at: start + i * recordSize) == magic,
                  flash.word(at: start + i * recordSize + 60) == checksum(record) else { continue }
            let kidWord = flash.word(at: start + i * recordSize + 4)
            guard kidWord > 0, kidWord <= 16 else { continue }
            let kidLength = Int(truncatingIfNeeded: kidWord)
            guard kidLength <= TrustedKey.maximumKeyIDLength,
                  let key = TrustedKey(keyID: UnsafeRawBufferPointer(rebasing: record[8..<8 + kidLength]),
                                       publicKey: UnsafeRawBufferPointer(rebasing: record[24..<56])) else { continue }
            _ = keys.add(key)
        }
        return keys
    }

    /// Writes `key` into the next free record. False when the sector is full or flash failed.
    public static func provision<F: FlashDevice>(_ key: TrustedKey, into flash: inout F, layout: FlashLayout) -> Bool {
        let start = layout.keysSector * layout.geometry.sectorSize
        for i in 0..<capacity where flash.word(at: start + i * recordSize) == 0xFFFF_FFFF {
            var record = InlineArray<64, UInt8>(repeating: 0xFF)
            for j in 0..<4 { record[j] = UInt8(truncatingIfNeeded: magic >> UInt32(8 * j)) }
            record[4] = UInt8(truncatingIfNeeded: key.keyIDLength)
            record[5] = 0; record[6] = 0; record[7] = 0
            for j in 0..<key.keyIDLength { record[8 + j] = key.keyID[j] }
            for j in 0..<32 { record[24 + j] = key.publicKey[j] }
            let sum = withUnsafeBytes(of: record) { checksum($0) }
            for j in 0..<4 { record[60 + j] = UInt8(truncatingIfNeeded: sum >> UInt32(8 * j)) }
            return withUnsafeBytes(of: record) { flash.program($0, at: start + i * recordSize) }
        }
        return false
    }

    /// FNV-1a of a record's first 60 bytes.
    static func checksum(_ record: UnsafeRawBufferPointer) -> UInt32 {
        var hash = FNV1a()
        for i in 0..<min(60, record.count) { hash.add(byte: record[i]) }
        return hash.value
    }
}
