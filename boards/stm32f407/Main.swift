// What the firmware does after reset. Under QEMU it runs the core's self-checks and reports the
// result as the emulator's exit status.
import LeveeBase
import LeveeSelfTest

func firmwareMain() -> Never {
    var console = SemihostingConsole()
    console.write("levee-node firmware: STM32F407, self-test\n")
    let failures = SelfTest.runAll(on: console)
    console.write(failures == 0 ? "self-test: PASS\n" : "self-test: FAIL\n")
    Semihosting.exit(failures == 0 ? 0 : 1)
}
