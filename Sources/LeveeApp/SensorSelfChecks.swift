import LeveeBase

/// The application domain's own checks (SenML bytes, fault detection, the built-in rule, the ADC
/// stub over the node's history storage), on the host and on the chip.
public enum AppDomainSelfChecks {
    /// A driver that answers what it is told (nil = no answer).
    struct FixedDriver: SensorDriver {
        var value: Float?
        mutating func read(_ channel: Channel, at fieldSeconds: UInt32) -> Float? { value }
    }

    /// Inputs for the rule without a history.
    struct FixedInputs: RiskInputs {
        var stage: Float
        var rise: Float
        var tilt: Float
        var faulty: ChannelSet
        func isFaulty(_ channel: Channel) -> Bool { faulty.contains(channel) }
        func latest(_ channel: Channel) -> Float { channel == .stage ? stage : .nan }
        func ratePerHour(_ channel: Channel, window: UInt32, now: UInt32) -> Float {
            switch channel {
            case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return rise
            case .tiltX, .tiltY: return tilt / 24
            default: return .nan
            }
        }
    }

    public static func run<R: CheckRecorder>(_ r: inout R) {
        withUnsafeTemporaryAllocation(byteCount: 48, alignment: 4) { raw in
            var w = ByteWriter(raw)
            w.appendDecimal(3.25 as Float); w.append(" ")
            w.appendDecimal(-0.001234 as Float); w.append(" ")
            w.appendDecimal(45000 as Float); w.append(" ")
            w.appendDecimal(2.5e20 as Float); w.append(" ")
            w.appendDecimal(Float.nan)
            r.check(BaseSelfChecks.equal(w.written, "3.25 -0.001234 45000 2.5e20 null"), "Float formatted for JSON")
        }

        withUnsafeTemporaryAllocation(of: HistorySample.self, capacity: 72) { storage in
            checkSenML(SensorMonitor(historyStorage: storage), &r)
        }
        checkFaultsAndRule(&r)
        checkADCStub(&r)
        checkConfigRecord(&r)
    }

    /// The configuration through its flash record: the same back, a flipped bit refused.
    static func checkConfigRecord<R: CheckRecorder>(_ r: inout R) {
        var config = AppConfig()
        config.periods[Channel.stage.index] = 30
        config.stage.danger = 6.25
        withUnsafeTemporaryAllocation(byteCount: AppConfig.recordSize, alignment: 4) { raw in
            var w = ByteWriter(raw)
            config.writeRecord(into: &w)
            let back = try? AppConfig(record: w.written)
            r.check(w.count == AppConfig.recordSize && back == config, "configuration record read back as written")
            raw[20] ^= 0x04
            var refused = false
            do throws(ConfigError) { _ = try AppConfig(record: UnsafeRawBufferPointer(raw)) } catch { refused = error == .checksum }
            r.check(refused, "a corrupted configuration record is refused")
        }
    }

    static func checkSenML<R: CheckRecorder>(_ fresh: SensorMonitor, _ r: inout R) {
        var monitor = fresh
        var driver = FixedDriver(value: 3.25)
        monitor.sample(.stage, from: &driver, at: 60)
        let clock = SenMLClock(now: 60)
        withUnsafeTemporaryAllocation(byteCount: 96, alignment: 4) { raw in
            var json = SenMLEncoder(format: .json, into: ByteWriter(raw))
            SenMLDocuments.channel(monitor, .stage, clock: clock, into: &json)
            r.check(BaseSelfChecks.equal(json.output.written, "[{\"bn\":\"levee/\",\"n\":\"stage\",\"u\":\"m\",\"v\":3.25,\"t\":0}]"),
                    "SenML JSON of a stage sample")
            var cbor = SenMLEncoder(format: .cbor, into: ByteWriter(raw))
            SenMLDocuments.channel(monitor, .stage, clock: clock, into: &cbor)
            let expected: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                           UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                           UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0x81, 0xA5, 0x21, 0x66, 0x6C, 0x65, 0x76, 0x65, 0x65, 0x2F, 0x00, 0x65, 0x73, 0x74, 0x61, 0x67,
                 0x65, 0x01, 0x61, 0x6D, 0x02, 0xFA, 0x40, 0x50, 0x00, 0x00, 0x06, 0x00, 0x00)
            let matches = withUnsafeBytes(of: expected) { e in
                var same = cbor.output.count == 28
                for i in 0..<28 where same && e[i] != cbor.output.written[i] { same = false }
                return same
            }
            r.check(matches, "SenML CBOR of a stage sample (integer labels)")
            // The same document again, from byte 10 on in 8-byte windows: what Block2 serves.
            var window = SenMLEncoder(format: .cbor, into: BlockWindow(UnsafeMutableRawBufferPointer(rebasing: raw[0..<8]), skipping: 10))
            SenMLDocuments.channel(monitor, .stage, clock: clock, into: &window)
            r.check(window.output.truncated && window.output.produced == 28 && window.output.writer.count == 8
                    && raw[0] == 0x00 && raw[1] == 0x65,
                    "SenML document served in a window (block-wise)")
        }

    }

    static func checkFaultsAndRule<R: CheckRecorder>(_ r: inout R) {
        // A spike: rejected, the channel faulty, trusted again after enough good samples.
        var health = ChannelHealth()
        let config = AppConfig()
        var spikeSeen = false
        for k in 0..<10 {
            // 1.00, 1.01, 1.02, then a 6.0 spike, then noisy values around 1.03 again.
            let value: Float = k == 3 ? 6.0 : 1.0 + Float(k % 4) * 0.01
            let verdict = health.judge(value, channel: .stage, config: config)
            if k == 3 { spikeSeen = verdict == .rejected && health.fault == .spike }
        }
        r.check(spikeSeen && !health.isFaulty, "a spike marks the channel faulty until good samples return")
        var silent = ChannelHealth()
        _ = silent.judge(.nan, channel: .stage, config: config)
        _ = silent.judge(.infinity, channel: .stage, config: config)
        r.check(silent.fault == .missing, "NaN and infinite readings count as missing, no trap")

        // The built-in rule: the highest indicator wins; a faulty channel is ignored and named.
        var inputs = FixedInputs(stage: 4.6, rise: 0.2, tilt: 0.0, faulty: .empty)
        let warning = BuiltInRule.assess(inputs, config: config, at: 0)
        r.check(warning.level == .warning && warning.reason == .stageHigh, "built-in rule: stage 4.6 m is a warning")
        inputs.rise = 6
        r.check(BuiltInRule.assess(inputs, config: config, at: 0).level == .danger, "built-in rule: fast pore-pressure rise is danger")
        inputs.faulty.insert(.stage)
        inputs.rise = 0.2
        let ignoring = BuiltInRule.assess(inputs, config: config, at: 0)
        r.check(ignoring.level == .normal && ignoring.ignored.contains(.stage), "built-in rule ignores a faulty stage and says so")

    }

    /// The chip's ADC stub through a monitor over the node's history storage (at boot, before the
    /// node's own monitor takes it; the samples are forgotten afterwards).
    static func checkADCStub<R: CheckRecorder>(_ r: inout R) {
        var adc = ADCStubDriver()
        var monitor = SensorMonitor(historyStorage: AppMemory.historyBuffer())
        let sampled = monitor.sampleDue(from: &adc, at: 0)
        monitor.assess(at: 0)
        let stage = monitor.latest(.stage)
        r.check(sampled == Channel.count && monitor.faultyChannels.isEmpty && stage > 0.9 && stage < 1.1
                && monitor.risk.level == .normal, "ADC stub sampled over the node's history storage: quiet, normal")
        monitor.reset()
    }
}
