// What the firmware does after reset. Under QEMU it runs the core's self-checks and reports the
// result as the emulator's exit status.
import LeveeBase
import LeveeApp
import LeveeSelfTest

/// The node's state lives in static RAM, where the linker and the budget table count it.
nonisolated(unsafe) var node = NodeService(bootTime: .zero)

func firmwareMain() -> Never {
    var console = SemihostingConsole()
    console.write("levee-node firmware: STM32F407, self-test\n")
    var failures = SelfTest.runAll(on: console)
    failures += NodeBootCheck.run(&node, console: &console)
    console.write(failures == 0 ? "self-test: PASS\n" : "self-test: FAIL\n")
    Semihosting.exit(failures == 0 ? 0 : 1)
}
