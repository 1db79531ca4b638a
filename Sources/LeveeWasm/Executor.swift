/// Runs the internal code: one dense switch in one loop. Guest calls push a `CallFrame` on the
/// instance's own call stack and move the frame pointer up the value stack; they never recurse
/// on the native stack. State that the hot loop needs (pc, fp, memory base and size, the current
/// instance's tables) sits in locals, reloaded when a call or return crosses into another
/// instance or memory may have grown.

/// A fuel budget: the guest is charged at calls (the callee's instruction count) and loop
/// back-edges (the loop body's), an upper bound of the instructions it runs in between.
public struct Fuel {
    public var remaining: Int64
    /// The host's `preempt` is called each time this much fuel has been used.
    public var preemptionInterval: Int64

    public init(_ remaining: Int64, preemptionInterval: Int64 = 10_000) {
        self.remaining = remaining
        self.preemptionInterval = preemptionInterval > 0 ? preemptionInterval : 1
    }
}

/// The state of the current instance that instructions read.
struct ExecContext {
    var instance: UnsafeMutablePointer<InstanceRecord>
    /// The memory of memory instructions: memory 0 unless `withMemory` chose another.
    var record: UnsafeMutablePointer<MemoryRecord>?
    var memory: UnsafeMutableRawPointer
    var memorySize: UInt64

    @inline(__always)
    init(_ instance: UnsafeMutablePointer<InstanceRecord>) {
        self.instance = instance
        record = instance.pointee.memory
        memory = UnsafeMutableRawPointer(instance)
        memorySize = 0
        refresh()
    }

    /// Reads the memory's base and size again (after growth, or to switch memories).
    @inline(__always)
    mutating func refresh() {
        if let m = record {
            memory = m.pointee.base
            memorySize = m.pointee.byteCount
        }
    }
}

