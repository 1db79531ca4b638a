import LeveeBase

/// Where a board's network driver sends frames: the Ethernet MAC's transmit descriptor on the
/// chip, `pcap_inject` (plus the capture file) on Linux.
public protocol FrameTransmitter {
    mutating func transmit(_ frame: UnsafeRawBufferPointer)
}

/// One frame of storage for boards: `NetLimits.frameCapacity` rounded up to a word, so a static
/// transmit buffer is counted by name in the budget.
public typealias FrameStorage = InlineArray<1516, UInt8>

/// A datagram for the node's service, over IPv4 or IPv6: the far end as a LeveeBase `Endpoint`,
/// the payload as offsets into the received frame.
public struct ServiceDatagram: Sendable {
    public var source: Endpoint
    /// Sent to a group: a CoAP server must not answer errors to these (RFC 7252 §8.1).
    public var isMulticast: Bool
    public var payloadOffset: Int
    public var payloadLength: Int

    public func payload(in frame: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        frame.slice(payloadOffset, payloadLength)
    }
}

/// The glue between a frame driver and the node above UDP: a board's network driver built on
/// the node's own stack. Frames the stack answers itself (ARP, ping, DHCP, IGMP) go straight back
/// out; datagrams for the service port come out as `UDPDatagram`s (offsets into the frame) for the
/// board to queue for the node's network task, and the node's datagrams go out through `send`.
/// The same code runs LAN mode on Linux (`LANDriver`) and the chip's Ethernet MAC, so the CoAP
/// server above UDP is the same in every mode. `serve` runs a `DatagramService` directly, for
/// boards without the scheduler's queues.
///
/// It holds no buffers: the driver owns the receive buffer(s) and one transmit buffer of
/// `FrameStorage`, passed in on every call (a struct cannot lend out one of its fields while
/// mutating another).
public struct EthernetNode: Sendable {
    public var stack: NetworkStack
    public let servicePort: UInt16
    /// Datagrams for other ports than `servicePort` (nobody listens there).
    public private(set) var otherPortDatagrams: UInt32 = 0
    /// Datagrams not sent: too long, not IPv4, no address yet, no route, or the next hop needed
    /// ARP first (then the ARP request went out in their place).
    public private(set) var unsentMessages: UInt32 = 0

    public init(mac: MACAddress, addressing: IPv4Addressing, servicePort: UInt16 = 5683, now: Instant) {
        stack = NetworkStack(mac: mac, addressing: addressing, now: now)
        self.servicePort = servicePort
    }

    /// Runs one received frame through the stack; returns the datagram when it is for the service
    /// port (over IPv4 or IPv6). Anything the stack answers itself is sent to `link` through `transmit`.
    public mutating func receive<Link: FrameTransmitter>(_ frame: UnsafeRawBufferPointer, now: Instant,
                                                         transmit: UnsafeMutableRawBufferPointer,
                                                         link: inout Link) -> ServiceDatagram? {
        switch stack.receive(frame, now: now, transmit: transmit) {
        case .transmit(let count):
            link.transmit(transmit.readOnly.slice(0, count))
        case .deliver(let d):
            if d.destination.port == servicePort {
                return ServiceDatagram(source: Endpoint(ipv4: d.source.address.value, port: d.source.port),
                                       isMulticast: d.isMulticast, payloadOffset: d.payloadOffset,
                                       payloadLength: d.payloadLength)
            }
            otherPortDatagrams &+= 1
        case .deliverIPv6(let d):
            if d.destinationPort == servicePort {
                return ServiceDatagram(source: d.source.endpoint(port: d.sourcePort), isMulticast: d.isMulticast,
                                       payloadOffset: d.payloadOffset, payloadLength: d.payloadLength)
            }
            otherPortDatagrams &+= 1
        case .consumed, .dropped:
            break
        }
        return nil
    }

