/// The pre-decoded internal code.
///
/// A function body becomes a sequence of 32-bit words: an opcode word followed by its operands.
/// Operands are slot numbers relative to the frame (locals first, then the operand stack, each
/// stack height having a fixed slot), immediates, and branch offsets in words relative to the
/// branching instruction. So `local.get`, `local.set` and most stack traffic disappear into the
/// operands of the real operation, and each instruction is one dispatch of the executor's switch.
///
/// Layouts (d = destination slot, a/b/c = source slots):
///   copy d a | select d a b cond | const32 d v | const64 d lo hi
///   br off | brBack off | brIf c off | brIfNot c off | brIfBack c off
///   brTable i n off0 ... offn (offn is the default)
///   brI32<Cmp> a b off cost | brI32<Cmp>Imm a imm off cost (compare-and-branch; cost: fuel of a
///   loop body at a back-edge, else 0)
///   call func base | callIndirect type table i base | ret
///   load* d addr imm offset (address: (addr << s) + imm wrapping at 32 bits, then + offset; s in
///   bits 8... of the opcode word, which the executor's dispatch ignores) | store* addr value imm offset
///   (address: addr + imm wrapping at 32 bits, then + offset)
///   withMemory m | memoryCopyBetween dstMemory srcMemory d s n
///   numeric unary: op d a | numeric binary: op d a b
enum Op: UInt8 {
    case unreachable
    case br, brBack, brIf, brIfNot, brIfBack, brTable
    case call, callIndirect, ret
    case copy, select, const32, const64
    case globalGet, globalSet
    case load32, load64, load8S32, load8U32, load16S32, load16U32, load8S64, load16S64, load32S64
    case store32, store64, store8, store16
    case memorySize, memoryGrow, memoryFill, memoryCopy, memoryInit, dataDrop
    /// withMemory m: the memory instructions that follow use memory m (multi-memory).
    case withMemory, memoryCopyBetween
    /// f32MulAdd d x a b: d = x + a * b (two roundings). addImmBrNz d a imm off cost: d = a + imm,
    /// branch if d != 0 (a loop counter's `local.tee` + `br_if`).
    case f32MulAdd, addImmBrNz
    /// f32MulLoads d (addr imm offset)×2: d = load × load. f32MulAddLoads d x (addr imm offset)×2:
    /// d = x + load × load (the loads in order, each f32 with its own bounds check).
    case f32MulLoads, f32MulAddLoads
    /// load32Indexed d x mask shift offset: a 32-bit load at ((x & mask) << shift) + offset.
    case load32Indexed
    /// f32AddMulImm d a b imm: d = (a + b) * imm (two roundings).
    case f32AddMulImm
    /// i32XorShrUImm d a b s: d = a ^ (b >> s).
    case i32XorShrUImm
    case tableGet, tableSet, tableSize, tableGrow, tableFill, tableCopy, tableInit, elemDrop, refFunc
    // BEGIN GENERATED ops
    case i32Eqz
    case i32Eq
    case i32Ne
    case i32LtS
    case i32LtU
    case i32GtS
    case i32GtU
    case i32LeS
    case i32LeU
    case i32GeS
    case i32GeU
    case i64Eqz
    case i64Eq
    case i64Ne
    case i64LtS
    case i64LtU
    case i64GtS
    case i64GtU
    case i64LeS
    case i64LeU
    case i64GeS
    case i64GeU
    case f32Eq
    case f32Ne
    case f32Lt
    case f32Gt
    case f32Le
    case f32Ge
    case f64Eq
    case f64Ne
    case f64Lt
    case f64Gt
    case f64Le
    case f64Ge
    case i32Clz
    case i32Ctz
    case i32Popcnt
    case i32Add
    case i32Sub
    case i32Mul
    case i32DivS
    case i32DivU
    case i32RemS
    case i32RemU
    case i32And
    case i32Or
    case i32Xor
    case i32Shl
    case i32ShrS
    case i32ShrU
    case i32Rotl
    case i32Rotr
    case i64Clz
    case i64Ctz
    case i64Popcnt
    case i64Add
    case i64Sub
    case i64Mul
    case i64DivS
    case i64DivU
    case i64RemS
    case i64RemU
    case i64And
    case i64Or
    case i64Xor
    case i64Shl
    case i64ShrS
    case i64ShrU
    case i64Rotl
    case i64Rotr
    case f32Abs
    case f32Neg
    case f32Ceil
    case f32Floor
    case f32Trunc
    case f32Nearest
    case f32Sqrt
    case f32Add
    case f32Sub
    case f32Mul
    case f32Div
    case f32Min
    case f32Max
    case f32Copysign
    case f64Abs
    case f64Neg
    case f64Ceil
    case f64Floor
    case f64Trunc
    case f64Nearest
    case f64Sqrt
    case f64Add
    case f64Sub
    case f64Mul
    case f64Div
    case f64Min
    case f64Max
    case f64Copysign
    case i32WrapI64
    case i32TruncF32S
    case i32TruncF32U
    case i32TruncF64S
    case i32TruncF64U
    case i64TruncF32S
    case i64TruncF32U
    case i64TruncF64S
    case i64TruncF64U
    case i32TruncSatF32S
    case i32TruncSatF32U
    case i32TruncSatF64S
    case i32TruncSatF64U
    case i64TruncSatF32S
    case i64TruncSatF32U
    case i64TruncSatF64S
    case i64TruncSatF64U
    case i64ExtendI32S
    case f32ConvertI32S
    case f32ConvertI32U
    case f32ConvertI64S
    case f32ConvertI64U
    case f32DemoteF64
    case f64ConvertI32S
    case f64ConvertI32U
    case f64ConvertI64S
    case f64ConvertI64U
    case f64PromoteF32
    case i32Extend8S
    case i32Extend16S
    case i64Extend8S
    case i64Extend16S
    case i64Extend32S
    case i32EqImm
    case i32NeImm
    case i32LtSImm
    case i32LtUImm
    case i32GtSImm
    case i32GtUImm
    case i32LeSImm
    case i32LeUImm
    case i32GeSImm
    case i32GeUImm
    case i32AddImm
    case i32SubImm
    case i32MulImm
    case i32AndImm
    case i32OrImm
    case i32XorImm
    case i32ShlImm
    case i32ShrSImm
    case i32ShrUImm
    case f32AddImm
    case f32SubImm
    case f32MulImm
    case f32DivImm
    case brI32Eq
    case brI32EqImm
    case brI32Ne
    case brI32NeImm
    case brI32LtS
    case brI32LtSImm
    case brI32LtU
    case brI32LtUImm
    case brI32GtS
    case brI32GtSImm
    case brI32GtU
    case brI32GtUImm
    case brI32LeS
    case brI32LeSImm
    case brI32LeU
    case brI32LeUImm
    case brI32GeS
    case brI32GeSImm
    case brI32GeU
    case brI32GeUImm
    // END GENERATED ops
}

