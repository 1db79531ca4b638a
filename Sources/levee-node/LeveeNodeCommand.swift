import ArgumentParser
import LeveeApp
import LeveeCoAP
import LeveeLinux
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

    func run() throws {
        let socket = try UDPSocket(bind: bind, port: port)
        var loop = SocketRunLoop(service: NodeService(bootTime: MonotonicClock().now()))
        let host = bind.contains(":") ? "[\(bind)]" : bind
        print("levee-node: serving coap://\(host):\(port) (Ctrl-C stops)")
        fflush(nil)   // scripts wait for this line: flush it even into a pipe
        let signal = try loop.run(on: socket, datagramCapacity: CoAPLimits.maxDatagram)
        let counters = loop.service.counters
        print("levee-node: stopped by signal \(signal) after \(counters.requests) requests")
    }
}
