import LeveeApp
import LeveeBase

/// A scenario run in virtual time: the simulator as the sensor driver, the application's monitor
/// over host-allocated history storage, and a `ManualClock` that jumps from one sampling instant
/// to the next — a storm of three days runs in well under a second, with no sleeping.
public final class ScenarioRun {
    public var simulator: LeveeSimulator
    public var monitor: SensorMonitor
    public private(set) var clock = ManualClock()
    private let storage: UnsafeMutableBufferPointer<HistorySample>

    public init(scenario: Scenario, replay: ReplaySource? = nil, config: AppConfig = AppConfig(),
                samplesPerChannel: Int = HistoryLimits.samplesPerChannel) {
        simulator = LeveeSimulator(scenario: scenario, replay: replay)
        storage = .allocate(capacity: samplesPerChannel * Channel.count)
        storage.initialize(repeating: HistorySample(seconds: 0, value: 0))
        monitor = SensorMonitor(config: config, historyStorage: storage)
    }

    deinit { storage.deallocate() }

    /// Field seconds now.
    public var seconds: UInt32 { monitor.config.fieldSeconds(at: clock.now()) }

    /// Advances the clock by `step` of node time at a time until `fieldHours` of field time have
    /// passed, sampling the due channels and assessing the risk at every step; `observe` sees every
    /// assessment and whether the level changed.
    public func run(fieldHours: Double, step: Interval = .seconds(60),
                    observe: (UInt32, RiskAssessment, Bool) -> Void = { _, _, _ in }) {
        let end = UInt32(min(fieldHours * 3600, Double(UInt32.max)))
        while seconds < end {
            let now = seconds
            monitor.sampleDue(from: &simulator, at: now)
            let changed = monitor.assess(at: now)
            observe(now, monitor.risk, changed)
            clock.advance(by: step)
        }
    }
}
