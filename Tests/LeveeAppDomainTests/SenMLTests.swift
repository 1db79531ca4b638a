import Foundation
import LeveeApp
import LeveeBase
import LeveeLinux
import XCTest

/// A small CBOR decoder for the tests (definite lengths, the items SenML uses), so the encoder is
/// checked by something that does not share its code.
indirect enum CBORValue: Equatable {
    case unsigned(UInt64), negative(Int64), text(String), bytes([UInt8]), array([CBORValue])
    case map([CBORPair]), float(Double), bool(Bool), null

    var int: Int64? {
        switch self {
        case .unsigned(let v): return Int64(v)
        case .negative(let v): return v
        default: return nil
        }
    }

    subscript(label: Int64) -> CBORValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key.int == label }?.value
    }

    static func decode(_ bytes: [UInt8]) throws -> CBORValue {
        var position = 0
        let value = try item(bytes, &position)
        guard position == bytes.count else { throw DecodeError.trailing(bytes.count - position) }
        return value
    }

    enum DecodeError: Error { case truncated, unsupported(UInt8), trailing(Int) }

    static func item(_ b: [UInt8], _ p: inout Int) throws -> CBORValue {
        guard p < b.count else { throw DecodeError.truncated }
        let initial = b[p]; p += 1
        let major = initial >> 5, info = initial & 0x1F
        func argument() throws -> UInt64 {
            let width: Int
            switch info {
            case 0..<24: return UInt64(info)
            case 24: width = 1
            case 25: width = 2
            case 26: width = 4
            case 27: width = 8
            default: throw DecodeError.unsupported(initial)
            }
            guard p + width <= b.count else { throw DecodeError.truncated }
            var v: UInt64 = 0
            for _ in 0..<width { v = v << 8 | UInt64(b[p]); p += 1 }
            return v
        }
        switch major {
        case 0: return .unsigned(try argument())
        case 1: return .negative(-1 - Int64(try argument()))
        case 2, 3:
            let n = Int(try argument())
            guard p + n <= b.count else { throw DecodeError.truncated }
            let slice = Array(b[p..<p + n]); p += n
            return major == 2 ? .bytes(slice) : .text(String(decoding: slice, as: UTF8.self))
        case 4: return .array(try (0..<Int(try argument())).map { _ in try item(b, &p) })
        case 5: return .map(try (0..<Int(try argument())).map { _ in CBORPair(key: try item(b, &p), value: try item(b, &p)) })
        case 7:
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22: return .null
            case 26: return .float(Double(Float(bitPattern: UInt32(try argument()))))
            case 27: return .float(Double(bitPattern: try argument()))
            default: throw DecodeError.unsupported(initial)
            }
        default: throw DecodeError.unsupported(initial)
        }
    }
}

struct CBORPair: Equatable {
    var key: CBORValue
    var value: CBORValue
}

final class SenMLTests: XCTestCase {
    /// A monitor with a few hours of the storm in its history.
    func stormMonitor(hours: Double = 3) throws -> ScenarioRun {
        let run = ScenarioRun(scenario: try Scenario.named("storm-surge", root: repositoryRoot))
        run.run(fieldHours: hours)
        return run
    }

