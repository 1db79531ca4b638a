import Foundation
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
    private func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                _ = bind(fd, p, length)
                return getsockname(fd, p, &length)
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

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
        let port = freePort()
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
        let port = freePort()
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
        let plan = LoadPlan(host: "127.0.0.1", port: freePort(), path: "/", clients: 4, requestCount: 8,
                            retransmit: false, timeout: 0.2)
        let result = try LoadRunner.run(plan)
        XCTAssertEqual(result.counters.sent, 8)
        XCTAssertEqual(result.counters.lost, 8)
        XCTAssertEqual(result.counters.completed, 0)
        XCTAssertEqual(result.counters.retransmissions, 0)
    }
}
