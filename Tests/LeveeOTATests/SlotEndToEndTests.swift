import Foundation
import LeveeTestSupport
import XCTest

/// The slot end to end on loopback, as an operator uses it: `levee-node --flash --trusted-key`,
/// updates signed by `levee sign`, pushed by `levee push` and by libcoap's `coap-client-notls`,
/// refusals with their CoAP codes and nothing changed, a rollback after trapping calls, and the
/// node killed (its flash operations cut short) during a push and its activation.
final class SlotEndToEndTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("levee-slot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        node?.stop()
        try? FileManager.default.removeItem(at: work)
    }

    static var root: URL { SlotTests.root }

    func levee(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram(NodeProcess.executable("levee"), arguments)
    }

    var flash: String { work.appendingPathComponent("flash.img").path }
    var node: NodeProcess?
    var uri: String { node?.uri ?? "" }

    /// Starts a node on the flash image (the previous one must be stopped).
    @discardableResult
    func startNode(powerLossAfter: Int? = nil, extra: [String] = []) throws -> NodeProcess {
        var arguments = ["--flash", flash, "--trusted-key", work.appendingPathComponent("ops.pub").path] + extra
        if let powerLossAfter { arguments += ["--power-loss-after", "\(powerLossAfter)"] }
        let started = try NodeProcess(arguments: arguments)
        node = started
        return started
    }

    /// A signed update of a guest of build/ota-guests.
    func sign(_ guest: String, version: Int, key: String = "ops", imports: [String]? = nil, memory: Int = 4096,
              exports: [String] = ["assess"]) throws -> String {
        _ = try SlotTests.guest(guest.hasPrefix("/") ? "v1" : guest)   // builds the guests when missing or stale
        let output = work.appendingPathComponent("\(URL(fileURLWithPath: guest).lastPathComponent)-\(version)-\(key)-\(UUID().uuidString.prefix(6)).cose").path
        let module = guest.hasPrefix("/") ? guest : Self.root.appendingPathComponent("build/ota-guests/\(guest).wasm").path
        var arguments = ["sign", "--key", work.appendingPathComponent("\(key).key").path, "--module", module,
                         "--version", "\(version)", "--memory", "\(memory)", "--output", output]
        for name in exports { arguments += ["--export", name] }
        for name in imports ?? SlotTests.api.map({ "\($0.0).\($0.1)" }) { arguments += ["--import", name] }
        let result = try levee(arguments)
        XCTAssertEqual(result.status, 0, result.output)
        return output
    }

    func keygen(_ name: String, kid: String = "ops-1") throws {
        let result = try levee(["keygen", "--kid", kid, "--output", work.appendingPathComponent(name).path])
        XCTAssertEqual(result.status, 0, result.output)
    }

    func state() throws -> String { try levee(["slot", "--node", uri]).output }

    func push(_ file: String, _ extra: [String] = []) throws -> (status: Int32, output: String) {
        try levee(["push", "--node", uri] + extra + [file])
    }

    func testPushWithTheToolAndWithLibcoapThenRun() throws {
        try keygen("ops")
        let v1 = try sign("v1", version: 1), v2 = try sign("v2", version: 2)
        try startNode()
        XCTAssertTrue(try state().contains("state: no-module"))

        let pushed = try push(v1)
        XCTAssertEqual(pushed.status, 0, pushed.output)
        XCTAssertTrue(pushed.output.contains("active: slot 0 version 1"), pushed.output)
        XCTAssertTrue(try levee(["slot", "--node", uri, "--run"]).output.contains("run: 2.05 level 1"))

        let libcoap = try coapClient(["-m", "put", "-b", "512", "-t", "18", "-f", v2, "\(uri)/slot/image"])
        XCTAssertFalse(libcoap.output.contains("4."), libcoap.output)
        let after = try levee(["slot", "--node", uri, "--run"]).output
        XCTAssertTrue(after.contains("run: 2.05 level 2"), after)
        XCTAssertTrue(after.contains("active: slot 1 version 2"), after)
        XCTAssertTrue(after.contains("fallback: slot 0 version 1"), after)
        XCTAssertTrue(after.contains("output: level 2"), after)
        // libcoap's refusal of the older one: 4.09 and its reason.
        let older = try coapClient(["-m", "put", "-b", "512", "-t", "18", "-f", v1, "\(uri)/slot/image"])
        XCTAssertTrue(older.output.contains("4.09"), older.output)
    }

    /// Once a module is active, the node's risk level is the module's (reason "module"), in a
    /// normal season where the built-in rule says normal; observers of `/risk` see it.
    func testActiveModuleDecidesTheRisk() throws {
        try keygen("ops")
        let v2 = try sign("v2", version: 2)   // always answers level 2 (warning)
        try startNode(extra: ["--scenario", "normal", "--speed", "20000"])
        XCTAssertTrue(try coapClient(["-m", "get", "-B", "5", "\(uri)/risk"]).output.contains("normal"))
        let pushed = try push(v2)
        XCTAssertEqual(pushed.status, 0, pushed.output)
        var risk = ""
        for _ in 0..<100 where !risk.contains("warning module") {
            Thread.sleep(forTimeInterval: 0.05)
            risk = try coapClient(["-m", "get", "-A", "0", "-B", "5", "\(uri)/risk"]).output
        }
        XCTAssertTrue(risk.contains("warning module"), risk)
        let senml = try coapClient(["-m", "get", "-A", "110", "-B", "5", "\(uri)/risk"]).output
        XCTAssertTrue(senml.contains("{\"n\":\"source\",\"vs\":\"module\"}"), senml)
    }

    func testRefusalsOverCoAPChangeNothing() throws {
        try keygen("ops")
        try keygen("stranger")                // same kid, other key
        try keygen("other", kid: "ops-9")     // a kid the node does not know
        let v2 = try sign("v2", version: 2)
        try startNode()
        XCTAssertEqual(try push(v2).status, 0)
        let before = try state()

        let tamper = { (file: String, at: (Data) -> Int, name: String) throws -> String in
            var data = try Data(contentsOf: URL(fileURLWithPath: file))
            data[at(data)] ^= 0x01
            let out = self.work.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: out))
            return out
        }
        let v3 = try sign("v2", version: 3)
        let big = work.appendingPathComponent("big.cose").path
        try Data(repeating: 0xA5, count: 70_000).write(to: URL(fileURLWithPath: big))
        let invalid = work.appendingPathComponent("invalid.wasm").path
        try Data([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x0A, 0x03, 0x01, 0x00, 0x0B]).write(to: URL(fileURLWithPath: invalid))
        let cases: [(String, String, String)] = [
            ("unsigned", Self.root.appendingPathComponent("build/ota-guests/v2.wasm").path, "4.01"),
            ("wrong key", try sign("v2", version: 3, key: "stranger"), "4.01: bad signature"),
            ("unknown key", try sign("v2", version: 3, key: "other"), "4.03: unknown key"),
            ("tampered module", try tamper(v3, { $0.count - 64 - 40 }, "module.cose"), "4.01: bad signature"),
            ("tampered manifest", try tamper(v3, { $0.firstRange(of: Data([0xA7, 0x01, 0x03]))!.lowerBound + 2 }, "manifest.cose"), "4.01: bad signature"),
            ("older version", try sign("v1", version: 1), "4.09: version not newer"),
            ("invalid module", try sign(invalid, version: 3), "4.00: invalid module"),
            ("unknown import", try sign("unknown", version: 3, imports: SlotTests.api.map { "\($0.0).\($0.1)" } + ["levee.launch"]), "4.00: unknown import"),
            ("too much memory", try sign("bigmem", version: 3), "4.00: memory over budget"),
            ("missing export", try sign("v2", version: 3, exports: ["assess", "forecast"]), "4.00: missing export"),
            ("too large", big, "4.13"),
        ]
        for (name, file, expected) in cases {
            let result = try push(file)
            XCTAssertEqual(result.status, 2, "\(name): \(result.output)")
            XCTAssertTrue(result.output.contains("refused \(expected)"), "\(name): \(result.output)")
            XCTAssertTrue(try state().contains("active: slot 0 version 2"), name)
        }
        // Interrupted halfway: the node runs on; the next upload starts over and succeeds.
        let stopped = try push(v3, ["--block", "256", "--stop-after", "2"])
        XCTAssertTrue(stopped.output.contains("stopped after 2 blocks"), stopped.output)
        let half = try state()
        XCTAssertTrue(half.contains("active: slot 0 version 2") && half.contains("staged: receiving 512 B"), half)
        XCTAssertEqual(try push(v3).status, 0)
        let final = try state()
        XCTAssertTrue(final.contains("active: slot 1 version 3") && final.contains("fallback: slot 0 version 2"), final)
        XCTAssertTrue(before.contains("active: slot 0 version 2"), before)
    }

    func testTrappingModuleIsRolledBackOverCoAP() throws {
        try keygen("ops")
        // The stage gauge drops out from the start, so the stage reads NaN: this module traps on
        // NaN (its self-test reads 0 and passes). At speed 1 the sampler's next call of the module
        // is a minute away: the three calls below are the only ones.
        try startNode(extra: ["--fault", "stage:dropout:0:1000"])
        XCTAssertEqual(try push(try sign("v1", version: 1)).status, 0)
        XCTAssertEqual(try push(try sign("trap", version: 2)).status, 0)
        var last = ""
        for _ in 0..<3 { last = try levee(["slot", "--node", uri, "--run"]).output }
        XCTAssertTrue(last.contains("run: 5.00 fault; rolled back"), last)
        XCTAssertTrue(last.contains("active: slot 0 version 1"), last)
        XCTAssertTrue(last.contains("rollbacks: 1 (last change: faults)"), last)
        XCTAssertTrue(last.contains("traps: 3"), last)
        XCTAssertTrue(try levee(["slot", "--node", uri, "--run"]).output.contains("run: 2.05 level 1"))
        let rolled = try levee(["slot", "--node", uri, "--rollback"]).output
        XCTAssertTrue(rolled.contains("rollback: 2.04") && rolled.contains("state: no-module"), rolled)
    }

    /// The node exits (as at a power loss) before flash operation K+1 of a push and activation
    /// of v1 and then of v2, for K spread over the whole run and every operation of the two
    /// activation records; restarted, it runs a verified module (v1 or v2, or none before v1's
    /// record) and takes the next update.
    func testKilledDuringPushAndActivationAlwaysRestartsConsistent() throws {
        try keygen("ops")
        let v1 = try sign("v1", version: 1), v2 = try sign("v2", version: 2), v3 = try sign("v1", version: 3)
        // A clean run, to count the operations.
        try startNode()
        XCTAssertEqual(try push(v1).status, 0)
        let afterV1 = try XCTUnwrap(operations(try state()))
        XCTAssertEqual(try push(v2).status, 0)
        let total = try XCTUnwrap(operations(try state()))
        node?.stop()
        var cuts = Set(stride(from: 0, through: total, by: max(1, total / 12)))
        cuts.formUnion((afterV1 - 9)...afterV1)   // every word of v1's activation record
        cuts.formUnion((total - 9)...total)
        for k in cuts.sorted() {
            try? FileManager.default.removeItem(atPath: flash)
            let cut = try startNode(powerLossAfter: k).process
            for file in [v1, v2] where cut.isRunning {
                let pushing = Process()
                pushing.executableURL = try NodeProcess.executable("levee")
                pushing.arguments = ["push", "--node", uri, file]
                pushing.standardOutput = FileHandle.nullDevice
                pushing.standardError = FileHandle.nullDevice
                try pushing.run()
                while pushing.isRunning && cut.isRunning { usleep(5_000) }
                if pushing.isRunning { pushing.terminate() }
                pushing.waitUntilExit()
            }
            if cut.isRunning { node?.stop() } else { XCTAssertEqual(cut.terminationStatus, 137, "k=\(k)") }
            try startNode()
            let restarted = try state()
            let running = ["active: slot 0 version 1", "active: slot 1 version 2"].contains { restarted.contains($0) }
            XCTAssertTrue(running || (k < afterV1 && restarted.contains("state: no-module")), "k=\(k): \(restarted)")
            if k >= afterV1 { XCTAssertTrue(running, "k=\(k): \(restarted)") }
            XCTAssertEqual(try push(v3).status, 0, "k=\(k)")
            XCTAssertTrue(try state().contains("version 3"), "k=\(k)")
            node?.stop()
        }
    }

    /// While the slot's module computes (busy.wasm, a long computation at every scan, back to
    /// back at --speed 20000), CoAP answers keep coming: the module runs outside the service lock
    /// and the host polls the socket at the interpreter's preemption points. Every GET of a load
    /// (3 s: several calls) is answered within a third of one module call (no retransmission: a request that waited
    /// for a call to end would count as lost), none refused; the module's calls go on meanwhile.
    func testCoAPAnswersWhileTheModuleComputes() throws {
        try keygen("ops")
        let busy = try sign("busy", version: 1)
        try startNode(extra: ["--scenario", "normal", "--speed", "20000", "--fuel-per-call", "2000000000"])
        let pushed = try push(busy)
        XCTAssertEqual(pushed.status, 0, pushed.output)
        // One call's duration: POST /slot/run calls the module at the network's priority (a
        // refusal while the sampler has the slot costs its Max-Age of 1 s, said on stderr).
        let started = Date()
        let run = try levee(["slot", "--node", uri, "--run"])
        let retries = run.output.components(separatedBy: "retrying in 1 s").count - 1
        let call = Date().timeIntervalSince(started) - Double(retries)
        XCTAssertTrue(run.output.contains("run: 2.05 level 1"), run.output)
        Thread.sleep(forTimeInterval: 2.5)   // past the slot's reservation for /slot clients
        let before = try XCTUnwrap(figure("calls", try state()))   // may be refused (5.03) and retried
        Thread.sleep(forTimeInterval: 2.5)
        let timeout = max(0.1, call / 3)
        let load = try levee(["load", "\(uri)/sys/uptime", "--clients", "4", "--duration", "3", "--no-retransmit",
                              "--timeout", String(format: "%.3f", timeout), "--json", "-", "--quiet"])
        XCTAssertEqual(load.status, 0, load.output)
        let runs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(load.output.utf8)) as? [[String: Any]])
        let counters = try XCTUnwrap(runs.first?["counters"] as? [String: Int])
        XCTAssertGreaterThan(counters["success"] ?? 0, 100, load.output)
        XCTAssertEqual(counters["success"], counters["sent"], "one module call takes \(call) s: \(load.output)")
        XCTAssertEqual(counters["serverErrors"], 0, load.output)
        XCTAssertEqual(counters["lost"], 0, "one module call takes \(call) s: \(load.output)")
        let after = try state()
        XCTAssertGreaterThan(try XCTUnwrap(figure("calls", after)), before + 1, after)
        XCTAssertEqual(figure("traps", after), 0, after)
        XCTAssertEqual(figure("fuel-exhausted", after), 0, after)
    }

    func figure(_ name: String, _ state: String) -> Int? {
        state.split(separator: "\n").first { $0.hasPrefix("\(name): ") }.flatMap { Int($0.dropFirst(name.count + 2).prefix { $0.isNumber }) }
    }

    func operations(_ state: String) -> Int? {
        state.split(separator: "\n").first { $0.hasPrefix("flash-operations: ") }.flatMap { Int($0.dropFirst("flash-operations: ".count)) }
    }
}
