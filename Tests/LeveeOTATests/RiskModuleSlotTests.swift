import Foundation
import XCTest
import LeveeBase
import LeveeOTA
import LeveeWasm

/// The default risk module (build/risk-module/risk-module.wasm, `make risk-module`) in the slot:
/// `observe_day` is called through the optional-export path, its state lives as long as the
/// module is active, and a restart starts it empty.
final class RiskModuleSlotTests: XCTestCase {
    /// The slot module, built by `make risk-module` when missing.
    static func riskModule() throws -> [UInt8] {
        let path = SlotTests.root.appendingPathComponent("build/risk-module/risk-module.wasm")
        if !FileManager.default.fileExists(atPath: path.path) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/make")
            p.arguments = ["-C", SlotTests.root.path, "risk-module"]
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw XCTSkip("make risk-module failed (no wasm32 Embedded Swift?)") }
        }
        return [UInt8](try Data(contentsOf: path))
    }

    static let exports = ["assess", "observe_day", "forecast_flow"]

    /// Stage 1 m, no rates; the configuration of a default node (flood 216.074 m³/s, stage 3 / 4.5 / 5.5 m).
    struct Environment: GuestEnvironment {
        var stage: Float = 1
        mutating func readChannel(_ channel: UInt32) -> Float { channel == 0 ? stage : 0 }
        mutating func configParameter(_ key: UInt32) -> Float {
            switch key {
            case 0: return 3
            case 1: return 4.5
            case 2: return 5.5
            case 10: return 216.074
            default: return 1
            }
        }
        func milliseconds() -> Int64 { 0 }
    }

    func observe(_ node: inout SlotManager<MemoryFlash>, rain: Float, flow: Float) -> OptionalCall {
        var environment = Environment()
        let arguments = [UInt64(rain.bitPattern), UInt64(flow.bitPattern)]
        return arguments.withUnsafeBufferPointer {
            node.callOptional(GuestEntry.observeDay, type: GuestEntry.observeDayType, arguments: $0, &environment, now: .zero)
        }
    }

    func testForecastStateLivesWhileTheModuleIsActiveAndDecidesTheLevel() throws {
        let bench = SlotTests.Bench()
        var node = bench.node()
        XCTAssertEqual(observe(&node, rain: 0, flow: 30), .absent, "no module: nothing to call")
        XCTAssertNil(SlotTests.push(try SlotTests.envelope(Self.riskModule(), version: 1, exports: Self.exports), to: &node))

        var environment = Environment()
        XCTAssertEqual(node.assess(&environment, now: .zero), .level(0))
        XCTAssertTrue(node.output.value.isNaN, "no day observed yet: no forecast")

        // A dry spell, then two very wet days: the forecast climbs past the flood flow while the
        // stage still reads 1 m, and the module says warning on the forecast alone.
        var forecasts: [Float] = []
        for (rain, flow) in [(Float(0), Float(30)), (0, 29), (45, 60), (60, 150)] {
            XCTAssertEqual(observe(&node, rain: rain, flow: flow), .returned)
            _ = node.assess(&environment, now: .zero)
            forecasts.append(node.output.value)
        }
        XCTAssertTrue(forecasts[1] < forecasts[2] && forecasts[2] < forecasts[3], "rising with the rain: \(forecasts)")
        XCTAssertGreaterThan(forecasts[3], 216.074, "\(forecasts)")
        XCTAssertEqual(node.assess(&environment, now: .zero), .level(2))
        XCTAssertEqual(node.statistics.traps, 0)

        // A restart loads the module again: its forecast starts empty.
        var restarted = bench.node()
        XCTAssertEqual(restarted.assess(&environment, now: .zero), .level(0))
        XCTAssertTrue(restarted.output.value.isNaN)
    }

    /// A module without `observe_day` (the v1 test guest) is fine: the call is skipped.
    func testAModuleWithoutObserveDayIsSkipped() throws {
        let bench = SlotTests.Bench()
        var node = bench.node()
        XCTAssertNil(SlotTests.push(try SlotTests.envelope(SlotTests.guest("v1"), version: 1), to: &node))
        XCTAssertEqual(observe(&node, rain: 1, flow: 2), .absent)
        XCTAssertEqual(node.statistics.calls, 0, "nothing called since activation")
    }
}
