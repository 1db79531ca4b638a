import LeveeBase

/// RTIC's `periodic` example over 10,000 periods: foo schedules its next run at
/// `scheduled + period` (an absolute time), so however late a run starts the releases stay on the
/// grid. The time driver starts runs late by a varying amount, sometimes by three periods.
public enum PeriodicScenario: TraceScenario {
    public enum Task: UInt8 { case foo }
    public enum Resource: UInt8 { case unused }
    public typealias Message = UInt32

    public static let name: StaticString = "periodic"
    public static let taskCount: UInt8 = 1
    public static let resourceCount: UInt8 = 0
    public static let priorityLevels: UInt8 = 1

    public static let period = Interval.milliseconds(1)
    public static let periods: UInt32 = 10_000

    nonisolated(unsafe) static var releases: UInt32 = 0
    nonisolated(unsafe) static var offGrid: UInt32 = 0
    nonisolated(unsafe) static var latest: UInt64 = 0
    nonisolated(unsafe) static var lastScheduled: UInt64 = 0

    public static func reset() { releases = 0; offGrid = 0; latest = 0; lastScheduled = 0 }

    public static func declaration(of task: Task) -> TaskDeclaration {
        TaskDeclaration("foo", priority: 1, kind: .software(capacity: 1),
                        timing: TaskTiming(budget: .microseconds(100), period: period))
    }

    public static func name(of resource: Resource) -> StaticString { "unused" }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        try? context.spawn(at: Instant.zero + period, .foo, 0)
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>)
        where Port.App == Self {
        releases += 1
        let scheduled = context.scheduled.microseconds
        let now = context.now().microseconds
        if scheduled != UInt64(widening: releases) &* period.microseconds { offGrid += 1 }
        if now &- scheduled > latest { latest = now &- scheduled }
        lastScheduled = scheduled
        if releases <= 3 {
            Trace.text("foo(scheduled = "); Trace.decimal(scheduled)
            Trace.text(", now = "); Trace.decimal(now); Trace.line(")")
        }
        if releases < periods {
            try? context.spawn(at: context.scheduled + period, .foo, 0)
        } else {
            Trace.text("periodic: "); Trace.decimal(releases); Trace.text(" releases, last scheduled = ")
            Trace.decimal(lastScheduled); Trace.text(", off the grid = "); Trace.decimal(offGrid)
            Trace.text(", latest start = "); Trace.decimal(latest); Trace.line(" us")
        }
    }

    public static func startOfTimerInterrupt(due: Instant) -> Instant { due + lateness(of: releases + 1) }

    /// How late the driver lets run k start: a varying amount under a period, and every 2,500th
    /// release three periods late (the runs it missed then catch up without moving the grid).
    public static func lateness(of release: UInt32) -> Interval {
        if release % 2_500 == 0 { return .microseconds(3 * period.microseconds + 250) }
        return .microseconds(UInt64(widening: (release &* 37) % 500))
    }
}
