import XCTest
import LeveeOTA

/// The strict CBOR reader on hand-made items (RFC 8949 appendix A encodings).
final class CBORReaderTests: XCTestCase {
    func reading<T>(_ bytes: [UInt8], _ body: (inout CBORReader) throws(CBORError) -> T) -> Result<T, CBORError> {
        bytes.withUnsafeBytes { raw in
            var reader = CBORReader(raw)
            do throws(CBORError) { return .success(try body(&reader)) } catch { return .failure(error) }
        }
    }

    func testIntegersAndStrings() {
        XCTAssertEqual(try reading([0x17]) { r throws(CBORError) in try r.readInteger() }.get(), 23)
        XCTAssertEqual(try reading([0x18, 0x18]) { r throws(CBORError) in try r.readInteger() }.get(), 24)
        XCTAssertEqual(try reading([0x39, 0x01, 0xf3]) { r throws(CBORError) in try r.readInteger() }.get(), -500)
        XCTAssertEqual(try reading([0x27]) { r throws(CBORError) in try r.readInteger() }.get(), -8)
        XCTAssertEqual(try reading([0x1b, 0, 0, 0, 1, 0, 0, 0, 0]) { r throws(CBORError) in try r.readUnsigned() }.get(), 1 << 32)
        XCTAssertEqual(try reading([0x43, 1, 2, 3]) { r throws(CBORError) in try r.readByteString() }.get(), 1..<4)
        XCTAssertEqual(try reading([0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0]) { r throws(CBORError) in try r.readInteger() }, .failure(.outOfRange))
    }

    func testStrictness() {
        XCTAssertEqual(reading([0x18, 0x17]) { r throws(CBORError) in try r.readUnsigned() }, .failure(.nonMinimalHead))
        XCTAssertEqual(reading([0x19, 0x00, 0xff]) { r throws(CBORError) in try r.readUnsigned() }, .failure(.nonMinimalHead))
        XCTAssertEqual(reading([0x5f, 0x41, 0x00, 0xff]) { r throws(CBORError) in try r.readByteString() }, .failure(.indefiniteLength))
        XCTAssertEqual(reading([0x9f, 0xff]) { r throws(CBORError) in try r.skipItem(); return 0 }, .failure(.indefiniteLength))
        XCTAssertEqual(reading([0x1c]) { r throws(CBORError) in try r.readUnsigned() }, .failure(.reservedAdditionalInformation))
        XCTAssertEqual(reading([0x44, 1, 2, 3]) { r throws(CBORError) in try r.readByteString() }, .failure(.truncated))
        XCTAssertEqual(reading([0x1a, 1, 2]) { r throws(CBORError) in try r.readUnsigned() }, .failure(.truncated))
        XCTAssertEqual(reading([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) { r throws(CBORError) in try r.readByteString() },
                       .failure(.truncated))
        XCTAssertEqual(reading([0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) { r throws(CBORError) in try r.skipItem(); return 0 },
                       .failure(.truncated))
        XCTAssertEqual(reading([0x41, 0]) { r throws(CBORError) in try r.readTextString() }, .failure(.unexpectedType))
    }

    func testSkipFollowsNestingUpToTheDepthLimit() {
        // [1, {2: h'0304'}, 6(7), "x", 1.5 (half float)] then one more byte.
        let item: [UInt8] = [0x85, 0x01, 0xa1, 0x02, 0x42, 0x03, 0x04, 0xc6, 0x07, 0x61, 0x78, 0xf9, 0x3e, 0x00, 0x00]
        XCTAssertEqual(try reading(item) { r throws(CBORError) in try r.skipItem(); return r.offset }.get(), item.count - 1)
        let deep8 = [UInt8](repeating: 0x81, count: 8) + [0x00]
        XCTAssertEqual(try reading(deep8) { r throws(CBORError) in try r.skipItem(); return r.offset }.get(), 9)
        let deep9 = [UInt8](repeating: 0x81, count: 9) + [0x00]
        XCTAssertEqual(reading(deep9) { r throws(CBORError) in try r.skipItem(); return 0 }, .failure(.tooDeep))
        let deepTags = [UInt8](repeating: 0xc6, count: 100) + [0x00]
        XCTAssertEqual(reading(deepTags) { r throws(CBORError) in try r.skipItem(); return 0 }, .failure(.tooDeep))
    }

    /// Random bytes never trap the reader and never move it past the end.
    func testRandomInputNeverReadsPastTheEnd() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let end = reading(bytes) { r throws(CBORError) in try r.skipItem(); return r.offset }
            if case .success(let offset) = end { XCTAssertLessThanOrEqual(offset, bytes.count) }
        }
    }
}
