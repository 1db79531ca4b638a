import LeveeBase

/// LeveeScheduler's own checks, run on the host (`swift test`) and on the chip (`make qemu`).
/// The chip also runs every trace scenario through its Cortex-M port (the board's
/// SchedulerScenarios.swift); on the host these checks also run the software controller.
public enum SchedulerSelfChecks {
    public static func run<R: CheckRecorder>(_ r: inout R) {
        let k = KernelState()
        r.check(k.priority.count == SchedulerCapacity.tasks && k.ceiling.count == SchedulerCapacity.resources
                && k.messages.count == SchedulerCapacity.queuedMessages && k.ready.count == SchedulerCapacity.readyEntries
                && k.timers.entries.count == SchedulerCapacity.timers && k.readyCount.count == SchedulerCapacity.levels + 1,
                "scheduler storage is sized by SchedulerCapacity")

        typealias A = ResponseTimeAnalysis<WorkedExample>
        r.check(A.analyse(.t3).response == 34 && A.analyse(.t3).blocking == 4, "analysis: R(T3) = 34 with B = 4")
        r.check(A.analyse(.t2).response == 90, "analysis: R(T2) = 90")
        r.check(A.analyse(.t1).response == 100 && A.analyse(.t1).slack == 0, "analysis: R(T1) = 100, zero slack")
        r.check(A.utilisationPPM() == 850_000 && A.isSchedulable, "analysis: U = 0.85, schedulable")
        r.check(TaskSetFacts<WorkedExample>.ceiling(of: 0) == 2 && TaskSetFacts<WorkedExample>.ceiling(of: 1) == 3,
                "ceilings derived from the declared users")

        // The software interrupt controller on the host only: on the chip the board runs every
        // scenario through the Cortex-M port instead, and a second port would double the code.
        #if !hasFeature(Embedded)
        let clean = TraceScenarios.play(HostPort<LockScenario>.self)
        let trace = Trace.withText { text in
            BaseSelfChecks.equal(UnsafeRawBufferPointer(rebasing: text[0..<min(text.count, 36)]),
                                 "A\nB - shared = 1\nC\nD - shared = 2\nE\n")
        }
        r.check(clean && trace, "lock scenario on the software interrupt controller")

        var full = false
        do throws(SchedulerConfigurationError) {
            try Scheduler<HostPort<CapacityScenario>>.start()
        } catch {
            r.check(false, "capacity scenario starts")
        }
        do throws(SpawnError) {
            for _ in 0...SchedulerCapacity.timers {
                try Scheduler<HostPort<CapacityScenario>>.spawn(at: Instant(microseconds: 9), .foo, 0)
            }
        } catch {
            full = error == .timerQueueFull
        }
        r.check(full && Scheduler<HostPort<CapacityScenario>>.timerOverflows == 1, "a full timer queue refuses, counted")
        #endif
    }
}
