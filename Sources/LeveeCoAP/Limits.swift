/// Every limit of the CoAP codec and server, named so the memory budget can count it.
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
}
