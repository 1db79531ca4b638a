import LeveeBase
import LeveeCoAP
import LeveeOTA

/// The node's flash as the slot sees it: the flash model over a region the board gives it (the
/// Linux board maps a file, LeveeLinux.FileFlash); with none, every upload is 5.03.
public typealias NodeFlash = MemoryFlash

/// What the risk module reads on the node, for the sampler's calls and `/slot/run` alike: the
/// monitor's channels (by `Channel` number: 0 stage, 1-3 pore pressure shallow to deep, 4-5 tilt x
/// and y, 6 soil moisture, 7 temperature, 8 battery, 9 rainfall; NaN when absent or faulty), the
/// configuration (by `GuestParameter` key) and the node's clock. Made by
/// `LeveeResources.guestEnvironment(at:)`.
public struct NodeGuestEnvironment: GuestEnvironment {
    let monitor: SensorMonitor
    let now: Instant
    let bootTime: Instant

    public mutating func readChannel(_ channel: UInt32) -> Float {
        guard channel < UInt32(Channel.count) else { return .nan }
        let c = Channel(index: Int(channel))
        guard !monitor.isFaulty(c), let newest = monitor.newest(c) else { return .nan }
        return newest.value
    }
    public mutating func configParameter(_ key: UInt32) -> Float {
        GuestParameter(rawValue: key).map { monitor.config.value(of: $0) } ?? .nan
    }
    public func milliseconds() -> Int64 { Int64(bitPattern: now.since(bootTime).microseconds / 1_000) }
}

/// The node's slot: one per node, at a fixed address.
public enum SlotState {
    nonisolated(unsafe) static var storage = SlotManager(flash: NodeFlash(), layout: .standard, arena: SlotArena.bytes)
    static var manager: UnsafeMutablePointer<SlotManager<NodeFlash>> { withUnsafeMutablePointer(to: &storage) { $0 } }
}

/// `/slot…`: the reconfigurable risk module (README, "Slots and push").
///
/// - `GET /slot`: the state, as text lines (state, active, digest, fallback, staged, last error,
///   rollbacks, calls/traps/fuel, the module's last output).
/// - `PUT /slot/image`: a signed update (Content-Format 18, COSE_Sign1), by Block1. 2.31 per
///   block, 2.04 once verified and active; 4.13 + Size1 too large, 4.08 out of order, 4.01 not
///   validly signed, 4.03 unknown key, 4.09 version not newer, 4.00 + reason otherwise.
/// - `POST /slot/rollback`: back to the previous module (or to the built-in rule).
/// - `POST /slot/run` is in `LeveeResources`: the module it calls reads the monitor.
public struct SlotResources: ResourceTable {
    /// The node's one slot, in static storage of its own (`SlotState`, counted by the budget):
    /// kept out of the resources so that the service stays small (the self-test builds one on the
    /// stack). Reached through addressors: no copy, no coroutine.
    public var slots: SlotManager<NodeFlash> {
        unsafeAddress { UnsafePointer(SlotState.manager) }
        nonmutating unsafeMutableAddress { SlotState.manager }
    }
    /// Who sends the upload in progress: a block from anyone else is out of order.
    var uploadSource: Endpoint?

    @inline(__always)
    public init() {}

    public enum Resource: Int, Sendable {
        case state
        case image
        case rollback

        public static let last = Resource.rollback
    }

    public var resourceCount: Int { Resource.last.rawValue + 1 }

    public func descriptor(of resource: Int) -> ResourceDescriptor {
        let text = ContentFormats(ContentFormat.textPlain)
        switch Resource(rawValue: resource) {
        case .state:
            return ResourceDescriptor("/slot", methods: .get, rt: "levee.slot", if: "core.rp", formats: text)
        case .image:
            return ResourceDescriptor("/slot/image", methods: .put, rt: "levee.slot.image", formats: text,
                                      accepts: ContentFormats(ContentFormat.coseSign1),
                                      maxBody: UInt32(truncatingIfNeeded: slots.layout.maximumEnvelope))
        case .rollback:
            return ResourceDescriptor("/slot/rollback", methods: .post, rt: "levee.slot.rollback", formats: text)
        case nil:
            return .absent
        }
    }

    public mutating func handle(_ request: Request, response: inout ResponseWriter) -> Outcome {
        switch Resource(rawValue: request.resource) {
        case .state:
            writeState(into: &response)
            return .respond(.content)
        case .image:
            return upload(request, response: &response)
        case .rollback:
            guard slots.rollBack(reason: .requested) else {
                response.payload(slots.hasFlash ? "no module to leave" : "no flash")
                return .respond(slots.hasFlash ? .conflict : .serviceUnavailable)
            }
            writeState(into: &response)
            return .respond(.changed)
        case nil:
            return .respond(.notFound)
        }
    }

