/// Pending `spawnAt` requests ordered by deadline; equal deadlines keep their insertion order.
struct TimerEntry {
    var due: UInt64 = 0
    var payload: UInt64 = 0
    var task: UInt8 = 0
}

struct TimerQueue {
    /// Sorted by `due`, earliest first (16 = SchedulerCapacity.timers).
    var entries = InlineArray<16, TimerEntry>(repeating: TimerEntry())
    var count = 0

    var isFull: Bool { count == entries.count }

    /// Inserts after every entry with the same or an earlier deadline; false when full.
    mutating func insert(_ entry: TimerEntry) -> Bool {
        guard count < entries.count else { return false }
        var i = count
        while i > 0 && entries[i - 1].due > entry.due {
            entries[i] = entries[i - 1]
            i -= 1
        }
        entries[i] = entry
        count += 1
        return true
    }

    var earliest: UInt64? { count > 0 ? entries[0].due : nil }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(at now: UInt64) -> TimerEntry? {
        guard count > 0, entries[0].due <= now else { return nil }
        let first = entries[0]
        var i = 1
        while i < count {
            entries[i - 1] = entries[i]
            i += 1
        }
        count -= 1
        return first
    }
}
