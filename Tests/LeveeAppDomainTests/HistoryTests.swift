import Foundation
import LeveeApp
import LeveeLinux
import XCTest

final class HistoryTests: XCTestCase {
    func testRingKeepsTheNewestAndAggregatesPerWindow() {
        let storage = UnsafeMutableBufferPointer<HistorySample>.allocate(capacity: 10)
        defer { storage.deallocate() }
        var ring = ChannelHistory(storage: storage)
        for k in 0..<25 { ring.append(HistorySample(seconds: UInt32(k) * 60, value: Float(k), suspect: k == 20)) }
        XCTAssertEqual(ring.count, 10)
        XCTAssertEqual(ring.appended, 25)
        XCTAssertEqual(ring.sample(at: 0)?.value, 15)
        XCTAssertEqual(ring.newest?.value, 24)
        XCTAssertEqual(ring.firstIndex(atOrAfter: 18 * 60), 3)
        XCTAssertEqual(ring.firstIndex(atOrAfter: 30 * 60), 10)
        // Windows of 5 minutes from minute 15: [15..19], [20..24] without the suspect 20.
        let first = ring.aggregate(from: 15 * 60, window: 300)
        XCTAssertEqual(first, HistoryAggregate(start: 900, count: 5, minimum: 15, mean: 17, maximum: 19))
        let second = ring.aggregate(from: 20 * 60, window: 300)
        XCTAssertEqual(second, HistoryAggregate(start: 1200, count: 4, minimum: 21, mean: 22.5, maximum: 24))
        XCTAssertNil(ring.aggregate(from: 0, window: 300), "nothing kept from the first minutes")
        XCTAssertEqual(Double(ring.ratePerHour(window: 600, now: 24 * 60) ?? 0), 60, accuracy: 1e-3, "1 per minute")
    }

    func testAggregatePackOfTheStorm() throws {
        let run = ScenarioRun(scenario: try Scenario.named("storm-surge", root: repositoryRoot))
        run.run(fieldHours: 20)
        let history = run.monitor.history(.stage)
        let start = history.sample(at: 0)!.seconds / 1800 * 1800
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { buffer.deallocate() }
        var encoder = SenMLEncoder(format: .json, into: buffer)
        SenMLDocuments.aggregates(history, .stage, start: start, window: 1800, windows: 6,
                                  clock: SenMLClock(now: run.seconds), into: &encoder)
        let pack = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(encoder.output.written)) as? [[String: Any]])
        XCTAssertEqual(pack.count % 3, 0)
        XCTAssertGreaterThanOrEqual(pack.count, 9)
        XCTAssertEqual(pack[0]["bn"] as? String, "levee/stage")
        for k in stride(from: 0, to: pack.count, by: 3) {
            XCTAssertEqual(pack[k]["n"] as? String, "min")
            XCTAssertEqual(pack[k + 1]["n"] as? String, "mean")
            XCTAssertEqual(pack[k + 2]["n"] as? String, "max")
            let lo = pack[k]["v"] as! Double, mean = pack[k + 1]["v"] as! Double, hi = pack[k + 2]["v"] as! Double
            XCTAssertLessThanOrEqual(lo, mean)
            XCTAssertLessThanOrEqual(mean, hi)
            XCTAssertGreaterThan(hi - lo, 0.01, "the river rises within every half hour of the storm")
        }
    }
}
