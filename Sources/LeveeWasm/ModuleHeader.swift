import LeveeBase

/// The ids of the sections of a binary module (WebAssembly 2.0, 5.5.2).
public enum SectionID: UInt8 {
    case custom = 0, type, `import`, function, table, memory, global, export, start, element, code, data
    case dataCount = 12

    /// Position in the order the standard imposes on non-custom sections.
    var order: UInt8 {
        switch self {
        case .custom: return 0
        case .dataCount: return 10   // between element (9) and code (10): code and data shift up
        case .code: return 11
        case .data: return 12
        default: return rawValue
        }
    }
}

/// Walks the sections of a binary module without copying it: each section is reported as its id
/// and the offsets of its contents in the caller's buffer.
public struct SectionWalker {
    public struct Section {
        public var id: SectionID
        public var contents: Range<Int>
    }

    private var reader: ByteReader
    private var lastOrder: UInt8 = 0

    public init(module bytes: UnsafeRawBufferPointer) throws(DecodeError) {
        reader = ByteReader(bytes)
        guard reader.readLittleEndianU32() == 0x6D73_6100 else {
            throw reader.remaining < 4 && bytes.count < 4 ? .unexpectedEnd : .badMagic
        }
        guard let version = reader.readLittleEndianU32() else { throw .unexpectedEnd }
        guard version == 1 else { throw .unsupportedVersion }
    }

    /// The next section, or nil at the end of the module.
    public mutating func next() throws(DecodeError) -> Section? {
        guard let rawID = reader.readU8() else { return nil }
        guard let id = SectionID(rawValue: rawID) else { throw .unknownSection }
        // A u32 by construction (readULEB128 rejects anything wider).
        let size = Int(UInt32(truncatingIfNeeded: try reader.readULEB128(bits: 32)))
        guard size <= reader.remaining else { throw .unexpectedEnd }
        if id != .custom {
            guard id.order > lastOrder else { throw .sectionOutOfOrder }
            lastOrder = id.order
        }
        let start = reader.offset
        _ = reader.skip(size)
        return Section(id: id, contents: start..<start + size)
    }
}
