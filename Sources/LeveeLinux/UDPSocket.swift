import LeveeBase
#if canImport(Glibc)
import Glibc
#endif

/// Why the socket board could not start.
public enum SocketError: Error, CustomStringConvertible {
    case badAddress(String)
    case system(String, Int32)
    case scheduler(String)

    public var description: String {
        switch self {
        case .badAddress(let a): return "not an IPv4 or IPv6 address: \(a)"
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        case .scheduler(let text): return text
        }
    }
}

/// A bound UDP socket (IPv4 or IPv6), non-blocking, with the conversions between socket
/// addresses and the core's `Endpoint`.
public struct UDPSocket: ~Copyable {
    public let descriptor: Int32
    public let isIPv6: Bool

    public init(bind address: String, port: UInt16) throws(SocketError) {
        var v4 = in_addr()
        var v6 = in6_addr()
        let family: Int32
        var storage = sockaddr_storage()
        let length: Int
        if inet_pton(AF_INET, address, &v4) == 1 {
            family = AF_INET
            length = MemoryLayout<sockaddr_in>.size
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sa in
                    sa.pointee.sin_family = sa_family_t(AF_INET)
                    sa.pointee.sin_port = port.bigEndian
                    sa.pointee.sin_addr = v4
                }
            }
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            family = AF_INET6
            length = MemoryLayout<sockaddr_in6>.size
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sa in
                    sa.pointee.sin6_family = sa_family_t(AF_INET6)
                    sa.pointee.sin6_port = port.bigEndian
                    sa.pointee.sin6_addr = v6
                }
            }
        } else {
            throw .badAddress(address)
        }
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(length)) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw .system("bind \(address) port \(port)", code)
        }
        descriptor = fd
        isIPv6 = family == AF_INET6
    }

    deinit { close(descriptor) }

    /// Receives one datagram into `buffer`; nil when none is waiting.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, source: Endpoint)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                recvfrom(descriptor, buffer.baseAddress, buffer.count, 0, $0, &length)
            }
        }
        guard n >= 0 else { return nil }
        return (n, Self.endpoint(from: storage))
    }

    /// Sends `datagram` to `destination`; a failed send is a lost datagram, as on a real network.
    @discardableResult
    public func send(_ datagram: UnsafeRawBufferPointer, to destination: Endpoint) -> Bool {
        var storage = Self.socketAddress(for: destination, ipv6: isIPv6)
        let length = isIPv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        let n = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, datagram.baseAddress, datagram.count, 0, $0, socklen_t(length))
            }
        }
        return n == datagram.count
    }

    static func endpoint(from storage: sockaddr_storage) -> Endpoint {
        var storage = storage
        if Int32(storage.ss_family) == AF_INET {
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    Endpoint(ipv4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr), port: UInt16(bigEndian: $0.pointee.sin_port))
                }
            }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sa in
                var address = sa.pointee.sin6_addr
                return withUnsafeBytes(of: &address) { raw in
                    var high: UInt64 = 0, low: UInt64 = 0
                    for i in 0..<8 { high = high << 8 | UInt64(raw[i]) }
                    for i in 8..<16 { low = low << 8 | UInt64(raw[i]) }
                    return Endpoint(addressHigh: high, addressLow: low, port: UInt16(bigEndian: sa.pointee.sin6_port))
                }
            }
        }
    }

    static func socketAddress(for endpoint: Endpoint, ipv6: Bool) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutablePointer(to: &storage) { pointer in
            if !ipv6, let v4 = endpoint.ipv4 {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sa in
                    sa.pointee.sin_family = sa_family_t(AF_INET)
                    sa.pointee.sin_port = endpoint.port.bigEndian
                    sa.pointee.sin_addr.s_addr = v4.bigEndian
                }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sa in
                    sa.pointee.sin6_family = sa_family_t(AF_INET6)
                    sa.pointee.sin6_port = endpoint.port.bigEndian
                    withUnsafeMutableBytes(of: &sa.pointee.sin6_addr) { raw in
                        for i in 0..<8 { raw[i] = UInt8(truncatingIfNeeded: endpoint.addressHigh >> (56 - 8 * UInt64(i))) }
                        for i in 0..<8 { raw[8 + i] = UInt8(truncatingIfNeeded: endpoint.addressLow >> (56 - 8 * UInt64(i))) }
                    }
                }
            }
        }
        return storage
    }
}
