import LeveeBase

/// Why a channel is not trusted.
public enum FaultReason: UInt8, Sendable {
    case none = 0
    /// The sensor gave no reading (or NaN/infinity) `AppConfig.missingLimit` times in a row.
    case missing = 1
    /// A reading outside the sensor's physical range.
    case outOfRange = 2
    /// A jump larger than the channel's maximum step between consecutive readings.
    case spike = 3
    /// Bit-identical readings `Channel.stuckLimit` times in a row.
    case stuck = 4
    /// A sustained rate of change faster than the quantity can physically change
    /// (`Channel.maximumRatePerHour`): the sensor drifts. A drift slower than that looks like the
    /// levee itself moving and cannot be told apart from one sensor alone.
    case drift = 5

    public var name: StaticString {
        switch self {
        case .none: return "ok"
        case .missing: return "missing"
        case .outOfRange: return "out-of-range"
        case .spike: return "spike"
        case .stuck: return "stuck"
        case .drift: return "drift"
        }
    }
}

/// What the detector made of one reading.
public enum SampleVerdict: Equatable, Sendable {
    /// A usable value from a trusted channel.
    case good(Float)
    /// A plausible value, but the channel is still faulty (recovering): keep it, flagged.
    case suspect(Float)
    /// Nothing usable (missing, out of range, spike): not stored.
    case rejected
}

/// One channel's fault detector: stuck, spike, out of range and missing, each turning the channel
/// faulty with its reason; the channel is trusted again after `AppConfig.recoverySamples`
/// consecutive good readings. 16 bytes, no history of its own.
public struct ChannelHealth: Sendable {
    /// Why the channel is faulty (`.none`: trusted).
    public private(set) var fault: FaultReason = .none
    /// The last plausible reading (finite, in range), what spikes and sticking are judged against.
    private var previous: Float = .nan
    private var repeats: UInt16 = 0
    private var misses: UInt16 = 0
    private var goodRun: UInt16 = 0
    /// Faults seen since boot, for the health resource.
    public private(set) var faultCount: UInt16 = 0

    public init() {}

    public var isFaulty: Bool { fault != .none }

    /// Judges a reading (nil: the sensor did not answer).
    public mutating func judge(_ reading: Float?, channel: Channel, config: AppConfig) -> SampleVerdict {
        guard let value = reading, value.isFinite else {
            misses &+= 1
            goodRun = 0
            if misses >= max(config.missingLimit, 1) { markFaulty(.missing) }
            return .rejected
        }
        misses = 0
        guard channel.validRange.contains(value) else {
            goodRun = 0
            markFaulty(.outOfRange)
            return .rejected
        }
        let last = previous
        previous = value
        if last.isFinite {
            let step = value - last
            if step > channel.maximumStep || step < -channel.maximumStep {
                goodRun = 0
                repeats = 0
                markFaulty(.spike)
                return .rejected
            }
            if value.bitPattern == last.bitPattern {
                repeats &+= 1
                if channel.stuckLimit != 0 && repeats >= channel.stuckLimit - 1 {
                    goodRun = 0
                    markFaulty(.stuck)
                    return .suspect(value)
                }
            } else {
                repeats = 0
            }
        }
        guard isFaulty else { return .good(value) }
        goodRun &+= 1
        if goodRun >= config.recoverySamples {
            fault = .none
            goodRun = 0
            return .good(value)
        }
        return .suspect(value)
    }

    /// The monitor found the channel's recent samples changing implausibly fast.
    public mutating func markDrifting() {
        goodRun = 0
        markFaulty(.drift)
    }

    private mutating func markFaulty(_ reason: FaultReason) {
        if fault != reason { faultCount &+= 1 }
        fault = reason
    }
}
