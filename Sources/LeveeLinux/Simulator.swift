import Foundation
import LeveeApp

/// The levee and its river on the Linux board: a sensor driver whose readings come from a small,
/// physically plausible model, deterministic for a seed.
///
/// - Rain drives river flow through a linear reservoir (storage S, outflow S/k, a runoff share
///   of the rain in); with a replay, the recorded flow is used instead.
/// - Flow drives the stage through the rating curve Q = a·(h − h0)^b, inverted (the node's
///   `RatingCurve.gauge`, the one its configuration turns stage back into flow with).
/// - Each piezometer sees a share of the river head above the land-side water table, reached with
///   a first-order lag that grows with depth; its pressure is γw × (head − elevation).
/// - Pore pressure above a critical value makes the levee creep: tilt grows at a rate rising with
///   the excess, and never recovers.
/// - Soil moisture follows rain and seepage, temperature a daily cycle, the battery a solar cycle.
/// - A tipping-bucket gauge counts the rain in 0.2 mm tips; a reading is the tips since the last.
/// - Every other reading gets Gaussian noise; scenario faults then replace or distort it.
///
/// Time is field time (`AppConfig.fieldSeconds`): `read(_:at:)` advances the physics in steps of
/// at most one minute to the requested time, so the model runs the same however fast the node's
/// clock goes.
public struct LeveeSimulator: SensorDriver {
    public let scenario: Scenario
    /// The recorded weather instead of the scenario's rain (replay mode).
    public let replay: ReplaySource?

    // Parameters. River Wye at Belmont has 1896 km² of catchment.
    static let catchmentKm2 = 1896.0
    static let runoffShare = 0.6
    static let reservoirHours = 30.0
    static let rating = (a: Double(RatingCurve.gauge.a), b: Double(RatingCurve.gauge.b), h0: Double(RatingCurve.gauge.h0))
    static let bucketMM = Double(ADCStubDriver.calibration(.rainfall).gain)
    static let landSideHead = 1.0                              // m above datum
    static let piezometers: [(elevation: Double, fraction: Double, lagHours: Double)] = [
        (0.5, 0.6, 4), (-1.0, 0.45, 8), (-2.5, 0.3, 16),      // deeper: less share, slower
    ]
    static let waterUnitWeight = 9.81                          // kPa per m of head
    static let creep = (criticalKPa: 25.0, coefficient: 0.002, exponent: 1.5)   // deg/h
    static let noise: [Double] = [0.004, 0.08, 0.08, 0.08, 0.0008, 0.0008, 0.15, 0.05, 0.004, 0]

    // State.
    public private(set) var time: Double = 0                   // field seconds
    public private(set) var storage: Double                    // catchment storage (mm)
    public private(set) var flow: Double                       // m³/s
    public private(set) var stage: Double                      // m
    public private(set) var heads: [Double]                    // piezometric heads (m)
    public private(set) var tilt: Double = 0                   // creep (deg)
    public private(set) var moisture: Double = 25              // % vol
    public private(set) var rainTotal: Double = 0              // mm fallen since the start
    var tipsRead = 0                                           // the gauge's tips already reported
    var random: SplitMix64
    var stuckValues: [Int: Float] = [:]
    var spikesDone: Set<Int> = []

    public init(scenario: Scenario, replay: ReplaySource? = nil) {
        self.scenario = scenario
        self.replay = replay
        random = SplitMix64(seed: scenario.seed)
        let startFlow = replay?.flow(atSeconds: 0) ?? scenario.baseFlow
        storage = 0
        flow = startFlow
        let startStage = LeveeSimulator.stage(forFlow: startFlow)
        stage = startStage
        heads = LeveeSimulator.piezometers.map {
            LeveeSimulator.landSideHead + $0.fraction * (startStage - LeveeSimulator.landSideHead)
        }
    }

    /// h = h0 + (Q/a)^(1/b): the rating curve inverted.
    public static func stage(forFlow q: Double) -> Double {
        rating.h0 + pow(max(q, 0) / rating.a, 1 / rating.b)
    }

