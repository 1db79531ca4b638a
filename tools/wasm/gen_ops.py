#!/usr/bin/env python3
"""Generates the numeric instructions of the interpreter from one table.

The table below is the single source for the internal opcodes, the translator's mapping from Wasm
opcodes (with their operand and result types) and the executor's cases. It rewrites the regions
between `// BEGIN GENERATED <name>` and `// END GENERATED <name>` of the Swift sources.
Run: python3 tools/wasm/gen_ops.py
"""
import pathlib, re

ROOT = pathlib.Path(__file__).resolve().parents[2] / "Sources" / "LeveeWasm"

# (wasm opcode, name, operand types, result type, Swift expression over a [, b])
# Expressions yield UInt32 for i32, UInt64 for i64, Float for f32, Double for f64, or Bool (-> i32).
OPS = []
def op(code, name, ins, out, expr):
    OPS.append((code, name, ins, out, expr))

S32 = "Int32(bitPattern: {})"
S64 = "Int64(bitPattern: {})"
op(0x45, "i32Eqz", "i32", "i32", "a == 0")
for i, (n, e) in enumerate([("Eq", "a == b"), ("Ne", "a != b"),
        ("LtS", "Int32(bitPattern: a) < Int32(bitPattern: b)"), ("LtU", "a < b"),
        ("GtS", "Int32(bitPattern: a) > Int32(bitPattern: b)"), ("GtU", "a > b"),
        ("LeS", "Int32(bitPattern: a) <= Int32(bitPattern: b)"), ("LeU", "a <= b"),
        ("GeS", "Int32(bitPattern: a) >= Int32(bitPattern: b)"), ("GeU", "a >= b")]):
    op(0x46 + i, "i32" + n, "i32 i32", "i32", e)
op(0x50, "i64Eqz", "i64", "i32", "a == 0")
for i, (n, e) in enumerate([("Eq", "a == b"), ("Ne", "a != b"),
        ("LtS", "Int64(bitPattern: a) < Int64(bitPattern: b)"), ("LtU", "a < b"),
        ("GtS", "Int64(bitPattern: a) > Int64(bitPattern: b)"), ("GtU", "a > b"),
        ("LeS", "Int64(bitPattern: a) <= Int64(bitPattern: b)"), ("LeU", "a <= b"),
        ("GeS", "Int64(bitPattern: a) >= Int64(bitPattern: b)"), ("GeU", "a >= b")]):
    op(0x51 + i, "i64" + n, "i64 i64", "i32", e)
for base, t in ((0x5B, "f32"), (0x61, "f64")):
    for i, (n, e) in enumerate([("Eq", "a == b"), ("Ne", "a != b"), ("Lt", "a < b"), ("Gt", "a > b"),
                                ("Le", "a <= b"), ("Ge", "a >= b")]):
        op(base + i, t + n, t + " " + t, "i32", e)
for base, t, bits in ((0x67, "i32", 32), (0x79, "i64", 64)):
    U = "UInt32" if bits == 32 else "UInt64"
    S = "Int32" if bits == 32 else "Int64"
    W = "UInt32" if bits == 32 else "u64"
    op(base, t + "Clz", t, t, f"{W}(a.leadingZeroBitCount)")
    op(base + 1, t + "Ctz", t, t, f"{W}(a.trailingZeroBitCount)")
    op(base + 2, t + "Popcnt", t, t, f"{W}(a.nonzeroBitCount)")
    b2 = t + " " + t
    for i, (n, e) in enumerate([
            ("Add", "a &+ b"), ("Sub", "a &- b"), ("Mul", "a &* b"),
            ("DivS", "try WasmMath.divS(a, b)"), ("DivU", "try WasmMath.divU(a, b)"),
            ("RemS", "try WasmMath.remS(a, b)"), ("RemU", "try WasmMath.remU(a, b)"),
            ("And", "a & b"), ("Or", "a | b"), ("Xor", "a ^ b"), ("Shl", "a &<< b"),
            ("ShrS", f"{U}(bitPattern: {S}(bitPattern: a) &>> {S}(bitPattern: b))"), ("ShrU", "a &>> b"),
            ("Rotl", f"(a &<< b) | (a &>> ({bits} &- b))"), ("Rotr", f"(a &>> b) | (a &<< ({bits} &- b))")]):
        op(base + 3 + i, t + n, b2, t, e)
