import Foundation

/// What one load run does.
public struct LoadPlan: Sendable {
    public enum Operation: String, Sendable, CaseIterable, Codable {
        case get, put, observe
    }

    /// Where the requests go: an IPv4 or IPv6 address and port, and the resource path.
    public var host: String
    public var port: UInt16
    public var path: String
    /// Concurrent clients, each with its own socket.
    public var clients: Int
    /// CON (true) or NON requests.
    public var confirmable: Bool
    /// The mix of operations as weights (e.g. get 9, put 1); observe clients register once and count
    /// notifications instead of issuing requests.
    public var mix: [(Operation, Int)]
    /// Stop after this many requests in all (nil: run for `duration`).
    public var requestCount: Int?
    /// Stop issuing new requests after this long.
    public var duration: Double
    /// RFC 7252 retransmission of CON requests (ACK_TIMEOUT 2 s × [1, 1.5], doubling, 4 times);
    /// off: a request unanswered after `timeout` is counted lost, to measure drops.
    public var retransmit: Bool
    /// How long an unanswered NON (or CON without retransmission) is waited for.
    public var timeout: Double
    /// Worker threads sharing the clients.
    public var threads: Int
    /// Payload of PUT requests.
    public var putPayload: [UInt8]

    public init(host: String, port: UInt16, path: String, clients: Int = 1, confirmable: Bool = true,
                mix: [(Operation, Int)] = [(.get, 1)], requestCount: Int? = nil, duration: Double = 5,
                retransmit: Bool = true, timeout: Double = 2, threads: Int = 1,
                putPayload: [UInt8] = Array("21.5".utf8)) {
        self.host = host
        self.port = port
        self.path = path
        self.clients = clients
        self.confirmable = confirmable
        self.mix = mix
        self.requestCount = requestCount
        self.duration = duration
        self.retransmit = retransmit
        self.timeout = timeout
        self.threads = threads
        self.putPayload = putPayload
    }

    /// The operation of the `n`th request of a client, following the mix's weights deterministically.
    func operation(client: Int, request n: Int) -> Operation {
        let total = mix.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return .get }
        var slot = (client &* 7919 &+ n) % total
        for (operation, weight) in mix {
            if slot < weight { return operation }
            slot -= weight
        }
        return .get
    }

    /// Parses `coap://HOST[:PORT]/PATH` (IPv6 hosts in brackets).
    public static func parseURI(_ uri: String) -> (host: String, port: UInt16, path: String)? {
        guard uri.hasPrefix("coap://") else { return nil }
        var rest = Substring(uri.dropFirst("coap://".count))
        var host: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
        } else {
            let end = rest.firstIndex(where: { $0 == ":" || $0 == "/" }) ?? rest.endIndex
            host = rest[..<end]
            rest = rest[end...]
        }
        var port: UInt16 = 5683
        if rest.hasPrefix(":") {
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            guard let p = UInt16(rest[rest.index(after: rest.startIndex)..<end]) else { return nil }
            port = p
            rest = rest[end...]
        }
        if host == "localhost" { host = "127.0.0.1" }
        let path = rest.isEmpty ? "/" : String(rest)
        return (String(host), port, path)
    }
}
