# `make experiment-cfs`: build what the lab needs, run experiments/cfs.conf through the engine
# (a private supervisor), then render charts and REPORT.md into results/cfs/<run-id>/.
# PROFILE=quick runs the reduced profile (under a minute); WAKEUP_SOURCE=schedstat forces the
# wake-up experiment's fallback (default: perf where it can record). Included by the top Makefile.
.PHONY: experiment-cfs
experiment-cfs: deps all rootfs
	$(BUILD_DIR)/bin/lab $(if $(PROFILE),--profile $(PROFILE)) \
		$(if $(WAKEUP_SOURCE),--wakeup-source $(WAKEUP_SOURCE)) --results results/cfs experiments/cfs.conf; \
	rc=$$?; report/report.sh results/cfs/latest && exit $$rc

# `make experiment-memlimits`: run experiments/memlimits.conf through build/bin/memlab (private
# supervisors per backend and period), then charts and REPORT.md into results/memlimits/<run-id>/.
# PROFILE=quick runs the reduced profile (under a minute). VM=1 also runs it inside the QEMU guest
# with the kmod and cgroup v2 backends (ci/vm-experiment.sh) and merges those rows into the run.
.PHONY: experiment-memlimits
experiment-memlimits: deps all rootfs
	$(BUILD_DIR)/bin/memlab $(if $(PROFILE),--profile $(PROFILE)) --results results/memlimits experiments/memlimits.conf; \
	rc=$$?; \
	if [ "$(VM)" = 1 ]; then ci/vm-experiment.sh results/memlimits/latest $(PROFILE) || rc=1; fi; \
	report/memreport.sh results/memlimits/latest && exit $$rc

# `make experiment-kernels`: the CFS lab's definition on several kernels side by side: the host
# and QEMU guests booting Debian's 6.1 (CFS) and 6.12 (EEVDF); KERNELS="host 6.1 6.12" chooses,
# PROFILE=quick keeps each under a few minutes under software emulation. Per-kernel folders,
# the merge (build/bin/labmerge) and REPORT.md in results/kernels/<run-id>/ (ci/experiment-kernels.sh).
.PHONY: experiment-kernels
experiment-kernels: deps all rootfs
	KERNELS="$(KERNELS)" PROFILE="$(PROFILE)" ci/experiment-kernels.sh experiments/cfs.conf
