import LeveeBase

/// RTIC's `lock` example: a task pended inside a critical section waits for the unlock when the
/// resource's ceiling covers it (bar, D), and preempts inside it when it is above (baz, C).
public enum LockScenario: TraceScenario {
    public enum Task: UInt8 { case foo, bar, baz }
    public enum Resource: UInt8 { case shared }
    public typealias Message = UInt32

    public static let name: StaticString = "lock"
    public static let taskCount: UInt8 = 3
    public static let resourceCount: UInt8 = 1
    public static let priorityLevels: UInt8 = 3

    enum SharedCounter: SharedResource {
        typealias App = LockScenario
        nonisolated(unsafe) static var storage = Shared(Resource.shared, UInt32(0))
    }

    public static func reset() { SharedCounter.storage = Shared(Resource.shared, 0) }

    public static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .foo: TaskDeclaration("foo", priority: 1, kind: .hardware(.line(0)), resources: .of(Resource.shared))
        case .bar: TaskDeclaration("bar", priority: 2, kind: .hardware(.line(1)), resources: .of(Resource.shared))
        case .baz: TaskDeclaration("baz", priority: 3, kind: .hardware(.line(2)))
        }
    }

    public static func name(of resource: Resource) -> StaticString { "shared" }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        context.pend(.foo)
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>)
        where Port.App == Self {
        switch task {
        case .foo:
            Trace.line("A")
            context.lock(SharedCounter.self) { value in
                value += 1
                context.pend(.bar)   // ceiling 2 covers bar: it waits for the unlock
                Trace.text("B - shared = "); Trace.decimal(value); Trace.newline()
                context.pend(.baz)   // baz does not use `shared`: it runs now
            }
            Trace.line("E")
        case .bar:
            let value = context.lock(SharedCounter.self) { value in
                value += 1
                return value
            }
            Trace.text("D - shared = "); Trace.decimal(value); Trace.newline()
        case .baz:
            Trace.line("C")
        }
    }
}
