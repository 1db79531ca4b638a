import LeveeBase
import LeveeNet
#if canImport(Glibc)
import Glibc
#endif

/// LAN mode: the node's own IPv4/UDP stack (`NetworkStack`) on raw Ethernet frames from libpcap,
/// so the node appears on the LAN as a host of its own, with its own MAC and IP. Datagrams to the
/// service port go to the same `DatagramService` that socket mode runs on a UDP socket.
///
/// Single-threaded like `SocketRunLoop`: poll(2) on the pcap descriptor and the stop pipe, with a
/// timeout up to the next deadline of the stack (DHCP, IGMP) or of the service. One receive frame
/// (libpcap's) and one transmit frame buffer, allocated before the loop.
public struct LANRunLoop<Service: DatagramService> {
    public var service: Service
    public private(set) var stack: NetworkStack
    public let configuration: LANConfiguration
    public let clock = MonotonicClock()
    /// Datagrams delivered for other ports than the service port (nobody listens there).
    public private(set) var otherPortDatagrams: UInt64 = 0
    /// Replies or messages that did not fit a frame, or could not be sent (no address, no route).
    public private(set) var unsentMessages: UInt64 = 0

    public init(service: Service, configuration: LANConfiguration) {
        self.service = service
        self.configuration = configuration
        stack = NetworkStack(mac: configuration.mac, addressing: configuration.addressing, now: MonotonicClock().now())
    }

    /// Serves until SIGINT or SIGTERM; returns the signal number. `log` receives one line per
    /// address change (scripts wait for "address A.B.C.D/N").
    public mutating func run(log: (String) -> Void) throws(LANError) -> Int32 {
        let interface = try PcapInterface(interface: configuration.interface)
        try interface.filter(to: configuration.mac.description)
        var capture: PcapCaptureWriter? = nil
        if let path = configuration.capturePath {
            do { capture = try PcapCaptureWriter(path: path, linkType: .ethernet) }
            catch { throw .badOption(error.description) }
        }
        defer { capture?.close() }
        let stopPipe: Int32
        do { stopPipe = try StopSignals.install() } catch { throw .system("pipe", errno) }
        defer { StopSignals.uninstall() }

        let transmit = UnsafeMutableRawBufferPointer.allocate(byteCount: NetLimits.frameCapacity, alignment: 8)
        defer { transmit.deallocate() }
        var fds = [pollfd(fd: interface.selectableDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopPipe, events: Int16(POLLIN), revents: 0)]
        var shownAddress = IPv4Address.broadcast   // differs from anything, so the first state is logged
        var stackDeadline: Instant? = clock.now()

        func send(_ count: Int) {
            let frame = UnsafeRawBufferPointer(rebasing: transmit[0..<count])
            interface.inject(frame)
            capture?.write(frame)
        }

        while true {
            var deadline = stackDeadline
            if let d = service.nextDeadline() { deadline = deadline.map { min($0, d) } ?? d }
            var timeout: Int32 = -1
            if let d = deadline { timeout = Int32(min(d.since(clock.now()).microseconds / 1_000 + 1, 60_000)) }
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR { throw .system("poll", errno) }
            if fds[1].revents != 0 {
                var signal: UInt8 = 0
                _ = read(stopPipe, &signal, 1)
                return Int32(signal)
            }

            // Every waiting frame, then the timers, then the service's own messages.
            while let frame = interface.nextFrame() {
                capture?.write(frame)
                let now = clock.now()
                switch stack.receive(frame, now: now, transmit: transmit) {
                case .transmit(let count):
                    send(count)
                case .deliver(let datagram):
                    guard datagram.destination.port == configuration.servicePort else {
                        otherPortDatagrams += 1
                        continue
                    }
                    let source = Endpoint(ipv4: datagram.source.address.value, port: datagram.source.port)
                    var reply = ByteWriter(UnsafeMutableRawBufferPointer(
                        rebasing: transmit[udpPayloadOffset..<udpPayloadOffset + NetLimits.maxUDPPayload]))
                    guard service.receive(datagram.payload(in: frame), from: source, at: now, reply: &reply) else { continue }
                    sendUDP(reply, to: datagram.source, transmit: transmit, now: now, send: send)
                case .consumed, .dropped:
                    break
                }
            }
            while true {
                switch stack.poll(now: clock.now(), transmit: transmit) {
                case .transmit(let count):
                    send(count)
                    continue
                case .idle(let until):
                    stackDeadline = until
                }
                break
            }
            while true {
                let now = clock.now()
                var message = ByteWriter(UnsafeMutableRawBufferPointer(
                    rebasing: transmit[udpPayloadOffset..<udpPayloadOffset + NetLimits.maxUDPPayload]))
                guard let destination = service.nextOutgoing(at: now, into: &message) else { break }
                guard let address = destination.ipv4 else { unsentMessages += 1; continue }
                sendUDP(message, to: IPv4Endpoint(address: IPv4Address(address), port: destination.port),
                        transmit: transmit, now: now, send: send)
            }
            capture?.flush()
            if stack.address != shownAddress {
                shownAddress = stack.address
                if stack.hasAddress {
                    log("levee-node: LAN \(configuration.interface) mac \(configuration.mac) address \(stack.address)/\(stack.prefixLength)"
                        + (stack.dhcp == nil ? " (static)" : " (dhcp)"))
                } else {
                    log("levee-node: LAN \(configuration.interface) mac \(configuration.mac) waiting for DHCP")
                }
            }
        }
    }

    mutating func sendUDP(_ payload: ByteWriter, to remote: IPv4Endpoint, transmit: UnsafeMutableRawBufferPointer,
                          now: Instant, send: (Int) -> Void) {
        guard !payload.overflowed else { unsentMessages += 1; return }
        switch stack.sendUDP(from: configuration.servicePort, to: remote, payloadLength: payload.count,
                             frame: transmit, now: now) {
        case .transmit(let count):
            send(count)
        case .arpRequestInstead(let count):
            unsentMessages += 1
            send(count)
        case .failed:
            unsentMessages += 1
        }
    }
}

/// The entry point for `levee-node --interface …`: runs `service` in LAN mode until SIGINT/SIGTERM,
/// printing address changes and a summary line (flushed, scripts wait for them). Returns the signal.
public func runLAN<Service: DatagramService>(_ configuration: LANConfiguration, service: Service) throws(LANError) -> Int32 {
    var loop = LANRunLoop(service: service, configuration: configuration)
    let signal = try loop.run { line in print(line); fflush(nil) }
    let c = loop.stack.counters
    print("levee-node: LAN stopped by signal \(signal): frames in \(c.framesIn) out \(c.framesOut), drops \(c.totalDrops),"
          + " udp in \(c.udpDelivered) out \(c.udpSent), echo replies \(c.echoRepliesSent), arp replies \(c.arpRepliesSent)")
    fflush(nil)
    return signal
}