for base, t, bits in ((0x8B, "f32", 32), (0x99, "f64", 64)):
    op(base, t + "Abs", t, t, "WasmMath.abs(a)")
    op(base + 1, t + "Neg", t, t, "WasmMath.neg(a)")
    op(base + 2, t + "Ceil", t, t, "WasmMath.ceil(a)")
    op(base + 3, t + "Floor", t, t, "WasmMath.floor(a)")
    op(base + 4, t + "Trunc", t, t, "WasmMath.trunc(a)")
    op(base + 5, t + "Nearest", t, t, "WasmMath.nearest(a)")
    op(base + 6, t + "Sqrt", t, t, "WasmMath.sqrt(a)")
    b2 = t + " " + t
    for i, (n, e) in enumerate([("Add", "a + b"), ("Sub", "a - b"), ("Mul", "a * b"), ("Div", "a / b"),
                                ("Min", "WasmMath.min(a, b)"), ("Max", "WasmMath.max(a, b)"),
                                ("Copysign", "WasmMath.copysign(a, b)")]):
        op(base + 7 + i, t + n, b2, t, e)
op(0xA7, "i32WrapI64", "i64", "i32", "UInt32(truncatingIfNeeded: a)")
# Float to integer: trapping (0xA8...) and saturating (0xFC 0..7) share the bounds of WasmMath.
convs = [("i32", "f32", "S"), ("i32", "f32", "U"), ("i32", "f64", "S"), ("i32", "f64", "U"),
         ("i64", "f32", "S"), ("i64", "f32", "U"), ("i64", "f64", "S"), ("i64", "f64", "U")]
trap_codes = [0xA8, 0xA9, 0xAA, 0xAB, 0xAE, 0xAF, 0xB0, 0xB1]
INT = {"i32S": "Int32", "i32U": "UInt32", "i64S": "Int64", "i64U": "UInt64"}
BITS = {"i32S": "UInt32(bitPattern: {})", "i32U": "{}", "i64S": "UInt64(bitPattern: {})", "i64U": "{}"}
for (ti, tf, sg), code in zip(convs, trap_codes):
    T = INT[ti + sg]
    op(code, f"{ti}Trunc{tf.upper()}{sg}", tf, ti, BITS[ti + sg].format(f"try WasmMath.truncate(a, {T}.self) {{ {T}($0) }}"))
for k, (ti, tf, sg) in enumerate(convs):
    T = INT[ti + sg]
    op(0xFC00 + k, f"{ti}TruncSat{tf.upper()}{sg}", tf, ti, BITS[ti + sg].format(f"WasmMath.saturate(a, {T}.self) {{ {T}($0) }}"))
op(0xAC, "i64ExtendI32S", "i32", "i64", "UInt64(bitPattern: s64(Int32(bitPattern: a)))")
# i64.extend_i32_u and the reinterpretations are plain copies: slots hold raw bits, i32 zero-extended.
op(0xB2, "f32ConvertI32S", "i32", "f32", "Float(s64(Int32(bitPattern: a)))")
op(0xB3, "f32ConvertI32U", "i32", "f32", "Float(Int64(bitPattern: u64(a)))")
op(0xB4, "f32ConvertI64S", "i64", "f32", "Float(Int64(bitPattern: a))")
op(0xB5, "f32ConvertI64U", "i64", "f32", "float(a)")
op(0xB6, "f32DemoteF64", "f64", "f32", "Float(a)")
op(0xB7, "f64ConvertI32S", "i32", "f64", "Double(s64(Int32(bitPattern: a)))")
op(0xB8, "f64ConvertI32U", "i32", "f64", "Double(Int64(bitPattern: u64(a)))")
op(0xB9, "f64ConvertI64S", "i64", "f64", "Double(Int64(bitPattern: a))")
op(0xBA, "f64ConvertI64U", "i64", "f64", "double(a)")
op(0xBB, "f64PromoteF32", "f32", "f64", "Double(a)")
op(0xC0, "i32Extend8S", "i32", "i32", "UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: a)))")
op(0xC1, "i32Extend16S", "i32", "i32", "UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: a)))")
op(0xC2, "i64Extend8S", "i64", "i64", "UInt64(bitPattern: s64(Int8(truncatingIfNeeded: a)))")
op(0xC3, "i64Extend16S", "i64", "i64", "UInt64(bitPattern: s64(Int16(truncatingIfNeeded: a)))")
op(0xC4, "i64Extend32S", "i64", "i64", "UInt64(bitPattern: s64(Int32(truncatingIfNeeded: a)))")

