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
    public var periods: PerChannel<UInt32>

    /// River stage above datum (m).
    public var stage: RiskThresholds
    /// Pore-pressure rise rate (kPa per hour), the fastest of the healthy piezometers.
    public var porePressureRise: RiskThresholds
    /// Tilt rate (degrees per day), the faster of the healthy axes.
    public var tiltRate: RiskThresholds

    /// The river's rating curve at the stage gauge: the node turns stage into flow with it (the
    /// daily mean flow fed to the risk module's forecast).
    public var rating: RatingCurve
    /// The flow (m³/s) above which the river floods at the gauge: the threshold the default risk
    /// module's forecast is judged against (NRFA 55002's, 216.074 m³/s).
    public var floodFlow: Float
    /// The longest an observer of a resource that has not changed waits for a notification (node
    /// seconds, RFC 7641 §4.3.1: a fresh one before Max-Age runs out); the CoAP server's setting.
    public var observeMaxIntervalSeconds: UInt32

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
        rating = .gauge
        floodFlow = 216.074
        observeMaxIntervalSeconds = 60
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
            && a.rating == b.rating && a.floodFlow == b.floodFlow && a.observeMaxIntervalSeconds == b.observeMaxIntervalSeconds
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

/// A river's stage–discharge relation at a gauge: Q = a·(h − h0)^b (Q in m³/s, h in m above datum).
public struct RatingCurve: Equatable, Sendable {
    public var a: Float
    public var b: Float
    /// The stage of zero flow.
    public var h0: Float

    public init(a: Float, b: Float, h0: Float) {
        self.a = a
        self.b = b
        self.h0 = h0
    }

    /// The node's gauge: a curve for the Wye at Belmont's range of flows (the Linux simulator's
    /// river follows it too, so the flow the node derives is the flow the simulator ran).
    public static let gauge = RatingCurve(a: 30, b: 1.6, h0: 0.2)

    /// The flow at `stage`: 0 at or below h0, NaN for NaN.
    public func flow(atStage stage: Float) -> Float {
        guard !stage.isNaN else { return .nan }
        let depth = stage - h0
        guard depth > 0 else { return 0 }
        return a * exponential(b * naturalLogarithm(depth))
    }
}

/// The keys of the guest API's `config(i32 key) -> f32` (README, "Guest API"): the configuration a
/// risk module may read, each in the node's unit. A fixed table, so a module built today reads the
/// same parameter on every node; an unknown key reads NaN.
public enum GuestParameter: UInt32, Sendable {
    /// River stage thresholds (m).
    case stageWatch = 0, stageWarning = 1, stageDanger = 2
    /// Pore-pressure rise rate thresholds (kPa/h).
    case porePressureRiseWatch = 3, porePressureRiseWarning = 4, porePressureRiseDanger = 5
    /// Tilt rate thresholds (deg/day).
    case tiltRateWatch = 6, tiltRateWarning = 7, tiltRateDanger = 8
    /// The window rates are fitted over (field s).
    case rateWindow = 9
    /// The flood flow at the gauge (m³/s).
    case floodFlow = 10
    /// The rating curve Q = a·(h − h0)^b: a, b, h0 (m).
    case ratingA = 11, ratingB = 12, ratingH0 = 13
    /// Field seconds per node second.
    case timeCompression = 14
    /// Sampling period of channel N (field s) is key `firstPeriod + N` (16 stage ... 25 rainfall).
    case firstPeriod = 16
    case periodPoreShallow = 17, periodPoreMiddle = 18, periodPoreDeep = 19, periodTiltX = 20, periodTiltY = 21
    case periodSoilMoisture = 22, periodTemperature = 23, periodBattery = 24, periodRainfall = 25
}

extension AppConfig {
    /// The parameter a risk module reads with `config(key)`.
    public func value(of parameter: GuestParameter) -> Float {
        switch parameter {
        case .stageWatch: return stage.watch
        case .stageWarning: return stage.warning
        case .stageDanger: return stage.danger
        case .porePressureRiseWatch: return porePressureRise.watch
        case .porePressureRiseWarning: return porePressureRise.warning
        case .porePressureRiseDanger: return porePressureRise.danger
        case .tiltRateWatch: return tiltRate.watch
        case .tiltRateWarning: return tiltRate.warning
        case .tiltRateDanger: return tiltRate.danger
        case .rateWindow: return Float(Int(rateWindowSeconds))   // via Int: the generic init would allocate
        case .floodFlow: return floodFlow
        case .ratingA: return rating.a
        case .ratingB: return rating.b
        case .ratingH0: return rating.h0
        case .timeCompression: return Float(Int(timeCompression))
        case .firstPeriod, .periodPoreShallow, .periodPoreMiddle, .periodPoreDeep, .periodTiltX, .periodTiltY,
             .periodSoilMoisture, .periodTemperature, .periodBattery, .periodRainfall:
            return Float(Int(periods[Int(parameter.rawValue - GuestParameter.firstPeriod.rawValue)]))
        }
    }
}
