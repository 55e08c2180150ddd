# `make regress-sched`: the scheduler gate (ci/regress-sched drives build/bin/lab and build/bin/regress-gate,
# ci/REGRESS.md); `make baseline` records a fresh complete run as results/baseline/cfs-quick.csv with its
# provenance, or refuses it. Included by the top Makefile (needs BUILD_DIR); both run as root.
# REGRESS_FLAGS passes options through (e.g. --junit FILE; --inject-nice-step only with HOGLAB_TEST_FAULTS=1).
.PHONY: regress-sched baseline
regress-sched: deps all rootfs
	@ci/regress-sched --lab $(BUILD_DIR)/bin/lab $(REGRESS_FLAGS)

baseline: deps all rootfs
	@ci/regress-sched --lab $(BUILD_DIR)/bin/lab --update-baseline
