import XCTest
import LeveeBase
@testable import LeveeNet

/// Fails the test with the check's name.
struct XCTRecorder: CheckRecorder {
    var passed = 0
    mutating func check(_ ok: Bool, _ name: StaticString) {
        XCTAssertTrue(ok, "\(name)")
        if ok { passed += 1 }
    }
}

final class NetSelfCheckTests: XCTestCase {
    func testCoreSelfChecks() {
        var r = XCTRecorder()
        NetSelfChecks.run(&r)
        XCTAssertGreaterThan(r.passed, 30)
    }
}
