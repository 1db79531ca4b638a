import LeveeBase
import LeveeWasm

/// What a risk module may import, all from module "levee" (README, "Guest API"). A static table:
/// the import's index is the host function index the interpreter calls back with.
public enum GuestImport: UInt32, Sendable {
    /// `read_channel(i32 channel) -> f32`: the channel's latest value (NaN when absent or faulty).
    case readChannel = 0
    /// `now() -> i64`: milliseconds since the node started.
    case now = 1
    /// `publish(i32 level, f32 value)`: the module's result (a risk level 0-3 and a value).
    case publish = 2
    /// `log(i32 address, i32 length)`: a short message from linear memory (the first 32 bytes kept).
    case log = 3
    /// `config(i32 key) -> f32`: a configuration parameter (NaN when unknown).
    case config = 4

    public static let moduleName: StaticString = "levee"

    public var name: StaticString {
        switch self {
        case .readChannel: return "read_channel"
        case .now: return "now"
        case .publish: return "publish"
        case .log: return "log"
        case .config: return "config"
        }
    }

    /// The import with this name, if the guest API has one.
    public static func named(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer) -> GuestImport? {
        guard equal(module, moduleName) else { return nil }
        var raw: UInt32 = 0
        while let candidate = GuestImport(rawValue: raw) {
            if equal(name, candidate.name) { return candidate }
            raw += 1
        }
        return nil
    }

    /// Its function type. The value types live in static storage (`GuestSignatures`).
    public var type: FuncType {
        withUnsafeMutablePointer(to: &GuestSignatures.types) { tuple in
            let types = UnsafeRawPointer(tuple).assumingMemoryBound(to: ValType.self)
            switch self {
            case .readChannel, .config: return FuncType(types: types, paramCount: 1, resultCount: 1)   // (i32) -> f32
            case .publish: return FuncType(types: types, paramCount: 2, resultCount: 0)                // (i32, f32)
            case .now: return FuncType(types: types + 2, paramCount: 0, resultCount: 1)                // () -> i64
            case .log: return FuncType(types: types + 3, paramCount: 2, resultCount: 0)                // (i32, i32)
            }
        }
    }
}

/// The value types of the guest API's signatures, overlapping: [i32 f32] [i64] [i32 i32] [f32 f32].
enum GuestSignatures {
    nonisolated(unsafe) static var types: (ValType, ValType, ValType, ValType, ValType, ValType, ValType) =
        (.i32, .f32, .i64, .i32, .i32, .f32, .f32)
}

/// The module's entry points: `assess` is required, the others are called when a module has them.
public enum GuestEntry {
    /// `assess() -> i32`: the risk level (0 normal ... 3 danger); called at every sample.
    public static let assess: StaticString = "assess"
    public static let highestLevel: UInt32 = 3
    /// `observe_day(f32 rainfall_mm, f32 flow_m3s)`: optional, called once per field day with the
    /// day's aggregates (README, "Guest API").
    public static let observeDay: StaticString = "observe_day"

    /// The signature of `observe_day`: (f32, f32) -> ().
    public static var observeDayType: FuncType {
        withUnsafeMutablePointer(to: &GuestSignatures.types) { tuple in
            FuncType(types: UnsafeRawPointer(tuple).assumingMemoryBound(to: ValType.self) + 5, paramCount: 2, resultCount: 0)
        }
    }
}

func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
    text.withUTF8Buffer { sameBytes(bytes, UnsafeRawBufferPointer($0)) }
}

/// What the app gives a module to read: its channels, configuration and clock. The app fills it
/// in (LeveeApp); a generic parameter of `SlotManager.assess`, never stored.
public protocol GuestEnvironment {
    mutating func readChannel(_ channel: UInt32) -> Float
    mutating func configParameter(_ key: UInt32) -> Float
    func milliseconds() -> Int64
}

/// The environment of the self-test call at activation: fixed, made-up values (every channel
/// reads 0, every parameter 1, time 0), so a module is checked the same way on every node.
public struct SelfTestEnvironment: GuestEnvironment {
    public init() {}
    public mutating func readChannel(_ channel: UInt32) -> Float { 0 }
    public mutating func configParameter(_ key: UInt32) -> Float { 1 }
    public func milliseconds() -> Int64 { 0 }
}

/// What a module said in its last call: the published level and value, and its last log line.
public struct GuestOutput: Sendable {
    public static let logCapacity = 32
    public var level: UInt32 = 0
    public var value: Float = .nan
    public var published = false
    public var log = InlineArray<32, UInt8>(repeating: 0)
    public var logLength = 0

    public init() {}

    public func withLog<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(of: log) { body(UnsafeRawBufferPointer(rebasing: $0[0..<logLength])) }
    }
}

/// The interpreter's embedder for a slot's module: resolves the guest API and runs it against an
/// environment. Holds pointers only, for the duration of one load or call.
struct GuestHost<Environment: GuestEnvironment>: WasmHost {
    let environment: UnsafeMutablePointer<Environment>
    let output: UnsafeMutablePointer<GuestOutput>

    mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue? {
        guard kind == .function, let entry = GuestImport.named(module: module, name: name) else { return nil }
        return .hostFunction(index: entry.rawValue, type: entry.type)
    }

    mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap) {
        guard let entry = GuestImport(rawValue: index) else { throw .hostError }
        switch entry {
        case .readChannel:
            slots[0] = UInt64(widening: environment.pointee.readChannel(UInt32(truncatingIfNeeded: slots[0])).bitPattern)
        case .config:
            slots[0] = UInt64(widening: environment.pointee.configParameter(UInt32(truncatingIfNeeded: slots[0])).bitPattern)
        case .now:
            slots[0] = UInt64(bitPattern: environment.pointee.milliseconds())
        case .publish:
            output.pointee.level = UInt32(truncatingIfNeeded: slots[0])
            output.pointee.value = Float(bitPattern: UInt32(truncatingIfNeeded: slots[1]))
            output.pointee.published = true
        case .log:
            let start = UInt64(widening: UInt32(truncatingIfNeeded: slots[0]))
            let length = UInt64(widening: UInt32(truncatingIfNeeded: slots[1]))
            guard start + length <= UInt64(widening: UInt32(truncatingIfNeeded: memory.count)) else { throw .outOfBounds }
            let kept = Int(truncatingIfNeeded: min(length, 32)), first = Int(truncatingIfNeeded: start)
            for i in 0..<kept { output.pointee.log[i] = memory[first + i] }
            output.pointee.logLength = kept
        }
    }

    mutating func preempt(fuelLeft: UInt64) -> Bool { true }
}
