import LeveeBase

/// The SenML representations the node serves (RFC 8428), by CoAP Content-Format number.
public enum SenMLFormat: UInt16, Sendable {
    case json = 110
    case cbor = 112
}

/// One SenML record. Names and units are static text (channel names, registry symbols); a name
/// may be given in two parts that are written as one string ("levee/" + "stage").
public struct SenMLRecord {
    public var baseName: StaticString? = nil
    public var baseNameSuffix: StaticString? = nil
    public var baseTime: Int64? = nil
    public var baseUnit: StaticString? = nil
    public var name: StaticString? = nil
    public var nameSuffix: StaticString? = nil
    public var unit: StaticString? = nil
    /// Written only when finite (JSON has no NaN; SenML forbids it).
    public var value: Float? = nil
    public var stringValue: StaticString? = nil
    public var time: Int64? = nil

    public init() {}
}

/// How the node's field seconds become SenML times. With the wall-clock time of boot known
/// (`bootEpoch`, UNIX seconds) times are absolute; without it they are relative to now — RFC 8428
/// §4.5.3 reads values below 2^28 as seconds relative to the present, so a sample 30 s old is
/// `-30`, never a misleading absolute time near 1970.
public struct SenMLClock: Sendable {
    public var now: UInt32
    public var bootEpoch: UInt64?

    public init(now: UInt32, bootEpoch: UInt64? = nil) {
        self.now = now
        self.bootEpoch = bootEpoch
    }

    public func time(of seconds: UInt32) -> Int64 {
        if let bootEpoch { return Int64(bitPattern: bootEpoch &+ UInt64(widening: seconds)) }
        return Int64(bitPattern: UInt64(widening: seconds)) - Int64(bitPattern: UInt64(widening: now))
    }
}

/// Where an encoder puts its bytes: a `ByteWriter`, a `BlockWindow` (one Block2 block of a larger
/// document), or the CoAP server's response writer (a one-line conformance where the resources are
/// wired). Each call hands over one whole record.
public protocol SenMLOutput {
    mutating func append(_ bytes: UnsafeRawBufferPointer)
}

extension ByteWriter: SenMLOutput {}

/// A window onto a document: bytes before `skipping` are dropped and writing stops when the buffer
/// is full, so any block of a long pack is produced without a buffer for the whole of it.
/// `produced` counts the document's bytes so far (its size once the pack has ended).
public struct BlockWindow: SenMLOutput {
    public private(set) var writer: ByteWriter
    private let skip: Int
    public private(set) var produced = 0
    /// The buffer filled before the document ended: there is a next block.
    public private(set) var truncated = false

    public init(_ buffer: UnsafeMutableRawBufferPointer, skipping: Int = 0) {
        writer = ByteWriter(buffer)
        skip = skipping
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let start = produced
        produced += bytes.count
        guard produced > skip else { return }
        let from = max(skip - start, 0)
        let wanted = bytes.count - from
        let fits = min(wanted, writer.remaining)
        if fits > 0 { writer.append(UnsafeRawBufferPointer(rebasing: bytes[from..<(from + fits)])) }
        if fits < wanted { truncated = true }
    }
}

/// Writes a SenML pack (the array of records) as JSON or CBOR, record by record, to an output.
public struct SenMLEncoder<Output: SenMLOutput> {
    public let format: SenMLFormat
    public var output: Output
    private var records = 0

    public init(format: SenMLFormat, into output: Output) {
        self.format = format
        self.output = output
    }

    /// Starts the pack; CBOR needs the number of records up front.
    public mutating func begin(count: Int) {
        let format = self.format
        withScratch { w in
            switch format {
            case .json: w.append(UInt8(ascii: "["))
            case .cbor: w.appendCBORArrayHeader(count: count)
            }
        }
    }

    public mutating func end() {
        guard format == .json else { return }
        withScratch { $0.append(UInt8(ascii: "]")) }
    }

    public mutating func record(_ r: SenMLRecord) {
        let first = records == 0
        records += 1
        let format = self.format
        withScratch { w in
            switch format {
            case .json: SenMLRecordCoding.writeJSON(r, first: first, into: &w)
            case .cbor: SenMLRecordCoding.writeCBOR(r, into: &w)
            }
        }
    }

    /// Encodes into a small stack buffer (a record is well under 160 bytes), then hands it over.
    private mutating func withScratch(_ body: (inout ByteWriter) -> Void) {
        var scratch = InlineArray<160, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            var w = ByteWriter(raw)
            body(&w)
            output.append(w.written)
        }
    }
}

