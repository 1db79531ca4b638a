/// Loading: decode and validate a binary module, translate its code and instantiate it, all into
/// one arena. Sections are first located (order and sizes checked), counted, then read for good
/// with every table allocated at its exact size.

/// Where each known section is in the module, and the counts that size the tables.
struct SectionMap {
    var ranges: (Range<Int>?, Range<Int>?, Range<Int>?, Range<Int>?, Range<Int>?, Range<Int>?,
                 Range<Int>?, Range<Int>?, Range<Int>?, Range<Int>?, Range<Int>?, Range<Int>?, Range<Int>?) =
        (nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)

    subscript(id: SectionID) -> Range<Int>? {
        get {
            switch id {
            case .custom: return nil
            case .type: return ranges.1
            case .import: return ranges.2
            case .function: return ranges.3
            case .table: return ranges.4
            case .memory: return ranges.5
            case .global: return ranges.6
            case .export: return ranges.7
            case .start: return ranges.8
            case .element: return ranges.9
            case .code: return ranges.10
            case .data: return ranges.11
            case .dataCount: return ranges.12
            }
        }
        set {
            switch id {
            case .custom: break
            case .type: ranges.1 = newValue
            case .import: ranges.2 = newValue
            case .function: ranges.3 = newValue
            case .table: ranges.4 = newValue
            case .memory: ranges.5 = newValue
            case .global: ranges.6 = newValue
            case .export: ranges.7 = newValue
            case .start: ranges.8 = newValue
            case .element: ranges.9 = newValue
            case .code: ranges.10 = newValue
            case .data: ranges.11 = newValue
            case .dataCount: ranges.12 = newValue
            }
        }
    }
}

struct Loader<Host: WasmHost> {
    let module: UnsafeRawBufferPointer
    var arena: Arena
    let limits: InstanceLimits
    var sections = SectionMap()
    var inst: UnsafeMutablePointer<InstanceRecord>
    var declared: UnsafeMutablePointer<UInt8>
    var singleTypes: UnsafeMutablePointer<ValType>
    var dataCount: UInt32?
    var startFunction: UInt32?
    var importedGlobals: UInt32 = 0
    var importedTables: UInt32 = 0
    var mode: LoadMode = .instantiate

    func reader(_ id: SectionID) -> ModuleReader? {
        guard let range = sections[id] else { return nil }
        return ModuleReader(UnsafeRawBufferPointer(rebasing: module[range]))
    }

    private static func section(_ id: SectionID, ofEmpty reader: ModuleReader) throws(LoadError) {
        guard reader.isAtEnd else { throw .malformed(.sectionSizeMismatch) }
    }

    init(module: UnsafeRawBufferPointer, arena buffer: UnsafeMutableRawBufferPointer, limits: InstanceLimits) throws(LoadError) {
        self.module = module
        self.limits = limits
        arena = Arena(buffer)
        var customs = SectionMap()
        do throws(DecodeError) {
            var walker = try SectionWalker(module: module)
            while let s = try walker.next() {
                if s.id == .custom {
                    // Custom sections are skipped, but their name must be well-formed.
                    var r = ModuleReader(UnsafeRawBufferPointer(rebasing: module[s.contents]))
                    do throws(LoadError) { _ = try r.name() } catch { throw .malformedUTF8 }
                    customs[.custom] = nil
                } else {
                    sections[s.id] = s.contents
                }
            }
        } catch {
            throw .malformed(error)
        }
        guard arena.size > 0 else { throw .arenaTooSmall(.moduleTables, needed: 1) }
        let record = try arena.allocate(InstanceRecord.self, count: 1, part: .moduleTables)
        singleTypes = try arena.allocate(ValType.self, count: 6, part: .moduleTables)
        record.initialize(to: InstanceRecord(placeholder: UnsafeMutableRawPointer(singleTypes)))
        inst = record
        declared = UnsafeMutablePointer<UInt8>(OpaquePointer(singleTypes))
        singleTypes[0] = .i32; singleTypes[1] = .i64; singleTypes[2] = .f32
        singleTypes[3] = .f64; singleTypes[4] = .funcref; singleTypes[5] = .externref
    }

