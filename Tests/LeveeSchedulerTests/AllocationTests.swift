import LeveeBase
import LeveeMallocCounter
import LeveeScheduler
import XCTest

/// Spawn, lock, dispatch and the timer queue allocate nothing: counted by a malloc interposer
/// (thread-local, so other threads cannot disturb the count) around a busy period.
final class AllocationTests: XCTestCase {
    typealias Node = Scheduler<HostPort<NodeLike>>

    /// Interrupts, spawns, locks at every level, preemption points, timers released out of order.
    func busyPeriod(rounds: Int) {
        for round in 0..<rounds {
            HostPort<NodeLike>.latch(.networkReceive)
            try? Node.spawn(.log, UInt32(truncatingIfNeeded: round))
            try? Node.spawn(.sample, 1)
            try? Node.spawn(.sample, 2)
            try? Node.spawn(after: .microseconds(UInt64(200 - round % 7)), .sample, 4)
            try? Node.spawn(after: .microseconds(100), .log, 5)
            HostPort<NodeLike>.preemptionPoint()
            HostPort<NodeLike>.advanceTime(by: .microseconds(250))
        }
    }

    func testTheCounterSeesAnAllocation() {
        levee_malloc_counter_begin()
        let array = [Int](repeating: 7, count: 1_000 + Int.random(in: 0..<2))
        let count = levee_malloc_counter_end()
        XCTAssertEqual(array[0], 7)
        XCTAssertGreaterThan(count, 0)
    }

    func testABusyPeriodAllocatesNothing() throws {
        NodeLike.reset()
        HostPort<NodeLike>.resetTime()
        try Node.start()
        busyPeriod(rounds: 10)   // warm-up: the host runtime may instantiate metadata once
        let runsBefore = Node.statistics(of: .sample).runs
        levee_malloc_counter_begin()
        busyPeriod(rounds: 1_000)
        let allocations = levee_malloc_counter_end()
        XCTAssertEqual(allocations, 0)
        XCTAssertEqual(Node.statistics(of: .sample).runs - runsBefore, 3_000)
        XCTAssertGreaterThan(Node.statistics(of: .receive).runs, 1_000)
    }
}
