import LeveeBase

/// The node's risk level, shared by the built-in rule and the risk module in the OTA slot (the
/// module returns the raw value; anything else is not a level and the built-in rule stands in).
public enum RiskLevel: UInt8, Comparable, Sendable {
    case normal = 0
    case watch = 1
    case warning = 2
    case danger = 3

    public static func < (a: RiskLevel, b: RiskLevel) -> Bool { a.rawValue < b.rawValue }

    public var name: StaticString {
        switch self {
        case .normal: return "normal"
        case .watch: return "watch"
        case .warning: return "warning"
        case .danger: return "danger"
        }
    }
}

/// Why the level is what it is: the indicator that set it.
public enum RiskReason: UInt8, Sendable {
    /// Nothing above a threshold.
    case quiet = 0
    case stageHigh = 1
    case porePressureRising = 2
    case tiltRate = 3
    /// The risk module in the slot decided (its own reasoning is in its output).
    case module = 4
    /// Every channel an indicator needs is faulty: the node cannot say, and says so.
    case blind = 5

    public var name: StaticString {
        switch self {
        case .quiet: return "quiet"
        case .stageHigh: return "stage-high"
        case .porePressureRising: return "pore-pressure-rising"
        case .tiltRate: return "tilt-rate"
        case .module: return "module"
        case .blind: return "blind"
        }
    }
}

/// Who computed an assessment.
public enum RiskSource: UInt8, Sendable {
    case builtInRule = 0
    case module = 1
}

/// A risk level with its reason, the indicator values behind it and the channels left out.
public struct RiskAssessment: Equatable, Sendable {
    public var level: RiskLevel
    public var reason: RiskReason
    public var source: RiskSource
    /// Faulty channels that were ignored (the reason text names them).
    public var ignored: ChannelSet
    /// Indicator values (NaN when not available): stage (m), pore-pressure rise (kPa/h),
    /// tilt rate (deg/day).
    public var stage: Float
    public var porePressureRise: Float
    public var tiltRate: Float
    /// Field seconds of the assessment.
    public var seconds: UInt32

    public init(level: RiskLevel, reason: RiskReason, source: RiskSource = .builtInRule,
                ignored: ChannelSet = .empty, stage: Float = .nan, porePressureRise: Float = .nan,
                tiltRate: Float = .nan, seconds: UInt32 = 0) {
        self.level = level
        self.reason = reason
        self.source = source
        self.ignored = ignored
        self.stage = stage
        self.porePressureRise = porePressureRise
        self.tiltRate = tiltRate
        self.seconds = seconds
    }

    public static func == (a: RiskAssessment, b: RiskAssessment) -> Bool {
        a.level == b.level && a.reason == b.reason && a.source == b.source && a.ignored == b.ignored
    }

    /// "warning pore-pressure-rising (ignoring faulty: tilt-x stage)": for text/plain and logs.
    public func describe(into writer: inout ByteWriter) {
        writer.append(level.name)
        writer.append(UInt8(ascii: " "))
        writer.append(reason.name)
        guard !ignored.isEmpty else { return }
        writer.append(" (ignoring faulty:")
        for i in 0..<Channel.count where ignored.contains(Channel(index: i)) {
            writer.append(UInt8(ascii: " "))
            writer.append(Channel(index: i).name)
        }
        writer.append(UInt8(ascii: ")"))
    }
}

/// The rule the node falls back on when no valid risk module runs in the slot: thresholds on the
/// river stage, the pore-pressure rise rate (seepage) and the tilt rate (creep). The level is the
/// highest any indicator reaches. An indicator whose channels are all faulty is left out and the
/// assessment lists them, so a dead sensor neither raises a false alarm nor silently hides one.
public enum BuiltInRule {
    /// What the rule needs from the channels: the latest trusted value and trusted rates.
    public static func assess<Source: RiskInputs>(_ inputs: Source, config: AppConfig, at seconds: UInt32) -> RiskAssessment {
        var ignored = ChannelSet.empty
        var level = RiskLevel.normal
        var reason = RiskReason.quiet
        var usable = 0

        var stage = Float.nan
        if inputs.isFaulty(.stage) { ignored.insert(.stage) } else { stage = inputs.latest(.stage) }
        consider(stage, config.stage, .stageHigh, &level, &reason, &usable)

        // Seepage: the fastest-rising healthy piezometer.
        var rise = Float.nan
        for index in Channel.porePressureShallow.index...Channel.porePressureDeep.index {
            let channel = Channel(index: index)
            if inputs.isFaulty(channel) { ignored.insert(channel); continue }
            let rate = inputs.ratePerHour(channel, window: config.rateWindowSeconds, now: seconds)
            if rate.isFinite && !(rise >= rate) { rise = rate }
        }
        consider(rise, config.porePressureRise, .porePressureRising, &level, &reason, &usable)

        // Creep: the faster healthy tilt axis, either direction.
        var tilt = Float.nan
        for index in Channel.tiltX.index...Channel.tiltY.index {
            let channel = Channel(index: index)
            if inputs.isFaulty(channel) { ignored.insert(channel); continue }
            let rate = inputs.ratePerHour(channel, window: config.rateWindowSeconds, now: seconds)
            let perDay = (rate < 0 ? -rate : rate) * 24
            if perDay.isFinite && !(tilt >= perDay) { tilt = perDay }
        }
        consider(tilt, config.tiltRate, .tiltRate, &level, &reason, &usable)

        if usable == 0 && !ignored.isEmpty { reason = .blind }
        return RiskAssessment(level: level, reason: reason, ignored: ignored, stage: stage,
                              porePressureRise: rise, tiltRate: tilt, seconds: seconds)
    }

    private static func consider(_ value: Float, _ thresholds: RiskThresholds, _ indicator: RiskReason,
                                 _ level: inout RiskLevel, _ reason: inout RiskReason, _ usable: inout Int) {
        guard value.isFinite else { return }
        usable += 1
        let reached = thresholds.level(of: value)
        if reached > level { level = reached; reason = indicator }
    }
}

/// The view of the channels a risk rule reads (the monitor implements it; tests can fake it).
public protocol RiskInputs {
    func isFaulty(_ channel: Channel) -> Bool
    /// The latest trusted value, NaN when none.
    func latest(_ channel: Channel) -> Float
    /// The trusted rate of change over `window` (units per hour), NaN when not known.
    func ratePerHour(_ channel: Channel, window: UInt32, now: UInt32) -> Float
}
