// The memory routines the compiler calls. Built as a module of their own with loop-idiom
// recognition off, or the optimiser would turn each loop back into a call to itself.

@c(memcpy) public func memcpy(_ dst: UnsafeMutableRawPointer?, _ src: UnsafeRawPointer?, _ n: UInt) -> UnsafeMutableRawPointer? {
    guard let d = dst, let s = src else { return dst }
    var i: UInt = 0
    while i < n {
        d.assumingMemoryBound(to: UInt8.self)[Int(i)] = s.assumingMemoryBound(to: UInt8.self)[Int(i)]
        i += 1
    }
    return dst
}

@c(memmove) public func memmove(_ dst: UnsafeMutableRawPointer?, _ src: UnsafeRawPointer?, _ n: UInt) -> UnsafeMutableRawPointer? {
    moveBytes(dst, src, n)
}

// Not named memmove: LLVM turns a call to a function of that name into its memmove intrinsic,
// which lowers to __aeabi_memmove, so __aeabi_memmove calling memmove called itself forever.
@inline(never) func moveBytes(_ dst: UnsafeMutableRawPointer?, _ src: UnsafeRawPointer?, _ n: UInt) -> UnsafeMutableRawPointer? {
    guard let d = dst, let s = src else { return dst }
    if UInt(bitPattern: d) <= UInt(bitPattern: s) { return memcpy(dst, src, n) }
    var i = n
    while i > 0 {
        i -= 1
        d.assumingMemoryBound(to: UInt8.self)[Int(i)] = s.assumingMemoryBound(to: UInt8.self)[Int(i)]
    }
    return dst
}

@c(memset) public func memset(_ dst: UnsafeMutableRawPointer?, _ value: Int32, _ n: UInt) -> UnsafeMutableRawPointer? {
    guard let d = dst else { return dst }
    let byte = UInt8(truncatingIfNeeded: value)
    var i: UInt = 0
    while i < n {
        d.assumingMemoryBound(to: UInt8.self)[Int(i)] = byte
        i += 1
    }
    return dst
}

// The ARM EABI names: note the (dst, n, value) order of __aeabi_memset.
@c(__aeabi_memcpy) public func aeabiMemcpy(_ d: UnsafeMutableRawPointer?, _ s: UnsafeRawPointer?, _ n: UInt) { _ = memcpy(d, s, n) }
@c(__aeabi_memcpy4) public func aeabiMemcpy4(_ d: UnsafeMutableRawPointer?, _ s: UnsafeRawPointer?, _ n: UInt) { _ = memcpy(d, s, n) }
@c(__aeabi_memcpy8) public func aeabiMemcpy8(_ d: UnsafeMutableRawPointer?, _ s: UnsafeRawPointer?, _ n: UInt) { _ = memcpy(d, s, n) }
@c(__aeabi_memmove) public func aeabiMemmove(_ d: UnsafeMutableRawPointer?, _ s: UnsafeRawPointer?, _ n: UInt) { _ = moveBytes(d, s, n) }
@c(__aeabi_memmove4) public func aeabiMemmove4(_ d: UnsafeMutableRawPointer?, _ s: UnsafeRawPointer?, _ n: UInt) { _ = moveBytes(d, s, n) }
@c(__aeabi_memmove8) public func aeabiMemmove8(_ d: UnsafeMutableRawPointer?, _ s: UnsafeRawPointer?, _ n: UInt) { _ = moveBytes(d, s, n) }
@c(__aeabi_memset) public func aeabiMemset(_ d: UnsafeMutableRawPointer?, _ n: UInt, _ v: Int32) { _ = memset(d, v, n) }
@c(__aeabi_memset4) public func aeabiMemset4(_ d: UnsafeMutableRawPointer?, _ n: UInt, _ v: Int32) { _ = memset(d, v, n) }
@c(__aeabi_memset8) public func aeabiMemset8(_ d: UnsafeMutableRawPointer?, _ n: UInt, _ v: Int32) { _ = memset(d, v, n) }
@c(__aeabi_memclr) public func aeabiMemclr(_ d: UnsafeMutableRawPointer?, _ n: UInt) { _ = memset(d, 0, n) }
@c(__aeabi_memclr4) public func aeabiMemclr4(_ d: UnsafeMutableRawPointer?, _ n: UInt) { _ = memset(d, 0, n) }
@c(__aeabi_memclr8) public func aeabiMemclr8(_ d: UnsafeMutableRawPointer?, _ n: UInt) { _ = memset(d, 0, n) }

/// Embedded `print` writes through `putchar`: one semihosting SYS_WRITEC per byte.
@c(putchar) public func putchar(_ c: Int32) -> Int32 {
    var byte = UInt8(truncatingIfNeeded: c)
    _ = levee_semihost(0x03, &byte)
    return c
}
