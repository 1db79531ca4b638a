import Foundation
import LeveeTestSupport
import XCTest
@testable import LeveeLoad

final class LoadPlanTests: XCTestCase {
    func testURIParsing() {
        XCTAssertEqual(LoadPlan.parseURI("coap://127.0.0.1/sys/uptime")?.port, 5683)
        XCTAssertEqual(LoadPlan.parseURI("coap://localhost:5700/a?b=c")?.host, "127.0.0.1")
        XCTAssertEqual(LoadPlan.parseURI("coap://[::1]:5700/x")?.host, "::1")
        XCTAssertEqual(LoadPlan.parseURI("coap://[::1]:5700/x")?.port, 5700)
        XCTAssertNil(LoadPlan.parseURI("http://127.0.0.1/"))
        XCTAssertNil(LoadPlan.parseURI("coap://127.0.0.1:99999/"))
    }

    func testMixFollowsWeights() {
        let plan = LoadPlan(host: "127.0.0.1", port: 1, path: "/", mix: [(.get, 3), (.put, 1)])
        let puts = (0..<400).filter { plan.operation(client: 5, request: $0) == .put }.count
        XCTAssertEqual(puts, 100)
    }

    func testRampSteps() {
        XCTAssertEqual(LoadRunner.rampSteps(upTo: 512), [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
        XCTAssertEqual(LoadRunner.rampSteps(upTo: 6), [1, 2, 4, 6])
    }

    func testPathSplitsIntoSegmentsAndQuery() {
        let (path, query) = LoadWorker.split("/a/bc?rt=x&y")
        XCTAssertEqual(path, [Array("a".utf8), Array("bc".utf8)])
        XCTAssertEqual(query, [Array("rt=x".utf8), Array("y".utf8)])
    }
}

/// `levee load` against real servers on loopback: libcoap's coap-server-notls as the peer.
final class LoadAgainstServersTests: XCTestCase {
    private func startLibcoapServer(port: UInt16) throws -> Process {
        let path = "/usr/bin/coap-server-notls"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("coap-server-notls is not installed (make deps installs libcoap3-bin)")
        }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: path)
        server.arguments = ["-A", "127.0.0.1", "-p", String(port)]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        // Ready when it answers.
        for _ in 0..<50 {
            let probe = LoadPlan(host: "127.0.0.1", port: port, path: "/", requestCount: 1,
                                 retransmit: false, timeout: 0.1)
            if let r = try? LoadRunner.run(probe), r.counters.completed == 1 { return server }
        }
        server.terminate()
        throw XCTSkip("coap-server-notls did not answer")
    }

    func testEveryRequestIsAnsweredByLibcoap() throws {
        let port = freeUDPPort()
        let server = try startLibcoapServer(port: port)
        defer { server.terminate(); server.waitUntilExit() }
        let plan = LoadPlan(host: "127.0.0.1", port: port, path: "/", clients: 8, requestCount: 2_000, threads: 2)
        let result = try LoadRunner.run(plan)
        XCTAssertEqual(result.counters.sent, 2_000)
        XCTAssertEqual(result.counters.completed, 2_000)
        XCTAssertEqual(result.counters.success, 2_000)
        XCTAssertEqual(result.counters.lost, 0)
        XCTAssertEqual(result.counters.unfinished, 0)
        XCTAssertGreaterThan(result.p50, 0)
    }

    func testNonRequestsAndErrorsAreCounted() throws {
        let port = freeUDPPort()
        let server = try startLibcoapServer(port: port)
        defer { server.terminate(); server.waitUntilExit() }
        let plan = LoadPlan(host: "127.0.0.1", port: port, path: "/no/such/resource", clients: 2,
                            confirmable: false, requestCount: 200)
        let result = try LoadRunner.run(plan)
        XCTAssertEqual(result.counters.completed, 200)
        XCTAssertEqual(result.counters.clientErrors, 200, "4.04 for every request")
    }

    func testUnansweredRequestsAreCountedLostWithoutRetransmission() throws {
        // Nobody listens on this port: every request goes unanswered.
        let plan = LoadPlan(host: "127.0.0.1", port: freeUDPPort(), path: "/", clients: 4, requestCount: 8,
                            retransmit: false, timeout: 0.2)
        let result = try LoadRunner.run(plan)
        XCTAssertEqual(result.counters.sent, 8)
        XCTAssertEqual(result.counters.lost, 8)
        XCTAssertEqual(result.counters.completed, 0)
        XCTAssertEqual(result.counters.retransmissions, 0)
    }

