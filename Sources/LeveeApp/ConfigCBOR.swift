import LeveeBase
import LeveeOTA

/// The configuration as a CBOR map with text keys (content format 60), what `GET /config` answers
/// by default and what `PUT`/`POST /config` take besides text:
/// `{"periods": {"stage": 60, ...}, "stage": [3.0, 4.5, 5.5], ..., "missing-limit": 2}`.
/// A change may name any subset of the keys (and of the channels under "periods"); keys not given
/// keep their value, and the result is judged whole, as for text.
public enum ConfigCBOR {
    public static func write(_ config: AppConfig, into writer: inout ByteWriter) {
        writer.appendCBORMapHeader(count: 1 + ConfigKey.count)
        writer.appendCBOR(text: "periods")
        writer.appendCBORMapHeader(count: Channel.count)
        for i in 0..<Channel.count {
            writer.appendCBOR(text: Channel(index: i).name)
            writer.appendCBOR(unsigned: UInt64(widening: config.periods[i]))
        }
        for k in 0..<ConfigKey.count {
            guard let key = ConfigKey.at(k) else { continue }
            writer.appendCBOR(text: key.name)
            switch key.value(in: config) {
            case .triple(let x, let y, let z):
                writer.appendCBORArrayHeader(count: 3)
                writer.appendCBOR(float: x)
                writer.appendCBOR(float: y)
                writer.appendCBOR(float: z)
            case .integer(let n):
                writer.appendCBOR(unsigned: UInt64(widening: n))
            case .number(let x):
                writer.appendCBOR(float: x)
            }
        }
    }

    /// Applies the map in `bytes` to `config` (left unchanged unless the verdict is `accepted`).
    /// Anything but one definite-length map of known keys with values of their kind, and nothing
    /// after it, is malformed.
    public static func apply(_ bytes: UnsafeRawBufferPointer, to config: inout AppConfig) -> ConfigVerdict {
        var changed = config
        var reader = CBORReader(bytes)
        do throws(CBORError) {
            let pairs = try reader.readMapCount()
            for _ in 0..<pairs {
                let name = UnsafeRawBufferPointer(rebasing: bytes[try reader.readTextString()])
                guard try setValue(named: name, &reader, &changed) else { return .malformed }
            }
            guard reader.isAtEnd else { return .malformed }
        } catch {
            return .malformed
        }
        return ConfigVerdict.judge(changed, into: &config)
    }

    /// Reads the value of the key `name` into `c`; false for an unknown key or a value of the
    /// wrong kind.
    static func setValue(named name: UnsafeRawBufferPointer, _ reader: inout CBORReader,
                         _ c: inout AppConfig) throws(CBORError) -> Bool {
        if BaseSelfChecks.equal(name, "periods") {
            let channels = try reader.readMapCount()
            for _ in 0..<channels {
                let channelName = UnsafeRawBufferPointer(rebasing: reader.bytes[try reader.readTextString()])
                guard let channel = Channel(named: channelName),
                      let seconds = UInt32(narrowing: try reader.readUnsigned()) else { return false }
                c.periods[channel.index] = seconds
            }
            return true
        }
        guard let key = ConfigKey.named(name) else { return false }
        switch key.kind {
        case .triple:
            guard try reader.readArrayCount() == 3 else { return false }
            let x = try readNumber(&reader)
            let y = try readNumber(&reader)
            let z = try readNumber(&reader)
            return key.set(.triple(x, y, z), in: &c)
        case .integer:
            guard let n = UInt32(narrowing: try reader.readUnsigned()) else { return false }
            return key.set(.integer(n), in: &c)
        case .number:
            return key.set(.number(try readNumber(&reader)), in: &c)
        }
    }

    /// A number as a Float: an integer (major type 0 or 1, below 2^31) or a half, single or double
    /// float.
    /// A NaN or infinity comes back as it is; `AppConfig.invalidField` refuses it.
    static func readNumber(_ reader: inout CBORReader) throws(CBORError) -> Float {
        let start = reader.offset
        let head = try reader.readHead()
        switch head.type {
        case .unsigned, .negative:
            // Thresholds are small numbers; below 2^31 they convert through Int, concrete on every target.
            guard head.argument <= UInt64(widening: UInt32(Int32.max)) else { throw .outOfRange }
            let magnitude = Float(Int(truncatingIfNeeded: head.argument))
            return head.type == .unsigned ? magnitude : -1 - magnitude
        case .simple:
            switch reader.offset - start {
            case 3: return halfFloat(UInt16(truncatingIfNeeded: head.argument))
            case 5: return Float(bitPattern: UInt32(truncatingIfNeeded: head.argument))
            case 9: return Float(Double(bitPattern: head.argument))
            default: throw .unexpectedType   // true, false, null, undefined, simple values
            }
        default: throw .unexpectedType
        }
    }

    /// IEEE 754 binary16 (RFC 8949 §3.3, Appendix D) widened to Float, exactly.
    static func halfFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(truncatingIfNeeded: (bits &>> 10) & 0x1f)
        let mantissa = Float(Int(truncatingIfNeeded: bits & 0x3ff))
        switch exponent {
        case 0: return sign * mantissa * 0x1p-24
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default:
            var scale: Float = 1
            var e = exponent - 15
            while e > 0 { scale *= 2; e -= 1 }
            while e < 0 { scale /= 2; e += 1 }
            return sign * (1 + mantissa / 1024) * scale
        }
    }
}
