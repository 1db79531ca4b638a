import LeveeBase

/// The configuration as `key=value` text: what `GET /config` with Accept text/plain shows and what
/// `PUT`/`POST /config` take, so an operator can change one threshold with a command line:
/// `stage=3,4.5,5.5` (watch, warning, danger), `period.stage=30`, `raise-hold=300`. Pairs are
/// separated by newlines, `;` or `&`; keys not given keep their value; the result is checked whole
/// (`AppConfig.invalidField`) before it replaces the running configuration.
public enum ConfigText {
    /// The largest body `/config` takes (every key with long values fits in 400 bytes).
    public static let maxBody: UInt32 = 512

    public enum Verdict: Equatable, Sendable {
        case accepted
        /// Not `key=value` pairs, an unknown key, or a value that is not a number of the key's kind.
        case malformed
        case invalid(ConfigField)
    }

    /// Applies the pairs in `text` to `config` (left unchanged unless the verdict is `accepted`).
    public static func apply(_ text: UnsafeRawBufferPointer, to config: inout AppConfig) -> Verdict {
        var changed = config
        var start = 0
        while start <= text.count {
            var end = start
            while end < text.count && !isSeparator(text[end]) { end += 1 }
            let pair = UnsafeRawBufferPointer(rebasing: text[start..<end])
            start = end + 1
            if pair.isEmpty { continue }
            guard setPair(pair, &changed) else { return .malformed }
        }
        if let field = changed.invalidField() { return .invalid(field) }
        config = changed
        return .accepted
    }

    /// Every key with its value, one per line.
    public static func write(_ config: AppConfig, into w: inout ByteWriter) {
        for i in 0..<Channel.count {
            w.append("period.")
            w.append(Channel(index: i).name)
            w.append(UInt8(ascii: "="))
            w.appendDecimal(UInt64(widening: config.periods[i]))
            w.append(UInt8(ascii: "\n"))
        }
        for k in 0..<Key.count {
            guard let key = Key(rawValue: UInt8(truncatingIfNeeded: k)) else { continue }
            w.append(key.name)
            w.append(UInt8(ascii: "="))
            if let t = key.thresholds(config) {
                w.appendDecimal(t.watch)
                w.append(UInt8(ascii: ","))
                w.appendDecimal(t.warning)
                w.append(UInt8(ascii: ","))
                w.appendDecimal(t.danger)
            } else {
                w.appendDecimal(UInt64(widening: key.integer(config)))
            }
            w.append(UInt8(ascii: "\n"))
        }
    }

    /// The field's name in a 4.00 answer.
    public static func name(of field: ConfigField) -> StaticString {
        switch field {
        case .periods: return "periods (1 ... 86400 s)"
        case .stageThresholds: return "stage (watch <= warning <= danger)"
        case .porePressureThresholds: return "pore-pressure-rise (0 < watch <= warning <= danger)"
        case .tiltThresholds: return "tilt-rate (0 < watch <= warning <= danger)"
        case .rateWindow: return "rate-window (600 ... 86400 s)"
        case .driftWindow: return "drift-window (300 s ... rate-window)"
        case .holds: return "raise-hold, clear-hold (<= 86400 s)"
        case .recoverySamples: return "recovery-samples (1 ... 1000)"
        case .missingLimit: return "missing-limit (1 ... 1000)"
        }
    }

    /// The keys besides `period.<channel>`.
    enum Key: UInt8 {
        case stage, porePressureRise, tiltRate, rateWindow, driftWindow, raiseHold, clearHold
        case recoverySamples, missingLimit

        static let count = 9

        var name: StaticString {
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

        func thresholds(_ c: AppConfig) -> RiskThresholds? {
            switch self {
            case .stage: return c.stage
            case .porePressureRise: return c.porePressureRise
            case .tiltRate: return c.tiltRate
            default: return nil
            }
        }

        func integer(_ c: AppConfig) -> UInt32 {
            switch self {
            case .rateWindow: return c.rateWindowSeconds
            case .driftWindow: return c.driftWindowSeconds
            case .raiseHold: return c.raiseHoldSeconds
            case .clearHold: return c.clearHoldSeconds
            case .recoverySamples: return UInt32(truncatingIfNeeded: c.recoverySamples)
            case .missingLimit: return UInt32(truncatingIfNeeded: c.missingLimit)
            default: return 0
            }
        }

        /// Sets the key from its value text; false when the value is not of the key's kind.
        func set(_ value: UnsafeRawBufferPointer, _ c: inout AppConfig) -> Bool {
            if thresholds(c) != nil {
                guard let t = ConfigText.thresholds(value) else { return false }
                switch self {
                case .stage: c.stage = t
                case .porePressureRise: c.porePressureRise = t
                default: c.tiltRate = t
                }
                return true
            }
            guard let n = DecimalText.unsigned(value) else { return false }
            switch self {
            case .rateWindow: c.rateWindowSeconds = n
            case .driftWindow: c.driftWindowSeconds = n
            case .raiseHold: c.raiseHoldSeconds = n
            case .clearHold: c.clearHoldSeconds = n
            case .recoverySamples, .missingLimit:
                guard n <= 0xFFFF else { return false }
                let small = UInt16(truncatingIfNeeded: n)
                if self == .recoverySamples { c.recoverySamples = small } else { c.missingLimit = small }
            default: return false
            }
            return true
        }
    }

    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\r")
    }

