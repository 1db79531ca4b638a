import CLibCoap
import Foundation
import LeveeApp
import XCTest

/// The node served by `levee-node` on a UDP socket, with libcoap as the peer: its client library
/// linked in (block-wise and observe handled by libcoap itself) and its command-line client.
final class LibcoapInteropTests: XCTestCase {
    static let blob = (0..<TestResources.blobLength).map { TestResources.blobByte($0) }

    func status(_ client: LibcoapClient) throws -> [String: Int] {
        let r = client.send(client.request(COAP_REQUEST_CODE_GET, "sys/coap"))
        let last = try XCTUnwrap(r.last)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(last.body)) as? [String: Int])
    }

    func testMethodsAndDiscoveryThroughTheLibrary() throws {
        let node = try NodeProcess()
        let client = try LibcoapClient(port: node.port)
        let get = client.send(client.request(COAP_REQUEST_CODE_GET, "sys/firmware"))
        XCTAssertEqual(get.first?.codeText, "2.05")
        XCTAssertEqual(get.first?.text, "levee-node 0.1")
        let put = client.send(client.request(COAP_REQUEST_CODE_PUT, "test/store", options: [(12, 0)], payload: Array("abc".utf8)))
        XCTAssertEqual(put.first?.codeText, "2.04")
        let post = client.send(client.request(COAP_REQUEST_CODE_POST, "test/store", payload: Array("de".utf8)))
        XCTAssertEqual(post.first?.codeText, "2.04")
        XCTAssertEqual(client.send(client.request(COAP_REQUEST_CODE_GET, "test/store")).first?.text, "abcde")
        XCTAssertEqual(client.send(client.request(COAP_REQUEST_CODE_DELETE, "test/store")).first?.codeText, "2.02")
        XCTAssertEqual(client.send(client.request(COAP_REQUEST_CODE_GET, "test/store")).first?.codeText, "4.04")
        XCTAssertEqual(client.send(client.request(COAP_REQUEST_CODE_PUT, "sys/firmware")).first?.codeText, "4.05")
        XCTAssertEqual(client.send(client.request(COAP_REQUEST_CODE_GET, "sys/firmware", options: [(17, 60)])).first?.codeText, "4.06")
        XCTAssertEqual(client.send(client.request(COAP_REQUEST_CODE_PUT, "test/store", options: [(12, 60)], payload: [1])).first?.codeText, "4.15")
        let non = client.send(client.request(COAP_REQUEST_CODE_GET, "sys/firmware", type: COAP_MESSAGE_NON))
        XCTAssertEqual(non.first?.type, COAP_MESSAGE_NON)
        XCTAssertEqual(non.first?.text, "levee-node 0.1")
        // Discovery (larger than one block at small sizes; libcoap reassembles it) and filters.
        let all = try XCTUnwrap(client.send(client.request(COAP_REQUEST_CODE_GET, ".well-known/core", options: [(23, 1)])).first)
        XCTAssertTrue(all.text.contains("</test/ticker>;rt=\"levee.test.ticker\";if=\"core.s\";ct=0;obs"), all.text)
        XCTAssertTrue(all.text.contains("</test/blob>;rt=\"levee.test.blob\";if=\"core.rp\";ct=0;sz=5120"), all.text)
        let filtered = client.send(client.request(COAP_REQUEST_CODE_GET, ".well-known/core", query: ["rt=levee.test.t*"]))
        XCTAssertEqual(filtered.first?.text, "</test/ticker>;rt=\"levee.test.ticker\";if=\"core.s\";ct=0;obs")
        let byInterface = client.send(client.request(COAP_REQUEST_CODE_GET, ".well-known/core", query: ["if=core.p"]))
        XCTAssertEqual(byInterface.first?.text.split(separator: ",").count, 4, byInterface.first?.text ?? "")   // /config, three /test
        XCTAssertEqual(node.stop(), 0, "Ctrl-C stops the node cleanly")
    }

    func testBlock2DownloadAtEveryBlockSize() throws {
        let node = try NodeProcess()
        let client = try LibcoapClient(port: node.port)
        for szx in UInt32(0)...6 {
            let r = client.send(client.request(COAP_REQUEST_CODE_GET, "test/blob", options: [(23, szx)]))
            XCTAssertEqual(r.first?.codeText, "2.05", "szx \(szx)")
            XCTAssertEqual(r.first?.body, Self.blob, "block size \(16 << szx)")
        }
        XCTAssertGreaterThanOrEqual(try status(client)["block2_transfers"] ?? 0, 7)
    }

    func testObserveTenNotificationsThenCancelByGetAndByReset() throws {
        let node = try NodeProcess()
        let client = try LibcoapClient(port: node.port)
        let token: [UInt8] = [0x0B, 0x5E]
        let before = LibcoapClient.received.count
        _ = coap_send(client.session, client.request(COAP_REQUEST_CODE_GET, "test/ticker", options: [(6, 0)], token: token))
        let notifications = client.wait(for: 11, after: before)
        XCTAssertEqual(notifications.count, 11, "the registration response and ten notifications")
        let sequence = notifications.map(\.observe)
        XCTAssertTrue(sequence.allSatisfy { $0 >= 0 }, "\(sequence)")
        XCTAssertEqual(sequence, sequence.sorted(), "Observe values increase")
        XCTAssertEqual(try status(client)["observers"], 1)
        // Cancel with GET Observe=1 (libcoap's coap_cancel_observe).
        var binary = coap_binary_t(length: token.count, s: nil)
        token.withUnsafeBufferPointer { pointer in
            binary.s = UnsafeMutablePointer(mutating: pointer.baseAddress)
            _ = coap_cancel_observe(client.session, &binary, COAP_MESSAGE_CON)
        }
        client.pump(0.5)
        XCTAssertEqual(try status(client)["observers"], 0)

        // Register again and reject a notification with RST.
        let again = LibcoapClient.received.count
        _ = coap_send(client.session, client.request(COAP_REQUEST_CODE_GET, "test/ticker", options: [(6, 0)], token: [0x0C]))
        _ = client.wait(for: 2, after: again)
        LibcoapClient.rejectNext = true
        _ = client.wait(for: 1, after: LibcoapClient.received.count)
        client.pump(0.5)
        let counters = try status(client)
        XCTAssertEqual(counters["observers"], 0, "RST removed the observer")
        XCTAssertGreaterThanOrEqual(counters["resets_received"] ?? 0, 1)
    }

    func testBlock1UploadOf20KiBThroughTheLibrary() throws {
        let node = try NodeProcess()
        let client = try LibcoapClient(port: node.port)
        let body = (0..<20 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let pdu = client.request(COAP_REQUEST_CODE_PUT, "test/upload", options: [(12, 42), (27, 6)])
        body.withUnsafeBufferPointer { pointer in
            _ = coap_add_data_large_request(client.session, pdu, pointer.count, pointer.baseAddress, nil, nil)
        }
        let r = client.send(pdu, timeout: 20)
        XCTAssertEqual(r.last?.codeText, "2.04")
        var hash: UInt32 = 0x811C_9DC5
        for byte in body { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        let summary = client.send(client.request(COAP_REQUEST_CODE_GET, "test/upload"))
        XCTAssertEqual(summary.first?.text, "20480 " + String(format: "%08x", hash))
        XCTAssertEqual(try status(client)["block1_transfers"], 1)
    }

    /// The same CON datagram twice (same MID), from one socket: both answers identical, the
    /// handler run once.
    func testRetransmittedConIsAnsweredFromTheCache() throws {
        let node = try NodeProcess()
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = node.port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        func exchange(_ datagram: [UInt8]) -> [UInt8] {
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, datagram, datagram.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            var buffer = [UInt8](repeating: 0, count: 1500)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? Array(buffer[0..<n]) : []
        }
        // CON POST /test/counter, MID 0x7777, token 0x42.
        let post: [UInt8] = [0x41, 0x02, 0x77, 0x77, 0x42, 0xB4] + Array("test".utf8) + [0x07] + Array("counter".utf8)
        let first = exchange(post)
        let second = exchange(post)
        XCTAssertEqual(first.count > 4 ? first[1] : 0, 0x44, "2.04")
        XCTAssertEqual(first, second, "the cached response, byte for byte")
        let get: [UInt8] = [0x41, 0x01, 0x77, 0x78, 0x43, 0xB4] + Array("test".utf8) + [0x07] + Array("counter".utf8)
        let count = exchange(get)
        let marker = try XCTUnwrap(count.firstIndex(of: 0xFF))
        XCTAssertEqual(String(decoding: count[(marker + 1)...], as: UTF8.self), "1", "the handler ran once")
    }

    // MARK: - coap-client-notls

    func testCommandLineClient() throws {
        let node = try NodeProcess()
        let discovery = try coapClient(["-m", "get", "-B", "5", "\(node.uri)/.well-known/core?href=/test/*"])
        XCTAssertEqual(discovery.status, 0)
        XCTAssertTrue(discovery.output.contains("</test/blob>") && !discovery.output.contains("</sys/"), discovery.output)
        let non = try coapClient(["-N", "-m", "get", "-B", "5", "\(node.uri)/sys/firmware"])
        XCTAssertTrue(non.output.contains("levee-node 0.1"), non.output)
        for size in [16, 64, 256, 1024] {
            let blob = try coapClient(["-m", "get", "-b", String(size), "-B", "10", "\(node.uri)/test/blob"])
            XCTAssertEqual(Array(blob.output.utf8.prefix(Self.blob.count)), Self.blob, "block size \(size)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("levee-upload-\(node.port).bin")
        let body = Data((0..<20 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })
        try body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let upload = try coapClient(["-m", "put", "-t", "42", "-b", "256", "-f", file.path, "-B", "20", "\(node.uri)/test/upload"])
        XCTAssertEqual(upload.status, 0, upload.output)
        let summary = try coapClient(["-m", "get", "-B", "5", "\(node.uri)/test/upload"])
        XCTAssertTrue(summary.output.hasPrefix("20480 "), summary.output)
        XCTAssertEqual(try coapClient(["-m", "delete", "-B", "5", "\(node.uri)/test/store"]).status, 0)
        let gone = try coapClient(["-m", "get", "-B", "5", "\(node.uri)/test/store"])
        XCTAssertTrue(gone.output.contains("4.04"), gone.output)
        // Observe for 2 s: the ticker changes every 100 ms.
        let observe = try coapClient(["-m", "get", "-s", "2", "-B", "3", "\(node.uri)/test/ticker"])
        XCTAssertEqual(observe.status, 0, observe.output)
        // coap-client prints the bodies back to back: ask the node how many it sent.
        let status = try coapClient(["-m", "get", "-B", "5", "\(node.uri)/sys/coap"])
        let json = try XCTUnwrap(status.output.firstIndex(of: "{").map { String(status.output[$0...]) })
        let counters = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Int])
        XCTAssertGreaterThanOrEqual(counters["notifications_sent"] ?? 0, 10, json)
        XCTAssertEqual(counters["observe_registrations"], 1, json)
        XCTAssertEqual(node.stop(), 0)
    }

    /// IPv6: the node bound to ::1, libcoap's library and command-line client over IPv6, and a
    /// burst of requests larger than one receive batch (recvmmsg/sendmmsg of 16).
    func testIPv6AndBatches() throws {
        let node: NodeProcess
        do { node = try NodeProcess(bind: "::1") } catch { throw XCTSkip("no IPv6 loopback here: \(error)") }
        let cli = try coapClient(["-m", "get", "-B", "5", "\(node.uri)/sys/firmware"])
        XCTAssertTrue(cli.output.contains("levee-node 0.1"), cli.output)
        coap_startup()
        let context = try XCTUnwrap(coap_new_context(nil))
        defer { coap_free_context(context) }
        let session = try XCTUnwrap(levee_coap_client_session(context, "::1", node.port))
        defer { coap_session_release(session) }
        // 40 NON requests at once, then collect the answers: they arrive in batches.
        LibcoapClient.received = []
        coap_register_response_handler(context) { _, _, received, _ in
            if let received {
                LibcoapClient.received.append(LibcoapResponse(
                    code: UInt8(truncatingIfNeeded: coap_pdu_get_code(received).rawValue),
                    type: coap_pdu_get_type(received), body: [], observe: -1))
            }
            return COAP_RESPONSE_OK
        }
        for i in 0..<40 {
            let pdu = coap_new_pdu(COAP_MESSAGE_NON, COAP_REQUEST_CODE_GET, session)!
            var token: [UInt8] = [UInt8(i), 0x66]
            coap_add_token(pdu, token.count, &token)
            let path = Array("sys".utf8), leaf = Array("uptime".utf8)
            coap_add_option(pdu, UInt16(COAP_OPTION_URI_PATH), path.count, path)
            coap_add_option(pdu, UInt16(COAP_OPTION_URI_PATH), leaf.count, leaf)
            _ = coap_send(session, pdu)
        }
        let deadline = Date().addingTimeInterval(10)
        while LibcoapClient.received.count < 40 && Date() < deadline { _ = coap_io_process(context, 50) }
        XCTAssertEqual(LibcoapClient.received.count, 40)
        XCTAssertTrue(LibcoapClient.received.allSatisfy { $0.codeText == "2.05" })
        XCTAssertEqual(node.stop(), 0)
    }
}
