import ArgumentParser
import Foundation
import Glibc
import LeveeCoAP
import LeveeLoad

/// A blocking CoAP client for the slot commands: one confirmable request at a time, retransmitted
/// (RFC 7252 §4.2: 2 s, doubling, 4 times), Block1 for uploads and Block2 for long answers.
struct CoAPClient {
    struct Response {
        var code: Code
        var payload: [UInt8]
        var options: [(UInt16, [UInt8])]

        var text: String { String(decoding: payload, as: UTF8.self) }
        var codeText: String { "\(code.codeClass).\(String(format: "%02d", code.detail))" }
        func uint(_ number: UInt16) -> UInt32? {
            guard let value = options.first(where: { $0.0 == number })?.1 else { return nil }
            return value.reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let fd: Int32
    var messageID = UInt16.random(in: 0...UInt16.max)
    var token = UInt32.random(in: 0...UInt32.max)

    init(host: String, port: UInt16) throws {
        fd = try LoadSocket.connected(host: host, port: port)
    }

    /// Sends one request and returns the piggybacked (or separate) response.
    mutating func request(_ code: Code, path: [String], contentFormat: UInt16? = nil, block2: BlockOption? = nil,
                          block1: BlockOption? = nil, size1: UInt32? = nil, payload: ArraySlice<UInt8> = []) throws -> Response {
        messageID &+= 1
        token &+= 1
        var datagram = [UInt8](repeating: 0, count: 1280)
        let length = datagram.withUnsafeMutableBytes { buffer in
            var builder = MessageBuilder(buffer)
            var t = token.bigEndian
            withUnsafeBytes(of: &t) { builder.header(type: .confirmable, code: code, messageID: messageID, token: $0) }
            for segment in path { Array(segment.utf8).withUnsafeBytes { builder.option(OptionNumber.uriPath, $0) } }
            if let contentFormat { builder.option(OptionNumber.contentFormat, uint: UInt32(contentFormat)) }
            if let block2 { builder.option(OptionNumber.block2, uint: block2.value) }
            if let block1 { builder.option(OptionNumber.block1, uint: block1.value) }
            if let size1 { builder.option(OptionNumber.size1, uint: size1) }
            if !payload.isEmpty {
                builder.payloadMarker()
                Array(payload).withUnsafeBytes { builder.writer.append($0) }
            }
            return builder.isValid ? builder.written.count : 0
        }
        guard length > 0 else { throw Failure(description: "request does not fit a datagram") }
        var timeout: Int32 = 2000
        for _ in 0...4 {
            _ = datagram.withUnsafeBytes { send(fd, $0.baseAddress, length, 0) }
            let deadline = Date().addingTimeInterval(Double(timeout) / 1000)
            while Date() < deadline {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let left = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
                guard poll(&poller, 1, left) > 0 else { continue }
                var reply = [UInt8](repeating: 0, count: 2048)
                let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { continue }
                if let response = try accept(Array(reply[0..<count])) { return response }
            }
            timeout *= 2
        }
        throw Failure(description: "no answer from the node")
    }

    /// How often a 5.03 with Max-Age (the node's module is running, a table is full) is tried
    /// again, after Max-Age seconds (RFC 7252 §5.9.3.4).
    static let busyRetries = 5

    /// Whether `response` is a 5.03 to try again after waiting its Max-Age (said on stderr).
    static func waitIfBusy(_ response: Response, attempt: Int) -> Bool {
        guard response.code == .serviceUnavailable, let maxAge = response.uint(OptionNumber.maxAge),
              attempt < busyRetries else { return false }
        FileHandle.standardError.write(Data("node busy (5.03 \(response.text)): retrying in \(maxAge) s\n".utf8))
        Thread.sleep(forTimeInterval: Double(min(maxAge, 60)))
        return true
    }

    /// `request`, tried again while the node answers 5.03 with Max-Age (at most `busyRetries` times).
    mutating func requestWhenFree(_ code: Code, path: [String], block2: BlockOption? = nil) throws -> Response {
        var attempt = 0
        while true {
            let response = try request(code, path: path, block2: block2)
            guard Self.waitIfBusy(response, attempt: attempt) else { return response }
            attempt += 1
        }
    }

    /// The response to the current request in `bytes`, if it is one (an empty ACK means a separate
    /// response follows; a CON response is acknowledged).
    private func accept(_ bytes: [UInt8]) throws -> Response? {
        try bytes.withUnsafeBytes { raw -> Response? in
            guard let message = try? MessageView.parse(raw) else { return nil }
            if message.type == .reset && message.messageID == messageID { throw Failure(description: "the node reset the request") }
            if message.code.isEmpty { return nil }
            var t = token.bigEndian
            let sameToken = withUnsafeBytes(of: &t) { Array($0) == Array(message.token) }
            guard sameToken else { return nil }
            if message.type == .confirmable {
                var ack = [UInt8](repeating: 0, count: 4)
                let id = message.messageID
                let n = ack.withUnsafeMutableBytes { buffer in
                    var builder = MessageBuilder(buffer)
                    builder.header(type: .acknowledgement, code: .empty, messageID: id, token: UnsafeRawBufferPointer(start: nil, count: 0))
                    return builder.written.count
                }
                _ = ack.withUnsafeBytes { send(fd, $0.baseAddress, n, 0) }
            }
            var options: [(UInt16, [UInt8])] = []
            for i in 0..<message.optionCount {
                options.append((message.options[i].number, Array(message.value(of: message.options[i]))))
            }
            return Response(code: message.code, payload: Array(message.payload), options: options)
        }
    }

    /// A GET, following Block2 to the end of the representation.
    mutating func get(_ path: [String]) throws -> Response {
        var response = try requestWhenFree(.get, path: path)
        var whole = response.payload
        while let value = response.uint(OptionNumber.block2), let block = BlockOption(value: value), block.more {
            response = try requestWhenFree(.get, path: path, block2: BlockOption(number: block.number + 1, more: false, szx: block.szx))
            whole += response.payload
        }
        response.payload = whole
        return response
    }
}

/// `coap://HOST[:PORT]` of a node.
struct NodeAddress: ExpressibleByArgument {
    var host: String
    var port: UInt16

