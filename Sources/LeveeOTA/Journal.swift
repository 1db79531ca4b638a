import LeveeBase

/// Why the node left a module, as recorded in the journal and shown by `/slot`.
public enum SlotReason: UInt8, Sendable {
    case none = 0
    /// An update was activated.
    case activated = 1
    /// The module trapped or ran out of fuel too often in the window.
    case faults = 2
    /// An operator asked (`POST /slot/rollback`).
    case requested = 3
    /// The active slot no longer verified or loaded at start.
    case brokenAtStart = 4

    public var name: StaticString {
        switch self {
        case .none: return "none"
        case .activated: return "activated"
        case .faults: return "faults"
        case .requested: return "requested"
        case .brokenAtStart: return "broken-at-start"
        }
    }
}

/// One record of the swap journal: which slot is active, which is the fallback, the highest
/// version ever activated (an update must be newer: no rollback attacks by replaying an old
/// signed module), rollbacks so far and why the last change happened.
///
/// Eight little-endian words, programmed in order, the checksum last:
///
///     magic "LSJ1" | sequence | active, fallback, reason, 0xFF | rollbacks |
///     highest version (low) | (high) | 0xFFFF_FFFF | FNV-1a of the seven words before
///
/// A record cut short by a power loss has an erased or wrong checksum and is ignored; the newest
/// valid record (highest sequence) is the state.
public struct JournalRecord: Equatable, Sendable {
    public static let size = 32
    static let magic: UInt32 = 0x314A_534C   // "LSJ1"
    public static let noSlot: UInt8 = 0xFF

    public var sequence: UInt32
    public var active: UInt8
    public var fallback: UInt8
    public var reason: SlotReason
    public var rollbacks: UInt32
    public var highestVersion: UInt64

    public init(sequence: UInt32 = 0, active: UInt8 = noSlot, fallback: UInt8 = noSlot, reason: SlotReason = .none,
                rollbacks: UInt32 = 0, highestVersion: UInt64 = 0) {
        self.sequence = sequence
        self.active = active
        self.fallback = fallback
        self.reason = reason
        self.rollbacks = rollbacks
        self.highestVersion = highestVersion
    }

    /// The state of a blank flash: no module, nothing activated.
    public static let initial = JournalRecord()

    /// Word `i` of the record (0..<8).
    func word(_ i: Int) -> UInt32 {
        i == 7 ? Self.checksum { dataWord($0) } : dataWord(i)
    }

    /// Words 0..<7 (a chain of ifs: a switch here makes the embedded build allocate).
    func dataWord(_ i: Int) -> UInt32 {
        if i == 0 { return Self.magic }
        if i == 1 { return sequence }
        if i == 2 { return UInt32(active) | UInt32(fallback) << 8 | UInt32(reason.rawValue) << 16 | 0xFF00_0000 }
        if i == 3 { return rollbacks }
        if i == 4 { return UInt32(truncatingIfNeeded: highestVersion) }
        if i == 5 { return UInt32(truncatingIfNeeded: highestVersion &>> 32) }
        return 0xFFFF_FFFF
    }

    /// FNV-1a of words 0..<7, never the erased value.
    static func checksum(_ word: (Int) -> UInt32) -> UInt32 {
        var hash = FNV1a()
        for i in 0..<7 { hash.add(word: word(i)) }
        return hash.value == 0xFFFF_FFFF ? 0x7FFF_FFFF : hash.value
    }

