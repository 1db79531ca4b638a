// Reset, the vector table and the fault handlers of the STM32F407.
//
// Word 0 of the table (the initial stack pointer) is written by the linker script, so the Swift
// table starts at the reset vector.

import LeveeBase

typealias Handler = @convention(c) () -> Void

/// Exceptions 1–15 and the 82 peripheral interrupts of the STM32F407.
@section(".isr_vector") @used
let vectorTable: (
    Handler, Handler, Handler, Handler, Handler, Handler, UInt32, UInt32, UInt32, UInt32,
    Handler, Handler, UInt32, Handler, Handler,
    PeripheralVectors
) = (
    Reset_Handler, NMI_Handler, HardFault_Handler, MemManage_Handler, BusFault_Handler,
    UsageFault_Handler, 0, 0, 0, 0,   // exceptions 7–10 are reserved
    Default_Handler /* SVCall */, Default_Handler /* DebugMon */, 0,
    Default_Handler /* PendSV */, SysTick_Handler,
    (   // IRQ 0–81; 63–70 are the scheduler's dispatchers of levels 1–8 (SchedulerPort.swift);
        // 18 (ADC) and 61 (ETH) raise the node's hardware tasks (NodeRun.swift).
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, ADC_IRQHandler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, ETH_IRQHandler, Default_Handler, LeveeDispatch1_IRQHandler, LeveeDispatch2_IRQHandler,
        LeveeDispatch3_IRQHandler, LeveeDispatch4_IRQHandler, LeveeDispatch5_IRQHandler, LeveeDispatch6_IRQHandler, LeveeDispatch7_IRQHandler,
        LeveeDispatch8_IRQHandler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler
    )
)

typealias PeripheralVectors = (
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler, Handler,
    Handler, Handler
)

/// Distinct exit statuses, so a test sees which fault ended the run.
enum FaultStatus {
    static let hardFault: UInt32 = 3
    static let memManage: UInt32 = 4
    static let busFault: UInt32 = 5
    static let usageFault: UInt32 = 6
    static let nmi: UInt32 = 7
    static let unexpectedInterrupt: UInt32 = 8
}

@c(Reset_Handler) public func Reset_Handler() {
    // The FPU first: the first VFP instruction HardFaults while CP10/CP11 are off.
    let cpacr: UInt32 = 0xE000_ED88
    levee_mmio_write32(cpacr, levee_mmio_read32(cpacr) | (0xF << 20))
    levee_dsb()
    levee_isb()

    // .data from its load address in flash, then .bss to zero, word by word (no memcpy yet).
    var source = levee_sym_sidata()!
    var destination = levee_sym_sdata()!
    let dataEnd = levee_sym_edata()!
    while destination < dataEnd {
        destination.pointee = source.pointee
        destination += 1
        source += 1
    }
    var bss = levee_sym_sbss()!
    let bssEnd = levee_sym_ebss()!
    while bss < bssEnd {
        bss.pointee = 0
        bss += 1
    }
    StackUsage.paint()

    firmwareMain()
}

private func reportFault(_ name: StaticString, _ status: UInt32) -> Never {
    var console = SemihostingConsole()
    console.write("\nFAULT: ")
    console.write(name)
    console.write("\n")
    Semihosting.exit(status)
}

@c(NMI_Handler) public func NMI_Handler() { reportFault("NMI", FaultStatus.nmi) }
@c(HardFault_Handler) public func HardFault_Handler() { reportFault("HardFault", FaultStatus.hardFault) }
@c(MemManage_Handler) public func MemManage_Handler() { reportFault("MemManage", FaultStatus.memManage) }
@c(BusFault_Handler) public func BusFault_Handler() { reportFault("BusFault", FaultStatus.busFault) }
@c(UsageFault_Handler) public func UsageFault_Handler() { reportFault("UsageFault", FaultStatus.usageFault) }
@c(Default_Handler) public func Default_Handler() {
    reportFault("unexpected interrupt", FaultStatus.unexpectedInterrupt)
}
@c(SysTick_Handler) public func SysTick_Handler() { SchedulerBoard.monotonicInterrupt() }
