# LeveeNet: the node's own network stack. `make lan-test` runs LAN mode end to end in network
# namespaces (ping, arping, CoAP unicast + multicast, DHCP from dnsmasq, tshark on the capture);
# it skips with a message where namespaces are not allowed.
.PHONY: lan-test
lan-test: deps
	$(SWIFT) build --product levee-node
	Tests/LANTests/lan-test.sh .build/debug/levee-node

TEST_EXTRA += lan-test

# Socket mode's --capture (raw IP), decoded by tshark; needs no privileges.
.PHONY: capture-test
capture-test: deps
	$(SWIFT) build --product levee-node
	Tests/LANTests/socket-capture-test.sh .build/debug/levee-node

TEST_EXTRA += capture-test

# LAN mode against socket mode under the same CoAP load (release build; a section of bench/report.md).
.PHONY: bench-lan
bench-lan: deps
	$(SWIFT) build -c release --product levee-node
	$(SWIFT) build -c release --product levee
	@mkdir -p bench/sections
	python3 Tests/LANTests/lan_bench.py

BENCH_EXTRA += bench-lan
