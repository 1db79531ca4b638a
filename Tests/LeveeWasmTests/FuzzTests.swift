import Foundation
import XCTest
import LeveeWasm
import LeveeWasmHost

/// Hostile modules: 10,000 random and mutated binaries must be rejected or run (and trap)
/// without crashing, within the arena and within bounded time.
final class FuzzTests: XCTestCase {
    struct Host: WasmHost {
        var calls = 0
        mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue? { nil }
        mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap) {}
        mutating func preempt(fuelLeft: UInt64) -> Bool { calls += 1; return true }
    }

    /// xorshift64*: deterministic, so a failure can be replayed by its iteration number.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// Valid modules to mutate: every module of the self-checks and of the spec runner's host,
    /// plus whatever fixtures and converted spec modules exist.
    func seeds() -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        let root = FixtureTests.root
        for dir in ["build/wasm-fixtures", "build/wasm-spec/core/i32", "build/wasm-spec/core/br_table",
                    "build/wasm-spec/core/memory_copy", "build/wasm-spec/core/call_indirect", "build/wasm-spec/core/table_init"] {
            let url = root.appendingPathComponent(dir)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasSuffix(".wasm") {
                if let d = try? Data(contentsOf: url.appendingPathComponent(name)), d.count < 200_000 { seeds.append([UInt8](d)) }
            }
        }
        // Always available: a small module with code, memory, table and globals.
        seeds.append([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
                      0x01, 0x06, 0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F,               // type (i32) -> i32
                      0x03, 0x02, 0x01, 0x00,                                       // func 0
                      0x04, 0x04, 0x01, 0x70, 0x00, 0x02,                           // table 2 funcref
                      0x05, 0x03, 0x01, 0x00, 0x01,                                 // memory 1
                      0x06, 0x06, 0x01, 0x7F, 0x01, 0x41, 0x07, 0x0B,               // global mut i32 = 7
                      0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,                     // export "f"
                      0x0A, 0x16, 0x01, 0x14, 0x00,
                      0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6B, 0x22, 0x00, 0x0D, 0x00, 0x0B, // loop: x -= 1, br_if
                      0x20, 0x00, 0x28, 0x02, 0x00, 0x23, 0x00, 0x6A, 0x0B])       // load x + global
        return seeds
    }

    func testTenThousandHostileModules() throws {
        let arenaBytes = 256 * 1024
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 16)
        defer { arena.deallocate() }
        let limits = InstanceLimits(maxMemoryBytes: 128 * 1024, maxTableElements: 1024, valueStackSlots: 4096, callDepth: 64)
        let seeds = self.seeds()
        var rng = Random(state: 0x9E37_79B9_7F4A_7C15)
        var loaded = 0, rejected = 0, trapped = 0, returned = 0
        let start = Date()
        var slowest = 0.0
        for iteration in 0..<10_000 {
            var bytes: [UInt8]
            if iteration % 4 == 0 {
                // Random sections after a valid header.
                bytes = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
                for _ in 0..<rng.below(6) {
                    let body = (0..<rng.below(40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    bytes += [UInt8(rng.below(13)), UInt8(body.count)] + body
                }
            } else {
                bytes = seeds[rng.below(seeds.count)]
                for _ in 0..<(1 + rng.below(4)) {
                    guard !bytes.isEmpty else { break }
                    let at = rng.below(bytes.count)
                    switch rng.below(5) {
                    case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: bytes[at] ^= UInt8(1 << rng.below(8))
                    case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                    case 3: bytes.remove(at: at)
                    default: bytes.removeLast(rng.below(min(bytes.count, 16)))
                    }
                }
            }
            let t0 = Date()
            // Poison the arena: nothing may depend on it being zero.
            arena.initializeMemory(as: UInt8.self, repeating: 0xA5)
            var host = Host()
            var fuel = Fuel(20_000, preemptionInterval: 5_000)
            let outcome: Instance? = bytes.withUnsafeBytes { raw in
                do throws(LoadError) {
                    return try Instance.load(module: raw, arena: arena, limits: limits, fuel: &fuel, host: &host)
                } catch {
                    return nil
                }
            }
            guard let instance = outcome else { rejected += 1; continue }
            loaded += 1
            XCTAssertLessThanOrEqual(Int(instance.arenaUsed), arenaBytes)
            bytes.withUnsafeBytes { _ in
                for i in 0..<instance.exportCount {
                    guard case .function(let f) = instance.export(at: i).value else { continue }
                    let args = [UInt64](repeating: 0, count: Int(f.type.paramCount))
                    var results = [UInt64](repeating: 0, count: Int(f.type.resultCount))
                    var callFuel = Fuel(20_000, preemptionInterval: 5_000)
                    do throws(Trap) {
                        try args.withUnsafeBufferPointer { a throws(Trap) in
                            try results.withUnsafeMutableBufferPointer { r throws(Trap) in
                                try instance.invoke(f, arguments: a, results: r, fuel: &callFuel, host: &host)
                            }
                        }
                        returned += 1
                    } catch {
                        trapped += 1
                    }
                }
            }
            slowest = max(slowest, Date().timeIntervalSince(t0))
        }
        let total = Date().timeIntervalSince(start)
        print("fuzz: \(seeds.count) seeds, \(rejected) rejected, \(loaded) loaded, \(returned) calls returned, \(trapped) trapped; \(String(format: "%.1f", total)) s, slowest module \(String(format: "%.3f", slowest)) s")
        XCTAssertEqual(rejected + loaded, 10_000)
        XCTAssertLessThan(slowest, 2.0, "every module is loaded and run in bounded time")
    }
}