    // MARK: sections

    mutating func load(host: inout Host) throws(LoadError) {
        try readTypes()
        try readImports(host: &host)
        try readFunctions()
        try readTables()
        try readMemory()
        try readGlobals()
        try readExports()
        try readStart()
        try readElements()
        try readDataCount()
        try readCode()
        try readData()
        if mode == .instantiate {
            try allocateStacks()
            try initializeSegments()
        }
        inst.pointee.arenaUsed = UInt32(clamping: arena.used)
        inst.pointee.arenaSize = UInt32(clamping: arena.size)
    }

    mutating func readTypes() throws(LoadError) {
        guard var r = reader(.type) else { return }
        let count = try r.u32()
        guard u64(count) <= u64(r.remaining) else { throw .malformed(.unexpectedEnd) }
        inst.pointee.types = try arena.allocate(FuncType.self, count: Int(count), part: .moduleTables)
        inst.pointee.typeCount = count
        for i in 0..<Int(count) {
            guard try r.u8() == 0x60 else { throw .malformed(.malformedValueType) }
            // Parameters and results are stored together: read both counts' types in turn.
            let pc = try r.u32()
            guard u64(pc) <= u64(r.remaining) else { throw .malformed(.unexpectedEnd) }
            let start = r
            for _ in 0..<pc { _ = try r.valType() }
            let rc = try r.u32()
            guard u64(rc) <= u64(r.remaining) else { throw .malformed(.unexpectedEnd) }
            let types = try arena.allocate(ValType.self, count: Int(pc + rc), part: .moduleTables)
            var again = start
            for k in 0..<Int(pc) { types[k] = try again.valType() }
            _ = try again.u32()
            for k in 0..<Int(rc) { types[Int(pc) + k] = try r.valType() }
            inst.pointee.types[i] = FuncType(types: types, paramCount: pc, resultCount: rc)
        }
        try Self.section(.type, ofEmpty: r)
    }

    private func type(_ index: UInt32) throws(LoadError) -> FuncType {
        guard index < inst.pointee.typeCount else { throw .invalid(.unknownType) }
        return inst.pointee.types[Int(index)]
    }

    /// Counts of imports by kind, to size the index spaces before reading them.
    private func importCounts() throws(LoadError) -> (functions: UInt32, tables: UInt32, memories: UInt32, globals: UInt32) {
        var counts: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        guard var r = reader(.import) else { return counts }
        let n = try r.u32()
        for _ in 0..<n {
            _ = try r.name()
            _ = try r.name()
            switch try r.u8() {
            case 0: _ = try r.u32(); counts.0 += 1
            case 1: _ = try r.refType(); _ = try r.limits(memory: false); counts.1 += 1
            case 2: _ = try r.memoryLimits(); counts.2 += 1
            case 3: _ = try r.valType(); _ = try r.u8(); counts.3 += 1
            default: throw .malformed(.malformedImportKind)
            }
        }
        return counts
    }

    private func count(_ id: SectionID) throws(LoadError) -> UInt32 {
        guard var r = reader(id) else { return 0 }
        return try r.u32()
    }

