import LeveeBase
import LeveeWasm

/// The module slot's fixed limits (named parts of the budget).
public enum SlotLimits {
    /// The interpreter's arena for the slot's instance: pre-decoded code, stacks, tables and the
    /// module's linear memory (`SlotArena`, static RAM).
    public static let arenaBytes = 24 * 1024
    public static let instance = InstanceLimits(maxMemoryBytes: 8 * 1024, maxTableElements: 32,
                                                valueStackSlots: 512, callDepth: 64)
    /// Fuel for one call of `assess` (and for the start function and the self-test).
    public static let fuelPerCall: Int64 = 1_000_000
    /// This many traps or fuel exhaustions within `faultWindow` roll the module back.
    public static let faultLimit: UInt32 = 3
    public static let faultWindow = Interval.seconds(60)
}

/// The slot's arena: static, so the chip's budget counts it (.bss).
public enum SlotArena {
    nonisolated(unsafe) static var storage = InlineArray<3072, UInt64>(repeating: 0)

    /// The arena's bytes (static storage: the address never changes).
    public static var bytes: UnsafeMutableRawBufferPointer {
        withUnsafeMutableBytes(of: &storage) { $0 }
    }
}

/// Why an upload or an activation was refused; `SlotResources` turns it into a CoAP code and a
/// diagnostic payload. Nothing the node relies on changes when one is thrown.
public enum SlotError: Error, Equatable {
    /// The envelope failed a check of `UpdateVerifier` (signature, key, manifest, digest).
    case update(UpdateError)
    /// The manifest targets another slot.
    case wrongSlot
    /// The version is not newer than every version activated so far.
    case versionNotNewer
    /// The manifest or the module needs more memory (or arena) than the slot has.
    case memoryBudget
    /// The module does not decode, validate or instantiate.
    case invalidModule(LoadError)
    /// It imports something the guest API does not have (or the manifest lists such an import).
    case unknownImport
    /// It imports something its manifest does not list.
    case undeclaredImport
    /// A manifest export, or `assess() -> i32`, is missing.
    case missingExport
    /// The self-test call trapped, ran out of fuel or returned no risk level.
    case selfTestFailed
    /// A block out of order, or not starting on a word.
    case badBlock
    /// A flash operation failed (or there is no flash).
    case flash

    public var name: StaticString {
        switch self {
        case .update(let e):
            switch e {
            case .malformedEnvelope: return "malformed envelope"
            case .notSign1: return "not a COSE_Sign1"
            case .unsupportedAlgorithm: return "unsupported algorithm"
            case .missingKeyID: return "missing key id"
            case .criticalHeader: return "critical header"
            case .unknownKey: return "unknown key"
            case .badSignature: return "bad signature"
            case .malformedManifest: return "malformed manifest"
            case .sizeMismatch: return "module size mismatch"
            case .digestMismatch: return "module digest mismatch"
            }
        case .wrongSlot: return "wrong slot"
        case .versionNotNewer: return "version not newer"
        case .memoryBudget: return "memory over budget"
        case .invalidModule(let e):
            switch e {
            case .malformed: return "invalid module: malformed"
            case .invalid: return "invalid module: does not validate"
            case .unlinkable: return "invalid module: unlinkable"
            case .arenaTooSmall: return "memory over budget: arena"
            case .exceedsLimits: return "memory over budget"
            case .unsupported: return "invalid module: unsupported feature"
            case .trapped: return "invalid module: start trapped"
            }
        case .unknownImport: return "unknown import"
        case .undeclaredImport: return "import not in manifest"
        case .missingExport: return "missing export"
        case .selfTestFailed: return "self-test failed"
        case .badBlock: return "bad block"
        case .flash: return "flash error"
        }
    }
}

/// Counters of the running module, for `/slot`.
public struct SlotStatistics: Sendable {
    public var calls: UInt32 = 0
    public var traps: UInt32 = 0
    public var fuelExhausted: UInt32 = 0
    public var fuelUsed: UInt64 = 0
    public var faultsInWindow: UInt32 = 0
    public var windowStart: Instant = .zero
    public init() {}
}

/// The result of one call of the module.
public enum SlotRun: Equatable, Sendable {
    /// The level it returned (0-3).
    case level(UInt32)
    /// No module: the caller's built-in rule decides.
    case noModule
    /// It trapped or ran out of fuel (counted; `rolledBack` when that was one too many).
    case fault(Trap, rolledBack: Bool)
}

