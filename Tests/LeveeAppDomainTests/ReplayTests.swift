import Foundation
import LeveeApp
import LeveeLinux
import XCTest

/// The simulator driven by the real River Wye record (NRFA 55002) from ../shared, when present.
final class ReplayTests: XCTestCase {
    static let data = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/nrfa-55002")

    func replay(from: String? = nil, days: Int? = nil) throws -> ReplaySource {
        guard FileManager.default.fileExists(atPath: ReplayTests.data.path) else {
            throw XCTSkip("../shared/data/nrfa-55002 is absent: the replay test needs the NRFA files")
        }
        return try ReplaySource(directory: ReplayTests.data, from: from, days: days)
    }

    func testReadsTheWholeRecord() throws {
        let source = try replay()
        XCTAssertEqual(source.startDate, "1935-10-01", "the first day with both rain and flow")
        XCTAssertGreaterThan(source.days, 23_000)
        XCTAssertEqual(source.flows[0], 77.22, accuracy: 1e-9)
        XCTAssertEqual(source.flow(atSeconds: 43_200), 77.22, accuracy: 1e-9, "daily mean at noon")
        XCTAssertEqual(source.flow(atSeconds: 86_400), (77.22 + 119.3) / 2, accuracy: 1e-9)
    }

    /// Winter 1960 on the Wye: the node, fed the recorded flow, raises the level on the flood days.
    func testFloodDaysRaiseTheLevel() throws {
        let source = try replay(from: "1960-11-01", days: 60)
        var config = AppConfig()
        config.timeCompression = 3600       // an hour of record per node second: --speed 3600
        let run = ScenarioRun(scenario: Scenario(name: "replay", hours: 24 * 60), replay: source, config: config)
        var highest = RiskLevel.normal
        var levelOnFloodDays: [RiskLevel] = []
        run.run(fieldHours: 24 * 60, step: .milliseconds(1000 / 60)) { seconds, assessment, _ in
            highest = max(highest, assessment.level)
            let day = Int(seconds / 86_400)
            if seconds % 86_400 < 60, day > 0, source.flows[day - 1] > 216.074 { levelOnFloodDays.append(assessment.level) }
        }
        let floodDays = source.flows.filter { $0 > 216.074 }.count
        print("replay 1960-11-01 + 60 days: \(floodDays) days above 216 m³/s, highest level \(highest)")
        XCTAssertGreaterThan(floodDays, 0)
        XCTAssertGreaterThanOrEqual(highest, .watch)
        XCTAssertTrue(levelOnFloodDays.allSatisfy { $0 >= .watch }, "\(levelOnFloodDays)")
    }
}
