# `make regress-sched`: the scheduler-timing gate (ci/regress-sched, ci/REGRESS.md); `make baseline`
# refreshes results/baseline/cfs-quick.csv and its provenance from a fresh run and prints the diff.
# Included by the top Makefile (needs BUILD_DIR); both run as root. REGRESS_FLAGS passes options through.
.PHONY: regress-sched baseline
regress-sched: deps all rootfs
	@ci/regress-sched --lab $(BUILD_DIR)/bin/lab $(REGRESS_FLAGS)

baseline: deps all rootfs
	@ci/regress-sched --lab $(BUILD_DIR)/bin/lab --update-baseline
