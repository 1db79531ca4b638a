// ARM semihosting: the console and the exit status of the firmware under QEMU.
import LeveeBase

enum Semihosting {
    static let writeZeroTerminated: UInt32 = 0x04   // SYS_WRITE0
    static let exitExtended: UInt32 = 0x20           // SYS_EXIT_EXTENDED
    static let applicationExit: UInt32 = 0x20026     // ADP_Stopped_ApplicationExit
    static let getCommandLine: UInt32 = 0x15         // SYS_GET_CMDLINE

    /// Whether QEMU's `-append` command line contains `word` (used to select fault tests).
    static func commandLineContains(_ word: StaticString) -> Bool {
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { buffer in
            var block: (UInt32, UInt32) = (UInt32(UInt(bitPattern: buffer.baseAddress)), UInt32(buffer.count))
            guard withUnsafeMutablePointer(to: &block, { levee_semihost(getCommandLine, $0) }) == 0 else {
                return false
            }
            let length = Int(block.1)
            return word.withUTF8Buffer { needle in
                guard needle.count <= length else { return false }
                for start in 0...(length - needle.count) {
                    var match = true
                    for i in 0..<needle.count where buffer[start + i] != needle[i] { match = false; break }
                    if match { return true }
                }
                return false
            }
        }
    }

    /// Ends the emulation with `status` as QEMU's exit code.
    static func exit(_ status: UInt32) -> Never {
        var block: (UInt32, UInt32) = (applicationExit, status)
        withUnsafePointer(to: &block) { _ = levee_semihost(exitExtended, $0) }
        while true { levee_wfi() }   // not reached under a debugger or QEMU
    }
}

/// The semihosting console: bytes go out in NUL-terminated chunks (one trap per chunk, not per byte).
struct SemihostingConsole: Console {
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        var chunk: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &chunk) { buffer in
            let capacity = buffer.count - 1
            var start = 0
            while start < bytes.count {
                let n = min(capacity, bytes.count - start)
                for i in 0..<n {
                    let byte = bytes[start + i]
                    buffer[i] = byte == 0 ? 0x3F : byte   // a NUL would end the chunk early
                }
                buffer[n] = 0
                _ = levee_semihost(Semihosting.writeZeroTerminated, buffer.baseAddress)
                start += n
            }
        }
    }
}
