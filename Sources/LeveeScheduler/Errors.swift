/// Why `Scheduler.start()` refused a task set. Each case names the task or resource by raw value;
/// `Scheduler.describe(_:into:)` writes the message with the declared names.
public enum SchedulerConfigurationError: Error, Equatable {
    case tooManyTasks(UInt8)
    case tooManyResources(UInt8)
    case tooManyLevels(UInt8)
    case missingTask(UInt8)
    case priorityZero(task: UInt8)
    case priorityAboveLevels(task: UInt8, priority: UInt8)
    case zeroCapacity(task: UInt8)
    case undeclaredResourceNumber(task: UInt8, resource: UInt8)
    case sourceBoundTwice(task: UInt8)
    case messagePoolExceeded(needed: UInt32)
    case readyPoolExceeded(needed: UInt32)
    case messageTooLarge(bytes: UInt32)
}

/// Why a spawn was refused. A full queue is also counted in the task's statistics.
public enum SpawnError: Error, Equatable {
    case queueFull
    case timerQueueFull
    /// The task is a hardware task (spawn) or a software task (pend): see `SchedulerMisuse`.
    case wrongKind
}
