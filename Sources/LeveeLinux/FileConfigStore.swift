import Foundation
import LeveeApp

/// The Linux board's flash for the configuration record: one file, replaced atomically (written
/// beside it, then renamed), so a crash mid-write leaves the old record or the new one.
public struct FileConfigStore: ConfigStore {
    public let url: URL

    public init(path: String) { url = URL(fileURLWithPath: path) }

    public mutating func load(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let data = try? Data(contentsOf: url) else { return 0 }
        let count = min(data.count, buffer.count)
        data.copyBytes(to: buffer.bindMemory(to: UInt8.self), count: count)
        return count
    }

    public mutating func save(_ record: UnsafeRawBufferPointer) -> Bool {
        (try? Data(record).write(to: url, options: .atomic)) != nil
    }
}
