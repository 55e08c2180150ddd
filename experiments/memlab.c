/* memlab: the memory-limit lab's runner. Reads memlimits.conf, runs memory_hog through a
 * private supervisor per (backend, sampling period), samples each container's RSS itself,
 * pairs the supervisor's events with those samples and leaves samples.csv, runs.csv, cost.csv,
 * summary.csv and meta in a run folder; --summarize recomputes summary.csv from the CSVs
 * (after rows of another machine were appended). This file: options, setup and the run folder;
 * the plan, runs and summary are memplan.c, memrun.c and memsum.c. Single-threaded apart from
 * csvout's writer. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "labsup.h"
#include "memlab.h"
#include "lib/cgroupfs.h"

/* What the command line asked for, beyond what goes straight into struct memlab. */
struct mem_args {
	const char *results, *backends, *modes, *rootfs, *sum_dir, *def;
	uint64_t seed;
	bool have_seed;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: memlab [--profile NAME] [--results DIR] [--backends LIST] [--kmod-modes LIST]\n"
		"              [--rootfs DIR] [--machine NAME] [--run-base N] [--seed N] DEFINITION\n"
		"       memlab --summarize RUN_DIR\n"
		"Runs the memory-limit experiments of DEFINITION (experiments/memlimits.conf) through\n"
		"private supervisors and writes DIR/<run-id>/{samples,runs,cost,summary}.csv and meta;\n"
		"DIR/latest points at it.\n"
		"  --profile NAME  apply the definition's NAME.key overrides (e.g. quick)\n"
		"  --results DIR   where run folders go (default results/memlimits)\n"
		"  --backends LIST backends to run, e.g. \"kmod cgroup\" (default: each section's)\n"
		"  --kmod-modes LIST  kmod's modes, each a group of its own (default \"scan event\")\n"
		"  --rootfs DIR    rootfs of the containers (default: the definition's)\n"
		"  --machine NAME  the machine column of every row (default host)\n"
		"  --run-base N    number runs from N + 1 (to merge runs of several machines)\n"
		"  --seed N        shuffle seed (default: the definition's, else from the clock)\n"
		"  --summarize RUN_DIR  only recompute RUN_DIR/summary.csv from its runs.csv and cost.csv\n");
}

/* Fills L and a; -1 to go on, else the exit status (usage, --help, a bad value). */
static int args_parse(int argc, char **argv, struct memlab *L, struct mem_args *a)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "results", required_argument, NULL, 'r' },
		{ "backends", required_argument, NULL, 'b' }, { "rootfs", required_argument, NULL, 'R' },
		{ "machine", required_argument, NULL, 'm' }, { "run-base", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 'S' },     { "summarize", required_argument, NULL, 's' },
		{ "kmod-modes", required_argument, NULL, 'M' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': L->profile = optarg; break;
		case 'r': a->results = optarg; break;
		case 'b': a->backends = optarg; break;
		case 'M': a->modes = optarg; break;
		case 'R': a->rootfs = optarg; break;
		case 'm':
			if (!*optarg || strlen(optarg) > 31 || strpbrk(optarg, ",\"\n")) {
				fprintf(stderr, "memlab: invalid --machine '%s' (1..31 characters, no comma or quote)\n", optarg);
				return 2;
			}
			L->machine = optarg;
			break;
		case 'B':
			errno = 0;
			L->run_base = (int)strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || L->run_base < 0 || L->run_base > 100000000) {
				fprintf(stderr, "memlab: invalid --run-base '%s'\n", optarg);
				return 2;
			}
			break;
		case 'S':
			errno = 0;
			a->seed = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				fprintf(stderr, "memlab: invalid --seed '%s'\n", optarg);
				return 2;
			}
			a->have_seed = true;
			break;
		case 's': a->sum_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (a->sum_dir && optind == argc)
		return -1;
	if (a->sum_dir || optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	a->def = argv[optind];
	return -1;
}

/* The definition, the backends this machine has, the plan, and where the binaries and rootfs
 * are; 0, else the exit status after one line on stderr. */
