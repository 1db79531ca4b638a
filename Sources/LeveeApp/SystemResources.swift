import LeveeBase
import LeveeCoAP
import LeveeScheduler

/// `/sys/…`: what the node is, how long it has run, its task set and its network. (`/sys/coap` is
/// the server's own.)
public struct SystemResources: ResourceTable {
    /// When the node started.
    public var bootTime: Instant
    /// What `/sys/net` reports (the board's network driver says, at start).
    public var network: NetworkStatusSource = .none

    public init(bootTime: Instant) { self.bootTime = bootTime }

    public enum Resource: Int, Sendable {
        case uptime
        case firmware
        case tasks
        case net

        public static let last = Resource.net
    }

    public var resourceCount: Int { Resource.last.rawValue + 1 }

    public func descriptor(of resource: Int) -> ResourceDescriptor {
        let text = ContentFormats(ContentFormat.textPlain)
        switch Resource(rawValue: resource) {
        case .uptime:
            return ResourceDescriptor("/sys/uptime", methods: .get, rt: "levee.uptime", if: "core.rp", formats: text)
        case .firmware:
            return ResourceDescriptor("/sys/firmware", methods: .get, rt: "levee.firmware", if: "core.rp", formats: text)
        case .tasks:
            return ResourceDescriptor("/sys/tasks", methods: .get, rt: "levee.tasks", if: "core.rp", formats: text)
        case .net:
            return ResourceDescriptor("/sys/net", methods: .get, rt: "levee.net", if: "core.rp",
                                      formats: ContentFormats(ContentFormat.json))
        case nil:
            return .absent
        }
    }

    public mutating func handle(_ request: Request, response: inout ResponseWriter) -> Outcome {
        switch Resource(rawValue: request.resource) {
        case .uptime:
            response.payload(decimal: Int64(bitPattern: request.now.since(bootTime).microseconds / 1_000_000))
            return .respond(.content)
        case .firmware:
            response.payload(NodeIdentity.firmwareName)
            return .respond(.content)
        case .tasks:
            // The static analysis (derived ceilings, blocking, response times) with measured maxima.
            return ReportMemory.respond(&response) { ResponseTimeAnalysis<NodeTasks>.writeRunning(into: &$0) }
        case .net:
            let now = request.now
            return ReportMemory.respond(&response) { network.write(into: &$0, now: now) }
        case nil:
            return .respond(.notFound)
        }
    }
}
