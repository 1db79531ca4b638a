import LeveeBase

/// The shape of a NOR flash: uniform sectors, each erased as a whole to 0xFF; programming writes
/// one aligned 32-bit word and can only clear bits (1 -> 0), as on the STM32F4's controller.
public struct FlashGeometry: Equatable, Sendable {
    public var sectorSize: Int
    public var sectorCount: Int
    public static let wordSize = 4

    public init(sectorSize: Int, sectorCount: Int) {
        self.sectorSize = sectorSize
        self.sectorCount = sectorCount
    }

    public var totalSize: Int { sectorSize * sectorCount }
}

/// A flash part as the slot store drives it. Reads are memory-mapped (on the chip the flash is in
/// the address space; on Linux the file is mapped), so a verified envelope is read where it lies
/// and a module runs from it without a RAM copy. A generic parameter, never an existential.
public protocol FlashDevice {
    var geometry: FlashGeometry { get }
    /// The bytes at `range` (nil when outside the part).
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer?
    /// Erases one sector to 0xFF. False when the operation did not happen.
    mutating func erase(sector: Int) -> Bool
    /// Programs the aligned word at `offset` (bytes in memory order): the result is the old word
    /// AND `word`. False when the operation did not happen or tried to set a bit (not erased).
    mutating func program(word: UInt32, at offset: Int) -> Bool
}

extension FlashDevice {
    /// The little-endian word at `offset` (0xFFFF_FFFF outside the part).
    public func word(at offset: Int) -> UInt32 {
        guard let raw = bytes(offset..<offset + 4) else { return 0xFFFF_FFFF }
        return UInt32(raw[0]) | UInt32(raw[1]) << 8 | UInt32(raw[2]) << 16 | UInt32(raw[3]) << 24
    }

    /// Programs `data` at the word-aligned `offset`, padding the last word with 0xFF (which leaves
    /// those bits erased). False at the first operation that fails.
    public mutating func program(_ data: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard offset % FlashGeometry.wordSize == 0, offset >= 0, offset + data.count <= geometry.totalSize else { return false }
        var i = 0
        while i < data.count {
            var word: UInt32 = 0
            for j in 0..<4 {
                let byte: UInt8 = i + j < data.count ? data[i + j] : 0xFF
                word |= UInt32(byte) << UInt32(8 * j)
            }
            if word != 0xFFFF_FFFF {   // an all-ones word changes nothing: skip the operation
                guard program(word: word, at: offset + i) else { return false }
            }
            i += 4
        }
        return true
    }
}

/// Flash over a memory region: the model of the part. Erase and program follow the rules above
/// (programming a 0 bit back to 1 is refused, as the STM32F4's PGSERR); every operation counts,
/// and with `powerLossAfter` set the part stops working after that many operations, which is how
/// the tests cut the power between any two operations. On Linux the region is a mapped file
/// (LeveeLinux.FileFlash).
public struct MemoryFlash: FlashDevice {
    public let geometry: FlashGeometry
    let base: UnsafeMutableRawPointer?
    /// Erase and program operations done so far.
    public private(set) var operations: UInt32 = 0
    /// When set, operation number `powerLossAfter + 1` and all after it do not happen, and
    /// `powerLost` is called once (the host's node exits there, as if the power failed).
    public var powerLossAfter: UInt32?
    public var powerLost: (@convention(c) () -> Void)?

    /// A part with no memory: every operation fails (a board without the flash driver).
    public init() {
        geometry = FlashGeometry(sectorSize: 0, sectorCount: 0)
        base = nil
    }

    /// A part over `region` (at least `geometry.totalSize` bytes, which must outlive the part).
    public init?(region: UnsafeMutableRawBufferPointer, geometry: FlashGeometry) {
        guard let start = region.baseAddress, region.count >= geometry.totalSize, geometry.sectorSize % 4 == 0 else { return nil }
        self.geometry = geometry
        base = start
    }

    public var isPresent: Bool { base != nil }

    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer? {
        guard let base, range.lowerBound >= 0, range.upperBound <= geometry.totalSize else { return nil }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Counts an operation; false when the power is off.
    mutating func powered() -> Bool {
        if let limit = powerLossAfter, operations >= limit {
            if operations == limit, let powerLost { powerLost() }
            operations = limit &+ 1
            return false
        }
        operations &+= 1
        return true
    }

    public mutating func erase(sector: Int) -> Bool {
        guard let base, sector >= 0, sector < geometry.sectorCount, powered() else { return false }
        (base + sector * geometry.sectorSize).initializeMemory(as: UInt8.self, repeating: 0xFF, count: geometry.sectorSize)
        return true
    }

    public mutating func program(word: UInt32, at offset: Int) -> Bool {
        guard let base, offset >= 0, offset % 4 == 0, offset + 4 <= geometry.totalSize, powered() else { return false }
        let old = self.word(at: offset)
        let new = old & word
        for j in 0..<4 { (base + offset + j).storeBytes(of: UInt8(truncatingIfNeeded: new >> UInt32(8 * j)), as: UInt8.self) }
        return new == word
    }
}

/// Where things are in the flash, in sectors (README, "Slots and push"):
///
///     | journal 0 | journal 1 | keys | config | slot 0 ... | slot 1 ... | slot 2 ... |
///
/// Two journal sectors used in turn (append-only records; the newest valid one says which slot is
/// active and which is the fallback), the trusted keys, the app's configuration, and three module
/// slots whose roles (active, fallback, staging) the journal gives: an upload always goes to the
/// slot that is neither active nor fallback, so a refused or interrupted upload changes nothing
/// the node relies on.
public struct FlashLayout: Equatable, Sendable {
    public static let journalSectors = 2
    public static let slotCount = 3

    public var geometry: FlashGeometry
    public var sectorsPerSlot: Int

    public init(geometry: FlashGeometry, sectorsPerSlot: Int) {
        self.geometry = geometry
        self.sectorsPerSlot = sectorsPerSlot
    }

    /// The host's flash file and the model in the tests: 16 KiB sectors (as the STM32F407's first
    /// four), 64 KiB slots, 256 KiB in all.
    public static var standard: FlashLayout {
        FlashLayout(geometry: FlashGeometry(sectorSize: 16 * 1024, sectorCount: 16), sectorsPerSlot: 4)
    }

    /// Whether the part has room for every area.
    public var fits: Bool {
        geometry.sectorSize >= 64 && sectorsPerSlot > 0
            && firstSlotSector + Self.slotCount * sectorsPerSlot <= geometry.sectorCount
    }

    public func journalSector(_ i: Int) -> Int { i }
    public var keysSector: Int { Self.journalSectors }
    public var configSector: Int { Self.journalSectors + 1 }
    var firstSlotSector: Int { Self.journalSectors + 2 }
    public func firstSector(ofSlot slot: Int) -> Int { firstSlotSector + slot * sectorsPerSlot }
    public func slotStart(_ slot: Int) -> Int { firstSector(ofSlot: slot) * geometry.sectorSize }
    public var slotSize: Int { sectorsPerSlot * geometry.sectorSize }
    /// A slot starts with its header (envelope length, and its complement), then the envelope.
    public static let slotHeaderSize = 8
    public var maximumEnvelope: Int { slotSize - Self.slotHeaderSize }
    public var configRegion: Range<Int> { configSector * geometry.sectorSize..<(configSector + 1) * geometry.sectorSize }
}
