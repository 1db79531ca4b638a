import Foundation
import LeveeTestSupport
import XCTest

extension SlotEndToEndTests {
    /// The default risk module pushed into a node replaying the Wye's February 1991 flood
    /// (../shared/data/nrfa-55002, a field day every 3 s): the node feeds it each day's rainfall
    /// and mean flow, the module decides `/risk` and publishes its forecast, and the forecast rises
    /// before the stage peaks.
    func testDefaultRiskModuleForecastsTheFloodBeforeTheStagePeaks() throws {
        let data = Self.root.deletingLastPathComponent().appendingPathComponent("shared/data/nrfa-55002")
        guard FileManager.default.fileExists(atPath: data.path) else {
            throw XCTSkip("../shared/data/nrfa-55002 is absent: no replay to run the forecast on")
        }
        let module = try RiskModuleSlotTests.riskModule()
        let wasm = work.appendingPathComponent("risk-module.wasm")
        try Data(module).write(to: wasm)
        try keygen("ops")
        let update = try sign(wasm.path, version: 1, imports: ["levee.read_channel", "levee.config", "levee.now", "levee.publish"],
                              exports: RiskModuleSlotTests.exports)
        let speed = 28_800.0
        // Day 0 is 1991-02-17; the daily mean flow peaks on day 6 (1991-02-23, 343 m³/s), so the
        // stage (following the flow between the daily means at noon) peaks at 156 field hours.
        try startNode(extra: ["--replay", data.path, "--replay-from", "1991-02-17", "--speed", "\(Int(speed))"])
        let started = Date()
        let pushed = try push(update)
        XCTAssertEqual(pushed.status, 0, pushed.output)

        var samples: [(hours: Double, forecast: Double?, stage: Double?)] = []
        let value = try NSRegularExpression(pattern: "output: level [0-3] value (\\S+)")
        while Date().timeIntervalSince(started) * speed < 8 * 86_400 {
            let hours = Date().timeIntervalSince(started) * speed / 3600
            let slot = try state()
            let match = value.firstMatch(in: slot, range: NSRange(slot.startIndex..., in: slot))
            let forecast = match.flatMap { Range($0.range(at: 1), in: slot) }.flatMap { Double(slot[$0]) }
            let stage = Double(try coapClient(["-m", "get", "-A", "0", "-B", "5", "\(uri)/sensors/stage"]).output
                .trimmingCharacters(in: .whitespacesAndNewlines))
            samples.append((hours, forecast, stage))
            Thread.sleep(forTimeInterval: 0.2)
        }
        let risk = try coapClient(["-m", "get", "-A", "0", "-B", "5", "\(uri)/risk"]).output
        let trace = samples.map { String(format: "%6.1f h  forecast %@  stage %@", $0.hours,
                                         $0.forecast.map { String(format: "%7.1f", $0) } ?? "      -",
                                         $0.stage.map { String(format: "%5.2f", $0) } ?? "    -") }
            .joined(separator: "\n")
        print(trace)
        XCTAssertTrue(risk.contains("module"), "the module decides /risk: \(risk)")

        let peak = try XCTUnwrap(samples.indices.max { (samples[$0].stage ?? 0) < (samples[$1].stage ?? 0) })
        let before = samples[..<peak].compactMap(\.forecast)
        let first = try XCTUnwrap(before.first, "a forecast published before the stage peaked\n\(trace)")
        let highest = try XCTUnwrap(before.max())
        XCTAssertGreaterThan(highest, 3 * first, "the forecast rose before the stage peaked\n\(trace)")
        XCTAssertGreaterThan(highest, 216.074, "and crossed the flood flow before the peak\n\(trace)")
        XCTAssertGreaterThan(samples[peak].hours, 100, "the stage peaked with the flood\n\(trace)")
        XCTAssertTrue(try state().contains("traps: 0"))
        // The last day handed over, in /health.
        let health = try coapClient(["-m", "get", "-B", "5", "\(uri)/health"]).output
        XCTAssertTrue(health.contains("{\"n\":\"day/mean-flow\",\"u\":\"m3/s\",\"v\":"), health)
        XCTAssertTrue(health.contains("{\"n\":\"day/rainfall\",\"u\":\"mm\",\"v\":"), health)
    }
}

extension SlotEndToEndTests {
    /// `/slot/run` calls the module against the monitor, as the sampler does: the stage rule
    /// (fixtures/ota-guests/swift/StageRule.swift) publishes the stage it reads, and its threshold
    /// is `config(0)`, the stage's watch threshold, which an operator changes through `/config`.
    func testSlotRunReadsTheMonitorAndTheConfiguration() throws {
        try keygen("ops")
        let rule = try sign("stage-rule", version: 1)
        try startNode(extra: ["--scenario", "normal", "--speed", "600"])
        XCTAssertEqual(try push(rule).status, 0)
        let stage = try XCTUnwrap(Double(try coapClient(["-m", "get", "-A", "0", "-B", "5", "\(uri)/sensors/stage"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let run = try levee(["slot", "--node", uri, "--run"]).output
        // About 1.1 m in the normal season: below 80 % of the 3 m watch threshold.
        XCTAssertTrue(run.contains("run: 2.05 level 0"), run)
        let value = try NSRegularExpression(pattern: "output: level 0 value (\\S+)")
        let match = try XCTUnwrap(value.firstMatch(in: run, range: NSRange(run.startIndex..., in: run)), run)
        let published = try XCTUnwrap(Double(run[Range(match.range(at: 1), in: run)!]))
        XCTAssertEqual(published, stage, accuracy: 0.05, "the module read the stage the node measured")

        // Watch threshold 0.5 m: the rule's danger is above 0.6 m.
        let changed = try coapClient(["-m", "put", "-t", "0", "-e", "stage=0.5,4.5,5.5", "-B", "5", "\(uri)/config"])
        XCTAssertFalse(changed.output.contains("4."), changed.output)
        XCTAssertTrue(try levee(["slot", "--node", uri, "--run"]).output.contains("run: 2.05 level 3"))
    }
}
