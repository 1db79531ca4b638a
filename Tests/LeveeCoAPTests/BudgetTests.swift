@testable import LeveeCoAP
import LeveeApp
import XCTest

/// The server's RAM is its struct: every table is inline. The chip's figure is `node` in
/// `make firmware` (with the limits of `CoAPLimits`); the host's is close (64-bit `Int`).
final class BudgetTests: XCTestCase {
    func testServerStateStaysSmall() {
        let total = MemoryLayout<NodeService>.size
        let dedup = MemoryLayout<DedupCache>.size
        let observers = MemoryLayout<CoAPLimits.ObserverTable<Observer>>.size
        let uploads = MemoryLayout<CoAPLimits.UploadTable<Upload>>.size
        let separates = MemoryLayout<CoAPLimits.SeparateResponseTable<SeparateResponse>>.size
        print("CoAP server RAM (host): total \(total) B; dedup \(dedup) B (arena 4096); observers \(observers) B; "
              + "uploads \(uploads) B; separate responses \(separates) B; counters \(MemoryLayout<CoAPCounters>.size) B")
        XCTAssertLessThan(total, 24 * 1024, "the node service (100 observers) must stay well inside the chip's 128 KiB")
        XCTAssertGreaterThan(dedup, 4096)
    }
}
