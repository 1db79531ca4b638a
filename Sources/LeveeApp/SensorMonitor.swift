import LeveeBase

/// The application's measurement state: per channel a fault detector and a history ring, and the
/// current risk assessment. Sampling is a plain step — "sample channel X at field time t" — that
/// a periodic scheduler task (one per channel, at `AppConfig.taskPeriod`) or a test loop calls;
/// no threads, no clock of its own.
///
/// The samples live in storage the owner provides (`AppMemory.historyStorage` on the node, a
/// small buffer in the self-checks), split evenly among the channels; the monitor itself is a few
/// hundred bytes.
public struct SensorMonitor: RiskInputs {
    public var config: AppConfig
    public private(set) var health: PerChannel<ChannelHealth>
    public private(set) var histories: PerChannel<ChannelHistory>
    /// When each channel is next due (field seconds).
    public private(set) var nextDue: PerChannel<UInt32>
    /// The latest assessment and how many times the level changed (for observers and alarms).
    public private(set) var risk: RiskAssessment
    public private(set) var levelChanges: UInt32 = 0
    /// Since when the rule has found a lower level than the current one (nil: it has not).
    private var lowerSince: UInt32? = nil
    /// Since when it has found a higher one, and the lowest of those levels meanwhile.
    private var higherSince: UInt32? = nil
    private var higherLevel = RiskLevel.normal

    /// A monitor keeping `historyStorage.count / Channel.count` samples per channel in `historyStorage`, which
    /// must outlive it.
    public init(config: AppConfig = AppConfig(), historyStorage: UnsafeMutableBufferPointer<HistorySample>) {
        self.config = config
        health = InlineArray(repeating: ChannelHealth())
        histories = InlineArray(repeating: ChannelHistory())
        let perChannel = historyStorage.count / Channel.count
        if perChannel > 0, let base = historyStorage.baseAddress {
            for i in 0..<Channel.count {
                histories[i] = ChannelHistory(storage: UnsafeMutableBufferPointer(start: base + i * perChannel,
                                                                                  count: perChannel))
            }
        }
        nextDue = InlineArray(repeating: 0)
        risk = RiskAssessment(level: .normal, reason: .quiet)
    }

    /// Reads `channel` from `driver`, judges the reading and stores it. The step a sampling task runs.
    @discardableResult
    public mutating func sample<Driver: SensorDriver>(_ channel: Channel, from driver: inout Driver,
                                                      at seconds: UInt32) -> SampleVerdict {
        record(channel, reading: driver.read(channel, at: seconds), at: seconds)
    }

    /// Judges and stores one reading of `channel` taken at `seconds` (nil or NaN: no answer). The
    /// sampler task calls it with what the board's driver converted (`SensorScan`).
    @discardableResult
    public mutating func record(_ channel: Channel, reading: Float?, at seconds: UInt32) -> SampleVerdict {
        let verdict = health[channel.index].judge(reading, channel: channel, config: config)
        switch verdict {
        case .good(let value): histories[channel.index].append(HistorySample(seconds: seconds, value: value))
        case .suspect(let value):
            histories[channel.index].append(HistorySample(seconds: seconds, value: value, suspect: true))
        case .rejected: break
        }
        if verdict != .rejected, let rate = histories[channel.index].ratePerHour(
            window: config.driftWindowSeconds, now: seconds, includingSuspect: true),
           rate > channel.maximumRatePerHour || rate < -channel.maximumRatePerHour {
            health[channel.index].markDrifting()
        }
        nextDue[channel.index] = seconds &+ max(config.period(of: channel), 1)
        return verdict
    }

    /// Samples every channel whose period has come (for a loop without a scheduler, e.g. a test in
    /// virtual time); returns how many were sampled.
    @discardableResult
    public mutating func sampleDue<Driver: SensorDriver>(from driver: inout Driver, at seconds: UInt32) -> Int {
        var sampled = 0
        for i in 0..<Channel.count where nextDue[i] <= seconds {
            sample(Channel(index: i), from: &driver, at: seconds)
            sampled += 1
        }
        return sampled
    }

    /// The channels due at `seconds` (their period has come).
    public func due(at seconds: UInt32) -> ChannelSet {
        var set = ChannelSet.empty
        for i in 0..<Channel.count where nextDue[i] <= seconds { set.insert(Channel(index: i)) }
        return set
    }

