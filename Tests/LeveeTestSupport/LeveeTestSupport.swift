// LeveeTestSupport: what the host tests share to meet the node as users do: a `levee-node` process
// on a free loopback port, free ports, and the command-line tools (libcoap's among them) run as
// child processes that skip the test when the tool is not installed.
import Foundation
import XCTest

/// A `levee-node` process started for a test on a free loopback port, stopped with SIGINT.
public final class NodeProcess {
    public let process = Process()
    public let port: UInt16
    public let host: String
    private let output = Pipe()

    /// The package root, found from this file's path (Tests/LeveeTestSupport/...).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A product built next to the test bundle (swift test builds every product first), or in
    /// .build/debug; skips the test when there is none.
    public static func executable(_ name: String) throws -> URL {
        let bundleDirectory = Bundle(for: NodeProcess.self).bundleURL.deletingLastPathComponent()
        for candidate in [bundleDirectory.appendingPathComponent(name),
                          packageRoot.appendingPathComponent(".build/debug/\(name)")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw XCTSkip("\(name) is not built next to the tests; run `swift build` first")
    }

    /// Starts the node with `arguments` after `--bind` and `--port`, and waits for its
    /// "serving" line.
    public init(bind: String = "127.0.0.1", arguments: [String] = [], port: UInt16 = freeUDPPort()) throws {
        self.port = port
        host = bind
        process.executableURL = try Self.executable("levee-node")
        process.arguments = ["--bind", bind, "--port", String(port)] + arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let handle = output.fileHandleForReading
        var seen = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !String(decoding: seen, as: UTF8.self).contains("serving") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        guard String(decoding: seen, as: UTF8.self).contains("serving") else {
            stop()
            throw NSError(domain: "levee-node did not start: \(String(decoding: seen, as: UTF8.self))", code: 1)
        }
    }

    deinit { stop() }

    /// The node's base URI, `coap://host:port`.
    public var uri: String { host.contains(":") ? "coap://[\(host)]:\(port)" : "coap://\(host):\(port)" }

    /// Sends SIGINT and waits: the node must stop cleanly (exit status 0).
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }
}

/// A loopback UDP port nobody is bound to right now.
public func freeUDPPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            _ = bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return UInt16(bigEndian: address.sin_port)
}

/// Runs a command-line tool found in the system's bin folders and returns its status and output
/// (standard output and error together); skips the test when the tool is not installed.
public func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    try runProgram(URL(fileURLWithPath: try toolPath(name)), arguments)
}

/// Runs a program and returns its status and output (standard output and error together).
public func runProgram(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Where a command-line tool is installed; skips the test when it is not.
public func toolPath(_ name: String) throws -> String {
    let path = ["/usr/bin", "/usr/local/bin", "/bin"].map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else { throw XCTSkip("\(name) is not installed (make deps installs it)") }
    return path
}

/// Runs several invocations of a tool at once, each writing into a file of its own (a pipe left
/// unread would stall a client that prints a lot); returns their outputs in order.
public func runToolsConcurrently(_ name: String, _ invocations: [[String]]) throws -> [String] {
    let path = try toolPath(name)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("levee-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var running: [(Process, URL)] = []
    for (i, arguments) in invocations.enumerated() {
        let file = directory.appendingPathComponent("\(i).out")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: file)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        running.append((process, file))
    }
    return try running.map { process, file in
        process.waitUntilExit()
        return String(decoding: try Data(contentsOf: file), as: UTF8.self)
    }
}

/// libcoap's command-line client.
public func coapClient(_ arguments: [String]) throws -> (status: Int32, output: String) {
    try runTool("coap-client-notls", arguments)
}
