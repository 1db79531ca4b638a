import LeveeBase
import LeveeCoAP

/// The node's CoAP resources: one `Resource` case per entry, its descriptor and its handler in a
/// `switch` each, so the table costs flash, not RAM. To add a resource, add a case (before `last`
/// moves, keep `last` the final one), a descriptor and a handler branch. The server adds
/// `/.well-known/core` and `/sys/coap` itself.
public struct NodeResources: ResourceTable {
    /// When the node started, for `/sys/uptime` and the ticker.
    public var bootTime: Instant
    public var test = TestResources()

    public init(bootTime: Instant) { self.bootTime = bootTime }

    /// The table, in the order `/.well-known/core` lists it.
    public enum Resource: Int, Sendable {
        case uptime
        case firmware
        case testBlob
        case testTicker
        case testStore
        case testUpload
        case testCounter
        case testSlow

        public static let last = Resource.testSlow
    }

    public var resourceCount: Int { Resource.last.rawValue + 1 }

    public func descriptor(of resource: Int) -> ResourceDescriptor {
        let text = ContentFormats(ContentFormat.textPlain)
        switch Resource(rawValue: resource) {
        case .uptime:
            return ResourceDescriptor("/sys/uptime", methods: .get, rt: "levee.uptime", if: "core.rp", formats: text)
        case .firmware:
            return ResourceDescriptor("/sys/firmware", methods: .get, rt: "levee.firmware", if: "core.rp", formats: text)
        case .testBlob:
            return ResourceDescriptor("/test/blob", methods: .get, rt: "levee.test.blob", if: "core.rp",
                                      formats: text, sizeHint: UInt32(TestResources.blobLength))
        case .testTicker:
            return ResourceDescriptor("/test/ticker", methods: .get, rt: "levee.test.ticker", if: "core.s",
                                      formats: text, observable: true)
        case .testStore:
            return ResourceDescriptor("/test/store", methods: .all, rt: "levee.test.store", if: "core.p",
                                      formats: text, accepts: ContentFormats(ContentFormat.textPlain, ContentFormat.octetStream),
                                      observable: true, maxBody: 64)
        case .testUpload:
            return ResourceDescriptor("/test/upload", methods: .get | .put | .post, rt: "levee.test.upload", if: "core.p",
                                      formats: text, accepts: ContentFormats(ContentFormat.octetStream, ContentFormat.textPlain),
                                      maxBody: TestResources.uploadLimit)
        case .testCounter:
            return ResourceDescriptor("/test/counter", methods: .get | .post, rt: "levee.test.counter", if: "core.p",
                                      formats: text, accepts: ContentFormats(ContentFormat.textPlain, ContentFormat.octetStream))
        case .testSlow:
            return ResourceDescriptor("/test/slow", methods: .get, rt: "levee.test.slow", if: "core.rp", formats: text)
        case nil:
            return ResourceDescriptor("", methods: Methods(bits: 0), formats: .none)
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
        case .testBlob:
            return .respond(TestResources.blob(&response))
        case .testTicker:
            response.payload(decimal: Int64(bitPattern: TestResources.ticks(request.now, since: bootTime)))
            response.maxAge = 1
            return .respond(.content)
        case .testStore:
            return .respond(test.store(request, &response))
        case .testUpload:
            return .respond(test.upload(request, &response))
        case .testCounter:
            return .respond(test.counter(request, &response))
        case .testSlow:
            // A fresh request waits 200 ms: the server sends an empty ACK, then a separate response.
            guard request.message == nil else { return .later(request.now + .milliseconds(200)) }
            response.payload("slow")
            return .respond(.content)
        case nil:
            return .respond(.notFound)
        }
    }

    public func nextChange(of resource: Int, after now: Instant) -> Instant? {
        switch Resource(rawValue: resource) {
        case .testTicker: return TestResources.nextTick(after: now, since: bootTime)
        default: return nil
        }
    }
}

/// What the node says it is.
public enum NodeIdentity {
    public static let firmwareName: StaticString = "levee-node 0.1"
}
