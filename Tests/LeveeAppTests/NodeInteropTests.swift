import XCTest

/// The node as users meet it: `levee-node` on loopback, asked by libcoap's command-line client.
final class NodeInteropTests: XCTestCase {
    func testDiscoveryWithLibcoapClient() throws {
        let node = try NodeProcess()
        defer { XCTAssertEqual(node.stop(), 0, "Ctrl-C stops the node cleanly") }
        let result = try runTool("coap-client-notls", ["-m", "get", "-B", "5",
                                                        "coap://127.0.0.1:\(node.port)/.well-known/core"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("</sys/uptime>;rt=\"levee.uptime\""), result.output)
        XCTAssertTrue(result.output.contains("</sys/firmware>"), result.output)
    }

    func testUnknownPathIsNotFoundAndNonRequestsAreAnswered() throws {
        let node = try NodeProcess()
        defer { node.stop() }
        let missing = try runTool("coap-client-notls", ["-m", "get", "-B", "5", "coap://127.0.0.1:\(node.port)/nothing"])
        XCTAssertTrue(missing.output.contains("4.04"), missing.output)
        let non = try runTool("coap-client-notls", ["-N", "-m", "get", "-B", "5", "coap://127.0.0.1:\(node.port)/sys/firmware"])
        XCTAssertTrue(non.output.contains("levee-node"), non.output)
    }

    /// `/sys/tasks` is the task set's static analysis with measured figures; `/sys/net` in socket
    /// mode counts the datagrams the run loop moved (this request's among them).
    func testTaskAnalysisAndNetworkStatus() throws {
        let node = try NodeProcess()
        defer { node.stop() }
        let tasks = try runTool("coap-client-notls", ["-m", "get", "-B", "5", "coap://127.0.0.1:\(node.port)/sys/tasks"])
        XCTAssertTrue(tasks.output.contains("coap-service    3        idle network coap-timer sampler"), tasks.output)
        XCTAssertTrue(tasks.output.contains("sensor-scan     1        idle scan-start sampler"), tasks.output)
        XCTAssertTrue(tasks.output.contains(": schedulable"), tasks.output)
        XCTAssertTrue(tasks.output.contains("measured: runs="), tasks.output)
        let net = try runTool("coap-client-notls", ["-m", "get", "-B", "5", "coap://127.0.0.1:\(node.port)/sys/net"])
        XCTAssertTrue(net.output.contains("{\"mode\":\"socket\",\"datagrams_in\":2,\"datagrams_out\":1,"), net.output)
    }
}
