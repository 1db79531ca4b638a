/// Per-task counters kept in fixed storage; durations in the port's microseconds.
public struct TaskStatistics: Equatable, Sendable {
    /// Completed runs.
    public var runs: UInt32 = 0
    /// Times this task was interrupted by a higher-priority task.
    public var preemptions: UInt32 = 0
    /// Spawns refused because the task's queue was full (the caller got `SpawnError.queueFull`).
    public var queueOverflows: UInt32 = 0
    /// Runs that finished later than release + deadline.
    public var deadlineOverruns: UInt32 = 0
    /// Longest time from start to completion (preemptions included).
    public var longestRun: UInt64 = 0
    /// Longest time the task waited, ready, behind a lock of a lower-priority task.
    public var longestBlocking: UInt64 = 0

    public init() {}
}
