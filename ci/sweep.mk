# `make sweep`: a definition split into units and run here one after another (SWEEP=local, the
# default) or as one Slurm job array with a merge job after it (SWEEP=slurm; SWEEP_SBATCH_FLAGS
# passes partition, node count, time limit to sbatch), into results/sweeps/<sweep-id>/ with its
# merged REPORT.md (ci/sweep.sh, experiments/README.md "Sweeps"). DEFINITION (default
# experiments/cfs.conf), PROFILE, UNITS (a subset, e.g. "pairs/0-vs-5 mix/mix").
# `make sweep-status` shows the latest sweep's progress (SWEEP_DIR=... another's). Included by
# the top Makefile.
.PHONY: sweep sweep-status
SWEEP ?= local
DEFINITION ?= experiments/cfs.conf
sweep: deps all rootfs
	@ci/sweep.sh --mode $(SWEEP) $(if $(PROFILE),--profile $(PROFILE)) $(if $(UNITS),--units "$(UNITS)") $(DEFINITION)

sweep-status:
	@ci/sweep.sh --status $(SWEEP_DIR)
