@testable import LeveeCoAP
import LeveeApp
import XCTest

/// The server's RAM is its struct: on the host every table is inline. On the chip the observer
/// table is `ObserverPool` and the rest is `Service.storage` in `make firmware`.
final class BudgetTests: XCTestCase {
    func testServerStateStaysSmall() {
        let total = MemoryLayout<NodeService>.size
        let dedup = MemoryLayout<DedupCache>.size
        let observers = MemoryLayout<CoAPLimits.ObserverTable<Observer>>.size
        let uploads = MemoryLayout<CoAPLimits.UploadTable<Upload>>.size
        let separates = MemoryLayout<CoAPLimits.SeparateResponseTable<SeparateResponse>>.size
        print("CoAP server RAM (host): total \(total) B; dedup \(dedup) B (arena 4096); observers \(observers) B "
              + "(\(MemoryLayout<Observer>.stride) B each); uploads \(uploads) B; separate responses \(separates) B; "
              + "counters \(MemoryLayout<CoAPCounters>.size) B")
        XCTAssertEqual(MemoryLayout<Observer>.stride, 80, "the small fields fill the padding (Exchanges.swift)")
        XCTAssertEqual(observers, 100 * 80)
        XCTAssertLessThan(total - observers, 7 * 1024, "the chip holds two services (the task set's and the self-test's)")
        XCTAssertGreaterThan(dedup, 4096)
    }

}