enum Executor {
    /// Runs `function` with its arguments in `stack[0..<params]`; results end in `stack[0..<results]`.
    static func run<H: WasmHost>(
        _ function: UnsafeMutablePointer<FunctionRecord>,
        stack: UnsafeMutablePointer<UInt64>, stackSlots: UInt32,
        frames: UnsafeMutablePointer<CallFrame>, frameCapacity: UInt32,
        fuel: inout Fuel, host: inout H
    ) throws(Trap) {
        let stackEnd = stack + Int(stackSlots)
        guard let entryInstance = function.pointee.instance, let entryCode = function.pointee.code else {
            try callHost(function, stack, stackEnd, ExecContext(UnsafeMutablePointer<InstanceRecord>(OpaquePointer(stack))), &host, hasMemory: false)
            return
        }
        guard stack + Int(function.pointee.frameSlots) <= stackEnd else { throw .stackExhausted }
        zeroLocals(function, stack)
        var ctx = ExecContext(entryInstance)
        var current = function
        var pc = entryCode
        var fp = stack
        var depth: UInt32 = 0
        var remaining = fuel.remaining
        var nextCheck = remaining > fuel.preemptionInterval ? remaining - fuel.preemptionInterval : 0
        defer { fuel.remaining = remaining }

        while true {
            // The translator only writes valid opcodes; `Op(rawValue:)` would be a call per
            // dispatch (its switch is not inlined), the cast is a byte load.
            let op = unsafeBitCast(UInt8(truncatingIfNeeded: pc[0]), to: Op.self)
            switch op {
            case .unreachable:
                throw .unreachable
            case .br:
                pc += 1 &+ Int(Int32(bitPattern: pc[1]))
            case .brBack:
                remaining &-= Int64(bitPattern: u64(pc[2]))
                if remaining < nextCheck { try charge(&remaining, &nextCheck, fuel.preemptionInterval, &host) }
                pc += 1 &+ Int(Int32(bitPattern: pc[1]))
            case .brIf:
                if UInt32(truncatingIfNeeded: fp[Int(pc[1])]) != 0 {
                    pc += 2 &+ Int(Int32(bitPattern: pc[2]))
                } else {
                    pc += 3
                }
            case .brIfNot:
                if UInt32(truncatingIfNeeded: fp[Int(pc[1])]) == 0 {
                    pc += 2 &+ Int(Int32(bitPattern: pc[2]))
                } else {
                    pc += 3
                }
            case .brIfBack:
                if UInt32(truncatingIfNeeded: fp[Int(pc[1])]) != 0 {
                    remaining &-= Int64(bitPattern: u64(pc[3]))
                    if remaining < nextCheck { try charge(&remaining, &nextCheck, fuel.preemptionInterval, &host) }
                    pc += 2 &+ Int(Int32(bitPattern: pc[2]))
                } else {
                    pc += 4
                }
            case .brTable:
                let count = pc[2]
                var i = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                if i > count { i = count }
                let entry = 3 &+ Int(i)
                pc += entry &+ Int(Int32(bitPattern: pc[entry]))
            case .call:
                let callee = ctx.instance.pointee.functions[Int(pc[1])]
                let newFP = fp + Int(pc[2])
                try enter(callee, newFP, returnPC: pc + 3, &pc, &fp, &current, &ctx, &depth, stackEnd, frames, frameCapacity,
                          &remaining, &nextCheck, fuel.preemptionInterval, &host)
            case .callIndirect:
                let table = ctx.instance.pointee.tables[Int(pc[2])]
                let i = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                guard i < table.pointee.count else { throw .undefinedElement }
                guard let callee = UnsafeMutablePointer<FunctionRecord>(bitPattern: UInt(truncatingIfNeeded: table.pointee.elements[Int(i)]))
                else { throw .uninitializedElement }
                guard callee.pointee.type.matches(ctx.instance.pointee.types[Int(pc[1])]) else { throw .indirectCallTypeMismatch }
                let newFP = fp + Int(pc[4])
                try enter(callee, newFP, returnPC: pc + 5, &pc, &fp, &current, &ctx, &depth, stackEnd, frames, frameCapacity,
                          &remaining, &nextCheck, fuel.preemptionInterval, &host)
            case .ret:
                if depth == 0 { return }
                depth -= 1
                let frame = frames[Int(depth)]
                pc = frame.returnPC
                fp = frame.fp
                if frame.function.pointee.instance != current.pointee.instance, let inst = frame.function.pointee.instance {
                    ctx = ExecContext(inst)
                }
                current = frame.function
            case .copy:
                fp[Int(pc[1])] = fp[Int(pc[2])]
                pc += 3
            case .select:
                fp[Int(pc[1])] = UInt32(truncatingIfNeeded: fp[Int(pc[4])]) != 0 ? fp[Int(pc[2])] : fp[Int(pc[3])]
                pc += 5
            case .const32:
                fp[Int(pc[1])] = u64(pc[2])
                pc += 3
            case .const64:
                fp[Int(pc[1])] = u64(pc[3]) &<< 32 | u64(pc[2])
                pc += 4
            case .globalGet:
                fp[Int(pc[1])] = ctx.instance.pointee.globals[Int(pc[2])].pointee.value
                pc += 3
            case .globalSet:
                ctx.instance.pointee.globals[Int(pc[1])].pointee.value = fp[Int(pc[2])]
                pc += 3
            case .load32:
                let ea = try loadAddress(fp, pc, 4, ctx.memorySize)
                fp[Int(pc[1])] = u64(load(ctx.memory + ea, UInt32.self))
                pc += 5
            case .load64:
                let ea = try loadAddress(fp, pc, 8, ctx.memorySize)
                fp[Int(pc[1])] = load(ctx.memory + ea, UInt64.self)
                pc += 5
            case .load8S32:
                let ea = try loadAddress(fp, pc, 1, ctx.memorySize)
                fp[Int(pc[1])] = u64(UInt32(bitPattern: Int32(load(ctx.memory + ea, Int8.self))))
                pc += 5
            case .load8U32:
                let ea = try loadAddress(fp, pc, 1, ctx.memorySize)
                fp[Int(pc[1])] = u64(load(ctx.memory + ea, UInt8.self))
                pc += 5
            case .load16S32:
                let ea = try loadAddress(fp, pc, 2, ctx.memorySize)
                fp[Int(pc[1])] = u64(UInt32(bitPattern: Int32(load(ctx.memory + ea, Int16.self))))
                pc += 5
            case .load16U32:
                let ea = try loadAddress(fp, pc, 2, ctx.memorySize)
                fp[Int(pc[1])] = u64(load(ctx.memory + ea, UInt16.self))
                pc += 5
            case .load8S64:
                let ea = try loadAddress(fp, pc, 1, ctx.memorySize)
                fp[Int(pc[1])] = UInt64(bitPattern: s64(load(ctx.memory + ea, Int8.self)))
                pc += 5
            case .load16S64:
                let ea = try loadAddress(fp, pc, 2, ctx.memorySize)
                fp[Int(pc[1])] = UInt64(bitPattern: s64(load(ctx.memory + ea, Int16.self)))
                pc += 5
            case .load32S64:
                let ea = try loadAddress(fp, pc, 4, ctx.memorySize)
                fp[Int(pc[1])] = UInt64(bitPattern: s64(load(ctx.memory + ea, Int32.self)))
                pc += 5
            case .store32:
                let ea = try storeAddress(fp, pc, 4, ctx.memorySize)
                store(ctx.memory + ea, UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                pc += 5
            case .store64:
                let ea = try storeAddress(fp, pc, 8, ctx.memorySize)
                store(ctx.memory + ea, fp[Int(pc[2])])
                pc += 5
            case .store8:
                let ea = try storeAddress(fp, pc, 1, ctx.memorySize)
                store(ctx.memory + ea, UInt8(truncatingIfNeeded: fp[Int(pc[2])]))
                pc += 5
            case .store16:
                let ea = try storeAddress(fp, pc, 2, ctx.memorySize)
                store(ctx.memory + ea, UInt16(truncatingIfNeeded: fp[Int(pc[2])]))
                pc += 5
            case .memorySize, .memoryGrow, .memoryFill, .memoryCopy, .memoryInit, .dataDrop, .memoryCopyBetween,
                 .tableGet, .tableSet, .tableSize, .tableGrow, .tableFill, .tableCopy, .tableInit, .elemDrop, .refFunc:
                pc += try Bulk.execute(op, pc, fp, ctx.instance, ctx.record)
                if op == .memoryGrow { ctx.refresh() }
            case .f32MulAdd:
                let x = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[4])]))
                fp[Int(pc[1])] = u64((x + a * b).bitPattern)
                pc += 5
            case .i32XorShrUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a ^ (b &>> pc[4]))
                pc += 5
            case .f32AddMulImm:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = u64(((a + b) * Float(bitPattern: pc[4])).bitPattern)
                pc += 5
            case .load32Indexed:
                let index = (UInt32(truncatingIfNeeded: fp[Int(pc[2])]) & pc[3]) &<< pc[4]
                let ea = try address(index, pc[5], 4, ctx.memorySize)
                fp[Int(pc[1])] = u64(load(ctx.memory + ea, UInt32.self))
                pc += 6
            case .f32MulLoads:
                let a = Float(bitPattern: load(ctx.memory + (try address(fp, pc, 2, 4, ctx.memorySize)), UInt32.self))
                let b = Float(bitPattern: load(ctx.memory + (try address(fp, pc, 5, 4, ctx.memorySize)), UInt32.self))
                fp[Int(pc[1])] = u64((a * b).bitPattern)
                pc += 8
            case .f32MulAddLoads:
                let x = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let a = Float(bitPattern: load(ctx.memory + (try address(fp, pc, 3, 4, ctx.memorySize)), UInt32.self))
                let b = Float(bitPattern: load(ctx.memory + (try address(fp, pc, 6, 4, ctx.memorySize)), UInt32.self))
                fp[Int(pc[1])] = u64((x + a * b).bitPattern)
                pc += 9
            case .addImmBrNz:
                let d = UInt32(truncatingIfNeeded: fp[Int(pc[2])]) &+ pc[3]
                fp[Int(pc[1])] = u64(d)
                if d != 0 {
                    try takeBranch(&pc, 4, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 6
                }
            case .withMemory:
                ctx.record = ctx.instance.pointee.memories[Int(pc[1])]
                ctx.refresh()
                pc += 2
            // BEGIN GENERATED cases
            case .i32Clz, .i32Ctz, .i32Popcnt, .i32Rotl, .i32Rotr, .i64Clz, .i64Ctz, .i64Popcnt, .i64DivS, .i64DivU, .i64RemS, .i64RemU, .i64Rotl, .i64Rotr, .f32Ceil, .f32Floor, .f32Trunc, .f32Nearest, .f32Sqrt, .f32Min, .f32Max, .f32Copysign, .f64Ceil, .f64Floor, .f64Trunc, .f64Nearest, .f64Sqrt, .f64Min, .f64Max, .f64Copysign, .i32TruncF32S, .i32TruncF32U, .i32TruncF64S, .i32TruncF64U, .i64TruncF32S, .i64TruncF32U, .i64TruncF64S, .i64TruncF64U, .i32TruncSatF32S, .i32TruncSatF32U, .i32TruncSatF64S, .i32TruncSatF64U, .i64TruncSatF32S, .i64TruncSatF32U, .i64TruncSatF64S, .i64TruncSatF64U, .f32ConvertI64S, .f32ConvertI64U, .f64ConvertI64S, .f64ConvertI64U:
                pc += try cold(op, pc, fp)
            case .i32Eqz:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = (a == 0) ? 1 : 0
                pc += 3
            case .i32Eq:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a == b) ? 1 : 0
                pc += 4
            case .i32Ne:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a != b) ? 1 : 0
                pc += 4
            case .i32LtS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (Int32(bitPattern: a) < Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32LtU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a < b) ? 1 : 0
                pc += 4
            case .i32GtS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (Int32(bitPattern: a) > Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32GtU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a > b) ? 1 : 0
                pc += 4
            case .i32LeS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (Int32(bitPattern: a) <= Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32LeU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a <= b) ? 1 : 0
                pc += 4
            case .i32GeS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (Int32(bitPattern: a) >= Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32GeU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a >= b) ? 1 : 0
                pc += 4
            case .i64Eqz:
                let a = fp[Int(pc[2])]
                fp[Int(pc[1])] = (a == 0) ? 1 : 0
                pc += 3
            case .i64Eq:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (a == b) ? 1 : 0
                pc += 4
            case .i64Ne:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (a != b) ? 1 : 0
                pc += 4
            case .i64LtS:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (Int64(bitPattern: a) < Int64(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i64LtU:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (a < b) ? 1 : 0
                pc += 4
            case .i64GtS:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (Int64(bitPattern: a) > Int64(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i64GtU:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (a > b) ? 1 : 0
                pc += 4
            case .i64LeS:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (Int64(bitPattern: a) <= Int64(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i64LeU:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (a <= b) ? 1 : 0
                pc += 4
            case .i64GeS:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (Int64(bitPattern: a) >= Int64(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i64GeU:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = (a >= b) ? 1 : 0
                pc += 4
            case .f32Eq:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = (a == b) ? 1 : 0
                pc += 4
            case .f32Ne:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = (a != b) ? 1 : 0
                pc += 4
            case .f32Lt:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = (a < b) ? 1 : 0
                pc += 4
            case .f32Gt:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = (a > b) ? 1 : 0
                pc += 4
            case .f32Le:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = (a <= b) ? 1 : 0
                pc += 4
            case .f32Ge:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = (a >= b) ? 1 : 0
                pc += 4
            case .f64Eq:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a == b) ? 1 : 0
                pc += 4
            case .f64Ne:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a != b) ? 1 : 0
                pc += 4
            case .f64Lt:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a < b) ? 1 : 0
                pc += 4
            case .f64Gt:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a > b) ? 1 : 0
                pc += 4
            case .f64Le:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a <= b) ? 1 : 0
                pc += 4
            case .f64Ge:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a >= b) ? 1 : 0
                pc += 4
            case .i32Add:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a &+ b)
                pc += 4
            case .i32Sub:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a &- b)
                pc += 4
            case .i32Mul:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a &* b)
                pc += 4
            case .i32DivS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(try WasmMath.divS(a, b))
                pc += 4
            case .i32DivU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(try WasmMath.divU(a, b))
                pc += 4
            case .i32RemS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(try WasmMath.remS(a, b))
                pc += 4
            case .i32RemU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(try WasmMath.remU(a, b))
                pc += 4
            case .i32And:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a & b)
                pc += 4
            case .i32Or:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a | b)
                pc += 4
            case .i32Xor:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a ^ b)
                pc += 4
            case .i32Shl:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a &<< b)
                pc += 4
            case .i32ShrS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(UInt32(bitPattern: Int32(bitPattern: a) &>> Int32(bitPattern: b)))
                pc += 4
            case .i32ShrU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
                fp[Int(pc[1])] = u64(a &>> b)
                pc += 4
            case .i64Add:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a &+ b
                pc += 4
            case .i64Sub:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a &- b
                pc += 4
            case .i64Mul:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a &* b
                pc += 4
            case .i64And:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a & b
                pc += 4
            case .i64Or:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a | b
                pc += 4
            case .i64Xor:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a ^ b
                pc += 4
            case .i64Shl:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a &<< b
                pc += 4
            case .i64ShrS:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = UInt64(bitPattern: Int64(bitPattern: a) &>> Int64(bitPattern: b))
                pc += 4
            case .i64ShrU:
                let a = fp[Int(pc[2])]
                let b = fp[Int(pc[3])]
                fp[Int(pc[1])] = a &>> b
                pc += 4
            case .f32Abs:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                fp[Int(pc[1])] = u64((WasmMath.abs(a)).bitPattern)
                pc += 3
            case .f32Neg:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                fp[Int(pc[1])] = u64((WasmMath.neg(a)).bitPattern)
                pc += 3
            case .f32Add:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = u64((a + b).bitPattern)
                pc += 4
            case .f32Sub:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = u64((a - b).bitPattern)
                pc += 4
            case .f32Mul:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = u64((a * b).bitPattern)
                pc += 4
            case .f32Div:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
                fp[Int(pc[1])] = u64((a / b).bitPattern)
                pc += 4
            case .f64Abs:
                let a = Double(bitPattern: fp[Int(pc[2])])
                fp[Int(pc[1])] = (WasmMath.abs(a)).bitPattern
                pc += 3
            case .f64Neg:
                let a = Double(bitPattern: fp[Int(pc[2])])
                fp[Int(pc[1])] = (WasmMath.neg(a)).bitPattern
                pc += 3
            case .f64Add:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a + b).bitPattern
                pc += 4
            case .f64Sub:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a - b).bitPattern
                pc += 4
            case .f64Mul:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a * b).bitPattern
                pc += 4
            case .f64Div:
                let a = Double(bitPattern: fp[Int(pc[2])])
                let b = Double(bitPattern: fp[Int(pc[3])])
                fp[Int(pc[1])] = (a / b).bitPattern
                pc += 4
            case .i32WrapI64:
                let a = fp[Int(pc[2])]
                fp[Int(pc[1])] = u64(UInt32(truncatingIfNeeded: a))
                pc += 3
            case .i64ExtendI32S:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = UInt64(bitPattern: s64(Int32(bitPattern: a)))
                pc += 3
            case .f32ConvertI32S:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = u64((Float(s64(Int32(bitPattern: a)))).bitPattern)
                pc += 3
            case .f32ConvertI32U:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = u64((Float(Int64(bitPattern: u64(a)))).bitPattern)
                pc += 3
            case .f32DemoteF64:
                let a = Double(bitPattern: fp[Int(pc[2])])
                fp[Int(pc[1])] = u64((Float(a)).bitPattern)
                pc += 3
            case .f64ConvertI32S:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = (Double(s64(Int32(bitPattern: a)))).bitPattern
                pc += 3
            case .f64ConvertI32U:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = (Double(Int64(bitPattern: u64(a)))).bitPattern
                pc += 3
            case .f64PromoteF32:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                fp[Int(pc[1])] = (Double(a)).bitPattern
                pc += 3
            case .i32Extend8S:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = u64(UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: a))))
                pc += 3
            case .i32Extend16S:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                fp[Int(pc[1])] = u64(UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: a))))
                pc += 3
            case .i64Extend8S:
                let a = fp[Int(pc[2])]
                fp[Int(pc[1])] = UInt64(bitPattern: s64(Int8(truncatingIfNeeded: a)))
                pc += 3
            case .i64Extend16S:
                let a = fp[Int(pc[2])]
                fp[Int(pc[1])] = UInt64(bitPattern: s64(Int16(truncatingIfNeeded: a)))
                pc += 3
            case .i64Extend32S:
                let a = fp[Int(pc[2])]
                fp[Int(pc[1])] = UInt64(bitPattern: s64(Int32(truncatingIfNeeded: a)))
                pc += 3
            case .i32EqImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (a == b) ? 1 : 0
                pc += 4
            case .i32NeImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (a != b) ? 1 : 0
                pc += 4
            case .i32LtSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (Int32(bitPattern: a) < Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32LtUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (a < b) ? 1 : 0
                pc += 4
            case .i32GtSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (Int32(bitPattern: a) > Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32GtUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (a > b) ? 1 : 0
                pc += 4
            case .i32LeSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (Int32(bitPattern: a) <= Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32LeUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (a <= b) ? 1 : 0
                pc += 4
            case .i32GeSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (Int32(bitPattern: a) >= Int32(bitPattern: b)) ? 1 : 0
                pc += 4
            case .i32GeUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = (a >= b) ? 1 : 0
                pc += 4
            case .i32AddImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a &+ b)
                pc += 4
            case .i32SubImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a &- b)
                pc += 4
            case .i32MulImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a &* b)
                pc += 4
            case .i32AndImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a & b)
                pc += 4
            case .i32OrImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a | b)
                pc += 4
            case .i32XorImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a ^ b)
                pc += 4
            case .i32ShlImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a &<< b)
                pc += 4
            case .i32ShrSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(UInt32(bitPattern: Int32(bitPattern: a) &>> Int32(bitPattern: b)))
                pc += 4
            case .i32ShrUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                let b = pc[3]
                fp[Int(pc[1])] = u64(a &>> b)
                pc += 4
            case .f32AddImm:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: pc[3])
                fp[Int(pc[1])] = u64((a + b).bitPattern)
                pc += 4
            case .f32SubImm:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: pc[3])
                fp[Int(pc[1])] = u64((a - b).bitPattern)
                pc += 4
            case .f32MulImm:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: pc[3])
                fp[Int(pc[1])] = u64((a * b).bitPattern)
                pc += 4
            case .f32DivImm:
                let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
                let b = Float(bitPattern: pc[3])
                fp[Int(pc[1])] = u64((a / b).bitPattern)
                pc += 4
            case .brI32Eq:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if a == b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32EqImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if a == b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32Ne:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if a != b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32NeImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if a != b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LtS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if Int32(bitPattern: a) < Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LtSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if Int32(bitPattern: a) < Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LtU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if a < b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LtUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if a < b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GtS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if Int32(bitPattern: a) > Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GtSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if Int32(bitPattern: a) > Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GtU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if a > b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GtUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if a > b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LeS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if Int32(bitPattern: a) <= Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LeSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if Int32(bitPattern: a) <= Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LeU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if a <= b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32LeUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if a <= b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GeS:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if Int32(bitPattern: a) >= Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GeSImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if Int32(bitPattern: a) >= Int32(bitPattern: b) {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GeU:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
                if a >= b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            case .brI32GeUImm:
                let a = UInt32(truncatingIfNeeded: fp[Int(pc[1])])
                let b = pc[2]
                if a >= b {
                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)
                } else {
                    pc += 5
                }
            // END GENERATED cases
            }
        }
    }

    /// Stores a little-endian value at any alignment, like `load`.
    @inline(__always)
    static func store<T: FixedWidthInteger>(_ p: UnsafeMutableRawPointer, _ value: T) {
        var v = value
        withUnsafeBytes(of: &v) { p.copyMemory(from: $0.baseAddress.unsafelyUnwrapped, byteCount: MemoryLayout<T>.size) }
    }

    /// Numeric instructions rare in hot loops (generated: see tools/wasm/gen_ops.py), out of line so
    /// that `run` stays small enough for the optimizer to inline the accessors of the hot ones.
    /// Returns the instruction's length in words.
    @inline(never)
    static func cold(_ op: Op, _ pc: UnsafePointer<UInt32>, _ fp: UnsafeMutablePointer<UInt64>) throws(Trap) -> Int {
        switch op {
        // BEGIN GENERATED cold
        case .i32Clz:
            let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
            fp[Int(pc[1])] = u64(UInt32(a.leadingZeroBitCount))
            return 3
        case .i32Ctz:
            let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
            fp[Int(pc[1])] = u64(UInt32(a.trailingZeroBitCount))
            return 3
        case .i32Popcnt:
            let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
            fp[Int(pc[1])] = u64(UInt32(a.nonzeroBitCount))
            return 3
        case .i32Rotl:
            let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
            let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
            fp[Int(pc[1])] = u64((a &<< b) | (a &>> (32 &- b)))
            return 4
        case .i32Rotr:
            let a = UInt32(truncatingIfNeeded: fp[Int(pc[2])])
            let b = UInt32(truncatingIfNeeded: fp[Int(pc[3])])
            fp[Int(pc[1])] = u64((a &>> b) | (a &<< (32 &- b)))
            return 4
        case .i64Clz:
            let a = fp[Int(pc[2])]
            fp[Int(pc[1])] = u64(a.leadingZeroBitCount)
            return 3
        case .i64Ctz:
            let a = fp[Int(pc[2])]
            fp[Int(pc[1])] = u64(a.trailingZeroBitCount)
            return 3
        case .i64Popcnt:
            let a = fp[Int(pc[2])]
            fp[Int(pc[1])] = u64(a.nonzeroBitCount)
            return 3
        case .i64DivS:
            let a = fp[Int(pc[2])]
            let b = fp[Int(pc[3])]
            fp[Int(pc[1])] = try WasmMath.divS(a, b)
            return 4
        case .i64DivU:
            let a = fp[Int(pc[2])]
            let b = fp[Int(pc[3])]
            fp[Int(pc[1])] = try WasmMath.divU(a, b)
            return 4
        case .i64RemS:
            let a = fp[Int(pc[2])]
            let b = fp[Int(pc[3])]
            fp[Int(pc[1])] = try WasmMath.remS(a, b)
            return 4
        case .i64RemU:
            let a = fp[Int(pc[2])]
            let b = fp[Int(pc[3])]
            fp[Int(pc[1])] = try WasmMath.remU(a, b)
            return 4
        case .i64Rotl:
            let a = fp[Int(pc[2])]
            let b = fp[Int(pc[3])]
            fp[Int(pc[1])] = (a &<< b) | (a &>> (64 &- b))
            return 4
        case .i64Rotr:
            let a = fp[Int(pc[2])]
            let b = fp[Int(pc[3])]
            fp[Int(pc[1])] = (a &>> b) | (a &<< (64 &- b))
            return 4
        case .f32Ceil:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64((WasmMath.ceil(a)).bitPattern)
            return 3
        case .f32Floor:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64((WasmMath.floor(a)).bitPattern)
            return 3
        case .f32Trunc:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64((WasmMath.trunc(a)).bitPattern)
            return 3
        case .f32Nearest:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64((WasmMath.nearest(a)).bitPattern)
            return 3
        case .f32Sqrt:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64((WasmMath.sqrt(a)).bitPattern)
            return 3
        case .f32Min:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
            fp[Int(pc[1])] = u64((WasmMath.min(a, b)).bitPattern)
            return 4
        case .f32Max:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
            fp[Int(pc[1])] = u64((WasmMath.max(a, b)).bitPattern)
            return 4
        case .f32Copysign:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            let b = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[3])]))
            fp[Int(pc[1])] = u64((WasmMath.copysign(a, b)).bitPattern)
            return 4
        case .f64Ceil:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = (WasmMath.ceil(a)).bitPattern
            return 3
        case .f64Floor:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = (WasmMath.floor(a)).bitPattern
            return 3
        case .f64Trunc:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = (WasmMath.trunc(a)).bitPattern
            return 3
        case .f64Nearest:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = (WasmMath.nearest(a)).bitPattern
            return 3
        case .f64Sqrt:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = (WasmMath.sqrt(a)).bitPattern
            return 3
        case .f64Min:
            let a = Double(bitPattern: fp[Int(pc[2])])
            let b = Double(bitPattern: fp[Int(pc[3])])
            fp[Int(pc[1])] = (WasmMath.min(a, b)).bitPattern
            return 4
        case .f64Max:
            let a = Double(bitPattern: fp[Int(pc[2])])
            let b = Double(bitPattern: fp[Int(pc[3])])
            fp[Int(pc[1])] = (WasmMath.max(a, b)).bitPattern
            return 4
        case .f64Copysign:
            let a = Double(bitPattern: fp[Int(pc[2])])
            let b = Double(bitPattern: fp[Int(pc[3])])
            fp[Int(pc[1])] = (WasmMath.copysign(a, b)).bitPattern
            return 4
        case .i32TruncF32S:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64(UInt32(bitPattern: try WasmMath.truncate(a, Int32.self) { Int32($0) }))
            return 3
        case .i32TruncF32U:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64(try WasmMath.truncate(a, UInt32.self) { UInt32($0) })
            return 3
        case .i32TruncF64S:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = u64(UInt32(bitPattern: try WasmMath.truncate(a, Int32.self) { Int32($0) }))
            return 3
        case .i32TruncF64U:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = u64(try WasmMath.truncate(a, UInt32.self) { UInt32($0) })
            return 3
        case .i64TruncF32S:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = UInt64(bitPattern: try WasmMath.truncate(a, Int64.self) { Int64($0) })
            return 3
        case .i64TruncF32U:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = try WasmMath.truncate(a, UInt64.self) { UInt64($0) }
            return 3
        case .i64TruncF64S:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = UInt64(bitPattern: try WasmMath.truncate(a, Int64.self) { Int64($0) })
            return 3
        case .i64TruncF64U:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = try WasmMath.truncate(a, UInt64.self) { UInt64($0) }
            return 3
        case .i32TruncSatF32S:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64(UInt32(bitPattern: WasmMath.saturate(a, Int32.self) { Int32($0) }))
            return 3
        case .i32TruncSatF32U:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = u64(WasmMath.saturate(a, UInt32.self) { UInt32($0) })
            return 3
        case .i32TruncSatF64S:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = u64(UInt32(bitPattern: WasmMath.saturate(a, Int32.self) { Int32($0) }))
            return 3
        case .i32TruncSatF64U:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = u64(WasmMath.saturate(a, UInt32.self) { UInt32($0) })
            return 3
        case .i64TruncSatF32S:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = UInt64(bitPattern: WasmMath.saturate(a, Int64.self) { Int64($0) })
            return 3
        case .i64TruncSatF32U:
            let a = Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[2])]))
            fp[Int(pc[1])] = WasmMath.saturate(a, UInt64.self) { UInt64($0) }
            return 3
        case .i64TruncSatF64S:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = UInt64(bitPattern: WasmMath.saturate(a, Int64.self) { Int64($0) })
            return 3
        case .i64TruncSatF64U:
            let a = Double(bitPattern: fp[Int(pc[2])])
            fp[Int(pc[1])] = WasmMath.saturate(a, UInt64.self) { UInt64($0) }
            return 3
        case .f32ConvertI64S:
            let a = fp[Int(pc[2])]
            fp[Int(pc[1])] = u64((Float(Int64(bitPattern: a))).bitPattern)
            return 3
        case .f32ConvertI64U:
            let a = fp[Int(pc[2])]
            fp[Int(pc[1])] = u64((float(a)).bitPattern)
            return 3
        case .f64ConvertI64S:
            let a = fp[Int(pc[2])]
            fp[Int(pc[1])] = (Double(Int64(bitPattern: a))).bitPattern
            return 3
        case .f64ConvertI64U:
            let a = fp[Int(pc[2])]
            fp[Int(pc[1])] = (double(a)).bitPattern
            return 3
        // END GENERATED cold
        default:
            return 0
        }
    }

    /// A little-endian value at any alignment: a fixed-size copy, which the compiler turns into
    /// one load (x86) or byte-safe loads (Cortex-M, where unaligned 64-bit loads fault). Unlike
    /// `loadUnaligned`, always inlined into the loop.
    @inline(__always)
    static func load<T: FixedWidthInteger>(_ p: UnsafeMutableRawPointer, _: T.Type) -> T {
        var v = T.zero
        withUnsafeMutableBytes(of: &v) { $0.baseAddress.unsafelyUnwrapped.copyMemory(from: p, byteCount: MemoryLayout<T>.size) }
        return v
    }

    /// The effective address `base + offset` of an access of `size` bytes, checked against the memory.
    @inline(__always)
    static func address(_ base: UInt32, _ offset: UInt32, _ size: UInt64, _ memorySize: UInt64) throws(Trap) -> Int {
        let ea = u64(base) &+ u64(offset)
        guard ea &+ size <= memorySize else { throw .outOfBounds }
        return Int(truncatingIfNeeded: ea)
    }

    /// A load's address (`op d addr imm offset`): addr shifted left by bits 8... of the opcode word,
    /// plus the immediate, with 32-bit wrap-around as the `i32.shl`/`i32.add` of a constant that
    /// the translator folded into it; then the offset.
    @inline(__always)
    static func loadAddress(_ fp: UnsafeMutablePointer<UInt64>, _ pc: UnsafePointer<UInt32>,
                            _ size: UInt64, _ memorySize: UInt64) throws(Trap) -> Int {
        let base = UInt32(truncatingIfNeeded: fp[Int(pc[2])]) &<< (pc[0] &>> 8)
        return try address(base &+ pc[3], pc[4], size, memorySize)
    }

    /// The address of `addr imm offset` at `pc[at...]` (see `loadAddress`).
    @inline(__always)
    static func address(_ fp: UnsafeMutablePointer<UInt64>, _ pc: UnsafePointer<UInt32>, _ at: Int,
                        _ size: UInt64, _ memorySize: UInt64) throws(Trap) -> Int {
        try address(UInt32(truncatingIfNeeded: fp[Int(pc[at])]) &+ pc[at &+ 1], pc[at &+ 2], size, memorySize)
    }

    /// A store's address (`op addr value imm offset`, imm as in `address(_:_:_:_:_:)`).
    @inline(__always)
    static func storeAddress(_ fp: UnsafeMutablePointer<UInt64>, _ pc: UnsafePointer<UInt32>,
                             _ size: UInt64, _ memorySize: UInt64) throws(Trap) -> Int {
        try address(UInt32(truncatingIfNeeded: fp[Int(pc[1])]) &+ pc[3], pc[4], size, memorySize)
    }

    /// A taken fused branch (`op … off cost`, the offset word at `at`): charges its cost (a loop
    /// body's at a back-edge, 0 forward) and jumps.
    @inline(__always)
    static func takeBranch<H: WasmHost>(_ pc: inout UnsafePointer<UInt32>, _ at: Int, _ remaining: inout Int64,
                                        _ nextCheck: inout Int64, _ interval: Int64, _ host: inout H) throws(Trap) {
        remaining &-= Int64(bitPattern: u64(pc[at &+ 1]))
        if remaining < nextCheck { try charge(&remaining, &nextCheck, interval, &host) }
        pc += at &+ Int(Int32(bitPattern: pc[at]))
    }

    @inline(__always)
    static func zeroLocals(_ f: UnsafeMutablePointer<FunctionRecord>, _ fp: UnsafeMutablePointer<UInt64>) {
        var i = Int(f.pointee.type.paramCount)
        let n = Int(f.pointee.localCount)
        // Most functions have a few locals: plain stores, where a loop would become a call to
        // memset at every guest call.
        guard i < n else { return }
        fp[i] = 0
        guard i + 1 < n else { return }
        fp[i + 1] = 0
        guard i + 2 < n else { return }
        fp[i + 2] = 0
        guard i + 3 < n else { return }
        fp[i + 3] = 0
        i += 4
        while i < n { fp[i] = 0; i += 1 }
    }

    /// The slow path of fuel: out of fuel, or time to ask the host whether to go on.
    @inline(never)
    static func charge<H: WasmHost>(_ remaining: inout Int64, _ nextCheck: inout Int64, _ interval: Int64, _ host: inout H) throws(Trap) {
        guard remaining >= 0 else { throw .fuelExhausted }
        guard host.preempt(fuelLeft: UInt64(bitPattern: remaining)) else { throw .interrupted }
        nextCheck = remaining > interval ? remaining - interval : 0
    }

    @inline(never)
    static func callHost<H: WasmHost>(_ f: UnsafeMutablePointer<FunctionRecord>, _ fp: UnsafeMutablePointer<UInt64>,
                                      _ stackEnd: UnsafeMutablePointer<UInt64>, _ ctx: ExecContext, _ host: inout H,
                                      hasMemory: Bool) throws(Trap) {
        let t = f.pointee.type
        guard fp + Int(max(t.paramCount, t.resultCount)) <= stackEnd else { throw .stackExhausted }
        let memory = hasMemory ? UnsafeMutableRawBufferPointer(start: ctx.memory, count: index(ctx.memorySize))
                               : UnsafeMutableRawBufferPointer(start: nil, count: 0)
        try host.call(host: f.pointee.hostIndex, slots: fp, memory: memory)
    }

    @inline(__always)
    static func enter<H: WasmHost>(
        _ callee: UnsafeMutablePointer<FunctionRecord>, _ newFP: UnsafeMutablePointer<UInt64>, returnPC: UnsafePointer<UInt32>,
        _ pc: inout UnsafePointer<UInt32>, _ fp: inout UnsafeMutablePointer<UInt64>,
        _ current: inout UnsafeMutablePointer<FunctionRecord>, _ ctx: inout ExecContext, _ depth: inout UInt32,
        _ stackEnd: UnsafeMutablePointer<UInt64>, _ frames: UnsafeMutablePointer<CallFrame>, _ frameCapacity: UInt32,
        _ remaining: inout Int64, _ nextCheck: inout Int64, _ interval: Int64, _ host: inout H
    ) throws(Trap) {
        remaining &-= Int64(bitPattern: u64(callee.pointee.cost))
        if remaining < nextCheck { try charge(&remaining, &nextCheck, interval, &host) }
        guard let code = callee.pointee.code, let inst = callee.pointee.instance else {
            try callHost(callee, newFP, stackEnd, ctx, &host, hasMemory: ctx.instance.pointee.memory != nil)
            ctx = ExecContext(ctx.instance)
            pc = returnPC
            return
        }
        guard depth < frameCapacity, newFP + Int(callee.pointee.frameSlots) <= stackEnd else { throw .stackExhausted }
        frames[Int(depth)] = CallFrame(returnPC: returnPC, fp: fp, function: current)
        depth += 1
        zeroLocals(callee, newFP)
        fp = newFP
        pc = code
        if inst != ctx.instance { ctx = ExecContext(inst) }
        current = callee
    }
}
