// What the firmware does after reset. Under QEMU it runs the core's self-checks, then the node's
// task set against a scripted client (NodeRun.swift), and reports the result as the emulator's
// exit status.
import LeveeBase
import LeveeApp
import LeveeSelfTest
import LeveeScheduler
import LeveeNet

/// The fresh service the application's self-checks talk to (6.6 KB: not on the stack). The task
/// set serves from its own, the service resource's (NodeRun.swift): the self-test runs before that
/// scheduler starts and cannot reach it. Both share the chip's observer table (`ObserverPool`);
/// the self-checks register no observer.
nonisolated(unsafe) var selfTestNode = NodeService(bootTime: .zero)
/// The node's own network stack and its transmit frame (the MAC's receive buffers come with its driver).
nonisolated(unsafe) var ethernet = EthernetNode(mac: MACAddress(0x02, 0x4C, 0x56, 0, 0, 0x02),
    addressing: .fixed(address: IPv4Address(10, 77, 0, 2), prefixLength: 24, gateway: .unspecified), now: .zero)
nonisolated(unsafe) var ethernetTransmitFrame = FrameStorage(repeating: 0)

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
    // The two NodeService statics are built by one-time initialisers (their frames are in
    // `make firmware`'s stack table): run them here, at the top of the stack.
    withUnsafeMutablePointer(to: &selfTestNode) { _ in }
    withUnsafeMutablePointer(to: &Service.storage) { _ in }
    var failures = StackUsage.report("after building the statics,", &console)
    failures += SelfTest.runAll(on: console, node: &selfTestNode)
    failures += SchedulerBoard.runScenarios(on: &console)
    // The boot checks go through the node the task set serves from, once its scheduler has started.
    failures += NodeRun.run(&console) { node, console in
        NodeBootCheck.run(&node, console: &console)
            + withUnsafeMutableBytes(of: &ethernetTransmitFrame) {
                EthernetBootCheck.run(&ethernet, service: &node, transmit: $0, console: &console)
            }
    }
    failures += StackUsage.report("whole run,", &console)
    console.write(failures == 0 ? "self-test: PASS\n" : "self-test: FAIL\n")
    Semihosting.exit(failures == 0 ? 0 : 1)
}