/// The result of calling an optional export (`SlotManager.callOptional`).
public enum OptionalCall: Equatable, Sendable {
    /// No module runs, or it has no such export (of that signature): nothing was called.
    case absent
    case returned
    /// It trapped or ran out of fuel (counted; `rolledBack` when that was one too many).
    case fault(Trap, rolledBack: Bool)
}

/// The module slots, their journal and the running instance (README, "Slots and push").
///
/// States: no module (the app's built-in rule decides) or running the active slot's module.
/// An upload is programmed block by block into the staging slot (neither active nor fallback);
/// after its last block it is verified (signature, digest, manifest, version, full Wasm
/// validation, imports and exports against the guest API, memory budget), loaded, and called
/// once (self-test); only then does one journal record make it active, with the previous module
/// as its fallback. A module that faults `SlotLimits.faultLimit` times within the window is
/// rolled back to the fallback (or to no module), by one journal record as well.
public struct SlotManager<Flash: FlashDevice> {
    public var flash: Flash
    public let layout: FlashLayout
    public private(set) var journal: SlotJournal
    public private(set) var keys = NodeTrustedKeys()
    let arena: UnsafeMutableRawBufferPointer
    var instance: Instance?
    var entry: FunctionHandle?

    /// The upload in progress: its slot, the next offset expected, sectors erased so far.
    public private(set) var receivingSlot: Int?
    public private(set) var received: UInt32 = 0
    var erasedSectors = 0
    /// The last refusal (or flash failure), until the next success.
    public private(set) var lastError: SlotError?
    /// Set when the active slot did not verify or load at start (the fallback or no module runs).
    public private(set) var brokenAtStart = false
    public private(set) var statistics = SlotStatistics()
    public private(set) var output = GuestOutput()
    /// The running module's version and SHA-256, and the fallback's version (kept at load, so
    /// `/slot` never verifies a signature again).
    public private(set) var runningVersion: UInt64 = 0
    public private(set) var runningDigest = InlineArray<32, UInt8>(repeating: 0)
    public private(set) var fallbackVersion: UInt64?

    public init(flash: Flash, layout: FlashLayout, arena: UnsafeMutableRawBufferPointer) {
        self.flash = flash
        self.layout = layout
        self.arena = arena
        journal = SlotJournal(layout: layout)
    }

    public var hasFlash: Bool { layout.fits && flash.geometry.totalSize >= layout.geometry.totalSize }
    public var state: JournalRecord { journal.current }
    public var isRunning: Bool { instance != nil }
    public var activeSlot: Int? { journal.current.active == JournalRecord.noSlot ? nil : Int(journal.current.active) }
    public var fallbackSlot: Int? { journal.current.fallback == JournalRecord.noSlot ? nil : Int(journal.current.fallback) }

    /// Reads the journal and the keys (provisioning `initialKeys` when the key sector holds none:
    /// keys are written once, at first start), then loads the active module; if it no longer
    /// verifies or loads, the fallback (recorded as a rollback), else no module.
    public mutating func start(provisioning initialKeys: NodeTrustedKeys = NodeTrustedKeys()) {
        guard hasFlash else { return }
        journal.scan(flash)
        keys = TrustedKeyStore.load(flash, layout: layout)
        if keys.count == 0 && initialKeys.count > 0 {
            for i in 0..<initialKeys.count {
                if let key = initialKeys[i] { _ = TrustedKeyStore.provision(key, into: &flash, layout: layout) }
            }
            keys = TrustedKeyStore.load(flash, layout: layout)
        }
        if let active = activeSlot, load(slot: active) {
            fallbackVersion = fallbackSlot.flatMap { verified(slot: $0)?.0.manifest.version }
            return
        }
        guard activeSlot != nil else { return }
        // The active slot no longer verifies or loads: the same as a rollback, recorded.
        brokenAtStart = true
        _ = rollBack(reason: .brokenAtStart)
    }

    // MARK: - Slots in flash

    /// The envelope a slot holds, by its header (length and complement), if the header is whole.
    public func envelope(inSlot slot: Int) -> UnsafeRawBufferPointer? {
        guard slot >= 0, slot < FlashLayout.slotCount else { return nil }
        let start = layout.slotStart(slot)
        let length = flash.word(at: start), check = flash.word(at: start + 4)
        guard check == ~length, length <= UInt32(truncatingIfNeeded: layout.maximumEnvelope) else { return nil }
        return flash.bytes(start + FlashLayout.slotHeaderSize..<start + FlashLayout.slotHeaderSize + Int(truncatingIfNeeded: length))
    }

