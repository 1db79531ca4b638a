/// Validates one function body and translates it to the internal code (see Opcodes.swift).
///
/// Validation and translation share one pass: the validator's operand stack is also the slot
/// allocator. Each entry records where its value lives: its own slot (`locals + height`) or, for a
/// `local.get` not yet copied, the local's slot. Such lazy entries are copied into their own slot
/// before anything could change the local (`local.set`/`local.tee` of it, entering a block).

/// What a function body may refer to.
struct ModuleContext {
    var instance: UnsafeMutablePointer<InstanceRecord>
    /// Number of data segments announced by the data count section, if any.
    var dataCount: UInt32?
    /// One bit per function index: may be named by `ref.func` in code.
    var declared: UnsafeMutablePointer<UInt8>
    /// Single value types as block types point here.
    var singleTypes: UnsafeMutablePointer<ValType>
    var memories: MemoryIndexSpace
}

struct Operand {
    var type: ValType
    var slot: UInt32
    /// The `i32.add` of a constant that computed this value (word index + 1, 0 = none; cleared
    /// when its operand local changes): a store may absorb it (see `Translator.store`).
    var producer: UInt32 = 0
}

enum FrameKind: UInt8 { case block, loop, `if`, `else`, function }

struct ControlFrame {
    var kind: FrameKind
    var type: FuncType
    /// Operand stack height below the block's parameters.
    var height: UInt32
    /// After an unconditional branch: the stack is polymorphic (validation).
    var unreachable: Bool
    /// Inside code that can never run (the block began in unreachable code): nothing is emitted.
    var dead: Bool
    /// Head of the chain of forward branch offsets to patch at `end` (word index + 1, 0 = none).
    var chain: UInt32
    /// The `if`'s conditional branch to its `else` (word index + 1, 0 = none).
    var elsePatch: UInt32
    /// Code position of a loop's header, and the instruction count there (for fuel).
    var start: UInt32
    var startInstructions: UInt32

    var labelCount: UInt32 { kind == .loop ? type.paramCount : type.resultCount }
    func labelType(_ i: UInt32) -> ValType { kind == .loop ? type.param(i) : type.result(i) }
}

struct Translator {
    var ctx: ModuleContext
    var reader: ModuleReader
    let function: FuncType
    let localTypes: UnsafeMutablePointer<ValType>
    let localCount: UInt32

    var operands: UnsafeMutablePointer<Operand>
    let operandCapacity: UInt32
    var height: UInt32 = 0
    var maxHeight: UInt32 = 0
    var controls: UnsafeMutablePointer<ControlFrame>
    let controlCapacity: UInt32
    var depth: UInt32 = 0

    var code: UnsafeMutablePointer<UInt32>
    let codeCapacity: UInt32
    var pos: UInt32 = 0
    var instructions: UInt32 = 0
    /// Where the last instruction wrote its single result, so a following `local.set` can
    /// retarget it (0 = none, else word index + 1).
    var lastDestination: UInt32 = 0
    /// An `i32.add` of a constant just retargeted to a local (word index + 1 of its destination, 0 =
    /// none), so a `br_if` on that local can absorb it. Cleared where code may be entered (labels).
    var lastLocalAdd: UInt32 = 0
    /// `lastDestination` of the instruction before the last one (valid only while they are adjacent).
    var previousDestination: UInt32 = 0
    /// The `load32` just emitted (word index + 1 of its opcode, 0 = none), and the first of two
    /// adjacent ones ending here, so that an `f32.mul` of both loads becomes one instruction.
    var lastLoad: UInt32 = 0
    var loadPair: UInt32 = 0
    /// Code from this word on is straight-line: no label and no branch offset in it, so an
    /// instruction there may be cut out.
    var straightFrom: UInt32 = 0
    /// The `i32.and` of a constant just emitted (word index + 1 of its opcode, 0 = none): with a
    /// following shift it is a table index that a load may absorb.
    var lastAnd: UInt32 = 0

    // MARK: emission

    var emitting: Bool { !controls[Int(depth - 1)].unreachable && !controls[Int(depth - 1)].dead }

    private mutating func reserve(_ n: UInt32) throws(LoadError) {
        guard pos + n <= codeCapacity else { throw .arenaTooSmall(.code, needed: (pos + n) * 4) }
    }

    private mutating func put(_ w: UInt32) { code[Int(pos)] = w; pos += 1 }

    mutating func emit(_ op: Op) throws(LoadError) {
        try reserve(1); previousDestination = lastDestination; lastDestination = 0; instructions += 1
        put(UInt32(op.rawValue))
    }
    mutating func emit(_ op: Op, _ a: UInt32) throws(LoadError) {
        try reserve(2); previousDestination = lastDestination; lastDestination = 0; instructions += 1
        put(UInt32(op.rawValue)); put(a)
    }
    mutating func emit(_ op: Op, _ a: UInt32, _ b: UInt32) throws(LoadError) {
        try reserve(3); previousDestination = lastDestination; lastDestination = 0; instructions += 1
        put(UInt32(op.rawValue)); put(a); put(b)
    }
    mutating func emit(_ op: Op, _ a: UInt32, _ b: UInt32, _ c: UInt32) throws(LoadError) {
        try reserve(4); previousDestination = lastDestination; lastDestination = 0; instructions += 1
        put(UInt32(op.rawValue)); put(a); put(b); put(c)
    }
    mutating func emit(_ op: Op, _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) throws(LoadError) {
        try reserve(5); previousDestination = lastDestination; lastDestination = 0; instructions += 1
        put(UInt32(op.rawValue)); put(a); put(b); put(c); put(d)
    }
    mutating func emit(_ op: Op, _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ e: UInt32) throws(LoadError) {
        try reserve(6); previousDestination = lastDestination; lastDestination = 0; instructions += 1
        put(UInt32(op.rawValue)); put(a); put(b); put(c); put(d); put(e)
    }

