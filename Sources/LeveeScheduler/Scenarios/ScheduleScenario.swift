import LeveeBase

/// Timer queue ordering (RTIC's `schedule` example, extended): requests made out of order run in
/// deadline order, equal deadlines run by priority and then in the order they were made.
public enum ScheduleScenario: TraceScenario {
    public enum Task: UInt8 { case foo, bar, baz, urgent, qux }
    public enum Resource: UInt8 { case unused }
    public typealias Message = UInt32

    public static let name: StaticString = "schedule"
    public static let taskCount: UInt8 = 5
    public static let resourceCount: UInt8 = 0
    public static let priorityLevels: UInt8 = 2

    public static func reset() {}

    public static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .foo: TaskDeclaration("foo", priority: 1, kind: .software(capacity: 1))
        case .bar: TaskDeclaration("bar", priority: 1, kind: .software(capacity: 2))
        case .baz: TaskDeclaration("baz", priority: 2, kind: .software(capacity: 1))
        case .urgent: TaskDeclaration("urgent", priority: 2, kind: .software(capacity: 1))
        case .qux: TaskDeclaration("qux", priority: 1, kind: .software(capacity: 1))
        }
    }

    public static func name(of resource: Resource) -> StaticString { "unused" }

    static func stamp(_ label: StaticString, _ context: TaskContext<some SchedulerPort>) {
        Trace.text(label); Trace.text(" @ "); Trace.decimal(context.now().microseconds); Trace.newline()
    }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        stamp("init", context)
        try? context.spawn(after: .milliseconds(8), .foo, 0)
        try? context.spawn(after: .milliseconds(4), .bar, 1)
        try? context.spawn(after: .milliseconds(4), .bar, 2)
        try? context.spawn(after: .milliseconds(2), .urgent, 0)
        try? context.spawn(at: Instant(microseconds: 4_000), .baz, 0)
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>)
        where Port.App == Self {
        switch task {
        case .foo:
            stamp("foo", context)
            try? context.spawn(after: .milliseconds(1), .qux, 0)
        case .bar:
            Trace.text("bar("); Trace.decimal(message); Trace.text(")")
            stamp("", context)
        case .baz: stamp("baz", context)
        case .urgent: stamp("urgent", context)
        case .qux: stamp("qux", context)
        }
    }
}
