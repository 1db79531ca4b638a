import LeveeBase

/// The scheduler core for one application on one port: `Scheduler<HostPort<App>>` on the host,
/// `Scheduler<CortexMPort<App>>` on the chip.
///
/// SRP on both ports: a task starts only when its level is the highest pending one and exceeds the
/// system ceiling; `lock` raises the ceiling to the resource's derived ceiling for the closure.
public enum Scheduler<Port: SchedulerPort> {
    public typealias App = Port.App

    // MARK: start

    /// Checks the declarations, builds the tables, derives the ceilings, configures the port and
    /// runs `App.initialize` with interrupts masked. Whatever it spawned runs when it returns.
    public static func start() throws(SchedulerConfigurationError) {
        var k = KernelState()
        try build(&k)
        Port.withInterruptsMasked {
            kernel = k
            Port.configure(levels: App.priorityLevels)
            App.initialize(TaskContext<Port>(task: KernelState.noTask, scheduled: Port.now()))
        }
    }

    static func build(_ k: inout KernelState) throws(SchedulerConfigurationError) {
        guard Int(App.taskCount) <= SchedulerCapacity.tasks else { throw .tooManyTasks(App.taskCount) }
        guard Int(App.resourceCount) <= SchedulerCapacity.resources else {
            throw .tooManyResources(App.resourceCount)
        }
        guard App.priorityLevels >= 1, Int(App.priorityLevels) <= SchedulerCapacity.levels else {
            throw .tooManyLevels(App.priorityLevels)
        }
        let size = MemoryLayout<App.Message>.size
        guard size <= SchedulerCapacity.messageBytes else { throw .messageTooLarge(bytes: UInt32(truncatingIfNeeded: size)) }

        k.taskCount = App.taskCount
        k.levels = App.priorityLevels
        var messagesUsed = 0
        var readyPerLevel = InlineArray<9, Int>(repeating: 0)
        var t: UInt8 = 0
        while t < App.taskCount {
            guard let task = App.Task(rawValue: t) else { throw .missingTask(t) }
            let d = App.declaration(of: task)
            guard d.priority >= 1 else { throw .priorityZero(task: t) }
            guard d.priority <= App.priorityLevels else {
                throw .priorityAboveLevels(task: t, priority: d.priority)
            }
            guard d.resources.bits &>> UInt32(App.resourceCount) == 0 || App.resourceCount >= 32 else {
                throw .undeclaredResourceNumber(task: t, resource: UInt8(truncatingIfNeeded:
                    31 - (d.resources.bits.leadingZeroBitCount)))
            }
            let i = Int(t)
            k.priority[i] = d.priority
            k.declared[i] = d.resources.bits
            k.deadline[i] = d.timing.deadline.microseconds
            switch d.kind {
            case .hardware(let source):
                var other: UInt8 = 0
                while other < t {
                    if k.source[Int(other)] == source.number &+ 1 { throw .sourceBoundTwice(task: t) }
                    other &+= 1
                }
                k.source[i] = source.number &+ 1
                readyPerLevel[Int(d.priority)] += 1
            case .software(let capacity):
                guard capacity > 0 else { throw .zeroCapacity(task: t) }
                k.queueStart[i] = UInt8(truncatingIfNeeded: messagesUsed)
                k.queueCapacity[i] = capacity
                messagesUsed += Int(capacity)
                readyPerLevel[Int(d.priority)] += Int(capacity)
            }
            t &+= 1
        }
        guard messagesUsed <= SchedulerCapacity.queuedMessages else {
            throw .messagePoolExceeded(needed: UInt32(truncatingIfNeeded: messagesUsed))
        }
        var readyUsed = 0
        for level in 1...Int(App.priorityLevels) {
            k.readyStart[level] = UInt8(truncatingIfNeeded: readyUsed)
            k.readyCapacity[level] = UInt8(truncatingIfNeeded: readyPerLevel[level])
            readyUsed += readyPerLevel[level]
        }
        guard readyUsed <= SchedulerCapacity.readyEntries else {
            throw .readyPoolExceeded(needed: UInt32(truncatingIfNeeded: readyUsed))
        }
        k.idleDeclared = App.idleResources.bits
        var r: UInt8 = 0
        while r < App.resourceCount {
            k.ceiling[Int(r)] = TaskSetFacts<App>.ceiling(of: r)
            k.ceilingMask[Int(r)] = Port.ceilingMask(for: k.ceiling[Int(r)])
            r &+= 1
        }
    }

