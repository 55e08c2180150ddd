# `make stress`: the engine's long stress profile (ci/stress.sh: 8 x 250 start/stop/rm cycles,
# 4 x 256 MiB logs, exit statuses, reaping, faults, bad input, hostile rootfs, isolation) into
# results/stress/<run-id>/summary.csv (and params.txt) plus results/stress/latest. Runs as root.
# Included by the top Makefile (needs BUILD_DIR); STRESS_PROFILE=short runs the make-test profile.
.PHONY: stress
STRESS_PROFILE ?= long

stress: deps all rootfs
	@run=$$(date -u +%Y%m%dT%H%M%SZ) && mkdir -p results/stress/$$run && \
	ln -sfn $$run results/stress/latest && \
	BIN=$(CURDIR)/$(BUILD_DIR)/bin ci/stress.sh --profile $(STRESS_PROFILE) --out results/stress/$$run