struct NumericShape {
    var op: Op
    var a: ValType
    /// `.unknown` for a unary instruction.
    var b: ValType
    var result: ValType
}

extension NumericShape {
    // BEGIN GENERATED table
    /// The internal opcode and types of a numeric Wasm instruction (0xFC00 | n for the 0xFC prefix).
    static func numeric(_ code: UInt32) -> NumericShape? {
        switch code {
        case 0x45: return NumericShape(op: .i32Eqz, a: .i32, b: .unknown, result: .i32)
        case 0x46: return NumericShape(op: .i32Eq, a: .i32, b: .i32, result: .i32)
        case 0x47: return NumericShape(op: .i32Ne, a: .i32, b: .i32, result: .i32)
        case 0x48: return NumericShape(op: .i32LtS, a: .i32, b: .i32, result: .i32)
        case 0x49: return NumericShape(op: .i32LtU, a: .i32, b: .i32, result: .i32)
        case 0x4A: return NumericShape(op: .i32GtS, a: .i32, b: .i32, result: .i32)
        case 0x4B: return NumericShape(op: .i32GtU, a: .i32, b: .i32, result: .i32)
        case 0x4C: return NumericShape(op: .i32LeS, a: .i32, b: .i32, result: .i32)
        case 0x4D: return NumericShape(op: .i32LeU, a: .i32, b: .i32, result: .i32)
        case 0x4E: return NumericShape(op: .i32GeS, a: .i32, b: .i32, result: .i32)
        case 0x4F: return NumericShape(op: .i32GeU, a: .i32, b: .i32, result: .i32)
        case 0x50: return NumericShape(op: .i64Eqz, a: .i64, b: .unknown, result: .i32)
        case 0x51: return NumericShape(op: .i64Eq, a: .i64, b: .i64, result: .i32)
        case 0x52: return NumericShape(op: .i64Ne, a: .i64, b: .i64, result: .i32)
        case 0x53: return NumericShape(op: .i64LtS, a: .i64, b: .i64, result: .i32)
        case 0x54: return NumericShape(op: .i64LtU, a: .i64, b: .i64, result: .i32)
        case 0x55: return NumericShape(op: .i64GtS, a: .i64, b: .i64, result: .i32)
        case 0x56: return NumericShape(op: .i64GtU, a: .i64, b: .i64, result: .i32)
        case 0x57: return NumericShape(op: .i64LeS, a: .i64, b: .i64, result: .i32)
        case 0x58: return NumericShape(op: .i64LeU, a: .i64, b: .i64, result: .i32)
        case 0x59: return NumericShape(op: .i64GeS, a: .i64, b: .i64, result: .i32)
        case 0x5A: return NumericShape(op: .i64GeU, a: .i64, b: .i64, result: .i32)
        case 0x5B: return NumericShape(op: .f32Eq, a: .f32, b: .f32, result: .i32)
        case 0x5C: return NumericShape(op: .f32Ne, a: .f32, b: .f32, result: .i32)
        case 0x5D: return NumericShape(op: .f32Lt, a: .f32, b: .f32, result: .i32)
        case 0x5E: return NumericShape(op: .f32Gt, a: .f32, b: .f32, result: .i32)
        case 0x5F: return NumericShape(op: .f32Le, a: .f32, b: .f32, result: .i32)
        case 0x60: return NumericShape(op: .f32Ge, a: .f32, b: .f32, result: .i32)
        case 0x61: return NumericShape(op: .f64Eq, a: .f64, b: .f64, result: .i32)
        case 0x62: return NumericShape(op: .f64Ne, a: .f64, b: .f64, result: .i32)
        case 0x63: return NumericShape(op: .f64Lt, a: .f64, b: .f64, result: .i32)
        case 0x64: return NumericShape(op: .f64Gt, a: .f64, b: .f64, result: .i32)
        case 0x65: return NumericShape(op: .f64Le, a: .f64, b: .f64, result: .i32)
        case 0x66: return NumericShape(op: .f64Ge, a: .f64, b: .f64, result: .i32)
        case 0x67: return NumericShape(op: .i32Clz, a: .i32, b: .unknown, result: .i32)
        case 0x68: return NumericShape(op: .i32Ctz, a: .i32, b: .unknown, result: .i32)
        case 0x69: return NumericShape(op: .i32Popcnt, a: .i32, b: .unknown, result: .i32)
        case 0x6A: return NumericShape(op: .i32Add, a: .i32, b: .i32, result: .i32)
        case 0x6B: return NumericShape(op: .i32Sub, a: .i32, b: .i32, result: .i32)
        case 0x6C: return NumericShape(op: .i32Mul, a: .i32, b: .i32, result: .i32)
        case 0x6D: return NumericShape(op: .i32DivS, a: .i32, b: .i32, result: .i32)
        case 0x6E: return NumericShape(op: .i32DivU, a: .i32, b: .i32, result: .i32)
        case 0x6F: return NumericShape(op: .i32RemS, a: .i32, b: .i32, result: .i32)
        case 0x70: return NumericShape(op: .i32RemU, a: .i32, b: .i32, result: .i32)
        case 0x71: return NumericShape(op: .i32And, a: .i32, b: .i32, result: .i32)
        case 0x72: return NumericShape(op: .i32Or, a: .i32, b: .i32, result: .i32)
        case 0x73: return NumericShape(op: .i32Xor, a: .i32, b: .i32, result: .i32)
        case 0x74: return NumericShape(op: .i32Shl, a: .i32, b: .i32, result: .i32)
        case 0x75: return NumericShape(op: .i32ShrS, a: .i32, b: .i32, result: .i32)
        case 0x76: return NumericShape(op: .i32ShrU, a: .i32, b: .i32, result: .i32)
        case 0x77: return NumericShape(op: .i32Rotl, a: .i32, b: .i32, result: .i32)
        case 0x78: return NumericShape(op: .i32Rotr, a: .i32, b: .i32, result: .i32)
        case 0x79: return NumericShape(op: .i64Clz, a: .i64, b: .unknown, result: .i64)
        case 0x7A: return NumericShape(op: .i64Ctz, a: .i64, b: .unknown, result: .i64)
        case 0x7B: return NumericShape(op: .i64Popcnt, a: .i64, b: .unknown, result: .i64)
        case 0x7C: return NumericShape(op: .i64Add, a: .i64, b: .i64, result: .i64)
        case 0x7D: return NumericShape(op: .i64Sub, a: .i64, b: .i64, result: .i64)
        case 0x7E: return NumericShape(op: .i64Mul, a: .i64, b: .i64, result: .i64)
        case 0x7F: return NumericShape(op: .i64DivS, a: .i64, b: .i64, result: .i64)
        case 0x80: return NumericShape(op: .i64DivU, a: .i64, b: .i64, result: .i64)
        case 0x81: return NumericShape(op: .i64RemS, a: .i64, b: .i64, result: .i64)
        case 0x82: return NumericShape(op: .i64RemU, a: .i64, b: .i64, result: .i64)
        case 0x83: return NumericShape(op: .i64And, a: .i64, b: .i64, result: .i64)
        case 0x84: return NumericShape(op: .i64Or, a: .i64, b: .i64, result: .i64)
        case 0x85: return NumericShape(op: .i64Xor, a: .i64, b: .i64, result: .i64)
        case 0x86: return NumericShape(op: .i64Shl, a: .i64, b: .i64, result: .i64)
        case 0x87: return NumericShape(op: .i64ShrS, a: .i64, b: .i64, result: .i64)
        case 0x88: return NumericShape(op: .i64ShrU, a: .i64, b: .i64, result: .i64)
        case 0x89: return NumericShape(op: .i64Rotl, a: .i64, b: .i64, result: .i64)
        case 0x8A: return NumericShape(op: .i64Rotr, a: .i64, b: .i64, result: .i64)
        case 0x8B: return NumericShape(op: .f32Abs, a: .f32, b: .unknown, result: .f32)
        case 0x8C: return NumericShape(op: .f32Neg, a: .f32, b: .unknown, result: .f32)
        case 0x8D: return NumericShape(op: .f32Ceil, a: .f32, b: .unknown, result: .f32)
        case 0x8E: return NumericShape(op: .f32Floor, a: .f32, b: .unknown, result: .f32)
        case 0x8F: return NumericShape(op: .f32Trunc, a: .f32, b: .unknown, result: .f32)
        case 0x90: return NumericShape(op: .f32Nearest, a: .f32, b: .unknown, result: .f32)
        case 0x91: return NumericShape(op: .f32Sqrt, a: .f32, b: .unknown, result: .f32)
        case 0x92: return NumericShape(op: .f32Add, a: .f32, b: .f32, result: .f32)
        case 0x93: return NumericShape(op: .f32Sub, a: .f32, b: .f32, result: .f32)
        case 0x94: return NumericShape(op: .f32Mul, a: .f32, b: .f32, result: .f32)
        case 0x95: return NumericShape(op: .f32Div, a: .f32, b: .f32, result: .f32)
        case 0x96: return NumericShape(op: .f32Min, a: .f32, b: .f32, result: .f32)
        case 0x97: return NumericShape(op: .f32Max, a: .f32, b: .f32, result: .f32)
        case 0x98: return NumericShape(op: .f32Copysign, a: .f32, b: .f32, result: .f32)
        case 0x99: return NumericShape(op: .f64Abs, a: .f64, b: .unknown, result: .f64)
        case 0x9A: return NumericShape(op: .f64Neg, a: .f64, b: .unknown, result: .f64)
        case 0x9B: return NumericShape(op: .f64Ceil, a: .f64, b: .unknown, result: .f64)
        case 0x9C: return NumericShape(op: .f64Floor, a: .f64, b: .unknown, result: .f64)
        case 0x9D: return NumericShape(op: .f64Trunc, a: .f64, b: .unknown, result: .f64)
        case 0x9E: return NumericShape(op: .f64Nearest, a: .f64, b: .unknown, result: .f64)
        case 0x9F: return NumericShape(op: .f64Sqrt, a: .f64, b: .unknown, result: .f64)
        case 0xA0: return NumericShape(op: .f64Add, a: .f64, b: .f64, result: .f64)
        case 0xA1: return NumericShape(op: .f64Sub, a: .f64, b: .f64, result: .f64)
        case 0xA2: return NumericShape(op: .f64Mul, a: .f64, b: .f64, result: .f64)
        case 0xA3: return NumericShape(op: .f64Div, a: .f64, b: .f64, result: .f64)
        case 0xA4: return NumericShape(op: .f64Min, a: .f64, b: .f64, result: .f64)
        case 0xA5: return NumericShape(op: .f64Max, a: .f64, b: .f64, result: .f64)
        case 0xA6: return NumericShape(op: .f64Copysign, a: .f64, b: .f64, result: .f64)
        case 0xA7: return NumericShape(op: .i32WrapI64, a: .i64, b: .unknown, result: .i32)
        case 0xA8: return NumericShape(op: .i32TruncF32S, a: .f32, b: .unknown, result: .i32)
        case 0xA9: return NumericShape(op: .i32TruncF32U, a: .f32, b: .unknown, result: .i32)
        case 0xAA: return NumericShape(op: .i32TruncF64S, a: .f64, b: .unknown, result: .i32)
        case 0xAB: return NumericShape(op: .i32TruncF64U, a: .f64, b: .unknown, result: .i32)
        case 0xAE: return NumericShape(op: .i64TruncF32S, a: .f32, b: .unknown, result: .i64)
        case 0xAF: return NumericShape(op: .i64TruncF32U, a: .f32, b: .unknown, result: .i64)
        case 0xB0: return NumericShape(op: .i64TruncF64S, a: .f64, b: .unknown, result: .i64)
        case 0xB1: return NumericShape(op: .i64TruncF64U, a: .f64, b: .unknown, result: .i64)
        case 0xFC00: return NumericShape(op: .i32TruncSatF32S, a: .f32, b: .unknown, result: .i32)
        case 0xFC01: return NumericShape(op: .i32TruncSatF32U, a: .f32, b: .unknown, result: .i32)
        case 0xFC02: return NumericShape(op: .i32TruncSatF64S, a: .f64, b: .unknown, result: .i32)
        case 0xFC03: return NumericShape(op: .i32TruncSatF64U, a: .f64, b: .unknown, result: .i32)
        case 0xFC04: return NumericShape(op: .i64TruncSatF32S, a: .f32, b: .unknown, result: .i64)
        case 0xFC05: return NumericShape(op: .i64TruncSatF32U, a: .f32, b: .unknown, result: .i64)
        case 0xFC06: return NumericShape(op: .i64TruncSatF64S, a: .f64, b: .unknown, result: .i64)
        case 0xFC07: return NumericShape(op: .i64TruncSatF64U, a: .f64, b: .unknown, result: .i64)
        case 0xAC: return NumericShape(op: .i64ExtendI32S, a: .i32, b: .unknown, result: .i64)
        case 0xB2: return NumericShape(op: .f32ConvertI32S, a: .i32, b: .unknown, result: .f32)
        case 0xB3: return NumericShape(op: .f32ConvertI32U, a: .i32, b: .unknown, result: .f32)
        case 0xB4: return NumericShape(op: .f32ConvertI64S, a: .i64, b: .unknown, result: .f32)
        case 0xB5: return NumericShape(op: .f32ConvertI64U, a: .i64, b: .unknown, result: .f32)
        case 0xB6: return NumericShape(op: .f32DemoteF64, a: .f64, b: .unknown, result: .f32)
        case 0xB7: return NumericShape(op: .f64ConvertI32S, a: .i32, b: .unknown, result: .f64)
        case 0xB8: return NumericShape(op: .f64ConvertI32U, a: .i32, b: .unknown, result: .f64)
        case 0xB9: return NumericShape(op: .f64ConvertI64S, a: .i64, b: .unknown, result: .f64)
        case 0xBA: return NumericShape(op: .f64ConvertI64U, a: .i64, b: .unknown, result: .f64)
        case 0xBB: return NumericShape(op: .f64PromoteF32, a: .f32, b: .unknown, result: .f64)
        case 0xC0: return NumericShape(op: .i32Extend8S, a: .i32, b: .unknown, result: .i32)
        case 0xC1: return NumericShape(op: .i32Extend16S, a: .i32, b: .unknown, result: .i32)
        case 0xC2: return NumericShape(op: .i64Extend8S, a: .i64, b: .unknown, result: .i64)
        case 0xC3: return NumericShape(op: .i64Extend16S, a: .i64, b: .unknown, result: .i64)
        case 0xC4: return NumericShape(op: .i64Extend32S, a: .i64, b: .unknown, result: .i64)
        default: return nil
        }
    }

