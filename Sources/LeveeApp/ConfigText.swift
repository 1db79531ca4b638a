import LeveeBase

/// The configuration as `key=value` text: what `GET /config` with Accept text/plain shows and what
/// `PUT`/`POST /config` take, so an operator can change one threshold with a command line:
/// `stage=3,4.5,5.5` (watch, warning, danger), `period.stage=30`, `raise-hold=300`. Pairs are
/// separated by newlines, `;` or `&`; keys not given keep their value; the result is checked whole
/// (`AppConfig.invalidField`) before it replaces the running configuration.
public enum ConfigText {
    /// The largest body `/config` takes (every key with long values fits in 400 bytes).
    public static let maxBody: UInt32 = 512

    public typealias Verdict = ConfigVerdict

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
        return ConfigVerdict.judge(changed, into: &config)
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
        for k in 0..<ConfigKey.count {
            guard let key = ConfigKey.at(k) else { continue }
            w.append(key.name)
            w.append(UInt8(ascii: "="))
            switch key.value(in: config) {
            case .triple(let x, let y, let z):
                w.appendDecimal(x)
                w.append(UInt8(ascii: ","))
                w.appendDecimal(y)
                w.append(UInt8(ascii: ","))
                w.appendDecimal(z)
            case .integer(let n):
                w.appendDecimal(UInt64(widening: n))
            case .number(let x):
                w.appendDecimal(x)
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
        case .floodFlow: return "flood-flow (> 0 m3/s)"
        case .rating: return "rating (a > 0, b > 0, h0 in m)"
        case .observeInterval: return "observe-max-interval (1 ... 86400 s)"
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
            guard let channel = Channel(named: UnsafeRawBufferPointer(rebasing: key[7...])),
                  let n = DecimalText.unsigned(value) else { return false }
            c.periods[channel.index] = n
            return true
        }
        guard let known = ConfigKey.named(key) else { return false }
        switch known.kind {
        case .triple:
            guard let t = triple(value) else { return false }
            return known.set(.triple(t.0, t.1, t.2), in: &c)
        case .integer:
            guard let n = DecimalText.unsigned(value) else { return false }
            return known.set(.integer(n), in: &c)
        case .number:
            guard let x = DecimalText.float(value) else { return false }
            return known.set(.number(x), in: &c)
        }
    }

    /// "x,y,z": three numbers (thresholds watch, warning, danger; a rating curve's a, b, h0).
    static func triple(_ text: UnsafeRawBufferPointer) -> (Float, Float, Float)? {
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
        return values
    }

    static func trimmed(_ text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var low = 0, high = text.count
        while low < high && text[low] == UInt8(ascii: " ") { low += 1 }
        while high > low && text[high - 1] == UInt8(ascii: " ") { high -= 1 }
        return UnsafeRawBufferPointer(rebasing: text[low..<high])
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
