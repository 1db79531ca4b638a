// sched-bench: the host cost of the scheduler's hot paths, release build (`make bench-sched`).
// Not a test: figures vary with the machine; compare only numbers from one run.
//
// - lock/unlock: a priority-1 task locks a resource of ceiling 2, N times.
// - spawn-to-dispatch: idle spawns a priority-1 task that returns at once (queue, pend, dispatch,
//   run, return), N times; and a priority-1 task spawning a priority-2 task (immediate preemption).
// - timer: spawn(after:) plus the release by advanceTime, N times.
// Every figure is the best of 5 rounds; the allocations made during all rounds are counted.
import Glibc
import LeveeBase
import LeveeMallocCounter
import LeveeScheduler

enum Bench: TaskSet {
    enum Task: UInt8 { case locker, empty, spawner, high, timed }
    enum Resource: UInt8 { case counter }
    typealias Message = UInt32
    static let name: StaticString = "bench"
    static let taskCount: UInt8 = 5
    static let resourceCount: UInt8 = 1
    static let priorityLevels: UInt8 = 2

    static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .locker: TaskDeclaration("locker", priority: 1, kind: .software(capacity: 1), resources: .of(Resource.counter))
        case .empty: TaskDeclaration("empty", priority: 1, kind: .software(capacity: 1))
        case .spawner: TaskDeclaration("spawner", priority: 1, kind: .software(capacity: 1))
        case .high: TaskDeclaration("high", priority: 2, kind: .software(capacity: 1), resources: .of(Resource.counter))
        case .timed: TaskDeclaration("timed", priority: 1, kind: .software(capacity: 1))
        }
    }
    static func name(of resource: Resource) -> StaticString { "counter" }

    enum Counter: SharedResource {
        typealias App = Bench
        nonisolated(unsafe) static var storage = Shared(Resource.counter, UInt64(0))
    }

    nonisolated(unsafe) static var iterations: UInt32 = 0

    static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>) where Port.App == Self {
        switch task {
        case .locker:
            for _ in 0..<iterations { context.lock(Counter.self) { $0 &+= 1 } }
        case .spawner:
            for _ in 0..<iterations { try? context.spawn(.high, 0) }
        case .empty, .high, .timed:
            break
        }
    }
}

typealias S = Scheduler<HostPort<Bench>>

func nanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Best of 5 rounds, in nanoseconds per operation.
func measure(_ n: UInt32, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<5 {
        let start = nanoseconds()
        body()
        let per = Double(nanoseconds() - start) / Double(n)
        if per < best { best = per }
    }
    return best
}

func row(_ label: String, _ ns: Double) {
    let padded = label + String(repeating: " ", count: max(0, 46 - label.count))
    let tenths = (ns * 10).rounded()
    print("\(padded) \(Int(tenths) / 10).\(Int(tenths) % 10) ns")
}

let n: UInt32 = 1_000_000
do { try S.start() } catch { print("bench: start refused"); exit(1) }
Bench.iterations = n

var sink: UInt64 = 0
let baseline = measure(n) { for i in 0..<n { sink &+= UInt64(i) &* 3 } }
// One pass of everything first: an unspecialised build instantiates generic metadata on first use.
Bench.iterations = 1
try? S.spawn(.locker, 0); try? S.spawn(.empty, 0); try? S.spawn(.spawner, 0)
try? S.spawn(after: .microseconds(10), .timed, 0); HostPort<Bench>.advanceTime(by: .microseconds(10))
Bench.iterations = n
levee_malloc_counter_begin()
let lock = measure(n) { try? S.spawn(.locker, 0) }
let spawn = measure(n) { for _ in 0..<n { try? S.spawn(.empty, 0) } }
let preempt = measure(n) { try? S.spawn(.spawner, 0) }
let timer = measure(n) {
    for _ in 0..<n {
        try? S.spawn(after: .microseconds(10), .timed, 0)
        HostPort<Bench>.advanceTime(by: .microseconds(10))
    }
}
let allocations = levee_malloc_counter_end()

print("sched-bench (host, release, best of 5 rounds of \(n))")
row("loop overhead (reference)", baseline)
row("lock + unlock (ceiling 2, from priority 1)", lock)
row("spawn from idle -> dispatch -> return", spawn)
row("spawn of a higher task -> preempt -> return", preempt)
row("spawn(after:) + timer release + dispatch", timer)
print("heap allocations during all rounds: \(allocations)")
print("runs: empty=\(S.statistics(of: .empty).runs) high=\(S.statistics(of: .high).runs) timed=\(S.statistics(of: .timed).runs) (sink \(sink & 1))")
exit(allocations == 0 ? 0 : 1)
