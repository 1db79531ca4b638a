import XCTest
import LeveeApp
import LeveeBase
import LeveeSelfTest

/// Collects console output so a failing check shows up in the test log.
struct CapturedConsole: Console {
    var text: [UInt8] = []
    mutating func write(_ bytes: UnsafeRawBufferPointer) { text.append(contentsOf: bytes) }
}

final class SelfTestTests: XCTestCase {
    func testEveryCoreSelfCheckPassesOnTheHost() {
        var node = NodeService(bootTime: .zero)
        let failures = SelfTest.runAll(on: CapturedConsole(), node: &node, verbose: true)
        XCTAssertEqual(failures, 0)
    }
}
