# `make experiment-cfs`: build what the lab needs, run experiments/cfs.conf through the engine
# (a private supervisor), then render charts and REPORT.md into results/cfs/<run-id>/.
# PROFILE=quick runs the reduced profile (under a minute); WAKEUP_SOURCE=schedstat forces the
# wake-up experiment's fallback (default: perf where it can record). Included by the top Makefile.
.PHONY: experiment-cfs
experiment-cfs: deps all rootfs
	$(BUILD_DIR)/bin/lab $(if $(PROFILE),--profile $(PROFILE)) \
		$(if $(WAKEUP_SOURCE),--wakeup-source $(WAKEUP_SOURCE)) --results results/cfs experiments/cfs.conf; \
	rc=$$?; report/report.sh results/cfs/latest && exit $$rc