    // MARK: spawn and pend

    /// Queues `message` for the software task `task`; it runs when its level is the highest
    /// runnable one (at once, if that is now).
    public static func spawn(_ task: App.Task, _ message: App.Message) throws(SpawnError) {
        try enqueue(task.rawValue, encode(message), release: Port.now().microseconds)
    }

    /// Queues `message` for `task` at `instant` (through the timer queue).
    public static func spawn(at instant: Instant, _ task: App.Task, _ message: App.Message) throws(SpawnError) {
        let t = task.rawValue
        guard t < kernel.taskCount, kernel.queueCapacity[Int(t)] > 0 else {
            recordMisuse(.wrongKind(task: t))
            throw .wrongKind
        }
        let entry = TimerEntry(due: instant.microseconds, payload: encode(message), task: t)
        let inserted = Port.withInterruptsMasked { () -> Bool in
            if kernel.timers.insert(entry) { return true }
            kernel.timerOverflows &+= 1
            return false
        }
        guard inserted else { throw .timerQueueFull }
        if instant <= Port.now() { Port.pendTimerInterrupt() }
    }

    public static func spawn(after delay: Interval, _ task: App.Task, _ message: App.Message) throws(SpawnError) {
        try spawn(at: Port.now() + delay, task, message)
    }

    /// Pends the hardware task `task` (like `rtic::pend`): pends coalesce until it runs.
    public static func pend(_ task: App.Task) {
        let t = task.rawValue
        guard t < kernel.taskCount, kernel.queueCapacity[Int(t)] == 0 else {
            recordMisuse(.wrongKind(task: t))
            return
        }
        let level = kernel.priority[Int(t)]
        let now = Port.now().microseconds
        let fresh = Port.withInterruptsMasked { () -> Bool in
            let bit: UInt32 = 1 &<< UInt32(t)
            guard kernel.pendingHardware & bit == 0 else { return false }
            kernel.pendingHardware |= bit
            kernel.hardwareRelease[Int(t)] = now
            noteBlocking(t, level: level, now: now)
            return kernel.pushReady(t, level: level)
        }
        if fresh { Port.pend(level: level) }
    }

    /// An interrupt from `source`: pends the hardware task bound to it.
    public static func interrupt(_ source: InterruptSource) {
        var t: UInt8 = 0
        while t < kernel.taskCount {
            if kernel.source[Int(t)] == source.number &+ 1, let task = App.Task(rawValue: t) {
                pend(task)
                return
            }
            t &+= 1
        }
        recordMisuse(.unboundSource(source.number))
    }

    static func enqueue(_ t: UInt8, _ payload: UInt64, release: UInt64) throws(SpawnError) {
        guard t < kernel.taskCount, kernel.queueCapacity[Int(t)] > 0 else {
            recordMisuse(.wrongKind(task: t))
            throw .wrongKind
        }
        let i = Int(t)
        let level = kernel.priority[i]
        let accepted = Port.withInterruptsMasked { () -> Bool in
            let capacity = Int(kernel.queueCapacity[i])
            let count = Int(kernel.queueCount[i])
            guard count < capacity else {
                kernel.statistics[i].queueOverflows &+= 1
                return false
            }
            let slot = Int(kernel.queueStart[i]) + (Int(kernel.queueHead[i]) + count) % capacity
            kernel.messages[slot] = payload
            kernel.messageRelease[slot] = release
            kernel.queueCount[i] &+= 1
            noteBlocking(t, level: level, now: release)
            return kernel.pushReady(t, level: level)
        }
        guard accepted else { throw .queueFull }
        Port.pend(level: level)
    }

    /// A task that becomes ready above the running priority but not above the ceiling is blocked
    /// by a lower task's lock: remember since when (interrupts are masked here).
    static func noteBlocking(_ t: UInt8, level: UInt8, now: UInt64) {
        let bit: UInt32 = 1 &<< UInt32(t)
        if level > kernel.priorityOfRunning() && level <= Port.ceilingLevel() && kernel.blocked & bit == 0 {
            kernel.blocked |= bit
            kernel.blockedSince[Int(t)] = now
        }
    }

    // MARK: dispatch (called by the port)

