// The stack's high-water mark. Reset_Handler paints the stack reserve with a pattern before
// anything runs on it; later, the deepest word no longer holding the pattern shows the most stack
// ever used. One stack serves boot, the self-test, every task and every interrupt (SRP), so this
// is the figure the reserve in stm32f407.ld must cover.
import LeveeBase

enum StackUsage {
    static let pattern: UInt32 = 0x5354_4B21   // "STK!"
    /// A run fails when less than this much of the reserve was never touched: room for what the
    /// emulated run does not reach (a real MAC driver's interrupt, rarer handler paths).
    static let requiredMargin: UInt32 = 4 * 1024
    /// Left unpainted below the stack pointer at the time of painting: Reset_Handler's own frame
    /// and what the painting loop itself may spill.
    static let paintGap: UInt32 = 64

    static var reserve: UInt32 { address(levee_sym_stack_top()) &- address(levee_sym_stack_bottom()) }

    /// Fills the reserve from its bottom to just below the current stack pointer.
    static func paint() {
        var word = levee_sym_stack_bottom()!
        let end = UnsafeMutablePointer<UInt32>(bitPattern: UInt(levee_read_msp() &- paintGap))!
        while word < end {
            word.pointee = pattern
            word += 1
        }
    }

    /// Bytes of the reserve used so far: from its top down to the deepest overwritten word.
    static func highWater() -> UInt32 {
        var word = levee_sym_stack_bottom()!
        let top = levee_sym_stack_top()!
        while word < top && word.pointee == pattern { word += 1 }
        return address(top) &- address(word)
    }

    /// Prints the high-water mark against the reserve; 1 (a failure) when the margin is gone.
    static func report<Output: Console>(_ label: StaticString, _ console: inout Output) -> UInt32 {
        let used = highWater()
        let ok = used &+ requiredMargin <= reserve
        console.write("stack: ")
        console.write(label)
        console.write(" high-water ")
        console.write(decimal: UInt64(widening: used))
        console.write(" B of ")
        console.write(decimal: UInt64(widening: reserve))
        console.write(" B (margin required ")
        console.write(decimal: UInt64(widening: requiredMargin))
        console.write(ok ? " B) ok\n" : " B) FAIL\n")
        return ok ? 0 : 1
    }

    private static func address(_ pointer: UnsafeMutablePointer<UInt32>?) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt(bitPattern: pointer))
    }
}
