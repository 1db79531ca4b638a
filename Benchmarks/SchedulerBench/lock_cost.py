#!/usr/bin/env python3
"""The instructions a lock costs on the chip, read from the firmware's disassembly.

`lockProbe` (boards/stm32f407/SchedulerScenarios.swift) is a lock of a ceiling-2 resource around
`value += 1`. This walks its path in the steady state: the declared-resource check passes (the
branch that skips the misuse recorder, the code between `cpsid` and `cpsie`, is taken) and the
resource's address is already known (the branch that skips the first-use store is taken).
Usage: lock_cost.py fw.elf llvm-objdump
"""
import re, subprocess, sys

elf, objdump = sys.argv[1], sys.argv[2]
out = subprocess.run([objdump, "-d", "--no-show-raw-insn", "--mcpu=cortex-m4", elf],
                     capture_output=True, text=True, check=True).stdout

lines, inside = [], False
for line in out.splitlines():
    if re.match(r"^[0-9a-f]+ <.*lockProbe.*>:$", line):
        inside = True
        continue
    if inside:
        if not line.strip():
            break
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if m and not m.group(2).startswith("0x") and not re.match(r"^[0-9a-f]{2}$", m.group(2)):
            operands = re.sub(r"\s*[@<].*", "", m.group(3))
            lines.append((int(m.group(1), 16), m.group(2), operands))
if not lines:
    sys.exit("lock_cost: no lockProbe in " + elf)

index = {addr: i for i, (addr, _, _) in enumerate(lines)}
path, i = [], 0
while i < len(lines):
    addr, op, args = lines[i]
    path.append(lines[i])
    if op.startswith("pop") and "pc" in args or op == "bx":
        break
    target = re.search(r"0x([0-9a-f]+)", args)
    if op in ("b", "b.w") and target:
        i = index[int(target.group(1), 16)]
        continue
    if (op.startswith("b") and op not in ("bl", "bic", "bics", "bfi", "bfc") or op in ("cbz", "cbnz")) and target:
        dest = index[int(target.group(1), 16)]
        skipped = lines[i + 1:dest]
        if dest > i and any(o == "cpsid" or o.startswith("str") for _, o, _ in skipped):
            i = dest
            continue
    i += 1

entry = [p for p in path]
mrs = next(k for k, p in enumerate(path) if p[1] == "mrs" and "basepri" in p[2])
raise_ = next(k for k, p in enumerate(path) if p[1] == "msr" and "basepri_max" in p[2])
restore = next(k for k, p in enumerate(path) if p[1] == "msr" and p[2].startswith("basepri,"))
body = path[raise_ + 1:restore]
prologue = [p for p in path[:raise_ + 1] if not p[1].startswith("push")]
epilogue = [p for p in path[restore:] if not p[1].startswith("pop")]

print("lockProbe, the path a lock takes (steady state):")
for addr, op, args in path:
    print(f"  {addr:08x}  {op:8} {args}")
print(f"lock entry: {len(prologue)} instructions up to and including `msr basepri_max` "
      f"(BASEPRI itself: `mrs basepri` + `msr basepri_max`)")
print(f"unlock: {len(epilogue)} instructions (`msr basepri` + `isb`)")
print(f"the body (value += 1): {len(body)} instructions")
