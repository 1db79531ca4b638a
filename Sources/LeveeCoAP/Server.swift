import LeveeBase

/// The CoAP server: RFC 7252 messaging with deduplication and retransmission, Observe (RFC 7641),
/// Block-wise transfers (RFC 7959) and `/.well-known/core` (RFC 6690) over a static resource table.
///
/// Everything is fixed-size state inside this struct (see `CoAPLimits`): no allocation, no
/// callbacks. A board calls `receive` per datagram and `nextOutgoing` until nil after every event,
/// and wakes up at `nextDeadline` (`DatagramService`).
public struct CoAPServer<Resources: ResourceTable>: DatagramService {
    public var resources: Resources
    public var configuration: CoAPConfiguration
    /// Stored, not computed: a getter on a struct this size copies it (see `nextDeadline`).
    public private(set) var counters = CoAPCounters()
    private var random: CoAPRandom
    private var nextMessageID: UInt16
    /// The Observe sequence number (24 bits), shared by all observers.
    private var observeSequence: UInt32 = 0
    private var dedup = DedupCache()
#if hasFeature(Embedded)
    /// On the chip the table is `ObserverPool`'s static storage, outside the struct (see there).
    private var observers: CoAPLimits.ObserverTable<Observer> {
        unsafeAddress { UnsafePointer(ObserverPool.table) }
        nonmutating unsafeMutableAddress { ObserverPool.table }
    }
#else
    private var observers = CoAPLimits.ObserverTable<Observer>(repeating: Observer())
#endif
    private var uploads = CoAPLimits.UploadTable<Upload>(repeating: Upload())
    private var separates = CoAPLimits.SeparateResponseTable<SeparateResponse>(repeating: SeparateResponse())

    /// `seed` drives message IDs and retransmission jitter; a board passes some entropy.
    @inline(__always)
    public init(resources: Resources, seed: UInt32 = 0x4C45_5645, configuration: CoAPConfiguration = CoAPConfiguration()) {
        self.resources = resources
        self.configuration = configuration
        random = CoAPRandom(seed: seed)
        nextMessageID = UInt16(truncatingIfNeeded: random.next())
    }

    // MARK: - DatagramService

