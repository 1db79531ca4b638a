import LeveeBase

/// One stored sample: 8 bytes. The time is field seconds since boot in 31 bits (68 years), the top
/// bit flags a sample taken while the channel was faulty (kept for the operator, never used for
/// rates).
public struct HistorySample: Equatable, Sendable {
    public var value: Float
    private var stamp: UInt32

    public init(seconds: UInt32, value: Float, suspect: Bool = false) {
        self.value = value
        stamp = (seconds & 0x7FFF_FFFF) | (suspect ? 0x8000_0000 : 0)
    }

    public var seconds: UInt32 { stamp & 0x7FFF_FFFF }
    public var isSuspect: Bool { stamp & 0x8000_0000 != 0 }
}

/// The memory budget of the history: named so the budget table and the report can say it.
public enum HistoryLimits {
    /// Samples kept per channel: 128 × 8 B = 1 KiB each, 10 KiB for the node; two hours of a
    /// 1-per-minute channel, 21 hours of a 1-per-10-minutes one.
    public static let samplesPerChannel = 128
    public typealias NodeStorage = InlineArray<1280, HistorySample>   // 10 channels × 128
}

/// min/mean/max of the samples in one window.
public struct HistoryAggregate: Equatable, Sendable {
    /// The window's start (field seconds).
    public var start: UInt32
    public var count: UInt16
    public var minimum: Float
    public var mean: Float
    public var maximum: Float

    public init(start: UInt32, count: UInt16, minimum: Float, mean: Float, maximum: Float) {
        self.start = start
        self.count = count
        self.minimum = minimum
        self.mean = mean
        self.maximum = maximum
    }
}

/// A fixed ring of one channel's samples, oldest overwritten first, in storage the owner provides
/// (static RAM on the node). Indices run from 0 (oldest kept) to `count - 1` (newest), so a reader
/// can serve any range of them block by block while sampling goes on (a block then simply starts
/// a little later in time).
///
/// The ring is a small handle over a caller-owned buffer rather than an inline array because a
/// kilobyte-sized struct read through a non-mutating method is spilled whole onto the stack on
/// the chip (once per call): with the storage outside, every read is in place.
public struct ChannelHistory: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<HistorySample>?
    public let capacity: Int
    private var head = 0
    public private(set) var count = 0
    /// Samples appended since boot (so a reader can tell how many it missed).
    public private(set) var appended: UInt32 = 0

    /// A ring over `storage`, which must outlive it.
    public init(storage: UnsafeMutableBufferPointer<HistorySample>) {
        self.storage = storage.baseAddress
        capacity = storage.baseAddress == nil ? 0 : storage.count
    }

    /// A ring with no room: keeps nothing until given storage.
    public init() {
        storage = nil
        capacity = 0
    }

    public mutating func append(_ sample: HistorySample) {
        guard let storage, capacity > 0 else { return }
        storage[(head + count) % capacity] = sample
        if count < capacity { count += 1 } else { head = (head + 1) % capacity }
        appended &+= 1
    }

    /// The sample at `index` (0 = oldest kept); nil outside 0 ..< count.
    public func sample(at index: Int) -> HistorySample? {
        guard let storage, index >= 0, index < count else { return nil }
        return storage[(head + index) % capacity]
    }

    public var newest: HistorySample? { sample(at: count - 1) }

    /// The index of the first sample at or after `seconds` (count when none).
    public func firstIndex(atOrAfter seconds: UInt32) -> Int {
        var low = 0
        var high = count
        while low < high {   // times are appended in order: binary search
            let middle = (low + high) / 2
            if (sample(at: middle)?.seconds ?? 0) < seconds { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// min/mean/max of the trusted samples in [start, start + window), nil when there are none.
    public func aggregate(from start: UInt32, window: UInt32) -> HistoryAggregate? {
        var index = firstIndex(atOrAfter: start)
        let end = start &+ window
        var result = HistoryAggregate(start: start, count: 0, minimum: .infinity, mean: 0, maximum: -.infinity)
        var sum: Float = 0
        while let s = sample(at: index), s.seconds < end || end < start {
            index += 1
            guard !s.isSuspect else { continue }
            result.count &+= 1
            sum += s.value
            result.minimum = min(result.minimum, s.value)
            result.maximum = max(result.maximum, s.value)
        }
        guard result.count > 0 else { return nil }
        result.mean = sum / Float(Int(result.count))
        return result
    }

    /// The least-squares slope of the trusted samples of the last `window` seconds before `now`,
    /// in units per hour; nil with fewer than three samples or when they span under half the window
    /// (a rate from two noisy points would raise false alarms).
    /// `includingSuspect` also counts samples taken while the channel was faulty (for judging drift,
    /// which must keep seeing a drifting sensor after it was flagged).
    public func ratePerHour(window: UInt32, now: UInt32, includingSuspect: Bool = false) -> Float? {
        let start = now >= window ? now - window : 0
        var index = firstIndex(atOrAfter: start)
        var n: Float = 0
        var sumT: Float = 0, sumV: Float = 0, sumTT: Float = 0, sumTV: Float = 0
        var first: UInt32 = 0, last: UInt32 = 0
        // Times relative to the window start, in hours, keep the sums well inside Float precision.
        while let s = sample(at: index) {
            index += 1
            guard includingSuspect || !s.isSuspect, s.seconds <= now else { continue }
            if n == 0 { first = s.seconds }
            last = s.seconds
            let t = Float(Int(s.seconds &- start)) / 3600
            n += 1
            sumT += t; sumV += s.value; sumTT += t * t; sumTV += t * s.value
        }
        guard n >= 3, last &- first >= window / 2 else { return nil }
        let denominator = n * sumTT - sumT * sumT
        guard denominator > 0 else { return nil }
        let slope = (n * sumTV - sumT * sumV) / denominator
        return slope.isFinite ? slope : nil
    }

    public mutating func removeAll() {
        head = 0
        count = 0
    }
}
