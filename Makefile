# hoglab: the one entry point. Each part builds in its own folder (see README.md);
# binaries land in build/bin (build/asan/bin with ASAN=1), the rootfs in rootfs/.
.DELETE_ON_ERROR:
.PHONY: all deps rootfs test test-unit test-integration vm-test kmod bench fuzz clean \
        lib workloads runtime experiments

PARTS := lib workloads runtime experiments
BUILD_DIR := $(if $(filter 1,$(ASAN)),build/asan,build)

all: $(PARTS)

include experiments/experiment.mk
include ci/regress.mk
include ci/stress.mk
include ci/sweep.mk

$(PARTS):
	@if [ -f $@/Makefile ]; then $(MAKE) -C $@; fi

# lib/ first, then runtime/ (the lab links both): no two parts build one archive at once.
runtime: lib
experiments: lib runtime

# Everything on a fresh machine: install what is missing (only when missing).
deps:
	@ci/deps.sh

rootfs: workloads
	@ci/mkrootfs.sh

kmod:
	$(MAKE) -C kmod $(if $(KDIR),KDIR=$(KDIR))

vm-test: deps workloads runtime
	@tests/vm/run-vm-tests.sh

bench: deps all rootfs
	@ci/bench.sh

# Everything: the suites, the kernel module in QEMU, the fuzzers, and unit + integration once
# more against the sanitizer build.
test: deps all rootfs
	@$(MAKE) --no-print-directory ASAN=1 all
	@BIN=$(CURDIR)/$(BUILD_DIR)/bin tests/run.sh unit integration vm fuzz asan

# libFuzzer targets, FUZZ_SECONDS each (default 60), from the committed corpus.
fuzz: deps
	@tests/run.sh fuzz

test-unit: all
	@BIN=$(CURDIR)/$(BUILD_DIR)/bin tests/run.sh unit

test-integration: all rootfs
	@BIN=$(CURDIR)/$(BUILD_DIR)/bin tests/run.sh integration

clean:
	rm -rf build rootfs engine
	@if [ -f kmod/Makefile ]; then $(MAKE) -C kmod clean; fi
	find results -mindepth 1 -maxdepth 1 ! -name baseline -exec rm -rf {} +
