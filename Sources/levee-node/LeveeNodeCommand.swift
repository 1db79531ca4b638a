import ArgumentParser
import Foundation
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

    // The simulated levee (LeveeLinux/Simulator.swift, fixtures/scenarios/).
    @Option(help: "Scenario in fixtures/scenarios: normal, storm-surge, seepage-anomaly, sensor-faults.")
    var scenario = "normal"
    @Option(help: "Field seconds per second: 3600 runs an hour of the levee in a second.")
    var speed: UInt32 = 1
    @Option(help: "Seed of the sensor noise (default: the scenario's).")
    var seed: UInt64?
    @Option(help: "Replay real daily rainfall and flow: a directory with the NRFA CSVs (rainfall-daily-*.csv, flow-daily-*.csv), e.g. ../shared/data/nrfa-55002.")
    var replay: String?
    @Option(help: "Replay from this date (YYYY-MM-DD).")
    var replayFrom: String?
    @Option(help: "Inject a sensor fault: CHANNEL:KIND:START_HOURS[:HOURS[:MAGNITUDE]], KIND stuck|spike|dropout|drift (repeatable).")
    var fault: [String] = []
    @Option(help: "Keep the configuration record in this file (the board's flash); default: RAM only.")
    var configStore: String?
    @Option(help: "The repository (for fixtures/scenarios); default: found from the working directory or the executable.")
    var root: String?

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
    @Option(help: "Fuel (an upper bound of Wasm instructions) of one call of the module (default \(SlotLimits.fuelPerCall), ~1 ms here; a long computation needs more).")
    var fuelPerCall: Int64?
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
        var sensors = try simulator()
        let socket = try UDPSocket(bind: bind, port: port)
        let host = bind.contains(":") ? "[\(bind)]" : bind
        print("levee-node: scenario \(sensors.scenario.name)\(replay.map { ", replaying \($0)" } ?? ""), seed \(sensors.scenario.seed), speed x\(speed)")
        print("levee-node: serving coap://\(host):\(port) (Ctrl-C stops)")
        fflush(nil)   // scripts wait for this line: flush it even into a pipe
        let signal: Int32
        if let configStore {
            var store = FileConfigStore(path: configStore)
            signal = try serve(socket, &sensors, &store, prepare)
        } else {
            var store = VolatileConfigStore()
            signal = try serve(socket, &sensors, &store, prepare)
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
        let fuel = fuelPerCall.map { max($0, 1) }
        return { service in
            if let fuel { service.resources.slot.slots.fuelPerCall = fuel }
            service.resources.startSlot(flash: device, provisioning: keys)
            let slots = service.resources.slot.slots
            print("levee-node: flash \(flash): \(slots.keys.count) trusted key(s), "
                  + (slots.isRunning ? "module version \(slots.runningVersion) in slot \(slots.activeSlot ?? -1)" : "no module (built-in rule)"))
            fflush(nil)
        }
    }

    func serve<Store: ConfigStore>(_ socket: consuming UDPSocket, _ sensors: inout LeveeSimulator,
                                   _ store: inout Store, _ prepare: (inout NodeService) -> Void) throws -> Int32 {
        // Field time starts at the scenario's epoch, or now: SenML times are then absolute, so a
        // representation changes only with new samples (a block-wise transfer holds still).
        let epoch = sensors.scenario.startEpoch ?? UInt64(Date().timeIntervalSince1970)
        if let capture {   // raw-IP records of every datagram (LeveeLinux/PcapCapturingDriver.swift)
            let local = socket.localEndpoint
            return try HostNode.run(on: PcapCapturingDriver(socket, local: local,
                                                            capture: PcapCaptureWriter(path: capture, linkType: .rawIP)),
                                    sensors: &sensors, store: &store, timeCompression: speed, bootEpoch: epoch, prepare: prepare)
        }
        return try HostNode.run(on: socket, sensors: &sensors, store: &store, timeCompression: speed, bootEpoch: epoch, prepare: prepare)
    }

    /// The simulated levee of the chosen scenario, seed, faults and replay.
    func simulator() throws -> LeveeSimulator {
        let repository = try locateRepository()
        var chosen: Scenario
        do {
            chosen = try Scenario.named(scenario, root: repository)
        } catch {
            guard let season = try? Scenario.named(scenario + "-season", root: repository) else {
                throw ValidationError("no scenario \"\(scenario)\" in \(repository.path)/fixtures/scenarios (\(error))")
            }
            chosen = season
        }
        if let seed { chosen.seed = seed }
        for text in fault { chosen.faults.append(try Self.parseFault(text)) }
        var source: ReplaySource?
        if let replay {
            var directory = URL(fileURLWithPath: replay)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                directory = directory.deletingLastPathComponent()
            }
            source = try ReplaySource(directory: directory, from: replayFrom)
        }
        return LeveeSimulator(scenario: chosen, replay: source)
    }

    static func parseFault(_ text: String) throws -> Scenario.SensorFault {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count >= 3, Channel(named: parts[0]) != nil,
              let kind = Scenario.SensorFault.Kind(rawValue: parts[1]), let start = Double(parts[2]) else {
            throw ValidationError("--fault \(text): expected CHANNEL:KIND:START_HOURS[:HOURS[:MAGNITUDE]]")
        }
        let hours = parts.count > 3 ? Double(parts[3]) : 0
        let magnitude = parts.count > 4 ? Double(parts[4]) : 0
        guard let hours, let magnitude else { throw ValidationError("--fault \(text): hours and magnitude are numbers") }
        return Scenario.SensorFault(channel: parts[0], kind: kind, start: start, hours: hours, magnitude: magnitude)
    }

    /// The repository: `--root`, else the first of the working directory and the executable's
    /// ancestors that has fixtures/scenarios.
    func locateRepository() throws -> URL {
        if let root { return URL(fileURLWithPath: root) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("fixtures/scenarios").path) {
            return candidate
        }
        throw ValidationError("fixtures/scenarios not found from here; give --root")
    }
}
