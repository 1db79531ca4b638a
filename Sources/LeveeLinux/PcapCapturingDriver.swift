import LeveeApp
import LeveeBase
#if canImport(Glibc)
import Glibc
#endif

/// Socket mode's `--capture`: wraps a datagram driver (the UDP socket) and records every datagram
/// it receives and sends as a raw-IP pcap record (`PcapCaptureWriter.writeUDP`), so socket-mode
/// traffic opens in Wireshark like LAN mode's frames. `local` is the node's side of every record.
public struct PcapCapturingDriver<Driver: HostDatagramDriver & ~Copyable>: HostDatagramDriver, ~Copyable {
    let driver: Driver
    let capture: PcapCaptureWriter
    let local: Endpoint

    public init(_ driver: consuming Driver, local: Endpoint, capture: PcapCaptureWriter) {
        self.driver = driver
        self.local = local
        self.capture = capture
    }

    public var pollDescriptor: Int32 { driver.pollDescriptor }

    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, source: Endpoint)? {
        guard let received = driver.receive(into: buffer) else {
            capture.flush()   // the driver is drained: a good moment to make the file complete
            return nil
        }
        capture.writeUDP(UnsafeRawBufferPointer(rebasing: buffer[0..<received.count]), from: received.source, to: local)
        return received
    }

    @discardableResult
    public func send(_ datagram: UnsafeRawBufferPointer, to destination: Endpoint) -> Bool {
        let sent = driver.send(datagram, to: destination)
        if sent { capture.writeUDP(datagram, from: local, to: destination) }
        return sent
    }

    /// The wrapped driver may batch its sends (the UDP socket does).
    public func flush() { driver.flush() }
    public var networkStatus: NetworkStatusSource { driver.networkStatus }
}

extension UDPSocket {
    /// The address and port the socket is bound to (getsockname), for captures.
    public var localEndpoint: Endpoint {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Self.endpoint(from: storage)
    }
}