    mutating func readImports(host: inout Host) throws(LoadError) {
        let imported = try importCounts()
        let definedFunctions = try count(.function)
        let definedTables = try count(.table)
        let definedMemories = try count(.memory)
        let definedGlobals = try count(.global)
        let memories = imported.memories &+ definedMemories
        guard memories >= definedMemories, u64(memories) <= u64(module.count) else { throw .malformed(.unexpectedEnd) }
        guard memories <= 1 || limits.memories == .multiple else { throw .invalid(.multipleMemories) }
        inst.pointee.memories = try arena.allocate(UnsafeMutablePointer<MemoryRecord>.self, count: Int(memories), part: .moduleTables)
        let functions = imported.functions &+ definedFunctions
        let tables = imported.tables &+ definedTables
        let globals = imported.globals &+ definedGlobals
        guard functions >= definedFunctions, tables >= definedTables, globals >= definedGlobals,
              u64(functions) + u64(tables) + u64(globals) <= u64(module.count) else {
            throw .malformed(.unexpectedEnd)
        }
        inst.pointee.functions = try arena.allocate(UnsafeMutablePointer<FunctionRecord>.self, count: Int(functions), part: .moduleTables)
        inst.pointee.tables = try arena.allocate(UnsafeMutablePointer<TableRecord>.self, count: Int(tables), part: .moduleTables)
        inst.pointee.globals = try arena.allocate(UnsafeMutablePointer<GlobalRecord>.self, count: Int(globals), part: .moduleTables)
        let bits = try arena.allocate(UInt8.self, count: Int(functions / 8 + 1), part: .moduleTables)
        declared = bits

        guard var r = reader(.import) else { return }
        let n = try r.u32()
        inst.pointee.imports = try arena.allocate(ImportEntry.self, count: Int(n), part: .moduleTables)
        for _ in 0..<n {
            let moduleName = try r.name()
            let name = try r.name()
            let kind = try r.u8()
            if let k = ExternalKind(rawValue: kind) {
                let index = k == .function ? inst.pointee.functionCount : k == .table ? inst.pointee.tableCount
                    : k == .memory ? inst.pointee.memoryCount : inst.pointee.globalCount
                inst.pointee.imports[Int(inst.pointee.importCount)] = ImportEntry(module: moduleName, name: name, kind: k, index: index)
                inst.pointee.importCount += 1
            }
            switch kind {
            case 0:
                let t = try type(try r.u32())
                let value = mode == .validate ? .hostFunction(index: 0, type: t) : host.resolve(module: moduleName, name: name, kind: .function)
                let record: UnsafeMutablePointer<FunctionRecord>
                switch value {
                case .function(let f)?:
                    guard f.record.pointee.type.matches(t) else { throw .unlinkable(.incompatibleImportType) }
                    record = f.record
                case .hostFunction(let index, let hostType)?:
                    guard hostType.matches(t) else { throw .unlinkable(.incompatibleImportType) }
                    record = try arena.allocate(FunctionRecord.self, count: 1, part: .moduleTables)
                    record.initialize(to: FunctionRecord(type: t, instance: nil, code: nil, hostIndex: index,
                                                         localCount: t.paramCount, frameSlots: max(t.paramCount, t.resultCount), cost: 1))
                case nil: throw .unlinkable(.unknownImport)
                default: throw .unlinkable(.incompatibleImportType)
                }
                inst.pointee.functions[Int(inst.pointee.functionCount)] = record
                inst.pointee.functionCount += 1
                inst.pointee.importedFunctionCount += 1
            case 1:
                let t = try r.refType()
                let l = try r.limits(memory: false)
                if mode == .validate {
                    let record = try arena.allocate(TableRecord.self, count: 1, part: .table)
                    record.initialize(to: TableRecord(elements: UnsafeMutablePointer(OpaquePointer(record)), count: 0, capacity: 0,
                                                      max: 0, hasMax: false, type: t))
                    inst.pointee.tables[Int(inst.pointee.tableCount)] = record
                    inst.pointee.tableCount += 1
                    continue
                }
                guard case .table(let table)? = host.resolve(module: moduleName, name: name, kind: .table) else {
                    throw host.resolve(module: moduleName, name: name, kind: .table) == nil ? .unlinkable(.unknownImport) : .unlinkable(.incompatibleImportType)
                }
                let tr = table.record.pointee
                guard tr.type == t, u64(tr.count) >= l.min else { throw .unlinkable(.incompatibleImportType) }
                if let max = l.max { guard tr.hasMax, u64(tr.max) <= max else { throw .unlinkable(.incompatibleImportType) } }
                inst.pointee.tables[Int(inst.pointee.tableCount)] = table.record
                inst.pointee.tableCount += 1
            case 2:
                let l = try r.memoryLimits()
                try checkMemoryType(l)
                if mode == .validate {
                    try addMemory(try placeholderMemory(l))
                    continue
                }
                guard !l.is64 else { throw .unsupported }
                guard case .memory(let memory)? = host.resolve(module: moduleName, name: name, kind: .memory) else {
                    throw host.resolve(module: moduleName, name: name, kind: .memory) == nil ? .unlinkable(.unknownImport) : .unlinkable(.incompatibleImportType)
                }
                let m = memory.record.pointee
                guard m.pageSizeLog2 == l.pageSizeLog2, m.byteCount &>> u64(m.pageSizeLog2) >= l.min else {
                    throw .unlinkable(.incompatibleImportType)
                }
                if let max = l.max { guard m.maxPages <= max, m.hasDeclaredMax else { throw .unlinkable(.incompatibleImportType) } }
                try addMemory(memory.record)
            case 3:
                let t = try r.valType()
                let mut = try r.u8()
                guard mut <= 1 else { throw .malformed(.malformedMutability) }
                if mode == .validate {
                    let record = try arena.allocate(GlobalRecord.self, count: 1, part: .moduleTables)
                    record.initialize(to: GlobalRecord(value: 0, type: t, mutable: mut == 1))
                    inst.pointee.globals[Int(inst.pointee.globalCount)] = record
                    inst.pointee.globalCount += 1
                    continue
                }
                guard case .global(let global)? = host.resolve(module: moduleName, name: name, kind: .global) else {
                    throw host.resolve(module: moduleName, name: name, kind: .global) == nil ? .unlinkable(.unknownImport) : .unlinkable(.incompatibleImportType)
                }
                guard global.record.pointee.type == t, global.record.pointee.mutable == (mut == 1) else {
                    throw .unlinkable(.incompatibleImportType)
                }
                inst.pointee.globals[Int(inst.pointee.globalCount)] = global.record
                inst.pointee.globalCount += 1
            default:
                throw .malformed(.malformedImportKind)
            }
        }
        importedGlobals = inst.pointee.globalCount
        importedTables = inst.pointee.tableCount
        try Self.section(.import, ofEmpty: r)
    }

