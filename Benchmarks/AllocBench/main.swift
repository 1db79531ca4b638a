// alloc-bench (part of `make bench`): heap allocations per CoAP request through the node's service
// and per Wasm call through the interpreter, in steady state (after a warm-up), counted by the
// interposed malloc family of LeveeMallocCounter. The goal is 0 for both. Writes
// bench/sections/alloc.md.
import Foundation
import LeveeApp
import LeveeBase
import LeveeCoAP
import LeveeMallocCounter
import LeveeWasm
import LeveeWasmHost

/// A datagram built once with the core's own builder.
func request(_ path: [StaticString], type: MessageType = .confirmable, id: UInt16,
             options: [(UInt16, UInt32)] = []) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 128)
    let count = bytes.withUnsafeMutableBytes { raw -> Int in
        var builder = MessageBuilder(raw)
        withUnsafeBytes(of: id) { token in builder.header(type: type, code: .get, messageID: id, token: token) }
        for (number, value) in options where number < OptionNumber.uriPath { builder.option(number, uint: value) }
        for segment in path { builder.option(OptionNumber.uriPath, segment) }
        for (number, value) in options where number > OptionNumber.uriPath { builder.option(number, uint: value) }
        return builder.writer.count
    }
    return Array(bytes[0..<count])
}

/// The requests measured, one row each.
let requestKinds: [(name: String, bytes: [UInt8])] = [
    ("GET /sys/uptime", request(["sys", "uptime"], id: 1)),
    ("GET /risk (text)", request(["risk"], id: 2)),
    ("GET /sensors (SenML JSON)", request(["sensors"], id: 3, options: [(OptionNumber.accept, 110)])),
    ("GET /.well-known/core", request([".well-known", "core"], id: 4)),
    ("GET /test/blob, Block2 #2 of 512 B", request(["test", "blob"], id: 5, options: [(OptionNumber.block2, 2 << 4 | 5)])),
    ("NON GET /sys/coap", request(["sys", "coap"], type: .nonConfirmable, id: 6)),
    ("GET /test/ticker, Observe 0", request(["test", "ticker"], id: 7, options: [(OptionNumber.observe, 0)])),
]

func coapAllocations(requests count: Int, only: Int? = nil) -> (requests: Int, allocations: UInt64) {
    var node = NodeService(bootTime: .zero)
    let kinds = requestKinds.map(\.bytes)
    let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: CoAPLimits.maxDatagram, alignment: 8)
    let datagram = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 8)
    defer { reply.deallocate(); datagram.deallocate() }
    var clock: UInt64 = 0
    func round(_ n: Int) {
        for i in 0..<n {
            let length = kinds[only ?? (i % kinds.count)].withUnsafeBytes { kind in
                datagram.copyMemory(from: kind)
                return kind.count
            }
            // A new message ID per request, so dedup answers from the cache only what is a retransmission.
            datagram[2] = UInt8(truncatingIfNeeded: i >> 8)
            datagram[3] = UInt8(truncatingIfNeeded: i)
            clock += 100
            var writer = ByteWriter(reply)
            _ = node.receive(UnsafeRawBufferPointer(rebasing: datagram[0..<length]),
                             from: Endpoint(ipv4: 0x7F00_0001, port: UInt16(40000 + i % 64)),
                             at: Instant(microseconds: clock), reply: &writer)
        }
    }
    round(kinds.count * 64)   // warm-up: observers registered, dedup cache in its steady state
    levee_malloc_counter_begin()
    round(count)
    return (count, levee_malloc_counter_end())
}

/// The interpreter's kernels (make fixtures), each called `calls` times after one warm-up call.
func wasmAllocations(module path: String, calls: Int) -> [(kernel: String, allocations: UInt64)]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let module = HostModule(bytes: [UInt8](data), arenaBytes: 4 << 20)
    var host = NoImportsHost()
    var fuel = Fuel(Int64.max)
    let limits = InstanceLimits(maxMemoryBytes: 2 << 20, maxTableElements: 4096, valueStackSlots: 65536, callDepth: 512)
    guard let instance = try? Instance.load(module: module.moduleBytes, arena: module.arena, limits: limits,
                                            fuel: &fuel, host: &host) else { return nil }
    var rows: [(String, UInt64)] = []
    for (name, argument) in [("gemm", 1), ("jacobi", 10), ("dense", 100), ("crc32", 1), ("fib", 15)] {
        guard case .function(let f)? = Array(name.utf8).withUnsafeBytes({ instance.export(named: $0) }) else { continue }
        var arguments = [UInt64(argument)]
        var results = [UInt64](repeating: 0, count: Int(f.type.resultCount))
        var trapped = 0
        func call() {
            arguments.withUnsafeBufferPointer { a in
                results.withUnsafeMutableBufferPointer { r in
                    var budget = Fuel(Int64.max)
                    do throws(Trap) { try instance.invoke(f, arguments: a, results: r, fuel: &budget, host: &host) }
                    catch { trapped += 1 }
                }
            }
        }
        call()
        levee_malloc_counter_begin()
        for _ in 0..<calls { call() }
        let allocations = levee_malloc_counter_end()
        guard trapped == 0 else { print("alloc-bench: \(name) trapped"); return nil }
        rows.append((name, allocations))
    }
    return rows
}

var rows: [String] = []
var total: UInt64 = 0
for (index, kind) in requestKinds.enumerated() {
    let coap = coapAllocations(requests: 10_000, only: index)
    print("alloc-bench: CoAP \(kind.name): \(coap.allocations) allocations over \(coap.requests) requests")
    rows.append("| CoAP \(kind.name) through the node's service | \(coap.requests) | \(coap.allocations) |")
    total += coap.allocations
}
let modulePath = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "build/wasm-fixtures/kernels.wasm"
if let kernels = wasmAllocations(module: modulePath, calls: 20) {
    for kernel in kernels {
        print("alloc-bench: Wasm \(kernel.kernel): \(kernel.allocations) allocations over 20 calls")
        rows.append("| Wasm calls of `\(kernel.kernel)` (`\(modulePath)`) | 20 | \(kernel.allocations) |")
        total += kernel.allocations
    }
} else {
    print("alloc-bench: \(modulePath) not found or not loadable (make fixtures builds it); Wasm part skipped")
    rows.append("| Wasm calls | – | not measured: `\(modulePath)` missing (make fixtures) |")
}
let section = """
    ## Heap allocations in steady state

    Counted by an interposed malloc family (`Tests/LeveeMallocCounter`) around a steady-state loop after a
    warm-up, in a release build, by `alloc-bench`. The goal is 0 everywhere.

    | what | operations | allocations |
    |---|---|---|
    \(rows.joined(separator: "\n"))

    """
try? FileManager.default.createDirectory(atPath: "bench/sections", withIntermediateDirectories: true)
try section.write(toFile: "bench/sections/alloc.md", atomically: true, encoding: .utf8)
exit(total == 0 ? 0 : 1)
