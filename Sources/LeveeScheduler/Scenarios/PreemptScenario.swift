import LeveeBase

/// RTIC's `preempt` example: a higher-priority spawn runs at once, one of equal priority waits for
/// the running task to finish.
public enum PreemptScenario: TraceScenario {
    public enum Task: UInt8 { case foo, bar, baz }
    public enum Resource: UInt8 { case unused }
    public typealias Message = UInt32

    public static let name: StaticString = "preempt"
    public static let taskCount: UInt8 = 3
    public static let resourceCount: UInt8 = 0
    public static let priorityLevels: UInt8 = 2

    public static func reset() {}

    public static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .foo: TaskDeclaration("foo", priority: 1, kind: .software(capacity: 1))
        case .bar: TaskDeclaration("bar", priority: 2, kind: .software(capacity: 1))
        case .baz: TaskDeclaration("baz", priority: 2, kind: .software(capacity: 1))
        }
    }

    public static func name(of resource: Resource) -> StaticString { "unused" }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        try? context.spawn(.foo, 0)
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>)
        where Port.App == Self {
        switch task {
        case .foo:
            Trace.line("foo - start")
            try? context.spawn(.baz, 0)
            Trace.line("foo - end")
        case .bar:
            Trace.line(" bar")
        case .baz:
            Trace.line(" baz - start")
            try? context.spawn(.bar, 0)
            Trace.line(" baz - end")
        }
    }
}