    /// The verified update in a slot.
    public func verified(slot: Int) -> (VerifiedUpdate, UnsafeRawBufferPointer)? {
        guard let envelope = envelope(inSlot: slot),
              let update = try? UpdateVerifier.verify(envelope: envelope, trustedKeys: keys) else { return nil }
        return (update, envelope)
    }

    /// The slot an upload goes to: neither active nor fallback.
    public var stagingSlot: Int {
        for slot in 0..<FlashLayout.slotCount where slot != activeSlot && slot != fallbackSlot { return slot }
        return 0
    }

    // MARK: - Upload

    /// One block of an upload at `offset` (block 0 starts a new one). After the last block the
    /// update is checked and activated; it throws what refused it.
    public mutating func receive(_ block: UnsafeRawBufferPointer, at offset: UInt32, last: Bool) throws(SlotError) {
        guard hasFlash else { throw fail(.flash) }
        if offset == 0 {
            receivingSlot = stagingSlot
            received = 0
            erasedSectors = 0
        }
        guard let slot = receivingSlot, offset == received, offset % 4 == 0 else { throw fail(.badBlock) }
        // offset == received, which never passes the slot's size: Int holds it on the chip too.
        let end = Int(truncatingIfNeeded: offset) + block.count
        guard end <= layout.maximumEnvelope else { throw fail(.memoryBudget) }
        let start = layout.slotStart(slot)
        // Erase the sectors this block reaches (the header's sector with block 0).
        let lastByte = start + FlashLayout.slotHeaderSize + max(end, 1) - 1
        while layout.firstSector(ofSlot: slot) + erasedSectors <= lastByte / layout.geometry.sectorSize {
            guard flash.erase(sector: layout.firstSector(ofSlot: slot) + erasedSectors) else { throw fail(.flash) }
            erasedSectors += 1
        }
        guard flash.program(block, at: start + FlashLayout.slotHeaderSize + Int(truncatingIfNeeded: offset)) else { throw fail(.flash) }
        received = UInt32(truncatingIfNeeded: end)
        guard last else { return }
        receivingSlot = nil
        let length = UInt32(truncatingIfNeeded: end)
        guard flash.program(word: length, at: start), flash.program(word: ~length, at: start + 4) else { throw fail(.flash) }
        try activate(slot: slot)
    }

    /// Checks the staged update in `slot`, loads it and calls it once; then one journal record
    /// makes it active. On any refusal the previous module is loaded again.
    mutating func activate(slot: Int) throws(SlotError) {
        guard let envelope = envelope(inSlot: slot) else { throw fail(.flash) }
        let update: VerifiedUpdate
        do throws(UpdateError) {
            update = try UpdateVerifier.verify(envelope: envelope, trustedKeys: keys)
        } catch {
            throw fail(.update(error))
        }
        let manifest = update.manifest
        guard manifest.slot == 0 else { throw fail(.wrongSlot) }
        guard manifest.version > journal.current.highestVersion else { throw fail(.versionNotNewer) }
        guard manifest.memoryNeeded <= SlotLimits.instance.maxMemoryBytes else { throw fail(.memoryBudget) }
        let module = UnsafeRawBufferPointer(rebasing: envelope[update.module])

        // From here on the arena is the candidate's: the running instance is gone until the
        // candidate is accepted or the previous module is loaded again.
        unload()
        do throws(SlotError) {
            try checkInterface(module: module, manifest: manifest, envelope: envelope)
            try instantiate(module)
            try selfTest()
        } catch {
            if let active = activeSlot { _ = load(slot: active) }
            throw fail(error)
        }
        let previous = activeSlot.map { UInt8(truncatingIfNeeded: $0) } ?? JournalRecord.noSlot
        var record = journal.current
        record.active = UInt8(truncatingIfNeeded: slot)
        record.fallback = previous
        record.reason = .activated
        record.highestVersion = manifest.version
        guard journal.append(record, to: &flash) else {
            unload()
            if let active = activeSlot { _ = load(slot: active) }
            throw fail(.flash)
        }
        statistics = SlotStatistics()
        brokenAtStart = false
        lastError = nil
        fallbackVersion = isRunning(previous) ? runningVersion : nil
        setRunning(version: manifest.version, digest: UnsafeRawBufferPointer(rebasing: envelope[manifest.moduleDigest]))
    }

    private func isRunning(_ previous: UInt8) -> Bool { previous != JournalRecord.noSlot }

    mutating func setRunning(version: UInt64, digest: UnsafeRawBufferPointer) {
        runningVersion = version
        for i in 0..<min(32, digest.count) { runningDigest[i] = digest[i] }
    }

