import LeveeBase

/// The manifest of an update (README, "Update format"): a CBOR map with unsigned integer keys.
/// Every field is required; an unknown key, a repeated key or a wrong type refuses the update.
/// Strings and lists are offsets into the envelope.
public struct UpdateManifest: Equatable {
    /// The manifest keys.
    public enum Key: UInt64 {
        case version = 1            // uint: monotonically increasing; a node refuses <= running
        case slot = 2               // uint: the slot the module targets (0 = the risk slot)
        case moduleSize = 3         // uint: the module's length in bytes
        case moduleDigest = 4       // bstr(32): SHA-256 of the module bytes
        case exports = 5            // [* tstr]: functions the module must export
        case imports = 6            // [* [module: tstr, name: tstr]]: the imports it needs
        case memoryNeeded = 7       // uint: bytes of linear memory / arena it needs
    }

    public var version: UInt64
    public var slot: UInt32
    public var moduleSize: UInt64
    /// The 32 digest bytes in the envelope.
    public var moduleDigest: Range<Int>
    /// The export names: `exportCount` text strings starting at `exports.lowerBound`.
    public var exports: Range<Int>
    public var exportCount: Int
    /// The imports: `importCount` two-element arrays of text strings in `imports`.
    public var imports: Range<Int>
    public var importCount: Int
    public var memoryNeeded: UInt32

    /// Parses the payload `[manifest, module bstr]`; returns the manifest and the module's range.
    static func parsePayload(_ envelope: UnsafeRawBufferPointer,
                             payload: Range<Int>) throws(UpdateError) -> (UpdateManifest, Range<Int>) {
        let parsed: (UpdateManifest, Range<Int>)?
        do throws(CBORError) {
            parsed = try parse(UnsafeRawBufferPointer(rebasing: envelope[..<payload.upperBound]), from: payload.lowerBound)
        } catch {
            throw .malformedManifest
        }
        guard let parsed else { throw .malformedManifest }
        return parsed
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(CBORError) -> (UpdateManifest, Range<Int>)? {
        var reader = CBORReader(bytes, offset: start)
        guard try reader.peekMajorType() == .array, try reader.readArrayCount() == 2,
              try reader.peekMajorType() == .map else { return nil }
        let pairs = try reader.readMapCount()
        var seen: UInt32 = 0
        var manifest = UpdateManifest(version: 0, slot: 0, moduleSize: 0, moduleDigest: 0..<0, exports: 0..<0,
                                      exportCount: 0, imports: 0..<0, importCount: 0, memoryNeeded: 0)
        for _ in 0..<pairs {
            guard try reader.peekMajorType() == .unsigned, let key = Key(rawValue: try reader.readUnsigned()) else { return nil }
            let bit = UInt32(1) &<< UInt32(truncatingIfNeeded: key.rawValue)
            guard seen & bit == 0 else { return nil }
            seen |= bit
            switch key {
            case .version:
                manifest.version = try reader.readUnsigned()
            case .slot:
                guard let slot = UInt32(narrowing: try reader.readUnsigned()) else { return nil }
                manifest.slot = slot
            case .moduleSize:
                manifest.moduleSize = try reader.readUnsigned()
            case .moduleDigest:
                let digest = try reader.readByteString()
                guard digest.count == 32 else { return nil }
                manifest.moduleDigest = digest
            case .exports:
                let count = try reader.readArrayCount()
                let begin = reader.offset
                for _ in 0..<count { _ = try reader.readTextString() }
                manifest.exports = begin..<reader.offset
                manifest.exportCount = count
            case .imports:
                let count = try reader.readArrayCount()
                let begin = reader.offset
                for _ in 0..<count {
                    guard try reader.readArrayCount() == 2 else { return nil }
                    _ = try reader.readTextString()
                    _ = try reader.readTextString()
                }
                manifest.imports = begin..<reader.offset
                manifest.importCount = count
            case .memoryNeeded:
                guard let memory = UInt32(narrowing: try reader.readUnsigned()) else { return nil }
                manifest.memoryNeeded = memory
            }
        }
        guard seen == 0b1111_1110 else { return nil }
        guard try reader.peekMajorType() == .byteString else { return nil }
        let module = try reader.readByteString()
        guard reader.isAtEnd else { return nil }
        return (manifest, module)
    }

    /// Calls `body` with each required export name (offsets into `envelope`).
    public func forEachExport(in envelope: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        var reader = CBORReader(UnsafeRawBufferPointer(rebasing: envelope[..<exports.upperBound]), offset: exports.lowerBound)
        for _ in 0..<exportCount {
            guard let name = try? reader.readTextString() else { return }
            body(name)
        }
    }

    /// Calls `body` with each required import (module name, field name; offsets into `envelope`).
    public func forEachImport(in envelope: UnsafeRawBufferPointer, _ body: (Range<Int>, Range<Int>) -> Void) {
        var reader = CBORReader(UnsafeRawBufferPointer(rebasing: envelope[..<imports.upperBound]), offset: imports.lowerBound)
        for _ in 0..<importCount {
            guard (try? reader.readArrayCount()) == 2, let module = try? reader.readTextString(),
                  let name = try? reader.readTextString() else { return }
            body(module, name)
        }
    }
}
