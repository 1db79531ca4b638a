import LeveeBase

/// Thresholds of one indicator of the built-in rule: reaching `watch`, `warning` or `danger`
/// raises the level to that.
public struct RiskThresholds: Equatable, Sendable {
    public var watch: Float
    public var warning: Float
    public var danger: Float

    public init(watch: Float, warning: Float, danger: Float) {
        self.watch = watch
        self.warning = warning
        self.danger = danger
    }

    /// The level `value` reaches (NaN reaches nothing).
    public func level(of value: Float) -> RiskLevel {
        if value >= danger { return .danger }
        if value >= warning { return .warning }
        if value >= watch { return .watch }
        return .normal
    }
}

/// The application's configuration: what an operator may change (sampling periods, thresholds,
/// fault detection) and what the board sets (time compression). A plain value, so it can be
/// persisted in flash as it is and replaced whole.
public struct AppConfig: Equatable, Sendable {
    /// Sampling period per channel in field seconds (index = channel).
    public var periods: InlineArray<9, UInt32>

    /// River stage above datum (m).
    public var stage: RiskThresholds
    /// Pore-pressure rise rate (kPa per hour), the fastest of the healthy piezometers.
    public var porePressureRise: RiskThresholds
    /// Tilt rate (degrees per day), the faster of the healthy axes.
    public var tiltRate: RiskThresholds

    /// The window rates are fitted over (field seconds).
    public var rateWindowSeconds: UInt32
    /// How long the rule must find a higher level before the node raises it (field seconds): long
    /// enough for the fault detector to catch a glitching or drifting sensor first, short against
    /// the hours a levee takes to fail.
    public var raiseHoldSeconds: UInt32
    /// How long the rule must find a lower level before the node lowers it (field seconds):
    /// raising is immediate, lowering waits, so noise at a threshold does not make the alarm flap.
    public var clearHoldSeconds: UInt32
    /// The window drift is judged over (field seconds).
    public var driftWindowSeconds: UInt32
    /// Good samples in a row before a faulty channel is trusted again.
    public var recoverySamples: UInt16
    /// Missing readings in a row before the channel is faulty (one drop-out is forgiven).
    public var missingLimit: UInt16

    /// Field seconds per node second: 1 on a real levee; the Linux simulator runs a storm in
    /// minutes with `--speed`. Samples, rates and SenML times are all in field time.
    public var timeCompression: UInt32

    public init() {
        periods = InlineArray(repeating: 60)
        for i in 0..<Channel.count { periods[i] = Channel(index: i).defaultPeriodSeconds }
        stage = RiskThresholds(watch: 3.0, warning: 4.5, danger: 5.5)
        porePressureRise = RiskThresholds(watch: 1.0, warning: 2.5, danger: 5.0)
        tiltRate = RiskThresholds(watch: 0.1, warning: 0.3, danger: 1.0)
        rateWindowSeconds = 3600
        driftWindowSeconds = 600
        clearHoldSeconds = 1800
        raiseHoldSeconds = 600
        recoverySamples = 5
        missingLimit = 2
        timeCompression = 1
    }

    public static func == (a: AppConfig, b: AppConfig) -> Bool {
        for i in 0..<Channel.count where a.periods[i] != b.periods[i] { return false }
        return a.stage == b.stage && a.porePressureRise == b.porePressureRise && a.tiltRate == b.tiltRate
            && a.rateWindowSeconds == b.rateWindowSeconds && a.driftWindowSeconds == b.driftWindowSeconds &&
            a.clearHoldSeconds == b.clearHoldSeconds && a.raiseHoldSeconds == b.raiseHoldSeconds && a.recoverySamples == b.recoverySamples
            && a.missingLimit == b.missingLimit && a.timeCompression == b.timeCompression
    }

    public func period(of channel: Channel) -> UInt32 { periods[channel.index] }

    /// Field time of a node instant, in whole seconds since boot (saturating: 136 years of field
    /// time). Computed from microseconds, so at ×3600 a field second passes every 278 µs.
    public func fieldSeconds(at now: Instant) -> UInt32 {
        let field = now.microseconds &* UInt64(widening: max(timeCompression, 1)) / 1_000_000
        return UInt32(narrowing: field) ?? UInt32.max
    }

    /// The first node instant whose field time is `seconds` (the inverse of `fieldSeconds(at:)`).
    public func instant(atFieldSeconds seconds: UInt32) -> Instant {
        let compression = UInt64(widening: max(timeCompression, 1))
        return Instant(microseconds: (UInt64(widening: seconds) &* 1_000_000 + compression - 1) / compression)
    }

    /// The node interval a sampling task of `channel` runs at: its field period over the compression.
    public func taskPeriod(of channel: Channel) -> Interval {
        let micros = UInt64(widening: period(of: channel)) &* 1_000_000 / UInt64(widening: max(timeCompression, 1))
        return Interval(microseconds: max(micros, 1_000))
    }
}
