/// What one run counted, summed over all clients.
public struct LoadCounters: Codable, Sendable, Equatable {
    /// Requests sent for the first time (retransmissions not included).
    public var sent = 0
    /// Requests that got a response (any code).
    public var completed = 0
    public var success = 0
    public var clientErrors = 0
    public var serverErrors = 0
    /// Requests the server answered with RST.
    public var resets = 0
    /// Requests never answered: after MAX_RETRANSMIT retransmissions, or after the timeout when
    /// retransmission is off or the request was NON.
    public var lost = 0
    public var retransmissions = 0
    /// Responses received for a request that was already complete (e.g. after a retransmission).
    public var duplicates = 0
    /// Observe notifications received (the registration's own response not included).
    public var notifications = 0
    /// Observe clients that received at least one notification.
    public var observersNotified = 0
    /// Registrations answered without Observe (the server did not register the client, RFC 7641
    /// §4.1): such a client does not try again.
    public var observeRefused = 0
    /// Requests still outstanding when the run ended.
    public var unfinished = 0
    /// Datagrams that were not CoAP or not for this client.
    public var malformed = 0

    public init() {}

    public mutating func add(_ other: LoadCounters) {
        sent += other.sent
        completed += other.completed
        success += other.success
        clientErrors += other.clientErrors
        serverErrors += other.serverErrors
        resets += other.resets
        lost += other.lost
        retransmissions += other.retransmissions
        duplicates += other.duplicates
        notifications += other.notifications
        observersNotified += other.observersNotified
        observeRefused += other.observeRefused
        unfinished += other.unfinished
        malformed += other.malformed
    }
}