/// One record in each representation.
enum SenMLRecordCoding {
    static func writeJSON(_ r: SenMLRecord, first: Bool, into w: inout ByteWriter) {
        if !first { w.append(UInt8(ascii: ",")) }
        w.append(UInt8(ascii: "{"))
        var fields = 0
        func key(_ name: StaticString, _ w: inout ByteWriter) {
            if fields > 0 { w.append(UInt8(ascii: ",")) }
            fields += 1
            w.append(UInt8(ascii: "\""))
            w.append(name)
            w.append("\":")
        }
        func text(_ a: StaticString, _ b: StaticString?, _ w: inout ByteWriter) {
            w.append(UInt8(ascii: "\""))
            w.append(a)
            if let b { w.append(b) }
            w.append(UInt8(ascii: "\""))
        }
        if let bn = r.baseName { key("bn", &w); text(bn, r.baseNameSuffix, &w) }
        if let bt = r.baseTime { key("bt", &w); w.appendDecimal(bt) }
        if let bu = r.baseUnit { key("bu", &w); text(bu, nil, &w) }
        if let n = r.name { key("n", &w); text(n, r.nameSuffix, &w) }
        if let u = r.unit { key("u", &w); text(u, nil, &w) }
        if let v = r.value, v.isFinite { key("v", &w); w.appendDecimal(v) }
        if let vs = r.stringValue { key("vs", &w); text(vs, nil, &w) }
        if let t = r.time { key("t", &w); w.appendDecimal(t) }
        w.append(UInt8(ascii: "}"))
    }

    /// CBOR with the integer labels of RFC 8428 §6: bn -2, bt -3, bu -4, n 0, u 1, v 2, vs 3, t 6.
    static func writeCBOR(_ r: SenMLRecord, into w: inout ByteWriter) {
        var count = 0
        if r.baseName != nil { count += 1 }
        if r.baseTime != nil { count += 1 }
        if r.baseUnit != nil { count += 1 }
        if r.name != nil { count += 1 }
        if r.unit != nil { count += 1 }
        if let v = r.value, v.isFinite { count += 1 }
        if r.stringValue != nil { count += 1 }
        if r.time != nil { count += 1 }
        w.appendCBORMapHeader(count: count)
        func text(_ a: StaticString, _ b: StaticString?, _ w: inout ByteWriter) {
            let length = a.utf8CodeUnitCount + (b?.utf8CodeUnitCount ?? 0)
            w.appendCBORHead(major: 3, UInt64(widening: UInt32(truncatingIfNeeded: length)))
            w.append(a)
            if let b { w.append(b) }
        }
        if let bn = r.baseName { w.appendCBOR(integer: -2); text(bn, r.baseNameSuffix, &w) }
        if let bt = r.baseTime { w.appendCBOR(integer: -3); w.appendCBOR(integer: bt) }
        if let bu = r.baseUnit { w.appendCBOR(integer: -4); text(bu, nil, &w) }
        if let n = r.name { w.appendCBOR(integer: 0); text(n, r.nameSuffix, &w) }
        if let u = r.unit { w.appendCBOR(integer: 1); text(u, nil, &w) }
        if let v = r.value, v.isFinite { w.appendCBOR(integer: 2); w.appendCBOR(float: v) }
        if let vs = r.stringValue { w.appendCBOR(integer: 3); text(vs, nil, &w) }
        if let t = r.time { w.appendCBOR(integer: 6); w.appendCBOR(integer: t) }
    }
}

/// The node's SenML documents. Every name starts with the node's base name, e.g. "levee/".
public enum SenMLDocuments {
    public static let baseName: StaticString = "levee/"

    /// The latest trusted-or-suspect value of every channel that has one, plus a
    /// `<channel>/fault` record with the reason for each faulty channel.
    public static func latest<Output: SenMLOutput>(_ monitor: SensorMonitor, clock: SenMLClock, into encoder: inout SenMLEncoder<Output>) {
        var count = 0
        for i in 0..<Channel.count {
            if monitor.newest(Channel(index: i)) != nil { count += 1 }
            if monitor.health[i].isFaulty { count += 1 }
        }
        encoder.begin(count: count)
        var first = true
        for i in 0..<Channel.count {
            channelRecords(monitor, Channel(index: i), clock: clock, first: &first, into: &encoder)
        }
        encoder.end()
    }

    /// One channel's latest value (and its fault record when faulty).
    public static func channel<Output: SenMLOutput>(_ monitor: SensorMonitor, _ channel: Channel, clock: SenMLClock,
                                           into encoder: inout SenMLEncoder<Output>) {
        var count = monitor.newest(channel) != nil ? 1 : 0
        if monitor.isFaulty(channel) { count += 1 }
        encoder.begin(count: count)
        var first = true
        channelRecords(monitor, channel, clock: clock, first: &first, into: &encoder)
        encoder.end()
    }

