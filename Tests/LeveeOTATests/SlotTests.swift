import Crypto
import Foundation
import XCTest
import LeveeBase
import LeveeOTA
import LeveeUpdateHost
import LeveeWasm

/// The module slot on the flash model: uploads block by block, every refusal with its reason and
/// nothing changed, rollback after repeated traps, and a power loss after every single flash
/// operation of a push and an activation.
final class SlotTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var signer: UpdateKey { UpdateKey(keyID: "ops-1", privateKey: try! .init(rawRepresentation: [UInt8](repeating: 7, count: 32))) }
    static var stranger: UpdateKey { UpdateKey(keyID: "ops-1", privateKey: try! .init(rawRepresentation: [UInt8](repeating: 9, count: 32))) }
    static let api: [(String, String)] = [("levee", "read_channel"), ("levee", "now"), ("levee", "publish"),
                                          ("levee", "log"), ("levee", "config")]

    /// A guest of build/ota-guests (tools/ota/guests.sh builds them when missing or older than
    /// their sources).
    static func guest(_ name: String) throws -> [UInt8] {
        let path = root.appendingPathComponent("build/ota-guests/\(name).wasm")
        func modified(_ url: URL) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
        }
        let sources = ["fixtures/ota-guests/guest.c", "tools/ota/guests.sh"].map { modified(root.appendingPathComponent($0)) }
        if !FileManager.default.fileExists(atPath: path.path) || sources.contains(where: { $0 > modified(path) }) {
            let p = Process()
            p.executableURL = root.appendingPathComponent("tools/ota/guests.sh")
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw XCTSkip("tools/ota/guests.sh failed (no wasm32 clang?)") }
        }
        return [UInt8](try Data(contentsOf: path))
    }

    static func envelope(_ module: [UInt8], version: UInt64, key: UpdateKey = signer, exports: [String] = ["assess"],
                         imports: [(String, String)] = api, memory: UInt64 = 4096, slot: UInt64 = 0) throws -> [UInt8] {
        let manifest = UpdateEnvelope.Manifest(version: version, slot: slot, exports: exports, imports: imports, memoryNeeded: memory)
        return try UpdateEnvelope.sign(payload: UpdateEnvelope.payload(manifest, module: module), key: key)
    }

    /// Channel 0 reads `stage`; everything else 0.
    struct Environment: GuestEnvironment {
        var stage: Float = 0.5
        mutating func readChannel(_ channel: UInt32) -> Float { channel == 0 ? stage : 0 }
        mutating func configParameter(_ key: UInt32) -> Float { 2 }
        func milliseconds() -> Int64 { 1234 }
    }

    /// A flash part and an arena in test memory; a node over them is `node()`.
    final class Bench {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: FlashLayout.standard.geometry.totalSize, alignment: 16)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: SlotLimits.arenaBytes, alignment: 16)

        init() { memory.initializeMemory(as: UInt8.self, repeating: 0xFF) }
        deinit {
            memory.deallocate()
            arena.deallocate()
        }

        var keys: NodeTrustedKeys {
            var keys = NodeTrustedKeys()
            let kid = Array(SlotTests.signer.keyID.utf8), key = Array(SlotTests.signer.privateKey.publicKey.rawRepresentation)
            _ = kid.withUnsafeBytes { k in key.withUnsafeBytes { p in keys.add(TrustedKey(keyID: k, publicKey: p)!) } }
            return keys
        }

        /// A node starting on the flash as it is (a restart), its flash failing after `powerLossAfter` operations.
        func node(powerLossAfter: UInt32? = nil) -> SlotManager<MemoryFlash> {
            var flash = MemoryFlash(region: memory, geometry: FlashLayout.standard.geometry)!
            flash.powerLossAfter = powerLossAfter
            var node = SlotManager(flash: flash, layout: .standard, arena: arena)
            node.start(provisioning: keys)
            return node
        }

        var image: [UInt8] { Array(memory) }
    }

    /// Uploads `envelope` in `blockSize` blocks (all of them, or only the first `blocks`).
    @discardableResult
    static func push(_ envelope: [UInt8], to node: inout SlotManager<MemoryFlash>, blockSize: Int = 512, blocks: Int? = nil) -> SlotError? {
        var offset = 0, sent = 0
        while offset < envelope.count || offset == 0 {
            if let blocks, sent == blocks { return nil }
            let end = min(offset + blockSize, envelope.count)
            let block = Array(envelope[offset..<end])
            do {
                try block.withUnsafeBytes { try node.receive($0, at: UInt32(offset), last: end == envelope.count) }
            } catch {
                return error as? SlotError
            }
            offset = end
            sent += 1
            if end == envelope.count { break }
        }
        return nil
    }

    func testPushActivatesAndRunsThenANewerOneReplacesIt() throws {
        let bench = Bench()
        var node = bench.node()
        XCTAssertEqual(node.keys.count, 1)
        XCTAssertFalse(node.isRunning)
        var environment = Environment()
        XCTAssertEqual(node.assess(&environment, now: .zero), .noModule)

        XCTAssertNil(Self.push(try Self.envelope(Self.guest("v1"), version: 1), to: &node))
        XCTAssertTrue(node.isRunning)
        XCTAssertEqual(node.runningVersion, 1)
        XCTAssertEqual(node.assess(&environment, now: .zero), .level(1))
        XCTAssertEqual(node.output.level, 1)
        XCTAssertEqual(node.output.value, 0.5)
        XCTAssertEqual(node.output.withLog { String(decoding: $0, as: UTF8.self) }, "assessed")
        let first = try XCTUnwrap(node.activeSlot)

        XCTAssertNil(Self.push(try Self.envelope(Self.guest("v2"), version: 2), to: &node, blockSize: 64))
        XCTAssertEqual(node.runningVersion, 2)
        XCTAssertEqual(node.fallbackSlot, first)
        XCTAssertEqual(node.fallbackVersion, 1)
        XCTAssertEqual(node.assess(&environment, now: .zero), .level(2))

        // A restart finds the same state in the flash.
        var restarted = bench.node()
        XCTAssertEqual(restarted.runningVersion, 2)
        XCTAssertEqual(restarted.fallbackVersion, 1)
        XCTAssertEqual(restarted.assess(&environment, now: .zero), .level(2))
    }

    /// The Embedded Swift guest library (fixtures/ota-guests/swift): the stage rule's levels.
    func testEmbeddedSwiftGuestRunsItsRule() throws {
        let bench = Bench()
        var node = bench.node()
        XCTAssertNil(Self.push(try Self.envelope(Self.guest("stage-rule"), version: 1), to: &node))
        var environment = Environment()   // threshold (config 0) reads 2
        for (stage, level) in [(Float(0.5), UInt32(0)), (1.8, 1), (2.2, 2), (3, 3), (.nan, 0)] {
            environment.stage = stage
            XCTAssertEqual(node.assess(&environment, now: .zero), .level(level), "stage \(stage)")
            XCTAssertEqual(node.output.level, level)
        }
        XCTAssertEqual(node.output.withLog { String(decoding: $0, as: UTF8.self) }, "stage unknown")
    }

    func testRefusalsChangeNothing() throws {
        let bench = Bench()
        var node = bench.node()
        XCTAssertNil(Self.push(try Self.envelope(Self.guest("v1"), version: 1), to: &node))
        XCTAssertNil(Self.push(try Self.envelope(Self.guest("v2"), version: 2), to: &node))
        let v2 = try Self.guest("v2"), v3 = try Self.envelope(v2, version: 3)
        var tamperedModule = v3
        tamperedModule[tamperedModule.count - 64 - 40] ^= 1   // a byte of the module
        var tamperedManifest = v3
        let versionAt = try XCTUnwrap((0..<v3.count - 2).first { v3[$0] == 0xA7 && v3[$0 + 1] == 0x01 && v3[$0 + 2] == 0x03 })
        tamperedManifest[versionAt + 2] = 0x04
        let invalid: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x0A, 0x03, 0x01, 0x00, 0x0B]
        let otherKid = UpdateKey(keyID: "ops-2", privateKey: Self.stranger.privateKey)

        let cases: [(String, [UInt8], SlotError)] = [
            ("unsigned", v2, .update(.notSign1)),
            ("wrong key", try Self.envelope(v2, version: 3, key: Self.stranger), .update(.badSignature(.mismatch))),
            ("unknown key", try Self.envelope(v2, version: 3, key: otherKid), .update(.unknownKey)),
            ("tampered module", tamperedModule, .update(.badSignature(.mismatch))),
            ("tampered manifest", tamperedManifest, .update(.badSignature(.mismatch))),
            ("older version", try Self.envelope(Self.guest("v1"), version: 1), .versionNotNewer),
            ("same version", try Self.envelope(v2, version: 2), .versionNotNewer),
            ("other slot", try Self.envelope(v2, version: 3, slot: 1), .wrongSlot),
            ("invalid module", try Self.envelope(invalid, version: 3), .invalidModule(.malformed(.sectionSizeMismatch))),
            ("unknown import", try Self.envelope(Self.guest("unknown"), version: 3, imports: Self.api + [("levee", "launch")]), .unknownImport),
            ("unknown import not declared", try Self.envelope(Self.guest("unknown"), version: 3), .unknownImport),
            ("import not declared", try Self.envelope(v2, version: 3, imports: [("levee", "publish")]), .undeclaredImport),
            ("missing export", try Self.envelope(v2, version: 3, exports: ["assess", "forecast"]), .missingExport),
            ("manifest over memory", try Self.envelope(v2, version: 3, memory: 65536), .memoryBudget),
            ("module over memory", try Self.envelope(Self.guest("bigmem"), version: 3), .memoryBudget),
        ]
        for (name, envelope, expected) in cases {
            let before = bench.image
            let error = Self.push(envelope, to: &node)
            XCTAssertEqual(error.map { "\($0.name)" }, "\(expected.name)", name)
            XCTAssertNotNil(error, name)
            XCTAssertEqual(node.runningVersion, 2, name)
            XCTAssertTrue(node.isRunning, name)
            XCTAssertEqual(node.state.highestVersion, 2, name)
            // Only the staging slot may differ.
            let staging = FlashLayout.standard.slotStart(node.stagingSlot)..<FlashLayout.standard.slotStart(node.stagingSlot) + FlashLayout.standard.slotSize
            let after = bench.image
            XCTAssertTrue((0..<before.count).allSatisfy { staging.contains($0) || before[$0] == after[$0] }, name)
            var environment = Environment()
            XCTAssertEqual(node.assess(&environment, now: .zero), .level(2), name)
        }
        // Half an upload, then nothing more: the node runs on; a new upload starts over.
        XCTAssertNil(Self.push(v3, to: &node, blockSize: 256, blocks: 2))
        XCTAssertEqual(node.runningVersion, 2)
        XCTAssertNotNil(node.receivingSlot)
        XCTAssertEqual(bench.node().runningVersion, 2)
        XCTAssertNil(Self.push(v3, to: &node, blockSize: 256))
        XCTAssertEqual(node.runningVersion, 3)
    }

    func testOutOfOrderBlockIsRefused() throws {
        let bench = Bench()
        var node = bench.node()
        let envelope = try Self.envelope(Self.guest("v1"), version: 1)
        XCTAssertNil(Self.push(envelope, to: &node, blockSize: 256, blocks: 1))
        XCTAssertThrowsError(try Array(envelope[512..<768]).withUnsafeBytes { try node.receive($0, at: 512, last: false) })
        XCTAssertFalse(node.isRunning)
    }

    func testTrappingModuleIsRolledBackAfterThreeFaults() throws {
        let bench = Bench()
        var node = bench.node()
        XCTAssertNil(Self.push(try Self.envelope(Self.guest("v1"), version: 1), to: &node))
        XCTAssertNil(Self.push(try Self.envelope(Self.guest("trap"), version: 2), to: &node))   // passes the self-test (channel 0 reads 0)
        XCTAssertEqual(node.runningVersion, 2)
        var environment = Environment(stage: 500)   // above 100: every call traps
        XCTAssertEqual(node.assess(&environment, now: Instant(microseconds: 1_000_000)), .fault(.unreachable, rolledBack: false))
        XCTAssertEqual(node.assess(&environment, now: Instant(microseconds: 2_000_000)), .fault(.unreachable, rolledBack: false))
        XCTAssertEqual(node.assess(&environment, now: Instant(microseconds: 3_000_000)), .fault(.unreachable, rolledBack: true))
        XCTAssertEqual(node.runningVersion, 1)
        XCTAssertEqual(node.state.rollbacks, 1)
        XCTAssertEqual(node.state.reason, .faults)
        XCTAssertEqual(node.statistics.traps, 3)
        XCTAssertEqual(node.assess(&environment, now: Instant(microseconds: 4_000_000)), .level(1))
        // The bad version cannot come back; a restart keeps the rollback.
        XCTAssertEqual(Self.push(try Self.envelope(Self.guest("trap"), version: 2), to: &node), .versionNotNewer)
        XCTAssertEqual(bench.node().runningVersion, 1)
        // Asked for: back to the built-in rule (no fallback left).
        XCTAssertTrue(node.rollBack(reason: .requested))
        XCTAssertFalse(node.isRunning)
        XCTAssertFalse(node.rollBack(reason: .requested))
        XCTAssertFalse(bench.node().isRunning)
    }

    func testFaultsOutsideTheWindowDoNotAddUp() throws {
        let bench = Bench()
        var node = bench.node()
        XCTAssertNil(Self.push(try Self.envelope(Self.guest("trap"), version: 1), to: &node))
        var environment = Environment(stage: 500)
        for minute in 0..<6 {
            let now = Instant(microseconds: UInt64(minute) * 61_000_000 + 1)
            XCTAssertEqual(node.assess(&environment, now: now), .fault(.unreachable, rolledBack: false))
        }
        XCTAssertEqual(node.runningVersion, 1)
    }

    /// The journal alone: a record cut after any word is ignored, and the sectors are used in
    /// turn when full.
    func testJournalIgnoresTornRecordsAndWrapsSectors() {
        let bench = Bench()
        var flash = MemoryFlash(region: bench.memory, geometry: FlashLayout.standard.geometry)!
        var journal = SlotJournal(layout: .standard)
        journal.scan(flash)
        XCTAssertEqual(journal.current, .initial)
        let perSector = FlashLayout.standard.geometry.sectorSize / JournalRecord.size
        for i in 0..<(2 * perSector + 5) {
            XCTAssertTrue(journal.append(JournalRecord(active: UInt8(i % 3), highestVersion: UInt64(i)), to: &flash))
            guard i % 61 == 0 || i >= 2 * perSector - 2 else { continue }
            var reread = SlotJournal(layout: .standard)
            reread.scan(flash)
            XCTAssertEqual(reread.current, journal.current)
        }
        for cut: UInt32 in 0..<8 {
            flash.powerLossAfter = flash.operations + cut
            let before = journal.current
            var copy = journal
            XCTAssertFalse(copy.append(JournalRecord(active: 2, highestVersion: 999), to: &flash))
            flash.powerLossAfter = nil
            var reread = SlotJournal(layout: .standard)
            reread.scan(flash)
            XCTAssertEqual(reread.current, before, "cut after \(cut) words")
            journal = reread
            XCTAssertTrue(journal.append(JournalRecord(active: 1, highestVersion: 1000 + UInt64(cut)), to: &flash))
        }
    }

    /// Power lost after every flash operation of: first start (keys), push and activation of v1,
    /// push and activation of v2, a requested rollback. After each cut the node restarts: the
    /// module it runs verifies, the version never goes back once an activation was recorded,
    /// and the flash takes a new update.
    func testPowerLossAfterEveryFlashOperation() throws {
        let v1 = try Self.envelope(Self.guest("v1"), version: 1)
        let v2 = try Self.envelope(Self.guest("v2"), version: 2)
        let v3 = try Self.envelope(Self.guest("v1"), version: 3)
        func scenario(_ bench: Bench, powerLossAfter: UInt32?) -> SlotManager<MemoryFlash> {
            var node = bench.node(powerLossAfter: powerLossAfter)
            Self.push(v1, to: &node)
            Self.push(v2, to: &node)
            _ = node.rollBack(reason: .requested)
            return node
        }
        let full = scenario(Bench(), powerLossAfter: nil)
        let total = full.flash.operations
        XCTAssertEqual(full.runningVersion, 1)
        XCTAssertGreaterThan(total, 100)
        var lastVersion: UInt64 = 0
        var versions: [UInt64: Int] = [:]
        for k in 0...total {
            let bench = Bench()
            _ = scenario(bench, powerLossAfter: k)
            var node = bench.node()
            XCTAssertFalse(node.brokenAtStart, "k=\(k)")
            XCTAssertEqual(node.keys.count, 1, "k=\(k)")
            let version = node.isRunning ? node.runningVersion : 0
            if let active = node.activeSlot {
                XCTAssertTrue(node.isRunning, "k=\(k): journal names slot \(active) but nothing runs")
                XCTAssertNotNil(node.verified(slot: active), "k=\(k)")
            }
            // 0 -> 1 -> 2 -> 1 (the rollback): never backwards except through the recorded rollback.
            XCTAssertTrue(version >= lastVersion || (lastVersion == 2 && version == 1 && node.state.reason == .requested), "k=\(k): \(lastVersion) -> \(version)")
            if version != 0 { XCTAssertGreaterThanOrEqual(version, 1) }
            lastVersion = version
            versions[version, default: 0] += 1
            if k % 16 == 0 || k == total {   // the image takes a new update (every 16th cut: a push costs a verification)
                XCTAssertNil(Self.push(v3, to: &node), "k=\(k)")
                XCTAssertEqual(node.runningVersion, 3, "k=\(k)")
            }
        }
        XCTAssertEqual(Set(versions.keys), [0, 1, 2], "\(versions)")
        print("power loss: \(total + 1) cuts; restarts running no module / v1 / v2: \(versions[0] ?? 0) / \(versions[1] ?? 0) / \(versions[2] ?? 0)")
    }
}
