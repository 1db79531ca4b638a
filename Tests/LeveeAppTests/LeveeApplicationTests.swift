import Foundation
import XCTest

/// The levee application end to end: `levee-node` running a scenario in compressed time, asked
/// and observed by libcoap's `coap-client-notls`.
final class LeveeApplicationTests: XCTestCase {
    /// One message the client logged at debug level: its type, code and the payload after it.
    struct Logged {
        var type: String
        var code: String
        var payload: String
    }

    /// The messages with a payload in `coap-client -v 7` output: a header line
    /// `v:1 t:CON c:2.05 i:… {…} [ … ]` and, a few lines on, the payload as the client prints it.
    static func messages(in output: String) -> [Logged] {
        var result: [Logged] = []
        var pending: (String, String)?
        for line in output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("v:1 t:") {
                let fields = line.split(separator: " ")
                guard fields.count > 2 else { continue }
                pending = line.contains(":: binary data") || line.contains(":: '")
                    ? (String(fields[1].dropFirst(2)), String(fields[2].dropFirst(2))) : nil
            } else if let header = pending, line.hasPrefix("[{") {
                result.append(Logged(type: header.0, code: header.1, payload: line))
                pending = nil
            }
        }
        return result
    }

    /// The `level` record of a `/risk` SenML JSON pack.
    static func level(_ payload: String) -> Int? {
        guard let range = payload.range(of: #""n":"level","v":(\d)"#, options: .regularExpression) else { return nil }
        return payload[range].last?.wholeNumberValue
    }

    /// Done: the storm surge raises the risk through watch, warning and danger in order, and an
    /// observing libcoap client gets every level change as a CON notification (and ACKs it).
    func testStormSurgeRaisesRiskThroughWatchWarningDangerWithConfirmableAlarms() throws {
        // x20000: the 72 h storm in 13 s; the rain starts at 4 h (0.7 s), so the observation
        // begins while the level is still normal (checked below, not assumed).
        let node = try NodeProcess(arguments: ["--scenario", "storm-surge", "--speed", "20000"])
        defer { XCTAssertEqual(node.stop(), 0) }
        let result = try runTool("coap-client-notls", ["-v", "7", "-s", "12", "-B", "15",
                                                        "coap://127.0.0.1:\(node.port)/risk"])
        let messages = Self.messages(in: result.output).filter { $0.code == "2.05" }
        let first = try XCTUnwrap(messages.first, result.output)
        XCTAssertEqual(first.type, "ACK", "the registration is answered piggybacked")
        XCTAssertEqual(Self.level(first.payload), 0, "observed from normal on: \(first.payload)")

        var levels: [Int] = []
        var previous = 0
        for message in messages.dropFirst() {
            let level = try XCTUnwrap(Self.level(message.payload), message.payload)
            if level != previous {
                XCTAssertEqual(message.type, "CON", "a level change is an alarm, sent CON: \(message.payload)")
                levels.append(level)
            }
            previous = level
        }
        XCTAssertEqual(Array(levels.prefix(3)), [1, 2, 3], "watch, warning, danger in order; all changes \(levels)")
        // The client acknowledged every CON notification (libcoap logs the ACK it sends).
        let acks = result.output.components(separatedBy: "t:ACK c:0.00").count - 1
        XCTAssertGreaterThanOrEqual(acks, 3, result.output)
    }

    /// Each sensor fault of the sensor-faults scenario (stuck stage, spiking and drifting
    /// piezometers, a tilt drop-out) reaches the operator observing `/sensors` as a
    /// `<channel>/fault` record, and the risk, observed all along, never leaves normal: the faults
    /// do not mislead it.
    func testSensorFaultsAreFlaggedOverCoAPAndDoNotRaiseTheRisk() throws {
        // x20000: the 48 h scenario in 8.6 s.
        let node = try NodeProcess(arguments: ["--scenario", "sensor-faults", "--speed", "20000"])
        defer { XCTAssertEqual(node.stop(), 0) }
        let base = "coap://127.0.0.1:\(node.port)"
        // Two clients at once, each printing the payloads one after another into a file.
        let outputs = try runToolsConcurrently("coap-client-notls", ["risk", "sensors"].map { ["-s", "9", "-B", "12", "\(base)/\($0)"] })
        XCTAssertTrue(outputs[0].contains(#""n":"level","v":0"#), outputs[0])
        for level in 1...3 {
            XCTAssertFalse(outputs[0].contains("\"n\":\"level\",\"v\":\(level)"), "the risk stayed normal: \(outputs[0])")
        }
        for (channel, reason) in ["stage": "stuck", "pore-pressure-2": "spike", "tilt-x": "missing", "pore-pressure-3": "drift"] {
            XCTAssertTrue(outputs[1].contains("{\"n\":\"\(channel)/fault\",\"vs\":\"\(reason)\"}"),
                          "\(channel) flagged \(reason): \(outputs[1].suffix(1500))")
        }
    }

    /// `/config`: a threshold changed with a text PUT, a bad change refused with 4.00 and the
    /// reason, and the change kept in the board's flash record across a restart.
    func testConfigChangeIsValidatedAndPersisted() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("levee-config-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: store) }
        do {
            let node = try NodeProcess(arguments: ["--config-store", store.path])
            defer { XCTAssertEqual(node.stop(), 0) }
            let url = "coap://127.0.0.1:\(node.port)/config"
            let put = try runTool("coap-client-notls", ["-m", "put", "-t", "0", "-e", "stage=2.5,4,5;period.stage=30", "-B", "5", url])
            XCTAssertFalse(put.output.contains("4."), put.output)
            let wrong = try runTool("coap-client-notls", ["-m", "put", "-t", "0", "-e", "stage=5,4,3", "-B", "5", url])
            XCTAssertTrue(wrong.output.contains("4.00") && wrong.output.contains("invalid: stage"), wrong.output)
            let unknown = try runTool("coap-client-notls", ["-m", "post", "-t", "0", "-e", "flood=yes", "-B", "5", url])
            XCTAssertTrue(unknown.output.contains("4.00"), unknown.output)
            let cbor = try runTool("coap-client-notls", ["-m", "get", "-B", "5", url])
            XCTAssertEqual(cbor.status, 0)
            // The same kind of change as a CBOR map (content format 60): {"tilt-rate": [0.25, 0.5,
            // 1.5] as half floats, "periods": {"battery": 600}}.
            func text(_ s: String) -> [UInt8] { [0x60 | UInt8(s.utf8.count)] + Array(s.utf8) }
            let change = [0xA2] + text("tilt-rate") + [0x83, 0xF9, 0x34, 0x00, 0xF9, 0x38, 0x00, 0xF9, 0x3E, 0x00]
                + text("periods") + [0xA1] + text("battery") + [0x19, 0x02, 0x58]
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("levee-config-\(UUID().uuidString).cbor")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(change).write(to: file)
            let cborPut = try runTool("coap-client-notls", ["-m", "put", "-t", "60", "-f", file.path, "-B", "5", url])
            XCTAssertFalse(cborPut.output.contains("4."), cborPut.output)
            try Data([0xA1] + text("flood") + [0x01]).write(to: file)
            let cborWrong = try runTool("coap-client-notls", ["-m", "put", "-t", "60", "-f", file.path, "-B", "5", url])
            XCTAssertTrue(cborWrong.output.contains("4.00"), cborWrong.output)
            let json = try runTool("coap-client-notls", ["-m", "put", "-t", "50", "-e", "{}", "-B", "5", url])
            XCTAssertTrue(json.output.contains("4.15"), json.output)
        }
        let restarted = try NodeProcess(arguments: ["--config-store", store.path])
        defer { XCTAssertEqual(restarted.stop(), 0) }
        let text = try runTool("coap-client-notls", ["-m", "get", "-A", "0", "-B", "5", "coap://127.0.0.1:\(restarted.port)/config"])
        XCTAssertTrue(text.output.contains("\nstage=2.5,4,5\n"), text.output)
        XCTAssertTrue(text.output.contains("period.stage=30\n"), text.output)
        XCTAssertTrue(text.output.contains("period.battery=600\n"), text.output)
        XCTAssertTrue(text.output.contains("\ntilt-rate=0.25,0.5,1.5\n"), text.output)
    }

    /// `/history/<channel>` in 64-byte blocks is one whole SenML pack; `?window=` aggregates.
    func testHistoryIsServedBlockwiseAndAggregated() throws {
        let node = try NodeProcess(arguments: ["--scenario", "normal", "--speed", "7200"])
        defer { XCTAssertEqual(node.stop(), 0) }
        let base = "coap://127.0.0.1:\(node.port)"
        // The stage ring (128 samples, one a field minute) is full after 7680 field seconds, about
        // a second here; /health says how far field time has got.
        var fieldTime = 0.0
        for _ in 0..<200 where fieldTime < 8000 {
            let health = try runTool("coap-client-notls", ["-m", "get", "-B", "5", "\(base)/health"])
            let records = (try? JSONSerialization.jsonObject(with: Data(health.output.utf8))) as? [[String: Any]] ?? []
            fieldTime = records.first { $0["n"] as? String == "field-time" }?["v"] as? Double ?? 0
        }
        XCTAssertGreaterThanOrEqual(fieldTime, 8000)
        // A block-wise transfer of a representation that changes midway starts again (the ETag
        // moves): sample the stage once a field day (12 s here) so the ring holds still for it.
        let slow = try runTool("coap-client-notls", ["-m", "put", "-t", "0", "-e", "period.stage=86400", "-B", "5", "\(base)/config"])
        XCTAssertFalse(slow.output.contains("4."), slow.output)
        // The sample already scheduled at the old period may still land: let it, and should a
        // transfer still meet a change (libcoap then warns on the same output and starts over),
        // ask again.
        Thread.sleep(forTimeInterval: 0.2)
        var history = try runTool("coap-client-notls", ["-m", "get", "-b", "64", "-B", "10", "\(base)/history/stage"])
        for _ in 0..<3 where history.output.contains("updated during receipt") {
            history = try runTool("coap-client-notls", ["-m", "get", "-b", "64", "-B", "10", "\(base)/history/stage"])
        }
        let pack = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(history.output.utf8)) as? [[String: Any]], history.output)
        XCTAssertEqual(pack.count, 128, "the whole ring, reassembled from 64-byte blocks")
        XCTAssertGreaterThan(history.output.utf8.count, 64 * 20)
        XCTAssertEqual(pack.first?["bn"] as? String, "levee/stage")
        XCTAssertEqual(pack.first?["bu"] as? String, "m")
        let hourly = try runTool("coap-client-notls", ["-m", "get", "-B", "10", "\(base)/history/stage?window=3600"])
        let windows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(hourly.output.utf8)) as? [[String: Any]], hourly.output)
        XCTAssertEqual(Set(windows.compactMap { $0["n"] as? String }), ["min", "mean", "max"])
        let bad = try runTool("coap-client-notls", ["-m", "get", "-B", "5", "\(base)/history/stage?window=x"])
        XCTAssertTrue(bad.output.contains("4.00"), bad.output)
    }
}
