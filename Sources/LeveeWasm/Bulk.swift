/// Memory, table and reference instructions: bounds-checked copies and fills, segment access and
/// growth. Kept out of the executor's loop body as they are rare and long; each returns the
/// number of code words it used.
enum Bulk {
    @inline(__always)
    private static func u32(_ fp: UnsafeMutablePointer<UInt64>, _ w: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: fp[Int(w)])
    }

    /// Whether `start + count` stays within `size` (no wrap-around: all operands are 32-bit).
    @inline(__always)
    private static func fits(_ start: UInt32, _ count: UInt32, _ size: UInt64) -> Bool {
        u64(start) + u64(count) <= size
    }

    static func memoryGrow(_ m: UnsafeMutablePointer<MemoryRecord>, by delta: UInt32) -> UInt32 {
        let log = u64(m.pointee.pageSizeLog2)
        let pages = m.pointee.byteCount &>> log
        let newPages = pages + u64(delta)
        guard newPages <= m.pointee.maxPages, newPages &<< log <= m.pointee.capacity else { return 0xFFFF_FFFF }
        let newBytes = newPages &<< log
        (m.pointee.base + index(m.pointee.byteCount)).initializeMemory(as: UInt8.self, repeating: 0,
                                                                     count: index(newBytes - m.pointee.byteCount))
        m.pointee.byteCount = newBytes
        return UInt32(truncatingIfNeeded: pages)
    }

    static func tableGrow(_ t: UnsafeMutablePointer<TableRecord>, by delta: UInt32, with value: UInt64) -> UInt32 {
        let old = t.pointee.count
        let new = u64(old) + u64(delta)
        guard new <= u64(t.pointee.max), new <= u64(t.pointee.capacity) else { return 0xFFFF_FFFF }
        (t.pointee.elements + Int(old)).initialize(repeating: value, count: Int(delta))
        t.pointee.count = UInt32(truncatingIfNeeded: new)
        return old
    }

    static func tableInit(_ t: UnsafeMutablePointer<TableRecord>, _ e: UnsafeMutablePointer<ElementSegment>,
                          _ d: UInt32, _ s: UInt32, _ n: UInt32) throws(Trap) {
        guard fits(s, n, u64(e.pointee.count)), fits(d, n, u64(t.pointee.count)) else { throw .tableOutOfBounds }
        (t.pointee.elements + Int(d)).update(from: e.pointee.values + Int(s), count: Int(n))
    }

    static func memoryInit(_ m: UnsafeMutablePointer<MemoryRecord>, _ seg: DataSegment,
                           _ d: UInt32, _ s: UInt32, _ n: UInt32) throws(Trap) {
        guard fits(s, n, u64(seg.count)), fits(d, n, m.pointee.byteCount) else { throw .outOfBounds }
        guard n > 0, let bytes = seg.bytes else { return }
        (m.pointee.base + Int(d)).copyMemory(from: bytes + Int(s), byteCount: Int(n))
    }

    static func execute(_ op: Op, _ pc: UnsafePointer<UInt32>, _ fp: UnsafeMutablePointer<UInt64>,
                        _ inst: UnsafeMutablePointer<InstanceRecord>, _ memory: UnsafeMutablePointer<MemoryRecord>?) throws(Trap) -> Int {
        // Validation guarantees that the memory exists for memory instructions.
        switch op {
        case .memorySize:
            guard let m = memory else { throw .outOfBounds }
            fp[Int(pc[1])] = m.pointee.byteCount &>> u64(m.pointee.pageSizeLog2)
            return 2
        case .memoryGrow:
            guard let m = memory else { throw .outOfBounds }
            fp[Int(pc[1])] = u64(memoryGrow(m, by: u32(fp, pc[2])))
            return 3
        case .memoryFill:
            guard let m = memory else { throw .outOfBounds }
            let d = u32(fp, pc[1]), v = UInt8(truncatingIfNeeded: fp[Int(pc[2])]), n = u32(fp, pc[3])
            guard fits(d, n, m.pointee.byteCount) else { throw .outOfBounds }
            (m.pointee.base + Int(d)).initializeMemory(as: UInt8.self, repeating: v, count: Int(n))
            return 4
        case .memoryCopy:
            guard let m = memory else { throw .outOfBounds }
            let d = u32(fp, pc[1]), s = u32(fp, pc[2]), n = u32(fp, pc[3])
            guard fits(d, n, m.pointee.byteCount), fits(s, n, m.pointee.byteCount) else { throw .outOfBounds }
            (m.pointee.base + Int(d)).copyMemory(from: m.pointee.base + Int(s), byteCount: Int(n))
            return 4
        case .memoryInit:
            guard let m = memory else { throw .outOfBounds }
            try memoryInit(m, inst.pointee.data[Int(pc[1])], u32(fp, pc[2]), u32(fp, pc[3]), u32(fp, pc[4]))
            return 5
        case .memoryCopyBetween:
            let dm = inst.pointee.memories[Int(pc[1])], sm = inst.pointee.memories[Int(pc[2])]
            let d = u32(fp, pc[3]), s = u32(fp, pc[4]), n = u32(fp, pc[5])
            guard fits(d, n, dm.pointee.byteCount), fits(s, n, sm.pointee.byteCount) else { throw .outOfBounds }
            (dm.pointee.base + Int(d)).copyMemory(from: sm.pointee.base + Int(s), byteCount: Int(n))
            return 6
        case .dataDrop:
            inst.pointee.data[Int(pc[1])].count = 0
            return 2
        case .tableGet:
            let t = inst.pointee.tables[Int(pc[2])]
            let i = u32(fp, pc[3])
            guard i < t.pointee.count else { throw .tableOutOfBounds }
            fp[Int(pc[1])] = t.pointee.elements[Int(i)]
            return 4
        case .tableSet:
            let t = inst.pointee.tables[Int(pc[1])]
            let i = u32(fp, pc[2])
            guard i < t.pointee.count else { throw .tableOutOfBounds }
            t.pointee.elements[Int(i)] = fp[Int(pc[3])]
            return 4
        case .tableSize:
            fp[Int(pc[1])] = u64(inst.pointee.tables[Int(pc[2])].pointee.count)
            return 3
        case .tableGrow:
            let t = inst.pointee.tables[Int(pc[2])]
            fp[Int(pc[1])] = u64(tableGrow(t, by: u32(fp, pc[4]), with: fp[Int(pc[3])]))
            return 5
        case .tableFill:
            let t = inst.pointee.tables[Int(pc[1])]
            let i = u32(fp, pc[2]), v = fp[Int(pc[3])], n = u32(fp, pc[4])
            guard fits(i, n, u64(t.pointee.count)) else { throw .tableOutOfBounds }
            (t.pointee.elements + Int(i)).update(repeating: v, count: Int(n))
            return 5
        case .tableCopy:
            let dt = inst.pointee.tables[Int(pc[1])], st = inst.pointee.tables[Int(pc[2])]
            let d = u32(fp, pc[3]), s = u32(fp, pc[4]), n = u32(fp, pc[5])
            guard fits(d, n, u64(dt.pointee.count)), fits(s, n, u64(st.pointee.count)) else { throw .tableOutOfBounds }
            UnsafeMutableRawPointer(dt.pointee.elements + Int(d)).copyMemory(from: st.pointee.elements + Int(s), byteCount: Int(n) * 8)
            return 6
        case .tableInit:
            try tableInit(inst.pointee.tables[Int(pc[1])], inst.pointee.elements + Int(pc[2]),
                          u32(fp, pc[3]), u32(fp, pc[4]), u32(fp, pc[5]))
            return 6
        case .elemDrop:
            inst.pointee.elements[Int(pc[1])].count = 0
            return 2
        case .refFunc:
            fp[Int(pc[1])] = u64(UInt(bitPattern: inst.pointee.functions[Int(pc[2])]))
            return 3
        default:
            throw .unreachable
        }
    }
}
