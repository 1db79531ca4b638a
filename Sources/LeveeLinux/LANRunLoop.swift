import LeveeBase
import LeveeNet
#if canImport(Glibc)
import Glibc
#endif

/// LAN mode: the node's own IPv4/UDP stack on raw Ethernet frames from libpcap, so the node
/// appears on the LAN as a host of its own, with its own MAC and IP. The per-frame work is the
/// core's `EthernetNode` (the same the chip's MAC driver runs); this loop only waits and moves
/// frames, and datagrams for the service port go to the same `DatagramService` socket mode runs.
///
/// Single-threaded like `SocketRunLoop`: poll(2) on the pcap descriptor and the stop pipe, with a
/// timeout up to the next deadline of the stack (DHCP, ARP announcements, IGMP) or of the service.
public struct LANRunLoop<Service: DatagramService> {
    public var service: Service
    public private(set) var ethernet: EthernetNode
    public let configuration: LANConfiguration
    public let clock = MonotonicClock()

    public var stack: NetworkStack { ethernet.stack }

    public init(service: Service, configuration: LANConfiguration) {
        self.service = service
        self.configuration = configuration
        ethernet = EthernetNode(mac: configuration.mac, addressing: configuration.addressing,
                                servicePort: configuration.servicePort, now: MonotonicClock().now())
    }

    /// Frames out through libpcap, and into the capture when there is one.
    struct PcapLink: FrameTransmitter {
        let interface: PcapInterface
        let capture: PcapCaptureWriter?
        mutating func transmit(_ frame: UnsafeRawBufferPointer) {
            interface.inject(frame)
            capture?.write(frame)
        }
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
        var link = PcapLink(interface: interface, capture: capture)
        let stopPipe: Int32
        do { stopPipe = try StopSignals.install() } catch { throw .system("pipe", errno) }
        defer { StopSignals.uninstall() }

        let transmit = UnsafeMutableRawBufferPointer.allocate(byteCount: NetLimits.frameCapacity, alignment: 8)
        defer { transmit.deallocate() }
        var fds = [pollfd(fd: interface.selectableDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopPipe, events: Int16(POLLIN), revents: 0)]
        var shownAddress = IPv4Address.broadcast   // differs from anything, so the first state is logged
        var deadline: Instant? = clock.now()

        while true {
            var timeout: Int32 = -1
            if let d = deadline { timeout = Int32(min(d.since(clock.now()).microseconds / 1_000 + 1, 60_000)) }
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR { throw .system("poll", errno) }
            if fds[1].revents != 0 {
                var signal: UInt8 = 0
                _ = read(stopPipe, &signal, 1)
                return Int32(signal)
            }
            // Every waiting frame, then the timers and the service's own messages.
            while let frame = interface.nextFrame() {
                capture?.write(frame)
                ethernet.receive(frame, now: clock.now(), service: &service, transmit: transmit, link: &link)
            }
            deadline = ethernet.poll(now: clock.now(), service: &service, transmit: transmit, link: &link)
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