    /// Marks the instruction just emitted as writing one result to its first operand.
    private mutating func resultInFirstOperand(_ opStart: UInt32) { lastDestination = opStart + 2 }

    /// If the last instruction computed `cond` as `i32.eqz x`, removes it and returns x: the
    /// branch then tests x with the opposite sense (one dispatch less).
    private mutating func foldEqz(_ cond: Operand) -> UInt32? {
        guard lastDestination >= 2, lastDestination + 1 == pos, cond.slot >= localCount,
              code[Int(lastDestination - 2)] == UInt32(Op.i32Eqz.rawValue), code[Int(lastDestination - 1)] == cond.slot
        else { return nil }
        let x = code[Int(lastDestination)]
        pos = lastDestination - 2
        instructions -= 1
        lastDestination = 0
        lastLocalAdd = 0
        lastLoad = 0
        loadPair = 0
        return x
    }

    // MARK: operand stack

    private func canonical(_ index: UInt32) -> UInt32 { localCount + index }

    @discardableResult
    mutating func push(_ t: ValType) throws(LoadError) -> UInt32 {
        guard height < operandCapacity else { throw .arenaTooSmall(.scratch, needed: 0) }
        let slot = canonical(height)
        operands[Int(height)] = Operand(type: t, slot: slot)
        height += 1
        if height > maxHeight { maxHeight = height }
        return slot
    }

    mutating func pop() throws(LoadError) -> Operand {
        let frame = controls[Int(depth - 1)]
        if height == frame.height {
            guard frame.unreachable else { throw .invalid(.typeMismatch) }
            return Operand(type: .unknown, slot: 0)
        }
        height -= 1
        return operands[Int(height)]
    }

    mutating func pop(_ expected: ValType) throws(LoadError) -> Operand {
        let v = try pop()
        guard v.type == expected || v.type == .unknown || expected == .unknown else { throw .invalid(.typeMismatch) }
        return v
    }

    /// Copies a lazy `local.get` entry into its own slot.
    private mutating func materialize(_ index: UInt32) throws(LoadError) {
        let slot = canonical(index)
        let v = operands[Int(index)]
        guard v.slot != slot, v.type != .unknown else { return }
        if emitting { try emit(.copy, slot, v.slot) }
        operands[Int(index)].slot = slot
    }

    private mutating func materializeAll(from start: UInt32 = 0) throws(LoadError) {
        var i = start
        while i < height { try materialize(i); i += 1 }
    }

    /// Before local `x` changes, entries that still read it get their own copy.
    private mutating func materializeReaders(of x: UInt32) throws(LoadError) {
        var i: UInt32 = 0
        while i < height {
            if operands[Int(i)].slot == x { try materialize(i) }
            i += 1
        }
    }

    /// Checks that the top of the stack holds `type`'s params (or results) without popping.
    private mutating func popTypes(_ type: FuncType, results: Bool) throws(LoadError) {
        let n = results ? type.resultCount : type.paramCount
        var i = n
        while i > 0 {
            i -= 1
            _ = try pop(results ? type.result(i) : type.param(i))
        }
    }

    private mutating func pushTypes(_ type: FuncType, results: Bool) throws(LoadError) {
        let n = results ? type.resultCount : type.paramCount
        var i: UInt32 = 0
        while i < n { try push(results ? type.result(i) : type.param(i)); i += 1 }
    }

    // MARK: control

    private mutating func pushControl(_ kind: FrameKind, _ type: FuncType) throws(LoadError) {
        guard depth < controlCapacity else { throw .arenaTooSmall(.scratch, needed: 0) }
        let h = height - type.paramCount
        let dead = depth > 0 && !emitting
        straightFrom = pos
        controls[Int(depth)] = ControlFrame(kind: kind, type: type, height: h, unreachable: false, dead: dead,
                                            chain: 0, elsePatch: 0, start: pos, startInstructions: instructions)
        depth += 1
    }

    private mutating func markUnreachable() {
        let i = Int(depth - 1)
        height = controls[i].height
        controls[i].unreachable = true
    }

    /// Points every branch of `chain` at the current position.
    private mutating func resolve(chain: UInt32) {
        var link = chain
        while link != 0 {
            let at = link - 1
            link = code[Int(at)]
            code[Int(at)] = UInt32(bitPattern: Int32(pos) - Int32(at))
        }
        straightFrom = pos
        lastDestination = 0
        lastLocalAdd = 0
        lastLoad = 0
        loadPair = 0
    }

    /// Emits a branch offset word aimed at label `frameIndex`: backward offsets are final,
    /// forward ones join the label's chain.
    private mutating func branchOffset(to frameIndex: Int) throws(LoadError) {
        try reserve(1)
        let at = pos
        put(0)
        target(at, frameIndex)
    }

    /// Aims the offset word at `at` at label `frameIndex` (see `branchOffset`).
    private mutating func target(_ at: UInt32, _ frameIndex: Int) {
        straightFrom = pos
        if controls[frameIndex].kind == .loop {
            code[Int(at)] = UInt32(bitPattern: Int32(controls[frameIndex].start) - Int32(at))
        } else {
            code[Int(at)] = controls[frameIndex].chain
            controls[frameIndex].chain = at + 1
        }
    }

    /// If the last instruction computed `cond` with an i32 comparison, removes it and returns the
    /// compare-and-branch that tests the comparison itself (one dispatch less).
    private mutating func foldCompare(_ cond: Operand, negated: Bool) -> (op: Op, a: UInt32, b: UInt32)? {
        guard let last = lastBinary(writing: cond.slot), let op = NumericShape.compareBranch(last.op, negated: negated)
        else { return nil }
        dropLast()
        return (op, last.a, last.b)
    }

