import LeveeApp
import LeveeBase
import XCTest

/// `/config`'s text form: what GET shows, PUT takes back; malformed and invalid changes refused
/// whole, never half applied.
final class ConfigTextTests: XCTestCase {
    func apply(_ text: String, to config: inout AppConfig) -> ConfigText.Verdict {
        Array(text.utf8).withUnsafeBytes { ConfigText.apply($0, to: &config) }
    }

    func written(_ config: AppConfig) -> String {
        var bytes = [UInt8](repeating: 0, count: 1024)
        let count = bytes.withUnsafeMutableBytes { raw -> Int in
            var w = ByteWriter(raw)
            ConfigText.write(config, into: &w)
            XCTAssertFalse(w.overflowed)
            return w.count
        }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }

    func testChangesApplyAndTheTextRoundTrips() {
        var config = AppConfig()
        XCTAssertEqual(apply("stage=2.5,4,5;period.stage=30&raise-hold=300\nmissing-limit = 3", to: &config), .accepted)
        XCTAssertEqual(config.stage, RiskThresholds(watch: 2.5, warning: 4, danger: 5))
        XCTAssertEqual(config.period(of: .stage), 30)
        XCTAssertEqual(config.raiseHoldSeconds, 300)
        XCTAssertEqual(config.missingLimit, 3)
        var back = AppConfig()
        XCTAssertEqual(apply(written(config), to: &back), .accepted)
        XCTAssertEqual(back, config, written(config))
        XCTAssertTrue(written(config).contains("\nstage=2.5,4,5\n"))
        XCTAssertEqual(apply("flood-flow=180.5;rating=28,1.7,0.25;observe-max-interval=30", to: &config), .accepted)
        XCTAssertEqual(config.floodFlow, 180.5)
        XCTAssertEqual(config.rating, RatingCurve(a: 28, b: 1.7, h0: 0.25))
        XCTAssertEqual(config.observeMaxIntervalSeconds, 30)
        var again = AppConfig()
        XCTAssertEqual(apply(written(config), to: &again), .accepted)
        XCTAssertEqual(again, config, written(config))
    }

    func testBadChangesAreRefusedWhole() {
        let original = AppConfig()
        for (text, verdict) in [("stage=5,4,3", ConfigText.Verdict.invalid(.stageThresholds)),
                                ("period.stage=30;stage=1,2", .malformed),
                                ("period.stage=0", .invalid(.periods)),
                                ("period.river=60", .malformed),
                                ("flood=yes", .malformed),
                                ("stage", .malformed),
                                ("missing-limit=70000", .malformed),
                                ("rate-window=99999999999", .malformed),
                                ("tilt-rate=0,0.3,1", .invalid(.tiltThresholds)),
                                ("stage=1e3,2,3", .malformed),
                                ("stage=-,2,3", .malformed),
                                ("flood-flow=0", .invalid(.floodFlow)),
                                ("flood-flow=1,2", .malformed),
                                ("rating=30,0,0.2", .invalid(.rating)),
                                ("observe-max-interval=0", .invalid(.observeInterval))] {
            var config = original
            XCTAssertEqual(apply(text, to: &config), verdict, text)
            XCTAssertEqual(config, original, "\(text) left the configuration alone")
        }
    }

    func testDecimalText() {
        func float(_ s: String) -> Float? { Array(s.utf8).withUnsafeBytes { DecimalText.float($0) } }
        func unsigned(_ s: String) -> UInt32? { Array(s.utf8).withUnsafeBytes { DecimalText.unsigned($0) } }
        XCTAssertEqual(float("4.5"), 4.5)
        XCTAssertEqual(float("-0.25"), -0.25)
        XCTAssertEqual(float("3"), 3)
        XCTAssertEqual(float(".5"), 0.5)
        XCTAssertNil(float(""))
        XCTAssertNil(float("."))
        XCTAssertNil(float("1.2.3"))
        XCTAssertNil(float("1234567890"), "more digits than a Float holds")
        XCTAssertEqual(unsigned("4294967295"), UInt32.max)
        XCTAssertNil(unsigned("4294967296"))
        XCTAssertNil(unsigned("-1"))
        XCTAssertNil(unsigned(""))
    }
}
