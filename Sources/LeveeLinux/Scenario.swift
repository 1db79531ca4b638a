import Foundation
import LeveeApp

/// A simulated season on the levee, read from a small JSON file in `fixtures/scenarios/`: the
/// weather that drives the physics, anomalies of the levee itself, and sensor faults to inject.
/// Times are hours from the start of the scenario.
public struct Scenario: Codable, Equatable, Sendable {
    public var name: String
    public var description: String = ""
    /// Seeds the sensor noise: the same seed gives the same readings.
    public var seed: UInt64 = 1
    /// How long the scenario is meant to run (hours).
    public var hours: Double
    /// UNIX time of the start, when SenML times should be absolute (nil: relative times).
    public var startEpoch: UInt64?
    /// River flow before any rain (m³/s).
    public var baseFlow: Double = 25
    public var rain: [RainEvent] = []
    public var surge: [SurgeEvent] = []
    public var seepage: [SeepageAnomaly] = []
    public var faults: [SensorFault] = []

    /// Rain over the catchment at a constant intensity.
    public struct RainEvent: Codable, Equatable, Sendable {
        public var start: Double
        public var hours: Double
        public var mmPerHour: Double
    }

    /// Water pushed up the river from downstream (a tidal or storm surge): a smooth bump on the
    /// stage, `meters` high at its middle.
    public struct SurgeEvent: Codable, Equatable, Sendable {
        public var start: Double
        public var hours: Double
        public var meters: Double
    }

    /// A piezometer's connection to the river changing (a seepage path opening): over `hours`
    /// from `start`, its share of the river head goes to `fraction` and its lag to `lagHours`.
    public struct SeepageAnomaly: Codable, Equatable, Sendable {
        public var start: Double
        public var hours: Double
        /// 1 (shallow) … 3 (deep).
        public var piezometer: Int
        public var fraction: Double
        public var lagHours: Double
    }

    /// A sensor misbehaving on a named channel from `start` for `hours` (spike: one reading).
    public struct SensorFault: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Sendable {
            case stuck, spike, dropout, drift
        }
        public var channel: String
        public var kind: Kind
        public var start: Double
        public var hours: Double = 0
        /// spike: the jump; drift: units per hour.
        public var magnitude: Double = 0

        public init(channel: String, kind: Kind, start: Double, hours: Double = 0, magnitude: Double = 0) {
            self.channel = channel
            self.kind = kind
            self.start = start
            self.hours = hours
            self.magnitude = magnitude
        }

        enum CodingKeys: String, CodingKey { case channel, kind, start, hours, magnitude }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            channel = try c.decode(String.self, forKey: .channel)
            kind = try c.decode(Kind.self, forKey: .kind)
            start = try c.decode(Double.self, forKey: .start)
            hours = try c.decodeIfPresent(Double.self, forKey: .hours) ?? 0
            magnitude = try c.decodeIfPresent(Double.self, forKey: .magnitude) ?? 0
        }
    }

    public init(name: String, hours: Double) {
        self.name = name
        self.hours = hours
    }

    // Every field but the name and the length may be left out of a file.
    enum CodingKeys: String, CodingKey {
        case name, description, seed, hours, startEpoch, baseFlow, rain, surge, seepage, faults
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        hours = try c.decode(Double.self, forKey: .hours)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        startEpoch = try c.decodeIfPresent(UInt64.self, forKey: .startEpoch)
        baseFlow = try c.decodeIfPresent(Double.self, forKey: .baseFlow) ?? 25
        rain = try c.decodeIfPresent([RainEvent].self, forKey: .rain) ?? []
        surge = try c.decodeIfPresent([SurgeEvent].self, forKey: .surge) ?? []
        seepage = try c.decodeIfPresent([SeepageAnomaly].self, forKey: .seepage) ?? []
        faults = try c.decodeIfPresent([SensorFault].self, forKey: .faults) ?? []
    }

    /// Reads a scenario file; names an unknown channel in the error.
    public static func load(from url: URL) throws -> Scenario {
        let scenario = try JSONDecoder().decode(Scenario.self, from: Data(contentsOf: url))
        for fault in scenario.faults where Channel(named: fault.channel) == nil {
            throw ScenarioError.unknownChannel(fault.channel)
        }
        for anomaly in scenario.seepage where !(1...3).contains(anomaly.piezometer) {
            throw ScenarioError.unknownPiezometer(anomaly.piezometer)
        }
        return scenario
    }

    /// `fixtures/scenarios/NAME.json` under `root` (the repository).
    public static func named(_ name: String, root: URL) throws -> Scenario {
        try load(from: root.appendingPathComponent("fixtures/scenarios/\(name).json"))
    }
}

public enum ScenarioError: Error, CustomStringConvertible {
    case unknownChannel(String)
    case unknownPiezometer(Int)
    case replay(String)

    public var description: String {
        switch self {
        case .unknownChannel(let name): return "unknown channel \"\(name)\""
        case .unknownPiezometer(let n): return "piezometer \(n) does not exist (1 … 3)"
        case .replay(let message): return message
        }
    }
}

extension Channel {
    /// The channel called `name` (as in paths and SenML: "stage", "tilt-x", ...).
    public init?(named name: String) {
        var name = name
        guard let channel = name.withUTF8({ Channel(named: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = channel
    }
}
