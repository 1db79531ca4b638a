import CLibCoap
import Foundation
import XCTest

/// The node process, free ports and libcoap's client come from the shared test support.
@_exported import LeveeTestSupport

/// A response as libcoap delivered it (block-wise bodies already reassembled by libcoap).
struct LibcoapResponse {
    var code: UInt8
    var type: coap_pdu_type_t
    var body: [UInt8]
    var observe: Int64
    var text: String { String(decoding: body, as: UTF8.self) }
    var codeText: String { "\(code >> 5).\(String(format: "%02d", code & 0x1F))" }
}

/// libcoap's client library as the peer: one context and session to the node.
final class LibcoapClient {
    /// Responses recorded by the (C) response handler; one client exists at a time.
    nonisolated(unsafe) static var received: [LibcoapResponse] = []
    /// When set, the handler answers the next notification with RST (COAP_RESPONSE_FAIL).
    nonisolated(unsafe) static var rejectNext = false

    let context: OpaquePointer
    let session: OpaquePointer

    init(port: UInt16) throws {
        coap_startup()
        guard let context = coap_new_context(nil) else { throw XCTSkip("coap_new_context failed") }
        self.context = context
        coap_context_set_block_mode(context, UInt8(COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY))
        guard let session = levee_coap_client_session(context, "127.0.0.1", port) else {
            throw XCTSkip("coap_new_client_session failed")
        }
        self.session = session
        LibcoapClient.received = []
        LibcoapClient.rejectNext = false
        coap_register_response_handler(context) { _, _, received, _ in
            guard let received else { return COAP_RESPONSE_OK }
            var length = 0, offset = 0, total = 0
            var data: UnsafePointer<UInt8>?
            var body: [UInt8] = []
            if coap_get_data_large(received, &length, &data, &offset, &total) != 0, let data {
                body = Array(UnsafeBufferPointer(start: data, count: length))
            }
            LibcoapClient.received.append(LibcoapResponse(
                code: UInt8(truncatingIfNeeded: coap_pdu_get_code(received).rawValue),
                type: coap_pdu_get_type(received), body: body,
                observe: Int64(levee_coap_option_uint(received, UInt16(COAP_OPTION_OBSERVE)))))
            if LibcoapClient.rejectNext {
                LibcoapClient.rejectNext = false
                return COAP_RESPONSE_FAIL
            }
            return COAP_RESPONSE_OK
        }
    }

    deinit {
        coap_session_release(session)
        coap_free_context(context)
    }

    /// Builds a request: path segments, queries, token, extra uint options (ascending), payload.
    func request(_ code: coap_pdu_code_t, _ path: String, type: coap_pdu_type_t = COAP_MESSAGE_CON,
                 query: [String] = [], options: [(UInt16, UInt32)] = [], token: [UInt8] = [],
                 payload: [UInt8] = []) -> OpaquePointer {
        let pdu = coap_new_pdu(type, code, session)!
        var token = token
        if token.isEmpty {
            token = [UInt8](repeating: 0, count: 4)
            var length = 0
            coap_session_new_token(session, &length, &token)
            token = Array(token[0..<length])
        }
        coap_add_token(pdu, token.count, token)
        var all: [(UInt16, [UInt8])] = []
        for segment in path.split(separator: "/") { all.append((UInt16(COAP_OPTION_URI_PATH), Array(segment.utf8))) }
        for q in query { all.append((UInt16(COAP_OPTION_URI_QUERY), Array(q.utf8))) }
        for (number, value) in options {
            var buffer = [UInt8](repeating: 0, count: 4)
            let length = coap_encode_var_safe(&buffer, 4, value)
            all.append((number, Array(buffer[0..<Int(length)])))
        }
        for (number, value) in all.enumerated().sorted(by: { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }).map(\.element) {
            coap_add_option(pdu, number, value.count, value)
        }
        if !payload.isEmpty { coap_add_data(pdu, payload.count, payload) }
        return pdu
    }

    /// Sends and processes I/O until `count` responses have arrived (or the timeout).
    @discardableResult
    func send(_ pdu: OpaquePointer, expecting count: Int = 1, timeout: TimeInterval = 10) -> [LibcoapResponse] {
        let before = LibcoapClient.received.count
        _ = coap_send(session, pdu)
        return wait(for: count, after: before, timeout: timeout)
    }

    func wait(for count: Int, after before: Int, timeout: TimeInterval = 10) -> [LibcoapResponse] {
        let deadline = Date().addingTimeInterval(timeout)
        while LibcoapClient.received.count - before < count && Date() < deadline {
            _ = coap_io_process(context, 50)
        }
        return Array(LibcoapClient.received[before...])
    }

    /// Keeps I/O going for a while (to let RSTs and ACKs out).
    func pump(_ seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { _ = coap_io_process(context, 20) }
    }
}
