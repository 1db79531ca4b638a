import LeveeBase

/// What the server counts, served as JSON at `/sys/coap`. All counters wrap.
public struct CoAPCounters: Sendable {
    /// Requests handled (duplicates answered from the cache are not counted again).
    public var requests: UInt32 = 0
    public var responses2xx: UInt32 = 0
    public var responses4xx: UInt32 = 0
    public var responses5xx: UInt32 = 0
    /// Repeated CONs answered from the deduplication cache without running the handler.
    public var duplicates: UInt32 = 0
    /// Repeated NONs dropped.
    public var duplicatesIgnored: UInt32 = 0
    /// Datagrams that are not well-formed CoAP (answered RST when they were CON, else dropped).
    public var malformed: UInt32 = 0
    public var resetsSent: UInt32 = 0
    public var resetsReceived: UInt32 = 0
    /// ACKs and RSTs that matched a CON or notification of ours.
    public var acknowledgements: UInt32 = 0
    /// Well-formed messages that needed no answer (unsolicited ACKs, responses, empty NONs).
    public var ignored: UInt32 = 0
    /// Observers registered right now, and registrations ever.
    public var observers: UInt32 = 0
    public var observeRegistrations: UInt32 = 0
    /// Observers removed by RST, by Observe=1, by a timed-out CON notification, or by an error.
    public var observersRemoved: UInt32 = 0
    public var notificationsSent: UInt32 = 0
    /// CON notifications and separate responses never acknowledged after MAX_RETRANSMIT.
    public var notificationsLost: UInt32 = 0
    public var retransmissions: UInt32 = 0
    public var separateResponses: UInt32 = 0
    /// Block-wise transfers completed (last block served or received) and Block1 uploads abandoned.
    public var block2Transfers: UInt32 = 0
    public var block1Transfers: UInt32 = 0
    public var transfersTimedOut: UInt32 = 0
    /// Registrations answered as a plain GET (no Observe: not registered) because the observer
    /// table was full (RFC 7641 §4.1).
    public var observeRefused: UInt32 = 0
    /// Requests refused with 5.03 because a table (uploads, separate responses) was full.
    public var tableFull: UInt32 = 0
    /// Live deduplication entries dropped to make room (see `DedupCache`).
    public var dedupEvictions: UInt32 = 0

    public init() {}

    /// The counters as one JSON object.
    func write(into response: inout ResponseWriter) {
        // A plain function, not a closure over `first`: a captured var is boxed on the heap in
        // unoptimised host builds.
        func field(_ name: StaticString, _ value: UInt32, _ response: inout ResponseWriter) {
            response.payload(response.total == 0 ? "{\"" : ",\"")
            response.payload(name)
            response.payload("\":")
            response.payload(decimal: value)
        }
        field("requests", requests, &response)
        field("responses_2xx", responses2xx, &response)
        field("responses_4xx", responses4xx, &response)
        field("responses_5xx", responses5xx, &response)
        field("duplicates", duplicates, &response)
        field("duplicates_ignored", duplicatesIgnored, &response)
        field("dedup_evictions", dedupEvictions, &response)
        field("malformed", malformed, &response)
        field("resets_sent", resetsSent, &response)
        field("resets_received", resetsReceived, &response)
        field("acknowledgements", acknowledgements, &response)
        field("ignored", ignored, &response)
        field("observers", observers, &response)
        field("observe_registrations", observeRegistrations, &response)
        field("observers_removed", observersRemoved, &response)
        field("observe_refused", observeRefused, &response)
        field("notifications_sent", notificationsSent, &response)
        field("notifications_lost", notificationsLost, &response)
        field("retransmissions", retransmissions, &response)
        field("separate_responses", separateResponses, &response)
        field("block2_transfers", block2Transfers, &response)
        field("block1_transfers", block1Transfers, &response)
        field("transfers_timed_out", transfersTimedOut, &response)
        field("table_full", tableFull, &response)
        response.payload("}")
    }
}
