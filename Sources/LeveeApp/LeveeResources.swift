import LeveeBase
import LeveeCoAP
import LeveeOTA

/// The application's resources: what an operator reads, observes and changes.
///
/// - `/sensors`: every channel's latest value and fault, one SenML pack, observable.
/// - `/sensors/<channel>`: the latest value, observable; SenML JSON (110) or CBOR (112) by Accept,
///   text/plain (0) for the bare number in the node's unit.
/// - `/history/<channel>`: the channel's ring as a SenML pack (block-wise when long);
///   `?window=S` gives min/mean/max per S field seconds instead.
/// - `/risk`: level, reason, source and ignored channels; observable, a level change is notified CON.
/// - `/config`: the configuration as a CBOR map (60) or `key=value` lines (0); PUT or POST
///   `key=value` pairs (text/plain, separated by newlines, `;` or `&`) or a CBOR map of some of
///   the keys (60) change it, validated whole.
/// - `/health`: uptime, field time, memory, task and network figures (SenML).
/// - `/slot/run`: one call of the slot's module now, against the monitor (`SlotResources` has the
///   rest of `/slot`).
///
/// The monitor (channels, faults, history, risk) lives here, inside the node's service, so the
/// handlers read it in place; the sampler task feeds it under the service lock (`NodeTasks`).
public struct LeveeResources: ResourceTable {
    public var monitor: SensorMonitor
    /// When the node started (field time counts from here).
    public var bootTime: Instant = .zero
    /// UNIX time of boot when the board knows it (absolute SenML times), else relative times.
    public var bootEpoch: UInt64? = nil
    /// Bumped by every accepted configuration change: the board persists the record when it moves.
    public private(set) var configGeneration: UInt32 = 0
    /// Configuration changes refused (malformed or invalid), for `/health`.
    public private(set) var configRejected: UInt32 = 0
    /// What the sampler task last copied in from the scheduler and the server, for `/health`.
    public var figures = NodeFigures()
    /// The field day being aggregated for the module's forecast, and the last one handed over.
    public internal(set) var daily = DailyAggregator()
    public internal(set) var lastDay: DaySummary?

    public init(config: AppConfig = AppConfig()) {
        monitor = SensorMonitor(config: config, historyStorage: UnsafeMutableBufferPointer(start: nil, count: 0))
    }

    /// Gives the monitor the node's history storage (`AppMemory`), keeping its configuration.
    public mutating func attachHistory() {
        monitor = SensorMonitor(config: monitor.config, historyStorage: AppMemory.historyBuffer())
    }

    public enum Resource: Int, Sendable {
        // 1 ..< 11: /sensors/<channel>, 11 ..< 21: /history/<channel> (channel = offset from the first).
        case sensors = 0
        case sensorsFirst = 1
        case historyFirst = 11
        case risk = 21
        case config = 22
        case health = 23
        /// `/slot/run` (README, "Slots and push"): here, because the module reads the monitor.
        case slotRun = 24

        public static let last = Resource.slotRun
    }

    /// The group's index of a channel's resource.
    public static func sensor(_ channel: Channel) -> Int { Resource.sensorsFirst.rawValue + channel.index }
    public static func history(_ channel: Channel) -> Int { Resource.historyFirst.rawValue + channel.index }

    public var resourceCount: Int { Resource.last.rawValue + 1 }

    /// SenML JSON first (for people and `coap-client`), then CBOR, then the bare value.
    static let readingFormats = ContentFormats(ContentFormat.senmlJSON, ContentFormat.senmlCBOR, ContentFormat.textPlain)
    static let senmlFormats = ContentFormats(ContentFormat.senmlJSON, ContentFormat.senmlCBOR)

