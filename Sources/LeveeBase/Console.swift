/// Where the core's text goes: semihosting on the emulated chip, standard output on the host.
public protocol Console {
    mutating func write(_ bytes: UnsafeRawBufferPointer)
}

extension Console {
    public mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { write(UnsafeRawBufferPointer($0)) }
    }

    public mutating func write(decimal value: UInt64) {
        withUnsafeTemporaryAllocation(byteCount: 20, alignment: 1) { scratch in
            var writer = ByteWriter(scratch)
            writer.appendDecimal(value)
            write(writer.written)
        }
    }

    public mutating func write(decimal value: Int64) {
        if value < 0 {
            write("-")
            write(decimal: UInt64(bitPattern: 0 &- value))
        } else {
            write(decimal: UInt64(bitPattern: value))
        }
    }
}

/// Receives the outcome of each of the core's own checks.
///
/// The same checks run in `swift test` on the host and in `make qemu` on the emulated chip, so
/// each module writes them once against this protocol.
public protocol CheckRecorder {
    mutating func check(_ passed: Bool, _ name: StaticString)
}

/// A recorder that prints failures to a console and counts.
public struct ConsoleCheckRecorder<Output: Console>: CheckRecorder {
    public var console: Output
    public private(set) var passed: UInt32 = 0
    public private(set) var failed: UInt32 = 0
    public var verbose: Bool

    public init(console: Output, verbose: Bool = false) {
        self.console = console
        self.verbose = verbose
    }

    public mutating func check(_ ok: Bool, _ name: StaticString) {
        if ok {
            passed += 1
            if verbose { console.write("  ok   "); console.write(name); console.write("\n") }
        } else {
            failed += 1
            console.write("  FAIL "); console.write(name); console.write("\n")
        }
    }
}
