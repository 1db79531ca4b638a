import LeveeOTA
#if canImport(Glibc)
import Glibc
#endif

/// The node's flash on Linux: a file laid out like the chip's flash (`FlashLayout`), mapped
/// shared, so every erase and program the flash model does is in the file at once and survives
/// the process being killed. A new file starts erased (0xFF).
public enum FileFlash {
    public enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        case wrongSize(path: String, size: Int, expected: Int)

        public var description: String {
            switch self {
            case .system(let call, let error): return "\(call): \(String(cString: strerror(error)))"
            case .wrongSize(let path, let size, let expected): return "\(path): \(size) bytes, a flash image has \(expected)"
            }
        }
    }

    /// Maps `path` (created erased when absent). `powerLossAfter`: the process exits with status
    /// 137 (as if killed) instead of doing flash operation number `powerLossAfter + 1`.
    public static func open(path: String, layout: FlashLayout, powerLossAfter: UInt32? = nil) throws(Failure) -> MemoryFlash {
        let size = layout.geometry.totalSize
        let fd = Glibc.open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw .system("open \(path)", errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system("fstat", errno) }
        if info.st_size == 0 {
            let erased = [UInt8](repeating: 0xFF, count: size)
            guard erased.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) == size, fsync(fd) == 0 else {
                throw .system("write \(path)", errno)
            }
        } else if Int(info.st_size) != size {
            throw .wrongSize(path: path, size: Int(info.st_size), expected: size)
        }
        guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw .system("mmap", errno)
        }
        guard var flash = MemoryFlash(region: UnsafeMutableRawBufferPointer(start: base, count: size), geometry: layout.geometry) else {
            throw .wrongSize(path: path, size: size, expected: size)
        }
        if let powerLossAfter {
            flash.powerLossAfter = powerLossAfter
            flash.powerLost = { _exit(137) }
        }
        return flash
    }
}