    public func descriptor(of resource: Int) -> ResourceDescriptor {
        if resource >= Resource.sensorsFirst.rawValue && resource < Resource.historyFirst.rawValue {
            return ResourceDescriptor(Self.sensorPath(Channel(index: resource - Resource.sensorsFirst.rawValue)), methods: .get, rt: "levee.sensor",
                                      if: "core.s", formats: Self.readingFormats, observable: true)
        }
        if resource >= Resource.historyFirst.rawValue && resource < Resource.risk.rawValue {
            return ResourceDescriptor(Self.historyPath(Channel(index: resource - Resource.historyFirst.rawValue)),
                                      methods: .get, rt: "levee.history", if: "core.s", formats: Self.senmlFormats)
        }
        switch Resource(rawValue: resource) {
        case .sensors:
            return ResourceDescriptor("/sensors", methods: .get, rt: "levee.sensors", if: "core.s",
                                      formats: Self.senmlFormats, observable: true)
        case .risk:
            return ResourceDescriptor("/risk", methods: .get, rt: "levee.risk", if: "core.s",
                                      formats: Self.readingFormats, observable: true)
        case .config:
            return ResourceDescriptor("/config", methods: .get | .put | .post, rt: "levee.config", if: "core.p",
                                      formats: ContentFormats(ContentFormat.cbor, ContentFormat.textPlain),
                                      accepts: ContentFormats(ContentFormat.textPlain, ContentFormat.cbor), maxBody: ConfigText.maxBody)
        case .health:
            return ResourceDescriptor("/health", methods: .get, rt: "levee.health", if: "core.rp", formats: Self.senmlFormats)
        case .slotRun:
            return ResourceDescriptor("/slot/run", methods: .post, rt: "levee.slot.run", formats: ContentFormats(ContentFormat.textPlain))
        default:
            return .absent
        }
    }

    public mutating func handle(_ request: Request, response: inout ResponseWriter) -> Outcome {
        let r = request.resource
        if r >= Resource.sensorsFirst.rawValue && r < Resource.historyFirst.rawValue {
            return .respond(sensor(Channel(index: r - Resource.sensorsFirst.rawValue), request, &response))
        }
        if r >= Resource.historyFirst.rawValue && r < Resource.risk.rawValue {
            return .respond(history(Channel(index: r - Resource.historyFirst.rawValue), request, &response))
        }
        switch Resource(rawValue: r) {
        case .sensors:
            let clock = clock(request.now)
            withEncoder(request.format, &response) { SenMLDocuments.latest(monitor, clock: clock, into: &$0) }
            return .respond(.content)
        case .risk: return .respond(risk(request, &response))
        case .config: return .respond(config(request, &response))
        case .health: return .respond(health(request, &response))
        case .slotRun: return .respond(runModule(request, &response))
        default: return .respond(.notFound)
        }
    }

    // MARK: - Time

    /// Field seconds since boot at `now`.
    public func fieldSeconds(at now: Instant) -> UInt32 {
        monitor.config.fieldSeconds(at: Instant(microseconds: now.since(bootTime).microseconds))
    }

    /// The node instant at which field time reaches `seconds`.
    public func instant(atFieldSeconds seconds: UInt32) -> Instant {
        bootTime + Interval(microseconds: monitor.config.instant(atFieldSeconds: seconds).microseconds)
    }

    func clock(_ now: Instant) -> SenMLClock { SenMLClock(now: fieldSeconds(at: now), bootEpoch: bootEpoch) }

    // MARK: - Handlers

    mutating func sensor(_ channel: Channel, _ request: Request, _ response: inout ResponseWriter) -> Code {
        if request.format == ContentFormat.textPlain {
            if let newest = monitor.newest(channel) { Self.plain(newest.value, &response) }
            return .content
        }
        let clock = clock(request.now)
        withEncoder(request.format, &response) { SenMLDocuments.channel(monitor, channel, clock: clock, into: &$0) }
        return .content
    }

    mutating func history(_ channel: Channel, _ request: Request, _ response: inout ResponseWriter) -> Code {
        let clock = clock(request.now)
        let ring = monitor.history(channel)
        guard let message = request.message, let window = QueryParameter.value("window", in: message) else {
            withEncoder(request.format, &response) {
                SenMLDocuments.history(ring, channel, range: 0..<ring.count, clock: clock, into: &$0)
            }
            return .content
        }
        guard let seconds = window, seconds >= 1 else { return .badRequest }
        // Windows aligned to multiples of `seconds`, from the oldest kept sample to the newest.
        let oldest = ring.sample(at: 0)?.seconds ?? 0
        let newest = ring.newest?.seconds ?? 0
        let start = oldest - oldest % seconds
        let windows = Int((newest - start) / seconds) + 1
        guard windows <= HistoryLimits.samplesPerChannel else { return .badRequest }
        withEncoder(request.format, &response) {
            SenMLDocuments.aggregates(ring, channel, start: start, window: seconds, windows: ring.count == 0 ? 0 : windows,
                                      clock: clock, into: &$0)
        }
        return .content
    }

    mutating func risk(_ request: Request, _ response: inout ResponseWriter) -> Code {
        let assessment = monitor.risk
        if request.format == ContentFormat.textPlain {
            // A status line: an observing client prints one per notification.
            _ = ReportMemory.write(&response) { w in
                assessment.describe(into: &w)
                w.append(UInt8(ascii: "\n"))
            }
            return .content
        }
        let clock = clock(request.now)
        withEncoder(request.format, &response) { SenMLDocuments.risk(assessment, clock: clock, into: &$0) }
        return .content
    }

