import Foundation
import LeveeApp
import LeveeBase
import LeveeLinux
import XCTest

final class HistoryTests: XCTestCase {
    func testRingKeepsTheNewestAndAggregatesPerWindow() {
        let storage = UnsafeMutableBufferPointer<HistorySample>.allocate(capacity: 10)
        defer { storage.deallocate() }
        var ring = ChannelHistory(storage: storage)
        for k in 0..<25 { ring.append(HistorySample(seconds: UInt32(k) * 60, value: Float(k), suspect: k == 20)) }
        XCTAssertEqual(ring.count, 10)
        XCTAssertEqual(ring.appended, 25)
        XCTAssertEqual(ring.sample(at: 0)?.value, 15)
        XCTAssertEqual(ring.newest?.value, 24)
        XCTAssertEqual(ring.firstIndex(atOrAfter: 18 * 60), 3)
        XCTAssertEqual(ring.firstIndex(atOrAfter: 30 * 60), 10)
        // Windows of 5 minutes from minute 15: [15..19], [20..24] without the suspect 20.
        let first = ring.aggregate(from: 15 * 60, window: 300)
        XCTAssertEqual(first, HistoryAggregate(start: 900, count: 5, minimum: 15, mean: 17, maximum: 19))
        let second = ring.aggregate(from: 20 * 60, window: 300)
        XCTAssertEqual(second, HistoryAggregate(start: 1200, count: 4, minimum: 21, mean: 22.5, maximum: 24))
        XCTAssertNil(ring.aggregate(from: 0, window: 300), "nothing kept from the first minutes")
        XCTAssertEqual(Double(ring.ratePerHour(window: 600, now: 24 * 60) ?? 0), 60, accuracy: 1e-3, "1 per minute")
    }

    func testAggregatePackOfTheStorm() throws {
        let run = ScenarioRun(scenario: try Scenario.named("storm-surge", root: repositoryRoot))
        run.run(fieldHours: 20)
        let history = run.monitor.history(.stage)
        let start = history.sample(at: 0)!.seconds / 1800 * 1800
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { buffer.deallocate() }
        var encoder = SenMLEncoder(format: .json, into: ByteWriter(buffer))
        SenMLDocuments.aggregates(history, .stage, start: start, window: 1800, windows: 6,
                                  clock: SenMLClock(now: run.seconds), into: &encoder)
        let pack = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(encoder.output.written)) as? [[String: Any]])
        XCTAssertEqual(pack.count % 3, 0)
        XCTAssertGreaterThanOrEqual(pack.count, 9)
        XCTAssertEqual(pack[0]["bn"] as? String, "levee/stage")
        for k in stride(from: 0, to: pack.count, by: 3) {
            XCTAssertEqual(pack[k]["n"] as? String, "min")
            XCTAssertEqual(pack[k + 1]["n"] as? String, "mean")
            XCTAssertEqual(pack[k + 2]["n"] as? String, "max")
            let lo = pack[k]["v"] as! Double, mean = pack[k + 1]["v"] as! Double, hi = pack[k + 2]["v"] as! Double
            XCTAssertLessThanOrEqual(lo, mean)
            XCTAssertLessThanOrEqual(mean, hi)
            XCTAssertGreaterThan(hi - lo, 0.01, "the river rises within every half hour of the storm")
        }
    }
}

final class ConfigTests: XCTestCase {
    func record(_ config: AppConfig) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: AppConfig.recordSize)
        bytes.withUnsafeMutableBytes { raw in
            var w = ByteWriter(raw)
            config.writeRecord(into: &w)
            XCTAssertEqual(w.count, AppConfig.recordSize)
        }
        return bytes
    }

    func testRecordRoundTripAndRefusals() throws {
        var config = AppConfig()
        config.periods[Channel.battery.index] = 3600
        config.tiltRate = RiskThresholds(watch: 0.2, warning: 0.5, danger: 2)
        config.timeCompression = 3600
        let bytes = record(config)
        var base = AppConfig()
        base.timeCompression = 3600
        XCTAssertEqual(try bytes.withUnsafeBytes { try AppConfig(record: $0, base: base) }, config)
        XCTAssertThrowsError(try [UInt8](repeating: 0xFF, count: AppConfig.recordSize).withUnsafeBytes { try AppConfig(record: $0) }) {
            XCTAssertEqual($0 as? ConfigError, .notARecord, "erased flash")
        }
        XCTAssertThrowsError(try bytes.prefix(50).withUnsafeBytes { try AppConfig(record: UnsafeRawBufferPointer($0)) }) {
            XCTAssertEqual($0 as? ConfigError, .truncated)
        }
        for index in 6..<AppConfig.recordSize {
            var corrupt = bytes
            corrupt[index] ^= 0x10
            XCTAssertThrowsError(try corrupt.withUnsafeBytes { try AppConfig(record: $0) }, "byte \(index)")
        }
        var disordered = AppConfig()
        disordered.stage = RiskThresholds(watch: 5, warning: 4, danger: 6)
        XCTAssertEqual(disordered.invalidField(), .stageThresholds)
        XCTAssertThrowsError(try record(disordered).withUnsafeBytes { try AppConfig(record: $0) }) {
            XCTAssertEqual($0 as? ConfigError, .invalid(.stageThresholds))
        }
        var nan = AppConfig()
        nan.porePressureRise.warning = .nan
        XCTAssertEqual(nan.invalidField(), .porePressureThresholds)
    }

    func testFieldTimeAndDeadlines() {
        var config = AppConfig()
        config.timeCompression = 3600
        XCTAssertEqual(config.fieldSeconds(at: Instant(microseconds: 2_500_000)), 9000)
        XCTAssertEqual(config.fieldSeconds(at: Instant(microseconds: 2_000_277)), 7200, "whole field seconds")
        XCTAssertEqual(config.instant(atFieldSeconds: 7200), Instant(microseconds: 2_000_000))
        XCTAssertEqual(config.instant(atFieldSeconds: 7201), Instant(microseconds: 2_000_278), "never before it is due")
        XCTAssertEqual(config.fieldSeconds(at: config.instant(atFieldSeconds: 7201)), 7201)
        XCTAssertEqual(config.taskPeriod(of: .stage), .microseconds(16_666), "60 s of field time at ×3600")
        let storage = UnsafeMutableBufferPointer<HistorySample>.allocate(capacity: Channel.count * 4)
        defer { storage.deallocate() }
        var monitor = SensorMonitor(historyStorage: storage)
        var adc = ADCStubDriver()
        monitor.sampleDue(from: &adc, at: 0)
        XCTAssertEqual(monitor.nextSampleDue, 60, "the 1-per-minute channels come first")
    }

    func testConfigAsCBORDecodes() throws {
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = bytes.withUnsafeMutableBytes { raw -> Int in
            var w = ByteWriter(raw)
            ConfigCBOR.write(AppConfig(), into: &w)
            XCTAssertFalse(w.overflowed)
            return w.count
        }
        guard case .map(let pairs) = try CBORValue.decode(Array(bytes[0..<count])) else { return XCTFail() }
        XCTAssertEqual(pairs.count, 1 + ConfigKey.count, "periods and every key")
        guard case .map(let periods)? = pairs.first(where: { $0.key == .text("periods") })?.value else { return XCTFail() }
        XCTAssertTrue(periods.contains { $0.key == .text("stage") && $0.value == .unsigned(60) })
        XCTAssertEqual(pairs.first { $0.key == .text("stage") }?.value, .array([.float(3), .float(4.5), .float(5.5)]))
    }
}
