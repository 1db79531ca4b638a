# WebAssembly interpreter (Sources/LeveeWasm): spec tests, guest fixtures, benchmark.
#   make spec        the official tests of ../shared/wasm-spec (skipped when absent)
.PHONY: spec wasm-tools

TEST_EXTRA += spec

wasm-tools:
	@tools/wasm/wasm-tools.sh >/dev/null

spec:
	@tools/wasm/spec.sh