    /// A writer over the UDP payload area of the transmit frame (what `send` sends); nil when the
    /// buffer cannot hold a header.
    public func payloadWriter(_ transmit: UnsafeMutableRawBufferPointer) -> ByteWriter? {
        let end = min(transmit.count, udpPayloadOffset + NetLimits.maxUDPPayload)
        guard end > udpPayloadOffset else { return nil }
        return ByteWriter(UnsafeMutableRawBufferPointer(rebasing: transmit[udpPayloadOffset..<end]))
    }

    /// Sends the `payloadLength` bytes already at `udpPayloadOffset` in `transmit` from the service
    /// port to `destination`; returns whether the datagram itself went out.
    @discardableResult
    public mutating func send<Link: FrameTransmitter>(payloadLength: Int, to destination: Endpoint, now: Instant,
                                                      transmit: UnsafeMutableRawBufferPointer, link: inout Link) -> Bool {
        let result: SendResult
        if let address = destination.ipv4 {
            result = stack.sendUDP(from: servicePort, to: IPv4Endpoint(address: IPv4Address(address), port: destination.port),
                                   payloadLength: payloadLength, frame: transmit, now: now)
        } else {
            result = stack.sendUDPv6(from: servicePort,
                                     to: IPv6Address(high: destination.addressHigh, low: destination.addressLow),
                                     port: destination.port, payloadLength: payloadLength, frame: transmit, now: now)
        }
        switch result {
        case .transmit(let count):
            link.transmit(transmit.readOnly.slice(0, count))
            return true
        case .arpRequestInstead(let count):
            unsentMessages &+= 1
            link.transmit(transmit.readOnly.slice(0, count))
            return false
        case .failed:
            unsentMessages &+= 1
            return false
        }
    }

    /// Runs the stack's timers (DHCP, ARP announcements and refreshes, IGMP); returns when to call
    /// again at the latest (nil: only when a frame arrives).
    public mutating func poll<Link: FrameTransmitter>(now: Instant, transmit: UnsafeMutableRawBufferPointer,
                                                      link: inout Link) -> Instant? {
        while true {
            switch stack.poll(now: now, transmit: transmit) {
            case .transmit(let count):
                link.transmit(transmit.readOnly.slice(0, count))
            case .idle(let until):
                return until
            }
        }
    }

    /// Runs `service` on a received frame: its reply, if any, goes straight back.
    public mutating func serve<Service: DatagramService, Link: FrameTransmitter>(
        _ frame: UnsafeRawBufferPointer, now: Instant, service: inout Service,
        transmit: UnsafeMutableRawBufferPointer, link: inout Link) {
        guard let datagram = receive(frame, now: now, transmit: transmit, link: &link) else { return }
        guard var reply = payloadWriter(transmit) else { unsentMessages &+= 1; return }
        guard service.receive(datagram.payload(in: frame), from: datagram.source, at: now, reply: &reply) else { return }
        guard !reply.overflowed else { unsentMessages &+= 1; return }
        send(payloadLength: reply.count, to: datagram.source, now: now, transmit: transmit, link: &link)
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
            node.serve(peerFrame.readOnly.slice(0, arp), now: now, service: &service, transmit: transmit, link: &link)
            guard link.frames == 1, case .consumed = peer.receive(link.copy.readOnly.slice(0, link.count), now: now,
                                                                  transmit: peerFrame) else { return }
            peerFrame[udpPayloadOffset] = 0x40; peerFrame[udpPayloadOffset + 1] = 0
            peerFrame[udpPayloadOffset + 2] = 0xBE; peerFrame[udpPayloadOffset + 3] = 0xEF
            guard case let .transmit(count) = peer.sendUDP(from: 49_152, to: target, payloadLength: 4,
                                                           frame: peerFrame, now: now) else { return }
            node.serve(peerFrame.readOnly.slice(0, count), now: now, service: &service, transmit: transmit, link: &link)
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