    init?(argument: String) {
        guard let parsed = LoadPlan.parseURI(argument.hasSuffix("/") ? argument : argument + "/") else { return nil }
        host = parsed.host
        port = parsed.port
    }
}

/// `levee push`: a signed update into the node's slot, by Block1.
struct SlotPush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Upload a signed update (levee sign) to a node's /slot/image by Block1, then show the slot.")

    @Option(help: "The node.") var node = NodeAddress(argument: "coap://127.0.0.1:5683")!
    @Option(help: "Block size: 16, 32, ..., 1024.") var block = 512
    @Argument(help: "The envelope (COSE_Sign1).") var envelope: String
    @Option(help: ArgumentHelp("Testing: stop after this many blocks, as an interrupted upload.", visibility: .hidden))
    var stopAfter: Int?

    func validate() throws {
        guard [16, 32, 64, 128, 256, 512, 1024].contains(block) else { throw ValidationError("--block must be a power of two from 16 to 1024") }
    }

    func run() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: envelope)))
        var client = try CoAPClient(host: node.host, port: node.port)
        let szx = UInt8(block.trailingZeroBitCount - 4)
        let started = Date()
        var offset = 0
        var number: UInt32 = 0
        var last: CoAPClient.Response?
        var busy = 0
        while true {
            let end = min(offset + block, bytes.count)
            let more = end < bytes.count
            let response = try client.request(.put, path: ["slot", "image"], contentFormat: ContentFormat.coseSign1,
                                              block1: BlockOption(number: number, more: more, szx: szx),
                                              size1: number == 0 ? UInt32(bytes.count) : nil, payload: bytes[offset..<end])
            let done = Double(end) / Double(max(1, bytes.count))
            let bar = String(repeating: "#", count: Int(done * 30)) + String(repeating: ".", count: 30 - Int(done * 30))
            FileHandle.standardError.write(Data("\rpush: [\(bar)] \(end)/\(bytes.count) B".utf8))
            // The node's module is running: after Max-Age, again from the first block (a refused
            // block ends the node's side of the transfer).
            if CoAPClient.waitIfBusy(response, attempt: busy) {
                busy += 1
                offset = 0
                number = 0
                continue
            }
            if more && response.code == .continue {
                offset = end
                number += 1
                if let stopAfter, Int(number) >= stopAfter {
                    print("\npush: stopped after \(number) blocks (\(offset) B)")
                    return
                }
                continue
            }
            last = response
            break
        }
        FileHandle.standardError.write(Data("\n".utf8))
        guard let last else { return }
        let seconds = Date().timeIntervalSince(started)
        guard last.code == .changed else {
            var line = "push: refused \(last.codeText)"
            if !last.payload.isEmpty { line += ": \(last.text)" }
            if let size1 = last.uint(OptionNumber.size1) { line += " (largest: \(size1) B)" }
            print(line)
            throw ExitCode(2)
        }
        print(String(format: "push: %d B in %.3f s: active", bytes.count, seconds))
        let state = try client.get(["slot"])
        print(state.text, terminator: "")
    }
}

/// `levee slot`: the node's slot state; `--rollback` and `--run` act on it.
struct SlotShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slot",
        abstract: "Show a node's module slot (GET /slot); --rollback returns to the previous module, --run calls it once.")

    @Option(help: "The node.") var node = NodeAddress(argument: "coap://127.0.0.1:5683")!
    @Flag(help: "POST /slot/rollback first.") var rollback = false
    @Flag(name: .customLong("run"), help: "POST /slot/run first (one call of the module).") var runOnce = false

    func run() throws {
        var client = try CoAPClient(host: node.host, port: node.port)
        for (asked, path) in [(rollback, "rollback"), (runOnce, "run")] where asked {
            let response = try client.requestWhenFree(.post, path: ["slot", path])
            print("\(path): \(response.codeText) \(response.text)")
        }
        let state = try client.get(["slot"])
        guard state.code == .content else {
            print("slot: \(state.codeText) \(state.text)")
            throw ExitCode(2)
        }
        print(state.text, terminator: "")
    }
}
