import LeveeBase
import LeveeCoAP

/// A boot-time check of the node instance the board keeps in static storage: a discovery request
/// goes through it and must come back as 2.05.
public enum NodeBootCheck {
    public static func run<Output: Console>(_ node: inout NodeService, console: inout Output) -> UInt32 {
        // NON GET /.well-known/core, MID 0x0001, no token.
        let request: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0x50, 0x01, 0x00, 0x01, 0xBB, 0x2E, 0x77, 0x65, 0x6C, 0x6C, 0x2D, 0x6B, 0x6E, 0x6F, 0x77,
             0x6E, 0x04, 0x63, 0x6F, 0x72, 0x65)
        var storage = CoAPLimits.DatagramStorage(repeating: 0)
        let ok = withUnsafeBytes(of: request) { datagram in
            withUnsafeMutableBytes(of: &storage) { buffer in
                var reply = ByteWriter(buffer)
                let answered = node.receive(datagram, from: Endpoint(ipv4: 0x0A00_0002, port: 5683),
                                            at: .zero, reply: &reply)
                return answered && reply.count > 2 && reply.written[1] == Code.content.rawValue
            }
        }
        console.write(ok ? "node: discovery through the static node instance ok\n"
                         : "node: FAIL discovery through the static node instance\n")
        return ok ? 0 : 1
    }
}