    public mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Endpoint, at now: Instant,
                                 reply: inout ByteWriter) -> Bool {
        let request: MessageView
        do throws(ParseError) {
            request = try MessageView.parse(datagram)
        } catch {
            counters.malformed &+= 1
            // A malformed CON is rejected with RST (§4.2); everything else is silently dropped.
            guard error != .truncatedHeader, error != .unsupportedVersion,
                  datagram[0] >> 4 & 0x3 == MessageType.confirmable.rawValue else { return false }
            return reset(messageID: UInt16(datagram[2]) << 8 | UInt16(datagram[3]), into: &reply)
        }

        switch request.type {
        case .acknowledgement:
            acknowledged(request.messageID, from: source)
            return false
        case .reset:
            counters.resetsReceived &+= 1
            rejected(request.messageID, from: source)
            return false
        case .confirmable, .nonConfirmable:
            break
        }
        guard request.code.isRequest else {
            // An empty CON is a ping and a CON response is unsolicited: both get RST (§4.2, §4.3).
            // Their NON counterparts are ignored.
            counters.ignored &+= 1
            return request.type == .confirmable ? reset(messageID: request.messageID, into: &reply) : false
        }
        let confirmable = request.type == .confirmable
        switch dedup.lookup(source, messageID: request.messageID, at: now) {
        case .repeatedConfirmable(let index):
            counters.duplicates &+= 1
            dedup.replay(index, into: &reply)
            return reply.count > 0
        case .repeatedNonConfirmable:
            counters.duplicatesIgnored &+= 1
            return false
        case .new:
            break
        }
        counters.requests &+= 1
        let answered = respond(to: request, from: source, at: now, into: &reply)
        dedup.remember(source, messageID: request.messageID, confirmable: confirmable,
                       response: answered && confirmable ? reply.written : UnsafeRawBufferPointer(start: nil, count: 0),
                       at: now)
        counters.dedupEvictions = dedup.evictions
        return answered
    }

    public mutating func nextOutgoing(at now: Instant, into message: inout ByteWriter) -> Endpoint? {
        expireUploads(at: now)
        // Retransmissions (and giving up) first: they are the oldest obligations.
        for i in 0..<observers.count where observers[i].inUse {
            guard let pending = observers[i].retransmission, pending.nextAt <= now else { continue }
            guard pending.attempts < CoAPTiming.maxRetransmit else {
                counters.notificationsLost &+= 1
                removeObserver(i)
                continue
            }
            observers[i].retransmission = Retransmission(
                messageID: pending.messageID, attempts: pending.attempts + 1,
                timeout: pending.timeout + pending.timeout, nextAt: now + pending.timeout + pending.timeout)
            counters.retransmissions &+= 1
            if notify(i, type: .confirmable, messageID: pending.messageID, sequence: observers[i].sequence,
                      at: now, into: &message) {
                return observers[i].endpoint
            }
        }
        for i in 0..<separates.count where separates[i].inUse {
            guard let pending = separates[i].retransmission, pending.nextAt <= now else { continue }
            guard pending.attempts < CoAPTiming.maxRetransmit else {
                counters.notificationsLost &+= 1
                separates[i].inUse = false
                continue
            }
            separates[i].retransmission = Retransmission(
                messageID: pending.messageID, attempts: pending.attempts + 1,
                timeout: pending.timeout + pending.timeout, nextAt: now + pending.timeout + pending.timeout)
            counters.retransmissions &+= 1
            if sendSeparate(i, messageID: pending.messageID, at: now, into: &message) {
                return separates[i].endpoint
            }
        }
        // Notifications that are due.
        for i in 0..<observers.count where observers[i].inUse && observers[i].retransmission == nil
            && observers[i].dueAt <= now {
            let endpoint = observers[i].endpoint
            var type = MessageType.nonConfirmable
            if observers[i].sinceConfirmable == Observer.mustConfirm {
                // A change the app marked confirmable (an alarm): CON, and under NSTART 1 it waits
                // for the CON in flight to that client rather than going out as NON.
                if let busy = outstandingDeadline(to: endpoint) {
                    observers[i].dueAt = busy
                    continue
                }
                type = .confirmable
            } else if observers[i].sinceConfirmable &+ 1 >= configuration.confirmableEvery && !confirmableOutstanding(to: endpoint) {
                type = .confirmable   // NSTART 1: only when nothing else of ours awaits an ACK there
            }
            let messageID = takeMessageID()
            observeSequence = (observeSequence &+ 1) & 0xFF_FFFF
            if notify(i, type: type, messageID: messageID, sequence: observeSequence, at: now, into: &message) {
                return endpoint
            }
        }
        // Separate responses whose handler is ready.
        for i in 0..<separates.count where separates[i].inUse && separates[i].retransmission == nil
            && separates[i].readyAt <= now {
            if separates[i].confirmable, let busy = outstandingDeadline(to: separates[i].endpoint) {
                separates[i].readyAt = busy   // NSTART 1: after the CON in flight is done
                continue
            }
            let messageID = takeMessageID()
            if sendSeparate(i, messageID: messageID, at: now, into: &message) {
                return separates[i].endpoint
            }
        }
        return nil
    }

    public mutating func nextDeadline() -> Instant? {
        var earliest = Instant(microseconds: UInt64.max)
        for i in 0..<observers.count where observers[i].inUse {
            earliest = min(earliest, observers[i].retransmission?.nextAt ?? observers[i].dueAt)
        }
        for i in 0..<separates.count where separates[i].inUse {
            earliest = min(earliest, separates[i].retransmission?.nextAt ?? separates[i].readyAt)
        }
        for i in 0..<uploads.count where uploads[i].inUse { earliest = min(earliest, uploads[i].expires) }
        return earliest.microseconds == UInt64.max ? nil : earliest
    }

    /// Tells the server that an observable resource changed: its observers are notified at once.
    /// `confirmable` makes that notification CON whatever the pacing (an alarm the client must be
    /// known to have received, RFC 7641 §4.5); it is retransmitted until acknowledged.
    public mutating func resourceChanged(_ resource: Int, confirmable: Bool = false) {
        for i in 0..<observers.count where observers[i].inUse && observers[i].resource == Int32(truncatingIfNeeded: resource) {
            observers[i].dueAt = Instant.zero
            if confirmable { observers[i].sinceConfirmable = Observer.mustConfirm }
        }
    }

    // MARK: - Requests

    /// The server's own resources, listed before the table's.
    private enum Target: Equatable {
        case discovery
        case status
        case table(Int)
    }

    private mutating func descriptor(of target: Target) -> ResourceDescriptor {
        switch target {
        case .discovery:
            return ResourceDescriptor("/.well-known/core", methods: .get, formats: ContentFormats(ContentFormat.linkFormat))
        case .status:
            return ResourceDescriptor("/sys/coap", methods: .get, rt: "levee.coap", if: "core.rp",
                                      formats: ContentFormats(ContentFormat.json))
        case .table(let index):
            return resources.descriptor(of: index)
        }
    }

    private mutating func route(_ request: MessageView) -> Target? {
        if pathMatches("/.well-known/core", request) { return .discovery }
        if pathMatches("/sys/coap", request) { return .status }
        return resources.match(request).map { .table($0) }
    }

    /// Answers a new request into `reply`; false when nothing is to be sent now (a NON whose
    /// response comes later).
    private mutating func respond(to request: MessageView, from source: Endpoint, at now: Instant,
                                  into reply: inout ByteWriter) -> Bool {
        var shape = Shape(type: request.type == .confirmable ? .acknowledgement : .nonConfirmable,
                          messageID: request.messageID, token: Token(request.token))
        if shape.type == .nonConfirmable { shape.messageID = takeMessageID() }

        guard firstUnknownCriticalOption(request) == nil else { return fail(.badOption, shape, into: &reply) }
        guard let method = Method(request.code) else { return fail(.methodNotAllowed, shape, into: &reply) }
        guard let target = route(request) else { return fail(.notFound, shape, into: &reply) }
        let resource = descriptor(of: target)
        guard resource.methods.contains(method) else { return fail(.methodNotAllowed, shape, into: &reply) }

        let block1 = request.block(OptionNumber.block1), block2 = request.block(OptionNumber.block2)
        guard block1 != .invalid, block2 != .invalid else { return fail(.badOption, shape, into: &reply) }
        var format = resource.formats.first
        if request.has(OptionNumber.accept) {
            guard let accept = request.uint(OptionNumber.accept), accept <= 0xFFFF,
                  resource.formats.contains(UInt16(truncatingIfNeeded: accept)) else {
                return fail(.notAcceptable, shape, into: &reply)
            }
            format = UInt16(truncatingIfNeeded: accept)
        }
        var bodyFormat: UInt16?
        if request.has(OptionNumber.contentFormat) {
            guard let value = request.uint(OptionNumber.contentFormat), value <= 0xFFFF else {
                return fail(.badOption, shape, into: &reply)
            }
            bodyFormat = UInt16(truncatingIfNeeded: value)
        }
        let hasBody = request.payload.count > 0 || block1 != .absent
        if hasBody, method == .put || method == .post, let bodyFormat, !resource.accepts.contains(bodyFormat) {
            return fail(.unsupportedContentFormat, shape, into: &reply)
        }

        // Conditional requests (RFC 7252 §5.10.8): If-Match / If-None-Match against the current
        // representation, whose ETag the handler computes in a window of zero bytes.
        if method != .get, case .table(let index) = target,
           request.has(OptionNumber.ifMatch) || request.has(OptionNumber.ifNoneMatch) {
            var probe = ResponseWriter(area: UnsafeMutableRawBufferPointer(start: nil, count: 0), windowStart: 0,
                                       windowSize: 0, contentFormat: format)
            let current = Request(resource: index, method: .get, source: source, now: now, format: format ?? 0,
                                  bodyFormat: nil, body: UnsafeRawBufferPointer(start: nil, count: 0),
                                  bodyOffset: 0, bodyIsLast: true, message: nil)
            var exists = false
            if resource.methods.contains(.get), case .respond(let code) = resources.handle(current, response: &probe) {
                exists = code == .content
            }
            let etag = probe.hash == 0 ? 1 : probe.hash
            if exists && request.has(OptionNumber.ifNoneMatch) {
                return fail(.preconditionFailed, shape, into: &reply)
            }
            if request.has(OptionNumber.ifMatch) {
                var matched = false
                request.forEach(OptionNumber.ifMatch) { value in
                    if exists && (value.count == 0 || (value.count == 4 && bigEndian(value) == etag)) { matched = true }
                }
                guard matched else { return fail(.preconditionFailed, shape, into: &reply) }
            }
        }

        // Block1 (RFC 7959 §2.5): check size and order, keep the per-client transfer state.
        var bodyOffset: UInt32 = 0
        var bodyIsLast = true
        var uploadIndex: Int?
        if hasBody && (method == .put || method == .post) {
            if let announced = request.uint(OptionNumber.size1), announced > resource.maxBody {
                shape.size1 = resource.maxBody
                return fail(.requestEntityTooLarge, shape, into: &reply)
            }
            if case .present(let block) = block1 {
                shape.block1 = BlockOption(number: block.number, more: block.more, szx: block.szx)
                if block.more && request.payload.count != block.size { return fail(.badRequest, shape, into: &reply) }
                guard block.offset <= resource.maxBody,
                      UInt32(truncatingIfNeeded: request.payload.count) <= resource.maxBody - block.offset else {
                    shape.size1 = resource.maxBody
                    return fail(.requestEntityTooLarge, shape, into: &reply)
                }
                let key = Int32(truncatingIfNeeded: targetIndex(target))
                if block.number == 0 {
                    guard let slot = startUpload(source, resource: key, at: now) else {
                        counters.tableFull &+= 1
                        shape.maxAge = CoAPTiming.retryAfterFull
                        return fail(.serviceUnavailable, shape, into: &reply)
                    }
                    uploadIndex = slot
                } else {
                    guard let slot = findUpload(source, resource: key),
                          uploads[slot].nextOffset == block.offset else {
                        return fail(.requestEntityIncomplete, shape, into: &reply)
                    }
                    uploadIndex = slot
                }
                bodyOffset = block.offset
                bodyIsLast = !block.more
            } else if UInt32(truncatingIfNeeded: request.payload.count) > resource.maxBody {
                shape.size1 = resource.maxBody
                return fail(.requestEntityTooLarge, shape, into: &reply)
            }
        }

        // Observe (RFC 7641 §3.1): 0 registers (if the response is 2.xx), 1 deregisters. With the
        // table full the request is a plain GET: the response without Observe tells the client it
        // is not registered (§4.1), and it still gets the representation.
        var register = false
        if method == .get, resource.observable, let observe = request.uint(OptionNumber.observe) {
            var blockNumber: UInt32 = 0
            if case .present(let block) = block2 { blockNumber = block.number }
            if observe == 0 && blockNumber == 0 {
                if findObserver(source, shape.token) != nil || freeObserver() != nil {
                    register = true
                } else {
                    counters.observeRefused &+= 1
                }
            } else if observe == 1, let index = findObserver(source, shape.token) {
                removeObserver(index)
            }
        }

        // Block2 (RFC 7959 §2.4): the window of the representation this response carries.
        if case .present(let block) = block2 { shape.block2 = block }
        shape.wantSize2 = request.has(OptionNumber.size2)
        shape.request = request

        var writer = window(in: reply.buffer, block2: shape.block2, format: format)
        let handlerRequest = Request(resource: targetIndex(target), method: method, source: source, now: now,
                                     format: format ?? 0, bodyFormat: bodyFormat,
                                     body: request.payload, bodyOffset: bodyOffset, bodyIsLast: bodyIsLast,
                                     message: request)
        let outcome: Outcome
        switch target {
        case .discovery: outcome = .respond(discovery(LinkFilter(request), into: &writer))
        case .status:
            let snapshot = counters
            snapshot.write(into: &writer)
            outcome = .respond(.content)
        case .table: outcome = resources.handle(handlerRequest, response: &writer)
        }

        switch outcome {
        case .later(let readyAt):
            guard method == .get, let slot = freeSeparate() else {
                counters.tableFull &+= 1
                shape.maxAge = CoAPTiming.retryAfterFull
                return fail(.serviceUnavailable, shape, into: &reply)
            }
            separates[slot] = SeparateResponse(endpoint: source, token: shape.token,
                                               resource: Int32(truncatingIfNeeded: targetIndex(target)),
                                               format: format ?? 0, confirmable: request.type == .confirmable,
                                               inUse: true, readyAt: readyAt, retransmission: nil)
            counters.separateResponses &+= 1
            guard request.type == .confirmable else { return false }
            // The empty ACK: the response follows as a CON of its own.
            var builder = MessageBuilder(reply.buffer)
            builder.header(type: .acknowledgement, code: .empty, messageID: request.messageID,
                           token: UnsafeRawBufferPointer(start: nil, count: 0))
            reply = builder.writer
            return true
        case .respond(var code):
            if let index = uploadIndex {
                if code.codeClass != 2 || bodyIsLast {
                    uploads[index].inUse = false
                    if code.codeClass == 2 { counters.block1Transfers &+= 1 }
                } else {
                    uploads[index].nextOffset = bodyOffset &+ UInt32(truncatingIfNeeded: request.payload.count)
                    uploads[index].expires = now + CoAPTiming.blockTransferTimeout
                    code = .continue
                }
            }
            if code.codeClass == 2, method != .get, resource.observable, case .table(let index) = target {
                resourceChanged(index)
            }
            if register && code.codeClass == 2 {
                observeSequence = (observeSequence &+ 1) & 0xFF_FFFF
                shape.observe = observeSequence
                let slot = findObserver(source, shape.token) ?? freeObserver() ?? 0
                if !observers[slot].inUse {
                    counters.observers &+= 1
                }
                counters.observeRegistrations &+= 1
                var szx = CoAPLimits.maxBlockSZX
                if let block = shape.block2 { szx = min(block.szx, szx) }
                observers[slot] = Observer(endpoint: source, token: shape.token,
                                           resource: Int32(truncatingIfNeeded: targetIndex(target)),
                                           format: format ?? 0, szx: szx, lastMessageID: shape.messageID,
                                           sequence: observeSequence, dueAt: nextDue(targetIndex(target), at: now))
            }
            shape.code = code
            reply = compose(shape, writer, into: reply.buffer)
            return true
        }
    }

    private mutating func targetIndex(_ target: Target) -> Int {
        switch target {
        case .discovery: return -1
        case .status: return -2
        case .table(let index): return index
        }
    }

    /// `/.well-known/core` (RFC 6690): the server's resources and the table's, filtered by query.
    private mutating func discovery(_ filter: LinkFilter?, into writer: inout ResponseWriter) -> Code {
        var first = true
        let status = descriptor(of: .status)
        if filter?.matches(status) ?? true {
            writeLink(status, first: first, into: &writer)
            first = false
        }
        for index in 0..<resources.resourceCount {
            let resource = resources.descriptor(of: index)
            guard filter?.matches(resource) ?? true else { continue }
            writeLink(resource, first: first, into: &writer)
            first = false
        }
        return .content
    }

    // MARK: - Responses

    /// Everything about a response but its payload.
    struct Shape {
        var type: MessageType
        var code = Code.content
        var messageID: UInt16
        var token: Token
        var observe: UInt32?
        /// The Block2 block the client asked for (nil: the whole representation if it fits).
        var block2: BlockOption?
        var block1: BlockOption?
        var size1: UInt32?
        var maxAge: UInt32?
        var wantSize2 = false
        /// The request, for its ETag options (a match turns 2.05 into 2.03).
        var request: MessageView?

        init(type: MessageType, messageID: UInt16, token: Token) {
            self.type = type
            self.messageID = messageID
            self.token = token
        }
    }

    /// The block size the server picks itself: the largest that fits the buffer, at most 1024.
    private mutating func automaticSZX(_ buffer: UnsafeMutableRawBufferPointer) -> UInt8 {
        let room = buffer.count - CoAPLimits.responseHeadroom
        var szx = CoAPLimits.maxBlockSZX
        while szx > 0 && 16 << Int(szx) > room { szx -= 1 }
        return szx
    }

    /// The response writer over `buffer` past the headroom, windowed onto the requested block.
    private mutating func window(in buffer: UnsafeMutableRawBufferPointer, block2: BlockOption?, format: UInt16?) -> ResponseWriter {
        let start = min(CoAPLimits.responseHeadroom, buffer.count)
        let area = UnsafeMutableRawBufferPointer(rebasing: buffer[start...])
        let automatic = automaticSZX(buffer)
        guard let block = block2 else {
            return ResponseWriter(area: area, windowStart: 0, windowSize: 16 << Int(automatic), contentFormat: format)
        }
        let szx = min(block.szx, automatic)
        let size = 16 << Int(szx)
        // A smaller block than asked keeps the byte offset (RFC 7959 §2.4): its number scales up.
        return ResponseWriter(area: area, windowStart: Int(block.number) * (16 << Int(block.szx)),
                              windowSize: size, contentFormat: format)
    }

    /// Writes header, options and the kept payload into `buffer` (the payload is already there,
    /// past the headroom, and moves down behind the options).
    private mutating func compose(_ shape: Shape, _ writer: ResponseWriter,
                                  into buffer: UnsafeMutableRawBufferPointer) -> ByteWriter {
        var code = shape.code
        var builder = MessageBuilder(buffer)
        let success = code.codeClass == 2
        var block2: BlockOption?
        var payloadCount = writer.kept
        if success && (shape.block2 != nil || writer.total > writer.windowSize) {
            let size = writer.windowSize
            let number = UInt32(truncatingIfNeeded: writer.windowStart / max(size, 16))
            let szx = UInt8(truncatingIfNeeded: size.trailingZeroBitCount - 4)
            if writer.windowStart >= writer.total && !(writer.total == 0 && number == 0) {
                code = .badOption   // a block past the end
                payloadCount = 0
            } else {
                block2 = BlockOption(number: number, more: writer.total > writer.windowStart + size, szx: szx)
            }
        } else if !success && writer.total > writer.windowSize {
            payloadCount = 0   // a diagnostic payload too long for one datagram is left out
        }
        let etag = writer.hash
        if code == .content, let request = shape.request, block2 == nil || block2?.number == 0 {
            var matched = false
            request.forEach(OptionNumber.eTag) { value in
                if value.count == 4, bigEndian(value) == etag { matched = true }
            }
            if matched {
                code = .valid
                payloadCount = 0
                block2 = nil
            }
        }
        builder.header(type: shape.type, code: code, messageID: shape.messageID, token: UnsafeRawBufferPointer(start: nil, count: 0))
        builder.writer.reset()
        shape.token.withBytes { token in builder.header(type: shape.type, code: code, messageID: shape.messageID, token: token) }
        if code == .content || code == .valid { builder.option(OptionNumber.eTag, uint: etag == 0 ? 1 : etag) }
        if code.codeClass == 2, let observe = shape.observe { builder.option(OptionNumber.observe, uint: observe) }
        if payloadCount > 0 || code == .content, let format = writer.contentFormat, code.codeClass == 2 {
            builder.option(OptionNumber.contentFormat, uint: UInt32(format))
        }
        // A handler's Max-Age: the freshness of a success, or when to retry a 5.03 (RFC 7252 §5.9.3.4).
        let handlerMaxAge = success || code == .serviceUnavailable ? writer.maxAge : nil
        if let maxAge = shape.maxAge ?? handlerMaxAge { builder.option(OptionNumber.maxAge, uint: maxAge) }
        if let block2 { builder.option(OptionNumber.block2, uint: block2.value) }
        if let block1 = shape.block1, success { builder.option(OptionNumber.block1, uint: block1.value) }
        if let block2, shape.wantSize2 || block2.number == 0 {
            builder.option(OptionNumber.size2, uint: UInt32(truncatingIfNeeded: writer.total))
        }
        if let size1 = shape.size1 { builder.option(OptionNumber.size1, uint: size1) }
        if payloadCount > 0 {
            builder.payloadMarker()
            // The payload sits at the headroom; the options end before it, so a forward copy is safe.
            let start = min(CoAPLimits.responseHeadroom, buffer.count)
            builder.writer.append(UnsafeRawBufferPointer(rebasing: buffer[start..<start + payloadCount]))
        }
        if let block2, !block2.more, block2.number > 0 { counters.block2Transfers &+= 1 }
        count(code)
        return builder.writer
    }

    /// An error response with no payload (options from `shape`: Size1, Max-Age).
    private mutating func fail(_ code: Code, _ shape: Shape, into reply: inout ByteWriter) -> Bool {
        var shape = shape
        shape.code = code
        shape.block2 = nil
        shape.observe = nil
        let empty = ResponseWriter(area: UnsafeMutableRawBufferPointer(start: nil, count: 0), windowStart: 0,
                                   windowSize: 0, contentFormat: nil)
        reply = compose(shape, empty, into: reply.buffer)
        return true
    }

    private mutating func count(_ code: Code) {
        switch code.codeClass {
        case 2: counters.responses2xx &+= 1
        case 4: counters.responses4xx &+= 1
        default: counters.responses5xx &+= 1
        }
    }

    private mutating func reset(messageID: UInt16, into reply: inout ByteWriter) -> Bool {
        var builder = MessageBuilder(reply.buffer)
        builder.header(type: .reset, code: .empty, messageID: messageID, token: UnsafeRawBufferPointer(start: nil, count: 0))
        counters.resetsSent &+= 1
        reply = builder.writer
        return true
    }

    private mutating func takeMessageID() -> UInt16 {
        defer { nextMessageID &+= 1 }
        return nextMessageID
    }

    /// The first critical option the server does not know (§5.4.1), answered 4.02.
    private mutating func firstUnknownCriticalOption(_ request: MessageView) -> UInt16? {
        for i in 0..<request.optionCount {
            let number = request.options[i].number
            guard OptionNumber.isCritical(number) else { continue }
            switch number {
            case OptionNumber.ifMatch, OptionNumber.uriHost, OptionNumber.ifNoneMatch, OptionNumber.uriPort,
                 OptionNumber.uriPath, OptionNumber.uriQuery, OptionNumber.accept, OptionNumber.block2,
                 OptionNumber.block1:
                continue
            default:
                return number
            }
        }
        return nil
    }

    // MARK: - Our own messages

    /// Writes a notification for observer `index`; false when the observation ended instead
    /// (the handler answered an error, which is sent as the final message... or not ready yet).
    private mutating func notify(_ index: Int, type: MessageType, messageID: UInt16, sequence: UInt32,
                                 at now: Instant, into message: inout ByteWriter) -> Bool {
        let observer = observers[index]
        let resource = Int(observer.resource)
        var writer = window(in: message.buffer, block2: nil, format: observer.format)
        let size = 16 << Int(observer.szx)
        if size < writer.windowSize { writer = ResponseWriter(area: writer.area, windowStart: 0, windowSize: size, contentFormat: observer.format) }
        let request = Request(resource: resource, method: .get, source: observer.endpoint, now: now,
                              format: observer.format, bodyFormat: nil, body: UnsafeRawBufferPointer(start: nil, count: 0),
                              bodyOffset: 0, bodyIsLast: true, message: nil)
        switch resources.handle(request, response: &writer) {
        case .later(let readyAt):
            observers[index].dueAt = readyAt
            return false
        case .respond(let code):
            var shape = Shape(type: type, messageID: messageID, token: observer.token)
            shape.code = code
            if code.codeClass == 2 { shape.observe = sequence }
            message = compose(shape, writer, into: message.buffer)
            counters.notificationsSent &+= 1
            observers[index].sequence = sequence
            observers[index].lastMessageID = messageID
            observers[index].dueAt = nextDue(resource, at: now)
            if type == .confirmable {
                observers[index].sinceConfirmable = 0
                if observers[index].retransmission == nil {
                    observers[index].retransmission = firstTransmission(messageID, at: now)
                }
            } else {
                observers[index].sinceConfirmable &+= 1
            }
            if code.codeClass != 2 { removeObserver(index) }   // an error ends the observation (RFC 7641 §3.2)
            return true
        }
    }

    private mutating func sendSeparate(_ index: Int, messageID: UInt16, at now: Instant,
                                       into message: inout ByteWriter) -> Bool {
        let pending = separates[index]
        var writer = window(in: message.buffer, block2: nil, format: pending.format)
        let request = Request(resource: Int(pending.resource), method: .get, source: pending.endpoint, now: now,
                              format: pending.format, bodyFormat: nil, body: UnsafeRawBufferPointer(start: nil, count: 0),
                              bodyOffset: 0, bodyIsLast: true, message: nil)
        switch resources.handle(request, response: &writer) {
        case .later(let readyAt):
            separates[index].readyAt = readyAt
            return false
        case .respond(let code):
            var shape = Shape(type: pending.confirmable ? .confirmable : .nonConfirmable, messageID: messageID,
                              token: pending.token)
            shape.code = code
            message = compose(shape, writer, into: message.buffer)
            if pending.confirmable {
                if pending.retransmission == nil { separates[index].retransmission = firstTransmission(messageID, at: now) }
            } else {
                separates[index].inUse = false
            }
            return true
        }
    }

    /// ACK_TIMEOUT × a random factor in [1, 1.5) (§4.8).
    private mutating func firstTransmission(_ messageID: UInt16, at now: Instant) -> Retransmission {
        let jitter = Interval(microseconds: UInt64(widening: random.next(below: UInt32(truncatingIfNeeded: CoAPTiming.ackRandomSpan.microseconds))))
        let timeout = CoAPTiming.ackTimeout + jitter
        return Retransmission(messageID: messageID, attempts: 0, timeout: timeout, nextAt: now + timeout)
    }

    private mutating func nextDue(_ resource: Int, at now: Instant) -> Instant {
        let latest = now + configuration.observeMaxInterval
        guard resource >= 0, let change = resources.nextChange(of: resource, after: now) else { return latest }
        return min(change, latest)
    }

    private mutating func confirmableOutstanding(to endpoint: Endpoint) -> Bool { outstandingDeadline(to: endpoint) != nil }

    /// When the CON of ours in flight to `endpoint` is retransmitted next or given up (NSTART 1).
    private mutating func outstandingDeadline(to endpoint: Endpoint) -> Instant? {
        for i in 0..<observers.count where observers[i].inUse && observers[i].endpoint == endpoint {
            if let pending = observers[i].retransmission { return pending.nextAt }
        }
        for i in 0..<separates.count where separates[i].inUse && separates[i].endpoint == endpoint {
            if let pending = separates[i].retransmission { return pending.nextAt }
        }
        return nil
    }

    /// An ACK for one of our CONs: that message is delivered.
    private mutating func acknowledged(_ messageID: UInt16, from source: Endpoint) {
        for i in 0..<observers.count where observers[i].inUse && observers[i].endpoint == source
            && observers[i].retransmission?.messageID == messageID {
            observers[i].retransmission = nil
            counters.acknowledgements &+= 1
            return
        }
        for i in 0..<separates.count where separates[i].inUse && separates[i].endpoint == source
            && separates[i].retransmission?.messageID == messageID {
            separates[i].inUse = false
            counters.acknowledgements &+= 1
            return
        }
        counters.ignored &+= 1
    }

    /// An RST: the peer rejects a notification (the observation ends) or a separate response.
    private mutating func rejected(_ messageID: UInt16, from source: Endpoint) {
        for i in 0..<observers.count where observers[i].inUse && observers[i].endpoint == source
            && (observers[i].lastMessageID == messageID || observers[i].retransmission?.messageID == messageID) {
            removeObserver(i)
            return
        }
        for i in 0..<separates.count where separates[i].inUse && separates[i].endpoint == source
            && separates[i].retransmission?.messageID == messageID {
            separates[i].inUse = false
            return
        }
    }

    // MARK: - Tables

    private mutating func findObserver(_ endpoint: Endpoint, _ token: Token) -> Int? {
        for i in 0..<observers.count where observers[i].inUse && observers[i].endpoint == endpoint
            && observers[i].token == token {
            return i
        }
        return nil
    }

    private mutating func freeObserver() -> Int? {
        for i in 0..<observers.count where !observers[i].inUse { return i }
        return nil
    }

    private mutating func removeObserver(_ index: Int) {
        guard observers[index].inUse else { return }
        observers[index].inUse = false
        observers[index].retransmission = nil
        counters.observers &-= 1
        counters.observersRemoved &+= 1
    }

    private mutating func freeSeparate() -> Int? {
        for i in 0..<separates.count where !separates[i].inUse { return i }
        return nil
    }

    private mutating func findUpload(_ endpoint: Endpoint, resource: Int32) -> Int? {
        for i in 0..<uploads.count where uploads[i].inUse && uploads[i].endpoint == endpoint
            && uploads[i].resource == resource {
            return i
        }
        return nil
    }

    /// A new upload (block 0) replaces the client's previous one on the same resource.
    private mutating func startUpload(_ endpoint: Endpoint, resource: Int32, at now: Instant) -> Int? {
        expireUploads(at: now)
        var slot = findUpload(endpoint, resource: resource)
        if slot == nil {
            for i in 0..<uploads.count where !uploads[i].inUse {
                slot = i
                break
            }
        }
        guard let slot else { return nil }
        uploads[slot] = Upload(endpoint: endpoint, resource: resource, nextOffset: 0,
                               expires: now + CoAPTiming.blockTransferTimeout, inUse: true)
        return slot
    }

    private mutating func expireUploads(at now: Instant) {
        for i in 0..<uploads.count where uploads[i].inUse && uploads[i].expires <= now {
            uploads[i].inUse = false
            counters.transfersTimedOut &+= 1
        }
    }
}

/// A 4-byte big-endian value as a UInt32.
func bigEndian(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var value: UInt32 = 0
    for byte in bytes { value = value << 8 | UInt32(byte) }
    return value
}