    /// Full validation, then the module's imports and exports against the guest API and the
    /// manifest. Uses the arena as scratch.
    func checkInterface(module: UnsafeRawBufferPointer, manifest: UpdateManifest, envelope: UnsafeRawBufferPointer) throws(SlotError) {
        let shape: Instance
        do throws(LoadError) {
            shape = try Instance.validate(module: module, arena: arena, limits: SlotLimits.instance)
        } catch {
            throw error == .exceedsLimits ? .memoryBudget : .invalidModule(error)
        }
        var manifestImportsKnown = true
        manifest.forEachImport(in: envelope) { moduleName, name in
            if GuestImport.named(module: UnsafeRawBufferPointer(rebasing: envelope[moduleName]),
                                 name: UnsafeRawBufferPointer(rebasing: envelope[name])) == nil { manifestImportsKnown = false }
        }
        guard manifestImportsKnown else { throw .unknownImport }
        for i in 0..<shape.importCount {
            let entry = shape.import(at: i)
            guard case .function(let function) = entry.value,
                  let api = GuestImport.named(module: entry.module, name: entry.name),
                  function.type.matches(api.type) else { throw .unknownImport }
            var declared = false
            manifest.forEachImport(in: envelope) { moduleName, name in
                if sameBytes(UnsafeRawBufferPointer(rebasing: envelope[moduleName]), entry.module),
                   sameBytes(UnsafeRawBufferPointer(rebasing: envelope[name]), entry.name) { declared = true }
            }
            guard declared else { throw .undeclaredImport }
        }
        var exportsPresent = true
        manifest.forEachExport(in: envelope) { name in
            guard case .function? = shape.export(named: UnsafeRawBufferPointer(rebasing: envelope[name])) else {
                exportsPresent = false
                return
            }
        }
        // () -> i32; the result's type is checked by the self-test (a level is 0-3).
        guard exportsPresent, case .function(let assess)? = shape.export(named: GuestEntry.assess),
              assess.type.paramCount == 0, assess.type.resultCount == 1 else {
            throw .missingExport
        }
    }

    mutating func instantiate(_ module: UnsafeRawBufferPointer) throws(SlotError) {
        var environment = SelfTestEnvironment()
        var fuel = Fuel(SlotLimits.fuelPerCall)
        var out = GuestOutput()
        let arena = self.arena
        let loaded: Instance
        do throws(LoadError) {
            loaded = try Self.withHost(&environment, &out) { host throws(LoadError) in
                try Instance.load(module: module, arena: arena, limits: SlotLimits.instance, fuel: &fuel, host: &host)
            }
        } catch {
            switch error {
            case .exceedsLimits, .arenaTooSmall: throw .memoryBudget
            case .unlinkable: throw .unknownImport
            default: throw .invalidModule(error)
            }
        }
        guard case .function(let assess)? = loaded.export(named: GuestEntry.assess) else { throw .missingExport }
        instance = loaded
        entry = assess
    }

    mutating func selfTest() throws(SlotError) {
        var environment = SelfTestEnvironment()
        guard case .level = call(&environment) else {
            unload()
            throw .selfTestFailed
        }
    }

    /// Loads a slot that was verified before (at start: verified again).
    mutating func load(slot: Int) -> Bool {
        unload()
        guard let (update, envelope) = verified(slot: slot) else { return false }
        do throws(SlotError) {
            try instantiate(UnsafeRawBufferPointer(rebasing: envelope[update.module]))
        } catch {
            unload()
            return false
        }
        setRunning(version: update.manifest.version, digest: UnsafeRawBufferPointer(rebasing: envelope[update.manifest.moduleDigest]))
        return true
    }

    mutating func unload() {
        instance = nil
        entry = nil
    }

    mutating func fail(_ error: SlotError) -> SlotError {
        lastError = error
        return error
    }

    /// Runs `body` with the embedder over `environment` and `output` (pointers for its duration).
    static func withHost<E: GuestEnvironment, R, Failure: Error>(
        _ environment: inout E, _ output: inout GuestOutput, _ body: (inout GuestHost<E>) throws(Failure) -> R
    ) throws(Failure) -> R {
        try withUnsafeMutablePointer(to: &environment) { env throws(Failure) in
            try withUnsafeMutablePointer(to: &output) { o throws(Failure) in
                var host = GuestHost(environment: env, output: o)
                return try body(&host)
            }
        }
    }

    // MARK: - Running

