import LeveeBase
import LeveeCoAP

/// The node's CoAP resources. Later issues add channels, risk, history, slot and configuration.
public struct NodeResources: ResourceTable {
    /// When the node started, for `/sys/uptime`.
    public var bootTime: Instant

    public init(bootTime: Instant) { self.bootTime = bootTime }

    /// The table, in the order `/.well-known/core` lists it.
    enum Resource: Int {
        case uptime
        case firmware
    }

    public var resourceCount: Int { Resource.firmware.rawValue + 1 }   // the last case

    public func path(of resource: Int) -> StaticString {
        switch Resource(rawValue: resource) {
        case .uptime: return "/sys/uptime"
        case .firmware: return "/sys/firmware"
        case nil: return ""
        }
    }

    public func linkAttributes(of resource: Int) -> StaticString {
        switch Resource(rawValue: resource) {
        case .uptime: return ";rt=\"levee.uptime\";if=\"core.rp\";ct=0"
        case .firmware: return ";rt=\"levee.firmware\";if=\"core.rp\";ct=0"
        case nil: return ""
        }
    }

    public mutating func handle(resource: Int, request: MessageView, response: inout ResponseWriter,
                                at now: Instant) -> Code {
        guard request.code == .get else { return .methodNotAllowed }
        switch Resource(rawValue: resource) {
        case .uptime:
            response.option(OptionNumber.contentFormat, uint: UInt32(ContentFormat.textPlain))
            response.payload(decimal: Int64(bitPattern: now.since(bootTime).microseconds / 1_000_000))
            return .content
        case .firmware:
            response.option(OptionNumber.contentFormat, uint: UInt32(ContentFormat.textPlain))
            response.payload(NodeIdentity.firmwareName)
            return .content
        case nil:
            return .notFound
        }
    }
}

/// What the node says it is.
public enum NodeIdentity {
    public static let firmwareName: StaticString = "levee-node 0.1"
}
