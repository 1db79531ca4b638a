import LeveeBase
import LeveeCoAP

/// The node as a board sees it: a datagram service (the CoAP server over the node's resources).
public typealias NodeService = CoAPServer<NodeResources>

extension CoAPServer where Resources == NodeResources {
    /// A node that started at `bootTime`; `seed` (from the board's entropy) picks message IDs and
    /// retransmission jitter. Always inlined, so the caller builds the service in
    /// place: an init call of its own would build it in its frame and copy it (twice the stack).
    @inline(__always)
    public init(bootTime: Instant, seed: UInt32 = 0x4C45_5645) {
        self.init(resources: NodeResources(bootTime: bootTime), seed: seed)
    }

    /// The operator's observe setting (`/config`, kept with the application's configuration) in
    /// the server's: taken before every batch of requests, so a change made by one request holds
    /// from the next, and the stored one from the first.
    @inline(__always)
    public mutating func adoptObserveConfiguration() {
        // Through stored properties only: `resources.levee` would copy the whole group.
        let seconds = resources.groups.second.first.monitor.config.observeMaxIntervalSeconds
        configuration.observeMaxInterval = .seconds(UInt64(widening: seconds))
    }
}
