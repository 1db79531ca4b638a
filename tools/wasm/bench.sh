#!/bin/sh
# make bench-wasm: release build of levee, the fixtures, then tools/wasm/bench.py.
set -e
cd "$(dirname "$0")/../.."
python3 -c "import wasm3, wasmtime" 2>/dev/null || pip install -q pywasm3 wasmtime || \
    echo "bench: could not install; run: pip install pywasm3 wasmtime"
swift build -c release --product levee >/dev/null
# The table also goes into the report (bench/report.md) as a section of its own.
mkdir -p bench/sections
python3 tools/wasm/bench.py build/wasm-fixtures .build/release/levee "${REPEAT:-3}" | tee bench/wasm.txt
{
    echo "## WebAssembly kernels: this interpreter, WasmKit, wasm3, wasmtime and native C"
    echo
    echo "Best of ${REPEAT:-3} calls per engine, one run, the same module (\`fixtures/wasm/bench/kernels.c\`); ratios to native."
    echo
    echo '```'
    grep -v '^checksums' bench/wasm.txt
    echo '```'
} > bench/sections/wasm.md
