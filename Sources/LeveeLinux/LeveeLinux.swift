// LeveeLinux: the Linux board. Runs the portable node on a host: a UDP socket (or, later, raw
// Ethernet through libpcap), the monotonic clock, simulated sensors and a file-backed flash.
import LeveeBase

#if canImport(Glibc)
import Glibc
#endif

/// The host's monotonic clock (CLOCK_MONOTONIC), in the core's microseconds.
public struct MonotonicClock: Clock {
    public init() {}
    public func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(microseconds: UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec / 1_000))
    }
}

/// Standard output as the core's console.
public struct StandardOutput: Console {
    public init() {}
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = Glibc.write(1, base, bytes.count)
    }
}
