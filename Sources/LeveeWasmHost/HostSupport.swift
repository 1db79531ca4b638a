// LeveeWasmHost: host-side tools around the interpreter core (the spec-test runner, value
// literals of the command line, host-side arenas). Uses Foundation; never built for the chip.
import LeveeWasm

/// A module loaded on the host: its bytes and arena stay allocated while it lives.
public final class HostModule {
    public let bytes: UnsafeMutableRawBufferPointer
    public let arena: UnsafeMutableRawBufferPointer
    public var instance: Instance?

    public init(bytes source: [UInt8], arenaBytes: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        bytes.copyBytes(from: source)
        arena = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 16)
    }

    public var moduleBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[0..<bytes.count]) }

    deinit {
        bytes.deallocate()
        arena.deallocate()
    }
}

/// Function types of host functions, in storage that lives as long as the process.
public enum HostTypes {
    public static func make(_ params: [ValType], _ results: [ValType]) -> FuncType {
        let p = UnsafeMutablePointer<ValType>.allocate(capacity: max(params.count + results.count, 1))
        for (i, t) in (params + results).enumerated() { p[i] = t }
        return FuncType(types: UnsafePointer(p), paramCount: UInt32(params.count), resultCount: UInt32(results.count))
    }
}

extension ValType {
    public init?(name: String) {
        switch name {
        case "i32": self = .i32
        case "i64": self = .i64
        case "f32": self = .f32
        case "f64": self = .f64
        case "funcref": self = .funcref
        case "externref": self = .externref
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .i32: return "i32"
        case .i64: return "i64"
        case .f32: return "f32"
        case .f64: return "f64"
        case .funcref: return "funcref"
        case .externref: return "externref"
        case .unknown: return "?"
        }
    }
}

/// Human-readable values for the command line: `i32:5`, `f32:1.5`, or plain numbers.
public enum ValueLiteral {
    /// Parses `text` as a value of `type` (a `type:` prefix must agree with it).
    public static func parse(_ text: String, as type: ValType) -> UInt64? {
        var body = Substring(text)
        if let colon = text.firstIndex(of: ":") {
            guard let t = ValType(name: String(text[..<colon])), t == type else { return nil }
            body = text[text.index(after: colon)...]
        }
        let s = String(body)
        switch type {
        case .i32:
            if let v = Int64(s), v >= Int64(Int32.min), v <= Int64(UInt32.max) { return UInt64(UInt32(truncatingIfNeeded: v)) }
            if s.hasPrefix("0x"), let v = UInt32(s.dropFirst(2), radix: 16) { return UInt64(v) }
            return nil
        case .i64:
            if let v = Int64(s) { return UInt64(bitPattern: v) }
            if let v = UInt64(s) { return v }
            if s.hasPrefix("0x"), let v = UInt64(s.dropFirst(2), radix: 16) { return v }
            return nil
        case .f32:
            guard let v = Float(s) else { return nil }
            return UInt64(v.bitPattern)
        case .f64:
            guard let v = Double(s) else { return nil }
            return v.bitPattern
        case .funcref, .externref:
            if s == "null" { return 0 }
            return nil
        case .unknown:
            return nil
        }
    }

    public static func format(_ bits: UInt64, _ type: ValType) -> String {
        switch type {
        case .i32: return "i32:\(Int32(bitPattern: UInt32(truncatingIfNeeded: bits)))"
        case .i64: return "i64:\(Int64(bitPattern: bits))"
        case .f32: return "f32:\(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))"
        case .f64: return "f64:\(Double(bitPattern: bits))"
        case .funcref, .externref: return bits == 0 ? "\(type.name):null" : "\(type.name):0x\(String(bits, radix: 16))"
        case .unknown: return "?"
        }
    }
}

extension Trap {
    public var message: String {
        switch self {
        case .unreachable: return "unreachable"
        case .outOfBounds: return "out of bounds memory access"
        case .tableOutOfBounds: return "out of bounds table access"
        case .divideByZero: return "integer divide by zero"
        case .integerOverflow: return "integer overflow"
        case .invalidConversion: return "invalid conversion to integer"
        case .indirectCallTypeMismatch: return "indirect call type mismatch"
        case .undefinedElement: return "undefined element"
        case .uninitializedElement: return "uninitialized element"
        case .stackExhausted: return "call stack exhausted"
        case .fuelExhausted: return "fuel exhausted"
        case .interrupted: return "interrupted"
        case .hostError: return "host error"
        }
    }
}