    /// The earliest field second at which some channel is due: when a single sampler task should
    /// run next (`AppConfig.instant(atFieldSeconds:)` turns it into a deadline for `spawn(at:)`).
    public var nextSampleDue: UInt32 {
        var earliest = UInt32.max
        for i in 0..<Channel.count where nextDue[i] < earliest { earliest = nextDue[i] }
        return earliest
    }

    /// Runs the built-in rule; returns true when the level changed (an alarm to notify, CON).
    @discardableResult
    public mutating func assess(at seconds: UInt32) -> Bool {
        return adopt(BuiltInRule.assess(self, config: config, at: seconds))
    }

    /// Takes an assessment (from the built-in rule or the risk module in the slot). The level moves
    /// only once the new one has held: up after `AppConfig.raiseHoldSeconds` (to the lowest level
    /// found meanwhile), down after `clearHoldSeconds`; until then the level and its reason stay
    /// and the indicator values are refreshed. True when the level changed.
    @discardableResult
    public mutating func adopt(_ proposed: RiskAssessment) -> Bool {
        var assessment = proposed
        assessment.level = risk.level
        assessment.reason = risk.reason
        if proposed.level > risk.level {
            lowerSince = nil
            let since = higherSince ?? proposed.seconds
            higherLevel = higherSince == nil ? proposed.level : min(higherLevel, proposed.level)
            higherSince = since
            if proposed.seconds &- since >= config.raiseHoldSeconds {
                assessment.level = higherLevel
                assessment.reason = proposed.reason
                higherSince = nil
            }
        } else if proposed.level < risk.level {
            higherSince = nil
            let since = lowerSince ?? proposed.seconds
            lowerSince = since
            if proposed.seconds &- since >= config.clearHoldSeconds {
                assessment.level = proposed.level
                assessment.reason = proposed.reason
                lowerSince = nil
            }
        } else {
            higherSince = nil
            lowerSince = nil
            assessment.reason = proposed.reason
        }
        let changed = assessment.level != risk.level
        if changed { levelChanges &+= 1 }
        risk = assessment
        return changed
    }

    public func history(_ channel: Channel) -> ChannelHistory { histories[channel.index] }

    /// The newest stored sample of `channel` (trusted or suspect).
    public func newest(_ channel: Channel) -> HistorySample? { histories[channel.index].newest }

    public func fault(of channel: Channel) -> FaultReason { health[channel.index].fault }

    public var faultyChannels: ChannelSet {
        var set = ChannelSet.empty
        for i in 0..<Channel.count where health[i].isFaulty { set.insert(Channel(index: i)) }
        return set
    }

    /// Forgets all samples and faults (configuration kept).
    public mutating func reset() {
        health = InlineArray(repeating: ChannelHealth())
        for i in 0..<Channel.count { histories[i].removeAll() }
        nextDue = InlineArray(repeating: 0)
        risk = RiskAssessment(level: .normal, reason: .quiet)
        levelChanges = 0
        lowerSince = nil
        higherSince = nil
    }

    // RiskInputs
    public func isFaulty(_ channel: Channel) -> Bool { health[channel.index].isFaulty }

    public func latest(_ channel: Channel) -> Float {
        guard let newest = histories[channel.index].newest, !newest.isSuspect else { return .nan }
        return newest.value
    }

    public func ratePerHour(_ channel: Channel, window: UInt32, now: UInt32) -> Float {
        histories[channel.index].ratePerHour(window: window, now: now) ?? .nan
    }
}

/// The application's static state, counted by the firmware budget like every other buffer: the
/// samples of the history. The node's monitor (in `LeveeResources`, inside the service) keeps its
/// rings here; the sampler task and the CoAP handlers reach it under the service lock; the
/// self-checks use it at boot before any task runs.
public enum AppMemory {
    nonisolated(unsafe) public static var historyStorage = HistoryLimits.NodeStorage(repeating: HistorySample(seconds: 0, value: 0))

    /// The node's history storage as a buffer of samples, for a monitor kept elsewhere (e.g. in a
    /// scheduler `SharedResource`). The storage is a static, so its address is fixed for the life
    /// of the program and the buffer may outlive this call.
    public static func historyBuffer() -> UnsafeMutableBufferPointer<HistorySample> {
        let base = withUnsafeMutablePointer(to: &historyStorage) { UnsafeMutableRawPointer($0) }
        let count = HistoryLimits.samplesPerChannel * Channel.count
        return UnsafeMutableBufferPointer(start: base.bindMemory(to: HistorySample.self, capacity: count), count: count)
    }
}
