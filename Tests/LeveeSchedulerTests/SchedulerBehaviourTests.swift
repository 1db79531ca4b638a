import LeveeBase
import LeveeScheduler
import XCTest

/// Misuse rejected with a clear message, statistics, the host loop's API, the analysis.
final class SchedulerBehaviourTests: XCTestCase {
    typealias Node = Scheduler<HostPort<NodeLike>>

    func message(_ body: (inout ByteWriter) -> Void) -> String {
        var bytes = [UInt8](repeating: 0, count: 4096)
        return bytes.withUnsafeMutableBytes { raw in
            var w = ByteWriter(raw)
            body(&w)
            return String(decoding: w.written, as: UTF8.self)
        }
    }

    func startError<App: TaskSet>(_ app: App.Type) -> (SchedulerConfigurationError?, String) {
        do {
            try Scheduler<HostPort<App>>.start()
            return (nil, "")
        } catch {
            return (error, message { Scheduler<HostPort<App>>.describe(error, into: &$0) })
        }
    }

    func testMisdeclaredTaskSetsAreRefusedAtStartWithAClearMessage() {
        var (error, text) = startError(PriorityTooHigh.self)
        XCTAssertEqual(error, .priorityAboveLevels(task: 0, priority: 4))
        XCTAssertEqual(text, "scheduler: task set priority-too-high refused: task sampler has priority 4 above the 3 levels\n")
        (error, text) = startError(ZeroCapacity.self)
        XCTAssertEqual(error, .zeroCapacity(task: 0))
        XCTAssertEqual(text, "scheduler: task set zero-capacity refused: task logger is a software task with a queue of capacity 0\n")
        (error, text) = startError(TooManyLevels.self)
        XCTAssertEqual(error, .tooManyLevels(9))
        (error, text) = startError(LargeMessage.self)
        XCTAssertEqual(error, .messageTooLarge(bytes: 16))
    }

    func start() {
        NodeLike.reset()
        HostPort<NodeLike>.resetTime()
        XCTAssertNoThrow(try Node.start())
    }

    func testCeilingsAreDerivedFromTheDeclaredUsers() {
        start()
        XCTAssertEqual(Node.ceiling(of: .readings), 2)   // sample (2), log (1)
        XCTAssertEqual(Node.ceiling(of: .radio), 3)      // receive (3), log (1)
        XCTAssertEqual(Node.ceiling(of: .unused), 0)
        XCTAssertFalse(TaskSetFacts<NodeLike>.isLocal(NodeLike.Resource.radio.rawValue))
        XCTAssertTrue(TaskSetFacts<NodeLike>.isLocal(NodeLike.Resource.unused.rawValue))
        XCTAssertTrue(TaskSetFacts<NodeLike>.isLocal(NodeLike.Resource.tally.rawValue))
        XCTAssertEqual(Node.ceiling(of: .tally), 1)
    }

    func testAccessWithoutALockIsForLocalResourcesOnly() {
        start()
        XCTAssertNoThrow(try Node.spawn(.log, 0))   // log accesses tally directly: fine
        XCTAssertEqual(Node.misuses, 0)
        XCTAssertNoThrow(try Node.spawn(.rogue, 1))
        XCTAssertEqual(Node.firstMisuse, .lockNeeded(task: NodeLike.Task.rogue.rawValue, resource: NodeLike.Resource.readings.rawValue))
        XCTAssertEqual(message { Node.describe(Node.firstMisuse, into: &$0) },
                       "task rogue accessed resource readings without a lock, but it is shared across priorities (ran under lock)")
    }

    func testStartKeepsTheTimeTheHostLoopSet() {
        NodeLike.reset()
        HostPort<NodeLike>.advanceTime(to: Instant(microseconds: 5_000_000))
        XCTAssertNoThrow(try Node.start())
        XCTAssertEqual(HostPort<NodeLike>.now(), Instant(microseconds: 5_000_000))
        XCTAssertNoThrow(try Node.spawn(after: .milliseconds(2), .log, 0))
        XCTAssertEqual(HostPort<NodeLike>.timeUntilNextTimer(), .milliseconds(2))
    }

    func testLockingAnUndeclaredResourceIsRecordedAndMadeSafe() {
        start()
        XCTAssertNoThrow(try Node.spawn(.rogue, 0))
        XCTAssertEqual(Node.misuses, 1)
        XCTAssertEqual(Node.firstMisuse, .undeclaredResource(task: NodeLike.Task.rogue.rawValue, resource: NodeLike.Resource.radio.rawValue))
        XCTAssertEqual(message { Node.describe(Node.firstMisuse, into: &$0) },
                       "task rogue locked resource radio without declaring it (ran at the highest ceiling)")
    }

    func testSpawningAHardwareTaskIsRefused() {
        start()
        XCTAssertThrowsError(try Node.spawn(.receive, 0)) { XCTAssertEqual($0 as? SpawnError, .wrongKind) }
        XCTAssertEqual(Node.misuses, 1)
    }