    /// The instruction just emitted, if it is a binary `op d a b` writing stack slot `slot`: the
    /// one consumer of that value may absorb it.
    private func lastBinary(writing slot: UInt32) -> (op: Op, a: UInt32, b: UInt32)? {
        guard lastDestination >= 2, lastDestination + 2 == pos, slot >= localCount, code[Int(lastDestination - 1)] == slot,
              let op = Op(rawValue: UInt8(truncatingIfNeeded: code[Int(lastDestination - 2)]))
        else { return nil }
        return (op, code[Int(lastDestination)], code[Int(lastDestination + 1)])
    }

    /// The start of the operands of an `f32MulLoads` just emitted writing stack slot `slot`.
    private func lastLoadProduct(writing slot: UInt32) -> UInt32? {
        guard lastDestination >= 2, lastDestination + 6 == pos, slot >= localCount, code[Int(lastDestination - 1)] == slot,
              code[Int(lastDestination - 2)] == UInt32(Op.f32MulLoads.rawValue)
        else { return nil }
        return lastDestination
    }

    /// Replaces the code from word `from` on (two `load32 d addr imm offset`, or an `f32MulLoads`
    /// whose load operands start at `from`) with `op d [x] addr imm offset addr imm offset`.
    private mutating func fuseLoads(_ op: Op, _ d: UInt32, _ x: UInt32?, _ from: UInt32, twoLoads: Bool) throws(LoadError) {
        var operands: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        if twoLoads {
            operands = (code[Int(from + 2)], code[Int(from + 3)], code[Int(from + 4)],
                        code[Int(from + 7)], code[Int(from + 8)], code[Int(from + 9)])
        } else {
            operands = (code[Int(from)], code[Int(from + 1)], code[Int(from + 2)],
                        code[Int(from + 3)], code[Int(from + 4)], code[Int(from + 5)])
        }
        let start = twoLoads ? from : from - 2
        instructions -= twoLoads ? 2 : 1
        pos = start
        lastDestination = 0
        lastLoad = 0
        loadPair = 0
        try reserve(9)
        instructions += 1
        put(UInt32(op.rawValue)); put(d)
        if let x { put(x) }
        put(operands.0); put(operands.1); put(operands.2); put(operands.3); put(operands.4); put(operands.5)
        lastDestination = start + 2
    }

    /// Removes the instruction just emitted (its consumer absorbed it).
    private mutating func dropLast() {
        pos = lastDestination - 2
        instructions -= 1
        lastDestination = 0
        lastLocalAdd = 0
    }

    /// If the instruction just emitted is `i32.add` of a constant writing local `slot` (`local.tee`
    /// then `br_if`, a loop counter), removes it and returns its operands.
    private mutating func foldLocalAdd(_ slot: UInt32) -> (a: UInt32, imm: UInt32)? {
        guard lastLocalAdd >= 2, lastLocalAdd + 2 == pos, code[Int(lastLocalAdd - 1)] == slot,
              code[Int(lastLocalAdd - 2)] == UInt32(Op.i32AddImm.rawValue)
        else { return nil }
        let add = (a: code[Int(lastLocalAdd)], imm: code[Int(lastLocalAdd + 1)])
        pos = lastLocalAdd - 2
        instructions -= 1
        lastDestination = 0
        lastLocalAdd = 0
        lastLoad = 0
        loadPair = 0
        return add
    }

    /// Emits a branch taken when `cond` is true (false if `negated`) and returns the index of its
    /// offset word, left for the caller to aim. A back-edge to loop frame `back` charges the
    /// loop body's fuel (never negated). A comparison or `i32.eqz` computed just for the branch
    /// is folded into it.
    private mutating func emitBranchIf(_ cond: Operand, negated: Bool, back: Int? = nil) throws(LoadError) -> UInt32 {
        var costWord = back != nil
        if let c = foldCompare(cond, negated: negated) {
            try emit(c.op, c.a, c.b)
            costWord = true
        } else if !negated, cond.slot < localCount, let add = foldLocalAdd(cond.slot) {
            try emit(.addImmBrNz, cond.slot, add.a, add.imm)
            costWord = true
        } else if back != nil {
            try emit(.brIfBack, cond.slot)
        } else if let x = foldEqz(cond) {
            try emit(negated ? .brIf : .brIfNot, x)
        } else {
            try emit(negated ? .brIfNot : .brIf, cond.slot)
        }
        try reserve(2)
        let at = pos
        put(0)
        if costWord { put(back.map { instructions - controls[$0].startInstructions } ?? 0) }
        straightFrom = pos
        return at
    }

    private func labelFrame(_ relative: UInt32) throws(LoadError) -> Int {
        guard relative < depth else { throw .invalid(.unknownLabel) }
        return Int(depth - 1 - relative)
    }

    /// Whether a branch to `frameIndex` needs to move its values.
    private func branchNeedsCopies(_ frameIndex: Int) -> Bool {
        let n = controls[frameIndex].labelCount
        let base = canonical(controls[frameIndex].height)
        var i: UInt32 = 0
        while i < n {
            if operands[Int(height - n + i)].slot != base + i { return true }
            i += 1
        }
        return false
    }

    /// Moves the top values into the label's slots (ascending order is safe: see the file header).
    private mutating func emitBranchCopies(_ frameIndex: Int) throws(LoadError) {
        let n = controls[frameIndex].labelCount
        let base = canonical(controls[frameIndex].height)
        var i: UInt32 = 0
        while i < n {
            let src = operands[Int(height - n + i)].slot
            if src != base + i { try emit(.copy, base + i, src) }
            i += 1
        }
    }

    /// Emits an unconditional jump to `frameIndex` (values already in place).
    private mutating func emitJump(_ frameIndex: Int) throws(LoadError) {
        if frameIndex == 0 { return try emitReturn() }
        if controls[frameIndex].kind == .loop {
            try emit(.brBack)
            try branchOffset(to: frameIndex)
            try reserve(1); put(instructions - controls[frameIndex].startInstructions)
        } else {
            try emit(.br)
            try branchOffset(to: frameIndex)
        }
    }

