import LeveeBase
import LeveeCoAP
import LeveeOTA
import LeveeScheduler

/// One sensor scan: which channels to convert at which field second, and what came back — the
/// buffer an ADC's DMA fills on the chip. 52 bytes, a named part of the RAM budget.
public struct SensorScan: Sendable {
    public var requested: ChannelSet
    /// Field seconds the readings are for.
    public var seconds: UInt32
    /// The scan-start task asked for a conversion; the board has not done it yet.
    public var converting = false
    /// The board converted: `readings` hold the requested channels (NaN: no answer).
    public var complete = false
    public var readings = PerChannel<Float>(repeating: .nan)

    public init(requested: ChannelSet = .empty, seconds: UInt32 = 0) {
        self.requested = requested
        self.seconds = seconds
    }
}

/// The board's side of sampling.
public enum NodeSensors {
    /// Converts a requested scan through the board's driver (from the board's idle loop, as the
    /// ADC and its DMA would): true when it did, and the board then raises the sensor-conversion
    /// interrupt so the sampler task runs.
    public static func convert<Driver: SensorDriver, Port: SchedulerPort>(
        _ driver: inout Driver, _ context: TaskContext<Port>) -> Bool where Port.App == NodeTasks {
        context.lock(SensorScanResource.self) { scan in
            guard scan.converting else { return false }
            for i in 0..<Channel.count {
                let channel = Channel(index: i)
                scan.readings[i] = scan.requested.contains(channel) ? driver.read(channel, at: scan.seconds) ?? .nan : .nan
            }
            scan.converting = false
            scan.complete = true
            return true
        }
    }
}

extension NodeSensors {
    /// A scan waits for the board's conversion (the board must not sleep).
    public static func scanWaiting<Port: SchedulerPort>(_ context: TaskContext<Port>) -> Bool where Port.App == NodeTasks {
        context.lock(SensorScanResource.self) { $0.converting }
    }
}

/// What one sampler run changed, for the notifications.
public struct SamplerStep: Equatable, Sendable {
    /// The risk representation changed (level, reason, source or ignored channels).
    public var riskChanged: Bool
    /// The level changed: an alarm, notified CON.
    public var levelChanged: Bool
}

extension LeveeResources {
    /// Feeds a converted scan to the monitor, hands a finished field day to the module's forecast,
    /// and assesses the risk.
    public mutating func take(_ scan: SensorScan) -> SamplerStep {
        var stage: Float?, rainfall: Float?
        for i in 0..<Channel.count where scan.requested.contains(Channel(index: i)) {
            let channel = Channel(index: i)
            guard case .good(let value) = monitor.record(channel, reading: scan.readings[i], at: scan.seconds),
                  !monitor.isFaulty(channel) else { continue }
            if channel == .stage { stage = value }
            if channel == .rainfall { rainfall = value }
        }
        if let day = daily.add(stage: stage, rainfall: rainfall, at: scan.seconds, rating: monitor.config.rating) {
            observe(day, at: scan.seconds)
        }
        let before = monitor.risk
        let levelChanged = assessRisk(at: scan.seconds)
        return SamplerStep(riskChanged: levelChanged || before != monitor.risk, levelChanged: levelChanged)
    }

    /// Gives a finished day to the running module's `observe_day` when it has one (README,
    /// "Guest API"); a fault counts like one of `assess`.
    mutating func observe(_ day: DaySummary, at seconds: UInt32) {
        lastDay = day
        var environment = guestEnvironment(at: instant(atFieldSeconds: seconds))
        let arguments: (UInt64, UInt64) = (UInt64(widening: day.rainfallMM.bitPattern), UInt64(widening: day.meanFlow.bitPattern))
        withUnsafeBytes(of: arguments) { raw in
            _ = SlotState.manager.pointee.callOptional(GuestEntry.observeDay, type: GuestEntry.observeDayType,
                                                       arguments: raw.bindMemory(to: UInt64.self), &environment, now: environment.now)
        }
    }

    /// The risk step: the module in the slot decides when one runs (the built-in rule still
    /// supplies the indicator values and the faulty channels it left out); with no module, or
    /// when the module faults (counted by the slot, which rolls it back after too many), the
    /// built-in rule decides. True when the level changed.
    mutating func assessRisk(at seconds: UInt32) -> Bool {
        var environment = guestEnvironment(at: instant(atFieldSeconds: seconds))
        var proposed = BuiltInRule.assess(monitor, config: monitor.config, at: seconds)
        guard case .level(let raw) = SlotState.manager.pointee.assess(&environment, now: environment.now),
              let level = RiskLevel(rawValue: UInt8(truncatingIfNeeded: raw)) else {
            return monitor.adopt(proposed)
        }
        proposed.level = level
        proposed.reason = .module
        proposed.source = .module
        return monitor.adopt(proposed)
    }
}

/// Where a board keeps the configuration record (`AppConfig.writeRecord`): flash on the chip, a
/// file on Linux. Small on purpose: the node writes whole records and reads one at boot.
public protocol ConfigStore {
    /// The stored record copied into `buffer`; its length, 0 when there is none.
    mutating func load(into buffer: UnsafeMutableRawBufferPointer) -> Int
    /// Replaces the stored record; false when the store failed (the node keeps running on the
    /// configuration in RAM and tries again at the next change).
    mutating func save(_ record: UnsafeRawBufferPointer) -> Bool
}

/// The board's side of the configuration: read at boot, written after every accepted change.
public enum NodeConfiguration {
    public typealias RecordStorage = InlineArray<128, UInt8>

    /// The stored configuration with the board's time compression, or the defaults when the store
    /// holds no valid record (erased, torn or from another version: never half of one).
    public static func load<Store: ConfigStore>(from store: inout Store, timeCompression: UInt32) -> AppConfig {
        var base = AppConfig()
        base.timeCompression = max(timeCompression, 1)
        var storage = RecordStorage(repeating: 0)
        return withUnsafeMutableBytes(of: &storage) { raw -> AppConfig in
            let count = min(store.load(into: raw), raw.count)
            do throws(ConfigError) {
                return try AppConfig(record: UnsafeRawBufferPointer(rebasing: raw[0..<count]), base: base)
            } catch {
                return base
            }
        }
    }

    /// Saves the node's configuration when it changed since `saved` (a generation); from idle.
    public static func persist<Store: ConfigStore, Port: SchedulerPort>(
        to store: inout Store, saved: inout UInt32, _ context: TaskContext<Port>) where Port.App == NodeTasks {
        guard let (config, generation) = context.lock(Service.self, { service -> (AppConfig, UInt32)? in
            let levee = service.resources.levee
            return levee.configGeneration == saved ? nil : (levee.monitor.config, levee.configGeneration)
        }) else { return }
        var storage = RecordStorage(repeating: 0)
        let ok = withUnsafeMutableBytes(of: &storage) { raw -> Bool in
            var writer = ByteWriter(raw)
            config.writeRecord(into: &writer)
            return !writer.overflowed && store.save(writer.written)
        }
        if ok { saved = generation }
    }
}

/// A store that keeps the record in RAM only (a board without flash for it, and tests).
public struct VolatileConfigStore: ConfigStore {
    var record = NodeConfiguration.RecordStorage(repeating: 0)
    var count = 0

    public init() {}

    public mutating func load(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(count, buffer.count)
        withUnsafeBytes(of: record) { for i in 0..<n { buffer[i] = $0[i] } }
        return n
    }

    public mutating func save(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= record.count else { return false }
        withUnsafeMutableBytes(of: &record) { for i in 0..<bytes.count { $0[i] = bytes[i] } }
        count = bytes.count
        return true
    }
}
