import LeveeBase

/// Text the scheduler writes about itself: configuration errors with the declared names, misuses,
/// and the statistics table. Written into caller-provided buffers (no String).
extension Scheduler {
    public static func describe(_ error: SchedulerConfigurationError, into w: inout ByteWriter) {
        w.append("scheduler: task set ")
        w.append(App.name)
        w.append(" refused: ")
        switch error {
        case .tooManyTasks(let n):
            w.append("more tasks than SchedulerCapacity.tasks ("); w.appendDecimal(UInt64(widening: n)); w.append(")")
        case .tooManyResources(let n):
            w.append("more resources than SchedulerCapacity.resources ("); w.appendDecimal(UInt64(widening: n)); w.append(")")
        case .tooManyLevels(let n):
            w.append("priority levels must be 1...SchedulerCapacity.levels, not "); w.appendDecimal(UInt64(widening: n))
        case .missingTask(let t):
            w.append("no task has the number "); w.appendDecimal(UInt64(widening: t))
        case .priorityZero(let t):
            appendTask(t, &w); w.append(" has priority 0 (that is idle's)")
        case .priorityAboveLevels(let t, let p):
            appendTask(t, &w); w.append(" has priority "); w.appendDecimal(UInt64(widening: p))
            w.append(" above the "); w.appendDecimal(UInt64(widening: App.priorityLevels)); w.append(" levels")
        case .zeroCapacity(let t):
            appendTask(t, &w); w.append(" is a software task with a queue of capacity 0")
        case .undeclaredResourceNumber(let t, let r):
            appendTask(t, &w); w.append(" declares resource number "); w.appendDecimal(UInt64(widening: r))
            w.append(" beyond resourceCount")
        case .sourceBoundTwice(let t):
            appendTask(t, &w); w.append(" is bound to an interrupt source another task already has")
        case .messagePoolExceeded(let n):
            w.append("queues need "); w.appendDecimal(UInt64(widening: n))
            w.append(" messages, more than SchedulerCapacity.queuedMessages")
        case .readyPoolExceeded(let n):
            w.append("ready queues need "); w.appendDecimal(UInt64(widening: n))
            w.append(" entries, more than SchedulerCapacity.readyEntries")
        case .messageTooLarge(let n):
            w.append("the message type has "); w.appendDecimal(UInt64(widening: n))
            w.append(" bytes, more than SchedulerCapacity.messageBytes")
        }
        w.append("\n")
    }

    public static func describe(_ misuse: SchedulerMisuse, into w: inout ByteWriter) {
        switch misuse {
        case .none: w.append("no misuse")
        case .undeclaredResource(let t, let r):
            appendTask(t, &w); w.append(" locked resource ")
            if let resource = App.Resource(rawValue: r), r < App.resourceCount { w.append(App.name(of: resource)) }
            else { w.appendDecimal(UInt64(widening: r)) }
            w.append(" without declaring it (ran at the highest ceiling)")
        case .lockNeeded(let t, let r):
            appendTask(t, &w); w.append(" accessed resource ")
            if let resource = App.Resource(rawValue: r), r < App.resourceCount { w.append(App.name(of: resource)) }
            else { w.appendDecimal(UInt64(widening: r)) }
            w.append(" without a lock, but it is shared across priorities (ran under lock)")
        case .wrongKind(let t):
            appendTask(t, &w); w.append(": spawn of a hardware task or pend of a software task (refused)")
        case .unboundSource(let s):
            w.append("interrupt source "); w.appendDecimal(UInt64(widening: s)); w.append(" has no task (ignored)")
        }
    }

    static func appendTask(_ t: UInt8, _ w: inout ByteWriter) {
        if t == KernelState.noTask { w.append("idle"); return }
        w.append("task ")
        if t < App.taskCount, let task = App.Task(rawValue: t) { w.append(App.declaration(of: task).name) }
        else { w.appendDecimal(UInt64(widening: t)) }
    }

    /// One line per task: `name: runs=N preempted=N overflows=N overruns=N`, deterministic under
    /// virtual time (the traces end with it).
    public static func writeStatistics(into w: inout ByteWriter) {
        var t: UInt8 = 0
        while t < App.taskCount {
            let s = kernel.statistics[Int(t)]
            appendTask(t, &w)
            w.append(": runs="); w.appendDecimal(UInt64(widening: s.runs))
            w.append(" preempted="); w.appendDecimal(UInt64(widening: s.preemptions))
            w.append(" overflows="); w.appendDecimal(UInt64(widening: s.queueOverflows))
            w.append(" overruns="); w.appendDecimal(UInt64(widening: s.deadlineOverruns))
            w.append("\n")
            t &+= 1
        }
        if kernel.misuses > 0 {
            w.append("misuses="); w.appendDecimal(UInt64(widening: kernel.misuses)); w.append(", first: ")
            describe(kernel.firstMisuse, into: &w)
            w.append("\n")
        }
    }
}