    /// Copies the function's results to slots 0..<n and returns. With several results, values
    /// still in locals first go to their own slots, as the targets overlap the locals; the
    /// translator's state is left alone (this may be a conditional path).
    private mutating func emitReturn() throws(LoadError) {
        let n = function.resultCount
        var i: UInt32 = 0
        if n > 1 {
            while i < n {
                let src = operands[Int(height - n + i)].slot
                if src != canonical(height - n + i) { try emit(.copy, canonical(height - n + i), src) }
                i += 1
            }
        }
        i = 0
        while i < n {
            let src = n > 1 ? canonical(height - n + i) : operands[Int(height - n + i)].slot
            if src != i { try emit(.copy, i, src) }
            i += 1
        }
        try emit(.ret)
    }

    /// Checks the operands of a branch to `frameIndex`, leaving them on the stack, typed as the
    /// label's values and in the same slots.
    private mutating func checkLabelValues(_ frameIndex: Int, retype: Bool = true) throws(LoadError) {
        let frame = controls[frameIndex]
        let n = frame.labelCount
        let before = height
        var i = n
        while i > 0 { i -= 1; _ = try pop(frame.labelType(i)) }
        if before - height == n {
            height = before
            guard retype else { return }
            i = 0
            while i < n {
                if operands[Int(height - n + i)].type == .unknown { operands[Int(height - n + i)].type = frame.labelType(i) }
                i += 1
            }
        } else {
            // Only in unreachable code: nothing is emitted there, so slots do not matter.
            i = 0
            while i < n { try push(frame.labelType(i)); i += 1 }
        }
    }

    // MARK: the body

    mutating func translate() throws(LoadError) {
        try pushControl(.function, FuncType(types: function.types + Int(function.paramCount), paramCount: 0,
                                            resultCount: function.resultCount))
        while depth > 0 {
            try instruction()
        }
        guard reader.isAtEnd else { throw .malformed(.sectionSizeMismatch) }
    }

    private mutating func blockType() throws(LoadError) -> FuncType {
        let first = try reader.peek()
        if first == 0x40 { _ = try reader.u8(); return FuncType(types: ctx.singleTypes, paramCount: 0, resultCount: 0) }
        if first & 0xC0 == 0x40 {
            let t = try reader.valType()
            var i = 0
            while ctx.singleTypes[i] != t { i += 1 }
            return FuncType(types: ctx.singleTypes + i, paramCount: 0, resultCount: 1)
        }
        let index = try reader.s33()
        guard index >= 0, index < Int64(bitPattern: u64(ctx.instance.pointee.typeCount)) else { throw .invalid(.unknownType) }
        return ctx.instance.pointee.types[Int(truncatingIfNeeded: index)]
    }

    /// Alignment (checked), memory index (multi-memory: flagged by bit 6 of the alignment) and offset.
    private mutating func memarg(natural: UInt32) throws(LoadError) -> (offset: UInt32, memory: UInt32) {
        var align = try reader.u32()
        var memory: UInt32 = 0
        if ctx.memories == .multiple && align & 0x40 != 0 {
            memory = try reader.u32()
            align &= ~0x40
        }
        let offset = try reader.u32()
        guard memory < ctx.instance.pointee.memoryCount else { throw .invalid(.unknownMemory) }
        guard align <= natural else { throw .invalid(.invalidAlignment) }
        return (offset, memory)
    }

    /// The memory index of memory.size/grow/fill/copy/init: a zero byte in WebAssembly 2.0.
    private mutating func memoryIndex() throws(LoadError) -> UInt32 {
        let x: UInt32
        if ctx.memories == .multiple {
            x = try reader.u32()
        } else {
            guard try reader.u8() == 0 else { throw .malformed(.malformedMemoryIndex) }
            x = 0
        }
        guard x < ctx.instance.pointee.memoryCount else { throw .invalid(.unknownMemory) }
        return x
    }

    /// Instructions work on memory 0; another memory is selected around them.
    private mutating func selectMemory(_ x: UInt32) throws(LoadError) {
        if x != 0 { try emit(.withMemory, x) }
    }

    private mutating func restoreMemory(_ x: UInt32) throws(LoadError) {
        if x != 0 { try emit(.withMemory, 0) }
    }

    private mutating func tableIndex() throws(LoadError) -> UInt32 {
        let x = try reader.u32()
        guard x < ctx.instance.pointee.tableCount else { throw .invalid(.unknownTable) }
        return x
    }

    private func tableType(_ x: UInt32) -> ValType { ctx.instance.pointee.tables[Int(x)].pointee.type }

    private mutating func load(_ op: Op, _ t: ValType, natural: UInt32) throws(LoadError) {
        let arg = try memarg(natural: natural)
        let addr = try pop(.i32)
        let d = try push(t)
        guard emitting else { return }
        // An address computed as `x + constant` or `x << constant` (an array index) just for this
        // load: the load adds or shifts itself.
        var base = addr.slot, imm: UInt32 = 0, shift: UInt32 = 0
        if let last = lastBinary(writing: addr.slot),
           last.op == .i32AddImm || last.op == .i32SubImm || last.op == .i32ShlImm {
            dropLast()
            base = last.a
            switch last.op {
            case .i32AddImm: imm = last.b
            case .i32SubImm: imm = 0 &- last.b
            default: shift = last.b & 31
            }
        }
        // `(x & mask) << shift` computed just before (a table lookup by byte, as in CRC): one
        // instruction for the three.
        var mask: UInt32? = nil
        if op == .load32, shift != 0, lastAnd >= 1, lastAnd + 3 == pos, lastAnd - 1 >= straightFrom, base >= localCount,
           code[Int(lastAnd - 1)] == UInt32(Op.i32AndImm.rawValue), code[Int(lastAnd)] == base {
            mask = code[Int(lastAnd + 2)]
            base = code[Int(lastAnd + 1)]
            pos = lastAnd - 1
            instructions -= 1
        }
        lastAnd = 0
        try selectMemory(arg.memory)
        let at = pos
        if let m = mask {
            try emit(.load32Indexed, d, base, m, shift, arg.offset)
        } else {
            try emit(op, d, base, imm, arg.offset)
            code[Int(at)] |= shift &<< 8
        }
        resultInFirstOperand(at)
        if op == .load32 && shift == 0 {
            loadPair = lastLoad != 0 && lastLoad + 4 == at ? lastLoad : 0
            lastLoad = at + 1
        } else {
            lastLoad = 0
            loadPair = 0
        }
        try restoreMemory(arg.memory)
    }

