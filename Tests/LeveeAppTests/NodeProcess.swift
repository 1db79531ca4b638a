import Foundation
import XCTest

/// A `levee-node` process started for a test, on a free loopback port, stopped with SIGINT.
final class NodeProcess {
    let process = Process()
    let port: UInt16
    private let output = Pipe()

    /// The package root, found from this file's path (Tests/LeveeAppTests/...).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable next to the test bundle (swift test builds every product first).
    static func executable(_ name: String) throws -> URL {
        let bundleDirectory = Bundle(for: NodeProcess.self).bundleURL.deletingLastPathComponent()
        for candidate in [bundleDirectory.appendingPathComponent(name),
                          packageRoot.appendingPathComponent(".build/debug/\(name)")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw XCTSkip("\(name) is not built next to the tests; run `swift build` first")
    }

    init(arguments: [String] = [], port: UInt16 = NodeProcess.freePort()) throws {
        self.port = port
        process.executableURL = try Self.executable("levee-node")
        process.arguments = ["--bind", "127.0.0.1", "--port", String(port)] + arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Wait for the line that says it is serving.
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

    /// Sends SIGINT and waits: the node must stop cleanly (exit status 0).
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// A UDP port nobody is bound to right now.
    static func freePort() -> UInt16 {
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
}

/// Runs a command line tool and returns its standard output; skips when the tool is not installed.
func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let path = ["/usr/bin", "/usr/local/bin", "/bin"].map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else { throw XCTSkip("\(name) is not installed (make deps installs it)") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs several invocations of a tool at once, each writing into a file of its own (a pipe left
/// unread would stall a client that prints a lot); returns their outputs in order.
func runToolsConcurrently(_ name: String, _ invocations: [[String]]) throws -> [String] {
    let path = ["/usr/bin", "/usr/local/bin", "/bin"].map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else { throw XCTSkip("\(name) is not installed (make deps installs it)") }
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
