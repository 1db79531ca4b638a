import LeveeBase

/// The scheduler's whole state: one static instance, sized by `SchedulerCapacity` (the literal
/// counts of the InlineArrays below are those constants; the self-checks compare them).
///
/// Tables are indexed by task raw value; queues of all software tasks share one message pool and
/// the ready queues of all levels share one pool of entries, each carved out by `Scheduler.start()`.
struct KernelState {
    static let noTask: UInt8 = 0xFF

    var taskCount: UInt8 = 0
    var levels: UInt8 = 0

    // ---- the task table, derived from the declarations
    var priority = InlineArray<32, UInt8>(repeating: 0)
    var declared = InlineArray<32, UInt32>(repeating: 0)
    var deadline = InlineArray<32, UInt64>(repeating: 0)
    /// Source number + 1 for hardware tasks, 0 for software tasks.
    var source = InlineArray<32, UInt8>(repeating: 0)
    var idleDeclared: UInt32 = 0
    var ceiling = InlineArray<32, UInt8>(repeating: 0)
    /// The port's encoding of each ceiling (BASEPRI's value on the chip).
    var ceilingMask = InlineArray<32, UInt8>(repeating: 0)
    /// Where each resource's `Shared` storage lives (filled at its first lock).
    var resourceAddress = InlineArray<32, UnsafeMutableRawPointer?>(repeating: nil)

    // ---- message queues of software tasks (capacity 0 = hardware task)
    var queueStart = InlineArray<32, UInt8>(repeating: 0)
    var queueCapacity = InlineArray<32, UInt8>(repeating: 0)
    var queueHead = InlineArray<32, UInt8>(repeating: 0)
    var queueCount = InlineArray<32, UInt8>(repeating: 0)
    var messages = InlineArray<64, UInt64>(repeating: 0)
    var messageRelease = InlineArray<64, UInt64>(repeating: 0)

    // ---- hardware tasks: coalescing pending bits and the instant of the pend
    var pendingHardware: UInt32 = 0
    var hardwareRelease = InlineArray<32, UInt64>(repeating: 0)

    // ---- per-level ready queues (FIFO of task numbers, index = level)
    var readyStart = InlineArray<9, UInt8>(repeating: 0)
    var readyCapacity = InlineArray<9, UInt8>(repeating: 0)
    var readyHead = InlineArray<9, UInt8>(repeating: 0)
    var readyCount = InlineArray<9, UInt8>(repeating: 0)
    var ready = InlineArray<96, UInt8>(repeating: 0)

    var timers = TimerQueue()
    var timerOverflows: UInt32 = 0

    // ---- what runs now, statistics, misuse
    var running: UInt8 = noTask
    var blocked: UInt32 = 0
    var blockedSince = InlineArray<32, UInt64>(repeating: 0)
    var statistics = InlineArray<32, TaskStatistics>(repeating: TaskStatistics())
    var misuses: UInt32 = 0
    var firstMisuse = SchedulerMisuse.none

    func priorityOfRunning() -> UInt8 { running == KernelState.noTask ? 0 : priority[Int(running)] }

    /// Appends `task` to the ready queue of `level`; false when that queue is full.
    mutating func pushReady(_ task: UInt8, level: UInt8) -> Bool {
        let l = Int(level)
        guard readyCount[l] < readyCapacity[l] else { return false }
        let slot = Int(readyStart[l]) + (Int(readyHead[l]) + Int(readyCount[l])) % Int(readyCapacity[l])
        ready[slot] = task
        readyCount[l] &+= 1
        return true
    }

    mutating func popReady(level: UInt8) -> UInt8? {
        let l = Int(level)
        guard readyCount[l] > 0 else { return nil }
        let task = ready[Int(readyStart[l]) + Int(readyHead[l])]
        readyHead[l] = UInt8(truncatingIfNeeded: (Int(readyHead[l]) + 1) % Int(readyCapacity[l]))
        readyCount[l] &-= 1
        return task
    }
}

/// A use of the scheduler its declarations did not allow. Recorded (first one kept, all counted)
/// and made harmless: an undeclared lock runs at the highest ceiling, a bad spawn is refused.
public enum SchedulerMisuse: Equatable, Sendable {
    case none
    /// `task` (0xFF = idle/init) locked `resource` without declaring it.
    case undeclaredResource(task: UInt8, resource: UInt8)
    /// `access` without a lock to a resource shared across priorities (or not declared).
    case lockNeeded(task: UInt8, resource: UInt8)
    /// A spawn of a hardware task, or a pend of a software task.
    case wrongKind(task: UInt8)
    /// An interrupt source no task is bound to.
    case unboundSource(UInt8)
}

nonisolated(unsafe) var kernel = KernelState()

extension KernelState {
    /// A task's statistics by number; zero for a number beyond the started task set.
    func statistics(of task: UInt8) -> TaskStatistics {
        task < taskCount ? statistics[Int(task)] : TaskStatistics()
    }
}