    private mutating func store(_ op: Op, _ t: ValType, natural: UInt32) throws(LoadError) {
        let arg = try memarg(natural: natural)
        let v = try pop(t)
        let addr = try pop(.i32)
        guard emitting else { return }
        // The address was `x + constant`, computed before the value in straight-line code that
        // left x alone: the store adds the constant, and the add is cut out.
        var base = addr.slot, imm: UInt32 = 0
        let p = addr.producer
        if p >= 1, p - 1 >= straightFrom, p + 3 <= pos, addr.slot >= localCount,
           code[Int(p - 1)] == UInt32(Op.i32AddImm.rawValue), code[Int(p)] == addr.slot, v.slot != addr.slot {
            base = code[Int(p + 1)]
            imm = code[Int(p + 2)]
            var i = Int(p - 1)
            while i + 4 < Int(pos) { code[i] = code[i + 4]; i += 1 }
            pos -= 4
            instructions -= 1
            lastDestination = 0
            lastLocalAdd = 0
            lastLoad = 0
            loadPair = 0
        }
        try selectMemory(arg.memory)
        try emit(op, base, v.slot, imm, arg.offset)
        try restoreMemory(arg.memory)
    }

    private mutating func localIndex() throws(LoadError) -> UInt32 {
        let x = try reader.u32()
        guard x < localCount else { throw .invalid(.unknownLocal) }
        return x
    }

    private mutating func setLocal(_ x: UInt32, _ v: Operand) throws(LoadError) {
        guard emitting, v.slot != x else { return }
        var i: UInt32 = 0
        while i < height {
            let p = operands[Int(i)].producer
            if p != 0 && code[Int(p + 1)] == x { operands[Int(i)].producer = 0 }
            i += 1
        }
        let fused = lastDestination != 0 && code[Int(lastDestination - 1)] == v.slot && v.slot >= localCount
        try materializeReaders(of: x)
        if fused && lastDestination != 0 {
            code[Int(lastDestination - 1)] = x
            lastLocalAdd = lastDestination
            lastDestination = 0
        } else {
            try emit(.copy, x, v.slot)
        }
    }

    private mutating func call(_ type: FuncType, _ op: Op, _ a: UInt32, _ b: UInt32, indexSlot: UInt32?) throws(LoadError) {
        try popTypes(type, results: false)
        let base = canonical(height)
        if emitting {
            var i = height
            while i < height + type.paramCount { try materialize(i); i += 1 }
            if let s = indexSlot { try emit(op, a, b, s, base) } else { try emit(op, a, base) }
        }
        try pushTypes(type, results: true)
    }

