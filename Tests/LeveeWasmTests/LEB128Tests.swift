import XCTest
import LeveeBase
import LeveeWasm

final class LEB128Tests: XCTestCase {
    private func u(_ bytes: [UInt8], _ bits: UInt32) -> Result<UInt64, DecodeError> {
        bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            do throws(DecodeError) { return .success(try r.readULEB128(bits: bits)) } catch { return .failure(error) }
        }
    }
    private func s(_ bytes: [UInt8], _ bits: UInt32) -> Result<Int64, DecodeError> {
        bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            do throws(DecodeError) { return .success(try r.readSLEB128(bits: bits)) } catch { return .failure(error) }
        }
    }

    func testUnsigned() {
        XCTAssertEqual(u([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 32), .success(0xFFFF_FFFF))
        XCTAssertEqual(u([0xFF, 0xFF, 0xFF, 0xFF, 0x1F], 32), .failure(.integerTooLong))
        XCTAssertEqual(u([0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 32), .failure(.integerRepresentationTooLong))
        XCTAssertEqual(u([0x80], 32), .failure(.unexpectedEnd))
        XCTAssertEqual(u([0x80, 0x00], 32), .success(0), "a non-minimal encoding within the size is allowed")
    }

    func testSigned() {
        XCTAssertEqual(s([0x7F], 32), .success(-1))
        XCTAssertEqual(s([0xFF, 0xFF, 0xFF, 0xFF, 0x07], 32), .success(Int64(Int32.max)))
        XCTAssertEqual(s([0x80, 0x80, 0x80, 0x80, 0x78], 32), .success(Int64(Int32.min)))
        XCTAssertEqual(s([0xFF, 0xFF, 0xFF, 0xFF, 0x4F], 32), .failure(.integerTooLong))
        XCTAssertEqual(s([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F], 64), .success(Int64.min))
        XCTAssertEqual(s([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 64), .success(0))
        XCTAssertEqual(s([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 64), .failure(.integerTooLong))
    }
}
