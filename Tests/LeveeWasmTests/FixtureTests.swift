import Foundation
import XCTest
import LeveeWasm
import LeveeWasmHost

/// The guest modules of fixtures/wasm/ (C and Embedded Swift, built by `make fixtures`) run
/// through the interpreter in small arenas; expected values agree with wasmtime and with the
/// kernels compiled natively.
final class FixtureTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct NoHost: WasmHost {
        mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue? { nil }
        mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap) {}
        mutating func preempt(fuelLeft: UInt64) -> Bool { true }
    }

    /// The fixture's bytes, building the fixtures first when they are missing.
    func fixture(_ name: String) throws -> [UInt8] {
        let path = Self.root.appendingPathComponent("build/wasm-fixtures/\(name).wasm")
        if !FileManager.default.fileExists(atPath: path.path) {
            let p = Process()
            p.executableURL = Self.root.appendingPathComponent("tools/wasm/fixtures.sh")
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw XCTSkip("make fixtures failed (no wasm toolchain?)") }
        }
        return [UInt8](try Data(contentsOf: path))
    }

    final class Loaded {
        let module: HostModule
        var instance: Instance
        var host = NoHost()
        init(_ bytes: [UInt8], arenaBytes: Int, limits: InstanceLimits) throws {
            module = HostModule(bytes: bytes, arenaBytes: arenaBytes)
            var fuel = Fuel(1 << 40)
            var h = NoHost()
            do throws(LoadError) {
                instance = try Instance.load(module: module.moduleBytes, arena: module.arena, limits: limits, fuel: &fuel, host: &h)
            } catch {
                throw NSError(domain: "load", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(error)"])
            }
        }

        func call(_ name: String, _ args: [UInt64]) throws -> [UInt64] {
            guard case .function(let f)? = Array(name.utf8).withUnsafeBytes({ instance.export(named: $0) }) else {
                throw NSError(domain: "export", code: 1, userInfo: [NSLocalizedDescriptionKey: name])
            }
            var results = [UInt64](repeating: 0, count: Int(f.type.resultCount))
            var fuel = Fuel(1 << 40)
            do throws(Trap) {
                try args.withUnsafeBufferPointer { a throws(Trap) in
                    try results.withUnsafeMutableBufferPointer { r throws(Trap) in
                        try instance.invoke(f, arguments: a, results: r, fuel: &fuel, host: &host)
                    }
                }
            } catch {
                throw NSError(domain: "trap", code: 1, userInfo: [NSLocalizedDescriptionKey: error.message])
            }
            return results
        }
    }

    /// A node-sized budget: the arena of a slot, 4 KiB of guest memory.
    static let slotLimits = InstanceLimits(maxMemoryBytes: 4096, maxTableElements: 16, valueStackSlots: 512, callDepth: 64)

    func testCGuestRunsInASmallArena() throws {
        let m = try Loaded(try fixture("sensor"), arenaBytes: 24 * 1024, limits: Self.slotLimits)
        XCTAssertLessThan(m.instance.arenaUsed, 24 * 1024)
        _ = try m.call("levee_fill", [1000, 200])
        XCTAssertEqual(try m.call("levee_mean", []), [1098])
        XCTAssertEqual(try m.call("levee_over", [1100]), [126])
        XCTAssertEqual(try m.call("levee_trend", []), [784])
        _ = try m.call("levee_push", [5000])
        XCTAssertEqual(try m.call("levee_mean", []), [1114])
    }

    func testEmbeddedSwiftGuestRuns() throws {
        let m = try Loaded(try fixture("filter"), arenaBytes: 16 * 1024, limits: Self.slotLimits)
        XCTAssertEqual(try m.call("filter_run", [100]), [1194])
        XCTAssertEqual(try m.call("filter_alarm", [10]), [1])
        XCTAssertEqual(try m.call("filter_alarm", [100]), [0])
    }

    func testBenchmarkKernelsMatchNativeChecksums() throws {
        let m = try Loaded(try fixture("kernels"), arenaBytes: 4 << 20,
                           limits: InstanceLimits(maxMemoryBytes: 1 << 20, maxTableElements: 16, valueStackSlots: 1 << 16, callDepth: 1000))
        XCTAssertEqual(try m.call("fib", [20]), [6765])
        XCTAssertEqual(try m.call("crc32", [2]), [4_162_729_702])
        XCTAssertEqual(try m.call("gemm", [1]).map { Float(bitPattern: UInt32($0)) }, [-48.75])
        XCTAssertEqual(try m.call("jacobi", [2]).map { Float(bitPattern: UInt32($0)) }, [501.480927])
        XCTAssertEqual(try m.call("dense", [10]).map { Float(bitPattern: UInt32($0)) }, [-2.18467927])
    }

    /// The default risk module's forecast (build/risk-module/risk-module-forecast.wasm, no imports) over 3,650
    /// synthetic days: the FNV-1a hash of every forecast's bits equals wasmtime's.
    func testRiskModuleMatchesWasmtime() throws {
        let path = Self.root.appendingPathComponent("build/risk-module/risk-module-forecast.wasm")
        guard let data = try? Data(contentsOf: path) else { throw XCTSkip("run make risk-module first") }
        let m = try Loaded([UInt8](data), arenaBytes: 16 * 1024, limits: Self.slotLimits)
        var seed: UInt32 = 1
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for d in 0..<3650 {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let rain = Float(seed >> 24) / 10
            let flow = (5 + Float(d % 97) / 10) + rain / 20
            _ = try m.call("observe_day", [UInt64(rain.bitPattern), UInt64(flow.bitPattern)])
            let forecast = try m.call("forecast_flow", [])[0]
            hash = (hash ^ forecast) &* 0x100_0000_01b3
        }
        XCTAssertEqual(hash, 0x5e0f_78ca_19cb_6d4e, "same forecasts as wasmtime, bit for bit")
    }
}
