import LeveeBase

/// A shared resource: a type whose static storage holds the value, e.g.
/// ```
/// enum Counter: SharedResource {
///     typealias App = MyApp
///     nonisolated(unsafe) static var storage = Shared(MyApp.Resource.counter, UInt32(0))
/// }
/// ```
/// The value inside `Shared` is internal to the scheduler: the only way to reach it is
/// `TaskContext.lock(Counter.self) { value in ... }`, which checks the declaration and raises the
/// ceiling. (A type rather than an `inout` argument: the access to the storage then lasts exactly
/// as long as the closure, and ends before the unlock lets a waiting task of the same resource run.)
public protocol SharedResource {
    associatedtype App: TaskSet
    associatedtype Value
    static var storage: Shared<App.Resource, Value> { get set }
}

/// The storage of a shared resource: its number and its value (reachable only through `lock`).
public struct Shared<Resource: RawRepresentable<UInt8>, Value> {
    public let resource: Resource
    @usableFromInline var value: Value

    public init(_ resource: Resource, _ initial: Value) {
        self.resource = resource
        self.value = initial
    }
}

/// What a running task (or `initialize`, or idle) may do. Passed to every handler.
public struct TaskContext<Port: SchedulerPort> {
    public typealias App = Port.App

    /// The running task's number, `KernelState.noTask` in init and idle.
    @usableFromInline let running: UInt8
    /// The resources the running task declared (idle's in init and idle): the lock's check.
    @usableFromInline let declared: UInt32
    /// The instant this run was released for: the deadline of a timer, the time of a spawn or pend.
    /// Periodic tasks schedule their next run at `scheduled + period`, so they never drift.
    public let scheduled: Instant

    init(task: UInt8, scheduled: Instant) {
        self.running = task
        self.declared = task == KernelState.noTask ? kernel.idleDeclared : kernel.declared[Int(task & 31)]
        self.scheduled = scheduled
    }

    /// The idle context, for code that runs at priority 0 after `start()` (the host's main loop).
    public static var idle: TaskContext<Port> { TaskContext(task: KernelState.noTask, scheduled: Port.now()) }

    /// The running task, nil in init and idle.
    public var task: App.Task? { App.Task(rawValue: running) }

    public func now() -> Instant { Port.now() }

    public func spawn(_ task: App.Task, _ message: App.Message) throws(SpawnError) {
        try Scheduler<Port>.spawn(task, message)
    }

    public func spawn(at instant: Instant, _ task: App.Task, _ message: App.Message) throws(SpawnError) {
        try Scheduler<Port>.spawn(at: instant, task, message)
    }

    public func spawn(after delay: Interval, _ task: App.Task, _ message: App.Message) throws(SpawnError) {
        try Scheduler<Port>.spawn(after: delay, task, message)
    }

    public func pend(_ task: App.Task) { Scheduler<Port>.pend(task) }

    /// Long work calls this every so often (the Wasm interpreter every N instructions): pending
    /// work of a higher priority runs now, as an interrupt would between two instructions.
    @inline(__always) public func preemptionPoint() { Port.preemptionPoint() }

    /// Runs `body` on the resource's value with the system ceiling raised to the resource's
    /// ceiling (SRP): no task that uses the resource can start until it returns; tasks above the
    /// ceiling still preempt. At return the ceiling drops and what became runnable runs.
    ///
    /// A resource this task did not declare is a misuse: it is recorded and the body runs at the
    /// highest ceiling (every task masked), which is safe whatever the declarations say.
    @inline(__always)
    public func lock<R: SharedResource, Result>(_ resource: R.Type, _ body: (inout R.Value) -> Result) -> Result
        where R.App == App {
        let r = R.storage.resource.rawValue
        var mask = kernel.ceilingMask[Int(r & 31)]
        if r >= 32 || declared & (1 &<< UInt32(r)) == 0 {
            Scheduler<Port>.recordMisuse(.undeclaredResource(task: running, resource: r))
            mask = Port.ceilingMask(for: kernel.levels)
        }
        let value = address(of: R.self)
        let token = Port.raiseCeiling(toMask: mask)
        let result = body(&value.pointee.value)
        Port.restoreCeiling(token)
        return result
    }

    /// Direct access to a resource all of whose users run at one priority (RTIC: no lock needed,
    /// none of them can preempt another). Using it on a resource shared across priorities is a
    /// misuse: recorded, and the body then runs under `lock`.
    @inline(__always)
    public func access<R: SharedResource, Result>(_ resource: R.Type, _ body: (inout R.Value) -> Result) -> Result
        where R.App == App {
        let r = R.storage.resource.rawValue
        guard r < 32, declared & (1 &<< UInt32(r)) != 0, kernel.ceiling[Int(r)] == kernel.priorityOfRunning() else {
            Scheduler<Port>.recordMisuse(.lockNeeded(task: running, resource: r))
            return lock(resource, body)
        }
        return body(&address(of: R.self).pointee.value)
    }

    /// The address of a resource's static storage, taken once and kept in the kernel. A generic
    /// access to `R.storage` goes through its `modify` accessor, which an unspecialised (debug)
    /// host build runs as a coroutine with a heap-allocated frame; through the address, a lock
    /// allocates nothing in any build. A static stored variable never moves, so its address stays
    /// valid after `withUnsafeMutablePointer` returns.
    @inline(__always)
    func address<R: SharedResource>(of resource: R.Type) -> UnsafeMutablePointer<Shared<App.Resource, R.Value>>
        where R.App == App {
        let slot = Int(R.storage.resource.rawValue & 31)
        if let known = kernel.resourceAddress[slot] {
            return known.assumingMemoryBound(to: Shared<App.Resource, R.Value>.self)
        }
        let fresh = withUnsafeMutablePointer(to: &R.storage) { $0 }
        kernel.resourceAddress[slot] = UnsafeMutableRawPointer(fresh)
        return fresh
    }
}