    func encode(_ format: SenMLFormat, capacity: Int = 8192, skipping: Int = 0,
                _ body: (inout SenMLEncoder<BlockWindow>) -> Void) -> (bytes: [UInt8], encoder: BlockWindow) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var encoder = SenMLEncoder(format: format, into: BlockWindow(buffer, skipping: skipping))
        body(&encoder)
        return (Array(encoder.output.writer.written), encoder.output)
    }

    func testLatestValuesAsJSONDecodeWithFoundation() throws {
        let run = try stormMonitor()
        let clock = SenMLClock(now: run.seconds, bootEpoch: 1_700_000_000)
        let (bytes, encoder) = encode(.json) { SenMLDocuments.latest(run.monitor, clock: clock, into: &$0) }
        XCTAssertFalse(encoder.truncated)
        let pack = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]],
                                 String(decoding: bytes, as: UTF8.self))
        XCTAssertEqual(pack.count, Channel.count)
        XCTAssertEqual(pack[0]["bn"] as? String, "levee/")
        var byName: [String: [String: Any]] = [:]
        for record in pack { byName[record["n"] as! String] = record }
        let stage = try XCTUnwrap(byName["stage"])
        XCTAssertEqual(stage["u"] as? String, "m")
        XCTAssertEqual(stage["v"] as! Double, Double(run.monitor.latest(.stage)), accuracy: 1e-4)
        let pressure = try XCTUnwrap(byName["pore-pressure-1"])
        XCTAssertEqual(pressure["u"] as? String, "Pa", "kPa is not a SenML unit: pascals")
        XCTAssertEqual(pressure["v"] as! Double, Double(run.monitor.latest(.porePressureShallow)) * 1000, accuracy: 1)
        XCTAssertEqual(byName["tilt-x"]?["u"] as? String, "deg")
        XCTAssertEqual(byName["soil-moisture"]?["u"] as? String, "/")
        XCTAssertEqual(byName["temperature"]?["u"] as? String, "Cel")
        XCTAssertEqual(byName["battery"]?["u"] as? String, "V")
        // Absolute times: the boot epoch plus the sample's field seconds.
        let newest = try XCTUnwrap(run.monitor.newest(.stage))
        XCTAssertEqual(stage["t"] as? Int, 1_700_000_000 + Int(newest.seconds))
    }

    func testLatestValuesAsCBORDecodeBack() throws {
        let run = try stormMonitor()
        let clock = SenMLClock(now: run.seconds)          // relative times
        let (bytes, _) = encode(.cbor) { SenMLDocuments.latest(run.monitor, clock: clock, into: &$0) }
        guard case .array(let records) = try CBORValue.decode(bytes) else { return XCTFail("not an array") }
        XCTAssertEqual(records.count, Channel.count)
        XCTAssertEqual(records[0][-2], .text("levee/"))
        for (i, record) in records.enumerated() {
            let channel = Channel(index: i)
            XCTAssertEqual(record[0], .text("\(channel.name)"))
            XCTAssertEqual(record[1], .text("\(channel.senmlUnit)"))
            guard case .float(let v) = record[2] else { return XCTFail("no value for \(channel.name)") }
            XCTAssertEqual(Float(v), run.monitor.latest(channel) * channel.senmlScale)
            let t = try XCTUnwrap(record[6]?.int)
            XCTAssertLessThanOrEqual(t, 0, "relative to now: never in the future")
            XCTAssertGreaterThan(t, -700, "sampled within its period")
        }
    }

    func testHistoryPackIsBlockwiseIdenticalAndDecodes() throws {
        let run = try stormMonitor(hours: 4)
        let history = run.monitor.history(.stage)
        XCTAssertEqual(history.count, HistoryLimits.samplesPerChannel, "the ring is full after 4 h at 1/min")
        let clock = SenMLClock(now: run.seconds)
        for format in [SenMLFormat.json, .cbor] {
            let (whole, done) = encode(format) {
                SenMLDocuments.history(history, .stage, range: 0..<history.count, clock: clock, into: &$0)
            }
            XCTAssertFalse(done.truncated)
            XCTAssertEqual(done.produced, whole.count)
            // Block2 with SZX 2 (64 bytes): every block produced on its own, then joined.
            var joined: [UInt8] = []
            var offset = 0
            while true {
                let (block, encoder) = encode(format, capacity: 64, skipping: offset) {
                    SenMLDocuments.history(history, .stage, range: 0..<history.count, clock: clock, into: &$0)
                }
                joined += block
                offset += block.count
                if !encoder.truncated { break }
                XCTAssertEqual(block.count, 64)
            }
            XCTAssertEqual(joined, whole, "\(format)")
            let values: [Double]
            if format == .json {
                let pack = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(whole)) as? [[String: Any]])
                XCTAssertEqual(pack[0]["bn"] as? String, "levee/stage")
                XCTAssertEqual(pack[0]["bu"] as? String, "m")
                XCTAssertEqual(pack.last?["t"] as? Int, Int(history.newest!.seconds) - Int(history.sample(at: 0)!.seconds))
                values = pack.map { $0["v"] as! Double }
            } else {
                guard case .array(let records) = try CBORValue.decode(whole) else { return XCTFail() }
                XCTAssertEqual(records[0][-2], .text("levee/stage"))
                XCTAssertEqual(records[0][-4], .text("m"))
                values = records.map { if case .float(let v) = $0[2] { return v } else { return .nan } }
            }
            XCTAssertEqual(values.count, history.count)
            for (i, v) in values.enumerated() {
                XCTAssertEqual(v, Double(history.sample(at: i)!.value), accuracy: 1e-4 * max(1, abs(v)))
            }
        }
    }

    func testRiskPackAndTextAndFaultRecords() throws {
        let storage = UnsafeMutableBufferPointer<HistorySample>.allocate(capacity: Channel.count * 16)
        defer { storage.deallocate() }
        var monitor = SensorMonitor(historyStorage: storage)
        struct Gone: SensorDriver { func read(_ c: Channel, at: UInt32) -> Float? { c == .tiltX ? nil : 1.0 } }
        var driver = Gone()
        for k in 0..<3 { monitor.sampleDue(from: &driver, at: UInt32(k) * 600) }
        monitor.assess(at: 1200)
        let clock = SenMLClock(now: 1200)
        let (bytes, _) = encode(.json) { SenMLDocuments.risk(monitor.risk, clock: clock, into: &$0) }
        let pack = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]],
                                 String(decoding: bytes, as: UTF8.self))
        XCTAssertEqual(pack[0]["bn"] as? String, "levee/risk/")
        XCTAssertEqual(pack[0]["v"] as? Int, 0)
        XCTAssertEqual(pack[1]["vs"] as? String, "normal")
        XCTAssertEqual(pack[3]["vs"] as? String, "built-in-rule")
        XCTAssertTrue(pack.contains { $0["n"] as? String == "ignored" && $0["vs"] as? String == "tilt-x" })
        // The fault shows in the channel's own pack.
        let (channelBytes, _) = encode(.cbor) { SenMLDocuments.channel(monitor, .tiltX, clock: clock, into: &$0) }
        guard case .array(let records) = try CBORValue.decode(channelBytes) else { return XCTFail() }
        XCTAssertEqual(records.count, 1, "no value yet, only the fault record")
        XCTAssertEqual(records[0][0], .text("tilt-x/fault"))
        XCTAssertEqual(records[0][3], .text("missing"))
        // text/plain
        var text = [UInt8](repeating: 0, count: 80)
        let written = text.withUnsafeMutableBytes { raw -> [UInt8] in
            var w = ByteWriter(raw)
            monitor.risk.describe(into: &w)
            return Array(w.written)
        }
        XCTAssertEqual(String(decoding: written, as: UTF8.self), "normal quiet (ignoring faulty: tilt-x)")
    }

    /// Six significant digits, read back by Foundation's JSON parser.
    func testFloatFormattingRoundTrips() {
        var random = SplitMix64(seed: 99)
        for _ in 0..<2000 {
            let exponent = Double(Int(random.next() % 24)) - 12
            let value = Float((random.uniform() - 0.5) * pow(10, exponent))
            var text = [UInt8](repeating: 0, count: 32)
            let string = text.withUnsafeMutableBytes { raw -> String in
                var w = ByteWriter(raw)
                w.appendDecimal(value)
                return String(decoding: w.written, as: UTF8.self)
            }
            let parsed = try? JSONSerialization.jsonObject(with: Data(string.utf8), options: .fragmentsAllowed) as? NSNumber
            XCTAssertNotNil(parsed, string)
            XCTAssertEqual(parsed?.doubleValue ?? .nan, Double(value), accuracy: abs(Double(value)) * 1e-5, string)
        }
    }
}
