import LeveeBase

/// A CON of ours waiting for its ACK (RFC 7252 §4.2): the timeout doubles after each of at most
/// MAX_RETRANSMIT retransmissions.
struct Retransmission {
    var messageID: UInt16
    var attempts: UInt8
    var timeout: Interval
    var nextAt: Instant
}

/// An observer (RFC 7641), keyed by (endpoint, token).
struct Observer {
    var endpoint = Endpoint(addressHigh: 0, addressLow: 0, port: 0)
    var token = Token()
    var resource: Int32 = 0
    var format: UInt16 = 0
    /// Block size of the client's registration: a larger notification carries its first block.
    var szx: UInt8 = CoAPLimits.maxBlockSZX
    var inUse = false
    /// Notifications sent since the last CON one; `mustConfirm` when the next one must be CON.
    var sinceConfirmable: UInt8 = 0
    static let mustConfirm = UInt8.max
    var lastMessageID: UInt16 = 0
    /// Observe value of the last notification (24 bits).
    var sequence: UInt32 = 0
    /// When the next notification is due (a change, or the maximum interval).
    var dueAt = Instant.zero
    var retransmission: Retransmission?
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