    public mutating func read(_ channel: Channel, at fieldSeconds: UInt32) -> Float? {
        advance(to: Double(fieldSeconds))
        let clean = trueValue(channel)
        // The gauge counts whole tips: no noise (and no draw, so the other channels' noise is the
        // same with or without it).
        var value = channel == .rainfall ? Float(clean) : Float(clean + LeveeSimulator.noise[channel.index] * random.gaussian())

        let hours = Double(fieldSeconds) / 3600
        for (k, fault) in scenario.faults.enumerated() where Channel(named: fault.channel) == channel {
            guard hours >= fault.start else { continue }
            let active = hours < fault.start + max(fault.hours, 0)
            switch fault.kind {
            case .stuck where active:
                if let held = stuckValues[k] { value = held } else { stuckValues[k] = value }
            case .spike where !spikesDone.contains(k):
                spikesDone.insert(k)
                value += Float(fault.magnitude)
            case .dropout where active:
                return nil
            case .drift where active:
                value += Float(fault.magnitude * (hours - fault.start))
            case .drift:
                value += Float(fault.magnitude * fault.hours)
            default:
                break
            }
        }
        // A read counter starts again (a dropped-out read leaves the tips for the next one).
        if channel == .rainfall { tipsRead = tips }
        return value
    }

    /// The noiseless quantity a channel measures, in its node unit.
    public func trueValue(_ channel: Channel) -> Double {
        switch channel {
        case .stage: return stage
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep:
            let i = channel.index - Channel.porePressureShallow.index
            return LeveeSimulator.waterUnitWeight * max(heads[i] - LeveeSimulator.piezometers[i].elevation, 0)
        case .tiltX: return 0.02 + tilt
        case .tiltY: return -0.01 + 0.35 * tilt
        case .soilMoisture: return moisture
        case .temperature: return 10 + 6 * sin(2 * Double.pi * (time / 86400 - 0.375))
        case .battery:
            let sun = max(sin(2 * Double.pi * (time / 86400 - 0.25)), 0)
            return 3.85 + 0.12 * sun
        case .rainfall: return Double(tips - tipsRead) * LeveeSimulator.bucketMM
        }
    }

    /// The gauge's tips so far.
    var tips: Int { Int((rainTotal / LeveeSimulator.bucketMM + 1e-9).rounded(.down)) }

    /// Steps the physics forward to field time `target` (never backwards).
    public mutating func advance(to target: Double) {
        while time < target {
            let dt = min(60, target - time)
            step(dt)
            time += dt
        }
    }

    mutating func step(_ dt: Double) {
        let hours = time / 3600
        let dtHours = dt / 3600
        let rain = rainfall(atHours: hours)
        rainTotal += rain * dtHours
        if let replay {
            flow = replay.flow(atSeconds: time)
        } else {
            storage += (LeveeSimulator.runoffShare * rain - storage / LeveeSimulator.reservoirHours) * dtHours
            let runoff = storage / LeveeSimulator.reservoirHours          // mm/h over the catchment
            flow = scenario.baseFlow + runoff * LeveeSimulator.catchmentKm2 / 3.6
        }
        stage = LeveeSimulator.stage(forFlow: flow) + surge(atHours: hours)
        for i in 0..<heads.count {
            var (_, fraction, lag) = LeveeSimulator.piezometers[i]
            for anomaly in scenario.seepage where anomaly.piezometer == i + 1 && hours >= anomaly.start {
                let progress = min((hours - anomaly.start) / max(anomaly.hours, 1e-6), 1)
                fraction += (anomaly.fraction - fraction) * progress
                lag += (anomaly.lagHours - lag) * progress
            }
            let equilibrium = LeveeSimulator.landSideHead + fraction * (stage - LeveeSimulator.landSideHead)
            heads[i] += (equilibrium - heads[i]) * (1 - exp(-dtHours / max(lag, 0.01)))
        }
        let shallow = LeveeSimulator.waterUnitWeight * max(heads[0] - LeveeSimulator.piezometers[0].elevation, 0)
        let excess = shallow - LeveeSimulator.creep.criticalKPa
        if excess > 0 {
            tilt += LeveeSimulator.creep.coefficient * pow(excess, LeveeSimulator.creep.exponent) * dtHours
        }
        let seep = max(shallow - 10, 0)
        moisture += (0.8 * rain + 0.05 * seep - (moisture - 25) / 48) * dtHours
        moisture = min(max(moisture, 5), 55)
    }

    func rainfall(atHours hours: Double) -> Double {
        if let replay { return replay.rainfall(atSeconds: hours * 3600) }
        var total = 0.0
        for event in scenario.rain where hours >= event.start && hours < event.start + event.hours {
            total += event.mmPerHour
        }
        return total
    }

    func surge(atHours hours: Double) -> Double {
        var total = 0.0
        for event in scenario.surge where hours >= event.start && hours < event.start + event.hours {
            total += event.meters * sin(Double.pi * (hours - event.start) / event.hours)
        }
        return total
    }
}

/// A small, fast, seedable generator (SplitMix64), so a seed gives the same noise everywhere.
public struct SplitMix64 {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    public mutating func uniform() -> Double { Double((next() >> 11) + 1) / Double(1 << 53) }

    /// Standard normal (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = uniform(), u2 = uniform()
        return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }
}
