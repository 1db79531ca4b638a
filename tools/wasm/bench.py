#!/usr/bin/env python3
"""make bench-wasm: the benchmark kernels (fixtures/wasm/bench/kernels.c) on this interpreter
(`levee wasm run --stats`, release build), WasmKit (`wasmkit run --verbose`), wasm3 (pywasm3),
wasmtime (PyPI) and native C from the same source. Times are of the call only (no parsing or
compilation), the best of REPEAT runs; the table gives milliseconds and the ratio to native.
Usage: bench.py BUILD_DIR LEVEE [REPEAT]"""
import math, re, subprocess, sys, time

build, levee = sys.argv[1], sys.argv[2]
repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
module = f"{build}/kernels.wasm"
KERNELS = [("gemm", 4), ("jacobi", 200), ("dense", 2000), ("crc32", 20), ("fib", 25)]


def best(f):
    runs = [f() for _ in range(repeat)]
    return min(r[0] for r in runs), runs[0][1]


def native(k, n):
    out = subprocess.run([f"{build}/kernels-native", k, str(n)], capture_output=True, text=True, check=True).stdout.split()
    return float(out[1]), out[0]


def levee_run(k, n):
    out = subprocess.run([levee, "wasm", "run", "--stats", module, k, str(n)], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"time: ([0-9.]+) ms", out).group(1)), out.splitlines()[0].split(":")[1]


def wasmkit(k, n):
    out = subprocess.run(["wasmkit", "run", "--verbose", module, k, f"i32:{n}"], capture_output=True, text=True, check=True)
    text = out.stdout + out.stderr
    t = float(re.search(r"Finished invoking function .*: ([0-9.e-]+) seconds", text).group(1)) * 1000
    return t, re.search(r"\((-?[0-9.e+-]+)\)\]", text).group(1)


def wasm3_factory():
    import wasm3
    env = wasm3.Environment()
    data = open(module, "rb").read()

    def run(k, n):
        rt = env.new_runtime(1 << 20)
        rt.load(env.parse_module(data))
        f = rt.find_function(k)
        t = time.perf_counter()
        r = f(n)
        return (time.perf_counter() - t) * 1000, r
    return run


def wasmtime_factory():
    import wasmtime
    engine = wasmtime.Engine()
    mod = wasmtime.Module.from_file(engine, module)

    def run(k, n):
        store = wasmtime.Store(engine)
        inst = wasmtime.Instance(store, mod, [])
        f = inst.exports(store)[k]
        t = time.perf_counter()
        r = f(store, n)
        return (time.perf_counter() - t) * 1000, r
    return run


engines = [("native", native), ("levee", levee_run), ("wasmkit", wasmkit)]
for name, factory in (("wasm3", wasm3_factory), ("wasmtime", wasmtime_factory)):
    try:
        engines.append((name, factory()))
    except Exception as e:  # a missing PyPI package: say so and go on
        print(f"bench: {name} unavailable ({e}); pip install {'pywasm3' if name == 'wasm3' else 'wasmtime'}")

results = {}
for k, n in KERNELS:
    for name, run in engines:
        try:
            results[(k, name)] = best(lambda: run(k, n))
        except Exception as e:
            print(f"bench: {name} {k}: {e}")
names = [e[0] for e in engines]
print(f"\nkernel ({'/'.join(str(n) for _, n in KERNELS)})".ljust(22) + "".join(f"{n:>18}" for n in names))
for k, n in KERNELS:
    base = results.get((k, "native"), (None,))[0]
    row = f"{k} {n}".ljust(22)
    for name in names:
        if (k, name) in results:
            t = results[(k, name)][0]
            row += f"{t:10.2f} ms {t / base:5.1f}x" if base else f"{t:10.2f} ms      "
        else:
            row += " " * 18
    print(row)
row = "geomean vs native".ljust(22)
for name in names:
    ratios = [results[(k, name)][0] / results[(k, "native")][0] for k, _ in KERNELS if (k, name) in results and (k, "native") in results]
    row += f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):17.1f}x" if len(ratios) == len(KERNELS) else " " * 18
print(row)
print("\nchecksums: " + "; ".join(f"{k}: " + ", ".join(f"{name}={results[(k, name)][1]}" for name in names if (k, name) in results) for k, _ in KERNELS))
