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
    public typealias Groups = JoinedResources<SystemResources, JoinedResources<LeveeResources, JoinedResources<SlotResources, TestResources>>>

    public var groups: Groups

    @inline(__always)
    public init(bootTime: Instant) {
        var levee = LeveeResources()
        levee.bootTime = bootTime
        groups = Groups(SystemResources(bootTime: bootTime), JoinedResources(levee, JoinedResources(SlotResources(), TestResources())))
    }

    /// When the node started, for `/sys/uptime`, field time and the test ticker.
    public var bootTime: Instant {
        get { groups.first.bootTime }
        set {
            groups.first.bootTime = newValue
            groups.second.first.bootTime = newValue
            groups.second.second.second.bootTime = newValue
        }
    }

    public var system: SystemResources { groups.first }
    public var test: TestResources { groups.second.second.second }
    /// The application: monitor, risk, configuration.
    public var levee: LeveeResources { groups.second.first }
    /// The application's group in place (no copy of the monitor, no accessor coroutine).
    @inline(__always)
    public mutating func withLevee<R>(_ body: (inout LeveeResources) -> R) -> R { body(&groups.second.first) }

    /// The server's index of the levee group's resource `resource` (for `resourceChanged`).
    public var leveeOffset: Int { groups.secondOffset }
    public func index(ofSensor channel: Channel) -> Int { leveeOffset + LeveeResources.sensor(channel) }
    public var riskIndex: Int { leveeOffset + LeveeResources.Resource.risk.rawValue }
    public var sensorsIndex: Int { leveeOffset + LeveeResources.Resource.sensors.rawValue }

    /// The module slot (`/slot…`).
    public var slot: SlotResources { groups.second.second.first }

    /// Gives the slot the board's flash and starts it (README, "Slots and push").
    public mutating func startSlot(flash: NodeFlash, provisioning keys: NodeTrustedKeys) {
        groups.second.second.first.slots.flash = flash
        groups.second.second.first.slots.start(provisioning: keys)
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