    private mutating func instruction() throws(LoadError) {
        let opcode = try reader.u8()
        switch opcode {
        case 0x00:
            if emitting { try emit(.unreachable) }
            markUnreachable()
        case 0x01:
            break
        case 0x02, 0x03:
            let bt = try blockType()
            try popTypes(bt, results: false)
            height += bt.paramCount
            try materializeAll()
            lastDestination = 0
            lastLocalAdd = 0
            lastLoad = 0
            loadPair = 0
            try pushControl(opcode == 0x02 ? .block : .loop, bt)
        case 0x04:
            let bt = try blockType()
            let cond = try pop(.i32)
            try popTypes(bt, results: false)
            height += bt.paramCount
            try materializeAll()
            let wasEmitting = emitting
            try pushControl(.if, bt)
            if wasEmitting {
                let at = try emitBranchIf(cond, negated: true)
                controls[Int(depth - 1)].elsePatch = at + 1
            }
        case 0x05:
            let i = Int(depth - 1)
            guard controls[i].kind == .if else { throw .invalid(.unbalancedElse) }
            try popTypes(controls[i].type, results: true)
            guard height == controls[i].height else { throw .invalid(.typeMismatch) }
            if emitting {
                height += controls[i].type.resultCount
                try materializeAll(from: controls[i].height)
                height = controls[i].height
                try emit(.br)
                try branchOffset(to: i)
            }
            if controls[i].elsePatch != 0 {
                resolve(chain: controls[i].elsePatch)
                controls[i].elsePatch = 0
            }
            controls[i].unreachable = false
            controls[i].kind = .else
            height = controls[i].height
            try pushTypes(controls[i].type, results: false)
        case 0x0B:
            try end()
        case 0x0C:
            let f = try labelFrame(try reader.u32())
            try checkLabelValues(f)
            if emitting {
                if f != 0 { try emitBranchCopies(f) }
                try emitJump(f)
            }
            markUnreachable()
        case 0x0D:
            let f = try labelFrame(try reader.u32())
            let cond = try pop(.i32)
            try checkLabelValues(f)
            if emitting {
                if f != 0 && !branchNeedsCopies(f) {
                    let at = try emitBranchIf(cond, negated: false, back: controls[f].kind == .loop ? f : nil)
                    target(at, f)
                } else {
                    let skip = try emitBranchIf(cond, negated: true)
                    if f != 0 { try emitBranchCopies(f) }
                    try emitJump(f)
                    code[Int(skip)] = UInt32(bitPattern: Int32(pos) - Int32(skip))
                    straightFrom = pos
                    lastDestination = 0
                }
            }
        case 0x0E:
            try brTable()
        case 0x0F:
            try checkLabelValues(0)
            if emitting { try emitReturn() }
            markUnreachable()
        case 0x10:
            let x = try reader.u32()
            guard x < ctx.instance.pointee.functionCount else { throw .invalid(.unknownFunction) }
            try call(ctx.instance.pointee.functions[Int(x)].pointee.type, .call, x, 0, indexSlot: nil)
        case 0x11:
            let typeIndex = try reader.u32()
            let table = try tableIndex()
            guard typeIndex < ctx.instance.pointee.typeCount else { throw .invalid(.unknownType) }
            guard tableType(table) == .funcref else { throw .invalid(.typeMismatch) }
            let index = try pop(.i32)
            try call(ctx.instance.pointee.types[Int(typeIndex)], .callIndirect, typeIndex, table, indexSlot: index.slot)
        case 0x1A:
            _ = try pop()
        case 0x1B, 0x1C:
            var t = ValType.unknown
            if opcode == 0x1C {
                guard try reader.u32() == 1 else { throw .invalid(.invalidResultArity) }
                t = try reader.valType()
            }
            let cond = try pop(.i32)
            let b = try pop(t)
            let a = try pop(t)
            if opcode == 0x1B {
                guard (a.type.isNumeric || a.type == .unknown) && (b.type.isNumeric || b.type == .unknown)
                else { throw .invalid(.typeMismatch) }
                guard a.type == b.type || a.type == .unknown || b.type == .unknown else { throw .invalid(.typeMismatch) }
                t = a.type == .unknown ? b.type : a.type
            }
            let d = try push(t)
            if emitting { let at = pos; try emit(.select, d, a.slot, b.slot, cond.slot); resultInFirstOperand(at) }
        case 0x20:
            let x = try localIndex()
            try push(localTypes[Int(x)])
            operands[Int(height - 1)].slot = x
        case 0x21:
            let x = try localIndex()
            let v = try pop(localTypes[Int(x)])
            try setLocal(x, v)
        case 0x22:
            let x = try localIndex()
            let v = try pop(localTypes[Int(x)])
            try setLocal(x, v)
            try push(localTypes[Int(x)])
            operands[Int(height - 1)].slot = x
        case 0x23:
            let x = try reader.u32()
            guard x < ctx.instance.pointee.globalCount else { throw .invalid(.unknownGlobal) }
            let d = try push(ctx.instance.pointee.globals[Int(x)].pointee.type)
            if emitting { let at = pos; try emit(.globalGet, d, x); resultInFirstOperand(at) }
        case 0x24:
            let x = try reader.u32()
            guard x < ctx.instance.pointee.globalCount else { throw .invalid(.unknownGlobal) }
            let g = ctx.instance.pointee.globals[Int(x)].pointee
            guard g.mutable else { throw .invalid(.immutableGlobal) }
            let v = try pop(g.type)
            if emitting { try emit(.globalSet, x, v.slot) }
        case 0x25:
            let x = try tableIndex()
            let i = try pop(.i32)
            let d = try push(tableType(x))
            if emitting { let at = pos; try emit(.tableGet, d, x, i.slot); resultInFirstOperand(at) }
        case 0x26:
            let x = try tableIndex()
            let v = try pop(tableType(x))
            let i = try pop(.i32)
            if emitting { try emit(.tableSet, x, i.slot, v.slot) }
        case 0x28: try load(.load32, .i32, natural: 2)
        case 0x29: try load(.load64, .i64, natural: 3)
        case 0x2A: try load(.load32, .f32, natural: 2)
        case 0x2B: try load(.load64, .f64, natural: 3)
        case 0x2C: try load(.load8S32, .i32, natural: 0)
        case 0x2D: try load(.load8U32, .i32, natural: 0)
        case 0x2E: try load(.load16S32, .i32, natural: 1)
        case 0x2F: try load(.load16U32, .i32, natural: 1)
        case 0x30: try load(.load8S64, .i64, natural: 0)
        case 0x31: try load(.load8U32, .i64, natural: 0)
        case 0x32: try load(.load16S64, .i64, natural: 1)
        case 0x33: try load(.load16U32, .i64, natural: 1)
        case 0x34: try load(.load32S64, .i64, natural: 2)
        case 0x35: try load(.load32, .i64, natural: 2)
        case 0x36: try store(.store32, .i32, natural: 2)
        case 0x37: try store(.store64, .i64, natural: 3)
        case 0x38: try store(.store32, .f32, natural: 2)
        case 0x39: try store(.store64, .f64, natural: 3)
        case 0x3A: try store(.store8, .i32, natural: 0)
        case 0x3B: try store(.store16, .i32, natural: 1)
        case 0x3C: try store(.store8, .i64, natural: 0)
        case 0x3D: try store(.store16, .i64, natural: 1)
        case 0x3E: try store(.store32, .i64, natural: 2)
        case 0x3F:
            let x = try memoryIndex()
            let d = try push(.i32)
            if emitting { try selectMemory(x); try emit(.memorySize, d); try restoreMemory(x) }
        case 0x40:
            let x = try memoryIndex()
            let n = try pop(.i32)
            let d = try push(.i32)
            if emitting { try selectMemory(x); try emit(.memoryGrow, d, n.slot); try restoreMemory(x) }
        case 0x41:
            let v = UInt32(bitPattern: try reader.s32())
            let d = try push(.i32)
            if emitting { let at = pos; try emit(.const32, d, v); resultInFirstOperand(at) }
        case 0x42:
            let v = UInt64(bitPattern: try reader.s64())
            let d = try push(.i64)
            if emitting { let at = pos; try emit(.const64, d, UInt32(truncatingIfNeeded: v), UInt32(truncatingIfNeeded: v &>> 32)); resultInFirstOperand(at) }
        case 0x43:
            let v = try reader.fixed32()
            let d = try push(.f32)
            if emitting { let at = pos; try emit(.const32, d, v); resultInFirstOperand(at) }
        case 0x44:
            let v = try reader.fixed64()
            let d = try push(.f64)
            if emitting { let at = pos; try emit(.const64, d, UInt32(truncatingIfNeeded: v), UInt32(truncatingIfNeeded: v &>> 32)); resultInFirstOperand(at) }
        case 0xAD, 0xBC, 0xBD, 0xBE, 0xBF:
            // Same bits, new type: i64.extend_i32_u relies on i32 slots being zero-extended.
            let (from, to): (ValType, ValType) = opcode == 0xAD ? (.i32, .i64) : opcode == 0xBC ? (.f32, .i32)
                : opcode == 0xBD ? (.f64, .i64) : opcode == 0xBE ? (.i32, .f32) : (.i64, .f64)
            let v = try pop(from)
            try push(to)
            if v.type != .unknown { operands[Int(height - 1)].slot = v.slot }
        case 0xD0:
            let t = try reader.refType()
            let d = try push(t)
            if emitting { let at = pos; try emit(.const64, d, 0, 0); resultInFirstOperand(at) }
        case 0xD1:
            let v = try pop()
            guard v.type.isReference || v.type == .unknown else { throw .invalid(.typeMismatch) }
            let d = try push(.i32)
            if emitting { let at = pos; try emit(.i64Eqz, d, v.slot); resultInFirstOperand(at) }
        case 0xD2:
            let x = try reader.u32()
            guard x < ctx.instance.pointee.functionCount else { throw .invalid(.unknownFunction) }
            guard ctx.declared[Int(x &>> 3)] & (1 &<< (x & 7)) != 0 else { throw .invalid(.undeclaredFunctionReference) }
            let d = try push(.funcref)
            if emitting { let at = pos; try emit(.refFunc, d, x); resultInFirstOperand(at) }
        case 0xFC:
            try prefixed(try reader.u32())
        default:
            guard let shape = NumericShape.numeric(UInt32(opcode)) else {
                throw opcode >= 0xFD ? .unsupported : .malformed(.malformedOpcode)
            }
            try numeric(shape)
        }
    }