    mutating func readFunctions() throws(LoadError) {
        guard var r = reader(.function) else { return }
        let n = try r.u32()
        let records = try arena.allocate(FunctionRecord.self, count: Int(n), part: .moduleTables)
        for i in 0..<Int(n) {
            let t = try type(try r.u32())
            records[i] = FunctionRecord(type: t, instance: inst, code: nil, hostIndex: 0, localCount: t.paramCount,
                                        frameSlots: max(t.paramCount, t.resultCount), cost: 1)
            inst.pointee.functions[Int(inst.pointee.functionCount)] = records + i
            inst.pointee.functionCount += 1
        }
        try Self.section(.function, ofEmpty: r)
    }

    mutating func readTables() throws(LoadError) {
        guard var r = reader(.table) else { return }
        let n = try r.u32()
        for _ in 0..<n {
            let t = try r.refType()
            let l = try r.limits(memory: false)
            if let max = l.max { guard l.min <= max else { throw .invalid(.invalidLimits) } }
            guard l.min <= u64(limits.maxTableElements) else { throw .exceedsLimits }
            let capacity = Swift.min(l.max ?? u64(limits.maxTableElements), u64(limits.maxTableElements))
            let record = try arena.allocate(TableRecord.self, count: 1, part: .table)
            let elements = try arena.allocate(UInt64.self, count: index(capacity), part: .table)
            record.initialize(to: TableRecord(elements: elements, count: UInt32(truncatingIfNeeded: l.min), capacity: UInt32(truncatingIfNeeded: capacity),
                                              max: UInt32(truncatingIfNeeded: l.max ?? u64(UInt32.max)), hasMax: l.max != nil, type: t))
            inst.pointee.tables[Int(inst.pointee.tableCount)] = record
            inst.pointee.tableCount += 1
        }
        try Self.section(.table, ofEmpty: r)
    }

    private mutating func addMemory(_ m: UnsafeMutablePointer<MemoryRecord>) throws(LoadError) {
        if inst.pointee.memoryCount == 0 { inst.pointee.memory = m }
        inst.pointee.memories[Int(inst.pointee.memoryCount)] = m
        inst.pointee.memoryCount += 1
    }