    mutating func upload(_ request: Request, response: inout ResponseWriter) -> Outcome {
        if request.bodyOffset == 0 {
            uploadSource = request.source
        } else if uploadSource != request.source {
            return .respond(.requestEntityIncomplete)
        }
        do throws(SlotError) {
            try slots.receive(request.body, at: request.bodyOffset, last: request.bodyIsLast)
        } catch {
            uploadSource = nil
            response.payload(error.name)
            return .respond(Self.code(for: error))
        }
        if request.bodyIsLast { uploadSource = nil }
        return .respond(.changed)
    }

    /// The CoAP code of a refusal (README, "Slots and push").
    public static func code(for error: SlotError) -> Code {
        switch error {
        case .update(let e):
            switch e {
            case .unknownKey: return .forbidden
            case .malformedEnvelope, .notSign1, .unsupportedAlgorithm, .missingKeyID, .criticalHeader, .badSignature:
                return .unauthorized
            case .malformedManifest, .sizeMismatch, .digestMismatch: return .badRequest
            }
        case .versionNotNewer: return .conflict
        case .badBlock: return .requestEntityIncomplete
        case .flash: return .internalServerError
        case .wrongSlot, .memoryBudget, .invalidModule, .unknownImport, .undeclaredImport, .missingExport, .selfTestFailed:
            return .badRequest
        }
    }

    func writeState(into response: inout ResponseWriter) {
        let record = slots.state
        response.payload("state: ")
        response.payload(slots.isRunning ? "running\n" : (slots.hasFlash ? "no-module\n" : "no-flash\n"))
        response.payload("active: ")
        if let active = slots.activeSlot, slots.isRunning {
            response.payload("slot ")
            response.payload(decimal: UInt32(truncatingIfNeeded: active))
            response.payload(" version ")
            response.payload(decimal: Int64(bitPattern: slots.runningVersion))
            response.payload("\ndigest: ")
            withUnsafeBytes(of: slots.runningDigest) { digest in
                for byte in digest { Self.hexByte(byte, into: &response) }
            }
        } else {
            response.payload("none (built-in rule)")
        }
        response.payload("\nfallback: ")
        if let fallback = slots.fallbackSlot {
            response.payload("slot ")
            response.payload(decimal: UInt32(truncatingIfNeeded: fallback))
            if let version = slots.fallbackVersion {
                response.payload(" version ")
                response.payload(decimal: Int64(bitPattern: version))
            }
        } else {
            response.payload("none")
        }
        response.payload("\nhighest-version: ")
        response.payload(decimal: Int64(bitPattern: record.highestVersion))
        response.payload("\nstaged: ")
        if let slot = slots.receivingSlot {
            response.payload("receiving ")
            response.payload(decimal: slots.received)
            response.payload(" B into slot ")
            response.payload(decimal: UInt32(truncatingIfNeeded: slot))
        } else {
            response.payload("none")
        }
        response.payload("\nlast-error: ")
        response.payload(slots.lastError?.name ?? "none")
        response.payload("\nrollbacks: ")
        response.payload(decimal: record.rollbacks)
        response.payload(" (last change: ")
        response.payload(record.reason.name)
        response.payload(")\ncalls: ")
        let statistics = slots.statistics
        response.payload(decimal: statistics.calls)
        response.payload("\ntraps: ")
        response.payload(decimal: statistics.traps)
        response.payload("\nfuel-exhausted: ")
        response.payload(decimal: statistics.fuelExhausted)
        response.payload("\nfuel-used: ")
        response.payload(decimal: Int64(bitPattern: statistics.fuelUsed))
        let output = slots.output
        response.payload("\noutput: ")
        if output.published {
            response.payload("level ")
            response.payload(decimal: output.level)
            response.payload(" value ")
            var digits = InlineArray<24, UInt8>(repeating: 0)
            withUnsafeMutableBytes(of: &digits) { raw in
                var writer = ByteWriter(raw)
                writer.appendDecimal(output.value)
                response.payload(writer.written)
            }
        } else {
            response.payload("none")
        }
        response.payload("\nlog: ")
        output.withLog { response.payload($0) }
        response.payload("\nflash-operations: ")
        response.payload(decimal: slots.flash.operations)
        response.payload("\n")
    }

    static func hexByte(_ byte: UInt8, into response: inout ResponseWriter) {
        let high = byte >> 4, low = byte & 0xF
        response.payload(byte: high < 10 ? 0x30 + high : 0x57 + high)
        response.payload(byte: low < 10 ? 0x30 + low : 0x57 + low)
    }
}
