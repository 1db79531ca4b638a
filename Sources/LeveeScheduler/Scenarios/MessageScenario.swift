import LeveeBase

/// RTIC's `message` example: software tasks pass messages to each other through their queues.
public enum MessageScenario: TraceScenario {
    public enum Task: UInt8 { case foo, bar, baz }
    public enum Resource: UInt8 { case unused }
    /// bar takes x, baz takes (x, y): one 8-byte message type serves the three tasks.
    public struct Message: BitwiseCopyable {
        public var x: UInt32
        public var y: UInt32
        public init(_ x: UInt32, _ y: UInt32 = 0) { self.x = x; self.y = y }
    }

    public static let name: StaticString = "message"
    public static let taskCount: UInt8 = 3
    public static let resourceCount: UInt8 = 0
    public static let priorityLevels: UInt8 = 1

    /// foo's local state (RTIC's `static mut COUNT` in a task).
    nonisolated(unsafe) static var count: UInt32 = 0

    public static func reset() { count = 0 }

    public static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .foo: TaskDeclaration("foo", priority: 1, kind: .software(capacity: 1))
        case .bar: TaskDeclaration("bar", priority: 1, kind: .software(capacity: 1))
        case .baz: TaskDeclaration("baz", priority: 1, kind: .software(capacity: 1))
        }
    }

    public static func name(of resource: Resource) -> StaticString { "unused" }

    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {
        try? context.spawn(.foo, Message(0))
    }

    public static func run<Port: SchedulerPort>(_ task: Task, _ message: Message, _ context: TaskContext<Port>)
        where Port.App == Self {
        switch task {
        case .foo:
            Trace.line("foo")
            try? context.spawn(.bar, Message(count))
            count += 1
        case .bar:
            Trace.text("bar("); Trace.decimal(message.x); Trace.line(")")
            try? context.spawn(.baz, Message(message.x, message.x + 1))
        case .baz:
            Trace.text("baz("); Trace.decimal(message.x); Trace.text(", "); Trace.decimal(message.y); Trace.line(")")
            if message.x + message.y <= 4 { try? context.spawn(.foo, Message(0)) }
        }
    }
}
