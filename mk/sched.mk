# The scheduler (issue 3): the chip prints the same traces as the host's golden files; the cost of
# its hot paths on the host and of a lock on the chip.
#   make sched-qemu-traces   boot the firmware in QEMU, compare every scheduler trace with
#                            Tests/LeveeSchedulerTests/golden/NAME.txt (part of `make test`)
#   make bench-sched         host benchmark of lock/unlock, spawn-to-dispatch and timers (release
#                            build with cross-module optimisation, its own build directory)
#   make sched-lock-cost     the instructions of a lock on the chip, from the firmware's disassembly

SCHED_GOLDEN := Tests/LeveeSchedulerTests/golden
SCHED_TRACES := lock preempt message capacity schedule periodic analysis

.PHONY: sched-qemu-traces bench-sched sched-lock-cost

sched-qemu-traces: firmware
	@timeout 60 qemu-system-arm -machine netduinoplus2 -nographic -monitor none -serial null \
	  -semihosting-config enable=on,target=native -kernel $(FW)/fw.elf > $(FW)/sched-qemu.log 2>&1; \
	status=$$?; if [ $$status -ne 0 ]; then \
	  echo "sched-qemu-traces: firmware exited with status $$status"; cat $(FW)/sched-qemu.log; exit 1; fi
	@for t in $(SCHED_TRACES); do \
	  awk -v name="$$t" '$$0 == "trace " name " end" {on=0} on {print} $$0 == "trace " name " begin" {on=1}' \
	    $(FW)/sched-qemu.log > $(FW)/sched-trace-$$t.txt; \
	  if diff -u $(SCHED_GOLDEN)/$$t.txt $(FW)/sched-trace-$$t.txt > $(FW)/sched-trace-$$t.diff && \
	     [ -s $(FW)/sched-trace-$$t.txt ]; then echo "sched-qemu-traces: $$t matches the golden trace"; \
	  else echo "sched-qemu-traces: $$t differs on the chip:"; cat $(FW)/sched-trace-$$t.diff; exit 1; fi; \
	done

# Cross-module optimisation lets the benchmark specialise the scheduler's generics as the firmware
# build does; SCHED_BENCH_FLAGS= measures the plain release build instead.
SCHED_BENCH_FLAGS ?= -Xswiftc -cross-module-optimization
bench-sched:
	$(SWIFT) build -c release --product sched-bench --build-path .build/bench $(SCHED_BENCH_FLAGS)
	.build/bench/release/sched-bench

sched-lock-cost: firmware
	@python3 Benchmarks/SchedulerBench/lock_cost.py $(FW)/fw.elf $(TOOLCHAIN)llvm-objdump

TEST_EXTRA += sched-qemu-traces