# i32 (and f32 arithmetic) binary operations whose second operand is often a constant get a variant
# with the constant as an immediate word (`op d a imm`): the translator folds the const into them.
IMM = ["Add", "Sub", "Mul", "And", "Or", "Xor", "Shl", "ShrS", "ShrU", "Eq", "Ne", "LtS", "LtU", "GtS", "GtU",
       "LeS", "LeU", "GeS", "GeU"]
IMM_OPS = [(code, name, ins, out, expr) for (code, name, ins, out, expr) in OPS
           if (name[3:] in IMM and name.startswith("i32")) or name in ("f32Add", "f32Sub", "f32Mul", "f32Div")]

# Compare-and-branch: an i32 comparison that only feeds `br_if`/`if` is folded into the branch
# (`brI32<Cmp> a b off cost`, `brI32<Cmp>Imm a imm off cost`; off relative to its own word, cost
# the fuel of a loop body at a back-edge, else 0). The negation serves `if` and skips.
CMP = ["Eq", "Ne", "LtS", "LtU", "GtS", "GtU", "LeS", "LeU", "GeS", "GeU"]
NEGATE = {"Eq": "Ne", "Ne": "Eq", "LtS": "GeS", "GeS": "LtS", "LtU": "GeU", "GeU": "LtU",
          "GtS": "LeS", "LeS": "GtS", "GtU": "LeU", "LeU": "GtU"}
CMP_OPS = [(name, expr) for (_, name, _, _, expr) in OPS if name.startswith("i32") and name[3:] in CMP]

def branch_name(name):
    return "brI32" + name[3:]

READ = {"i32": "UInt32(truncatingIfNeeded: fp[Int(pc[{}])])", "i64": "fp[Int(pc[{}])]",
        "f32": "Float(bitPattern: UInt32(truncatingIfNeeded: fp[Int(pc[{}])]))",
        "f64": "Double(bitPattern: fp[Int(pc[{}])])"}
WRITE = {"i32": "u64({})", "i64": "{}", "f32": "u64(({}).bitPattern)", "f64": "({}).bitPattern"}
VT = {"i32": ".i32", "i64": ".i64", "f32": ".f32", "f64": ".f64"}

def is_bool(name, out, expr):
    return out == "i32" and any(s in expr for s in ("==", "!=", "<", ">")) and "&<<" not in expr and "&>>" not in expr and "try" not in expr

def gen_enum():
    return "\n".join([f"    case {name}" for _, name, _, _, _ in OPS] + [f"    case {name}Imm" for _, name, _, _, _ in IMM_OPS]
                     + [f"    case {branch_name(name)}{imm}" for name, _ in CMP_OPS for imm in ("", "Imm")])

def gen_table():
    lines = []
    lines.append("    /// The internal opcode and types of a numeric Wasm instruction (0xFC00 | n for the 0xFC prefix).")
    lines.append("    static func numeric(_ code: UInt32) -> NumericShape? {")
    lines.append("        switch code {")
    for code, name, ins, out, _ in OPS:
        t = ins.split()
        b = VT[t[1]] if len(t) > 1 else ".unknown"
        lines.append(f"        case 0x{code:X}: return NumericShape(op: .{name}, a: {VT[t[0]]}, b: {b}, result: {VT[out]})")
    lines.append("        default: return nil")
    lines.append("        }")
    lines.append("    }")
    lines.append("")
    lines.append("    /// The variant of `op` that takes its second operand as an immediate, if any.")
    lines.append("    static func immediate(_ op: Op) -> Op? {")
    lines.append("        switch op {")
    for _, name, _, _, _ in IMM_OPS:
        lines.append(f"        case .{name}: return .{name}Imm")
    lines.append("        default: return nil")
    lines.append("        }")
    lines.append("    }")
    lines.append("")
    lines.append("    /// The compare-and-branch form of an i32 comparison: taken when it holds, or when it fails if `negated`.")
    lines.append("    static func compareBranch(_ op: Op, negated: Bool) -> Op? {")
    lines.append("        switch op {")
    for name, _ in CMP_OPS:
        neg = "i32" + NEGATE[name[3:]]
        for imm in ("", "Imm"):
            lines.append(f"        case .{name}{imm}: return negated ? .{branch_name(neg)}{imm} : .{branch_name(name)}{imm}")
    lines.append("        default: return nil")
    lines.append("        }")
    lines.append("    }")
    return "\n".join(lines)

