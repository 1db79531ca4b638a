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
}
