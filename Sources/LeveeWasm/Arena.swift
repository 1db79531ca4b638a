/// Bump allocation in the caller's arena: permanent tables grow from the bottom, scratch space for
/// loading (validator stacks) from the top and is released once loading is done. Nothing is freed
/// one by one, so there is no fragmentation and no allocator state beyond two offsets.
struct Arena {
    let base: UnsafeMutableRawPointer
    let size: Int
    private(set) var low: Int = 0
    private(set) var high: Int

    init(_ buffer: UnsafeMutableRawBufferPointer) {
        base = buffer.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 16)!.alignedUp(toMultipleOf: 16)
        size = buffer.baseAddress == nil ? 0 : buffer.count
        high = size
    }

    var used: Int { low + (size - high) }
    var free: Int { high - low }

    /// `count` values of `T` from the bottom, zero-filled.
    mutating func allocate<T>(_ type: T.Type, count: Int, part: ArenaPart) throws(LoadError) -> UnsafeMutablePointer<T> {
        let align = MemoryLayout<T>.alignment
        let start = (low + align - 1) & ~(align - 1)
        let bytes = MemoryLayout<T>.stride * count
        guard count >= 0, bytes / max(MemoryLayout<T>.stride, 1) == count, start <= high, bytes <= high - start else {
            throw .arenaTooSmall(part, needed: UInt32(clamping: used + bytes))
        }
        low = start + bytes
        let p = base + start
        p.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        return p.bindMemory(to: T.self, capacity: count)
    }

    /// Raw bytes from the bottom, aligned to 16, not zeroed (linear memory zeroes what it uses).
    mutating func allocateBytes(_ count: Int, part: ArenaPart) throws(LoadError) -> UnsafeMutableRawPointer {
        let start = (low + 15) & ~15
        guard count >= 0, start <= high, count <= high - start else {
            throw .arenaTooSmall(part, needed: UInt32(clamping: used + count))
        }
        low = start + count
        return base + start
    }

    /// Scratch from the top; release with `releaseScratch(to:)`.
    mutating func scratch<T>(_ type: T.Type, count: Int) throws(LoadError) -> UnsafeMutablePointer<T> {
        let bytes = MemoryLayout<T>.stride * count
        guard count >= 0, bytes <= high - low else { throw .arenaTooSmall(.scratch, needed: UInt32(clamping: used + bytes)) }
        let start = (high - bytes) & ~(MemoryLayout<T>.alignment - 1)
        guard start >= low else { throw .arenaTooSmall(.scratch, needed: UInt32(clamping: used + bytes)) }
        high = start
        return (base + start).bindMemory(to: T.self, capacity: count)
    }

    var scratchMark: Int { high }
    mutating func releaseScratch(to mark: Int) { high = mark }

    /// Where the bottom currently ends: the code area grows here while translating.
    var cursor: UnsafeMutableRawPointer { base + low }
    /// Bytes left between bottom and scratch.
    mutating func extend(by bytes: Int, part: ArenaPart) throws(LoadError) {
        guard bytes <= high - low else { throw .arenaTooSmall(part, needed: UInt32(clamping: used + bytes)) }
        low += bytes
    }
}
