import LeveeBase

/// The operator's configuration keys besides the per-channel periods, shared by every format
/// `/config` speaks (`key=value` text, the CBOR map): one name, one kind and one setter per key.
public enum ConfigKey: UInt8, Sendable {
    case stage, porePressureRise, tiltRate, rateWindow, driftWindow, raiseHold, clearHold
    case recoverySamples, missingLimit

    public static let count = 9

    /// A key's value: three thresholds (watch, warning, danger) or a whole number.
    public enum Value: Equatable, Sendable {
        case thresholds(RiskThresholds)
        case integer(UInt32)
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
        }
    }

    /// Whether the key holds thresholds (else a whole number).
    var takesThresholds: Bool {
        switch self {
        case .stage, .porePressureRise, .tiltRate: return true
        default: return false
        }
    }

    public func value(in c: AppConfig) -> Value {
        switch self {
        case .stage: return .thresholds(c.stage)
        case .porePressureRise: return .thresholds(c.porePressureRise)
        case .tiltRate: return .thresholds(c.tiltRate)
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
        case (.stage, .thresholds(let t)): c.stage = t
        case (.porePressureRise, .thresholds(let t)): c.porePressureRise = t
        case (.tiltRate, .thresholds(let t)): c.tiltRate = t
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