    static func setPair(_ pair: UnsafeRawBufferPointer, _ c: inout AppConfig) -> Bool {
        var equals = 0
        while equals < pair.count && pair[equals] != UInt8(ascii: "=") { equals += 1 }
        guard equals < pair.count else { return false }
        let key = trimmed(UnsafeRawBufferPointer(rebasing: pair[0..<equals]))
        let value = trimmed(UnsafeRawBufferPointer(rebasing: pair[(equals + 1)...]))
        if starts(key, with: "period.") {
            let name = UnsafeRawBufferPointer(rebasing: key[7...])
            for i in 0..<Channel.count where equal(name, Channel(index: i).name) {
                guard let n = DecimalText.unsigned(value) else { return false }
                c.periods[i] = n
                return true
            }
            return false
        }
        for k in 0..<Key.count {
            guard let candidate = Key(rawValue: UInt8(truncatingIfNeeded: k)), equal(key, candidate.name) else { continue }
            return candidate.set(value, &c)
        }
        return false
    }

    /// "w,wa,d": three numbers.
    static func thresholds(_ text: UnsafeRawBufferPointer) -> RiskThresholds? {
        var values: (Float, Float, Float) = (0, 0, 0)
        var index = 0
        var start = 0
        while start <= text.count {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: ",") { end += 1 }
            guard index < 3, let v = DecimalText.float(trimmed(UnsafeRawBufferPointer(rebasing: text[start..<end]))) else { return nil }
            switch index {
            case 0: values.0 = v
            case 1: values.1 = v
            default: values.2 = v
            }
            index += 1
            start = end + 1
        }
        guard index == 3 else { return nil }
        return RiskThresholds(watch: values.0, warning: values.1, danger: values.2)
    }

    static func trimmed(_ text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var low = 0, high = text.count
        while low < high && text[low] == UInt8(ascii: " ") { low += 1 }
        while high > low && text[high - 1] == UInt8(ascii: " ") { high -= 1 }
        return UnsafeRawBufferPointer(rebasing: text[low..<high])
    }

    static func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        text.withUTF8Buffer { t in
            guard t.count == bytes.count else { return false }
            for i in 0..<t.count where t[i] != bytes[i] { return false }
            return true
        }
    }

    static func starts(_ bytes: UnsafeRawBufferPointer, with text: StaticString) -> Bool {
        text.withUTF8Buffer { t in
            guard bytes.count >= t.count else { return false }
            for i in 0..<t.count where t[i] != bytes[i] { return false }
            return true
        }
    }
}

/// Decimal numbers in request text (queries, `/config`): strict, bounded, never trapping.
public enum DecimalText {
    /// Digits only, below 2^32.
    public static func unsigned(_ text: UnsafeRawBufferPointer) -> UInt32? {
        guard !text.isEmpty, text.count <= 10 else { return nil }
        var value: UInt64 = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(widening: byte - UInt8(ascii: "0"))
        }
        return UInt32(narrowing: value)
    }

    /// `[-]digits[.digits]`, at most nine digits in all (Float's precision).
    public static func float(_ text: UnsafeRawBufferPointer) -> Float? {
        var i = 0
        var negative = false
        if i < text.count && (text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+")) {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt32 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        while i < text.count {
            let byte = text[i]
            i += 1
            if byte == UInt8(ascii: ".") && !seenPoint { seenPoint = true; continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 9 else { return nil }
            mantissa = mantissa * 10 + UInt32(truncatingIfNeeded: byte - UInt8(ascii: "0"))
            digits += 1
            if seenPoint { fraction += 1 }
        }
        guard digits > 0 else { return nil }
        var value = Float(Int(mantissa))
        for _ in 0..<fraction { value /= 10 }
        return negative ? -value : value
    }
}
