// Must NOT compile for the firmware: `make firmware-guard` proves that -no-allocations turns any
// heap use in core code into a compile error, so the core cannot allocate by accident.
public func deliberateHeapUse(_ reading: UInt8) -> Int {
    var history: [UInt8] = []
    history.append(reading)
    return history.count
}