static int setup(struct memlab *L, struct mem_args *a)
{
	char err[1024] = "", exe[PATH_MAX];
	struct utsname u;
	ssize_t n;
	int rc;

	if (memlab_modes_parse(L, a->modes, err, sizeof(err))) {
		fprintf(stderr, "memlab: %s\n", err);
		return 2;
	}
	snprintf(L->kernel, sizeof(L->kernel), "%s", uname(&u) ? "unknown" : u.release);

	if (lab_conf_load(&L->conf, a->def, L->profile, err, sizeof(err))) {
		fprintf(stderr, "memlab: %s\n", err);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "memlab: needs root (containers, cgroups, the module's period)\n");
		return 1;
	}
	for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++)
		memlab_backend_check(b, L->why_not[b], sizeof(L->why_not[b]));
	if (!a->have_seed)
		a->seed = L->conf.seed ? L->conf.seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	L->rng = a->seed ^ 0x9e3779b97f4a7c15ull;
	rc = memlab_plan(L, a->backends, a->seed, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "memlab: %s\n", rc == -ENOMEM ? "out of memory" : err);
		return rc == -ENOMEM ? 1 : 2;
	}
	for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++)
		if (L->want[b] && L->why_not[b][0])
			fprintf(stderr, "memlab: backend %s left out: %s\n", proto_monitor_name(b), L->why_not[b]);
	if (L->floor_skips)
		fprintf(stderr, "memlab: kmod periods below the module's %d ms floor left out (%d)\n", KMOD_PERIOD_MIN_MS,
			L->floor_skips);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "memlab: cannot find my own binary: %s\n", strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(L->bin_dir, sizeof(L->bin_dir), "%s", exe);
	if (!realpath(a->rootfs ? a->rootfs : L->conf.rootfs, L->rootfs)) {
		fprintf(stderr, "memlab: rootfs %s: %s (make rootfs builds it)\n", a->rootfs ? a->rootfs : L->conf.rootfs,
			strerror(errno));
		return 1;
	}
	return 0;
}

static int tables_open(struct memlab *L)
{
	static const char *const samples_cols[] = { "machine", "run", "t_ms", "rss_kib" };
	static const char *const runs_cols[] = {
		"machine", "run", "order", "experiment", "backend", "period_ms", "rate_set", "rep", "soft_mib", "hard_mib",
		"state", "rate_mibs", "soft_cross_ms", "soft_event_ms", "soft_delay_ms", "soft_rss_kib", "soft_events",
		"hard_cross_ms", "hard_cross_extrapolated", "kill_event_ms", "end_ms", "detect_ms", "rss_kill_kib",
		"overshoot_mib", "peak_sample_kib", "peak_sample_over_mib", "samples", "ok", "start_mono_ms",
		"kernel", "monitor_mode", "file_rss_kib"
	};
	static const char *const cost_cols[] = { "machine", "backend", "period_ms", "containers", "rep", "window_ms",
						 "cpu_ns", "samples", "us_per_sample", "us_per_container_sample",
						 "kernel", "monitor_mode" };
	char path[PATH_MAX + 16];
	int rc = csvout_create(&L->csv, 4 << 20);

#define TABLE(t, name, cols)                                                                           \
	if (!rc) {                                                                                      \
		snprintf(path, sizeof(path), "%s/%s", L->run_dir, name);                                \
		rc = csvout_table_open(L->csv, &L->t, path, cols, sizeof(cols) / sizeof(cols[0]));      \
	}
	TABLE(t_samples, "samples.csv", samples_cols)
	TABLE(t_runs, "runs.csv", runs_cols)
	TABLE(t_cost, "cost.csv", cost_cols)
#undef TABLE
	return rc;
}

