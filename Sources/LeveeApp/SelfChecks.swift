import LeveeBase
import LeveeCoAP

/// The node's end-to-end checks: a datagram in, the right datagram out, on host and chip alike.
public enum AppSelfChecks {
    /// Runs on `node`, which must be fresh (no request yet): the board's static service, since a
    /// `NodeService` (about 16 KiB with its observer table) does not belong on the chip's stack.
    public static func run<R: CheckRecorder>(_ r: inout R, node: inout NodeService) {
        let source = Endpoint(ipv4: 0x7F00_0001, port: 40000)
        // CON GET /.well-known/core, MID 0x0102, token 0x7A.
        let request: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0x41, 0x01, 0x01, 0x02, 0x7A, 0xBB, 0x2E, 0x77, 0x65, 0x6C, 0x6C, 0x2D, 0x6B, 0x6E, 0x6F, 0x77,
             0x6E, 0x04, 0x63, 0x6F, 0x72, 0x65)
        withUnsafeBytes(of: request) { datagram in
            withUnsafeTemporaryAllocation(byteCount: 256, alignment: 4) { buffer in
                var reply = ByteWriter(buffer)
                let answered = node.receive(datagram, from: source, at: .zero, reply: &reply)
                let w = reply.written
                r.check(answered && w.count > 8 && w[0] == 0x61 && w[1] == Code.content.rawValue
                        && w[2] == 0x01 && w[3] == 0x02 && w[4] == 0x7A,
                        "GET /.well-known/core answered 2.05 piggybacked with the same MID and token")
                var linkFormat = false
                if let m = try? MessageView.parse(w) {
                    linkFormat = m.uint(OptionNumber.contentFormat) == UInt32(ContentFormat.linkFormat)
                        && m.has(OptionNumber.eTag) && m.payload.count > 0 && m.payload[0] == UInt8(ascii: "<")
                }
                r.check(linkFormat, "discovery is link-format with an ETag")
                // The same CON again: the cached bytes, the handler not run again.
                let first = UnsafeRawBufferPointer(rebasing: buffer[0..<reply.count])
                withUnsafeTemporaryAllocation(byteCount: 256, alignment: 4) { second in
                    var again = ByteWriter(second)
                    let repeated = node.receive(datagram, from: source, at: .zero, reply: &again)
                    var same = repeated && again.count == first.count
                    for i in 0..<min(again.count, first.count) where second[i] != first[i] { same = false }
                    r.check(same && node.counters.duplicates == 1 && node.counters.requests == 1,
                            "a retransmitted CON is answered from the deduplication cache")
                }
            }
        }
        // An empty CON (CoAP ping) gets RST with the same MID.
        let ping: (UInt8, UInt8, UInt8, UInt8) = (0x40, 0x00, 0xBE, 0xEF)
        withUnsafeBytes(of: ping) { datagram in
            withUnsafeTemporaryAllocation(byteCount: 16, alignment: 4) { buffer in
                var reply = ByteWriter(buffer)
                let answered = node.receive(datagram, from: source, at: .zero, reply: &reply)
                let w = reply.written
                r.check(answered && w.count == 4 && w[0] == 0x70 && w[1] == 0 && w[2] == 0xBE && w[3] == 0xEF,
                        "CoAP ping answered with RST")
            }
        }
    }
}
