# WebAssembly interpreter (Sources/LeveeWasm): spec tests, guest fixtures, benchmark.
#   make spec        the official tests of ../shared/wasm-spec (skipped when absent)
#   make fixtures    guest modules of fixtures/wasm/ (C and Embedded Swift) into build/wasm-fixtures
#   make bench-wasm  the kernels on this interpreter, WasmKit, wasm3, wasmtime and native C
.PHONY: spec fixtures bench-wasm wasm-tools

BENCH_EXTRA += bench-wasm

TEST_EXTRA += spec

wasm-tools:
	@tools/wasm/wasm-tools.sh >/dev/null

spec:
	@tools/wasm/spec.sh

fixtures:
	@tools/wasm/fixtures.sh

bench-wasm: fixtures
	@tools/wasm/bench.sh
