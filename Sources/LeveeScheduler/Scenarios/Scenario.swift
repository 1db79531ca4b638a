import LeveeBase

/// RTIC's examples as task sets, so one scenario runs unchanged on the host (`HostPort`) and on the
/// chip (`CortexMPort`) and both print the same trace. Every scenario drives virtual time by hand,
/// so a trace is exact on both.
public protocol TraceScenario: TaskSet {
    /// Resets the scenario's own statics (a scenario may run several times in one process).
    static func reset()
    /// When the time driver lets the timer interrupt for a deadline `due` fire (default: at `due`).
    static func startOfTimerInterrupt(due: Instant) -> Instant
}

extension TraceScenario {
    public static func startOfTimerInterrupt(due: Instant) -> Instant { due }
}

public enum TraceScenarios {
    /// Runs `App` on `Port`: starts it, advances virtual time through every queued timer, then
    /// appends each task's statistics. Returns false when the scenario misused the scheduler or
    /// was refused. The trace is in `Trace`.
    public static func play<Port: VirtualTimePort>(_ port: Port.Type) -> Bool where Port.App: TraceScenario {
        Trace.reset()
        Port.App.reset()
        Port.resetTime()
        do {
            try Scheduler<Port>.start()
        } catch {
            Trace.write { Scheduler<Port>.describe(error, into: &$0) }
            return false
        }
        while let next = Scheduler<Port>.nextDeadline() {
            Port.advanceTime(to: Port.App.startOfTimerInterrupt(due: next))
        }
        Trace.write { Scheduler<Port>.writeStatistics(into: &$0) }
        return Scheduler<Port>.misuses == 0 && !Trace.overflowed
    }
}