    func testAFullTimerQueueRefusesTheRequest() {
        start()
        for i in 0..<SchedulerCapacity.timers {
            XCTAssertNoThrow(try Node.spawn(at: Instant(microseconds: 1_000 + UInt64(i)), .log, 0))
        }
        XCTAssertThrowsError(try Node.spawn(at: Instant(microseconds: 5_000), .log, 0)) {
            XCTAssertEqual($0 as? SpawnError, .timerQueueFull)
        }
        XCTAssertEqual(Node.timerOverflows, 1)
        XCTAssertEqual(HostPort<NodeLike>.timeUntilNextTimer(), .microseconds(1_000))
        // Releasing them all: log's queue holds 4, the other 12 overflow (counted, not lost silently).
        HostPort<NodeLike>.advanceTime(to: Instant(microseconds: 2_000))
        XCTAssertEqual(Node.statistics(of: .log).queueOverflows, 12)
        XCTAssertEqual(Node.statistics(of: .log).runs + Node.statistics(of: .log).queueOverflows, 16)
        XCTAssertNil(HostPort<NodeLike>.timeUntilNextTimer())
    }

    func testBlockingLongestRunAndOverrunsAreMeasured() {
        start()
        NodeLike.holdLockFor = .microseconds(500)
        XCTAssertNoThrow(try Node.spawn(.log, 0))
        let sample = Node.statistics(of: .sample)
        XCTAssertEqual(sample.runs, 1)
        XCTAssertEqual(sample.longestBlocking, 500)
        XCTAssertEqual(sample.deadlineOverruns, 1)    // released at 0, deadline 100, done at 500
        XCTAssertEqual(Node.statistics(of: .log).longestRun, 500)
        XCTAssertEqual(Node.statistics(of: .log).preemptions, 1)
        // sample ran at the unlock, inside log: 30 (log), then 20 (sample).
        XCTAssertEqual(NodeLike.events[0], 30)
        XCTAssertEqual(NodeLike.events[1], 20)
    }

    func testExternalEventsAreTakenAtPreemptionPointsAndWhenIdle() {
        start()
        XCTAssertNoThrow(try Node.spawn(.compute, 0))
        // compute latched the datagram (41) and receive ran only at the preemption point.
        XCTAssertEqual((0..<4).map { NodeLike.events[$0] }, [40, 41, 10, 42])
        // While idle, a latched event waits for the loop's next dispatch point.
        HostPort<NodeLike>.latch(.networkReceive)
        XCTAssertTrue(HostPort<NodeLike>.hasPendingWork)
        XCTAssertEqual(Node.statistics(of: .receive).runs, 1)
        HostPort<NodeLike>.preemptionPoint()
        XCTAssertEqual(Node.statistics(of: .receive).runs, 2)
        XCTAssertFalse(HostPort<NodeLike>.hasPendingWork)
    }

    /// The board's external-event source (the host node's socket poll) is asked at preemption
    /// points inside a task below its level, never in idle (the host loop polls by itself).
    func testTheExternalEventSourceIsAskedInsideLongWorkOnly() {
        start()
        HostPort<NodeLike>.setExternalEventSource({
            NodeLike.note(43)
            HostPort<NodeLike>.latch(.networkReceive)
        }, level: 3)
        defer { HostPort<NodeLike>.setExternalEventSource(nil, level: 0) }
        XCTAssertNoThrow(try Node.spawn(.compute, 0))
        XCTAssertEqual((0..<5).map { NodeLike.events[$0] }, [40, 41, 43, 10, 42])
        HostPort<NodeLike>.preemptionPoint()   // idle: not asked
        XCTAssertEqual(NodeLike.eventCount, 5)
    }

    func testTheWorkedExampleOfTheNote() {
        typealias A = ResponseTimeAnalysis<WorkedExample>
        XCTAssertEqual(TaskSetFacts<WorkedExample>.ceiling(of: WorkedExample.Resource.r1.rawValue), 2)
        XCTAssertEqual(TaskSetFacts<WorkedExample>.ceiling(of: WorkedExample.Resource.r2.rawValue), 3)
        XCTAssertEqual(A.analyse(.t3), .init(blocking: 4, response: 34, schedulable: true, slack: 16))
        XCTAssertEqual(A.analyse(.t2), .init(blocking: 0, response: 90, schedulable: true, slack: 110))
        XCTAssertEqual(A.analyse(.t1), .init(blocking: 0, response: 100, schedulable: true, slack: 0))
        XCTAssertEqual(A.utilisationPPM(), 850_000)
        XCTAssertTrue(A.isSchedulable)
    }

    func testTheAnalysisTableShowsMeasuredMaximaBesideTheBudgets() {
        start()
        NodeLike.holdLockFor = .microseconds(500)
        XCTAssertNoThrow(try Node.spawn(.log, 0))
        let table = message { w in ResponseTimeAnalysis<NodeLike>.write(into: &w) { Node.statistics(of: $0) } }
        XCTAssertTrue(table.contains("readings        2        sample log\n"), table)
        XCTAssertTrue(table.contains("radio           3        receive log\n"), table)
        XCTAssertTrue(table.contains("sample          2  50       1000     100      0        50       50       0.050"), table)
        XCTAssertTrue(table.contains("measured: runs=1 max-run=0 max-blocking=500 overruns=1 overflows=0"), table)
    }
}
