# WebAssembly interpreter (Sources/LeveeWasm): spec tests, guest fixtures, benchmark.
#   make spec        the official tests of ../shared/wasm-spec (skipped when absent)
#   make fixtures    guest modules of fixtures/wasm/ (C and Embedded Swift) into build/wasm-fixtures
.PHONY: spec fixtures wasm-tools

TEST_EXTRA += spec

wasm-tools:
	@tools/wasm/wasm-tools.sh >/dev/null

spec:
	@tools/wasm/spec.sh

fixtures:
	@tools/wasm/fixtures.sh
