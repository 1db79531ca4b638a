import LeveeBase

/// What the node measures: a fixed set, so every per-channel table is a fixed-size array indexed by
/// `rawValue` and no channel can be added at run time by mistake.
public enum Channel: UInt8, Sendable {
    case stage = 0
    case porePressureShallow = 1
    case porePressureMiddle = 2
    case porePressureDeep = 3
    case tiltX = 4
    case tiltY = 5
    case soilMoisture = 6
    case temperature = 7
    case battery = 8
    /// A tipping-bucket rain gauge: the rain (mm) since the previous sample (the bucket's tips
    /// counted in between), the rainfall the risk module's flood forecast is fed by the day.
    case rainfall = 9

    /// How many channels there are (no `CaseIterable`: its `allCases` is an Array). `PerChannel`
    /// must have this count.
    public static let count = 10

    /// The channel at `index` (0 ..< count); `.stage` for anything else, so a loop bound by
    /// `count` never needs an unwrap.
    public init(index: Int) {
        self = Channel(rawValue: UInt8(truncatingIfNeeded: index)) ?? .stage
    }

    public var index: Int { Int(rawValue) }

    /// The channel's name in paths and SenML records.
    public var name: StaticString {
        switch self {
        case .stage: return "stage"
        case .porePressureShallow: return "pore-pressure-1"
        case .porePressureMiddle: return "pore-pressure-2"
        case .porePressureDeep: return "pore-pressure-3"
        case .tiltX: return "tilt-x"
        case .tiltY: return "tilt-y"
        case .soilMoisture: return "soil-moisture"
        case .temperature: return "temperature"
        case .battery: return "battery"
        case .rainfall: return "rainfall"
        }
    }

    /// The unit the node works in (thresholds, text/plain): what a levee engineer reads.
    public var unit: StaticString {
        switch self {
        case .stage: return "m"
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return "kPa"
        case .tiltX, .tiltY: return "deg"
        case .soilMoisture: return "%"
        case .temperature: return "Cel"
        case .battery: return "V"
        case .rainfall: return "mm"
        }
    }

    /// The unit in SenML payloads: only symbols of the IANA SenML Units registry (RFC 8428 §12.1,
    /// RFC 8798), whose primary units are unscaled SI. kPa is not registered, so pore pressure goes
    /// out in "Pa"; volumetric soil moisture as the ratio "/" (m³/m³); "deg" and "mm" are RFC 8798's.
    public var senmlUnit: StaticString {
        switch self {
        case .stage: return "m"
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return "Pa"
        case .tiltX, .tiltY: return "deg"
        case .soilMoisture: return "/"
        case .temperature: return "Cel"
        case .battery: return "V"
        case .rainfall: return "mm"
        }
    }

    /// SenML value = node value × this.
    public var senmlScale: Float {
        switch self {
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return 1000
        case .soilMoisture: return 0.01
        default: return 1
        }
    }

    /// The physically possible readings of the installed sensor, in `unit`; outside is a fault.
    public var validRange: ClosedRange<Float> {
        switch self {
        case .stage: return -1 ... 12              // gauge datum to above the crest
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return -20 ... 200
        case .tiltX, .tiltY: return -10 ... 10      // the inclinometer's span
        case .soilMoisture: return 0 ... 100
        case .temperature: return -40 ... 60
        case .battery: return 2.5 ... 4.5           // one Li-ion cell behind the regulator
        case .rainfall: return 0 ... 200            // per sample: beyond any cloudburst
        }
    }

    /// The largest change between two consecutive samples a real sensor shows at the default rate;
    /// more is a spike (or a step: it then recovers after a few steady samples at the new level).
    public var maximumStep: Float {
        switch self {
        case .stage: return 0.5
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return 8
        case .tiltX, .tiltY: return 0.5
        case .soilMoisture: return 10
        case .temperature: return 5
        case .battery: return 0.3
        case .rainfall: return 100                  // rain starts and stops at once
        }
    }

    /// The fastest sustained change the measured quantity shows on a levee, per hour; a sensor
    /// changing faster over `AppConfig.driftWindowSeconds` is drifting. Generous on purpose: the
    /// storm of the century raises the stage by well under 1 m/h, and seepage through a pipe
    /// raises pore pressure by a few kPa/h.
    public var maximumRatePerHour: Float {
        switch self {
        case .stage: return 1.5
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return 15
        case .tiltX, .tiltY: return 2
        case .soilMoisture: return 40
        case .temperature: return 15
        case .battery: return 1
        case .rainfall: return 2000                 // no drift for a counter: only a broken one runs away
        }
    }

    /// How many bit-identical consecutive readings mean the sensor is stuck (0: never). Every live
    /// sensor shows some noise; the battery under a regulator may genuinely sit still.
    public var stuckLimit: UInt16 {
        switch self {
        case .stage, .porePressureShallow, .porePressureMiddle, .porePressureDeep, .tiltX, .tiltY: return 20
        case .soilMoisture, .temperature: return 12
        case .battery, .rainfall: return 0      // a gauge reads 0 through every dry spell
        }
    }

    /// The default sampling period in seconds of field time (levee-node.md's typical rates).
    public var defaultPeriodSeconds: UInt32 {
        switch self {
        case .stage: return 60
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep, .tiltX, .tiltY: return 60
        case .soilMoisture, .temperature, .battery, .rainfall: return 600
        }
    }
}

/// A value per channel (index = `Channel.index`): the size of every per-channel table.
public typealias PerChannel<Element> = InlineArray<10, Element>

/// A set of channels as a bit mask (bit n = channel with raw value n).
public struct ChannelSet: Equatable, Sendable {
    public var bits: UInt16

    public init(bits: UInt16 = 0) { self.bits = bits }

    public static let empty = ChannelSet()

    public func contains(_ channel: Channel) -> Bool { bits & (1 &<< UInt16(channel.rawValue)) != 0 }
    public mutating func insert(_ channel: Channel) { bits |= 1 &<< UInt16(channel.rawValue) }
    public var isEmpty: Bool { bits == 0 }
}
