/// An instantiated module and the public face of the interpreter.
///
/// `Instance.load` decodes, validates, translates and instantiates a module into the caller's
/// arena and runs its start function. The module's bytes must stay valid as long as the instance
/// (names and passive data are read from them), and so must the arena and the arenas of the
/// instances it imports from.
public struct Instance {
    let record: UnsafeMutablePointer<InstanceRecord>

    public static func load<H: WasmHost>(
        module: UnsafeRawBufferPointer, arena: UnsafeMutableRawBufferPointer, limits: InstanceLimits,
        fuel: inout Fuel, host: inout H
    ) throws(LoadError) -> Instance {
        var loader = try Loader<H>(module: module, arena: arena, limits: limits)
        try loader.load(host: &host)
        let instance = Instance(record: loader.inst)
        if let start = loader.startFunction {
            do throws(Trap) {
                try instance.invoke(FunctionHandle(record: loader.inst.pointee.functions[Int(start)]),
                                    arguments: UnsafeBufferPointer(start: nil, count: 0),
                                    results: UnsafeMutableBufferPointer(start: nil, count: 0), fuel: &fuel, host: &host)
            } catch { throw .trapped(error) }
        }
        return instance
    }

    /// Decodes and validates without linking or instantiating (imports are not resolved); the
    /// arena is scratch. The result describes the module's imports and exports only.
    public static func validate(
        module: UnsafeRawBufferPointer, arena: UnsafeMutableRawBufferPointer, limits: InstanceLimits
    ) throws(LoadError) -> Instance {
        var loader = try Loader<NoImports>(module: module, arena: arena, limits: limits)
        loader.mode = .validate
        var host = NoImports()
        try loader.load(host: &host)
        return Instance(record: loader.inst)
    }

    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    public var exportCount: Int { Int(record.pointee.exportCount) }

    /// Name and value of export `i`.
    public func export(at i: Int) -> (name: UnsafeRawBufferPointer, value: ExternalValue) {
        let e = record.pointee.exports[i]
        return (e.name, value(e.kind, e.index))
    }

    public var importCount: Int { Int(record.pointee.importCount) }

    /// Module, name and what import `i` is bound to (after `validate`: placeholders that carry
    /// the declared types).
    public func `import`(at i: Int) -> (module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, value: ExternalValue) {
        let e = record.pointee.imports[i]
        return (e.module, e.name, value(e.kind, e.index))
    }

    private func value(_ kind: ExternalKind, _ index: UInt32) -> ExternalValue {
        switch kind {
        case .function: return .function(FunctionHandle(record: record.pointee.functions[Int(index)]))
        case .table: return .table(TableHandle(record: record.pointee.tables[Int(index)]))
        case .memory: return .memory(MemoryHandle(record: record.pointee.memories[Int(index)]))
        case .global: return .global(GlobalHandle(record: record.pointee.globals[Int(index)]))
        }
    }

    /// The export called `name`, if any.
    public func export(named name: UnsafeRawBufferPointer) -> ExternalValue? {
        for i in 0..<Int(record.pointee.exportCount) where Instance.equal(record.pointee.exports[i].name, name) {
            return value(record.pointee.exports[i].kind, record.pointee.exports[i].index)
        }
        return nil
    }

    public func export(named name: StaticString) -> ExternalValue? {
        name.withUTF8Buffer { export(named: UnsafeRawBufferPointer($0)) }
    }

    public var memory: MemoryHandle? { record.pointee.memory.map { MemoryHandle(record: $0) } }

    /// Bytes of the arena in use, of which pre-decoded code.
    public var arenaUsed: UInt32 { record.pointee.arenaUsed }
    public var arenaSize: UInt32 { record.pointee.arenaSize }
    public var codeBytes: UInt32 { record.pointee.codeBytes }

    /// Calls `function` (of this or another instance) on this instance's stacks. Arguments and
    /// results are raw bits, i32 and f32 zero-extended; their counts must match the type.
    public func invoke<H: WasmHost>(
        _ function: FunctionHandle, arguments: UnsafeBufferPointer<UInt64>, results: UnsafeMutableBufferPointer<UInt64>,
        fuel: inout Fuel, host: inout H
    ) throws(Trap) {
        let t = function.record.pointee.type
        guard arguments.count == Int(t.paramCount), results.count == Int(t.resultCount) else { throw .hostError }
        let stack = record.pointee.stack
        guard Int(record.pointee.stackSlots) >= Swift.max(arguments.count, results.count) else { throw .stackExhausted }
        for i in 0..<arguments.count { stack[i] = arguments[i] }
        try Executor.run(function.record, stack: stack, stackSlots: record.pointee.stackSlots,
                         frames: record.pointee.frames, frameCapacity: record.pointee.frameCapacity, fuel: &fuel, host: &host)
        for i in 0..<results.count { results[i] = stack[i] }
    }
}

/// The host of validation: resolves nothing (imports are only type-checked).
struct NoImports: WasmHost {
    mutating func resolve(module: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, kind: ExternalKind) -> ExternalValue? { nil }
    mutating func call(host index: UInt32, slots: UnsafeMutablePointer<UInt64>, memory: UnsafeMutableRawBufferPointer) throws(Trap) {
        throw .hostError
    }
    mutating func preempt(fuelLeft: UInt64) -> Bool { false }
}