    /// One call of `function` with `arguments` (raw slot values), counted: its first result
    /// (0 when it has none), or the trap. The one path every call of the module takes; no fault
    /// bookkeeping (`countFault`).
    mutating func invoke<E: GuestEnvironment>(_ function: FunctionHandle, arguments: UnsafeBufferPointer<UInt64>,
                                              _ environment: inout E) -> (result: UInt64, trap: Trap?) {
        guard let instance else { return (0, .hostError) }
        var fuel = Fuel(SlotLimits.fuelPerCall)
        var result: UInt64 = 0
        var newOutput = output
        newOutput.published = false
        let resultCount = min(Int(function.type.resultCount), 1)
        let outcome: Trap? = Self.withHost(&environment, &newOutput) { host in
            do throws(Trap) {
                try withUnsafeMutablePointer(to: &result) { r throws(Trap) in
                    try instance.invoke(function, arguments: arguments,
                                        results: UnsafeMutableBufferPointer(start: r, count: resultCount), fuel: &fuel, host: &host)
                }
                return nil
            } catch {
                return error
            }
        }
        statistics.calls &+= 1
        statistics.fuelUsed &+= UInt64(bitPattern: max(0, SlotLimits.fuelPerCall - fuel.remaining))
        output = newOutput
        return (result, outcome)
    }

    /// One call of `assess`, counted; no fault bookkeeping.
    mutating func call<E: GuestEnvironment>(_ environment: inout E) -> SlotRun {
        guard let entry else { return .noModule }
        let (result, trap) = invoke(entry, arguments: UnsafeBufferPointer(start: nil, count: 0), &environment)
        if let trap { return .fault(trap, rolledBack: false) }
        let level = UInt32(truncatingIfNeeded: result)
        guard level <= GuestEntry.highestLevel else { return .fault(.hostError, rolledBack: false) }
        return .level(level)
    }

    /// Runs the module once against the app's environment at `now`. A trap or fuel exhaustion
    /// is counted; the `faultLimit`-th within `faultWindow` rolls the module back.
    public mutating func assess<E: GuestEnvironment>(_ environment: inout E, now: Instant) -> SlotRun {
        let run = call(&environment)
        guard case .fault(let trap, _) = run else { return run }
        return .fault(trap, rolledBack: countFault(trap, now: now))
    }

    /// Calls the running module's optional export `name` when it has one of signature `type`
    /// (no result), with `arguments` (raw slot values); faults count as in `assess`.
    public mutating func callOptional<E: GuestEnvironment>(_ name: StaticString, type: FuncType, arguments: UnsafeBufferPointer<UInt64>,
                                                           _ environment: inout E, now: Instant) -> OptionalCall {
        guard let instance, case .function(let function)? = instance.export(named: name),
              function.type.matches(type), type.resultCount == 0, arguments.count == Int(type.paramCount) else { return .absent }
        guard let trap = invoke(function, arguments: arguments, &environment).trap else { return .returned }
        return .fault(trap, rolledBack: countFault(trap, now: now))
    }

    /// Counts a trap or fuel exhaustion; true when it was the `faultLimit`-th within the window
    /// and the module was rolled back.
    mutating func countFault(_ trap: Trap, now: Instant) -> Bool {
        if trap == .fuelExhausted { statistics.fuelExhausted &+= 1 } else { statistics.traps &+= 1 }
        if statistics.faultsInWindow == 0 || now.since(statistics.windowStart) > SlotLimits.faultWindow {
            statistics.windowStart = now
            statistics.faultsInWindow = 0
        }
        statistics.faultsInWindow &+= 1
        guard statistics.faultsInWindow >= SlotLimits.faultLimit else { return false }
        _ = rollBack(reason: .faults)
        return true
    }

    /// Leaves the active module for the fallback (or for no module, when there is none): one
    /// journal record. False when there is no module to leave or the flash failed.
    public mutating func rollBack(reason: SlotReason) -> Bool {
        guard hasFlash, activeSlot != nil else { return false }
        var record = journal.current
        record.active = record.fallback
        record.fallback = JournalRecord.noSlot
        record.reason = reason
        record.rollbacks &+= 1
        guard journal.append(record, to: &flash) else {
            lastError = .flash
            return false
        }
        let kept = statistics
        statistics = SlotStatistics()
        statistics.calls = kept.calls
        statistics.traps = kept.traps
        statistics.fuelExhausted = kept.fuelExhausted
        statistics.fuelUsed = kept.fuelUsed
        fallbackVersion = nil
        if let active = activeSlot, load(slot: active) { return true }
        unload()
        if activeSlot != nil {   // the fallback does not load either: no module, recorded
            record.active = JournalRecord.noSlot
            _ = journal.append(record, to: &flash)
        }
        return true
    }
}

func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}
