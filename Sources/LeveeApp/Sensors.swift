import LeveeBase

/// What a board implements to give the application its measurements: one reading of one channel,
/// in the channel's unit, or nil when the sensor did not answer. The Linux simulator and the
/// chip's ADC driver both conform; the sampling code is generic over it (no existential).
///
/// `at` is the sample's field time in seconds (see `AppConfig.fieldSeconds`): a simulator uses
/// it to advance its physics; a real driver ignores it.
public protocol SensorDriver {
    mutating func read(_ channel: Channel, at fieldSeconds: UInt32) -> Float?
}

/// The STM32F407's sensor front end until the real one exists: each channel behind a 12-bit ADC
/// input with a linear calibration (offset + gain × counts), the way the real driver will convert.
/// The conversions are fixed plausible counts (a quiet day on the levee), so the sampling, fault
/// and risk code runs on the chip exactly as on the host.
public struct ADCStubDriver: SensorDriver {
    /// Raw counts per channel (index = channel); a test may change them.
    public var counts: PerChannel<UInt16>

    public init() {
        counts = InlineArray(repeating: 0)
        for i in 0..<Channel.count {
            counts[i] = ADCStubDriver.quietDayCounts(Channel(index: i))
        }
    }

    public mutating func read(_ channel: Channel, at fieldSeconds: UInt32) -> Float? {
        let raw = counts[channel.index]
        // 0xFFF is a rail reading: an open input (cut cable) on the real front end.
        guard raw < 0xFFF else { return nil }
        // The rain gauge is a pulse counter, not an ADC input: its tips, exactly.
        if channel == .rainfall { return ADCStubDriver.calibration(channel).gain * Float(Int(raw)) }
        // A little dither from the time, as a live input is never perfectly still.
        let dither = Int(fieldSeconds % 3) - 1
        let calibration = ADCStubDriver.calibration(channel)
        return calibration.offset + calibration.gain * Float(Int(raw) + dither)
    }

    /// Engineering value = offset + gain × counts, for the front end's 4–20 mA and bridge inputs.
    public static func calibration(_ channel: Channel) -> (offset: Float, gain: Float) {
        switch channel {
        case .stage: return (-1, 13.0 / 4095)                       // -1 … 12 m
        case .porePressureShallow, .porePressureMiddle, .porePressureDeep: return (-20, 220.0 / 4095)
        case .tiltX, .tiltY: return (-10, 20.0 / 4095)
        case .soilMoisture: return (0, 100.0 / 4095)
        case .temperature: return (-40, 100.0 / 4095)
        case .battery: return (0, 6.6 / 4095)                       // 1:2 divider on a 3.3 V reference
        case .rainfall: return (0, 0.2)                             // 0.2 mm per tip of the bucket
        }
    }

    static func quietDayCounts(_ channel: Channel) -> UInt16 {
        switch channel {
        case .stage: return 630                 // ≈ 1.0 m
        case .porePressureShallow: return 745   // ≈ 20 kPa
        case .porePressureMiddle: return 931    // ≈ 30 kPa
        case .porePressureDeep: return 1117     // ≈ 40 kPa
        case .tiltX: return 2050                // ≈ 0.01°
        case .tiltY: return 2046
        case .soilMoisture: return 1230         // ≈ 30 %
        case .temperature: return 2048          // ≈ 10 °C
        case .battery: return 2420              // ≈ 3.9 V
        case .rainfall: return 0                // dry
        }
    }
}
