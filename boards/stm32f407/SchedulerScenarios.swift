// The scheduler's trace scenarios on the chip, through the Cortex-M port: each prints its trace
// between `trace NAME begin` / `trace NAME end` lines; `make sched-qemu-traces` compares them with
// the host's golden files. The dispatcher vectors and SysTick serve the scenario that runs.
import LeveeBase
import LeveeScheduler

enum ActiveScenario {
    case none, lock, preempt, message, capacity, schedule, periodic, monotonic
    /// The node's own task set (NodeRun.swift).
    case node
}

nonisolated(unsafe) var activeScenario = ActiveScenario.none

enum SchedulerBoard {
    /// The dispatcher of `level` for the application that runs now.
    static func dispatch(level: UInt8) {
        switch activeScenario {
        case .none: break
        case .lock: Scheduler<CortexMPort<LockScenario>>.runLevel(level)
        case .preempt: Scheduler<CortexMPort<PreemptScenario>>.runLevel(level)
        case .message: Scheduler<CortexMPort<MessageScenario>>.runLevel(level)
        case .capacity: Scheduler<CortexMPort<CapacityScenario>>.runLevel(level)
        case .schedule: Scheduler<CortexMPort<ScheduleScenario>>.runLevel(level)
        case .periodic: Scheduler<CortexMPort<PeriodicScenario>>.runLevel(level)
        case .monotonic: Scheduler<CortexMPort<MonotonicCheck>>.runLevel(level)
        case .node: Scheduler<NodePort>.runLevel(level)
        }
    }

    /// SysTick: the monotonic's interrupt releases the due timers.
    static func monotonicInterrupt() {
        SysTickMonotonic.tickElapsed()
        switch activeScenario {
        case .none: break
        case .lock: Scheduler<CortexMPort<LockScenario>>.releaseDueTimers()
        case .preempt: Scheduler<CortexMPort<PreemptScenario>>.releaseDueTimers()
        case .message: Scheduler<CortexMPort<MessageScenario>>.releaseDueTimers()
        case .capacity: Scheduler<CortexMPort<CapacityScenario>>.releaseDueTimers()
        case .schedule: Scheduler<CortexMPort<ScheduleScenario>>.releaseDueTimers()
        case .periodic: Scheduler<CortexMPort<PeriodicScenario>>.releaseDueTimers()
        case .monotonic: Scheduler<CortexMPort<MonotonicCheck>>.releaseDueTimers()
        case .node: Scheduler<NodePort>.releaseDueTimers()
        }
    }

    /// Runs every scenario on the chip and prints its trace; returns the number that failed.
    static func runScenarios<Output: Console>(on console: inout Output) -> UInt32 {
        var failures: UInt32 = 0
        failures += play(.lock, LockScenario.self, &console)
        failures += play(.preempt, PreemptScenario.self, &console)
        failures += play(.message, MessageScenario.self, &console)
        failures += play(.capacity, CapacityScenario.self, &console)
        failures += play(.schedule, ScheduleScenario.self, &console)
        failures += play(.periodic, PeriodicScenario.self, &console)
        failures += checkMonotonic(&console)
        activeScenario = .none

        Trace.reset()
        Trace.write { ResponseTimeAnalysis<WorkedExample>.write(into: &$0) }
        printTrace("analysis", &console)

        var probed: UInt32 = 0
        do throws(SchedulerConfigurationError) {
            try Scheduler<CortexMPort<LockProbe>>.start()
            probed = lockProbe(.idle) &+ lockProbe(.idle)
        } catch {}
        if probed != 3 || Scheduler<CortexMPort<LockProbe>>.misuses != 0 {
            console.write("scheduler lock probe FAILED\n")
            failures += 1
        }
        return failures
    }

    static func play<App: TraceScenario, Output: Console>(
        _ scenario: ActiveScenario, _ app: App.Type, _ console: inout Output
    ) -> UInt32 {
        activeScenario = scenario
        let clean = TraceScenarios.play(CortexMPort<App>.self)
        printTrace(App.name, &console)
        if !clean { console.write("scheduler scenario FAILED: "); console.write(App.name); console.write("\n") }
        return clean ? 0 : 1
    }