    static func channelRecords<Output: SenMLOutput>(_ monitor: SensorMonitor, _ channel: Channel, clock: SenMLClock,
                                           first: inout Bool, into encoder: inout SenMLEncoder<Output>) {
        if let newest = monitor.newest(channel) {
            var r = SenMLRecord()
            if first { r.baseName = baseName; first = false }
            r.name = channel.name
            r.unit = channel.senmlUnit
            r.value = newest.value * channel.senmlScale
            r.time = clock.time(of: newest.seconds)
            encoder.record(r)
        }
        if monitor.isFaulty(channel) {
            var r = SenMLRecord()
            if first { r.baseName = baseName; first = false }
            r.name = channel.name
            r.nameSuffix = "/fault"
            r.stringValue = monitor.fault(of: channel).name
            encoder.record(r)
        }
    }

    /// Samples `range` (indices into the channel's history, oldest 0) as a pack with base name,
    /// base unit and base time; each record is a value and a time offset. Suspect samples (taken
    /// while the channel was faulty) are included: the operator sees what the sensor said.
    public static func history<Output: SenMLOutput>(_ history: ChannelHistory, _ channel: Channel, range: Range<Int>,
                                           clock: SenMLClock, into encoder: inout SenMLEncoder<Output>) {
        let lower = max(range.lowerBound, 0)
        let upper = min(range.upperBound, history.count)
        encoder.begin(count: max(upper - lower, 0))
        guard lower < upper, let firstSample = history.sample(at: lower) else { encoder.end(); return }
        let base = clock.time(of: firstSample.seconds)
        for index in lower..<upper {
            guard let s = history.sample(at: index) else { break }
            var r = SenMLRecord()
            if index == lower {
                r.baseName = baseName
                r.baseNameSuffix = channel.name
                r.baseTime = base
                r.baseUnit = channel.senmlUnit
            }
            r.value = s.value * channel.senmlScale
            r.time = clock.time(of: s.seconds) - base
            encoder.record(r)
        }
        encoder.end()
    }

    /// min/mean/max per window of `window` seconds from `start`, `windows` windows: three records
    /// per window that has trusted samples, named "<channel>/min", "/mean", "/max".
    public static func aggregates<Output: SenMLOutput>(_ history: ChannelHistory, _ channel: Channel, start: UInt32,
                                              window: UInt32, windows: Int, clock: SenMLClock,
                                              into encoder: inout SenMLEncoder<Output>) {
        let step = max(window, 1)
        var count = 0
        for k in 0..<max(windows, 0) {
            if history.aggregate(from: start &+ UInt32(truncatingIfNeeded: k) &* step, window: step) != nil { count += 3 }
        }
        encoder.begin(count: count)
        var first = true
        let base = clock.time(of: start)
        for k in 0..<max(windows, 0) {
            let windowStart = start &+ UInt32(truncatingIfNeeded: k) &* step
            guard let a = history.aggregate(from: windowStart, window: step) else { continue }
            let offset = clock.time(of: windowStart) - base
            for part in 0..<3 {
                var r = SenMLRecord()
                if first {
                    r.baseName = baseName
                    r.baseNameSuffix = channel.name
                    r.baseTime = base
                    r.baseUnit = channel.senmlUnit
                    first = false
                }
                r.name = part == 0 ? "min" : part == 1 ? "mean" : "max"
                let value = part == 0 ? a.minimum : part == 1 ? a.mean : a.maximum
                r.value = value * channel.senmlScale
                r.time = offset
                encoder.record(r)
            }
        }
        encoder.end()
    }

    /// The risk assessment: level (0–3) and, as strings, its name, reason and source, and each
    /// ignored faulty channel.
    public static func risk<Output: SenMLOutput>(_ assessment: RiskAssessment, clock: SenMLClock, into encoder: inout SenMLEncoder<Output>) {
        var ignored = 0
        for i in 0..<Channel.count where assessment.ignored.contains(Channel(index: i)) { ignored += 1 }
        encoder.begin(count: 4 + ignored)
        var r = SenMLRecord()
        r.baseName = baseName
        r.baseNameSuffix = "risk/"
        r.baseTime = clock.time(of: assessment.seconds)
        r.name = "level"
        r.value = Float(Int(assessment.level.rawValue))
        encoder.record(r)
        var name = SenMLRecord()
        name.name = "level-name"
        name.stringValue = assessment.level.name
        encoder.record(name)
        var reason = SenMLRecord()
        reason.name = "reason"
        reason.stringValue = assessment.reason.name
        encoder.record(reason)
        var source = SenMLRecord()
        source.name = "source"
        source.stringValue = assessment.source == .builtInRule ? "built-in-rule" : "module"
        encoder.record(source)
        for i in 0..<Channel.count where assessment.ignored.contains(Channel(index: i)) {
            var r = SenMLRecord()
            r.name = "ignored"
            r.stringValue = Channel(index: i).name
            encoder.record(r)
        }
        encoder.end()
    }

    /// text/plain of one value: the number in the channel's node unit ("3.21").
    public static func plainValue(_ value: Float, into writer: inout ByteWriter) {
        writer.appendDecimal(value)
    }
}
