import LeveeBase

/// Where a board's network driver sends frames: the Ethernet MAC's transmit descriptor on the
/// chip, `pcap_inject` (plus the capture file) on Linux.
public protocol FrameTransmitter {
    mutating func transmit(_ frame: UnsafeRawBufferPointer)
}

/// One frame of storage for boards: `NetLimits.frameCapacity` rounded up to a word, so a static
/// transmit buffer is counted by name in the budget.
public typealias FrameStorage = InlineArray<1516, UInt8>

/// The glue between a frame driver and the node's `DatagramService` (the CoAP server): runs the
/// stack on each received frame, hands datagrams for the service port to the service, frames its
/// replies and its own messages, and runs the stack's timers. The same code serves LAN mode on
/// Linux and the chip's Ethernet MAC, so the CoAP server is unchanged above UDP in every mode.
///
/// It holds no buffers: the driver owns the receive buffer(s) and one transmit buffer of
/// `FrameStorage`, passed in on every call (a struct cannot lend out one of its fields while
/// mutating another).
public struct EthernetNode: Sendable {
    public var stack: NetworkStack
    public let servicePort: UInt16
    /// Datagrams for other ports than `servicePort` (nobody listens there).
    public private(set) var otherPortDatagrams: UInt32 = 0
    /// Replies and messages not sent: too long, no address yet, no route, or the next hop needed
    /// ARP first (then the ARP request went out in their place).
    public private(set) var unsentMessages: UInt32 = 0

    public init(mac: MACAddress, addressing: IPv4Addressing, servicePort: UInt16 = 5683, now: Instant) {
        stack = NetworkStack(mac: mac, addressing: addressing, now: now)
        self.servicePort = servicePort
    }

    /// Handles one received frame; anything to send goes to `link` through `transmit`.
    public mutating func receive<Service: DatagramService, Link: FrameTransmitter>(
        _ frame: UnsafeRawBufferPointer, now: Instant, service: inout Service,
        transmit: UnsafeMutableRawBufferPointer, link: inout Link) {
        switch stack.receive(frame, now: now, transmit: transmit) {
        case .transmit(let count):
            link.transmit(transmit.readOnly.slice(0, count))
        case .deliver(let datagram):
            guard datagram.destination.port == servicePort else { otherPortDatagrams &+= 1; return }
            guard var reply = payloadWriter(transmit) else { unsentMessages &+= 1; return }
            let source = Endpoint(ipv4: datagram.source.address.value, port: datagram.source.port)
            guard service.receive(datagram.payload(in: frame), from: source, at: now, reply: &reply) else { return }
            send(reply, to: datagram.source, now: now, transmit: transmit, link: &link)
        case .consumed, .dropped:
            break
        }
    }

    /// Runs the stack's timers (DHCP, ARP announcements, IGMP) and sends the service's own
    /// messages; returns when to call again at the latest (nil: only when a frame arrives).
    public mutating func poll<Service: DatagramService, Link: FrameTransmitter>(
        now: Instant, service: inout Service, transmit: UnsafeMutableRawBufferPointer,
        link: inout Link) -> Instant? {
        var deadline: Instant? = nil
        while true {
            switch stack.poll(now: now, transmit: transmit) {
            case .transmit(let count):
                link.transmit(transmit.readOnly.slice(0, count))
                continue
            case .idle(let until):
                deadline = until
            }
            break
        }
        while var message = payloadWriter(transmit) {
            guard let destination = service.nextOutgoing(at: now, into: &message) else { break }
            guard let address = destination.ipv4 else { unsentMessages &+= 1; continue }
            send(message, to: IPv4Endpoint(address: IPv4Address(address), port: destination.port),
                 now: now, transmit: transmit, link: &link)
        }
        if let serviceDeadline = service.nextDeadline() {
            deadline = deadline.map { min($0, serviceDeadline) } ?? serviceDeadline
        }
        return deadline
    }

    /// A writer over the UDP payload area of the transmit frame; nil when the buffer is too small.
    func payloadWriter(_ transmit: UnsafeMutableRawBufferPointer) -> ByteWriter? {
        let end = min(transmit.count, udpPayloadOffset + NetLimits.maxUDPPayload)
        guard end > udpPayloadOffset else { return nil }
        return ByteWriter(UnsafeMutableRawBufferPointer(rebasing: transmit[udpPayloadOffset..<end]))
    }

