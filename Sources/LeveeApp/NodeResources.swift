import LeveeBase
import LeveeCoAP
import LeveeOTA

/// The node's CoAP resources: a chain of groups, one per area, each a `ResourceTable` in its own
/// file with its state, descriptors and handlers (see `JoinedResources`). `/.well-known/core` lists
/// them in this order; the server adds `/.well-known/core` and `/sys/coap` itself.
///
/// To add an area: write its group (an enum `Resource` of its paths, a `switch` for descriptors and
/// one for handlers, so the table costs flash, not RAM), then add it to `Groups` and to `init`.
public struct NodeResources: ResourceTable {
    public typealias Groups = JoinedResources<SystemResources, JoinedResources<SlotResources, TestResources>>

    public var groups: Groups

    @inline(__always)
    public init(bootTime: Instant) {
        groups = Groups(SystemResources(bootTime: bootTime), JoinedResources(SlotResources(), TestResources()))
    }

    /// When the node started, for `/sys/uptime` and the test ticker.
    public var bootTime: Instant {
        get { groups.first.bootTime }
        set {
            groups.first.bootTime = newValue
            groups.second.first.bootTime = newValue
            groups.second.second.bootTime = newValue
        }
    }

    public var system: SystemResources { groups.first }
    public var test: TestResources { groups.second.second }
    /// The module slot (`/slot…`).
    public var slot: SlotResources { groups.second.first }

    /// Gives the slot the board's flash and starts it (README, "Slots and push").
    public mutating func startSlot(flash: NodeFlash, provisioning keys: NodeTrustedKeys) {
        groups.second.first.slots.flash = flash
        groups.second.first.slots.start(provisioning: keys)
    }

    public var resourceCount: Int { groups.resourceCount }
    public func descriptor(of resource: Int) -> ResourceDescriptor { groups.descriptor(of: resource) }
    public mutating func handle(_ request: Request, response: inout ResponseWriter) -> Outcome {
        groups.handle(request, response: &response)
    }
    public func nextChange(of resource: Int, after now: Instant) -> Instant? {
        groups.nextChange(of: resource, after: now)
    }
}

/// What the node says it is.
public enum NodeIdentity {
    public static let firmwareName: StaticString = "levee-node 0.1"
}
