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
        XCTAssertLessThan(total, 8 * 1024 + 1024, "the chip's boot builds the service through two stack temporaries in its 16 KiB stack")
        XCTAssertGreaterThan(dedup, 4096)
    }
}
