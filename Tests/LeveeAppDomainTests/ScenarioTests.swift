import Foundation
import LeveeApp
import LeveeBase
import LeveeLinux
import XCTest

/// The repository root, from this file's path (Tests/LeveeAppDomainTests/...).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The risk level over a run: every change, with its time and reason.
struct LevelTimeline {
    var changes: [(hours: Double, assessment: RiskAssessment)] = []
    var highest = RiskLevel.normal

    mutating func record(_ seconds: UInt32, _ assessment: RiskAssessment, _ changed: Bool) {
        if changed { changes.append((Double(seconds) / 3600, assessment)) }
        highest = max(highest, assessment.level)
    }

    var levels: [RiskLevel] { changes.map(\.assessment.level) }

    var description: String {
        changes.map { change in
            var text = [UInt8](repeating: 0, count: 160)
            let count = text.withUnsafeMutableBytes { raw in
                var w = ByteWriter(raw)
                change.assessment.describe(into: &w)
                return w.count
            }
            return String(format: "%6.2f h  ", change.hours) + String(decoding: text[0..<count], as: UTF8.self)
        }.joined(separator: "\n")
    }
}

final class ScenarioTests: XCTestCase {
    func scenario(_ name: String) throws -> Scenario { try Scenario.named(name, root: repositoryRoot) }

    func testScenarioFilesParse() throws {
        let directory = repositoryRoot.appendingPathComponent("fixtures/scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        XCTAssertEqual(Set(files), ["normal-season.json", "storm-surge.json", "seepage-anomaly.json", "sensor-faults.json"])
        for file in files {
            let scenario = try Scenario.load(from: directory.appendingPathComponent(file))
            XCTAssertEqual(scenario.name + ".json", file)
            XCTAssertGreaterThan(scenario.hours, 0)
        }
        let faults = try scenario("sensor-faults")
        XCTAssertEqual(Set(faults.faults.map(\.kind)), [.stuck, .spike, .dropout, .drift])
    }

    func testStormSurgeRisesThroughWatchWarningDangerInOrder() throws {
        let run = ScenarioRun(scenario: try scenario("storm-surge"))
        var timeline = LevelTimeline()
        var peakStage = 0.0
        run.run(fieldHours: 72) { seconds, assessment, changed in
            timeline.record(seconds, assessment, changed)
            peakStage = max(peakStage, run.simulator.stage)
        }
        print("storm-surge (peak stage \(String(format: "%.2f", peakStage)) m):\n\(timeline.description)")
        let rising = Array(timeline.levels.prefix(3))
        XCTAssertEqual(rising, [.watch, .warning, .danger], timeline.description)
        XCTAssertTrue(run.monitor.faultyChannels.isEmpty, "no channel is faulty in the storm")
    }

    func testNormalSeasonStaysNormal() throws {
        let run = ScenarioRun(scenario: try scenario("normal-season"))
        var timeline = LevelTimeline()
        var faulty = ChannelSet.empty
        run.run(fieldHours: 96) { seconds, assessment, changed in
            timeline.record(seconds, assessment, changed)
            faulty.bits |= run.monitor.faultyChannels.bits
        }
        XCTAssertEqual(timeline.highest, .normal, timeline.description)
        XCTAssertTrue(faulty.isEmpty, "no false fault in ordinary weather (mask \(faulty.bits))")
    }

    func testSeepageAnomalyWarnsOnThePressureRiseAlone() throws {
        let run = ScenarioRun(scenario: try scenario("seepage-anomaly"))
        var timeline = LevelTimeline()
        var maxStage = 0.0
        run.run(fieldHours: 48) { seconds, assessment, changed in
            timeline.record(seconds, assessment, changed)
            maxStage = max(maxStage, run.simulator.stage)
        }
        print("seepage-anomaly (max stage \(String(format: "%.2f", maxStage)) m):\n\(timeline.description)")
        XCTAssertLessThan(maxStage, Double(run.monitor.config.stage.watch), "the river stays below the stage thresholds")
        let first = try XCTUnwrap(timeline.changes.first)
        XCTAssertEqual(first.assessment.reason, .porePressureRising, timeline.description)
        XCTAssertGreaterThanOrEqual(first.hours, 20, "not before the seepage path opens")
        XCTAssertGreaterThanOrEqual(timeline.highest, .warning, timeline.description)
    }

    func testSameSeedSameReadings() throws {
        let storm = try scenario("storm-surge")
        var a = LeveeSimulator(scenario: storm)
        var b = LeveeSimulator(scenario: storm)
        for minute in stride(from: UInt32(0), to: 3000, by: 7) {
            for i in 0..<Channel.count {
                XCTAssertEqual(a.read(Channel(index: i), at: minute * 60), b.read(Channel(index: i), at: minute * 60))
            }
        }
        var other = storm
        other.seed += 1
        var c = LeveeSimulator(scenario: other)
        var d = LeveeSimulator(scenario: storm)
        XCTAssertNotEqual(c.read(.stage, at: 60), d.read(.stage, at: 60), "another seed, other noise")
    }
}
