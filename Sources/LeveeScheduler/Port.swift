import LeveeBase

/// What the scheduler core needs from the machine. Chosen per build as a generic parameter
/// (`Scheduler<HostPort<App>>` on the host, `Scheduler<CortexMPort<App>>` on the chip), never as
/// an existential, so every call is resolved statically.
///
/// Levels are the scheduler's priorities 1...SchedulerCapacity.levels; 0 is idle.
public protocol SchedulerPort {
    associatedtype App: TaskSet

    /// Called once by `Scheduler.start()` with interrupts masked: set up the dispatchers.
    static func configure(levels: UInt8)
    /// Requests the dispatcher of `level`; it runs as soon as `level` exceeds the running priority
    /// and the ceiling (at once, if it does now).
    static func pend(level: UInt8)
    /// Requests the timer interrupt (it runs above every task level and calls
    /// `Scheduler.releaseDueTimers()`).
    static func pendTimerInterrupt()
    /// The port's encoding of a ceiling level (BASEPRI's value on the chip, at most 8 bits),
    /// computed once per resource by `start()` so that a lock does no arithmetic.
    static func ceilingMask(for level: UInt8) -> UInt8
    /// Raises the system ceiling to `mask` (from `ceilingMask(for:)`) if that is higher (never
    /// lowers it); returns a token that `restoreCeiling` puts back.
    static func raiseCeiling(toMask mask: UInt8) -> UInt32
    /// Restores the ceiling saved by `raiseCeiling`; whatever became runnable runs now.
    static func restoreCeiling(_ token: UInt32)
    /// The current system ceiling as a level (0 when no lock is held).
    static func ceilingLevel() -> UInt8
    /// Runs `body` with every interrupt masked (the scheduler's own short critical sections).
    static func withInterruptsMasked<R>(_ body: () -> R) -> R
    /// The monotonic time.
    static func now() -> Instant
    /// What `idle` does when nothing is pending (`wfi` on the chip).
    static func waitForInterrupt()
    /// Called by long work (the Wasm interpreter, every N instructions): runs pending work that
    /// outranks the caller. The host's controller dispatches here; on the chip interrupts preempt
    /// by themselves, so it does nothing.
    static func preemptionPoint()
}

/// A port whose time only moves when told to: tests and the trace scenarios drive it by hand.
public protocol VirtualTimePort: SchedulerPort {
    /// Moves the clock to `instant` (never backwards) and takes the timer interrupt.
    static func advanceTime(to instant: Instant)
    /// Puts the clock back to zero (a test or scenario starting afresh; `start()` keeps the time).
    static func resetTime()
}
