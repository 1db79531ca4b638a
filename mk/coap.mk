# The CoAP server (issue 4). `make test` runs its tests through `swift test`; these are the quick
# ways in while working on it.
#   make coap-test      unit, bad-input, fuzz, allocation and interop tests (libcoap as the peer)
#   make coap-interop   only the interop tests against levee-node on a UDP socket (IPv4 and IPv6)
.PHONY: coap-test coap-interop

coap-test: deps
	$(SWIFT) build --product levee-node
	$(SWIFT) test --filter 'LeveeCoAPTests|CoAPInteropTests'

coap-interop: deps
	$(SWIFT) build --product levee-node
	$(SWIFT) test --filter CoAPInteropTests

# Heap allocations per CoAP request and per Wasm call in steady state (release build, the malloc
# family interposed): a section of bench/report.md. Fails when anything allocates.
.PHONY: bench-alloc
BENCH_EXTRA += bench-alloc
bench-alloc: fixtures
	$(SWIFT) build -c release --product alloc-bench
	.build/release/alloc-bench build/wasm-fixtures/kernels.wasm
