import LeveeBase

/// An application's static task set: implemented by an enum (or caseless enum) with static members.
///
/// Tasks and resources are enums with `UInt8` raw values numbered 0..<count. Handlers are static
/// functions (never capturing closures); ceilings are derived from `declaration(of:).resources`.
public protocol TaskSet {
    associatedtype Task: RawRepresentable<UInt8>
    associatedtype Resource: RawRepresentable<UInt8>
    /// What a software task receives; at most `SchedulerCapacity.messageBytes` bytes.
    associatedtype Message: BitwiseCopyable

    static var name: StaticString { get }
    /// Tasks are `Task(rawValue: 0)` ..< `Task(rawValue: taskCount)`.
    static var taskCount: UInt8 { get }
    /// Resources are `Resource(rawValue: 0)` ..< `Resource(rawValue: resourceCount)`.
    static var resourceCount: UInt8 { get }
    /// Priorities run from 1 to `priorityLevels` (at most `SchedulerCapacity.levels`).
    static var priorityLevels: UInt8 { get }

    static func declaration(of task: Task) -> TaskDeclaration
    static func name(of resource: Resource) -> StaticString
    /// Resources `idle` (and `initialize`) lock: they count at priority 0 for the ceilings.
    static var idleResources: ResourceSet { get }
    /// The longest critical section `task` holds on `resource`, for the analysis (zero if none).
    static func criticalSection(of task: Task, on resource: Resource) -> Interval

    /// `init` of RTIC: runs first with interrupts masked; may spawn, pend and schedule.
    static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self
    /// Runs one task to completion.
    static func run<Port: SchedulerPort>(_ task: Task, _ message: Message, _ context: TaskContext<Port>)
        where Port.App == Self
}

extension TaskSet {
    public static var idleResources: ResourceSet { .none }
    public static func criticalSection(of task: Task, on resource: Resource) -> Interval { .zero }
    public static func initialize<Port: SchedulerPort>(_ context: TaskContext<Port>) where Port.App == Self {}
}

/// What starts a task: an interrupt source (hardware task) or a spawn with a message (software task).
public enum TaskKind: Equatable {
    /// Bound to an interrupt source; pends coalesce like an interrupt's pending bit.
    case hardware(InterruptSource)
    /// Spawned with a message into a queue of `capacity` entries (at least 1).
    case software(capacity: UInt8)
}

/// An event that starts a hardware task. The host board latches these from `poll`; the chip's
/// interrupt handlers raise them.
public struct InterruptSource: Equatable, Sendable {
    public var number: UInt8
    public init(_ number: UInt8) { self.number = number }
    public static let networkReceive = InterruptSource(0)
    public static let timerExpired = InterruptSource(1)
    public static let sensorConversion = InterruptSource(2)
    /// A general-purpose line (RTIC's examples use GPIOA, GPIOB, ...).
    public static func line(_ n: UInt8) -> InterruptSource { InterruptSource(16 &+ n) }
}

/// A set of resources, one bit per resource raw value.
public struct ResourceSet: Equatable, Sendable {
    public var bits: UInt32
    public init(bits: UInt32) { self.bits = bits }
    public static let none = ResourceSet(bits: 0)
    public static func of<R: RawRepresentable<UInt8>>(_ a: R) -> ResourceSet {
        ResourceSet(bits: bit(a.rawValue))
    }
    public static func of<R: RawRepresentable<UInt8>>(_ a: R, _ b: R) -> ResourceSet {
        ResourceSet(bits: bit(a.rawValue) | bit(b.rawValue))
    }
    public static func of<R: RawRepresentable<UInt8>>(_ a: R, _ b: R, _ c: R) -> ResourceSet {
        ResourceSet(bits: bit(a.rawValue) | bit(b.rawValue) | bit(c.rawValue))
    }
    public func contains(raw: UInt8) -> Bool { raw < 32 && bits & ResourceSet.bit(raw) != 0 }
    /// Raw values of 32 and above have no bit: `start()` rejects them before this matters.
    static func bit(_ raw: UInt8) -> UInt32 { raw < 32 ? 1 &<< UInt32(raw) : 0 }
}

/// Declared timing of a task, for the response-time analysis and the overrun counter.
public struct TaskTiming: Equatable, Sendable {
    /// Worst-case execution time C.
    public var budget: Interval
    /// Period or minimum inter-arrival time T.
    public var period: Interval
    /// Relative deadline D (defaults to T).
    public var deadline: Interval

    public init(budget: Interval, period: Interval, deadline: Interval? = nil) {
        self.budget = budget
        self.period = period
        self.deadline = deadline ?? period
    }
    public static let undeclared = TaskTiming(budget: .zero, period: .zero)
    public var isDeclared: Bool { period.microseconds > 0 }
}

/// One row of the static task table.
public struct TaskDeclaration {
    public var name: StaticString
    public var priority: UInt8
    public var kind: TaskKind
    public var resources: ResourceSet
    public var timing: TaskTiming

    public init(_ name: StaticString, priority: UInt8, kind: TaskKind,
                resources: ResourceSet = .none, timing: TaskTiming = .undeclared) {
        self.name = name
        self.priority = priority
        self.kind = kind
        self.resources = resources
        self.timing = timing
    }
}

/// Facts derived from a task set: the one place ceilings are computed (scheduler and analysis).
public enum TaskSetFacts<App: TaskSet> {
    /// The highest priority among the declared users of `resource` (0 when only idle uses it).
    public static func ceiling(of resource: UInt8) -> UInt8 {
        var highest: UInt8 = 0
        var t: UInt8 = 0
        while t < App.taskCount {
            if let task = App.Task(rawValue: t) {
                let d = App.declaration(of: task)
                if d.resources.contains(raw: resource) && d.priority > highest { highest = d.priority }
            }
            t &+= 1
        }
        return highest
    }

    /// Whether the declared users of `resource` all run at one priority (then a lock costs nothing:
    /// the ceiling equals the running priority).
    public static func isLocal(_ resource: UInt8) -> Bool {
        var first: UInt8? = App.idleResources.contains(raw: resource) ? 0 : nil
        var t: UInt8 = 0
        while t < App.taskCount {
            if let task = App.Task(rawValue: t) {
                let d = App.declaration(of: task)
                if d.resources.contains(raw: resource) {
                    if let p = first, p != d.priority { return false }
                    first = d.priority
                }
            }
            t &+= 1
        }
        return true
    }
}
