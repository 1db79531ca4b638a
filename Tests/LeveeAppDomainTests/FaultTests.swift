import Foundation
import LeveeApp
import LeveeBase
import LeveeLinux
import XCTest

/// Each sensor fault, injected by the simulator into quiet weather: the channel is marked faulty
/// with the right reason while the fault lasts, and the risk stays normal — a fault that the rule
/// would read as a flood if it trusted the channel.
final class FaultTests: XCTestCase {
    struct Outcome {
        var reasons: Set<UInt8> = []          // FaultReason raw values seen on the channel
        var highest = RiskLevel.normal
        var ignoredSeen = false
        var faultyAtEnd = false
    }

    func inject(_ fault: Scenario.SensorFault, hours: Double = 24) throws -> Outcome {
        var scenario = try Scenario.named("normal-season", root: repositoryRoot)
        scenario.faults = [fault]
        let channel = try XCTUnwrap(Channel(named: fault.channel))
        let run = ScenarioRun(scenario: scenario)
        var outcome = Outcome()
        run.run(fieldHours: hours) { _, assessment, _ in
            let reason = run.monitor.fault(of: channel)
            if reason != .none { outcome.reasons.insert(reason.rawValue) }
            outcome.highest = max(outcome.highest, assessment.level)
            if assessment.ignored.contains(channel) { outcome.ignoredSeen = true }
        }
        outcome.faultyAtEnd = run.monitor.isFaulty(channel)
        return outcome
    }

    func testStuckStageGauge() throws {
        // Stuck from 4 h to 10 h while the river rises after 6 h: when the gauge comes back, its
        // jump to the true stage is judged too (spike/drift) before it is trusted again.
        let o = try inject(.init(channel: "stage", kind: .stuck, start: 4, hours: 6))
        XCTAssertTrue(o.reasons.contains(FaultReason.stuck.rawValue), "reasons \(o.reasons)")
        XCTAssertTrue(o.ignoredSeen, "the rule says it ignores the stage")
        XCTAssertEqual(o.highest, .normal)
        XCTAssertFalse(o.faultyAtEnd, "trusted again once it reads live values")
    }

    func testSpikeOnStageIsNotAFlood() throws {
        // +5 m would be danger (stage 6 m) if the reading were believed.
        let o = try inject(.init(channel: "stage", kind: .spike, start: 5, magnitude: 5))
        XCTAssertEqual(o.reasons, [FaultReason.spike.rawValue])
        XCTAssertEqual(o.highest, .normal)
        XCTAssertFalse(o.faultyAtEnd)
    }

    func testSpikeOnPiezometer() throws {
        let o = try inject(.init(channel: "pore-pressure-2", kind: .spike, start: 12, magnitude: 40))
        XCTAssertEqual(o.reasons, [FaultReason.spike.rawValue])
        XCTAssertEqual(o.highest, .normal)
    }

    func testDropoutOfTiltAxis() throws {
        let o = try inject(.init(channel: "tilt-x", kind: .dropout, start: 8, hours: 2))
        XCTAssertEqual(o.reasons, [FaultReason.missing.rawValue])
        XCTAssertTrue(o.ignoredSeen)
        XCTAssertEqual(o.highest, .normal)
        XCTAssertFalse(o.faultyAtEnd)
    }

    func testDriftingPiezometerIsNotSeepage() throws {
        // +30 kPa/h, which the rule would call danger (5 kPa/h) if it trusted the channel.
        let o = try inject(.init(channel: "pore-pressure-3", kind: .drift, start: 10, hours: 4, magnitude: 30))
        XCTAssertTrue(o.reasons.contains(FaultReason.drift.rawValue), "reasons \(o.reasons)")
        XCTAssertEqual(o.highest, .normal)
    }

    func testFastTiltDriftThenOutOfRange() throws {
        // 6°/h, faster than a levee moves: drift at once, then off the sensor's span (±10°).
        let o = try inject(.init(channel: "tilt-y", kind: .drift, start: 2, hours: 20, magnitude: 6))
        XCTAssertTrue(o.reasons.contains(FaultReason.drift.rawValue), "reasons \(o.reasons)")
        XCTAssertTrue(o.reasons.contains(FaultReason.outOfRange.rawValue), "reasons \(o.reasons)")
        XCTAssertTrue(o.faultyAtEnd)
        XCTAssertEqual(o.highest, .normal)
    }

    /// The limit of single-channel checks, stated as a test: a drift slower than the levee could
    /// move (1.5°/h < 2°/h) looks like creep, and the rule errs on the safe side — it alarms.
    func testSlowTiltDriftIsIndistinguishableFromCreep() throws {
        let o = try inject(.init(channel: "tilt-y", kind: .drift, start: 2, hours: 4, magnitude: 1.5))
        XCTAssertEqual(o.reasons, [], "no single-channel check can see it")
        XCTAssertEqual(o.highest, .danger, "36°/day of apparent creep is danger")
    }

    func testSensorFaultsScenario() throws {
        let scenario = try Scenario.named("sensor-faults", root: repositoryRoot)
        let run = ScenarioRun(scenario: scenario)
        var seen: [String: Set<String>] = [:]
        var highest = RiskLevel.normal
        run.run(fieldHours: scenario.hours) { _, assessment, _ in
            highest = max(highest, assessment.level)
            for i in 0..<Channel.count where run.monitor.isFaulty(Channel(index: i)) {
                seen["\(Channel(index: i).name)", default: []].insert("\(run.monitor.fault(of: Channel(index: i)).name)")
            }
        }
        XCTAssertTrue(seen["stage"]?.contains("stuck") ?? false, "\(seen)")
        XCTAssertEqual(seen["pore-pressure-2"], ["spike"])
        XCTAssertEqual(seen["tilt-x"], ["missing"])
        XCTAssertTrue(seen["pore-pressure-3"]?.contains("drift") ?? false, "\(seen)")
        XCTAssertEqual(Set(seen.keys), ["stage", "pore-pressure-2", "tilt-x", "pore-pressure-3"], "no other channel flagged")
        XCTAssertEqual(highest, .normal)
    }

    /// A driver that says NaN, infinity or nothing: no trap, the channel is missing.
    func testNonFiniteReadingsAreMissing() {
        struct Broken: SensorDriver {
            var k = 0
            mutating func read(_ channel: Channel, at fieldSeconds: UInt32) -> Float? {
                k += 1
                return [Float.nan, .infinity, -.infinity, nil][k % 4]
            }
        }
        var driver = Broken()
        let storage = UnsafeMutableBufferPointer<HistorySample>.allocate(capacity: Channel.count * 8)
        defer { storage.deallocate() }
        var monitor = SensorMonitor(historyStorage: storage)
        for minute in 0..<10 { monitor.sampleDue(from: &driver, at: UInt32(minute) * 600) }
        for i in 0..<Channel.count { XCTAssertEqual(monitor.fault(of: Channel(index: i)), .missing) }
        monitor.assess(at: 6000)
        XCTAssertEqual(monitor.risk.level, .normal)
        XCTAssertEqual(monitor.risk.reason, .blind, "every indicator's channels are faulty: the node says it cannot see")
    }
}
