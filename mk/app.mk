# The levee application domain: `make scenarios` runs the simulated seasons in virtual time
# (storm surge, seepage anomaly, sensor faults, the NRFA replay when ../shared is there) and prints
# the risk-level timelines. They are part of `swift test` as well.
.PHONY: scenarios
scenarios: deps
	$(SWIFT) test --filter LeveeAppDomainTests 2>&1 | grep -Ev '^(Test Case .* started|Test Suite .* started)'