    private mutating func numeric(_ shape: NumericShape) throws(LoadError) {
        var b = Operand(type: .unknown, slot: 0)
        if shape.b != .unknown { b = try pop(shape.b) }
        let a = try pop(shape.a)
        let d = try push(shape.result)
        guard emitting else { return }
        // `x + a * b` with the product computed just for this addition: one instruction, rounded
        // after the product and after the sum like the two it replaces.
        if shape.op == .f32Add {
            var product = lastBinary(writing: b.slot), x = a.slot
            if product?.op != .f32Mul { product = lastBinary(writing: a.slot); x = b.slot }
            if let m = product, m.op == .f32Mul {
                dropLast()
                let at = pos
                try emit(.f32MulAdd, d, x, m.a, m.b)
                resultInFirstOperand(at)
                return
            }
            // The same with a product of two loads (a dot product's step).
            var loads = lastLoadProduct(writing: b.slot)
            x = a.slot
            if loads == nil { loads = lastLoadProduct(writing: a.slot); x = b.slot }
            if let first = loads {
                try fuseLoads(.f32MulAddLoads, d, x, first, twoLoads: false)
                return
            }
        }
        // `x ^ (y >> constant)` (CRC and hash steps): one instruction.
        if shape.op == .i32Xor, let shift = lastBinary(writing: b.slot), shift.op == .i32ShrUImm, b.slot != a.slot {
            dropLast()
            let at = pos
            try emit(.i32XorShrUImm, d, a.slot, shift.a, shift.b)
            resultInFirstOperand(at)
            return
        }
        // A product of the two loads just emitted: one instruction instead of three.
        if shape.op == .f32Mul, loadPair != 0, lastLoad + 4 == pos, loadPair + 5 == lastLoad,
           a.slot >= localCount, b.slot >= localCount,
           code[Int(loadPair)] == a.slot, code[Int(lastLoad)] == b.slot, code[Int(lastLoad + 1)] != a.slot {
            try fuseLoads(.f32MulLoads, d, nil, loadPair - 1, twoLoads: true)
            return
        }
        // `i32.const` just emitted for the second operand: fold it into an immediate.
        if shape.b != .unknown, let imm = NumericShape.immediate(shape.op), lastDestination != 0,
           lastDestination >= 2, code[Int(lastDestination - 2)] == UInt32(Op.const32.rawValue),
           code[Int(lastDestination - 1)] == b.slot, lastDestination + 1 == pos, b.slot != a.slot {
            // The const is `const32 d v` at lastDestination - 2 (lastDestination is d's index + 1).
            let value = code[Int(lastDestination)]
            pos = lastDestination - 2
            instructions -= 1
            // `(x + y) * constant` (a stencil or a filter's average): one instruction.
            let sum = previousDestination
            if imm == .f32MulImm, sum >= 2, sum + 2 == pos, a.slot >= localCount, code[Int(sum - 1)] == a.slot,
               code[Int(sum - 2)] == UInt32(Op.f32Add.rawValue) {
                let x = code[Int(sum)], y = code[Int(sum + 1)]
                pos = sum - 2
                instructions -= 1
                let at = pos
                try emit(.f32AddMulImm, d, x, y, value)
                resultInFirstOperand(at)
                return
            }
            let at = pos
            try emit(imm, d, a.slot, value)
            resultInFirstOperand(at)
            if imm == .i32AddImm { operands[Int(height - 1)].producer = at + 1 }
            if imm == .i32AndImm { lastAnd = at + 1 }
            return
        }
        let at = pos
        if shape.b != .unknown { try emit(shape.op, d, a.slot, b.slot) } else { try emit(shape.op, d, a.slot) }
        resultInFirstOperand(at)
    }

    private mutating func dataIndex() throws(LoadError) -> UInt32 {
        let x = try reader.u32()
        guard let count = ctx.dataCount else { throw .malformed(.dataCountRequired) }
        guard x < count else { throw .invalid(.unknownDataSegment) }
        return x
    }