    mutating func config(_ request: Request, _ response: inout ResponseWriter) -> Code {
        guard request.method == .get else {
            // One change is one body: pairs split over Block1 blocks would be judged in halves.
            guard request.bodyOffset == 0 && request.bodyIsLast else {
                configRejected &+= 1
                response.contentFormat = ContentFormat.textPlain
                response.payload("send the change in one block")
                return .requestEntityTooLarge
            }
            var changed = monitor.config
            let cbor = request.bodyFormat == ContentFormat.cbor
            let verdict = cbor ? ConfigCBOR.apply(request.body, to: &changed) : ConfigText.apply(request.body, to: &changed)
            switch verdict {
            case .malformed:
                configRejected &+= 1
                response.contentFormat = ContentFormat.textPlain
                response.payload(cbor ? "expected a map of known keys" : "expected key=value pairs with known keys")
                return .badRequest
            case .invalid(let field):
                configRejected &+= 1
                response.contentFormat = ContentFormat.textPlain
                response.payload("invalid: ")
                response.payload(ConfigText.name(of: field))
                return .badRequest
            case .accepted:
                if changed != monitor.config {
                    monitor.config = changed
                    configGeneration &+= 1
                }
                return .changed
            }
        }
        let config = monitor.config
        if request.format == ContentFormat.textPlain {
            _ = ReportMemory.write(&response) { ConfigText.write(config, into: &$0) }
        } else {
            _ = ReportMemory.write(&response) { ConfigCBOR.write(config, into: &$0) }
        }
        return .content
    }

    /// One call of the module's `assess` now, as the sampler makes it (the result is not adopted).
    mutating func runModule(_ request: Request, _ response: inout ResponseWriter) -> Code {
        var environment = guestEnvironment(at: request.now)
        switch SlotState.manager.pointee.assess(&environment, now: request.now) {
        case .level(let level):
            response.payload("level ")
            response.payload(decimal: level)
            return .content
        case .noModule:
            response.payload("no module")
            return .serviceUnavailable
        case .fault(_, let rolledBack):
            response.payload(rolledBack ? "fault; rolled back" : "fault")
            return .internalServerError
        }
    }

    /// What the slot's module reads at `now`: this monitor, its configuration, the node's clock.
    func guestEnvironment(at now: Instant) -> NodeGuestEnvironment {
        NodeGuestEnvironment(monitor: monitor, now: now, bootTime: bootTime)
    }

    mutating func health(_ request: Request, _ response: inout ResponseWriter) -> Code {
        let uptime = UInt32(narrowing: request.now.since(bootTime).microseconds / 1_000_000) ?? UInt32.max
        var samples: UInt32 = 0
        for i in 0..<Channel.count { samples &+= monitor.history(Channel(index: i)).appended }
        let figures = figures
        let field = fieldSeconds(at: request.now)
        let faulty = UInt32(truncatingIfNeeded: monitor.faultyChannels.bits.nonzeroBitCount)
        let changes = monitor.levelChanges
        let generation = configGeneration
        let rejected = configRejected
        let day = lastDay
        withEncoder(request.format, &response) { encoder in
            encoder.begin(count: NodeFigures.recordCount)
            var first = SenMLRecord()
            first.baseName = SenMLDocuments.baseName
            first.baseNameSuffix = "health/"
            first.name = "uptime"
            first.unit = "s"
            first.value = Float(Int(uptime))
            encoder.record(first)
            func record(_ name: StaticString, _ unit: StaticString?, _ value: Float, _ encoder: inout SenMLEncoder<ResponseWriter>) {
                var r = SenMLRecord()
                r.name = name
                r.unit = unit
                r.value = value
                encoder.record(r)
            }
            func count(_ name: StaticString, _ value: UInt32, _ encoder: inout SenMLEncoder<ResponseWriter>) {
                record(name, nil, Float(Int(value)), &encoder)
            }
            record("field-time", "s", Float(Int(field)), &encoder)
            record("ram/service", "B", Float(MemoryLayout<NodeService>.size), &encoder)
            record("ram/history", "B", Float(MemoryLayout<HistoryLimits.NodeStorage>.size), &encoder)
            count("samples", samples, &encoder)
            count("faulty-channels", faulty, &encoder)
            count("risk-changes", changes, &encoder)
            count("config-changes", generation, &encoder)
            count("config-rejected", rejected, &encoder)
            count("sampler/runs", figures.samplerRuns, &encoder)
            count("tasks/overruns", figures.deadlineOverruns, &encoder)
            count("tasks/queue-overflows", figures.queueOverflows, &encoder)
            count("coap/requests", figures.requests, &encoder)
            count("coap/malformed", figures.malformed, &encoder)
            count("coap/notifications", figures.notificationsSent, &encoder)
            count("coap/notifications-lost", figures.notificationsLost, &encoder)
            // The last field day handed to the risk module (values absent until the first ends).
            record("day", nil, day.map { Float(Int($0.day)) } ?? .nan, &encoder)
            record("day/rainfall", "mm", day?.rainfallMM ?? .nan, &encoder)
            record("day/mean-flow", "m3/s", day?.meanFlow ?? .nan, &encoder)
            encoder.end()
        }
        return .content
    }

