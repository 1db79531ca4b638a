import Foundation
import LeveeWasm

/// Runs the JSON scripts that `wasm-tools json-from-wast` makes of the official `.wast` tests.
public final class SpecRunner {
    public struct Totals { public var passed = 0, failed = 0, notApplicable = 0 }

    public var limits = InstanceLimits(maxMemoryBytes: 64 << 20, maxTableElements: 1 << 20,
                                       valueStackSlots: 1 << 18, callDepth: 20_000)
    // Virtual address space mostly: only what a module uses is touched. Room for two memories.
    static let arenaBytes = (2 * 64 << 20) + (48 << 20)

    struct Host: WasmHost {
        var registry: [String: Instance] = [:]
        let hostFunctions: [(String, FuncType)]

        mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue? {
            let m = String(decoding: module, as: UTF8.self)
            if m == "host" {
                let n = String(decoding: name, as: UTF8.self)
                guard let i = hostFunctions.firstIndex(where: { $0.0 == n }) else { return nil }
                return .hostFunction(index: UInt32(i), type: hostFunctions[i].1)
            }
            guard let instance = registry[m] else { return nil }
            return instance.export(named: name)
        }

        mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap) {}
        mutating func preempt(fuelLeft: UInt64) -> Bool { true }
    }

    var host: Host
    var modules: [HostModule] = []
    var current: HostModule?
    var named: [String: HostModule] = [:]
    public var totals = Totals()
    public var verbose = false

    public init() {
        host = Host(hostFunctions: [
            ("print", HostTypes.make([], [])), ("print_i32", HostTypes.make([.i32], [])),
            ("print_i64", HostTypes.make([.i64], [])), ("print_f32", HostTypes.make([.f32], [])),
            ("print_f64", HostTypes.make([.f64], [])), ("print_i32_f32", HostTypes.make([.i32, .f32], [])),
            ("print_f64_f64", HostTypes.make([.f64, .f64], [])),
        ])
    }

    enum LoadOutcome { case loaded(HostModule), failed(LoadError) }

    func load(_ bytes: [UInt8]) -> LoadOutcome {
        let m = HostModule(bytes: bytes, arenaBytes: Self.arenaBytes)
        var fuel = Fuel(Int64.max / 2)
        do throws(LoadError) {
            m.instance = try Instance.load(module: m.moduleBytes, arena: m.arena, limits: limits, fuel: &fuel, host: &host)
            return .loaded(m)
        } catch {
            // A failed instantiation may have put references to its functions into imported
            // tables: its arena must live on with the others.
            modules.append(m)
            return .failed(error)
        }
    }

    func resetFile() {
        modules.removeAll()
        current = nil
        named.removeAll()
        host.registry.removeAll()
        modules.append(spectest())
        if let s = modules.last?.instance { host.registry["spectest"] = s }
    }

    func spectest() -> HostModule {
        switch load(spectestModule) {
        case .loaded(let m): return m
        case .failed(let e): fatalError("spectest module does not load: \(e)")
        }
    }

    enum ActionOutcome { case values([UInt64], [ValType]), trap(Trap), error(String) }

    func perform(_ action: [String: Any]) -> ActionOutcome {
        let moduleName = action["module"] as? String
        guard let m = moduleName.map({ named[$0] }) ?? current, let instance = m.instance else { return .error("no module") }
        guard let field = action["field"] as? String else { return .error("no field") }
        guard let export = Array(field.utf8).withUnsafeBytes({ instance.export(named: $0) }) else { return .error("no export \(field)") }
        switch action["type"] as? String {
        case "get":
            guard case .global(let g) = export else { return .error("not a global") }
            return .values([g.value], [g.type])
        case "invoke":
            guard case .function(let f) = export else { return .error("not a function") }
            let args = (action["args"] as? [[String: Any]] ?? []).map { Self.value($0) ?? 0 }
            let t = f.type
            var results = [UInt64](repeating: 0, count: Int(t.resultCount))
            var fuel = Fuel(Int64.max / 2)
            do throws(Trap) {
                try args.withUnsafeBufferPointer { a throws(Trap) in
                    try results.withUnsafeMutableBufferPointer { r throws(Trap) in
                        try instance.invoke(f, arguments: a, results: r, fuel: &fuel, host: &host)
                    }
                }
            } catch {
                return .trap(error)
            }
            return .values(results, (0..<t.resultCount).map { t.result($0) })
        default:
            return .error("unknown action")
        }
    }

    /// A JSON value as raw bits (externref n is n + 1: 0 is null).
    static func value(_ v: [String: Any]) -> UInt64? {
        guard let type = v["type"] as? String, let s = v["value"] as? String else { return nil }
        if s == "null" { return 0 }
        let bits: UInt64
        if let u = UInt64(s) { bits = u } else if let i = Int64(s) { bits = UInt64(bitPattern: i) } else { return nil }
        switch type {
        case "i32", "f32": return bits & 0xFFFF_FFFF
        case "externref": return bits &+ 1
        default: return bits
        }
    }

    static func matches(_ got: UInt64, _ expected: [String: Any]) -> Bool {
        let type = expected["type"] as? String ?? ""
        let s = expected["value"] as? String
        switch (type, s) {
        case ("f32", "nan:canonical"?): return got & 0x7FFF_FFFF == 0x7FC0_0000
        case ("f32", "nan:arithmetic"?): return got & 0x7FC0_0000 == 0x7FC0_0000
        case ("f64", "nan:canonical"?): return got & 0x7FFF_FFFF_FFFF_FFFF == 0x7FF8_0000_0000_0000
        case ("f64", "nan:arithmetic"?): return got & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000
        case ("funcref", nil): return got != 0
        case ("externref", nil): return got != 0
        default:
            guard let want = value(expected) else { return false }
            return got == want
        }
    }

    /// Runs one JSON script; returns this file's totals and prints its failures.
    @discardableResult
    public func run(file: URL, label: String) -> Totals {
        var t = Totals()
        var failures: [String] = []
        func fail(_ line: Int, _ why: String) { t.failed += 1; failures.append("  line \(line): \(why)") }
        // Foundation's parser drops U+FEFF inside strings (names.wast exports one): escape it first.
        guard let raw = try? Data(contentsOf: file),
              case let data = Data(String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\u{FEFF}", with: "\\ufeff").utf8),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let commands = json["commands"] as? [[String: Any]] else {
            print("\(label): cannot read \(file.path)")
            t.failed += 1
            totals.failed += 1
            return t
        }
        if verbose { FileHandle.standardError.write("\(label)\n".data(using: .utf8) ?? Data()) }
        resetFile()
        let dir = file.deletingLastPathComponent()
        func bytes(_ cmd: [String: Any]) -> [UInt8]? {
            guard let name = (cmd["binary_filename"] ?? cmd["filename"]) as? String, let d = try? Data(contentsOf: dir.appendingPathComponent(name)) else { return nil }
            return [UInt8](d)
        }
        for cmd in commands {
            let type = cmd["type"] as? String ?? ""
            let line = cmd["line"] as? Int ?? 0
            // A text module that wasm-tools could still encode comes with its binary.
            if cmd["module_type"] as? String == "text" && cmd["binary_filename"] == nil { t.notApplicable += 1; continue }
            switch type {
            case "module", "module_definition":
                guard let b = bytes(cmd) else { fail(line, "missing module file"); continue }
                if type == "module_definition" {
                    // Only decoded and validated: its imports need not exist.
                    let m = HostModule(bytes: b, arenaBytes: 1 << 20)
                    do throws(LoadError) {
                        _ = try Instance.validate(module: m.moduleBytes, arena: m.arena, limits: limits)
                        t.passed += 1
                    } catch {
                        fail(line, "module definition does not validate: \(error)")
                    }
                    continue
                }
                switch load(b) {
                case .loaded(let m):
                    t.passed += 1
                    modules.append(m)
                    if type == "module" {
                        current = m
                        if let name = cmd["name"] as? String { named[name] = m }
                    }
                case .failed(let e):
                    fail(line, "module does not load: \(e)")
                    if type == "module" { current = nil }
                }
            case "register":
                let m = (cmd["name"] as? String).flatMap { named[$0] } ?? current
                if let instance = m?.instance, let name = cmd["as"] as? String {
                    host.registry[name] = instance
                    t.passed += 1
                } else {
                    fail(line, "register without module")
                }
            case "action", "assert_return":
                guard let action = cmd["action"] as? [String: Any] else { fail(line, "no action"); continue }
                switch perform(action) {
                case .values(let got, _):
                    let expected = cmd["expected"] as? [[String: Any]] ?? []
                    if type == "action" || (got.count == expected.count && zip(got, expected).allSatisfy { Self.matches($0, $1) }) {
                        t.passed += 1
                    } else {
                        fail(line, "\(action["field"] ?? "") returned \(got.map { String($0, radix: 16) }) expected \(expected.map { $0["value"] ?? "" })")
                    }
                case .trap(let trap): fail(line, "\(action["field"] ?? "") trapped: \(trap.message)")
                case .error(let e): fail(line, e)
                }
            case "assert_trap", "assert_exhaustion":
                if cmd["filename"] != nil {
                    guard let b = bytes(cmd) else { fail(line, "missing module file"); continue }
                    if case .failed(.trapped) = load(b) { t.passed += 1 } else { fail(line, "module should trap") }
                    continue
                }
                guard let action = cmd["action"] as? [String: Any] else { fail(line, "no action"); continue }
                switch perform(action) {
                case .trap(let trap):
                    if type == "assert_exhaustion" && trap != .stackExhausted {
                        fail(line, "expected exhaustion, got \(trap.message)")
                    } else {
                        t.passed += 1
                    }
                case .values: fail(line, "\(action["field"] ?? "") should trap (\(cmd["text"] ?? ""))")
                case .error(let e): fail(line, e)
                }
            case "assert_invalid", "assert_malformed", "assert_unlinkable", "assert_uninstantiable":
                guard let b = bytes(cmd) else { fail(line, "missing module file"); continue }
                switch load(b) {
                case .loaded(let m):
                    modules.append(m)
                    fail(line, "\(type) module loaded (\(cmd["text"] ?? ""))")
                case .failed(let e):
                    if type == "assert_uninstantiable", case .trapped = e {
                        t.passed += 1
                    } else if type == "assert_uninstantiable" {
                        fail(line, "expected a trap, got \(e)")
                    } else {
                        t.passed += 1
                    }
                }
            default:
                fail(line, "unknown command \(type)")
            }
        }
        var out = "\(label): \(t.passed) passed, \(t.failed) failed, \(t.notApplicable) not applicable\n"
        for f in failures.prefix(verbose ? failures.count : 20) { out += f + "\n" }
        if !verbose && failures.count > 20 { out += "  ... \(failures.count - 20) more\n" }
        FileHandle.standardOutput.write(out.data(using: .utf8) ?? Data())
        totals.passed += t.passed
        totals.failed += t.failed
        totals.notApplicable += t.notApplicable
        resetFile()
        return t
    }
}