    /// A timer released by the real SysTick counter (not the by-hand clock of the scenarios):
    /// spawn(after: 3 ms) must be released at the third 1 ms tick (3000 us), not before.
    static func checkMonotonic<Output: Console>(_ console: inout Output) -> UInt32 {
        activeScenario = .monotonic
        CortexMPort<MonotonicCheck>.resetTime()
        MonotonicCheck.releasedAt = 0
        do throws(SchedulerConfigurationError) { try Scheduler<CortexMPort<MonotonicCheck>>.start() } catch {}
        try? Scheduler<CortexMPort<MonotonicCheck>>.spawn(after: .milliseconds(3), .alarm, 0)
        SysTickMonotonic.start(tick: .milliseconds(1))
        // Idle until the alarm ran, or 50 ms of SysTick time passed (bounded by a spin count too,
        // so a SysTick that never counts fails the check instead of sleeping forever in wfi).
        var spins: UInt32 = 0
        while MonotonicCheck.releasedAt == 0 && CortexMPort<MonotonicCheck>.now().microseconds < 50_000
                && spins < 200_000_000 {
            spins &+= 1
        }
        SysTickMonotonic.stop()
        activeScenario = .none
        let passed = MonotonicCheck.releasedAt == 3_000
        console.write("monotonic: SysTick released spawn(after: 3 ms) at ")
        console.write(decimal: MonotonicCheck.releasedAt)
        console.write(passed ? " us (ok)\n" : " us (FAILED: expected 3000)\n")
        return passed ? 0 : 1
    }

    static func printTrace<Output: Console>(_ name: StaticString, _ console: inout Output) {
        console.write("trace "); console.write(name); console.write(" begin\n")
        Trace.withText { console.write($0) }
        console.write("trace "); console.write(name); console.write(" end\n")
    }
}

/// A lock and nothing else, for `make sched-lock-cost`: its disassembly is the price of a lock on
/// the chip (idle locks a resource of ceiling 2).
@inline(never) func lockProbe(_ context: TaskContext<CortexMPort<LockProbe>>) -> UInt32 {
    context.lock(LockProbe.Counter.self) { value in
        value &+= 1
        return value
    }
}

/// One software task for the SysTick check.
enum MonotonicCheck: TaskSet {
    enum Task: UInt8 { case alarm }
    enum Resource: UInt8 { case none }
    typealias Message = UInt32
    static let name: StaticString = "monotonic"
    static let taskCount: UInt8 = 1
    static let resourceCount: UInt8 = 0
    static let priorityLevels: UInt8 = 1
    nonisolated(unsafe) static var releasedAt: UInt64 = 0
    static func declaration(of task: Task) -> TaskDeclaration {
        TaskDeclaration("alarm", priority: 1, kind: .software(capacity: 1))
    }
    static func name(of resource: Resource) -> StaticString { "none" }
    static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>) where Port.App == Self {
        // The release instant: `now()` may be a tick later if the emulator fell behind.
        releasedAt = context.now() >= context.scheduled ? context.scheduled.microseconds : 1
    }
}

enum LockProbe: TaskSet {
    enum Task: UInt8 { case sensor }
    enum Resource: UInt8 { case counter }
    typealias Message = UInt32
    static let name: StaticString = "lock-probe"
    static let taskCount: UInt8 = 1
    static let resourceCount: UInt8 = 1
    static let priorityLevels: UInt8 = 2
    static var idleResources: ResourceSet { .of(Resource.counter) }
    static func declaration(of task: Task) -> TaskDeclaration {
        TaskDeclaration("sensor", priority: 2, kind: .software(capacity: 1), resources: .of(Resource.counter))
    }
    static func name(of resource: Resource) -> StaticString { "counter" }
    static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>) where Port.App == Self {}

    enum Counter: SharedResource {
        typealias App = LockProbe
        nonisolated(unsafe) static var storage = Shared(Resource.counter, UInt32(0))
    }
}

@c(LeveeDispatch1_IRQHandler) public func LeveeDispatch1_IRQHandler() { SchedulerBoard.dispatch(level: 1) }
@c(LeveeDispatch2_IRQHandler) public func LeveeDispatch2_IRQHandler() { SchedulerBoard.dispatch(level: 2) }
@c(LeveeDispatch3_IRQHandler) public func LeveeDispatch3_IRQHandler() { SchedulerBoard.dispatch(level: 3) }
@c(LeveeDispatch4_IRQHandler) public func LeveeDispatch4_IRQHandler() { SchedulerBoard.dispatch(level: 4) }
@c(LeveeDispatch5_IRQHandler) public func LeveeDispatch5_IRQHandler() { SchedulerBoard.dispatch(level: 5) }
@c(LeveeDispatch6_IRQHandler) public func LeveeDispatch6_IRQHandler() { SchedulerBoard.dispatch(level: 6) }
@c(LeveeDispatch7_IRQHandler) public func LeveeDispatch7_IRQHandler() { SchedulerBoard.dispatch(level: 7) }
@c(LeveeDispatch8_IRQHandler) public func LeveeDispatch8_IRQHandler() { SchedulerBoard.dispatch(level: 8) }
