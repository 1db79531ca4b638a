#!/usr/bin/env python3
"""The firmware's memory budget: flash and RAM of fw.elf against the STM32F407's 1 MiB / 128 KiB.

Flash is broken down by module (each core module is its own object file, so the linker map says
exactly where every byte comes from); RAM by named static buffer (the symbols of .data and .bss,
demangled) plus the stack reserve the linker script sets; the largest stack frames from the
disassembly. Exits 1 when either budget is exceeded or a frame is over `FRAME_LIMIT`.
A recorded baseline (boards/stm32f407/budget-baseline.txt), when present, is shown beside each total.
"""
import argparse, os, re, shutil, subprocess, sys
from collections import defaultdict

LINKER_SCRIPT = "boards/stm32f407/stm32f407.ld"
FLASH_SECTIONS = (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".data")
RAM_SECTIONS = (".data", ".bss", ".stack")


def memory_lengths(linker_script):
    """FLASH and RAM lengths from the MEMORY block: the linker script is the one place they are set."""
    lengths = {}
    for m in re.finditer(r"^\s*(\w+)\s*\([^)]*\)\s*:\s*ORIGIN\s*=\s*\w+\s*,\s*LENGTH\s*=\s*(\d+)([KM]?)",
                         open(linker_script).read(), re.M):
        lengths[m.group(1)] = int(m.group(2)) * {"": 1, "K": 1024, "M": 1024 * 1024}[m.group(3)]
    return lengths["FLASH"], lengths["RAM"]


def section_sizes(elf, readelf):
    out = subprocess.run([readelf, "-S", "-W", elf], capture_output=True, text=True, check=True).stdout
    sizes = {}
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m:
            sizes[m.group(1)] = int(m.group(2), 16)
    return sizes


def module_of_section(section):
    """The Swift module a function or constant belongs to, from its mangled name.

    Embedded Swift emits generic code where it is specialised (often in the board's object), so the
    mangled name, not the object file, says whose code it is: `$e9LeveeCoAP...` is LeveeCoAP's.
    """
    symbol = section.split(".", 2)[-1] if section.count(".") >= 2 else ""
    m = re.match(r"\$e(\d+)", symbol)
    if m:
        n = int(m.group(1))
        start = m.end()
        return symbol[start:start + n]
    if symbol.startswith("$es"):
        return "Swift (stdlib)"
    if symbol.startswith("swift_"):
        return "Swift (runtime)"
    return None


def flash_by_object(map_path):
    """Bytes of flash sections per input object, from lld's -Map output."""
    per = defaultdict(int)
    out_col = in_col = None
    current = None
    for line in open(map_path):
        if out_col is None:
            if "Out" in line and "In" in line:
                out_col, in_col = line.index("Out"), line.index("In ")
            continue
        fields = line.split()
        if len(fields) < 5:
            continue
        col = line.index(fields[4], len(" ".join(fields[:4])))
        if col <= out_col:
            current = fields[4]
        elif col <= in_col and current in FLASH_SECTIONS and ":(" in fields[4]:
            size = int(fields[2], 16)
            obj, _, section = fields[4].partition(":(")
            owner = module_of_section(section.rstrip(")"))
            if owner:
                per[owner] += size
                continue
            name = os.path.basename(obj)
            if name.endswith(".o"):
                name = name[:-2]
            elif "libgcc" in obj:
                name = "libgcc"
            elif obj.startswith("<internal>"):
                name = "string literals (merged by the linker)"
            per[name] += size
    return per


