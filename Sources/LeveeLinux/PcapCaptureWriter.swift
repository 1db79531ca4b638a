import LeveeBase
import LeveeNet
#if canImport(Glibc)
import Glibc
#endif

/// Writes what the node sends and receives to a classic pcap file that Wireshark and `tshark -r`
/// open. LAN mode records whole Ethernet frames; socket mode has no frames, so it records each
/// UDP datagram inside a synthesised IPv4 or IPv6 header (link type "raw IP").
///
/// Host-only, so it may allocate; it writes through stdio and flushes at `flush()` and on close,
/// so a capture stopped by SIGTERM is complete.
public final class PcapCaptureWriter {
    /// pcap link types (https://www.tcpdump.org/linktypes.html).
    public enum LinkType: UInt32 {
        case ethernet = 1
        /// LINKTYPE_RAW: each record starts with an IPv4 or IPv6 header.
        case rawIP = 101
    }

    public let linkType: LinkType
    private var file: UnsafeMutablePointer<FILE>?
    private var scratch = [UInt8](repeating: 0, count: 65_600)
    public private(set) var records: UInt64 = 0
    private var identification: UInt16 = 1

    /// Creates (or truncates) `path` and writes the pcap global header.
    public init(path: String, linkType: LinkType) throws(CaptureError) {
        self.linkType = linkType
        guard let f = fopen(path, "wb") else { throw .cannotOpen(path, errno) }
        file = f
        var header = [UInt8]()
        func le32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { header += $0 } }
        func le16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { header += $0 } }
        le32(0xA1B2_C3D4)          // magic: microsecond timestamps, written little-endian
        le16(2); le16(4)           // version 2.4
        le32(0); le32(0)           // thiszone, sigfigs
        le32(65_535)               // snaplen
        le32(linkType.rawValue)
        fwrite(header, 1, header.count, f)
    }

    deinit { close() }

    public func close() {
        if let f = file { fclose(f) }
        file = nil
    }

    public func flush() { if let f = file { fflush(f) } }

    /// Records one frame (LAN mode) or one IP packet (raw-IP captures), stamped with wall-clock time.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let f = file else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var record: (UInt32, UInt32, UInt32, UInt32) = (
            UInt32(truncatingIfNeeded: now.tv_sec).littleEndian,
            UInt32(truncatingIfNeeded: now.tv_nsec / 1_000).littleEndian,
            UInt32(truncatingIfNeeded: bytes.count).littleEndian,
            UInt32(truncatingIfNeeded: bytes.count).littleEndian)
        withUnsafeBytes(of: &record) { _ = fwrite($0.baseAddress, 1, 16, f) }
        if let base = bytes.baseAddress, bytes.count > 0 { fwrite(base, 1, bytes.count, f) }
        records += 1
    }

    /// Socket mode: records a UDP datagram as the IP packet that carried it, with the headers the
    /// core stack writes (IPv4, or IPv6 for IPv6 endpoints).
    public func writeUDP(_ payload: UnsafeRawBufferPointer, from source: Endpoint, to destination: Endpoint) {
        guard payload.count <= 65_000 else { return }
        scratch.withUnsafeMutableBytes { buffer in
            if let s = source.ipv4, let d = destination.ipv4 {
                let start = IPv4.minimumHeaderLength + UDP.headerLength
                for i in 0..<payload.count { buffer[start + i] = payload[i] }
                UDP.writeHeaders(into: buffer, at: 0, source: IPv4Endpoint(address: IPv4Address(s), port: source.port),
                                 destination: IPv4Endpoint(address: IPv4Address(d), port: destination.port),
                                 payloadLength: payload.count, ttl: 64, identification: identification)
                identification &+= 1
                write(UnsafeRawBufferPointer(rebasing: buffer[0..<start + payload.count]))
            } else {
                let start = IPv6.headerLength + UDP.headerLength
                for i in 0..<payload.count { buffer[start + i] = payload[i] }
                IPv6.writeUDPHeaders(into: buffer, at: 0,
                                     source: IPv6Address(high: source.addressHigh, low: source.addressLow), sourcePort: source.port,
                                     destination: IPv6Address(high: destination.addressHigh, low: destination.addressLow),
                                     destinationPort: destination.port, payloadLength: payload.count, hopLimit: 64)
                write(UnsafeRawBufferPointer(rebasing: buffer[0..<start + payload.count]))
            }
        }
    }
}

public enum CaptureError: Error, CustomStringConvertible {
    case cannotOpen(String, Int32)
    public var description: String {
        switch self {
        case .cannotOpen(let path, let code): return "cannot write capture \(path): \(String(cString: strerror(code)))"
        }
    }
}
