import LeveeBase
import LeveeCoAP

/// The node as a board sees it: a datagram service (the CoAP server over the node's resources).
public typealias NodeService = CoAPServer<NodeResources>

extension CoAPServer where Resources == NodeResources {
    /// A node that started at `bootTime`.
    public init(bootTime: Instant) {
        self.init(resources: NodeResources(bootTime: bootTime))
    }
}
