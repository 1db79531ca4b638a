import XCTest
import LeveeBase

final class ByteWriterTests: XCTestCase {
    func testDecimalsAndOverflow() {
        var storage = [UInt8](repeating: 0, count: 8)
        storage.withUnsafeMutableBytes { raw in
            var w = ByteWriter(raw)
            w.appendDecimal(UInt64(12345))
            XCTAssertEqual(Array(w.written), Array("12345".utf8))
            w.appendDecimal(UInt64(9999))   // does not fit: nothing written
            XCTAssertTrue(w.overflowed)
            XCTAssertEqual(w.count, 5)
            w.reset()
            w.appendDecimal(Int64.min + 1)
            XCTAssertTrue(w.overflowed)
            XCTAssertEqual(w.count, 1, "the sign fits, the digits do not")
        }
    }

    func testReaderNeverReadsPastTheEnd() {
        let bytes: [UInt8] = [1, 2, 3]
        bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            XCTAssertNil(r.readBigEndianU32())
            XCTAssertEqual(r.readBigEndianU16(), 0x0102)
            XCTAssertNil(r.readBigEndianU16())
            XCTAssertEqual(r.readU8(), 3)
            XCTAssertNil(r.readU8())
        }
    }
}
