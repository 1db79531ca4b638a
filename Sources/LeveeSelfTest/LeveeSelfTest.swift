// LeveeSelfTest: runs every core module's own checks, on the host (`swift test`) and on the
// emulated chip (`make qemu`), so that both prove the same code with the same expectations.
import LeveeBase
import LeveeCrypto
import LeveeOTA
import LeveeWasm
import LeveeCoAP
import LeveeApp
import LeveeNet
import LeveeScheduler

public enum SelfTest {
    /// Runs all checks, printing a header per module; returns the number of failures. `node` is a
    /// fresh service the application's checks talk to (the board's static one on the chip).
    public static func runAll<Output: Console>(on console: Output, node: inout NodeService, verbose: Bool = false) -> UInt32 {
        var recorder = ConsoleCheckRecorder(console: console, verbose: verbose)
        recorder.console.write("self-test: LeveeBase\n")
        BaseSelfChecks.run(&recorder)
        recorder.console.write("self-test: LeveeCrypto\n"); CryptoSelfChecks.run(&recorder)
        recorder.console.write("self-test: LeveeOTA\n"); OTASelfChecks.run(&recorder)
        recorder.console.write("self-test: LeveeWasm\n")
        WasmSelfChecks.run(&recorder)
        recorder.console.write("self-test: LeveeCoAP\n")
        CoAPSelfChecks.run(&recorder)
        recorder.console.write("self-test: LeveeApp\n")
        AppSelfChecks.run(&recorder, node: &node)
        AppDomainSelfChecks.run(&recorder)
        recorder.console.write("self-test: LeveeNet\n")
        NetSelfChecks.run(&recorder)
        recorder.console.write("self-test: LeveeScheduler\n")
        SchedulerSelfChecks.run(&recorder)
        recorder.console.write("self-test: ")
        recorder.console.write(decimal: UInt64(widening: recorder.passed))
        recorder.console.write(" passed, ")
        recorder.console.write(decimal: UInt64(widening: recorder.failed))
        recorder.console.write(" failed\n")
        return recorder.failed
    }
}