def ram_symbols(elf, nm):
    out = subprocess.run([nm, "--print-size", "--size-sort", "--reverse-sort", elf],
                         capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        # Only what lives in SRAM (a const table in flash can still be typed 'd').
        if len(parts) == 4 and parts[2] in "bBdD" and int(parts[0], 16) >= 0x20000000:
            syms.append((int(parts[1], 16), parts[3]))
    names = [s for _, s in syms]
    demangled = names
    if names:
        try:
            r = subprocess.run(["swift-demangle", "--simplified", "--compact"], input="\n".join(names),
                               capture_output=True, text=True, check=True)
            demangled = r.stdout.splitlines()
        except (OSError, subprocess.CalledProcessError):
            pass
    return [(size, d) for (size, _), d in zip(syms, demangled)]


# No function may reserve more stack than this in one frame: a third of the 24 KiB reserve. A
# static built by a one-time initialiser through stack temporaries (36.9 KB for a NodeService
# holding 100 observers) shows up here at build time instead of as a lock-up in QEMU.
FRAME_LIMIT = 8192


def stack_frames(elf, objdump, nm):
    """Bytes each function reserves on the stack (its `sub sp` adjustments), largest first.

    Read from the disassembly: Thumb-2 reserves a frame with `sub sp, #imm` / `sub.w sp, sp, #imm`,
    or, past the immediate's range, `movw rN, #imm` then `sub sp, rN`. Pushed registers not counted.
    """
    import bisect
    syms = []
    out = subprocess.run([nm, "--print-size", "--defined-only", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW":
            syms.append((int(p[0], 16) & ~1, int(p[1], 16), p[3]))
    syms.sort()
    starts = [s[0] for s in syms]
    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", "--triple=thumbv7em-none-eabi", "--mcpu=cortex-m4", elf],
                         capture_output=True, text=True, check=True).stdout
    frames, regs, current = defaultdict(int), {}, None
    for line in dis.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", line)
        if not m:
            continue
        address, ins = int(m.group(1), 16), m.group(2)
        i = bisect.bisect_right(starts, address) - 1
        if i < 0 or address >= syms[i][0] + max(syms[i][1], 2):
            continue
        name = syms[i][2]
        if name != current:
            current, regs = name, {}
        m = re.search(r"\bmov[sw]?(?:\.w)?\s+(r\d+), #(0x[0-9a-f]+|\d+)", ins)
        if m:
            regs[m.group(1)] = int(m.group(2), 0)
        m = re.search(r"\bmovt\s+(r\d+), #(0x[0-9a-f]+|\d+)", ins)
        if m and m.group(1) in regs:
            regs[m.group(1)] |= int(m.group(2), 0) << 16
        m = re.search(r"\bsubw?(?:\.w)?\s+sp,\s*(?:sp,\s*)?#(0x[0-9a-f]+|\d+)", ins)
        if m:
            frames[name] += int(m.group(1), 0)
        m = re.search(r"\bsub(?:\.w)?\s+sp,\s*(?:sp,\s*)?(r\d+)\s*$", ins)
        if m and m.group(1) in regs:
            frames[name] += regs[m.group(1)]
    return sorted(frames.items(), key=lambda kv: -kv[1])


def demangle(names):
    try:
        r = subprocess.run(["swift-demangle", "--simplified", "--compact"], input="\n".join(names),
                           capture_output=True, text=True, check=True)
        return r.stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return names


def load_baseline(path):
    base = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.partition("=")
            if v.strip().isdigit():
                base[k.strip()] = int(v)
    return base


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("--nm", default="llvm-nm")
    ap.add_argument("--readelf", default="arm-none-eabi-readelf")
    ap.add_argument("--baseline", default="boards/stm32f407/budget-baseline.txt")
    ap.add_argument("--linker-script", default=LINKER_SCRIPT)
    ap.add_argument("--record", action="store_true", help="write the current totals as the baseline")
    args = ap.parse_args()

    FLASH_LIMIT, RAM_LIMIT = memory_lengths(args.linker_script)
    sec = section_sizes(args.elf, args.readelf)
    flash = sum(sec.get(s, 0) for s in FLASH_SECTIONS)
    ram = sum(sec.get(s, 0) for s in RAM_SECTIONS)
    base = load_baseline(args.baseline)

    def delta(key, value):
        return f"  ({value - base[key]:+d} B vs baseline)" if key in base and value != base[key] else ""

    print("Firmware budget (STM32F407)")
    print(f"  flash  {flash:8d} B of {FLASH_LIMIT} B  ({100 * flash / FLASH_LIMIT:5.1f} %){delta('flash', flash)}")
    print(f"  RAM    {ram:8d} B of {RAM_LIMIT} B  ({100 * ram / RAM_LIMIT:5.1f} %){delta('ram', ram)}")
    print("Flash by module (text + rodata + data image):")
    map_path = os.path.join(os.path.dirname(args.elf), "fw.map")
    if os.path.exists(map_path):
        per = flash_by_object(map_path)
        for name, size in sorted(per.items(), key=lambda kv: -kv[1]):
            print(f"  {name:24s} {size:8d} B")
    print("RAM by named buffer:")
    print(f"  {'stack reserve (shared by all tasks)':60s} {sec.get('.stack', 0):8d} B")
    syms = ram_symbols(args.elf, args.nm)
    shown = 0
    for size, name in syms:
        if shown < 20 and size >= 16:
            print(f"  {name[:60]:60s} {size:8d} B")
            shown += 1
    other = sec.get(".data", 0) + sec.get(".bss", 0) - sum(s for s, _ in syms[:shown])
    if other > 0:
        print(f"  {'other statics and padding':60s} {other:8d} B")

    objdump = os.path.join(os.path.dirname(shutil.which(args.nm) or args.nm), "llvm-objdump")
    frames = stack_frames(args.elf, objdump if os.path.exists(objdump) else "llvm-objdump", args.nm)
    print(f"Largest stack frames (limit {FRAME_LIMIT} B per frame):")
    for (name, size), readable in zip(frames[:6], demangle([n for n, _ in frames[:6]])):
        print(f"  {readable[:60]:60s} {size:8d} B")
    too_big = [(n, size) for n, size in frames if size > FRAME_LIMIT]

    if args.record:
        with open(args.baseline, "w") as f:
            f.write(f"flash = {flash}\nram = {ram}\n")
        print(f"budget: baseline recorded in {args.baseline}")
    ok = flash <= FLASH_LIMIT and ram <= RAM_LIMIT
    print(f"budget: {'within' if ok else 'OVER'} budget")
    if too_big:
        print(f"budget: FAIL {len(too_big)} stack frame(s) over {FRAME_LIMIT} B, the largest {too_big[0][1]} B")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
