import LeveeBase
import LeveeCoAP
import LeveeNet

/// Datagrams a board moved through an operating system's UDP socket (socket mode): what
/// `/sys/net` reports when the node runs above someone else's network stack.
public struct SocketCounters: Sendable {
    public var datagramsIn: UInt64 = 0
    public var datagramsOut: UInt64 = 0
    /// Sends the operating system refused (a full socket buffer, an unreachable destination).
    public var sendFailures: UInt64 = 0

    public init() {}
}

/// Where `/sys/net` reads the network's state: the board says so once at start. The board's
/// network driver owns what it points at and updates it only between task runs (the host's run
/// loop is one thread; on the chip the Ethernet driver runs inside the network task), so a
/// handler reading it never sees it half-written.
public enum NetworkStatusSource {
    /// No network driver has announced itself (the self-checks, tests of the table alone).
    case none
    /// Socket mode: the operating system's stack carries the datagrams.
    case socket(UnsafePointer<SocketCounters>)
    /// The node's own Ethernet/IP stack (LAN mode on Linux, the chip's MAC).
    case ethernet(UnsafePointer<EthernetNode>)

    /// The body of `/sys/net`: one JSON object whose `mode` says which of the above it is.
    public func write(into w: inout ByteWriter, now: Instant) {
        switch self {
        case .none:
            w.append("{\"mode\":\"none\"}")
        case .socket(let counters):
            let c = counters.pointee
            w.append("{\"mode\":\"socket\",\"datagrams_in\":"); w.appendDecimal(c.datagramsIn)
            w.append(",\"datagrams_out\":"); w.appendDecimal(c.datagramsOut)
            w.append(",\"send_failures\":"); w.appendDecimal(c.sendFailures)
            w.append("}")
        case .ethernet(let node):
            w.append("{\"mode\":\"ethernet\",\"other_port_datagrams\":")
            w.appendDecimal(UInt64(widening: node.pointee.otherPortDatagrams))
            w.append(",\"unsent_datagrams\":"); w.appendDecimal(UInt64(widening: node.pointee.unsentMessages))
            w.append(",\"stack\":")
            node.pointee.stack.writeStatus(into: &w, now: now)
            w.append("}")
        }
    }
}

/// A named scratch buffer for what the node writes as text or CBOR before it goes into a response
/// (`/sys/tasks`, `/sys/net`, `/risk` as text, `/config`): the handler writes the whole body here
/// and the response keeps the requested Block2 window. Static rather than on the stack, where the
/// chip's tasks share one 16 KiB reserve. Only the network task's handlers use it, one at a time.
public enum ReportMemory {
    public static let capacity = 2048
    nonisolated(unsafe) static var buffer = InlineArray<2048, UInt8>(repeating: 0)

    /// Writes a body with `body` and passes it to `response`; false (and nothing written) when it
    /// did not fit.
    static func write(_ response: inout ResponseWriter, _ body: (inout ByteWriter) -> Void) -> Bool {
        withUnsafeMutableBytes(of: &buffer) { raw in
            var writer = ByteWriter(raw)
            body(&writer)
            guard !writer.overflowed else { return false }
            response.payload(writer.written)
            return true
        }
    }

    /// A report as the whole response: 2.05, or 5.00 when it did not fit.
    static func respond(_ response: inout ResponseWriter, _ body: (inout ByteWriter) -> Void) -> Outcome {
        .respond(write(&response, body) ? .content : .internalServerError)
    }
}
