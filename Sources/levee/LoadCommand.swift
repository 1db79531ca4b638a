import ArgumentParser
import Foundation
import LeveeLoad

/// `levee load`: concurrent CoAP clients against any CoAP server.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test a CoAP server with concurrent clients.",
        discussion: """
            Each client has its own UDP socket and message-ID space and one request in flight \
            (NSTART 1). CON requests are retransmitted as RFC 7252 says unless --no-retransmit, \
            which instead counts a request unanswered after --timeout as lost.
            Example: levee load coap://127.0.0.1/sys/uptime --clients 64 --duration 10
            """)

    @Argument(help: "The resource to load, e.g. coap://127.0.0.1:5683/sys/uptime.")
    var uri: String

    @Option(help: "Concurrent clients (with --ramp: the largest step).")
    var clients = 1

    @Flag(help: "Send NON requests instead of CON.")
    var non = false

    @Option(help: "Operation mix as weights, e.g. get:9,put:1 or observe:1.")
    var mix = "get:1"

    @Option(help: "Seconds to run (each ramp step runs this long).")
    var duration: Double = 5

    @Option(help: "Stop after this many requests instead of after --duration.")
    var requests: Int?

    @Flag(help: "Do not retransmit CON requests; count those unanswered after --timeout as lost.")
    var noRetransmit = false

    @Option(help: "Seconds to wait for the answer to a NON (or an unretransmitted CON).")
    var timeout: Double = 2

    @Option(help: "Worker threads sharing the clients.")
    var threads = 1

    @Flag(help: "Step concurrency 1, 2, 4 … up to --clients.")
    var ramp = false

    @Option(help: "Write the results as JSON to this file ('-' for standard output).")
    var json: String?

    @Flag(help: "No live progress line.")
    var quiet = false

    func run() throws {
        guard let target = LoadPlan.parseURI(uri) else {
            throw ValidationError("not a coap:// URI: \(uri)")
        }
        var weights: [(LoadPlan.Operation, Int)] = []
        for part in mix.split(separator: ",") {
            let pieces = part.split(separator: ":")
            guard let operation = LoadPlan.Operation(rawValue: String(pieces[0])),
                  let weight = pieces.count > 1 ? Int(pieces[1]) : 1, weight >= 0 else {
                throw ValidationError("bad --mix entry '\(part)' (use get, put or observe with :weight)")
            }
            weights.append((operation, weight))
        }
        guard clients >= 1 else { throw ValidationError("--clients must be at least 1") }
        let steps = ramp ? LoadRunner.rampSteps(upTo: clients) : [clients]
        var results: [LoadResult] = []
        let toTerminal = isatty(STDERR_FILENO) == 1 && !quiet
        if json != "-" { print(LoadReport.tableHeader) }
        for step in steps {
            let plan = LoadPlan(host: target.host, port: target.port, path: target.path, clients: step,
                                confirmable: !non, mix: weights, requestCount: requests, duration: duration,
                                retransmit: !noRetransmit, timeout: timeout, threads: threads)
            let result = try LoadRunner.run(plan, progress: toTerminal ? { line in
                FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
            } : nil)
            if toTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json != "-" { print(LoadReport.tableRow(result)) }
            results.append(result)
        }
        if let json {
            let text = try LoadReport.json(results)
            if json == "-" { print(text) } else { try text.write(toFile: json, atomically: true, encoding: .utf8) }
        }
    }
}
