import LeveeBase

/// A CON of ours waiting for its ACK (RFC 7252 §4.2): the timeout doubles after each of at most
/// MAX_RETRANSMIT retransmissions.
struct Retransmission {
    var messageID: UInt16
    var attempts: UInt8
    var timeout: Interval
    var nextAt: Instant

    /// What an observer stores when nothing is in flight (all zero bytes).
    static let idle = Retransmission(messageID: 0, attempts: 0, timeout: .zero, nextAt: .zero)
}

/// An observer (RFC 7641), keyed by (endpoint, token).
///
/// A free entry is all zero bytes: no `Optional` stored (its nil is a tag byte of 1), `szx` 0 until
/// registration; so the chip's table (`ObserverPool`) is plain .bss, with no initialiser. The small
/// fields sit in the padding: 80 bytes.
struct Observer {
    var endpoint = Endpoint(addressHigh: 0, addressLow: 0, port: 0)
    var format: UInt16 = 0
    var lastMessageID: UInt16 = 0
    /// Block size of the client's registration: a larger notification carries its first block.
    var szx: UInt8 = 0
    var inUse = false
    var token = Token()
    /// Notifications sent since the last CON one; `mustConfirm` when the next one must be CON.
    var sinceConfirmable: UInt8 = 0
    static let mustConfirm = UInt8.max
    private var confirmableInFlight = false
    var resource: Int32 = 0
    /// Observe value of the last notification (24 bits).
    var sequence: UInt32 = 0
    /// When the next notification is due (a change, or the maximum interval).
    var dueAt = Instant.zero
    private var inFlight = Retransmission.idle

    init() {}

    /// A new registration: nothing in flight, the next CON after `confirmableEvery` NONs.
    init(endpoint: Endpoint, token: Token, resource: Int32, format: UInt16, szx: UInt8,
         lastMessageID: UInt16, sequence: UInt32, dueAt: Instant) {
        self.endpoint = endpoint
        self.format = format
        self.lastMessageID = lastMessageID
        self.szx = szx
        self.inUse = true
        self.token = token
        self.resource = resource
        self.sequence = sequence
        self.dueAt = dueAt
    }

    /// Our CON notification waiting for its ACK, if any.
    var retransmission: Retransmission? {
        get { confirmableInFlight ? inFlight : nil }
        set {
            confirmableInFlight = newValue != nil
            inFlight = newValue ?? .idle
        }
    }
}

/// The chip's observer table: static storage of its own (zero bytes, so in .bss and never built on
/// the stack), reached by `CoAPServer` through addressors. Inside the service, 100 observers made
/// the service's one-time initialiser build 29–37 KB of temporaries on the chip's 24 KiB stack. The
/// chip has one service that serves (the task set's); the self-test's registers no observer, so
/// one table is enough. Host builds keep the table inside each server, as tests create many.
enum ObserverPool {
    nonisolated(unsafe) static var storage = CoAPLimits.ObserverTable<Observer>(repeating: Observer())
    static var table: UnsafeMutablePointer<CoAPLimits.ObserverTable<Observer>> {
        withUnsafeMutablePointer(to: &storage) { $0 }
    }
}

/// A Block1 upload in progress (RFC 7959 §2.5), keyed by (endpoint, resource).
struct Upload {
    var endpoint = Endpoint(addressHigh: 0, addressLow: 0, port: 0)
    var resource: Int32 = 0
    var nextOffset: UInt32 = 0
    var expires = Instant.zero
    var inUse = false
}

/// A response the handler could not give at once (RFC 7252 §5.2.2).
struct SeparateResponse {
    var endpoint = Endpoint(addressHigh: 0, addressLow: 0, port: 0)
    var token = Token()
    var resource: Int32 = 0
    var format: UInt16 = 0
    var confirmable = false
    var inUse = false
    var readyAt = Instant.zero
    var retransmission: Retransmission?
}

/// When the server sends on its own, and how it paces it.
public struct CoAPConfiguration: Sendable {
    /// An observer gets a notification at least this often, changed or not (RFC 7641 §4.3.1).
    public var observeMaxInterval: Interval
    /// Every n-th notification is CON, so a vanished client is noticed and removed (§4.5).
    public var confirmableEvery: UInt8

    public init(observeMaxInterval: Interval = .seconds(60), confirmableEvery: UInt8 = 5) {
        self.observeMaxInterval = observeMaxInterval
        self.confirmableEvery = max(1, confirmableEvery)
    }
}
