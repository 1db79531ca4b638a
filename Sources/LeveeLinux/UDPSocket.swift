import CLinux
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
///
/// Datagrams move in batches: `receive` hands out the datagrams of one `recvmmsg` call (up to
/// `DatagramBatch.capacity`) before it asks the kernel again, and `send` queues into a batch that
/// goes out in one `sendmmsg` when it is full or on `flush()`. The batches' buffers, iovecs,
/// addresses and headers are allocated once, when the socket opens: nothing per datagram.
public struct UDPSocket: ~Copyable {
    public let descriptor: Int32
    public let isIPv6: Bool
    /// The socket receive buffer the node asks for.
    static let receiveBufferBytes: Int32 = 1 << 20
    let incoming: DatagramBatch
    let outgoing: DatagramBatch

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
        // A burst of 256 clients' requests overflowed the default 208 KiB receive buffer (each
        // queued datagram costs a socket buffer of ~1 KiB) and cost retransmissions: ask for
        // room for about a thousand. The kernel caps it at net.core.rmem_max, which is fine.
        var receiveBuffer: Int32 = Self.receiveBufferBytes
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
        descriptor = fd
        isIPv6 = family == AF_INET6
        incoming = DatagramBatch()
        outgoing = DatagramBatch()
    }

    deinit {
        flush()
        close(descriptor)
    }

    /// The next received datagram, copied into `buffer`; nil when none is waiting. Refills its
    /// batch with one `recvmmsg` when the batch is used up.
    ///
    /// A batch that came back short emptied the socket: the call after its last datagram answers
    /// nil without asking the kernel (which would only say EAGAIN) and re-arms, so the run loop
    /// makes one `recvmmsg` per wake-up from poll() at low load instead of two.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, source: Endpoint)? {
        if incoming.next >= incoming.filled {
            if incoming.drained {
                incoming.drained = false
                return nil
            }
            incoming.prepareForReceive()
            let n = levee_recvmmsg(descriptor, incoming.headers, UInt32(DatagramBatch.capacity), Int32(MSG_DONTWAIT), nil)
            incoming.next = 0
            incoming.filled = max(0, Int(n))
            incoming.batches &+= n > 0 ? 1 : 0
            incoming.drained = n > 0 && Int(n) < DatagramBatch.capacity
            guard n > 0 else { return nil }
        }
        let i = incoming.next
        incoming.next += 1
        let count = min(Int(incoming.headers[i].msg_len), buffer.count)
        buffer.baseAddress?.copyMemory(from: incoming.buffers + i * DatagramBatch.bufferSize, byteCount: count)
        return (count, Self.endpoint(from: incoming.addresses[i]))
    }

    /// Queues `datagram` for `destination`; the batch goes out when full (or on `flush`). A failed
    /// send is a lost datagram, as on a real network.
    @discardableResult
    public func send(_ datagram: UnsafeRawBufferPointer, to destination: Endpoint) -> Bool {
        guard datagram.count <= DatagramBatch.bufferSize else { return false }
        if outgoing.filled == DatagramBatch.capacity { flush() }
        let i = outgoing.filled
        outgoing.filled += 1
        if let base = datagram.baseAddress {
            (outgoing.buffers + i * DatagramBatch.bufferSize).copyMemory(from: base, byteCount: datagram.count)
        }
        outgoing.addresses[i] = Self.socketAddress(for: destination, ipv6: isIPv6)
        outgoing.lengths[i] = datagram.count
        return true
    }

    /// Sends every queued datagram with `sendmmsg` (as many calls as the kernel needs).
    public func flush() {
        guard outgoing.filled > 0 else { return }
        let addressLength = socklen_t(isIPv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        outgoing.prepareForSend(addressLength: addressLength)
        var sent = 0
        while sent < outgoing.filled {
            let n = levee_sendmmsg(descriptor, outgoing.headers + sent, UInt32(outgoing.filled - sent), 0)
            if n <= 0 { break }   // EAGAIN or an error: the rest is lost, as a full NIC queue would lose it
            sent += Int(n)
            outgoing.batches &+= 1
        }
        outgoing.filled = 0
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

/// Preallocated storage for one batch of datagrams: buffers, iovecs, socket addresses and the
/// `mmsghdr`s that point at them.
final class DatagramBatch {
    static let capacity = 16
    /// Room per datagram: more than `CoAPLimits.maxDatagram`, so an oversized datagram is seen
    /// as truncated rather than silently cut at the limit.
    static let bufferSize = 1536

    let buffers: UnsafeMutableRawPointer
    let vectors: UnsafeMutablePointer<iovec>
    let addresses: UnsafeMutablePointer<sockaddr_storage>
    let headers: UnsafeMutablePointer<levee_mmsghdr>
    let lengths: UnsafeMutablePointer<Int>
    /// Datagrams in the batch, and the next one to hand out (receive side).
    var filled = 0
    var next = 0
    /// recvmmsg/sendmmsg calls that moved at least one datagram.
    var batches = 0
    /// The last receive batch was short: the socket had no more at that moment.
    var drained = false

    init() {
        buffers = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity * Self.bufferSize, alignment: 16)
        vectors = .allocate(capacity: Self.capacity)
        addresses = .allocate(capacity: Self.capacity)
        headers = .allocate(capacity: Self.capacity)
        lengths = .allocate(capacity: Self.capacity)
        addresses.initialize(repeating: sockaddr_storage(), count: Self.capacity)
        lengths.initialize(repeating: 0, count: Self.capacity)
        vectors.initialize(repeating: iovec(), count: Self.capacity)
        headers.initialize(repeating: levee_mmsghdr(), count: Self.capacity)
    }

    deinit {
        buffers.deallocate()
        vectors.deallocate()
        addresses.deallocate()
        headers.deallocate()
        lengths.deallocate()
    }

    func prepareForReceive() {
        for i in 0..<Self.capacity {
            vectors[i] = iovec(iov_base: buffers + i * Self.bufferSize, iov_len: Self.bufferSize)
            headers[i] = levee_mmsghdr()
            headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + i)
            headers[i].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            headers[i].msg_hdr.msg_iov = vectors + i
            headers[i].msg_hdr.msg_iovlen = 1
        }
    }

    func prepareForSend(addressLength: socklen_t) {
        for i in 0..<filled {
            vectors[i] = iovec(iov_base: buffers + i * Self.bufferSize, iov_len: lengths[i])
            headers[i] = levee_mmsghdr()
            headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + i)
            headers[i].msg_hdr.msg_namelen = addressLength
            headers[i].msg_hdr.msg_iov = vectors + i
            headers[i].msg_hdr.msg_iovlen = 1
        }
    }
}
