import LeveeBase

/// Two resource tables served as one: `first`'s resources, then `second`'s. The node's table is a
/// chain of these, one group per area (system, network, levee, slot, test), so each area keeps
/// its resources, state and handlers in its own file. Handlers see their group's own index in
/// `Request.resource`; `secondOffset` turns it back into the server's index (for
/// `CoAPServer.resourceChanged`). Everything is specialised: no existentials, no tables in RAM.
public struct JoinedResources<First: ResourceTable, Second: ResourceTable>: ResourceTable {
    public var first: First
    public var second: Second

    @inline(__always)
    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    /// The server's index of `second`'s resource 0.
    public var secondOffset: Int { first.resourceCount }

    public var resourceCount: Int { first.resourceCount + second.resourceCount }

    public func descriptor(of resource: Int) -> ResourceDescriptor {
        resource < secondOffset ? first.descriptor(of: resource) : second.descriptor(of: resource - secondOffset)
    }

    public mutating func handle(_ request: Request, response: inout ResponseWriter) -> Outcome {
        guard request.resource >= secondOffset else { return first.handle(request, response: &response) }
        var local = request
        local.resource -= secondOffset
        return second.handle(local, response: &response)
    }

    public func nextChange(of resource: Int, after now: Instant) -> Instant? {
        resource < secondOffset ? first.nextChange(of: resource, after: now)
            : second.nextChange(of: resource - secondOffset, after: now)
    }
}
