import LeveeApp
import LeveeBase
import LeveeCoAP
import XCTest

/// Block-wise transfers (RFC 7959).
final class BlockTests: XCTestCase {
    static let blob = (0..<TestResources.blobLength).map { TestResources.blobByte($0) }

    func testBlock2DownloadAtEverySize() throws {
        let h = Harness()
        var id: UInt16 = 1
        for szx in UInt32(0)...6 {
            var body: [UInt8] = []
            var etags = Set<[UInt8]>()
            var number: UInt32 = 0
            while true {
                let r = try XCTUnwrap(h.send(Message.request(.get, "test/blob", id: id).with(OptionNumber.block2, uint: number << 4 | szx)))
                id += 1
                XCTAssertEqual(r.code, .content)
                etags.insert(try XCTUnwrap(r.values(OptionNumber.eTag).first, "ETag on block \(number)"))
                let block = try XCTUnwrap(BlockOption(value: try XCTUnwrap(r.uint(OptionNumber.block2))))
                XCTAssertEqual(block.number, number)
                XCTAssertEqual(block.szx, UInt8(szx))
                if number == 0 { XCTAssertEqual(r.uint(OptionNumber.size2), 5120) }
                body += r.payload
                if !block.more { break }
                XCTAssertEqual(r.payload.count, 16 << Int(szx))
                number += 1
            }
            XCTAssertEqual(body, Self.blob, "szx \(szx)")
            XCTAssertEqual(etags.count, 1, "one ETag for every block")
        }
        XCTAssertEqual(h.node.counters.block2Transfers, 7)
        // Past the end: 4.02.
        XCTAssertEqual(h.send(Message.request(.get, "test/blob", id: id).with(OptionNumber.block2, uint: 5 << 4 | 6))?.code, .badOption)
    }

    func testServerStartsBlockwiseForALargeRepresentation() throws {
        let h = Harness()
        let r = try XCTUnwrap(h.send(Message.request(.get, "test/blob")))
        let block = try XCTUnwrap(BlockOption(value: try XCTUnwrap(r.uint(OptionNumber.block2))))
        XCTAssertEqual(block, BlockOption(number: 0, more: true, szx: 6))
        XCTAssertEqual(r.payload, Array(Self.blob[0..<1024]))
        XCTAssertEqual(r.uint(OptionNumber.size2), 5120)
    }

    func testBlock1UploadOf20KiB() throws {
        let h = Harness()
        let body = (0..<20 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for (number, start) in stride(from: 0, to: body.count, by: 1024).enumerated() {
            let more = start + 1024 < body.count
            let r = try XCTUnwrap(h.send(Message.request(.put, "test/upload", id: UInt16(number + 1))
                .with(OptionNumber.contentFormat, uint: 42)
                .with(OptionNumber.block1, uint: UInt32(number) << 4 | (more ? 8 : 0) | 6)
                .with(payload: Array(body[start..<start + 1024]))))
            XCTAssertEqual(r.code, more ? .continue : .changed)
            XCTAssertEqual(r.uint(OptionNumber.block1), UInt32(number) << 4 | (more ? 8 : 0) | 6)
        }
        var hash: UInt32 = 0x811C_9DC5
        for byte in body { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        let summary = try XCTUnwrap(h.send(Message.request(.get, "test/upload", id: 100)))
        XCTAssertEqual(summary.text, "20480 " + String(hash, radix: 16).leftPad(8))
        XCTAssertEqual(h.node.counters.block1Transfers, 1)
    }

    func testBlock1OutOfOrderTooLargeAndTimeout() throws {
        let h = Harness()
        let chunk = [UInt8](repeating: 1, count: 64)
        func block(_ number: UInt32, more: Bool, id: UInt16) -> Message {
            Message.request(.put, "test/upload", id: id).with(OptionNumber.block1, uint: number << 4 | (more ? 8 : 0) | 2).with(payload: chunk)
        }
        XCTAssertEqual(h.send(block(1, more: true, id: 1))?.code, .requestEntityIncomplete, "no block 0")
        XCTAssertEqual(h.send(block(0, more: true, id: 2))?.code, .continue)
        XCTAssertEqual(h.send(block(2, more: true, id: 3))?.code, .requestEntityIncomplete, "block 1 skipped")
        XCTAssertEqual(h.send(block(1, more: true, id: 4))?.code, .continue)
        let announced = try XCTUnwrap(h.send(block(0, more: true, id: 5).with(OptionNumber.size1, uint: 40000)))
        XCTAssertEqual(announced.code, .requestEntityTooLarge)
        XCTAssertEqual(announced.uint(OptionNumber.size1), 32768)
        XCTAssertEqual(h.send(block(600, more: true, id: 6))?.code, .requestEntityTooLarge)
        // An abandoned upload is freed after its timeout.
        XCTAssertEqual(h.send(block(0, more: true, id: 7))?.code, .continue)
        h.advance(.seconds(61))
        XCTAssertNil(h.outgoing())
        XCTAssertEqual(h.node.counters.transfersTimedOut, 1)
        XCTAssertEqual(h.send(block(1, more: false, id: 8))?.code, .requestEntityIncomplete)
        // Uploads from more clients than slots: 5.03 with Max-Age.
        for port in UInt16(1)...4 {
            XCTAssertEqual(h.send(block(0, more: true, id: 9), from: Endpoint(ipv4: 0x0A00_0001, port: port))?.code, .continue)
        }
        let full = try XCTUnwrap(h.send(block(0, more: true, id: 9), from: Endpoint(ipv4: 0x0A00_0001, port: 5)))
        XCTAssertEqual(full.code, .serviceUnavailable)
        XCTAssertNotNil(full.uint(OptionNumber.maxAge))
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