# Instructions rare in hot loops run out of line (`Executor.cold`): the main loop stays small enough
# for the optimizer to inline the float and memory accessors of the hot ones.
COLD = set(t + n for t in ("i32", "i64") for n in ("Clz", "Ctz", "Popcnt", "Rotl", "Rotr")) \
    | set(t + n for t in ("f32", "f64") for n in ("Ceil", "Floor", "Trunc", "Nearest", "Sqrt", "Min", "Max", "Copysign")) \
    | set(name for _, name, _, _, _ in OPS if "Trunc" in name and name[3:8] == "Trunc") \
    | {"i64DivS", "i64DivU", "i64RemS", "i64RemU", "f32ConvertI64S", "f32ConvertI64U", "f64ConvertI64S", "f64ConvertI64U"}

def gen_numeric(name, ins, out, expr, indent, advance):
    t = ins.split()
    lines = [f"{indent}case .{name}:", f"{indent}    let a = {READ[t[0]].format(2)}"]
    if len(t) > 1:
        lines.append(f"{indent}    let b = {READ[t[1]].format(3)}")
    if is_bool(name, out, expr):
        lines.append(f"{indent}    fp[Int(pc[1])] = ({expr}) ? 1 : 0")
    else:
        lines.append(f"{indent}    fp[Int(pc[1])] = {WRITE[out].format(expr)}")
    lines.append(f"{indent}    {advance} {4 if len(t) > 1 else 3}")
    return lines

def gen_cold():
    lines = []
    for code, name, ins, out, expr in OPS:
        if name in COLD:
            lines += gen_numeric(name, ins, out, expr, "        ", "return")
    return "\n".join(lines)

def gen_cases():
    lines = []
    cold = [name for _, name, _, _, _ in OPS if name in COLD]
    lines.append("            case " + ", ".join("." + n for n in cold) + ":")
    lines.append("                pc += try cold(op, pc, fp)")
    for code, name, ins, out, expr in OPS:
        if name in COLD:
            continue
        t = ins.split()
        lines.append(f"            case .{name}:")
        lines.append(f"                let a = {READ[t[0]].format(2)}")
        if len(t) > 1:
            lines.append(f"                let b = {READ[t[1]].format(3)}")
        value = f"({expr}) ? 1 : 0" if is_bool(name, out, expr) else expr
        if is_bool(name, out, expr):
            lines.append(f"                fp[Int(pc[1])] = ({expr}) ? 1 : 0")
        else:
            lines.append(f"                fp[Int(pc[1])] = {WRITE[out].format(expr)}")
        lines.append(f"                pc += {4 if len(t) > 1 else 3}")
    for code, name, ins, out, expr in IMM_OPS:
        lines.append(f"            case .{name}Imm:")
        t = ins.split()[0]
        lines.append(f"                let a = {READ[t].format(2)}")
        lines.append(f"                let b = {'Float(bitPattern: pc[3])' if t == 'f32' else 'pc[3]'}")
        if is_bool(name, out, expr):
            lines.append(f"                fp[Int(pc[1])] = ({expr}) ? 1 : 0")
        else:
            lines.append(f"                fp[Int(pc[1])] = {WRITE[out].format(expr)}")
        lines.append(f"                pc += 4")
    for name, expr in CMP_OPS:
        for imm in ("", "Imm"):
            lines.append(f"            case .{branch_name(name)}{imm}:")
            lines.append(f"                let a = {READ['i32'].format(1)}")
            lines.append(f"                let b = {'pc[2]' if imm else READ['i32'].format(2)}")
            lines.append(f"                if {expr} {{")
            lines.append(f"                    try takeBranch(&pc, 3, &remaining, &nextCheck, fuel.preemptionInterval, &host)")
            lines.append(f"                }} else {{")
            lines.append(f"                    pc += 5")
            lines.append(f"                }}")
    return "\n".join(lines)

def replace(path, name, body):
    p = ROOT / path
    s = p.read_text()
    pat = re.compile(rf"(// BEGIN GENERATED {name})(.*?)(\n[ \t]*// END GENERATED {name})", re.S)
    if not pat.search(s):
        raise SystemExit(f"{path}: no region {name}")
    s = pat.sub(lambda m: m.group(1) + "\n" + body + m.group(3), s)
    p.write_text(s)

replace("Opcodes.swift", "ops", gen_enum())
replace("Opcodes.swift", "table", gen_table())
replace("Executor.swift", "cases", gen_cases())
replace("Executor.swift", "cold", gen_cold())
print(f"gen_ops: {len(OPS)} numeric instructions")
