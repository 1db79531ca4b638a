import LeveeMallocCounter
import LeveeApp
import LeveeBase
import LeveeCoAP
import XCTest

/// The server allocates nothing per request: 10,000 requests of every kind through the node's
/// service (in steady state, after one warm-up round) with the malloc family counted.
final class AllocationTests: XCTestCase {
    func testTenThousandRequestsAllocateNothing() throws {
        var node = NodeService(bootTime: .zero)
        let requests: [[UInt8]] = [
            Message.request(.get, "sys/firmware").encode(),
            Message.request(.get, ".well-known/core", query: ["rt=levee.test.*"]).encode(),
            Message.request(.get, "test/blob").with(OptionNumber.block2, uint: 2 << 4 | 5).encode(),
            Message.request(.put, "test/store").with(OptionNumber.contentFormat, uint: 0).with(payload: Array("42".utf8)).encode(),
            Message.request(.post, "test/counter", type: .nonConfirmable).encode(),
            Message.request(.get, "test/ticker", token: [7]).with(OptionNumber.observe, uint: 0).encode(),
            Message.request(.put, "test/upload").with(OptionNumber.block1, uint: 0x0A).with(payload: [UInt8](repeating: 1, count: 64)).encode(),
            Message.request(.get, "sys/coap").encode(),
            [0x40, 0x00, 0x00, 0x00],          // ping
            [0x4F, 0x01, 0x00, 0x00],          // token length 15
        ]
        let datagram = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
        let reply = UnsafeMutableRawBufferPointer.allocate(byteCount: CoAPLimits.maxDatagram, alignment: 8)
        defer { datagram.deallocate(); reply.deallocate() }
        let lengths = requests.map(\.count)
        let flat = requests.flatMap { $0 }
        let source = Endpoint(ipv4: 0x7F00_0001, port: 40000)
        var answered = 0

        func round(_ count: Int, _ base: Int) {
            var offset = 0
            var start = 0
            for i in 0..<count {
                let k = i % lengths.count
                if k == 0 { offset = 0 }
                start = offset
                offset += lengths[k]
                flat.withUnsafeBytes { all in
                    for j in 0..<lengths[k] { datagram[j] = all[start + j] }
                }
                let mid = UInt16(truncatingIfNeeded: base + i)
                datagram[2] = UInt8(truncatingIfNeeded: mid >> 8)
                datagram[3] = UInt8(truncatingIfNeeded: mid)
                let now = Instant(microseconds: UInt64(base + i) * 1_000)
                var writer = ByteWriter(reply)
                if node.receive(UnsafeRawBufferPointer(rebasing: datagram[0..<lengths[k]]), from: source, at: now, reply: &writer) {
                    answered += 1
                }
                var own = ByteWriter(reply)
                while node.nextOutgoing(at: now, into: &own) != nil { own.reset() }
            }
        }
        round(100, 0)   // warm-up: tables fill, lazy runtime metadata is created
        levee_malloc_counter_begin()
        round(10_000, 100)
        let allocations = levee_malloc_counter_end()
        XCTAssertEqual(allocations, 0, "heap allocations in 10,000 requests")
        XCTAssertGreaterThan(answered, 9_000)
        XCTAssertGreaterThan(node.counters.notificationsSent, 0)
        // The counter works at all: an Array allocates.
        levee_malloc_counter_begin()
        let array = [Int](repeating: 1, count: Int.random(in: 100...200))
        XCTAssertGreaterThan(levee_malloc_counter_end(), 0, "the counter sees an Array of \(array.count)")
    }
}
