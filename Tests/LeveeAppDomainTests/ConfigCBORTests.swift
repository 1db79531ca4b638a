import LeveeApp
import LeveeBase
import XCTest

/// `/config`'s CBOR form: GET's map applies back unchanged; a change may name some keys, in any
/// CBOR number form; anything else is refused whole.
final class ConfigCBORTests: XCTestCase {
    func apply(_ bytes: [UInt8], to config: inout AppConfig) -> ConfigVerdict {
        bytes.withUnsafeBytes { ConfigCBOR.apply($0, to: &config) }
    }

    func written(_ config: AppConfig) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = bytes.withUnsafeMutableBytes { raw -> Int in
            var w = ByteWriter(raw)
            ConfigCBOR.write(config, into: &w)
            XCTAssertFalse(w.overflowed)
            return w.count
        }
        return Array(bytes[0..<count])
    }

    func text(_ s: String) -> [UInt8] { [0x60 | UInt8(s.utf8.count)] + Array(s.utf8) }

    func testTheRepresentationRoundTrips() {
        var changed = AppConfig()
        changed.stage = RiskThresholds(watch: 2.5, warning: 4, danger: 5)
        changed.periods[Channel.battery.index] = 600
        changed.missingLimit = 3
        var back = AppConfig()
        XCTAssertEqual(apply(written(changed), to: &back), .accepted)
        XCTAssertEqual(back, changed)
    }

    func testSomeKeysInAnyNumberForm() {
        // {"tilt-rate": [0.25 (half), 0.5 (single), 1.5 (double)], "periods": {"battery": 600},
        //  "stage": [3, 4, 6] (integers)}
        let change: [UInt8] = [0xA3] + text("tilt-rate") + [0x83, 0xF9, 0x34, 0x00, 0xFA, 0x3F, 0x00, 0x00, 0x00,
                                                           0xFB, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]
            + text("periods") + [0xA1] + text("battery") + [0x19, 0x02, 0x58]
            + text("stage") + [0x83, 0x03, 0x04, 0x06]
        var config = AppConfig()
        XCTAssertEqual(apply(change, to: &config), .accepted)
        XCTAssertEqual(config.tiltRate, RiskThresholds(watch: 0.25, warning: 0.5, danger: 1.5))
        XCTAssertEqual(config.stage, RiskThresholds(watch: 3, warning: 4, danger: 6))
        XCTAssertEqual(config.period(of: .battery), 600)
        XCTAssertEqual(config.period(of: .stage), AppConfig().period(of: .stage), "other periods kept")
        XCTAssertEqual(config.raiseHoldSeconds, AppConfig().raiseHoldSeconds, "other keys kept")
    }

    func testBadChangesAreRefusedWhole() {
        let original = AppConfig()
        let cases: [([UInt8], ConfigVerdict, String)] = [
            ([0xA1] + text("stage") + [0x83, 0x05, 0x04, 0x03], .invalid(.stageThresholds), "disordered"),
            ([0xA1] + text("stage") + [0x83, 0xF9, 0x7E, 0x00, 0x04, 0x05], .invalid(.stageThresholds), "NaN"),
            ([0xA1] + text("stage") + [0x82, 0x04, 0x05], .malformed, "two thresholds"),
            ([0xA1] + text("stage") + [0x83, 0xF5, 0x04, 0x05], .malformed, "true is not a number"),
            ([0xA1] + text("flood") + [0x01], .malformed, "unknown key"),
            ([0xA1] + text("periods") + [0xA1] + text("river") + [0x18, 0x3C], .malformed, "unknown channel"),
            ([0xA1] + text("periods") + [0xA1] + text("stage") + [0x00], .invalid(.periods), "period 0"),
            ([0xA1] + text("missing-limit") + [0x1A, 0x00, 0x01, 0x11, 0x70], .malformed, "70000 overflows"),
            ([0xA1] + text("raise-hold") + [0x18, 0x05], .malformed, "non-minimal head"),
            ([0xA1] + text("raise-hold") + [0x20], .malformed, "negative"),
            ([0xBF] + text("raise-hold") + [0x05, 0xFF], .malformed, "indefinite map"),
            ([0xA1] + text("raise-hold") + [0x05, 0x00], .malformed, "trailing bytes"),
            ([0xA2] + text("raise-hold") + [0x05], .malformed, "truncated"),
            ([0x83, 0x01, 0x02, 0x03], .malformed, "not a map"),
            ([], .malformed, "empty"),
        ]
        for (bytes, verdict, what) in cases {
            var config = original
            XCTAssertEqual(apply(bytes, to: &config), verdict, what)
            XCTAssertEqual(config, original, "\(what): the configuration is left alone")
        }
    }
}