    /// The variant of `op` that takes its second operand as an immediate, if any.
    static func immediate(_ op: Op) -> Op? {
        switch op {
        case .i32Eq: return .i32EqImm
        case .i32Ne: return .i32NeImm
        case .i32LtS: return .i32LtSImm
        case .i32LtU: return .i32LtUImm
        case .i32GtS: return .i32GtSImm
        case .i32GtU: return .i32GtUImm
        case .i32LeS: return .i32LeSImm
        case .i32LeU: return .i32LeUImm
        case .i32GeS: return .i32GeSImm
        case .i32GeU: return .i32GeUImm
        case .i32Add: return .i32AddImm
        case .i32Sub: return .i32SubImm
        case .i32Mul: return .i32MulImm
        case .i32And: return .i32AndImm
        case .i32Or: return .i32OrImm
        case .i32Xor: return .i32XorImm
        case .i32Shl: return .i32ShlImm
        case .i32ShrS: return .i32ShrSImm
        case .i32ShrU: return .i32ShrUImm
        case .f32Add: return .f32AddImm
        case .f32Sub: return .f32SubImm
        case .f32Mul: return .f32MulImm
        case .f32Div: return .f32DivImm
        default: return nil
        }
    }

    /// The compare-and-branch form of an i32 comparison: taken when it holds, or when it fails if `negated`.
    static func compareBranch(_ op: Op, negated: Bool) -> Op? {
        switch op {
        case .i32Eq: return negated ? .brI32Ne : .brI32Eq
        case .i32EqImm: return negated ? .brI32NeImm : .brI32EqImm
        case .i32Ne: return negated ? .brI32Eq : .brI32Ne
        case .i32NeImm: return negated ? .brI32EqImm : .brI32NeImm
        case .i32LtS: return negated ? .brI32GeS : .brI32LtS
        case .i32LtSImm: return negated ? .brI32GeSImm : .brI32LtSImm
        case .i32LtU: return negated ? .brI32GeU : .brI32LtU
        case .i32LtUImm: return negated ? .brI32GeUImm : .brI32LtUImm
        case .i32GtS: return negated ? .brI32LeS : .brI32GtS
        case .i32GtSImm: return negated ? .brI32LeSImm : .brI32GtSImm
        case .i32GtU: return negated ? .brI32LeU : .brI32GtU
        case .i32GtUImm: return negated ? .brI32LeUImm : .brI32GtUImm
        case .i32LeS: return negated ? .brI32GtS : .brI32LeS
        case .i32LeSImm: return negated ? .brI32GtSImm : .brI32LeSImm
        case .i32LeU: return negated ? .brI32GtU : .brI32LeU
        case .i32LeUImm: return negated ? .brI32GtUImm : .brI32LeUImm
        case .i32GeS: return negated ? .brI32LtS : .brI32GeS
        case .i32GeSImm: return negated ? .brI32LtSImm : .brI32GeSImm
        case .i32GeU: return negated ? .brI32LtU : .brI32GeU
        case .i32GeUImm: return negated ? .brI32LtUImm : .brI32GeUImm
        default: return nil
        }
    }
    // END GENERATED table
}
