import LeveeBase

/// RTIC's `capacity` example, plus the overflow: a queue of 4 takes four messages, the fifth is
/// refused with `SpawnError.queueFull` and counted in foo's statistics.
public enum CapacityScenario: TraceScenario {
    public enum Task: UInt8 { case uart0, foo, bar }
    public enum Resource: UInt8 { case unused }
    public typealias Message = UInt32

    public static let name: StaticString = "capacity"
    public static let taskCount: UInt8 = 3
    public static let resourceCount: UInt8 = 0
    public static let priorityLevels: UInt8 = 1

    public static func reset() {}

    public static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .uart0: TaskDeclaration("uart0", priority: 1, kind: .hardware(.line(0)))
        case .foo: TaskDeclaration("foo", priority: 1, kind: .software(capacity: 4))
        case .bar: TaskDeclaration("bar", priority: 1, kind: .software(capacity: 1))
        }
    }

    public static func name(of resource: Resource) -> StaticString { "unused" }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        Scheduler<Port>.interrupt(.line(0))
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>)
        where Port.App == Self {
        switch task {
        case .uart0:
            for x: UInt32 in 0...4 {
                do {
                    try context.spawn(.foo, x)
                } catch {
                    Trace.text("foo("); Trace.decimal(x); Trace.text(") refused: ")
                    Trace.line(error == .queueFull ? "queue full" : "other error")
                }
            }
            try? context.spawn(.bar, 0)
        case .foo:
            Trace.text("foo("); Trace.decimal(message); Trace.line(")")
        case .bar:
            Trace.line("bar")
        }
    }
}
