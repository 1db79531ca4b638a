import XCTest
import LeveeBase
import LeveeWasm

final class SelfCheckTests: XCTestCase {
    struct Recorder: CheckRecorder {
        var failures: [String] = []
        var count = 0
        mutating func check(_ passed: Bool, _ name: StaticString) {
            count += 1
            if !passed { failures.append("\(name)") }
        }
    }

    func testSelfChecksPass() {
        var r = Recorder()
        WasmSelfChecks.run(&r)
        XCTAssertEqual(r.failures, [])
        XCTAssertGreaterThan(r.count, 8)
    }
}