    /// The record in the flash at `start`, if it is whole and valid. (Words are read one by one:
    /// an InlineArray of them passed by value makes the embedded build allocate.)
    init?<F: FlashDevice>(_ flash: F, at start: Int) {
        let w0 = flash.word(at: start), w1 = flash.word(at: start + 4), w2 = flash.word(at: start + 8)
        let w3 = flash.word(at: start + 12), w4 = flash.word(at: start + 16), w5 = flash.word(at: start + 20)
        guard w0 == Self.magic, flash.word(at: start + 24) == 0xFFFF_FFFF,
              flash.word(at: start + 28) == Self.checksum({ flash.word(at: start + 4 * $0) }),
              let reason = SlotReason(rawValue: UInt8(truncatingIfNeeded: w2 >> 16)) else { return nil }
        let active = UInt8(truncatingIfNeeded: w2), fallback = UInt8(truncatingIfNeeded: w2 >> 8)
        guard active == Self.noSlot || Int(active) < FlashLayout.slotCount,
              fallback == Self.noSlot || Int(fallback) < FlashLayout.slotCount,
              active == Self.noSlot || active != fallback else { return nil }
        self.init(sequence: w1, active: active, fallback: fallback, reason: reason, rollbacks: w3,
                  highestVersion: UInt64(widening: w4) | UInt64(widening: w5) &<< 32)
    }
}

/// The append-only journal in two sectors used in turn. Appending programs one record after the
/// last used place of the current sector; when that sector is full the other one is erased and
/// the record goes to its start (the current sector's newest record stays valid until then, so a
/// power loss during the erase or the write leaves the previous state).
public struct SlotJournal: Sendable {
    public let layout: FlashLayout
    /// The newest valid record (`.initial` on a blank part).
    public private(set) var current: JournalRecord = .initial
    /// Where the next record goes: sector index (0 or 1) and offset in it.
    var sector = 0
    var nextOffset = 0

    public init(layout: FlashLayout) { self.layout = layout }

    var recordsPerSector: Int { layout.geometry.sectorSize / JournalRecord.size }

    func recordStart(sector: Int, index: Int) -> Int {
        layout.journalSector(sector) * layout.geometry.sectorSize + index * JournalRecord.size
    }

    /// Reads both sectors: the newest valid record, and where the next one goes.
    public mutating func scan<F: FlashDevice>(_ flash: F) {
        current = .initial
        var found = false
        var newestSector = 0
        var used = (0, 0)   // places in use (valid, torn or garbage) up to the last non-blank one
        for s in 0..<FlashLayout.journalSectors {
            var lastUsed = 0
            for i in 0..<recordsPerSector {
                let start = recordStart(sector: s, index: i)
                var blank = true
                for k in 0..<8 where flash.word(at: start + 4 * k) != 0xFFFF_FFFF { blank = false }
                if !blank { lastUsed = i + 1 }
                if let record = JournalRecord(flash, at: start), !found || record.sequence > current.sequence {
                    current = record
                    found = true
                    newestSector = s
                }
            }
            if s == 0 { used.0 = lastUsed } else { used.1 = lastUsed }
        }
        sector = newestSector
        nextOffset = (newestSector == 0 ? used.0 : used.1) * JournalRecord.size
    }

    /// Appends `record` (its sequence set to the next one) and makes it current. False when a
    /// flash operation failed: `current` is then still the previous state.
    public mutating func append<F: FlashDevice>(_ record: JournalRecord, to flash: inout F) -> Bool {
        var next = record
        next.sequence = current.sequence &+ 1
        if nextOffset + JournalRecord.size > layout.geometry.sectorSize {
            let other = 1 - sector
            guard flash.erase(sector: layout.journalSector(other)) else { return false }
            sector = other
            nextOffset = 0
        }
        let start = layout.journalSector(sector) * layout.geometry.sectorSize + nextOffset
        nextOffset += JournalRecord.size   // a failed write still uses the place
        for i in 0..<8 {
            guard flash.program(word: next.word(i), at: start + 4 * i) else { return false }
        }
        current = next
        return true
    }
}

/// FNV-1a, 32 bits: the checksum of the flash records.
struct FNV1a {
    private(set) var value: UInt32 = 0x811C_9DC5

    mutating func add(byte: UInt8) { value = (value ^ UInt32(byte)) &* 0x0100_0193 }

    /// The word's bytes in memory (little-endian) order.
    mutating func add(word: UInt32) {
        add(byte: UInt8(truncatingIfNeeded: word))
        add(byte: UInt8(truncatingIfNeeded: word >> 8))
        add(byte: UInt8(truncatingIfNeeded: word >> 16))
        add(byte: UInt8(truncatingIfNeeded: word >> 24))
    }
}
