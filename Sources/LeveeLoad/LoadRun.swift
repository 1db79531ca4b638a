import Foundation
import Histogram

/// The outcome of one run.
public struct LoadResult: Codable, Sendable {
    public var clients: Int
    public var confirmable: Bool
    public var retransmit: Bool
    public var seconds: Double
    public var counters: LoadCounters
    /// Answered requests per second over the run.
    public var throughput: Double
    /// Latency percentiles in microseconds (first transmission to response).
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64
    public var mean: Double
}

/// Runs load plans: the workers on threads, a progress line, the merged result.
public enum LoadRunner {
    /// Runs `plan` once. `progress` is called about once a second with a line to show.
    public static func run(_ plan: LoadPlan, progress: ((String) -> Void)? = nil) throws -> LoadResult {
        let shared = LoadShared()
        let threads = max(1, min(plan.threads, plan.clients))
        var workers: [LoadWorker] = []
        for t in 0..<threads {
            let range = (plan.clients * t / threads)..<(plan.clients * (t + 1) / threads)
            do {
                workers.append(try LoadWorker(plan: plan, clientIndices: range, shared: shared))
            } catch {
                throw error
            }
        }
        let start = monotonicNanoseconds()
        let unlimited = plan.requestCount != nil
        let stopIssuing = unlimited ? UInt64.max : start &+ UInt64(plan.duration * 1e9)
        // With a request count every request is seen to its end (at most one exchange lifetime of
        // retransmissions); with a duration, stragglers get a short drain and are then counted unfinished.
        let drain = plan.retransmit ? 100.0 : plan.timeout + 0.5
        let giveUp = unlimited ? start &+ UInt64(drain * 1e9) &+ 3_600_000_000_000
                               : stopIssuing &+ UInt64(min(drain, plan.timeout + 1) * 1e9)

        let group = DispatchGroup()
        for worker in workers {
            group.enter()
            Thread.detachNewThread {
                worker.run(stopIssuing: stopIssuing, giveUp: giveUp)
                group.leave()
            }
        }
        var lastCompleted = 0
        var lastTime = start
        while group.wait(timeout: .now() + 1.0) == .timedOut {
            guard let progress else { continue }
            let now = monotonicNanoseconds()
            let completed = shared.completed.load(ordering: .relaxed)
            let rate = Double(completed - lastCompleted) / (Double(now - lastTime) / 1e9)
            progress(String(format: "[%5.1fs] %d clients  %8.0f req/s  %d answered  %d lost",
                            Double(now - start) / 1e9, plan.clients, rate, completed,
                            shared.lost.load(ordering: .relaxed)))
            lastCompleted = completed
            lastTime = now
        }
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9

        var counters = LoadCounters()
        var latency = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        for worker in workers {
            counters.add(worker.counters)
            latency.add(worker.latency)
        }
        let activeSeconds = unlimited ? elapsed : min(elapsed, plan.duration)
        return LoadResult(
            clients: plan.clients, confirmable: plan.confirmable, retransmit: plan.retransmit,
            seconds: elapsed, counters: counters,
            throughput: activeSeconds > 0 ? Double(counters.completed) / activeSeconds : 0,
            p50: latency.valueAtPercentile(50), p90: latency.valueAtPercentile(90),
            p99: latency.valueAtPercentile(99), p999: latency.valueAtPercentile(99.9),
            max: latency.max, mean: latency.mean)
    }

    /// Concurrency steps 1, 2, 4 … up to `maxClients` (as in the reference design's evaluation).
    public static func rampSteps(upTo maxClients: Int) -> [Int] {
        var steps: [Int] = []
        var n = 1
        while n < maxClients { steps.append(n); n *= 2 }
        steps.append(maxClients)
        return steps
    }
}

/// Formats results for people and for scripts.
public enum LoadReport {
    static let columns = ["clients", "type", "req/s", "p50", "p99", "p99.9", "max", "answered",
                          "2.xx", "4.xx/5.xx", "lost", "retrans", "dup", "unfinished"]

    public static var tableHeader: String { row(columns) }

    public static func tableRow(_ r: LoadResult) -> String {
        row([String(r.clients), r.confirmable ? "CON" : "NON", String(format: "%.0f", r.throughput),
             duration(r.p50), duration(r.p99), duration(r.p999), duration(r.max),
             String(r.counters.completed), String(r.counters.success),
             String(r.counters.clientErrors + r.counters.serverErrors), String(r.counters.lost),
             String(r.counters.retransmissions), String(r.counters.duplicates), String(r.counters.unfinished)])
    }

    /// Right-aligned columns, padded by characters (not bytes: "µs" is two bytes).
    static func row(_ cells: [String]) -> String {
        zip(cells, columns).map { cell, title in
            String(repeating: " ", count: max(0, max(title.count, 9) - cell.count)) + cell
        }.joined(separator: " ")
    }

    /// Microseconds as a short human duration.
    public static func duration(_ microseconds: UInt64) -> String {
        if microseconds < 1_000 { return "\(microseconds) µs" }
        if microseconds < 1_000_000 { return String(format: "%.2f ms", Double(microseconds) / 1e3) }
        return String(format: "%.2f s", Double(microseconds) / 1e6)
    }

    public static func json(_ results: [LoadResult]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }
}
