import LeveeBase

/// The operator's configuration keys besides the per-channel periods, shared by every format
/// `/config` speaks (`key=value` text, the CBOR map): one name, one kind and one setter per key.
public enum ConfigKey: UInt8, Sendable {
    case stage, porePressureRise, tiltRate, rateWindow, driftWindow, raiseHold, clearHold
    case recoverySamples, missingLimit, floodFlow, rating, observeMaxInterval

    public static let count = 12

    /// A key's value: three numbers (thresholds watch, warning, danger; a rating curve's a, b, h0),
    /// a whole number, or one number.
    public enum Value: Equatable, Sendable {
        case triple(Float, Float, Float)
        case integer(UInt32)
        case number(Float)
    }

    /// The kind of value a key takes, which tells a format how to read it.
    public enum Kind: Sendable {
        case triple, integer, number
    }

    /// The key at `index` (0 ..< count).
    static func at(_ index: Int) -> ConfigKey? { ConfigKey(rawValue: UInt8(truncatingIfNeeded: index)) }

    /// The key spelled `name`, if there is one.
    static func named(_ name: UnsafeRawBufferPointer) -> ConfigKey? {
        for k in 0..<count {
            guard let key = at(k), BaseSelfChecks.equal(name, key.name) else { continue }
            return key
        }
        return nil
    }

    public var name: StaticString {
        switch self {
        case .stage: return "stage"
        case .porePressureRise: return "pore-pressure-rise"
        case .tiltRate: return "tilt-rate"
        case .rateWindow: return "rate-window"
        case .driftWindow: return "drift-window"
        case .raiseHold: return "raise-hold"
        case .clearHold: return "clear-hold"
        case .recoverySamples: return "recovery-samples"
        case .missingLimit: return "missing-limit"
        case .floodFlow: return "flood-flow"
        case .rating: return "rating"
        case .observeMaxInterval: return "observe-max-interval"
        }
    }

    public var kind: Kind {
        switch self {
        case .stage, .porePressureRise, .tiltRate, .rating: return .triple
        case .floodFlow: return .number
        default: return .integer
        }
    }

    public func value(in c: AppConfig) -> Value {
        switch self {
        case .stage: return Self.triple(c.stage)
        case .porePressureRise: return Self.triple(c.porePressureRise)
        case .tiltRate: return Self.triple(c.tiltRate)
        case .rating: return .triple(c.rating.a, c.rating.b, c.rating.h0)
        case .floodFlow: return .number(c.floodFlow)
        case .observeMaxInterval: return .integer(c.observeMaxIntervalSeconds)
        case .rateWindow: return .integer(c.rateWindowSeconds)
        case .driftWindow: return .integer(c.driftWindowSeconds)
        case .raiseHold: return .integer(c.raiseHoldSeconds)
        case .clearHold: return .integer(c.clearHoldSeconds)
        case .recoverySamples: return .integer(UInt32(truncatingIfNeeded: c.recoverySamples))
        case .missingLimit: return .integer(UInt32(truncatingIfNeeded: c.missingLimit))
        }
    }

    /// Sets the key; false when the value is not of the key's kind or does not fit its field. The
    /// ranges the node accepts are judged afterwards, on the whole configuration
    /// (`AppConfig.invalidField`).
    public func set(_ value: Value, in c: inout AppConfig) -> Bool {
        switch (self, value) {
        case (.stage, .triple(let x, let y, let z)): c.stage = RiskThresholds(watch: x, warning: y, danger: z)
        case (.porePressureRise, .triple(let x, let y, let z)): c.porePressureRise = RiskThresholds(watch: x, warning: y, danger: z)
        case (.tiltRate, .triple(let x, let y, let z)): c.tiltRate = RiskThresholds(watch: x, warning: y, danger: z)
        case (.rating, .triple(let x, let y, let z)): c.rating = RatingCurve(a: x, b: y, h0: z)
        case (.floodFlow, .number(let x)): c.floodFlow = x
        case (.observeMaxInterval, .integer(let n)): c.observeMaxIntervalSeconds = n
        case (.rateWindow, .integer(let n)): c.rateWindowSeconds = n
        case (.driftWindow, .integer(let n)): c.driftWindowSeconds = n
        case (.raiseHold, .integer(let n)): c.raiseHoldSeconds = n
        case (.clearHold, .integer(let n)): c.clearHoldSeconds = n
        case (.recoverySamples, .integer(let n)):
            guard n <= 0xFFFF else { return false }
            c.recoverySamples = UInt16(truncatingIfNeeded: n)
        case (.missingLimit, .integer(let n)):
            guard n <= 0xFFFF else { return false }
            c.missingLimit = UInt16(truncatingIfNeeded: n)
        default: return false
        }
        return true
    }

    static func triple(_ t: RiskThresholds) -> Value { .triple(t.watch, t.warning, t.danger) }
}

extension Channel {
    /// The channel whose `name` is `bytes`, if any.
    public init?(named bytes: UnsafeRawBufferPointer) {
        for i in 0..<Channel.count where BaseSelfChecks.equal(bytes, Channel(index: i).name) {
            self = Channel(index: i)
            return
        }
        return nil
    }
}

/// What `/config` made of a change, in either format.
public enum ConfigVerdict: Equatable, Sendable {
    case accepted
    /// Not pairs/a map of known keys, or a value that is not of the key's kind.
    case malformed
    case invalid(ConfigField)

    /// Checks the changed configuration whole and, when it passes, replaces `config` with it.
    static func judge(_ changed: AppConfig, into config: inout AppConfig) -> ConfigVerdict {
        if let field = changed.invalidField() { return .invalid(field) }
        config = changed
        return .accepted
    }
}