static void meta_write(struct memlab *L, const char *def, uint64_t seed)
{
	char path[PATH_MAX + 16];
	struct cgroup_host cg;
	FILE *f;

	snprintf(path, sizeof(path), "%s/meta", L->run_dir);
	f = fopen(path, "we");
	if (!f)
		return;
	labsup_meta_machine(f);
	fprintf(f, "machine=%s\ndefinition=%s\nprofile=%s\nseed=%llu\nsample_ms=%d\nrootfs=%s\n", L->machine, def,
		L->profile ? L->profile : "default", (unsigned long long)seed, L->conf.sample_ms, L->rootfs);
	cgroup_detect(&cg);
	fprintf(f, "cgroup_memory=%s\n", cg.mem.version == 1 ? "v1" : "v2");
	if (L->want[PROTO_MONITOR_KMOD])
		fprintf(f, "kmod_modes=%s%s%s\n", L->kmod_mode[MEM_MODE_SCAN] ? "scan" : "",
			L->kmod_mode[MEM_MODE_SCAN] && L->kmod_mode[MEM_MODE_EVENT] ? " " : "",
			L->kmod_mode[MEM_MODE_EVENT] ? "event" : "");
	for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++)
		if (L->want[b])
			fprintf(f, "backend_%s=%s\n", proto_monitor_name(b), L->why_not[b][0] ? L->why_not[b] : "ran");
	if (L->floor_skips)
		fprintf(f, "kmod_period_floor=%d ms (the module's period_ms is %d..10000): %d period%s below it not run\n",
			KMOD_PERIOD_MIN_MS, KMOD_PERIOD_MIN_MS, L->floor_skips, L->floor_skips == 1 ? "" : "s");
	fclose(f);
}

/* The run folder and the supervisors' temp dir, then the CSV tables in the folder; 0, or the
 * exit status after one line (a table that cannot open counts as a failed run). */
static int run_folder_open(struct memlab *L, const char *results)
{
	int rc = rundir_create(&L->rd, results, L->profile);

	if (rc) {
		fprintf(stderr, "memlab: cannot create %s: %s\n", L->rd.path, strerror(-rc));
		return 1;
	}
	L->run_dir = L->rd.path;
	rc = rundir_tmp_make(&L->rd, "memlab");
	if (rc) {
		fprintf(stderr, "memlab: mkdtemp: %s\n", strerror(-rc));
		return 1;
	}
	rc = tables_open(L);
	if (rc) {
		fprintf(stderr, "memlab: creating the CSV files in %s: %s\n", L->run_dir, strerror(-rc));
		L->failed = 1;
	}
	return 0;
}

/* Everything after the runs: meta, the definition copy, the CSVs flushed, the temp dir gone,
 * the summary, latest; the exit status. */
static int run_folder_close(struct memlab *L, const struct mem_args *a)
{
	int rc, failed;

	meta_write(L, a->def, a->seed);
	rc = rundir_copy_definition(&L->rd, a->def);
	if (rc)
		fprintf(stderr, "memlab: could not copy %s into %s: %s\n", a->def, L->run_dir, strerror(-rc));
	if (L->csv) {
		rc = csvout_destroy(L->csv);
		if (rc) {
			fprintf(stderr, "memlab: writing CSV files: %s\n", strerror(-rc));
			L->failed++;
		}
	}
	rc = rundir_tmp_remove(&L->rd);
	if (rc)
		fprintf(stderr, "memlab: could not remove %s: %s\n", L->rd.tmp, strerror(-rc));
	failed = L->failed;
	if (memlab_summarize(L->run_dir))
		failed++;
	rc = rundir_link_latest(&L->rd);
	if (rc)
		fprintf(stderr, "memlab: linking %s/latest: %s\n", a->results, strerror(-rc));
	if (failed)
		fprintf(stderr, "memlab: %d run%s failed; see %s\n", failed, failed == 1 ? "" : "s", L->run_dir);
	else
		fprintf(stderr, "memlab: done in %.0f s: %s\n", memlab_elapsed_s(L), L->run_dir);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct memlab L;
	struct mem_args a = { .results = "results/memlimits", .modes = "scan event" };
	int rc;

	L.machine = "host";
	L.sup = -1;
	L.client.fd = -1;
	L.tty = isatty(2);
	rc = args_parse(argc, argv, &L, &a);
	if (rc >= 0)
		return rc;
	if (a.sum_dir)
		return memlab_summarize(a.sum_dir);
	rc = setup(&L, &a);
	if (!rc)
		rc = run_folder_open(&L, a.results);
	if (rc)
		return rc;
	fprintf(stderr, "memlab: %d runs in %d supervisor groups into %s (seed %llu)\n", L.n_runs, L.n_groups,
		L.run_dir, (unsigned long long)a.seed);
	if (!L.failed) /* else the tables did not open: nothing could be written */
		memlab_run_all(&L);
	rc = run_folder_close(&L, &a);
	free(L.groups);
	free(L.runs);
	return rc;
}
