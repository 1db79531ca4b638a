import Glibc

/// Why a run could not start.
public enum LoadError: Error, CustomStringConvertible {
    case badAddress(String)
    case system(String, Int32)

    public var description: String {
        switch self {
        case .badAddress(let a): return "not an IPv4 or IPv6 address: \(a)"
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        }
    }
}

public enum LoadSocket {
    /// A non-blocking UDP socket connected to the target, so only its datagrams arrive.
    public static func connected(host: String, port: UInt16) throws(LoadError) -> Int32 {
        var storage = sockaddr_storage()
        var length: socklen_t
        var family: Int32
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_family = sa_family_t(AF_INET)
                    $0.pointee.sin_port = port.bigEndian
                    $0.pointee.sin_addr = v4
                }
            }
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_family = sa_family_t(AF_INET6)
                    $0.pointee.sin6_port = port.bigEndian
                    $0.pointee.sin6_addr = v6
                }
            }
        } else {
            throw .badAddress(host)
        }
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw .system("connect", code)
        }
        return fd
    }
}
