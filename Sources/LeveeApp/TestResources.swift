import LeveeBase
import LeveeCoAP

/// Resources that exist so a CoAP peer can exercise the server end to end (interop tests, load):
/// a 5 KiB block-wise download, an observable ticker, a small read-write value, a Block1 upload
/// sink and a counter of handler runs. Small on purpose: 80 bytes of RAM.
public struct TestResources: ResourceTable {
    /// The blob's length: five 1 KiB blocks, or 320 blocks of 16 bytes.
    public static let blobLength = 5120
    /// The ticker's value changes this often.
    public static let tickerPeriod = Interval.milliseconds(100)
    /// The largest upload `/test/upload` takes (bigger is 4.13 with Size1).
    public static let uploadLimit: UInt32 = 32768
    /// The read-write value's capacity.
    public typealias StoreBytes = InlineArray<64, UInt8>

    var store = StoreBytes(repeating: 0)
    var storeLength: UInt8 = 0
    var storeExists = true
    /// Handler runs of POST /test/counter (a deduplicated retransmission must not add one).
    public private(set) var counterRuns: UInt32 = 0
    /// The upload in progress and the last complete one: length and FNV-1a hash.
    var uploadLength: UInt32 = 0
    var uploadHash: UInt32 = 0
    var completedLength: UInt32 = 0
    var completedHash: UInt32 = 0

    /// The ticker counts periods since then.
    public var bootTime: Instant = .zero

    public init() {}

    public enum Resource: Int, Sendable {
        case blob
        case ticker
        case store
        case upload
        case counter
        case slow

        public static let last = Resource.slow
    }

    public var resourceCount: Int { Resource.last.rawValue + 1 }

    public func descriptor(of resource: Int) -> ResourceDescriptor {
        let text = ContentFormats(ContentFormat.textPlain)
        switch Resource(rawValue: resource) {
        case .blob:
            return ResourceDescriptor("/test/blob", methods: .get, rt: "levee.test.blob", if: "core.rp",
                                      formats: text, sizeHint: UInt32(Self.blobLength))
        case .ticker:
            return ResourceDescriptor("/test/ticker", methods: .get, rt: "levee.test.ticker", if: "core.s",
                                      formats: text, observable: true)
        case .store:
            return ResourceDescriptor("/test/store", methods: .all, rt: "levee.test.store", if: "core.p",
                                      formats: text, accepts: ContentFormats(ContentFormat.textPlain, ContentFormat.octetStream),
                                      observable: true, maxBody: 64)
        case .upload:
            return ResourceDescriptor("/test/upload", methods: .get | .put | .post, rt: "levee.test.upload", if: "core.p",
                                      formats: text, accepts: ContentFormats(ContentFormat.octetStream, ContentFormat.textPlain),
                                      maxBody: Self.uploadLimit)
        case .counter:
            return ResourceDescriptor("/test/counter", methods: .get | .post, rt: "levee.test.counter", if: "core.p",
                                      formats: text, accepts: ContentFormats(ContentFormat.textPlain, ContentFormat.octetStream))
        case .slow:
            return ResourceDescriptor("/test/slow", methods: .get, rt: "levee.test.slow", if: "core.rp", formats: text)
        case nil:
            return .absent
        }
    }

    public mutating func handle(_ request: Request, response: inout ResponseWriter) -> Outcome {
        switch Resource(rawValue: request.resource) {
        case .blob:
            return .respond(Self.blob(&response))
        case .ticker:
            response.payload(decimal: Int64(bitPattern: Self.ticks(request.now, since: bootTime)))
            response.maxAge = 1
            return .respond(.content)
        case .store:
            return .respond(store(request, &response))
        case .upload:
            return .respond(upload(request, &response))
        case .counter:
            return .respond(counter(request, &response))
        case .slow:
            // A fresh request waits 200 ms: the server sends an empty ACK, then a separate response.
            guard request.message == nil else { return .later(request.now + .milliseconds(200)) }
            response.payload("slow")
            return .respond(.content)
        case nil:
            return .respond(.notFound)
        }
    }

    public func nextChange(of resource: Int, after now: Instant) -> Instant? {
        Resource(rawValue: resource) == .ticker ? Self.nextTick(after: now, since: bootTime) : nil
    }

    /// Byte `i` of the blob: 63 letters and a newline per 64-byte line, each line shifted by one.
    public static func blobByte(_ i: Int) -> UInt8 {
        i % 64 == 63 ? 0x0A : 0x61 + UInt8(truncatingIfNeeded: (i / 64 + i % 64) % 26)
    }

    static func blob(_ response: inout ResponseWriter) -> Code {
        var line = InlineArray<64, UInt8>(repeating: 0)
        for start in stride(from: 0, to: blobLength, by: 64) {
            for i in 0..<64 { line[i] = blobByte(start + i) }
            withUnsafeBytes(of: line) { response.payload($0) }
        }
        return .content
    }

    /// The ticker's value: periods since boot.
    static func ticks(_ now: Instant, since boot: Instant) -> UInt64 {
        now.since(boot).microseconds / tickerPeriod.microseconds
    }

    static func nextTick(after now: Instant, since boot: Instant) -> Instant {
        boot + Interval(microseconds: (ticks(now, since: boot) + 1) * tickerPeriod.microseconds)
    }

    mutating func store(_ request: Request, _ response: inout ResponseWriter) -> Code {
        switch request.method {
        case .get:
            guard storeExists else { return .notFound }
            withUnsafeBytes(of: store) { response.payload(UnsafeRawBufferPointer(rebasing: $0[0..<Int(storeLength)])) }
            return .content
        case .put:
            let created = !storeExists
            storeLength = 0
            storeExists = true
            append(request.body)
            return created ? .created : .changed
        case .post:
            guard Int(storeLength) + request.body.count <= store.count else { return .requestEntityTooLarge }
            storeExists = true
            append(request.body)
            return .changed
        case .delete:
            storeExists = false
            storeLength = 0
            return .deleted
        }
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes where Int(storeLength) < store.count {
            store[Int(storeLength)] = byte
            storeLength += 1
        }
    }

    mutating func upload(_ request: Request, _ response: inout ResponseWriter) -> Code {
        if request.method == .get {
            response.payload(decimal: completedLength)
            response.payload(" ")
            response.payload(hex: completedHash)
            return .content
        }
        if request.bodyOffset == 0 {
            uploadLength = 0
            uploadHash = 0x811C_9DC5
        }
        for byte in request.body { uploadHash = (uploadHash ^ UInt32(byte)) &* 0x0100_0193 }
        uploadLength &+= UInt32(truncatingIfNeeded: request.body.count)
        guard request.bodyIsLast else { return .changed }
        completedLength = uploadLength
        completedHash = uploadHash
        return request.method == .post ? .created : .changed
    }

    mutating func counter(_ request: Request, _ response: inout ResponseWriter) -> Code {
        if request.method == .post { counterRuns &+= 1 }
        response.payload(decimal: counterRuns)
        return request.method == .post ? .changed : .content
    }
}
