import ArgumentParser
import LeveeApp
import LeveeCoAP
import LeveeLinux
import LeveeOTA
import LeveeUpdateHost
#if canImport(Glibc)
import Glibc
#endif

/// The node on Linux: the portable core on the Linux board.
@main
struct LeveeNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "levee-node",
        abstract: "Run a Levee Node on this host: a CoAP server with simulated sensors.")

    @Option(help: "Address to serve CoAP on (IPv4 or IPv6).")
    var bind = "127.0.0.1"

    @Option(help: "UDP port to serve CoAP on.")
    var port: UInt16 = 5683

    // LAN mode (LeveeLinux/LANRunLoop.swift): the node's own IPv4 stack on raw Ethernet via libpcap.
    @Option(help: "LAN mode: serve on this network interface as a host of its own (needs CAP_NET_RAW).")
    var interface: String?
    @Option(help: "LAN mode: the node's MAC address.") var mac = "02:00:00:00:00:01"
    @Option(help: "LAN mode: static address A.B.C.D/N.") var ip: String?
    @Option(help: "LAN mode: default gateway.") var gateway: String?
    @Flag(help: "LAN mode: get the address by DHCP.") var dhcp = false
    @Option(help: "Record every frame sent and received to this pcap file.") var capture: String?

    // The module slot (issue 7): the flash image and the keys provisioned at its first start.
    @Option(help: "Flash image file (created erased when absent): module slots, journal, trusted keys.")
    var flash: String?
    @Option(help: "Public key file ('KID HEX' lines, from levee keygen) written to a new flash image's key sector.")
    var trustedKey: String?
    @Option(help: ArgumentHelp("Testing: exit (status 137) instead of doing flash operation N+1, as at a power loss.",
                               visibility: .hidden))
    var powerLossAfter: UInt32?

    @Flag(help: "Print the static analysis of the node's task set (ceilings, blocking, response times) and exit.")
    var analysis = false

    func run() throws {
        if analysis {
            print(HostNode.analysis(), terminator: "")
            return
        }
        if let interface {
            let lan = try LANConfiguration(interface: interface, mac: mac, ip: ip, gateway: gateway, dhcp: dhcp,
                                           capturePath: capture, servicePort: port)
            _ = try runLAN(lan)
            return
        }
        let prepare = try slotPreparation()
        let socket = try UDPSocket(bind: bind, port: port)
        let host = bind.contains(":") ? "[\(bind)]" : bind
        print("levee-node: serving coap://\(host):\(port) (Ctrl-C stops)")
        fflush(nil)   // scripts wait for this line: flush it even into a pipe
        let signal: Int32
        if let capture {   // raw-IP records of every datagram (LeveeLinux/PcapCapturingDriver.swift)
            let local = socket.localEndpoint
            signal = try HostNode.run(on: PcapCapturingDriver(socket, local: local,
                                                              capture: PcapCaptureWriter(path: capture, linkType: .rawIP)),
                                  prepare: prepare)
        } else {
            signal = try HostNode.run(on: socket, prepare: prepare)
        }
        print("levee-node: stopped by signal \(signal)")
    }

    /// Maps the flash image and reads the key file; what the node does with them before serving.
    func slotPreparation() throws -> (inout NodeService) -> Void {
        guard let flash else { return { _ in } }
        let powerLoss = powerLossAfter ?? getenv("LEVEE_POWER_LOSS_AFTER").flatMap { UInt32(String(cString: $0)) }
        let device = try FileFlash.open(path: flash, layout: .standard, powerLossAfter: powerLoss)
        var keys = NodeTrustedKeys()
        for entry in try trustedKey.map(TrustedKeyFile.read(from:)) ?? [] {
            let added = entry.keyID.withUnsafeBytes { k in entry.publicKey.withUnsafeBytes { p in TrustedKey(keyID: k, publicKey: p).map { keys.add($0) } } }
            guard added == true else { throw ValidationError("--trusted-key: key refused (more than \(TrustedKeyStore.capacity), duplicate or bad kid)") }
        }
        return { service in
            service.resources.startSlot(flash: device, provisioning: keys)
            let slots = service.resources.slot.slots
            print("levee-node: flash \(flash): \(slots.keys.count) trusted key(s), "
                  + (slots.isRunning ? "module version \(slots.runningVersion) in slot \(slots.activeSlot ?? -1)" : "no module (built-in rule)"))
            fflush(nil)
        }
    }
}
