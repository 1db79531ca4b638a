/// A point on the node's monotonic time line, in microseconds since boot.
/// Fixed-width on purpose: `Int` is 64-bit on the host and 32-bit on the chip.
public struct Instant: Comparable, Hashable, Sendable {
    public var microseconds: UInt64

    public init(microseconds: UInt64) { self.microseconds = microseconds }

    public static let zero = Instant(microseconds: 0)

    public static func < (a: Instant, b: Instant) -> Bool { a.microseconds < b.microseconds }

    public static func + (a: Instant, b: Interval) -> Instant {
        Instant(microseconds: a.microseconds &+ b.microseconds)
    }

    /// The interval from `earlier` to `self`, zero when `earlier` is later (time never runs backwards).
    public func since(_ earlier: Instant) -> Interval {
        Interval(microseconds: microseconds >= earlier.microseconds ? microseconds - earlier.microseconds : 0)
    }
}

/// A length of time in microseconds.
public struct Interval: Comparable, Hashable, Sendable {
    public var microseconds: UInt64

    public init(microseconds: UInt64) { self.microseconds = microseconds }

    public static func microseconds(_ n: UInt64) -> Interval { Interval(microseconds: n) }
    public static func milliseconds(_ n: UInt64) -> Interval { Interval(microseconds: n &* 1_000) }
    public static func seconds(_ n: UInt64) -> Interval { Interval(microseconds: n &* 1_000_000) }

    public static let zero = Interval(microseconds: 0)

    public static func < (a: Interval, b: Interval) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: Interval, b: Interval) -> Interval {
        Interval(microseconds: a.microseconds &+ b.microseconds)
    }
}

/// The node's monotonic time source. Boards provide one; tests use `ManualClock`.
public protocol Clock {
    func now() -> Instant
}

/// A clock that only moves when a test tells it to.
public struct ManualClock: Clock {
    public var current: Instant

    public init(_ start: Instant = .zero) { current = start }

    public func now() -> Instant { current }

    public mutating func advance(by interval: Interval) { current = current + interval }
}
