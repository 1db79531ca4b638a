import LeveeBase
import LeveeScheduler

/// Task sets declared wrongly: `start()` must refuse each with a clear message.
enum PriorityTooHigh: TaskSet {
    enum Task: UInt8 { case sampler }
    enum Resource: UInt8 { case none }
    typealias Message = UInt32
    static let name: StaticString = "priority-too-high"
    static let taskCount: UInt8 = 1
    static let resourceCount: UInt8 = 0
    static let priorityLevels: UInt8 = 3
    static func declaration(of task: Task) -> TaskDeclaration {
        TaskDeclaration("sampler", priority: 4, kind: .software(capacity: 1))
    }
    static func name(of resource: Resource) -> StaticString { "none" }
    static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>) where Port.App == Self {}
}

enum ZeroCapacity: TaskSet {
    enum Task: UInt8 { case logger }
    enum Resource: UInt8 { case none }
    typealias Message = UInt32
    static let name: StaticString = "zero-capacity"
    static let taskCount: UInt8 = 1
    static let resourceCount: UInt8 = 0
    static let priorityLevels: UInt8 = 1
    static func declaration(of task: Task) -> TaskDeclaration {
        TaskDeclaration("logger", priority: 1, kind: .software(capacity: 0))
    }
    static func name(of resource: Resource) -> StaticString { "none" }
    static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>) where Port.App == Self {}
}

enum TooManyLevels: TaskSet {
    enum Task: UInt8 { case a }
    enum Resource: UInt8 { case none }
    typealias Message = UInt32
    static let name: StaticString = "too-many-levels"
    static let taskCount: UInt8 = 1
    static let resourceCount: UInt8 = 0
    static let priorityLevels: UInt8 = 9
    static func declaration(of task: Task) -> TaskDeclaration {
        TaskDeclaration("a", priority: 1, kind: .software(capacity: 1))
    }
    static func name(of resource: Resource) -> StaticString { "none" }
    static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>) where Port.App == Self {}
}

enum LargeMessage: TaskSet {
    enum Task: UInt8 { case a }
    enum Resource: UInt8 { case none }
    typealias Message = (UInt64, UInt64)
    static let name: StaticString = "large-message"
    static let taskCount: UInt8 = 1
    static let resourceCount: UInt8 = 0
    static let priorityLevels: UInt8 = 1
    static func declaration(of task: Task) -> TaskDeclaration {
        TaskDeclaration("a", priority: 1, kind: .software(capacity: 1))
    }
    static func name(of resource: Resource) -> StaticString { "none" }
    static func run<Port: SchedulerPort>(_ task: Task, _ message: Message, _ context: TaskContext<Port>) where Port.App == Self {}
}

/// A node-like task set for the behaviour tests: a network receive interrupt, a sensor reader, a
/// logger with a queue, a long computation with preemption points, two resources.
enum NodeLike: TaskSet {
    enum Task: UInt8 { case receive, sample, log, compute, rogue }
    enum Resource: UInt8 { case readings, radio, unused, tally }
    typealias Message = UInt32

    static let name: StaticString = "node-like"
    static let taskCount: UInt8 = 5
    static let resourceCount: UInt8 = 4
    static let priorityLevels: UInt8 = 3

    static func declaration(of task: Task) -> TaskDeclaration {
        switch task {
        case .receive: TaskDeclaration("receive", priority: 3, kind: .hardware(.networkReceive), resources: .of(Resource.radio))
        case .sample: TaskDeclaration("sample", priority: 2, kind: .software(capacity: 2), resources: .of(Resource.readings),
                                      timing: TaskTiming(budget: .microseconds(50), period: .milliseconds(1), deadline: .microseconds(100)))
        case .log: TaskDeclaration("log", priority: 1, kind: .software(capacity: 4), resources: .of(Resource.readings, .radio, .tally))
        case .compute: TaskDeclaration("compute", priority: 1, kind: .software(capacity: 1), resources: .of(Resource.tally))
        case .rogue: TaskDeclaration("rogue", priority: 1, kind: .software(capacity: 1))
        }
    }

    static func name(of resource: Resource) -> StaticString {
        switch resource {
        case .readings: "readings"
        case .radio: "radio"
        case .unused: "unused"
        case .tally: "tally"
        }
    }

    enum Readings: SharedResource {
        typealias App = NodeLike
        nonisolated(unsafe) static var storage = Shared(Resource.readings, UInt32(0))
    }
    enum Radio: SharedResource {
        typealias App = NodeLike
        nonisolated(unsafe) static var storage = Shared(Resource.radio, UInt32(0))
    }

    /// Used by log and compute, both at priority 1: local, no lock needed.
    enum Tally: SharedResource {
        typealias App = NodeLike
        nonisolated(unsafe) static var storage = Shared(Resource.tally, UInt32(0))
    }

    /// What the handlers do in a test: set before each test.
    nonisolated(unsafe) static var holdLockFor = Interval.zero
    nonisolated(unsafe) static var events = InlineArray<64, UInt8>(repeating: 0)
    nonisolated(unsafe) static var eventCount = 0

    static func reset() {
        holdLockFor = .zero
        eventCount = 0
        Readings.storage = Shared(Resource.readings, 0)
        Radio.storage = Shared(Resource.radio, 0)
    }

    static func note(_ event: UInt8) {
        if eventCount < events.count { events[eventCount] = event; eventCount += 1 }
    }

    static func run<Port: SchedulerPort>(_ task: Task, _ message: UInt32, _ context: TaskContext<Port>) where Port.App == Self {
        switch task {
        case .receive:
            note(10)
            context.lock(Radio.self) { $0 += 1 }
        case .sample:
            note(20)
            context.lock(Readings.self) { $0 += message }
        case .log:
            note(30)
            context.lock(Readings.self) { readings in
                if holdLockFor > .zero {
                    try? context.spawn(.sample, 1)   // blocked by the lock until it ends
                    HostPort<NodeLike>.advanceTime(by: holdLockFor)
                }
                readings += 0
            }
            context.lock(Radio.self) { $0 += 1 }
            context.access(Tally.self) { $0 += 1 }
        case .compute:
            note(40)
            // Long work: the host loop latches a datagram, then the work reaches a preemption point.
            HostPort<NodeLike>.latch(.networkReceive)
            note(41)
            context.preemptionPoint()
            note(42)
        case .rogue:
            if message == 0 {
                context.lock(Radio.self) { $0 += 100 }         // a resource it did not declare
            } else {
                context.access(Readings.self) { $0 += 100 }    // shared across priorities: needs lock
            }
        }
    }
}
