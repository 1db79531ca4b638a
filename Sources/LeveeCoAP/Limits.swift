import LeveeBase

/// Every limit of the CoAP codec and server, named so the memory budget can count it.
///
/// The tables are fixed `InlineArray`s sized by these constants: `MemoryLayout<CoAPServer<…>>.size`
/// is the server's whole RAM, and the firmware places it in static storage.
public enum CoAPLimits {
    /// Storage for one datagram received or sent (RFC 7252 §4.6: 1152 bytes fit an unfragmented
    /// IPv6 path). A type, so static and stack buffers can be declared with it.
    public typealias DatagramStorage = InlineArray<1152, UInt8>
    /// Largest datagram received or sent.
    public static let maxDatagram = MemoryLayout<DatagramStorage>.size
    /// Options recorded per message (the count of `OptionTable`); more is a format error.
    public typealias OptionTable = InlineArray<24, OptionView>
    /// Token length allowed by RFC 7252 (9–15 is a message format error).
    public static let maxTokenLength = 8
    /// Bytes reserved in front of a response's payload for the header, the token and the options
    /// the server writes (ETag, Observe, Content-Format, Max-Age, Block2, Block1, Size2, Size1):
    /// at most 4 + 8 + 5 + 4 + 3 + 5 + 4 + 4 + 5 + 6 + 1 = 49.
    public static let responseHeadroom = 64
    /// Largest block (SZX 6, RFC 7959); a representation larger than this is always sent block-wise.
    public static let maxBlockSize = 1024
    /// Largest SZX the server uses (2^(6+4) = 1024 bytes).
    public static let maxBlockSZX: UInt8 = 6
    /// Longest Uri-Query value used as a discovery filter.
    public static let maxQueryLength = 64

    /// Deduplication (RFC 7252 §4.5): exchanges remembered, and the bytes of their responses.
    /// (Tables are types: an `InlineArray`'s count must be known to the type checker.)
    public typealias DedupEntries<Entry> = InlineArray<24, Entry>
    public typealias DedupArena = InlineArray<4096, UInt8>
    /// Observers over all resources (RFC 7641), 80 bytes each (`Observer`): 8000 bytes for 100,
    /// in static storage of its own on the chip (`ObserverPool`). A registration beyond these is
    /// answered as a plain GET, without Observe (counted in `observeRefused`).
    public typealias ObserverTable<Entry> = InlineArray<100, Entry>
    public static var observerCapacity: Int { ObserverTable<UInt8>.count }
    /// Block1 uploads in progress at once (one per client and resource).
    public typealias UploadTable<Entry> = InlineArray<4, Entry>
    /// Separate responses waiting for their handler.
    public typealias SeparateResponseTable<Entry> = InlineArray<4, Entry>
}

/// The protocol's timing parameters (RFC 7252 §4.8, §4.8.2).
public enum CoAPTiming {
    public static let ackTimeout = Interval.seconds(2)
    /// ACK_RANDOM_FACTOR 1.5: the first timeout is drawn from [ACK_TIMEOUT, 1.5 × ACK_TIMEOUT).
    public static let ackRandomSpan = Interval.seconds(1)
    public static let maxRetransmit: UInt8 = 4
    /// EXCHANGE_LIFETIME: how long a CON's message ID must be remembered.
    public static let exchangeLifetime = Interval.seconds(247)
    /// NON_LIFETIME: how long a NON's message ID must be remembered.
    public static let nonLifetime = Interval.seconds(145)
    /// A Block1 upload with no block for this long is abandoned and its slot freed.
    public static let blockTransferTimeout = Interval.seconds(60)
    /// Max-Age sent with 5.03 when a table is full: when a client may try again.
    public static let retryAfterFull: UInt32 = 10
}
