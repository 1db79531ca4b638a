// The scheduler's Cortex-M port: task levels are NVIC priorities, the system ceiling is BASEPRI.
//
// Each level 1...8 has a dispatcher on a spare interrupt vector (IRQ 63...70: CAN2, OTG_FS and
// DMA2 streams 5-7, unused by this board); a pend writes the vector's number to STIR, and the NVIC
// runs it when its priority beats the running one and BASEPRI: exactly the SRP rule. `lock` is
// `mrs basepri` + `msr basepri_max` on entry and `msr basepri` on exit. SysTick, above every task
// level, is the monotonic's interrupt: it releases the due timers.
import LeveeBase
import LeveeScheduler

enum CortexM {
    static let iser: UInt32 = 0xE000_E100       // NVIC interrupt set-enable registers
    static let ipr: UInt32 = 0xE000_E400        // NVIC priority bytes
    static let stir: UInt32 = 0xE000_EF00       // software trigger interrupt register
    static let icsr: UInt32 = 0xE000_ED04       // interrupt control and state (PENDSTSET = bit 26)
    static let shpr3: UInt32 = 0xE000_ED20      // SysTick priority in bits 31:24
    /// The dispatcher of level L is IRQ `firstDispatcherIRQ + L - 1`.
    static let firstDispatcherIRQ: UInt32 = 63
    /// SysTick's level: above every task level.
    static let timerLevel: UInt8 = 9

    /// NVIC priority byte of a level (4 implemented bits; a higher level is a smaller number).
    /// Level 0 maps to 0 (16 << 4 = 0x100 masked away), which as BASEPRI masks nothing.
    @inline(__always) static func hardwarePriority(_ level: UInt8) -> UInt32 {
        ((16 &- UInt32(level)) &<< 4) & 0xF0
    }

    static func setPriority(irq: UInt32, _ priority: UInt32) {
        let word = ipr &+ (irq / 4) &* 4
        let shift = (irq % 4) &* 8
        let old = levee_mmio_read32(word)
        levee_mmio_write32(word, (old & ~(0xFF &<< shift)) | (priority &<< shift))
    }
}

/// The monotonic: moved by hand in the trace scenarios (then SysTick is pended by hand), by
/// SysTick's counter when `SysTickMonotonic` runs.
nonisolated(unsafe) var chipClock = ManualClock()
/// How far each SysTick interrupt moves the clock (zero: SysTick only releases timers).
nonisolated(unsafe) var chipTick = Interval.zero

/// SysTick as the monotonic time base: an interrupt every tick, each moving `chipClock` by it and
/// releasing the due timers. The tick bounds the timer resolution (1 ms in the node).
enum SysTickMonotonic {
    static let csr: UInt32 = 0xE000_E010   // control and status: ENABLE | TICKINT | CLKSOURCE
    static let rvr: UInt32 = 0xE000_E014   // reload value (24 bits)
    static let cvr: UInt32 = 0xE000_E018   // current value
    static let coreClockHz: UInt32 = 168_000_000

    /// Starts the counter with one interrupt per `tick` (at most 99 ms at 168 MHz).
    static func start(tick: Interval) {
        let cycles = (coreClockHz / 1_000_000) &* UInt32(truncatingIfNeeded: tick.microseconds)
        chipTick = tick
        levee_mmio_write32(rvr, (cycles &- 1) & 0x00FF_FFFF)
        levee_mmio_write32(cvr, 0)
        levee_mmio_write32(csr, 0b111)
    }

    static func stop() {
        levee_mmio_write32(csr, 0)
        chipTick = .zero
    }

    /// SysTick's work as the monotonic: advance by one tick (interrupts are masked by priority:
    /// SysTick is above every task level, and thread-mode readers mask).
    static func tickElapsed() {
        if chipTick > .zero { chipClock.current = chipClock.current + chipTick }
    }
}

enum CortexMPort<App: TaskSet>: VirtualTimePort {
    static func configure(levels: UInt8) {
        var level: UInt8 = 1
        while level <= levels {
            let irq = CortexM.firstDispatcherIRQ &+ UInt32(level) &- 1
            CortexM.setPriority(irq: irq, CortexM.hardwarePriority(level))
            levee_mmio_write32(CortexM.iser &+ (irq / 32) &* 4, 1 &<< (irq % 32))
            level &+= 1
        }
        let shpr3 = levee_mmio_read32(CortexM.shpr3)
        levee_mmio_write32(CortexM.shpr3, (shpr3 & 0x00FF_FFFF) | (CortexM.hardwarePriority(CortexM.timerLevel) &<< 24))
        levee_dsb()
        levee_isb()
    }

    @inline(__always) static func pend(level: UInt8) {
        levee_mmio_write32(CortexM.stir, CortexM.firstDispatcherIRQ &+ UInt32(level) &- 1)
        levee_dsb()
        levee_isb()
    }

    static func pendTimerInterrupt() {
        levee_mmio_write32(CortexM.icsr, 1 &<< 26)
        levee_dsb()
        levee_isb()
    }

    static func ceilingMask(for level: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: CortexM.hardwarePriority(level))
    }

    @inline(__always) static func raiseCeiling(toMask mask: UInt8) -> UInt32 {
        let previous = levee_read_basepri()
        levee_write_basepri_max(UInt32(mask))
        return previous
    }

    @inline(__always) static func restoreCeiling(_ token: UInt32) {
        levee_restore_basepri(token)
    }

    static func ceilingLevel() -> UInt8 {
        let basepri = levee_read_basepri() & 0xFF
        return basepri == 0 ? 0 : UInt8(truncatingIfNeeded: 16 &- (basepri &>> 4))
    }

    @inline(__always) static func withInterruptsMasked<R>(_ body: () -> R) -> R {
        let wasMasked = levee_read_primask() & 1 != 0
        levee_disable_interrupts()
        let result = body()
        if !wasMasked {
            levee_enable_interrupts()
            levee_isb()
        }
        return result
    }

    /// Masked: a 64-bit read that SysTick could interrupt halfway.
    static func now() -> Instant { withInterruptsMasked { chipClock.now() } }

    static func waitForInterrupt() { levee_wfi() }

    /// Interrupts preempt by themselves on the chip.
    @inline(__always) static func preemptionPoint() {}

    static func resetTime() {
        withInterruptsMasked { chipClock = ManualClock() }
    }

    static func advanceTime(to instant: Instant) {
        withInterruptsMasked {
            if instant > chipClock.current { chipClock.current = instant }
        }
        pendTimerInterrupt()
    }
}
