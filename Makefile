# Levee Node: the project's vocabulary.
#   make run       build and start a node on coap://127.0.0.1:5683 with simulated sensors
#   make test      everything: swift test, the firmware build and budget, the self-test in QEMU
#   make firmware  cross-build the core for the STM32F407 and print the memory budget
#   make qemu      boot the firmware in QEMU (netduinoplus2): the on-chip self-test, then the node run
#   make bench     benchmarks in release mode, peers side by side; writes bench/report.md
# Other areas add their targets in mk/*.mk (spec, fixtures, model, bench, ...).

SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT      ?= swift
SWIFTC     ?= swiftc
TOOLCHAIN  := $(dir $(shell command -v $(SWIFTC) 2>/dev/null))
LLD        := $(TOOLCHAIN)ld.lld
OBJCOPY    := $(TOOLCHAIN)llvm-objcopy
NM         := $(TOOLCHAIN)llvm-nm
BIND       ?= 127.0.0.1
PORT       ?= 5683
SCENARIO   ?= normal
SPEED      ?= 1

# Targets added by mk/*.mk: TEST_EXTRA runs after the core tests in `make test`, BENCH_EXTRA in
# `make bench` (each leaves a Markdown section in bench/sections/ for the report).
TEST_EXTRA :=
BENCH_EXTRA :=
-include mk/*.mk

.PHONY: help deps run test swift-test firmware firmware-baseline firmware-guard qemu qemu-faults bench clean

help:
	@sed -n '2,7p' Makefile | sed 's/^# *//'

# ---------------------------------------------------------------- dependencies
# Debian and PyPI packages the build and the tests need; tools/deps.sh installs the missing ones
# (apt-get when root, otherwise it prints the exact command and stops).
deps:
	@tools/deps.sh

# ---------------------------------------------------------------- host
run: deps
	$(SWIFT) build -c release --product levee-node
	.build/release/levee-node --bind $(BIND) --port $(PORT) --scenario $(SCENARIO) --speed $(SPEED)

swift-test: deps
	$(SWIFT) test

test: swift-test firmware firmware-guard qemu qemu-faults $(TEST_EXTRA)
	@echo "make test: all passed"

