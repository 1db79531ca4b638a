/// The server's source of message IDs and retransmission jitter: xorshift32, seeded by the board.
///
/// Deterministic on purpose: a test seeds it and gets the same message IDs and timeouts every run;
/// a board seeds it from whatever entropy it has (a hardware RNG, the clock at the first packet).
/// Nothing here needs to be unpredictable: CoAP over plain UDP has no secrets.
public struct CoAPRandom: Sendable {
    private var state: UInt32

    public init(seed: UInt32) { state = seed == 0 ? 0x9E37_79B9 : seed }

    public mutating func next() -> UInt32 {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return state
    }

    /// A number in 0..<bound (bound > 0); the modulo bias is irrelevant for jitter.
    public mutating func next(below bound: UInt32) -> UInt32 { next() % bound }
}

/// A token as the server keeps it for later messages (notifications, separate responses).
public struct Token: Equatable, Sendable {
    /// The token's bytes in memory order; unused bytes are zero so tokens compare as integers.
    private var storage: UInt64 = 0
    public private(set) var length: UInt8 = 0

    public init() {}

    public init(_ bytes: UnsafeRawBufferPointer) {
        let count = min(bytes.count, CoAPLimits.maxTokenLength)
        withUnsafeMutableBytes(of: &storage) { raw in
            for i in 0..<count { raw[i] = bytes[i] }
        }
        length = UInt8(truncatingIfNeeded: count)
    }

    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withUnsafeBytes(of: storage) { body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(length)])) }
    }
}