    private mutating func elementIndex() throws(LoadError) -> UInt32 {
        let x = try reader.u32()
        guard x < ctx.instance.pointee.elementCount else { throw .invalid(.unknownElementSegment) }
        return x
    }

    private mutating func prefixed(_ sub: UInt32) throws(LoadError) {
        switch sub {
        case 0...7:
            guard let shape = NumericShape.numeric(0xFC00 | sub) else { throw .malformed(.malformedOpcode) }
            try numeric(shape)
        case 8:
            let seg = try dataIndex()
            let x = try memoryIndex()
            let n = try pop(.i32), s = try pop(.i32), d = try pop(.i32)
            if emitting { try selectMemory(x); try emit(.memoryInit, seg, d.slot, s.slot, n.slot); try restoreMemory(x) }
        case 9:
            let seg = try dataIndex()
            if emitting { try emit(.dataDrop, seg) }
        case 10:
            let dst = try memoryIndex()
            let src = try memoryIndex()
            let n = try pop(.i32), s = try pop(.i32), d = try pop(.i32)
            if emitting {
                if dst == src {
                    try selectMemory(dst); try emit(.memoryCopy, d.slot, s.slot, n.slot); try restoreMemory(dst)
                } else {
                    try emit(.memoryCopyBetween, dst, src, d.slot, s.slot, n.slot)
                }
            }
        case 11:
            let x = try memoryIndex()
            let n = try pop(.i32), v = try pop(.i32), d = try pop(.i32)
            if emitting { try selectMemory(x); try emit(.memoryFill, d.slot, v.slot, n.slot); try restoreMemory(x) }
        case 12:
            let seg = try elementIndex()
            let table = try tableIndex()
            guard ctx.instance.pointee.elements[Int(seg)].type == tableType(table) else { throw .invalid(.typeMismatch) }
            let n = try pop(.i32), s = try pop(.i32), d = try pop(.i32)
            if emitting { try emit(.tableInit, table, seg, d.slot, s.slot, n.slot) }
        case 13:
            let seg = try elementIndex()
            if emitting { try emit(.elemDrop, seg) }
        case 14:
            let dst = try tableIndex()
            let src = try tableIndex()
            guard tableType(dst) == tableType(src) else { throw .invalid(.typeMismatch) }
            let n = try pop(.i32), s = try pop(.i32), d = try pop(.i32)
            if emitting { try emit(.tableCopy, dst, src, d.slot, s.slot, n.slot) }
        case 15:
            let x = try tableIndex()
            let n = try pop(.i32)
            let v = try pop(tableType(x))
            let d = try push(.i32)
            if emitting { let at = pos; try emit(.tableGrow, d, x, v.slot, n.slot); resultInFirstOperand(at) }
        case 16:
            let x = try tableIndex()
            let d = try push(.i32)
            if emitting { let at = pos; try emit(.tableSize, d, x); resultInFirstOperand(at) }
        case 17:
            let x = try tableIndex()
            let n = try pop(.i32)
            let v = try pop(tableType(x))
            let i = try pop(.i32)
            if emitting { try emit(.tableFill, x, i.slot, v.slot, n.slot) }
        default:
            throw .malformed(.malformedOpcode)
        }
    }

    private mutating func brTable() throws(LoadError) {
        let count = try reader.u32()
        guard u64(count) <= u64(reader.remaining) else { throw .malformed(.unexpectedEnd) }
        let index = try pop(.i32)
        // The targets are read twice: once to validate, once to emit.
        let targetsStart = reader
        var defaultFrame = 0
        var i: UInt32 = 0
        var arity: UInt32 = 0
        while i <= count {
            let f = try labelFrame(try reader.u32())
            if i == 0 { arity = controls[f].labelCount }
            guard controls[f].labelCount == arity else { throw .invalid(.typeMismatch) }
            // Each label's types must accept the operands (checked without consuming them).
            let saved = height
            try checkLabelValues(f, retype: false)
            height = saved
            defaultFrame = f
            i += 1
        }
        _ = defaultFrame
        if emitting {
            var r = targetsStart
            try materializeAll(from: height - arity)
            try emit(.brTable, index.slot, count)
            straightFrom = codeCapacity
            let table = pos
            try reserve(count + 1)
            pos += count + 1
            var k: UInt32 = 0
            while k <= count {
                let f = try labelFrame(try r.u32())
                let entry = table + k
                if f != 0 && controls[f].kind != .loop && !branchNeedsCopies(f) {
                    code[Int(entry)] = controls[f].chain
                    controls[f].chain = entry + 1
                } else {
                    // A stub moves the values (or returns, or charges fuel for a back-edge).
                    code[Int(entry)] = UInt32(bitPattern: Int32(pos) - Int32(entry))
                    if f != 0 { try emitBranchCopies(f) }
                    try emitJump(f)
                }
                k += 1
            }
        }
        straightFrom = pos
        markUnreachable()
    }

    private mutating func end() throws(LoadError) {
        let i = Int(depth - 1)
        let frame = controls[i]
        try popTypes(frame.type, results: true)
        guard height == frame.height else { throw .invalid(.typeMismatch) }
        if frame.kind == .if {
            // Without else, the parameters pass through as the results.
            guard frame.type.paramCount == frame.type.resultCount else { throw .invalid(.typeMismatch) }
            var k: UInt32 = 0
            while k < frame.type.paramCount {
                guard frame.type.param(k) == frame.type.result(k) else { throw .invalid(.typeMismatch) }
                k += 1
            }
        }
        height += frame.type.resultCount
        if frame.kind == .function {
            if emitting { try emitReturn() }
            depth -= 1
            return
        }
        if emitting { try materializeAll(from: frame.height) }
        if frame.elsePatch != 0 { resolve(chain: frame.elsePatch) }
        if frame.kind != .loop { resolve(chain: frame.chain) }
        lastDestination = 0
        lastLocalAdd = 0
        lastLoad = 0
        loadPair = 0
        depth -= 1
        height = frame.height
        try pushTypes(frame.type, results: true)
    }
}