    /// The dispatcher of `level`: runs the ready tasks of that level one after the other, in the
    /// order they became ready, each to completion (higher levels preempt it through the port).
    public static func runLevel(_ level: UInt8) {
        guard level >= 1, level <= kernel.levels else { return }
        while true {
            var task = KernelState.noTask
            var payload: UInt64 = 0
            var release: UInt64 = 0
            Port.withInterruptsMasked {
                guard let t = kernel.popReady(level: level) else { return }
                task = t
                let i = Int(t)
                let capacity = Int(kernel.queueCapacity[i])
                if capacity > 0 {
                    let slot = Int(kernel.queueStart[i]) + Int(kernel.queueHead[i])
                    payload = kernel.messages[slot]
                    release = kernel.messageRelease[slot]
                    kernel.queueHead[i] = UInt8(truncatingIfNeeded: (Int(kernel.queueHead[i]) + 1) % capacity)
                    kernel.queueCount[i] &-= 1
                } else {
                    kernel.pendingHardware &= ~(1 &<< UInt32(t))
                    release = kernel.hardwareRelease[i]
                }
            }
            guard task != KernelState.noTask else { return }
            execute(task, payload, release: release)
        }
    }

    static func execute(_ t: UInt8, _ payload: UInt64, release: UInt64) {
        guard let task = App.Task(rawValue: t) else { return }
        let i = Int(t)
        let previous = kernel.running
        if previous != KernelState.noTask { kernel.statistics[Int(previous)].preemptions &+= 1 }
        kernel.running = t
        let start = Port.now().microseconds
        let bit: UInt32 = 1 &<< UInt32(t)
        if kernel.blocked & bit != 0 {
            Port.withInterruptsMasked { kernel.blocked &= ~bit }
            let waited = start &- kernel.blockedSince[i]
            if waited > kernel.statistics[i].longestBlocking { kernel.statistics[i].longestBlocking = waited }
        }
        App.run(task, decode(payload), TaskContext<Port>(task: t, scheduled: Instant(microseconds: release)))
        let end = Port.now().microseconds
        kernel.statistics[i].runs &+= 1
        let took = end &- start
        if took > kernel.statistics[i].longestRun { kernel.statistics[i].longestRun = took }
        let deadline = kernel.deadline[i]
        if deadline > 0 && end > release &+ deadline { kernel.statistics[i].deadlineOverruns &+= 1 }
        kernel.running = previous
    }

    /// The timer interrupt: moves every due `spawnAt` request into its task's queue, earliest
    /// first (a full queue refuses it and counts the overflow).
    public static func releaseDueTimers() {
        let now = Port.now().microseconds
        while true {
            let due = Port.withInterruptsMasked { kernel.timers.popDue(at: now) }
            guard let entry = due else { return }
            do { try enqueue(entry.task, entry.payload, release: entry.due) } catch {}
        }
    }

    // MARK: queries

    /// The earliest timer deadline (for the host loop's poll timeout), nil when none is queued.
    public static func nextDeadline() -> Instant? {
        Port.withInterruptsMasked { kernel.timers.earliest.map { Instant(microseconds: $0) } }
    }

    public static func statistics(of task: App.Task) -> TaskStatistics {
        kernel.statistics(of: task.rawValue)
    }

    /// The derived ceiling of `resource`.
    public static func ceiling(of resource: App.Resource) -> UInt8 {
        let r = Int(resource.rawValue)
        return r < SchedulerCapacity.resources ? kernel.ceiling[r] : 0
    }

    public static var misuses: UInt32 { kernel.misuses }
    public static var firstMisuse: SchedulerMisuse { kernel.firstMisuse }
    public static var timerOverflows: UInt32 { kernel.timerOverflows }

    static func recordMisuse(_ misuse: SchedulerMisuse) {
        Port.withInterruptsMasked {
            if kernel.misuses == 0 { kernel.firstMisuse = misuse }
            kernel.misuses &+= 1
        }
    }

    // MARK: messages

    static func encode(_ message: App.Message) -> UInt64 {
        var slot: UInt64 = 0
        withUnsafeBytes(of: message) { source in
            withUnsafeMutableBytes(of: &slot) { target in
                for i in 0..<min(source.count, target.count) { target[i] = source[i] }
            }
        }
        return slot
    }

    static func decode(_ slot: UInt64) -> App.Message {
        withUnsafeBytes(of: slot) { $0.loadUnaligned(as: App.Message.self) }
    }
}
