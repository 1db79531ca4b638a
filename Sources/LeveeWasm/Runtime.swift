/// Runtime records. They all live in an instance's arena; another instance that imports one of
/// them (a function, memory, table or global) points at the exporter's record, so the exporter's
/// arena must outlive the importers.

public enum ExternalKind: UInt8 {
    case function = 0, table, memory, global
}

struct FunctionRecord {
    var type: FuncType
    /// The defining instance; nil for a host function.
    var instance: UnsafeMutablePointer<InstanceRecord>?
    /// Entry of the pre-decoded body (nil for a host function).
    var code: UnsafePointer<UInt32>?
    var hostIndex: UInt32
    /// Parameters and declared locals: the first slots of a frame.
    var localCount: UInt32
    /// Slots a frame of this function needs (locals and the deepest operand stack).
    var frameSlots: UInt32
    /// Fuel charged per call: the body's instruction count.
    var cost: UInt32
}

struct MemoryRecord {
    var base: UnsafeMutableRawPointer
    var byteCount: UInt64
    /// Bytes reserved in the arena: growth never moves the memory.
    var capacity: UInt64
    var pageSizeLog2: UInt8
    var maxPages: UInt64
    var hasDeclaredMax: Bool
    /// A 64-bit memory (memory64 proposal): only validated, never instantiated.
    var is64: Bool = false
}

struct TableRecord {
    var elements: UnsafeMutablePointer<UInt64>
    var count: UInt32
    var capacity: UInt32
    var max: UInt32
    var hasMax: Bool
    var type: ValType
}

struct GlobalRecord {
    var value: UInt64
    var type: ValType
    var mutable: Bool
}

enum SegmentMode: UInt8 { case active, passive, declarative }

struct ElementSegment {
    var values: UnsafeMutablePointer<UInt64>
    /// 0 once dropped.
    var count: UInt32
    var type: ValType
    var mode: SegmentMode
    var table: UInt32
    var offset: UInt32
}

struct DataSegment {
    /// In the module's bytes, which must outlive the instance.
    var bytes: UnsafeRawPointer?
    /// 0 once dropped.
    var count: UInt32
    var active: Bool
    var offset: UInt32
    var memory: UInt32
}

struct ImportEntry {
    var module: UnsafeRawBufferPointer
    var name: UnsafeRawBufferPointer
    var kind: ExternalKind
    /// Index in the index space of its kind.
    var index: UInt32
}

struct ExportEntry {
    var name: UnsafeRawBufferPointer
    var kind: ExternalKind
    var index: UInt32
}

/// A frame of the executor's call stack: where to go back to.
struct CallFrame {
    var returnPC: UnsafePointer<UInt32>
    var fp: UnsafeMutablePointer<UInt64>
    var function: UnsafeMutablePointer<FunctionRecord>
}

struct InstanceRecord {
    var types: UnsafeMutablePointer<FuncType>
    var typeCount: UInt32 = 0
    var functions: UnsafeMutablePointer<UnsafeMutablePointer<FunctionRecord>>
    var functionCount: UInt32 = 0
    var importedFunctionCount: UInt32 = 0
    var tables: UnsafeMutablePointer<UnsafeMutablePointer<TableRecord>>
    var tableCount: UInt32 = 0
    /// Memory 0, the one the fast instructions use.
    var memory: UnsafeMutablePointer<MemoryRecord>?
    var memories: UnsafeMutablePointer<UnsafeMutablePointer<MemoryRecord>>
    var memoryCount: UInt32 = 0
    var globals: UnsafeMutablePointer<UnsafeMutablePointer<GlobalRecord>>
    var globalCount: UInt32 = 0
    var elements: UnsafeMutablePointer<ElementSegment>
    var elementCount: UInt32 = 0
    var data: UnsafeMutablePointer<DataSegment>
    var dataCount: UInt32 = 0
    var exports: UnsafeMutablePointer<ExportEntry>
    var exportCount: UInt32 = 0
    var imports: UnsafeMutablePointer<ImportEntry>
    var importCount: UInt32 = 0
    var stack: UnsafeMutablePointer<UInt64>
    var stackSlots: UInt32 = 0
    var frames: UnsafeMutablePointer<CallFrame>
    var frameCapacity: UInt32 = 0
    var codeBytes: UInt32 = 0
    var arenaUsed: UInt32 = 0
    var arenaSize: UInt32 = 0

