import LeveeBase

/// The host's port: a deterministic, single-threaded software interrupt controller.
///
/// A pending bitmap of levels and a threshold (the running level, raised by the ceiling) stand in
/// for the NVIC and BASEPRI. `pend` and the end of a lock or a masked section call `dispatch()`,
/// which runs the highest pending level above the threshold, exactly where a Cortex-M would take
/// the interrupt. External events (a readable socket) are latched with `latch(_:)` and taken when
/// idle, at every unlock and at `preemptionPoint()`, which long work (the Wasm interpreter) calls
/// every N instructions. Time is a virtual clock the host loop or a test advances.
///
/// A host loop drives it like this:
/// ```
/// try Scheduler<HostPort<App>>.start()
/// while running {
///     let timeout = HostPort<App>.timeUntilNextTimer()      // nil: wait for the socket only
///     poll(fds, timeout)
///     if readable { HostPort<App>.latch(.networkReceive) }
///     HostPort<App>.advanceTime(to: MonotonicClock().now())  // releases due timers, runs tasks
/// }
/// ```
public enum HostPort<App: TaskSet>: VirtualTimePort {
    /// The timer interrupt sits above every task level, like SysTick on the chip.
    static var timerLevel: UInt8 { 31 }

    /// Clears the controller for a fresh start; the clock keeps its time (the host loop may have
    /// advanced it to the monotonic time already).
    public static func configure(levels: UInt8) {
        let maskDepth = host.maskDepth   // start() configures from inside a masked section
        let clock = host.clock
        host = HostInterruptController()
        host.maskDepth = maskDepth
        host.clock = clock
    }

    public static func resetTime() { host.clock = ManualClock() }

    public static func pend(level: UInt8) {
        host.pendingLevels |= 1 &<< UInt32(level & 31)
        dispatch()
    }

    public static func pendTimerInterrupt() {
        host.timerPending = true
        dispatch()
    }

    /// On the host the mask is the level itself.
    public static func ceilingMask(for level: UInt8) -> UInt8 { level }

    public static func raiseCeiling(toMask level: UInt8) -> UInt32 {
        let previous = host.ceiling
        if level > previous { host.ceiling = level }
        return UInt32(previous)
    }

    public static func restoreCeiling(_ token: UInt32) {
        host.ceiling = UInt8(truncatingIfNeeded: token)
        dispatch()
    }

    public static func ceilingLevel() -> UInt8 { host.ceiling }

    public static func withInterruptsMasked<R>(_ body: () -> R) -> R {
        host.maskDepth &+= 1
        let result = body()
        host.maskDepth &-= 1
        if host.maskDepth == 0 { dispatch() }
        return result
    }

    public static func now() -> Instant { host.clock.now() }

    public static func waitForInterrupt() {}

    public static func advanceTime(to instant: Instant) {
        if instant > host.clock.current { host.clock.current = instant }
        host.timerPending = true
        dispatch()
    }

    public static func advanceTime(by interval: Interval) {
        advanceTime(to: host.clock.current + interval)
    }

    // MARK: for the host loop

    /// Latches an external event as a pending task without running it: it runs at the next
    /// dispatch point (idle, an unlock, a preemption point).
    public static func latch(_ source: InterruptSource) {
        host.maskDepth &+= 1
        Scheduler<HostPort<App>>.interrupt(source)
        host.maskDepth &-= 1
    }

    /// Runs whatever pending work outranks the running task (and external events latched since).
    /// First the board's external-event source is asked, when the event's level could be taken
    /// now: long work then sees a datagram arrive, as the chip's Ethernet interrupt would.
    public static func preemptionPoint() {
        if let source = host.externalEvents, !host.inExternalEvents, host.maskDepth == 0, host.running > 0,
           max(host.running, host.ceiling) < host.externalEventLevel {
            host.inExternalEvents = true
            source()
            host.inExternalEvents = false
        }
        dispatch()
    }

    /// The board's poll of its devices for `preemptionPoint()`: a C function (no context, no
    /// allocation) that must not block; it latches what it finds (and may run the point itself,
    /// which then only dispatches). Asked only inside a task (idle is the host loop, which polls
    /// by itself) and while the running level and the ceiling are below `level` (the level of the
    /// task it raises), so it never runs inside that task or a lock that excludes it. nil: none.
    public static func setExternalEventSource(_ source: (@convention(c) () -> Void)?, level: UInt8) {
        host.externalEvents = source
        host.externalEventLevel = level
    }

    /// Whether a level or the timer interrupt waits (only possible while something masks it).
    public static var hasPendingWork: Bool { host.pendingLevels != 0 || host.timerPending }

    /// How long the host loop may sleep before the next timer is due; nil when no timer is queued.
    public static func timeUntilNextTimer() -> Interval? {
        Scheduler<HostPort<App>>.nextDeadline().map { $0.since(host.clock.now()) }
    }

    /// Takes every pending interrupt whose level exceeds the running level and the ceiling.
    static func dispatch() {
        guard host.maskDepth == 0 else { return }
        while true {
            let threshold = max(host.running, host.ceiling)
            if host.timerPending && timerLevel > threshold {
                host.timerPending = false
                let previous = host.running
                host.running = timerLevel
                Scheduler<HostPort<App>>.releaseDueTimers()
                host.running = previous
                continue
            }
            let above: UInt32 = ~((2 &<< UInt32(threshold)) &- 1)
            let eligible = host.pendingLevels & above
            guard eligible != 0 else { return }
            let level = UInt8(truncatingIfNeeded: 31 - eligible.leadingZeroBitCount)
            host.pendingLevels &= ~(1 &<< UInt32(level))
            let previous = host.running
            host.running = level
            Scheduler<HostPort<App>>.runLevel(level)
            host.running = previous
        }
    }
}

/// The software interrupt controller's registers.
struct HostInterruptController {
    var pendingLevels: UInt32 = 0
    var timerPending = false
    /// The level being served (0 = idle).
    var running: UInt8 = 0
    /// BASEPRI's counterpart: the system ceiling as a level.
    var ceiling: UInt8 = 0
    var maskDepth: UInt32 = 0
    var clock = ManualClock()
    /// `HostPort.setExternalEventSource`.
    var externalEvents: (@convention(c) () -> Void)?
    var externalEventLevel: UInt8 = 0
    var inExternalEvents = false
}

nonisolated(unsafe) var host = HostInterruptController()