    // MARK: - Writing

    /// A SenML encoder over the response in the negotiated format.
    func withEncoder(_ format: UInt16, _ response: inout ResponseWriter,
                     _ body: (inout SenMLEncoder<ResponseWriter>) -> Void) {
        var encoder = SenMLEncoder(format: format == ContentFormat.senmlCBOR ? .cbor : .json, into: response)
        body(&encoder)
        response = encoder.output
    }

    /// The bare value in the channel's node unit ("3.21").
    static func plain(_ value: Float, _ response: inout ResponseWriter) {
        _ = ReportMemory.write(&response) { SenMLDocuments.plainValue(value, into: &$0) }
    }

    static func sensorPath(_ channel: Channel) -> StaticString {
        switch channel {
        case .stage: return "/sensors/stage"
        case .porePressureShallow: return "/sensors/pore-pressure-1"
        case .porePressureMiddle: return "/sensors/pore-pressure-2"
        case .porePressureDeep: return "/sensors/pore-pressure-3"
        case .tiltX: return "/sensors/tilt-x"
        case .tiltY: return "/sensors/tilt-y"
        case .soilMoisture: return "/sensors/soil-moisture"
        case .temperature: return "/sensors/temperature"
        case .battery: return "/sensors/battery"
        case .rainfall: return "/sensors/rainfall"
        }
    }

    static func historyPath(_ channel: Channel) -> StaticString {
        switch channel {
        case .stage: return "/history/stage"
        case .porePressureShallow: return "/history/pore-pressure-1"
        case .porePressureMiddle: return "/history/pore-pressure-2"
        case .porePressureDeep: return "/history/pore-pressure-3"
        case .tiltX: return "/history/tilt-x"
        case .tiltY: return "/history/tilt-y"
        case .soilMoisture: return "/history/soil-moisture"
        case .temperature: return "/history/temperature"
        case .battery: return "/history/battery"
        case .rainfall: return "/history/rainfall"
        }
    }
}

/// The CoAP response writer as a SenML output (one record at a time into the Block2 window).
extension ResponseWriter: SenMLOutput {
    public mutating func append(_ bytes: UnsafeRawBufferPointer) { payload(bytes) }
}

/// Figures from outside the resources (the scheduler's statistics, the server's counters) that the
/// sampler task copies in at every run, for `/health`.
public struct NodeFigures: Sendable {
    public var samplerRuns: UInt32 = 0
    public var deadlineOverruns: UInt32 = 0
    public var queueOverflows: UInt32 = 0
    public var requests: UInt32 = 0
    public var malformed: UInt32 = 0
    public var notificationsSent: UInt32 = 0
    public var notificationsLost: UInt32 = 0

    public init() {}

    /// Records in `/health`.
    static let recordCount = 19
}

/// `name=value` parameters in Uri-Query options.
enum QueryParameter {
    /// nil: no such parameter; .some(nil): present but not a decimal number below 2^32.
    static func value(_ name: StaticString, in message: MessageView) -> UInt32?? {
        for i in 0..<message.optionCount where message.options[i].number == OptionNumber.uriQuery {
            let query = message.value(of: message.options[i])
            let matched = name.withUTF8Buffer { key -> Bool in
                guard query.count > key.count, query[key.count] == UInt8(ascii: "=") else { return false }
                for j in 0..<key.count where query[j] != key[j] { return false }
                return true
            }
            guard matched else { continue }
            let digits = UnsafeRawBufferPointer(rebasing: query[(name.utf8CodeUnitCount + 1)...])
            return .some(DecimalText.unsigned(digits))
        }
        return nil
    }
}
