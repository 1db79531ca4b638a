import Foundation
import LeveeBase
import LeveeScheduler
import XCTest

/// RTIC's examples run on the host port; each trace must equal its golden file, which the chip run
/// (`make sched-qemu-traces`) is compared with too. `LEVEE_UPDATE_GOLDEN=1 swift test` rewrites them.
final class GoldenTraceTests: XCTestCase {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("golden")

    static var traceText: String { Trace.withText { String(decoding: $0, as: UTF8.self) } }

    func assertGolden(_ name: String, _ actual: String, file: StaticString = #filePath, line: UInt = #line) {
        let url = Self.goldenDirectory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["LEVEE_UPDATE_GOLDEN"] == "1" {
            try? actual.write(to: url, atomically: true, encoding: .utf8)
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("missing golden file \(url.path)", file: file, line: line)
            return
        }
        XCTAssertEqual(actual, expected, "trace \(name) differs from its golden file", file: file, line: line)
    }

    func play<App: TraceScenario>(_ app: App.Type) -> String {
        let clean = TraceScenarios.play(HostPort<App>.self)
        XCTAssertTrue(clean, "scenario \(App.name) misused the scheduler or overflowed the trace")
        return Self.traceText
    }

    func testLock() {
        let trace = play(LockScenario.self)
        XCTAssertTrue(trace.hasPrefix("A\nB - shared = 1\nC\nD - shared = 2\nE\n"))
        assertGolden("lock", trace)
    }

    func testPreempt() {
        let trace = play(PreemptScenario.self)
        XCTAssertTrue(trace.hasPrefix("foo - start\n baz - start\n baz - end\n bar\nfoo - end\n"))
        assertGolden("preempt", trace)
    }

    func testMessage() {
        let trace = play(MessageScenario.self)
        XCTAssertTrue(trace.hasPrefix("foo\nbar(0)\nbaz(0, 1)\nfoo\nbar(1)\nbaz(1, 2)\nfoo\nbar(2)\nbaz(2, 3)\n"))
        assertGolden("message", trace)
    }

    func testCapacity() {
        let trace = play(CapacityScenario.self)
        XCTAssertTrue(trace.hasPrefix("foo(4) refused: queue full\nfoo(0)\nfoo(1)\nfoo(2)\nfoo(3)\nbar\n"))
        XCTAssertEqual(Scheduler<HostPort<CapacityScenario>>.statistics(of: .foo).queueOverflows, 1)
        assertGolden("capacity", trace)
    }

    func testSchedule() {
        let trace = play(ScheduleScenario.self)
        XCTAssertTrue(trace.hasPrefix("""
            init @ 0
            urgent @ 2000
            baz @ 4000
            bar(1) @ 4000
            bar(2) @ 4000
            foo @ 8000
            qux @ 9000

            """))
        assertGolden("schedule", trace)
    }

    func testPeriodicWithoutDriftOver10000Periods() {
        let trace = play(PeriodicScenario.self)
        XCTAssertTrue(trace.contains("periodic: 10000 releases, last scheduled = 10000000, off the grid = 0"), trace)
        XCTAssertEqual(Scheduler<HostPort<PeriodicScenario>>.statistics(of: .foo).runs, 10_000)
        assertGolden("periodic", trace)
    }

    func testAnalysisTable() {
        Trace.reset()
        Trace.write { ResponseTimeAnalysis<WorkedExample>.write(into: &$0) }
        assertGolden("analysis", Self.traceText)
    }
}
