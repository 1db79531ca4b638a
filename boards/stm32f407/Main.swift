// What the firmware does after reset. Under QEMU it runs the core's self-checks and reports the
// result as the emulator's exit status.
import LeveeBase
import LeveeApp
import LeveeSelfTest
import LeveeScheduler

/// The node's state lives in static RAM, where the linker and the budget table count it.
nonisolated(unsafe) var node = NodeService(bootTime: .zero)

func firmwareMain() -> Never {
    var console = SemihostingConsole()
    // `make qemu-faults` boots the image with these words to prove faults end the run visibly.
    if Semihosting.commandLineContains("fault-test:udf") {
        console.write("fault test: executing an undefined instruction\n")
        levee_undefined_instruction()
    }
    if Semihosting.commandLineContains("fault-test:stack") {
        console.write("fault test: running past the stack reserve\n")
        levee_probe_stack(64 * 1024)
    }
    console.write("levee-node firmware: STM32F407, self-test\n")
    var failures = SelfTest.runAll(on: console)
    failures += NodeBootCheck.run(&node, console: &console)
    failures += SchedulerBoard.runScenarios(on: &console)
    console.write(failures == 0 ? "self-test: PASS\n" : "self-test: FAIL\n")
    Semihosting.exit(failures == 0 ? 0 : 1)
}