# ---------------------------------------------------------------- firmware (STM32F407)
BOARD        := boards/stm32f407
FW           := build/firmware
CORE_MODULES := LeveeBase LeveeCrypto LeveeScheduler LeveeNet LeveeCoAP LeveeWasm LeveeOTA LeveeApp LeveeSelfTest
LIBGCC       := $(firstword $(wildcard /usr/lib/gcc/arm-none-eabi/*/thumb/v7e-m+fp/softfp/libgcc.a))
EMBEDDED     := -target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -Osize \
                -parse-as-library -swift-version 6 -no-allocations \
                -Xfrontend -function-sections -Xfrontend -disable-stack-protector -Xcc -fno-pic
BOARD_SOURCES := $(filter-out $(BOARD)/Runtime.swift,$(wildcard $(BOARD)/*.swift))

# One .swiftmodule and one object per core module, each built after the one before it in
# CORE_MODULES (that order is also the dependency order). swiftc writes LLVM IR and clang turns it
# into the object with -fdata-sections: Embedded Swift emits a weak copy of a global in every module
# that specialises code using it, and only with a section per global can --gc-sections drop the
# unused copies (otherwise they stay in .data/.bss as dead RAM). swiftc leaves an unchanged output's
# timestamp alone, but generic code is emitted into the importing module, so every later module
# must rebuild: hence the touch.
CLANG_ARM := $(TOOLCHAIN)clang --target=armv7em-none-none-eabi -c -Os -ffunction-sections -fdata-sections -fno-pic \
             -Wno-override-module
define core_module
$(FW)/$(1).o: $(shell find Sources/$(1) -name '*.swift') $(2) | $(FW)/.dir
	$(SWIFTC) $(EMBEDDED) -module-name $(1) -I $(FW) -emit-module \
	  -emit-module-path $(FW)/$(1).swiftmodule $$(filter %.swift,$$^) -emit-ir -o $(FW)/$(1).ll
	$(CLANG_ARM) $(FW)/$(1).ll -o $$@
	@touch $$@
endef
$(foreach m,$(CORE_MODULES),$(eval $(call core_module,$(m),$(if $(PREV),$(FW)/$(PREV).o)))$(eval PREV := $(m)))

$(FW)/.dir:
	@mkdir -p $(FW) && touch $@

$(FW)/Board.o: $(BOARD_SOURCES) $(BOARD)/support.h $(FW)/LeveeSelfTest.o
	$(SWIFTC) $(EMBEDDED) -module-name Board -I $(FW) -import-bridging-header $(BOARD)/support.h \
	  $(BOARD_SOURCES) -emit-ir -o $(FW)/Board.ll
	$(CLANG_ARM) $(FW)/Board.ll -o $@
	@touch $@

# The memory routines: their own module, loop idioms off (or memcpy would call itself).
$(FW)/Runtime.o: $(BOARD)/Runtime.swift $(BOARD)/support.h | $(FW)/.dir
	rm -f $@
	$(SWIFTC) $(EMBEDDED) -module-name Runtime -import-bridging-header $(BOARD)/support.h \
	  -Xllvm -disable-loop-idiom-all $(BOARD)/Runtime.swift -c -o $@
	@touch $@

FW_OBJECTS := $(foreach m,$(CORE_MODULES),$(FW)/$(m).o) $(FW)/Board.o $(FW)/Runtime.o

$(FW)/fw.elf: $(FW_OBJECTS) $(BOARD)/stm32f407.ld
	$(LLD) --gc-sections -T $(BOARD)/stm32f407.ld -Map $(FW)/fw.map $(FW_OBJECTS) $(LIBGCC) -o $@

$(FW)/fw.bin: $(FW)/fw.elf
	$(OBJCOPY) -O binary $< $@

firmware: deps $(FW)/fw.bin
	@python3 tools/budget.py $(FW)/fw.elf --nm $(NM)

# Records the current totals in boards/stm32f407/budget-baseline.txt; `make firmware` then shows
# every change in size against it (commit the file with a change that moves the budget on purpose).
firmware-baseline: $(FW)/fw.bin
	@python3 tools/budget.py $(FW)/fw.elf --nm $(NM) --record | tail -2

# The guard: a deliberately allocating function must be rejected by the firmware build flags.
firmware-guard: | $(FW)/.dir
	@if $(SWIFTC) $(EMBEDDED) -module-name Guard tools/guards/Allocating.swift -c -o $(FW)/guard.o \
	     > $(FW)/guard.log 2>&1; then \
	  echo "firmware-guard: an allocating function compiled with -no-allocations"; exit 1; \
	elif grep -q "cannot use allocating type" $(FW)/guard.log; then \
	  echo "firmware-guard: heap use in the core is a compile error (ok)"; \
	else cat $(FW)/guard.log; exit 1; fi

# -icount: the emulated clock (SysTick, so the node run's task timings and deadlines) counts
# instructions, 8 ns each (125 MIPS, under a 168 MHz Cortex-M4), instead of following the loaded
# host's wall clock; sleep=off jumps over idle time, so the run is the same on every machine.
qemu: firmware
	@echo "qemu: booting $(FW)/fw.elf on netduinoplus2"
	timeout 60 qemu-system-arm -machine netduinoplus2 -nographic -monitor none -serial null \
	  -icount shift=3,sleep=off -semihosting-config enable=on,target=native -kernel $(FW)/fw.elf

# A fault must end the run with the fault handler's status (3 = HardFault), never hang or pass:
# an undefined instruction, and a write below the stack reserve (the stack sits at the bottom of
# SRAM, so running past it reaches unmapped memory instead of the statics).
qemu-faults: firmware
	@for test in udf stack; do \
	  timeout 60 qemu-system-arm -machine netduinoplus2 -nographic -monitor none -serial null \
	    -semihosting-config enable=on,target=native -kernel $(FW)/fw.elf -append fault-test:$$test \
	    > $(FW)/fault-$$test.log 2>&1; status=$$?; \
	  if [ $$status -eq 3 ] && grep -q "FAULT: HardFault" $(FW)/fault-$$test.log; then \
	    echo "qemu-faults: $$test -> HardFault, exit 3 (ok)"; \
	  else echo "qemu-faults: $$test -> exit $$status"; cat $(FW)/fault-$$test.log; exit 1; fi; \
	done

# ---------------------------------------------------------------- benchmarks (never timed tests)
# Release builds, peers side by side in one run, the report in bench/report.md with SVG plots.
bench: deps
	$(SWIFT) build -c release
	@mkdir -p bench/sections
	python3 tools/bench/coap_bench.py
	$(MAKE) --no-print-directory firmware > bench/budget.txt
	@for target in $(BENCH_EXTRA); do $(MAKE) --no-print-directory $$target || exit 1; done
	python3 tools/bench/report.py

clean:
	rm -rf build .build
