import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LeveeWasm
import LeveeWasmHost

/// `levee wasm`: run and inspect WebAssembly modules with the node's interpreter.
struct WasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wasm",
        abstract: "Run and validate WebAssembly modules with the node's interpreter.",
        subcommands: [WasmRun.self, WasmValidate.self])
}

/// Options shared by the subcommands: the interpreter's arena and limits.
struct WasmArenaOptions: ParsableArguments {
    @Option(help: "Arena size in KiB (code, tables, stacks and linear memory, which may use half).")
    var arenaKiB = 4096

    @Option(help: "Value stack slots (8 bytes each).")
    var stackSlots: UInt32 = 8192

    @Option(help: "Deepest guest call chain.")
    var callDepth: UInt32 = 512

    var limits: InstanceLimits {
        InstanceLimits(maxMemoryBytes: UInt32(clamping: arenaKiB * 512), maxTableElements: 4096,
                       valueStackSlots: stackSlots, callDepth: callDepth)
    }
}

/// The command line's host: no imports; remembers what the module asked for.
struct CommandLineHost: WasmHost {
    var lastImport = ""
    /// `--poll-udp`: at every preemption point, a clock read and a non-blocking receive on a UDP
    /// socket: what a system call per point would cost (the node's first design; it now loads a
    /// flag a watcher thread raises, `LeveeLinux.ReceiveLine`).
    var pollDescriptor: Int32 = -1
    var polls = 0

    mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue? {
        lastImport = "\(String(decoding: module, as: UTF8.self)).\(String(decoding: name, as: UTF8.self)) (\(kind))"
        return nil
    }
    mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap) {
        throw .hostError
    }
    mutating func preempt(fuelLeft: UInt64) -> Bool {
        guard pollDescriptor >= 0 else { return true }
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        var byte: UInt8 = 0
        _ = recv(pollDescriptor, &byte, 1, Int32(MSG_DONTWAIT))
        polls += 1
        return true
    }
}

func readModule(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path)")
    }
    return [UInt8](data)
}

func describe(_ error: LoadError, host: CommandLineHost) -> String {
    switch error {
    case .unlinkable(.unknownImport): return "unknown import \(host.lastImport)"
    case .unlinkable(.incompatibleImportType): return "incompatible import type for \(host.lastImport)"
    case .arenaTooSmall(let part, let needed): return "arena too small for \(part) (needs at least \(needed) bytes; try --arena-ki-b)"
    case .trapped(let trap): return "trapped while instantiating: \(trap.message)"
    default: return "\(error)"
    }
}

func signature(_ t: FuncType) -> String {
    let params = (0..<t.paramCount).map { t.param($0).name }.joined(separator: " ")
    let results = (0..<t.resultCount).map { t.result($0).name }.joined(separator: " ")
    return "(\(params)) -> (\(results))"
}

func describe(_ value: ExternalValue) -> String {
    switch value {
    case .function(let f): return "func \(signature(f.type))"
    case .hostFunction(_, let t): return "func \(signature(t))"
    case .table(let t): return "table \(t.elementType.name)"
    case .memory(let m):
        let page = m.pageSizeLog2 == 0 ? "1-byte pages" : "64 KiB pages"
        return "memory (\(page)\(m.maxPages.map { ", max \($0)" } ?? ""))"
    case .global(let g): return "global \(g.isMutable ? "mut " : "")\(g.type.name)"
    }
}

