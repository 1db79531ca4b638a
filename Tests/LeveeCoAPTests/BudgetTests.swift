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
        print("CoAP server RAM (host): total \(total) B; dedup \(dedup) B (arena 4096); observers \(observers) B "
              + "(\(MemoryLayout<Observer>.stride) B each); uploads \(uploads) B; separate responses \(separates) B; "
              + "counters \(MemoryLayout<CoAPCounters>.size) B")
        XCTAssertEqual(MemoryLayout<Observer>.stride, 80, "the small fields fill the padding (Exchanges.swift)")
        XCTAssertEqual(observers, 100 * 80)
        XCTAssertLessThan(total, 15 * 1024, "the chip holds two services (the task set's and the self-test's)")
        XCTAssertGreaterThan(dedup, 4096)
    }

}
