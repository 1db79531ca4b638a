#!/bin/sh
# make bench-wasm: release build of levee, the fixtures, then tools/wasm/bench.py.
set -e
cd "$(dirname "$0")/../.."
python3 -c "import wasm3, wasmtime" 2>/dev/null || pip install -q pywasm3 wasmtime || \
    echo "bench: could not install; run: pip install pywasm3 wasmtime"
swift build -c release --product levee >/dev/null
exec python3 tools/wasm/bench.py build/wasm-fixtures .build/release/levee "${REPEAT:-3}"