    /// A memory that only carries its type, for validation.
    private mutating func placeholderMemory(_ l: MemoryLimits) throws(LoadError) -> UnsafeMutablePointer<MemoryRecord> {
        let record = try arena.allocate(MemoryRecord.self, count: 1, part: .linearMemory)
        record.initialize(to: MemoryRecord(base: UnsafeMutableRawPointer(record), byteCount: 0, capacity: 0,
                                           pageSizeLog2: l.pageSizeLog2, maxPages: l.max ?? 0, hasDeclaredMax: l.max != nil,
                                           is64: l.is64))
        return record
    }

    private func checkMemoryType(_ l: MemoryLimits) throws(LoadError) {
        guard l.pageSizeLog2 == 0 || l.pageSizeLog2 == 16 else { throw .invalid(.invalidPageSize) }
        if l.is64 {
            // 2^64 bytes at most: any page count for 1-byte pages, 2^48 for 64 KiB ones.
            let limit: UInt64 = l.pageSizeLog2 == 0 ? UInt64.max : 1 &<< 48
            guard l.min <= limit else { throw .invalid(.memorySizeTooLarge) }
            if let max = l.max {
                guard max <= limit else { throw .invalid(.memorySizeTooLarge) }
                guard l.min <= max else { throw .invalid(.invalidLimits) }
            }
            return
        }
        let limit: UInt64 = 1 &<< (32 - u64(l.pageSizeLog2))
        guard l.min <= limit else { throw .invalid(.memorySizeTooLarge) }
        if let max = l.max {
            guard max <= limit else { throw .invalid(.memorySizeTooLarge) }
            guard l.min <= max else { throw .invalid(.invalidLimits) }
        }
    }

