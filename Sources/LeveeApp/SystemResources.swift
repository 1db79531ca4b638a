import LeveeBase
import LeveeCoAP

/// `/sys/…`: what the node is and how long it has run. (`/sys/coap` is the server's own.)
public struct SystemResources: ResourceTable {
    /// When the node started.
    public var bootTime: Instant

    public init(bootTime: Instant) { self.bootTime = bootTime }

    public enum Resource: Int, Sendable {
        case uptime
        case firmware

        public static let last = Resource.firmware
    }

    public var resourceCount: Int { Resource.last.rawValue + 1 }

    public func descriptor(of resource: Int) -> ResourceDescriptor {
        let text = ContentFormats(ContentFormat.textPlain)
        switch Resource(rawValue: resource) {
        case .uptime:
            return ResourceDescriptor("/sys/uptime", methods: .get, rt: "levee.uptime", if: "core.rp", formats: text)
        case .firmware:
            return ResourceDescriptor("/sys/firmware", methods: .get, rt: "levee.firmware", if: "core.rp", formats: text)
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
        case nil:
            return .respond(.notFound)
        }
    }
}