    /// The node's own counters (`/sys/coap`, read with libcoap's client) agree with what `levee
    /// load` says it sent and got back: one count on each side of the wire.
    func testFiguresAgreeWithTheNodesOwnCounters() throws {
        let node = try NodeProcess()
        defer { node.stop() }
        func serverCounters() throws -> [String: Int] {
            let result = try coapClient(["-m", "get", "-B", "5", "\(node.uri)/sys/coap"])
            let json = result.output.split(separator: "\n").first { $0.hasPrefix("{") } ?? ""
            return try JSONDecoder().decode([String: Int].self, from: Data(json.utf8))
        }
        let before = try serverCounters()
        let gets = try LoadRunner.run(LoadPlan(host: "127.0.0.1", port: node.port, path: "/sys/uptime", clients: 8,
                                               requestCount: 3_000, threads: 2))
        let missing = try LoadRunner.run(LoadPlan(host: "127.0.0.1", port: node.port, path: "/no/such/resource",
                                                  clients: 4, confirmable: false, requestCount: 500))
        let after = try serverCounters()
        XCTAssertEqual(gets.counters.sent, 3_000)
        XCTAssertEqual(gets.counters.success, 3_000)
        XCTAssertEqual(missing.counters.clientErrors, 500)
        // The second GET of /sys/coap is counted as well as the loads.
        XCTAssertEqual(after["requests"]! - before["requests"]!,
                       gets.counters.sent + missing.counters.sent + 1)
        XCTAssertEqual(after["responses_2xx"]! - before["responses_2xx"]!, gets.counters.success + 1)
        XCTAssertEqual(after["responses_4xx"]! - before["responses_4xx"]!, missing.counters.clientErrors)
        XCTAssertEqual(after["duplicates"]! - before["duplicates"]!, gets.counters.retransmissions,
                       "every retransmission the client sent reached the node as a duplicate")
    }
    /// Observe fan-out (issue 9): 101 `levee load` clients register on the node's `/test/ticker`
    /// (a change every 100 ms) at once. The node's table holds 100: all of them are registered and
    /// notified; the one left over gets the ticker as a plain GET, without Observe (RFC 7641 §4.1),
    /// and the node counts it. (6 s: a registration lost on a loaded machine is retransmitted after
    /// 2–3 s and still makes it.)
    func testHundredObserversAreNotifiedAndTheNextIsAnsweredWithoutObserve() throws {
        let node = try NodeProcess()
        defer { node.stop() }
        let plan = LoadPlan(host: "127.0.0.1", port: node.port, path: "/test/ticker", clients: 101,
                            mix: [(.observe, 1)], duration: 6, threads: 2)
        let result = try LoadRunner.run(plan)
        XCTAssertEqual(result.counters.sent, 101, "one registration each: \(result.counters)")
        XCTAssertEqual(result.counters.success, 101)
        XCTAssertEqual(result.counters.observeRefused, 1)
        XCTAssertEqual(result.counters.observersNotified, 100, "every registered observer was notified")
        // 6 s of a 100 ms ticker: about 60 each; a quarter is plenty on a loaded machine.
        XCTAssertGreaterThanOrEqual(result.counters.notifications, 100 * 15)
        XCTAssertEqual(result.counters.lost, 0)

        // The node's own count (libcoap's client reads /sys/coap) once the deregistrations are in
        // (NON: one lost on a loaded machine leaves its slot until its CON notification times out).
        var counters: [String: Int] = [:]
        for _ in 0..<20 {
            let read = try coapClient(["-m", "get", "-B", "5", "\(node.uri)/sys/coap"])
            let json = read.output.split(separator: "\n").first { $0.hasPrefix("{") } ?? ""
            counters = try JSONDecoder().decode([String: Int].self, from: Data(json.utf8))
            if counters["observers"] == 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(counters["observe_registrations"], 100, "\(counters)")
        XCTAssertEqual(counters["observe_refused"], 1)
        XCTAssertEqual((counters["observers"] ?? 0) + (counters["observers_removed"] ?? 0), 100,
                       "every registered observer is still held or was removed by its Observe=1")
        XCTAssertGreaterThanOrEqual(counters["notifications_sent"] ?? 0, result.counters.notifications)
    }
}