struct WasmRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Call an exported function and print its results, one per line (or the trap).",
        discussion: "Arguments are typed literals (i32:5, i64:-1, f32:1.5, f64:2) or plain numbers converted to the export's parameter types. Options go before the module.")

    @Flag(help: "Also print fuel used, arena use and the elapsed time of the call.")
    var stats = false

    @Option(help: "Fuel budget (charged at calls and loop back-edges).")
    var fuel: Int64 = 1 << 40

    @Option(help: "Fuel between two preemption points (the host's preempt hook).")
    var preemptionInterval: Int64 = 10_000

    @Flag(help: "At every preemption point read a loopback UDP socket without blocking (what a system call per point would cost).")
    var pollUdp = false

    @OptionGroup var arena: WasmArenaOptions

    @Argument(help: "The module (.wasm).")
    var module: String

    @Argument(help: "The exported function.")
    var export: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments of the function.")
    var arguments: [String] = []

    func run() throws {
        let m = HostModule(bytes: try readModule(module), arenaBytes: arena.arenaKiB * 1024)
        var host = CommandLineHost()
        var budget = Fuel(fuel)
        let instance: Instance
        do throws(LoadError) {
            instance = try Instance.load(module: m.moduleBytes, arena: m.arena, limits: arena.limits, fuel: &budget, host: &host)
        } catch {
            throw ValidationError("\(module): \(describe(error, host: host))")
        }
        guard case .function(let f)? = Array(export.utf8).withUnsafeBytes({ instance.export(named: $0) }) else {
            throw ValidationError("\(module) has no exported function \(export)")
        }
        let t = f.type
        let texts = arguments.filter { $0 != "--" }
        guard texts.count == Int(t.paramCount) else {
            throw ValidationError("\(export) takes \(t.paramCount) arguments \(signature(t)), got \(texts.count)")
        }
        var args: [UInt64] = []
        for (i, text) in texts.enumerated() {
            guard let v = ValueLiteral.parse(text, as: t.param(UInt32(i))) else {
                throw ValidationError("argument \(i + 1) '\(text)' is not a \(t.param(UInt32(i)).name)")
            }
            args.append(v)
        }
        var results = [UInt64](repeating: 0, count: Int(t.resultCount))
        if pollUdp {
            host.pollDescriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(host.pollDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        defer { if host.pollDescriptor >= 0 { close(host.pollDescriptor) } }
        budget = Fuel(fuel, preemptionInterval: preemptionInterval)
        let start = DispatchTime.now().uptimeNanoseconds
        var trap: Trap?
        do throws(Trap) {
            try args.withUnsafeBufferPointer { a throws(Trap) in
                try results.withUnsafeMutableBufferPointer { r throws(Trap) in
                    try instance.invoke(f, arguments: a, results: r, fuel: &budget, host: &host)
                }
            }
        } catch {
            trap = error
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        if let trap {
            print("trap: \(trap.message)")
        } else {
            for (i, r) in results.enumerated() { print(ValueLiteral.format(r, t.result(UInt32(i)))) }
        }
        if stats {
            print("fuel used: \(fuel - budget.remaining)")
            if pollUdp { print("preemption points: \(host.polls) (a UDP poll each)") }
            print("arena: \(instance.arenaUsed) of \(instance.arenaSize) bytes (code \(instance.codeBytes) bytes)")
            print(String(format: "time: %.3f ms", Double(elapsed) / 1e6))
        }
        if trap != nil { throw ExitCode(2) }
    }
}

struct WasmValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Decode and validate a module; print its imports and exports.")

    @OptionGroup var arena: WasmArenaOptions

    @Argument(help: "The module (.wasm).")
    var module: String

    func run() throws {
        let m = HostModule(bytes: try readModule(module), arenaBytes: arena.arenaKiB * 1024)
        let instance: Instance
        do throws(LoadError) {
            instance = try Instance.validate(module: m.moduleBytes, arena: m.arena, limits: arena.limits)
        } catch {
            throw ValidationError("\(module): invalid: \(describe(error, host: CommandLineHost()))")
        }
        print("\(module): valid")
        for i in 0..<instance.importCount {
            let e = instance.import(at: i)
            print("import \(String(decoding: e.module, as: UTF8.self)).\(String(decoding: e.name, as: UTF8.self)): \(describe(e.value))")
        }
        for i in 0..<instance.exportCount {
            let e = instance.export(at: i)
            print("export \(String(decoding: e.name, as: UTF8.self)): \(describe(e.value))")
        }
        print("pre-decoded code: \(instance.codeBytes) bytes; arena used: \(instance.arenaUsed) bytes")
    }
}
