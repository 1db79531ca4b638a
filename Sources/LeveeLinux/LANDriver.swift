import CPcap
import LeveeApp
import LeveeBase
import LeveeNet
#if canImport(Glibc)
import Glibc
#endif

/// LAN mode as a host network driver: the node's own IPv4/UDP stack (`EthernetNode`, the core code
/// the chip's MAC driver runs) on raw Ethernet frames from libpcap, so the node appears on the LAN
/// as a host of its own, with its own MAC and IP. To `HostNode` it is just another
/// `HostDatagramDriver`, like the UDP socket: the node's tasks above UDP are the same in both modes.
///
/// ARP, ping, DHCP and IGMP are answered inside `receive` without reaching the node. The stack's own
/// deadlines (DHCP retransmission and renewal, ARP announcements and refreshes, IGMP reports) arm a
/// timerfd that shares one epoll descriptor with the capture, so `HostNode`'s poll() wakes for them.
public final class LANDriver: HostDatagramDriver {
    public let configuration: LANConfiguration
    let interface: PcapInterface
    let capture: PcapCaptureWriter?
    /// The node's stack; allocated, so `/sys/net` can point at it for the driver's lifetime.
    let node = UnsafeMutablePointer<EthernetNode>.allocate(capacity: 1)
    let transmit = UnsafeMutableRawBufferPointer.allocate(byteCount: NetLimits.frameCapacity, alignment: 8)
    let epollDescriptor: Int32
    let timerDescriptor: Int32
    let clock = MonotonicClock()
    let log: (String) -> Void
    var shownAddress = IPv4Address.broadcast   // differs from anything, so the first state is logged
    /// When the stack's timers are next due (also checked while frames keep coming, so a busy
    /// link never starves DHCP renewal).
    var timersDue: Instant? = nil
    /// Datagrams longer than the node's receive buffer.
    public private(set) var oversizedDatagrams: UInt64 = 0

    public var pollDescriptor: Int32 { epollDescriptor }
    public var stack: NetworkStack { node.pointee.stack }
    public var unsentDatagrams: UInt32 { node.pointee.unsentMessages }
    public var networkStatus: NetworkStatusSource { .ethernet(UnsafePointer(node)) }

    /// Frames out through libpcap, and into the capture when there is one.
    struct Link: FrameTransmitter {
        let interface: PcapInterface
        let capture: PcapCaptureWriter?
        mutating func transmit(_ frame: UnsafeRawBufferPointer) {
            interface.inject(frame)
            capture?.write(frame)
        }
    }

    /// Opens the interface (needs CAP_NET_RAW) and the capture, and sends what the stack sends at
    /// start (the first DHCP DISCOVER, or the ARP announcement of a static address).
    public init(_ configuration: LANConfiguration, log: @escaping (String) -> Void) throws(LANError) {
        self.configuration = configuration
        self.log = log
        interface = try PcapInterface(interface: configuration.interface)
        try interface.filter(to: configuration.mac.description)
        if let path = configuration.capturePath {
            do { capture = try PcapCaptureWriter(path: path, linkType: .ethernet) }
            catch { throw .badOption(error.description) }
        } else {
            capture = nil
        }
        node.initialize(to: EthernetNode(mac: configuration.mac, addressing: configuration.addressing,
                            servicePort: configuration.servicePort, now: clock.now()))
        epollDescriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        timerDescriptor = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard epollDescriptor >= 0, timerDescriptor >= 0 else { throw .system("epoll_create1/timerfd_create", errno) }
        for fd in [interface.selectableDescriptor, timerDescriptor] {
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.fd = fd
            guard epoll_ctl(epollDescriptor, EPOLL_CTL_ADD, fd, &event) == 0 else { throw .system("epoll_ctl", errno) }
        }
        runTimers()
    }

    deinit {
        close(epollDescriptor)
        close(timerDescriptor)
        capture?.close()
        transmit.deallocate()
        node.deinitialize(count: 1)
        node.deallocate()
    }

    /// The next datagram for the service port, copied into `buffer`; nil when no frame waits (then
    /// the stack's timers run and the capture is flushed).
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, source: Endpoint)? {
        var link = Link(interface: interface, capture: capture)
        if let due = timersDue, clock.now() >= due { runTimers() }
        while let frame = interface.nextFrame() {
            capture?.write(frame)
            guard let datagram = node.pointee.receive(frame, now: clock.now(), transmit: transmit, link: &link) else { continue }
            guard datagram.payloadLength <= buffer.count else { oversizedDatagrams += 1; continue }
            let payload = datagram.payload(in: frame)
            for i in 0..<payload.count { buffer[i] = payload[i] }
            return (payload.count, datagram.source)
        }
        runTimers()
        capture?.flush()
        return nil
    }

    /// Sends a datagram from the service port; false when it could not go (no address yet, no
    /// route, too long, IPv6, or its next hop needed ARP first).
    @discardableResult
    public func send(_ datagram: UnsafeRawBufferPointer, to destination: Endpoint) -> Bool {
        guard datagram.count <= NetLimits.maxUDPPayload else { return false }
        for i in 0..<datagram.count { transmit[udpPayloadOffset + i] = datagram[i] }
        var link = Link(interface: interface, capture: capture)
        return node.pointee.send(payloadLength: datagram.count, to: destination, now: clock.now(), transmit: transmit, link: &link)
    }

    /// Runs the stack's due timers and re-arms the timerfd for the next deadline.
    func runTimers() {
        var expirations: UInt64 = 0
        _ = read(timerDescriptor, &expirations, 8)
        var link = Link(interface: interface, capture: capture)
        let now = clock.now()
        var spec = itimerspec()   // all zero: disarmed
        timersDue = node.pointee.poll(now: now, transmit: transmit, link: &link)
        if let next = timersDue {
            // At least 1 ms ahead: a zero it_value would disarm instead of firing at once.
            let wait = max(next.since(now).microseconds, 1_000)
            spec.it_value.tv_sec = Int(wait / 1_000_000)
            spec.it_value.tv_nsec = Int(wait % 1_000_000) * 1_000
        }
        timerfd_settime(timerDescriptor, 0, &spec, nil)
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

/// `levee-node --interface …`: the node's tasks on `HostNode` with the LAN driver, until SIGINT or
/// SIGTERM; prints address changes and a summary (flushed: scripts wait for them). Returns the signal.
public func runLAN(_ configuration: LANConfiguration) throws -> Int32 {
    let driver = try LANDriver(configuration) { line in print(line); fflush(nil) }
    let signal = try HostNode.run(on: driver)
    let c = driver.stack.counters
    print("levee-node: LAN stopped by signal \(signal): frames in \(c.framesIn) out \(c.framesOut), drops \(c.totalDrops),"
          + " udp in \(c.udpDelivered) out \(c.udpSent), echo replies \(c.echoRepliesSent), arp replies \(c.arpRepliesSent),"
          + " unsent \(driver.unsentDatagrams)")
    fflush(nil)
    return signal
}