    /// Every table empty, its pointer aimed at `p` until the loader allocates it.
    init(placeholder p: UnsafeMutableRawPointer) {
        types = p.assumingMemoryBound(to: FuncType.self)
        functions = p.assumingMemoryBound(to: UnsafeMutablePointer<FunctionRecord>.self)
        tables = p.assumingMemoryBound(to: UnsafeMutablePointer<TableRecord>.self)
        memories = p.assumingMemoryBound(to: UnsafeMutablePointer<MemoryRecord>.self)
        globals = p.assumingMemoryBound(to: UnsafeMutablePointer<GlobalRecord>.self)
        elements = p.assumingMemoryBound(to: ElementSegment.self)
        data = p.assumingMemoryBound(to: DataSegment.self)
        exports = p.assumingMemoryBound(to: ExportEntry.self)
        imports = p.assumingMemoryBound(to: ImportEntry.self)
        stack = p.assumingMemoryBound(to: UInt64.self)
        frames = p.assumingMemoryBound(to: CallFrame.self)
    }
}

/// What an import is bound to: supplied by the embedder's `WasmHost.resolve`.
public enum ExternalValue {
    case function(FunctionHandle)
    /// A function of the embedder: `WasmHost.call(host:)` receives `index`.
    case hostFunction(index: UInt32, type: FuncType)
    case table(TableHandle)
    case memory(MemoryHandle)
    case global(GlobalHandle)
}

public struct FunctionHandle: Equatable {
    let record: UnsafeMutablePointer<FunctionRecord>
    public var type: FuncType { record.pointee.type }
}

public struct TableHandle: Equatable {
    let record: UnsafeMutablePointer<TableRecord>
    public var elementType: ValType { record.pointee.type }
    public var count: UInt32 { record.pointee.count }
}

public struct MemoryHandle: Equatable {
    let record: UnsafeMutablePointer<MemoryRecord>
    /// log2 of the page size: 16 (64 KiB) or 0 (custom-page-sizes, 1 byte).
    public var pageSizeLog2: UInt8 { record.pointee.pageSizeLog2 }
    /// Declared maximum in pages, if any.
    public var maxPages: UInt64? { record.pointee.hasDeclaredMax ? record.pointee.maxPages : nil }
    /// The current contents of the linear memory.
    public var bytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: record.pointee.base, count: index(record.pointee.byteCount))
    }
}

public struct GlobalHandle: Equatable {
    let record: UnsafeMutablePointer<GlobalRecord>
    public var type: ValType { record.pointee.type }
    public var isMutable: Bool { record.pointee.mutable }
    public var value: UInt64 { record.pointee.value }
}

/// The embedder: resolves imports, runs host functions and decides on preemption. A generic
/// parameter of loading and running, so nothing is stored and no existential is needed.
public protocol WasmHost {
    /// The value bound to an import, or nil when the embedder does not provide it.
    mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue?
    /// Runs host function `index`: its arguments are in `slots[0..<params]` (raw bits, i32
    /// zero-extended), results go to `slots[0..<results]`. `memory` is the caller's memory.
    mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap)
    /// Called every `preemptionInterval` units of fuel: return false to stop the guest.
    mutating func preempt(fuelLeft: UInt64) -> Bool
}

/// A host that provides no imports and never stops the guest (self-checks, benchmarks).
public struct NoImportsHost: WasmHost {
    public init() {}
    public mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue? { nil }
    public mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap) {
        throw .hostError   // unreachable: nothing was resolved
    }
    public mutating func preempt(fuelLeft: UInt64) -> Bool { true }
}
