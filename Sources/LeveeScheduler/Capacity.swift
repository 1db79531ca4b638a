/// The scheduler's fixed capacities. All of its state is static and sized by these numbers, so the
/// firmware budget counts it; a task set that needs more is rejected by `Scheduler.start()`.
public enum SchedulerCapacity {
    /// Tasks of one application (a bit each in 32-bit masks).
    public static let tasks = 32
    /// Shared resources of one application (a bit each in a task's declared set).
    public static let resources = 32
    /// Priority levels 1...levels. On the chip each level has a dispatcher interrupt.
    public static let levels = 8
    /// Queued messages of all software tasks together: each task's queue is carved out of this pool.
    public static let queuedMessages = 64
    /// Entries of the per-level ready queues together (one per queued message or hardware task).
    public static let readyEntries = 96
    /// Pending `spawnAt`/`spawnAfter` requests.
    public static let timers = 16
    /// Largest message a software task may take, in bytes.
    public static let messageBytes = 8
}