    mutating func send<Link: FrameTransmitter>(_ payload: ByteWriter, to remote: IPv4Endpoint, now: Instant,
                                               transmit: UnsafeMutableRawBufferPointer, link: inout Link) {
        guard !payload.overflowed else { unsentMessages &+= 1; return }
        switch stack.sendUDP(from: servicePort, to: remote, payloadLength: payload.count, frame: transmit, now: now) {
        case .transmit(let count):
            link.transmit(transmit.readOnly.slice(0, count))
        case .arpRequestInstead(let count):
            unsentMessages &+= 1
            link.transmit(transmit.readOnly.slice(0, count))
        case .failed:
            unsentMessages &+= 1
        }
    }
}

/// A boot-time check of a board's static `EthernetNode` with the node's real service: an ARP
/// request for the node's address is answered, and a UDP datagram to the service port (a CoAP
/// ping: an empty CON, which any CoAP server answers with RST) comes back as a frame that a peer
/// stack accepts, checksums and all.
public enum EthernetBootCheck {
    struct LastFrame: FrameTransmitter {
        let copy: UnsafeMutableRawBufferPointer
        var count = 0
        var frames = 0
        mutating func transmit(_ frame: UnsafeRawBufferPointer) {
            frames += 1
            count = min(frame.count, copy.count)
            for i in 0..<count { copy[i] = frame[i] }
        }
    }

    public static func run<Service: DatagramService, Output: Console>(
        _ node: inout EthernetNode, service: inout Service, transmit: UnsafeMutableRawBufferPointer,
        console: inout Output) -> UInt32 {
        let now = Instant.zero
        var ok = false
        var storage = InlineArray<3032, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &storage) { raw in
            let peerFrame = UnsafeMutableRawBufferPointer(rebasing: raw[0..<1516])
            var link = LastFrame(copy: UnsafeMutableRawBufferPointer(rebasing: raw[1516..<3032]))
            let nodeAddress = node.stack.address
            let peerAddress = IPv4Address(nodeAddress.value ^ 1)   // a neighbour on the same subnet
            var peer = NetworkStack(mac: MACAddress(0x02, 0, 0, 0, 0xFE, 0xFE),
                                    addressing: .fixed(address: peerAddress, prefixLength: node.stack.prefixLength,
                                                       gateway: .unspecified), now: now)
            // CoAP ping: version 1, CON, token length 0, code 0.00, message ID 0xBEEF.
            peerFrame[udpPayloadOffset] = 0x40; peerFrame[udpPayloadOffset + 1] = 0
            peerFrame[udpPayloadOffset + 2] = 0xBE; peerFrame[udpPayloadOffset + 3] = 0xEF
            let target = IPv4Endpoint(address: nodeAddress, port: node.servicePort)
            guard case let .arpRequestInstead(arp) = peer.sendUDP(from: 49_152, to: target, payloadLength: 4,
                                                                  frame: peerFrame, now: now) else { return }
            node.receive(peerFrame.readOnly.slice(0, arp), now: now, service: &service, transmit: transmit, link: &link)
            guard link.frames == 1, case .consumed = peer.receive(link.copy.readOnly.slice(0, link.count), now: now,
                                                                  transmit: peerFrame) else { return }
            peerFrame[udpPayloadOffset] = 0x40; peerFrame[udpPayloadOffset + 1] = 0
            peerFrame[udpPayloadOffset + 2] = 0xBE; peerFrame[udpPayloadOffset + 3] = 0xEF
            guard case let .transmit(count) = peer.sendUDP(from: 49_152, to: target, payloadLength: 4,
                                                           frame: peerFrame, now: now) else { return }
            node.receive(peerFrame.readOnly.slice(0, count), now: now, service: &service, transmit: transmit, link: &link)
            guard link.frames == 2,
                  case let .deliver(reply) = peer.receive(link.copy.readOnly.slice(0, link.count), now: now,
                                                          transmit: peerFrame) else { return }
            ok = reply.source == target && reply.destination.port == 49_152 && reply.payloadLength >= 4
        }
        console.write(ok ? "net: ARP and a UDP round trip through the static Ethernet node ok\n"
                         : "net: FAIL ARP and a UDP round trip through the static Ethernet node\n")
        return ok ? 0 : 1
    }
}
