# Signed updates (issue 7): the envelope fixtures made by an independent implementation.
#   make ota-fixtures        regenerate fixtures/updates/ with pycose + cbor2 + PyNaCl (tools/ota-fixtures.py)
#   make ota-fixtures-check  regenerate into build/ and compare with the committed files (part of make test):
#                            proves the committed envelopes are what pycose makes and pycose verifies them
#   make ota-bench           envelope check and Ed25519 verification on the host (release build), against
#                            swift-crypto; a section of bench/report.md (part of make bench)
#   make ota-guests          the module slot's test guests (fixtures/ota-guests/guest.c) into build/ota-guests
#   make slot-bench          push and activate a 32 KiB module on loopback (release builds), a section of
#                            bench/report.md (part of make bench)

OTA_VENV   := .venv-ota
OTA_PYTHON := $(OTA_VENV)/bin/python

.PHONY: ota-fixtures ota-fixtures-check ota-bench ota-guests slot-bench

$(OTA_VENV)/.installed: tools/ota-requirements.txt tools/model/venv.sh
	tools/model/venv.sh $(OTA_VENV) tools/ota-requirements.txt

ota-fixtures: $(OTA_VENV)/.installed
	$(OTA_PYTHON) tools/ota-fixtures.py

ota-fixtures-check: $(OTA_VENV)/.installed
	@rm -rf build/ota-fixtures && mkdir -p build/ota-fixtures
	$(OTA_PYTHON) tools/ota-fixtures.py build/ota-fixtures
	@diff -r build/ota-fixtures fixtures/updates && echo "ota-fixtures-check: fixtures/updates matches pycose's output (ok)"

TEST_EXTRA += ota-fixtures-check

ota-bench:
	$(SWIFT) build -c release --product levee
	@mkdir -p bench/sections
	@{ echo "## Signed updates: verification on the host"; echo; \
	   echo "\`levee verify --repeat 300\` on fixtures/updates/valid.cose (release build):"; echo; echo '```'; \
	   .build/release/levee verify --trusted fixtures/updates/trusted-key.txt fixtures/updates/valid.cose --repeat 300; \
	   echo '```'; } | tee bench/sections/ota.md

BENCH_EXTRA += ota-bench

ota-guests:
	tools/ota/guests.sh

slot-bench:
	$(SWIFT) build -c release --product levee
	$(SWIFT) build -c release --product levee-node
	@mkdir -p bench/sections
	@{ echo "## Module slot: push and activate a 32 KiB module on loopback"; echo; echo '```'; \
	   tools/ota/slot-bench.sh; echo '```'; } | tee bench/sections/slot.md

BENCH_EXTRA += slot-bench
