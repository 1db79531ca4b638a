import LeveeBase

/// Deduplication of requests (RFC 7252 §4.5): the exchanges of the last EXCHANGE_LIFETIME, keyed by
/// (endpoint, message ID), with the bytes of the response each CON got.
///
/// A repeated CON is answered with the cached bytes without running the handler again; a repeated
/// NON is ignored. Responses live in one byte arena written as a ring, so a 1 KiB block and a
/// 10-byte 2.04 cost what they are.
///
/// Eviction policy: oldest first. A new response is written at the ring's cursor (wrapping to the
/// start when it does not fit before the end), and the entries whose bytes it overwrites are
/// dropped; those are always the oldest ones, since the cursor only moves forward. When every
/// entry is in use, the oldest entry is dropped too. This is safe under load: the cache always
/// holds the most recent exchanges, which are the ones a client can still be retransmitting
/// (retransmissions come within MAX_TRANSMIT_WAIT of the original, 93 s, usually within 2–6 s), and
/// a flood only shortens how far back it remembers, never refuses a new request. A live entry
/// dropped before its lifetime ended is counted in `evictions`: a retransmission of it would run
/// its handler again.
public struct DedupCache {
    struct Entry {
        var endpoint = Endpoint(addressHigh: 0, addressLow: 0, port: 0)
        var expires = Instant.zero
        /// Insertion order, to find the oldest entry.
        var age: UInt32 = 0
        var messageID: UInt16 = 0
        var offset: UInt16 = 0
        var length: UInt16 = 0
        var inUse = false
        /// A CON (answered again from `offset`/`length`) or a NON (ignored when repeated).
        var confirmable = false
    }

    private var entries = CoAPLimits.DedupEntries<Entry>(repeating: Entry())
    private var arena = CoAPLimits.DedupArena(repeating: 0)
    private var cursor = 0
    private var clock: UInt32 = 0
    /// Live entries dropped to make room before their lifetime ended.
    public private(set) var evictions: UInt32 = 0

    @inline(__always) public init() {}

    /// What the cache knows about a request.
    public enum Lookup {
        case new
        /// A repeated NON: ignore it.
        case repeatedNonConfirmable
        /// A repeated CON: send these bytes again.
        case repeatedConfirmable(Int)
    }

    public mutating func lookup(_ endpoint: Endpoint, messageID: UInt16, at now: Instant) -> Lookup {
        for i in 0..<entries.count where entries[i].inUse && entries[i].messageID == messageID
            && entries[i].endpoint == endpoint {
            guard now < entries[i].expires else {
                entries[i].inUse = false
                return .new
            }
            return entries[i].confirmable ? .repeatedConfirmable(i) : .repeatedNonConfirmable
        }
        return .new
    }

    /// Writes the cached response of entry `index` (from `lookup`) into `reply`.
    public mutating func replay(_ index: Int, into reply: inout ByteWriter) {
        let entry = entries[index]
        reply.reset()
        withUnsafeMutableBytes(of: &arena) { raw in
            reply.append(UnsafeRawBufferPointer(rebasing: raw[Int(entry.offset)..<Int(entry.offset) + Int(entry.length)]))
        }
    }

    /// Remembers an exchange: a CON with the response it got, or a NON (`response` empty).
    public mutating func remember(_ endpoint: Endpoint, messageID: UInt16, confirmable: Bool,
                                  response: UnsafeRawBufferPointer, at now: Instant) {
        let length = response.count
        guard length <= arena.count else { return }   // cannot happen with a 1152-byte datagram
        if cursor + length > arena.count { cursor = 0 }
        let start = cursor, end = cursor + length
        var slot = -1
        var oldest = -1
        for i in 0..<entries.count {
            guard entries[i].inUse else {
                if slot < 0 { slot = i }
                continue
            }
            if now >= entries[i].expires {
                entries[i].inUse = false
                if slot < 0 { slot = i }
                continue
            }
            let entryStart = Int(entries[i].offset), entryEnd = entryStart + Int(entries[i].length)
            if length > 0 && entries[i].length > 0 && entryStart < end && start < entryEnd {
                drop(i)
                if slot < 0 { slot = i }
                continue
            }
            if oldest < 0 || clock &- entries[i].age > clock &- entries[oldest].age { oldest = i }
        }
        if slot < 0 {
            slot = oldest
            drop(oldest)
        }
        withUnsafeMutableBytes(of: &arena) { raw in
            for i in 0..<length { raw[start + i] = response[i] }
        }
        cursor = end
        clock &+= 1
        entries[slot] = Entry(endpoint: endpoint,
                              expires: now + (confirmable ? CoAPTiming.exchangeLifetime : CoAPTiming.nonLifetime),
                              age: clock, messageID: messageID, offset: UInt16(truncatingIfNeeded: start),
                              length: UInt16(truncatingIfNeeded: length), inUse: true, confirmable: confirmable)
    }

    private mutating func drop(_ index: Int) {
        entries[index].inUse = false
        evictions &+= 1
    }
}