    mutating func readMemory() throws(LoadError) {
        guard var r = reader(.memory) else { return }
        let n = try r.u32()
        for _ in 0..<n {
            let l = try r.memoryLimits()
            try checkMemoryType(l)
            if mode == .validate {
                try addMemory(try placeholderMemory(l))
                continue
            }
            guard !l.is64 else { throw .unsupported }
            let log = u64(l.pageSizeLog2)
            let minBytes = l.min &<< log
            guard minBytes <= u64(limits.maxMemoryBytes) else { throw .exceedsLimits }
            let maxPages = l.max ?? (1 &<< (32 - log))
            let capacity = Swift.min(maxPages &<< log, u64(limits.maxMemoryBytes))
            let record = try arena.allocate(MemoryRecord.self, count: 1, part: .linearMemory)
            let base = try arena.allocateBytes(index(capacity), part: .linearMemory)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: index(minBytes))
            record.initialize(to: MemoryRecord(base: base, byteCount: minBytes, capacity: capacity, pageSizeLog2: l.pageSizeLog2,
                                               maxPages: maxPages, hasDeclaredMax: l.max != nil))
            try addMemory(record)
        }
        try Self.section(.memory, ofEmpty: r)
    }

    /// Evaluates a constant expression of type `t` (one instruction and `end` in 2.0).
    mutating func constant(_ r: inout ModuleReader, _ t: ValType) throws(LoadError) -> UInt64 {
        let op = try r.u8()
        var value: UInt64
        var type: ValType
        switch op {
        case 0x41: value = u64(UInt32(bitPattern: try r.s32())); type = .i32
        case 0x42: value = UInt64(bitPattern: try r.s64()); type = .i64
        case 0x43: value = u64(try r.fixed32()); type = .f32
        case 0x44: value = try r.fixed64(); type = .f64
        case 0xD0: type = try r.refType(); value = 0
        case 0xD2:
            let x = try r.u32()
            guard x < inst.pointee.functionCount else { throw .invalid(.unknownFunction) }
            declared[Int(x &>> 3)] |= 1 &<< (x & 7)
            value = u64(UInt(bitPattern: inst.pointee.functions[Int(x)]))
            type = .funcref
        case 0x23:
            let x = try r.u32()
            guard x < importedGlobals else { throw .invalid(.unknownGlobal) }
            let g = inst.pointee.globals[Int(x)].pointee
            guard !g.mutable else { throw .invalid(.constantExpressionRequired) }
            value = g.value
            type = g.type
        case 0x0B:
            throw .invalid(.typeMismatch)
        default:
            // Any other instruction: decode errors first, else it is not constant.
            if NumericShape.numeric(UInt32(op)) != nil || op == 0x20 || op == 0x24 || op == 0x01 || op == 0x00 {
                throw .invalid(.constantExpressionRequired)
            }
            throw .malformed(.malformedOpcode)
        }
        let end = try r.u8()
        guard end == 0x0B else {
            if NumericShape.numeric(UInt32(end)) != nil || (0x41...0x44).contains(end) || end == 0x23 || end == 0x01 || end == 0x20 || end == 0xD2 || end == 0xD0 {
                throw .invalid(.constantExpressionRequired)
            }
            throw .malformed(.constantExpressionEnd)
        }
        guard type == t else { throw .invalid(.typeMismatch) }
        return value
    }

    mutating func readGlobals() throws(LoadError) {
        guard var r = reader(.global) else { return }
        let n = try r.u32()
        let records = try arena.allocate(GlobalRecord.self, count: Int(n), part: .moduleTables)
        for i in 0..<Int(n) {
            let t = try r.valType()
            let mut = try r.u8()
            guard mut <= 1 else { throw .malformed(.malformedMutability) }
            let value = try constant(&r, t)
            records[i] = GlobalRecord(value: value, type: t, mutable: mut == 1)
            inst.pointee.globals[Int(inst.pointee.globalCount)] = records + i
            inst.pointee.globalCount += 1
        }
        try Self.section(.global, ofEmpty: r)
    }

    mutating func readExports() throws(LoadError) {
        guard var r = reader(.export) else { return }
        let n = try r.u32()
        guard u64(n) <= u64(r.remaining) else { throw .malformed(.unexpectedEnd) }
        let exports = try arena.allocate(ExportEntry.self, count: Int(n), part: .moduleTables)
        for i in 0..<Int(n) {
            let name = try r.name()
            let kindByte = try r.u8()
            guard let kind = ExternalKind(rawValue: kindByte) else { throw .malformed(.malformedExportKind) }
            let index = try r.u32()
            switch kind {
            case .function:
                guard index < inst.pointee.functionCount else { throw .invalid(.unknownFunction) }
                declared[Int(index &>> 3)] |= 1 &<< (index & 7)
            case .table: guard index < inst.pointee.tableCount else { throw .invalid(.unknownTable) }
            case .memory: guard index < inst.pointee.memoryCount else { throw .invalid(.unknownMemory) }
            case .global: guard index < inst.pointee.globalCount else { throw .invalid(.unknownGlobal) }
            }
            for k in 0..<i where Instance.equal(exports[k].name, name) { throw .invalid(.duplicateExportName) }
            exports[i] = ExportEntry(name: name, kind: kind, index: index)
        }
        inst.pointee.exports = exports
        inst.pointee.exportCount = n
        try Self.section(.export, ofEmpty: r)
    }

    mutating func readStart() throws(LoadError) {
        guard var r = reader(.start) else { return }
        let x = try r.u32()
        guard x < inst.pointee.functionCount else { throw .invalid(.unknownFunction) }
        let t = inst.pointee.functions[Int(x)].pointee.type
        guard t.paramCount == 0, t.resultCount == 0 else { throw .invalid(.invalidStartFunction) }
        startFunction = x
        try Self.section(.start, ofEmpty: r)
    }

    /// Active segments: which table or memory and where, applied once everything is loaded.
    struct Placement { var index: UInt32; var offset: UInt32 }

    mutating func readElements() throws(LoadError) {
        guard var r = reader(.element) else { return }
        let n = try r.u32()
        guard u64(n) <= u64(r.remaining) else { throw .malformed(.unexpectedEnd) }
        inst.pointee.elements = try arena.allocate(ElementSegment.self, count: Int(n), part: .moduleTables)
        inst.pointee.elementCount = n
        for i in 0..<Int(n) {
            let flags = try r.u32()
            guard flags <= 7 else { throw .malformed(.malformedSegment) }
            let passiveOrDeclarative = flags & 1 != 0
            let explicitTable = flags & 2 != 0
            let expressions = flags & 4 != 0
            var table: UInt32 = 0
            var offset: UInt32 = 0
            if !passiveOrDeclarative {
                if explicitTable { table = try r.u32() }
                guard table < inst.pointee.tableCount else { throw .invalid(.unknownTable) }
                offset = UInt32(truncatingIfNeeded: try constant(&r, .i32))
            }
            var type = ValType.funcref
            if passiveOrDeclarative || explicitTable {
                if expressions {
                    type = try r.refType()
                } else {
                    guard try r.u8() == 0 else { throw .malformed(.malformedElementKind) }
                }
            }
            let count = try r.u32()
            guard u64(count) <= u64(r.remaining) else { throw .malformed(.unexpectedEnd) }
            let values = try arena.allocate(UInt64.self, count: Int(count), part: .moduleTables)
            for k in 0..<Int(count) {
                if expressions {
                    values[k] = try constant(&r, type)
                } else {
                    let x = try r.u32()
                    guard x < inst.pointee.functionCount else { throw .invalid(.unknownFunction) }
                    declared[Int(x &>> 3)] |= 1 &<< (x & 7)
                    values[k] = u64(UInt(bitPattern: inst.pointee.functions[Int(x)]))
                }
            }
            if !passiveOrDeclarative {
                guard inst.pointee.tables[Int(table)].pointee.type == type else { throw .invalid(.typeMismatch) }
            }
            inst.pointee.elements[i] = ElementSegment(values: values, count: count, type: type,
                                                      mode: passiveOrDeclarative ? (explicitTable ? .declarative : .passive) : .active,
                                                      table: table, offset: offset)
        }
        try Self.section(.element, ofEmpty: r)
    }

    mutating func readDataCount() throws(LoadError) {
        guard var r = reader(.dataCount) else { return }
        dataCount = try r.u32()
        try Self.section(.dataCount, ofEmpty: r)
    }

    mutating func readCode() throws(LoadError) {
        let functionCount = inst.pointee.functionCount - inst.pointee.importedFunctionCount
        guard var r = reader(.code) else {
            guard functionCount == 0 else { throw .malformed(.functionAndCodeCountMismatch) }
            return
        }
        let n = try r.u32()
        guard n == functionCount else { throw .malformed(.functionAndCodeCountMismatch) }
        let ctx = ModuleContext(instance: inst, dataCount: dataCount, declared: declared, singleTypes: singleTypes,
                                memories: limits.memories)
        for i in 0..<n {
            let size = try r.u32()
            var body = ModuleReader(try r.bytes(size))
            let record = inst.pointee.functions[Int(inst.pointee.importedFunctionCount + i)]
            let type = record.pointee.type
            let mark = arena.scratchMark
            // Locals: count them first, then record their types in scratch space.
            let groups = try body.u32()
            var total = u64(type.paramCount)
            let afterGroups = body
            for _ in 0..<groups {
                total += u64(try body.u32())
                _ = try body.valType()
                guard total <= 0xFFFF_FFFF else { throw .malformed(.tooManyLocals) }
            }
            guard total <= 50_000 else { throw .arenaTooSmall(.scratch, needed: UInt32(truncatingIfNeeded: total)) }
            let localCount = UInt32(truncatingIfNeeded: total)
            let localTypes = try arena.scratch(ValType.self, count: Int(localCount))
            for k in 0..<Int(type.paramCount) { localTypes[k] = type.param(UInt32(k)) }
            var fill = Int(type.paramCount)
            var again = afterGroups
            for _ in 0..<groups {
                let c = try again.u32()
                let t = try again.valType()
                for _ in 0..<c { localTypes[fill] = t; fill += 1 }
            }
            // Each operand needs a byte of the body to be pushed, each block two.
            let capacity = UInt32(clamping: body.remaining + 2)
            let controlCapacity = capacity / 2 + 1
            let operands = try arena.scratch(Operand.self, count: Int(capacity))
            let controls = try arena.scratch(ControlFrame.self, count: Int(controlCapacity))
            let codeStart = (arena.cursor + 3).alignedDown(for: UInt32.self)
            let alignPad = codeStart - arena.cursor
            try arena.extend(by: alignPad, part: .code)
            let words = UInt32(clamping: arena.free / 4)
            var t = Translator(ctx: ctx, reader: body, function: type, localTypes: localTypes, localCount: localCount,
                               operands: operands, operandCapacity: capacity, controls: controls, controlCapacity: controlCapacity,
                               code: codeStart.bindMemory(to: UInt32.self, capacity: Int(words)), codeCapacity: words)
            try t.translate()
            try arena.extend(by: Int(t.pos) * 4, part: .code)
            inst.pointee.codeBytes += t.pos * 4
            record.pointee.code = UnsafePointer(t.code)
            record.pointee.localCount = localCount
            record.pointee.frameSlots = Swift.max(localCount + t.maxHeight, type.resultCount)
            record.pointee.cost = t.instructions
            arena.releaseScratch(to: mark)
        }
        try Self.section(.code, ofEmpty: r)
    }

    mutating func readData() throws(LoadError) {
        guard var r = reader(.data) else {
            if let c = dataCount, c != 0 { throw .malformed(.dataCountMismatch) }
            return
        }
        let n = try r.u32()
        if let c = dataCount, c != n { throw .malformed(.dataCountMismatch) }
        guard u64(n) <= u64(r.remaining) else { throw .malformed(.unexpectedEnd) }
        inst.pointee.data = try arena.allocate(DataSegment.self, count: Int(n), part: .moduleTables)
        inst.pointee.dataCount = n
        for i in 0..<Int(n) {
            let flags = try r.u32()
            guard flags <= 2 else { throw .malformed(.malformedSegment) }
            var memoryIndex: UInt32 = 0
            var offset: UInt32 = 0
            if flags != 1 {
                if flags == 2 { memoryIndex = try r.u32() }
                guard memoryIndex < inst.pointee.memoryCount else { throw .invalid(.unknownMemory) }
                offset = UInt32(truncatingIfNeeded: try constant(&r, .i32))
            }
            let bytes = try r.bytes(try r.u32())
            inst.pointee.data[i] = DataSegment(bytes: bytes.baseAddress, count: UInt32(bytes.count), active: flags != 1, offset: offset,
                                            memory: memoryIndex)
        }
        try Self.section(.data, ofEmpty: r)
    }

    mutating func allocateStacks() throws(LoadError) {
        inst.pointee.stack = try arena.allocate(UInt64.self, count: Int(limits.valueStackSlots), part: .stacks)
        inst.pointee.stackSlots = limits.valueStackSlots
        inst.pointee.frames = try arena.allocate(CallFrame.self, count: Int(limits.callDepth), part: .stacks)
        inst.pointee.frameCapacity = limits.callDepth
    }

    /// Instantiation's side effects, in the standard's order: element segments, data segments.
    /// A trap keeps what earlier segments wrote (imported tables and memories see it).
    mutating func initializeSegments() throws(LoadError) {
        for i in 0..<Int(inst.pointee.elementCount) {
            let e = inst.pointee.elements + i
            switch e.pointee.mode {
            case .active:
                do throws(Trap) {
                    try Bulk.tableInit(inst.pointee.tables[Int(e.pointee.table)], e, e.pointee.offset, 0, e.pointee.count)
                } catch { throw .trapped(error) }
                e.pointee.count = 0
            case .declarative:
                e.pointee.count = 0
            case .passive:
                break
            }
        }
        for i in 0..<Int(inst.pointee.dataCount) {
            let d = inst.pointee.data[i]
            guard d.active else { continue }
            let m = inst.pointee.memories[Int(d.memory)]
            do throws(Trap) { try Bulk.memoryInit(m, d, d.offset, 0, d.count) } catch { throw .trapped(error) }
            inst.pointee.data[i].count = 0
        }
    }
}
