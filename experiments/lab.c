/* lab: the scheduler lab's runner. Reads a definition, expands it into cases, runs their
 * repetitions in a shuffled order through the engine (a private supervisor unless --socket),
 * and leaves samples.csv, runs.csv, wakeup.csv, summary.csv and meta in a run folder.
 * Single-threaded apart from the CSV writer thread inside csvout. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "labcases.h"
#include "labfault.h"
#include "labjoin.h"
#include "labunit.h"
#include "labverb.h"
#include "csvin.h"
#include "labstats.h"
#include "labsup.h"
#include "launch.h"
#include "rundir.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/cgroupfs.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: lab [--profile NAME] [--results DIR] [--socket PATH | --direct] [--seed N]\n"
		"           [--wakeup-source auto|perf|schedstat] [--noise FILE] [--unit NAME | --part I/N]\n"
		"           DEFINITION\n"
		"       lab --summarize RUN_DIR [--noise FILE]\n"
		"       lab --list-units [--profile NAME] [--part I/N] DEFINITION\n"
		"       lab --join OUT_DIR [--noise FILE] PART_DIR...\n"
		"       lab sweep ...     split a definition into units and run them here or as a Slurm\n"
		"                         job array, then merge them (lab sweep --help)\n"
		"       lab merge OUT_DIR RUN_DIR...  merge run folders of one definition (labmerge)\n"
		"Runs the experiments of DEFINITION (e.g. experiments/cfs.conf) and writes\n"
		"DIR/<run-id>/{samples,runs,wakeup,summary,claims}.csv and meta; DIR/latest points at it.\n"
		"  --profile NAME  apply the definition's NAME.key overrides (e.g. quick)\n"
		"  --results DIR   where run folders go (default results/cfs)\n"
		"  --socket PATH   use this running supervisor (default: start a private one)\n"
		"  --direct        run every container as a plain child process, without the engine\n"
		"  --seed N        shuffle seed (default: the definition's, else from the clock)\n"
		"  --wakeup-source where wake-up delays come from: perf sched timehist, or the sleeper's\n"
		"                  own /proc/self/schedstat; auto (default) takes perf where it can record\n"
		"  --noise FILE    this machine kind's measured noise, for the claims' tolerances (default:\n"
		"                  experiments/noise/c.csv of the tree the binary was built in; without\n"
		"                  one the claims use a flat 1 pp band and say so)\n"
		"  --unit NAME     run only this unit of the definition: EXP/CASE (pairs/0-vs-5), or\n"
		"                  wakeup or window (one unit each); meta says unit=NAME\n"
		"  --part I/N      run only part I of the definition's units split into N parts of about\n"
		"                  equal time (the same split on every machine); meta says part=I/N\n"
		"  --list-units    print the definition's units (of part I/N), one a line; run nothing\n"
		"  --join OUT_DIR PART_DIR...  run nothing: put the run folders of parts 1..N of one run\n"
		"                  (same definition, profile, binaries and machine) into one new run folder\n"
		"                  OUT_DIR, run ids renumbered, and summarize it (as --summarize)\n"
		"  --summarize RUN_DIR  run nothing (no root needed): recompute summary.csv, claims.csv,\n"
		"                  theory.csv and wakeup_cdf.csv of an existing run folder from its\n"
		"                  runs.csv, wakeup.csv, meta and definition.conf, with --noise or the default\n"
		"  --inject-nice-step EXP/CASE:CONTAINER:+1|-1  for tests only, refused unless\n"
		"                  HOGLAB_TEST_FAULTS=1 is set: start that container one nice step off while\n"
		"                  the definition, runs.csv and theory keep its real nice; meta says so\n"
		"                  (fault_injection=), and the gate never takes such a run as a baseline\n");
}

/* Whether perf can record scheduler events here: a short perf sched record of /bin/true. */
static bool perf_works(const char *dir)
{
	char data[1200], *argv[] = { "/usr/bin/perf", "sched", "record", "-q", "-o", data, "--", "/bin/true", NULL };
	struct launch_opts o = { argv, 0, -1, false, NULL, -1, false };
	char why[256];
	bool ok;
	pid_t pid;
	int st;

	snprintf(data, sizeof(data), "%s/perf-probe.data", dir);
	if (access(argv[0], X_OK) < 0 || launch_direct(&o, &pid, why, sizeof(why)))
		return false;
	ok = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	unlink(data);
	return ok;
}

/* Every (case, repetition) once, in a shuffled order. */
static int runs_plan(struct lab *lab, uint64_t seed)
{
	int total = 0, i, r, k = 0, *order;
	uint64_t state = seed;

	for (i = 0; i < lab->n_cases; i++)
		total += lab->cases[i].reps;
	lab->runs = calloc((size_t)total, sizeof(*lab->runs));
	order = malloc(sizeof(int) * (size_t)total);
	if (!lab->runs || !order) {
		free(order);
		return -ENOMEM;
	}
	for (i = 0; i < lab->n_cases; i++)
		for (r = 0; r < lab->cases[i].reps; r++) {
			lab->runs[k].case_idx = i;
			lab->runs[k].rep = r + 1;
			order[k] = k;
			k++;
		}
	stats_shuffle(order, (size_t)total, &state);
	for (i = 0; i < total; i++)
		lab->runs[order[i]].order = i;
	free(order);
	lab->n_runs = total;
	return 0;
}

/* cpu_hog's iterations per CPU millisecond, measured on the experiments' CPU. */
static int calibrate(struct lab *lab, char *err, size_t errlen)
{
	char hog[1024], buf[256] = "";
	char *argv[] = { hog, "--calibrate", NULL };
	struct launch_opts o = { argv, 0, lab->conf.cpu, false, NULL, -1, false };
	int p[2], rc, st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	snprintf(hog, sizeof(hog), "%s/cpu_hog", lab->bin_dir);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	o.out_fd = p[1];
	rc = launch_direct(&o, &pid, err, errlen);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return rc;
	}
	while (got < sizeof(buf) - 1 && (n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	waitpid(pid, &st, 0);
	if (sscanf(buf, "iterations_per_cpu_ms=%lf", &lab->iter_per_ms_exact) != 1 || lab->iter_per_ms_exact < 1) {
		snprintf(err, errlen, "%s --calibrate printed no calibration", hog);
		return -EIO;
	}
	lab->iter_per_ms = (uint64_t)(lab->iter_per_ms_exact + 0.5);
	return 0;
}

static pid_t supervisor_start(struct lab *lab, const char *tmp, char *sock, size_t socklen, char *err, size_t errlen)
{
	char engine[1024], logs[1200], log_file[1300];
	struct labsup_opts o = { engine, tmp, logs, log_file, NULL };
	pid_t pid;

	snprintf(engine, sizeof(engine), "%s/engine", lab->bin_dir);
	snprintf(logs, sizeof(logs), "%s/engine-logs", lab->run_dir);
	snprintf(log_file, sizeof(log_file), "%s/supervisor.log", logs);
	if (labsup_start(&o, &lab->client, &pid, sock, socklen, err, errlen))
		return -1;
	lab->have_client = true;
	return pid;
}

static void meta_write(struct lab *lab, const char *def, const char *unit, int part, int parts, uint64_t seed,
		       const char *socket)
{
	char path[1200];
	struct cgroup_host cg;
	FILE *f;

	snprintf(path, sizeof(path), "%s/meta", lab->run_dir);
	f = fopen(path, "we");
	if (!f)
		return;
	labsup_meta_machine(f);
	cgroup_detect(&cg);
	fprintf(f, "cgroup_cpu=%s\n", cg.cpu.version == 1 ? "v1" : "v2");
	fprintf(f, "monitor=%s\n", access("/dev/container_monitor", F_OK) == 0 ? "kmod" : "none (RSS from /proc/PID/statm)");
	fprintf(f, "definition=%s\nprofile=%s\nseed=%llu\n", def,
		lab->profile ? lab->profile : "default", (unsigned long long)seed);
	fprintf(f, "launcher=%s\nsample_ms=%d\ncpu=%d\nrootfs=%s\ncpu_hog_iterations_per_cpu_ms=%.3f\n",
		lab->direct ? "direct (no engine)" : socket, lab->conf.sample_ms, lab->conf.cpu, lab->rootfs,
		lab->iter_per_ms_exact);
	fprintf(f, "noise=%s\n", lab->have_noise ? lab->noise_path : "none (claims on a flat 1 pp band)");
	fprintf(f, "fault_injection=%s\n", lab_fault_describe());
	if (lab->conf.exp[LAB_EXP_SLICE].enabled)
		fprintf(f, "slice_sweep=%s%s\n", lab->slice_skip[0] ? "skip: " : "ran",
			lab->slice_skip[0] ? lab->slice_skip : " (--slice-us through the engine)");
	if (lab->conf.exp[LAB_EXP_SHORTWIN].enabled)
		fprintf(f, "shortwin_tick_ms=%g\nshortwin_lag_ms=%g\nshortwin_lag_source=%s\nshortwin_sample_us=%d\n",
			lab->shortwin.tick_ns / 1e6, lab->shortwin.lag_ms, lab->shortwin.lag_source,
			lab->conf.exp[LAB_EXP_SHORTWIN].sample_us);
	if (lab->conf.exp[LAB_EXP_SLEEPER].enabled)
		fprintf(f, "sleeper_period_us=%d\n", lab->conf.exp[LAB_EXP_SLEEPER].period_us);
	if (lab->conf.exp[LAB_EXP_SLICE].enabled)
		fprintf(f, "slice_demand=%d\nslice_period_us=%d\n", lab->conf.exp[LAB_EXP_SLICE].demand[0],
			lab->conf.exp[LAB_EXP_SLICE].period_us);
	fprintf(f, "start=barrier (every hog of a run waits for SIGUSR1 and is released at once)\n"
		   "share=rate (least-squares slope of each container's CPU on the total over the overlap; "
		   "share_overlap and startup_ms of runs.csv: up to the first end)\n");
	if (parts) { /* which units, for a reader; --summarize and --join split the definition again */
		fprintf(f, "part=%d/%d\npart_units=", part, parts);
		lab_units_print(lab, f, ' ');
		fputc('\n', f);
	} else {
		fprintf(f, "unit=%s\n", unit ? unit : "all");
	}
	fprintf(f, "wakeup_delay_source=%s\n", lab->delay_src == LAB_DELAY_PERF ?
		"perf (perf sched record + timehist: sch delay of each switch-in)" :
		"schedstat (the sleeper's /proc/self/schedstat run_delay, per wake-up)");
	fclose(f);
}

static void progress(int done, int total, const struct lab_case *c, int rep, double t0, double cost_done,
		     double cost_total, bool tty)
{
	double el = clock_mono_s() - t0, left = cost_done > 0 ? el * (cost_total - cost_done) / cost_done : 0;

	if (tty)
		fprintf(stderr, "\r\033[K[%d/%d] %s %s rep %d | %.0f s elapsed, about %.0f s left", done, total,
			lab_exp_name(c->exp), c->name, rep, el, left);
	else
		fprintf(stderr, "lab: [%d/%d] %s %s rep %d done, %.0f s elapsed, about %.0f s left\n", done, total,
			lab_exp_name(c->exp), c->name, rep, el, left);
}

static int runs_write(struct lab *lab, const struct lab_run *run, int run_id)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	int i, rc = 0;

	for (i = 0; !rc && i < c->n; i++) {
		const struct lab_result *r = &run->r[i];
		const char *how = c->exp == LAB_EXP_SLICE && i == 0 && !lab->direct ? "engine" :
				  lab->direct || c->ct[i].own_session || c->exp == LAB_EXP_WAKEUP ||
				  c->exp == LAB_EXP_SHORTWIN || lab_is_sleeper_case(c) ?
					  (c->ct[i].own_session ? "own-session" : "direct") : "engine";

		rc = csvout_row(lab->csv, lab->t_runs, "iissiiisiisigggggggggsi", run_id, run->order, lab_exp_name(c->exp),
				c->name, c->param, run->rep, i, c->ct[i].label, c->ct[i].nice, (int)c->ct[i].weight, how,
				(int)r->pid, r->wall_s, r->cpu_ms, r->wait_ms, r->share, r->share_overlap, r->startup_ms,
				c->theory_share[i],
				run->avail_overlap, r->avail_after, r->end, (int)(run->ok && r->ok));
	}
	for (int s = 0; s < LAB_DELAY_COUNT; s++)
		for (size_t k = 0; !rc && k < run->delays[s].n; k++)
			rc = csvout_row(lab->csv, lab->t_wakeup, "isisg", run_id, c->name, c->param,
					lab_delay_src_name((enum lab_delay_src)s), run->delays[s].us[k]);
	return rc;
}

/* What the command line asked for, and what main holds across a run besides struct lab. */
struct lab_main {
	const char *results, *socket, *def, *wsrc, *noise, *summarize, *inject, *unit, *join;
	int part, parts;    /* --part I/N; parts 0 without it */
	uint64_t seed;
	bool have_seed, tty, list_units;
	struct rundir rd;   /* the run folder; the private supervisor's dir in rd.tmp */
	char sock[600];
	pid_t sup;
	int failed;
};

/* Fills lab and m; -1 to go on, else the exit status (usage, --help, a bad value). */
static int args_parse(int argc, char **argv, struct lab *lab, struct lab_main *m)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "results", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },  { "direct", no_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'S' },    { "help", no_argument, NULL, 'h' },
		{ "wakeup-source", required_argument, NULL, 'w' },
		{ "noise", required_argument, NULL, 'n' },
		{ "summarize", required_argument, NULL, 'u' },
		{ "inject-nice-step", required_argument, NULL, 'i' },
		{ "unit", required_argument, NULL, 'U' },
		{ "list-units", no_argument, NULL, 'L' },
		{ "part", required_argument, NULL, 'P' },
		{ "join", required_argument, NULL, 'J' },
		{ 0 }
	};
	char *end;
	int c;

	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': lab->profile = optarg; break;
		case 'r': m->results = optarg; break;
		case 's': m->socket = optarg; break;
		case 'd': lab->direct = true; break;
		case 'S':
			errno = 0;
			m->seed = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				fprintf(stderr, "lab: invalid --seed '%s'\n", optarg);
				return 2;
			}
			m->have_seed = true;
			break;
		case 'w':
			if (strcmp(optarg, "auto") && strcmp(optarg, "perf") && strcmp(optarg, "schedstat")) {
				fprintf(stderr, "lab: invalid --wakeup-source '%s' (auto, perf or schedstat)\n", optarg);
				return 2;
			}
			m->wsrc = optarg;
			break;
		case 'n': m->noise = optarg; break;
		case 'u': m->summarize = optarg; break;
		case 'i': m->inject = optarg; break;
		case 'U': m->unit = optarg; break;
		case 'L': m->list_units = true; break;
		case 'P':
			if (!lab_part_parse(optarg, &m->part, &m->parts)) {
				fprintf(stderr, "lab: invalid --part '%s' (I/N: part I of N parts, 1 <= I <= N <= %d)\n",
					optarg, LAB_PARTS_MAX);
				return 2;
			}
			break;
		case 'J': m->join = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "lab: %s '%s' (see lab --help)\n",
				c == ':' || (optopt && optopt != '?') ? "missing value for" : "unknown option", argv[optind - 1]);
			return 2;
		}
	}
	if (m->inject && !lab_fault_allowed()) {
		fprintf(stderr, "lab: --inject-nice-step is for tests only: set HOGLAB_TEST_FAULTS=1 to allow it\n");
		return 2;
	}
	if (m->join) {
		if (optind == argc || m->summarize || lab->profile || m->socket || lab->direct || m->have_seed ||
		    m->inject || m->unit || m->parts || m->list_units || strcmp(m->results, "results/cfs") ||
		    strcmp(m->wsrc, "auto")) {
			fprintf(stderr, "lab: --join OUT_DIR takes the part folders and no option but --noise\n");
			return 2;
		}
		return -1;
	}
	if (m->summarize) {
		if (optind != argc || lab->profile || m->socket || lab->direct || m->have_seed || m->inject || m->unit ||
		    m->list_units || m->parts ||
		    strcmp(m->results, "results/cfs") || strcmp(m->wsrc, "auto")) {
			fprintf(stderr, "lab: --summarize RUN_DIR takes no definition and no option but --noise\n");
			return 2;
		}
		return -1;
	}
	if (optind != argc - 1 || (m->socket && lab->direct)) {
		fprintf(stderr, "lab: %s (see lab --help)\n", m->socket && lab->direct ? "--socket and --direct exclude each other" :
				optind == argc ? "no DEFINITION given" : "one DEFINITION only");
		return 2;
	}
	m->def = argv[optind];
	if (m->unit && m->parts) {
		fprintf(stderr, "lab: --unit and --part exclude each other\n");
		return 2;
	}
	if (m->list_units && (m->socket || lab->direct || m->have_seed || m->inject || m->unit || m->noise)) {
		fprintf(stderr, "lab: --list-units takes a DEFINITION and no option but --profile and --part\n");
		return 2;
	}
	return -1;
}

/* The noise file: --noise FILE (which must exist), else experiments/noise/c.csv of the tree
 * above the binary's folder (build/bin or build/asan/bin), if there is one. Nonzero after one
 * line on stderr. */
static int noise_find(struct lab *lab, const struct lab_main *m)
{
	char dir[PATH_MAX], err[1200] = "";
	int up, rc;

	if (m->noise)
		snprintf(lab->noise_path, sizeof(lab->noise_path), "%s", m->noise);
	else {
		snprintf(dir, sizeof(dir), "%s", lab->bin_dir);
		for (up = 0; up < 4; up++) {
			char *slash = strrchr(dir, '/');

			if (!slash || slash == dir)
				break;
			*slash = '\0';
			snprintf(lab->noise_path, sizeof(lab->noise_path), "%s/experiments/noise/c.csv", dir);
			if (access(lab->noise_path, F_OK) == 0)
				break;
		}
	}
	rc = noise_table_load(lab->noise_path, &lab->noise, err, sizeof(err));
	if (rc == -ENOENT && !m->noise) {
		snprintf(lab->noise_path, sizeof(lab->noise_path), "none");
		return 0;
	}
	if (rc == -ENOENT)
		fprintf(stderr, "lab: --noise %s: no such file\n", lab->noise_path);
	else if (rc)
		fprintf(stderr, "lab: --noise %s\n", err);
	if (rc)
		return 1;
	lab->have_noise = true;
	return 0;
}

/* The folder of this binary into lab->bin_dir; nonzero after one line on stderr. */
static int bin_dir_find(struct lab *lab)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		fprintf(stderr, "lab: cannot find my own binary: %s\n", strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(lab->bin_dir, sizeof(lab->bin_dir), "%s", exe);
	return 0;
}

/* The definition, this machine, where the binaries and rootfs are, the cases and their shuffled
 * runs; 0, else the exit status after one line on stderr. */
static int setup(struct lab *lab, struct lab_main *m)
{
	char err[1024] = "";

	if (lab_conf_load(&lab->conf, m->def, lab->profile, err, sizeof(err))) {
		fprintf(stderr, "lab: %s\n", err);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "lab: needs root (nice below 0, cgroups, containers)\n");
		return 1;
	}
	if (lab->conf.cpu >= sysconf(_SC_NPROCESSORS_ONLN)) {
		fprintf(stderr, "lab: %s: key 'cpu': CPU %d does not exist here\n", m->def, lab->conf.cpu);
		return 2;
	}
	if (bin_dir_find(lab))
		return 1;
	if (noise_find(lab, m))
		return 2;
	if (!lab->direct && !realpath(lab->conf.rootfs, lab->rootfs)) {
		fprintf(stderr, "lab: rootfs %s: %s (make rootfs builds it)\n", lab->conf.rootfs, strerror(errno));
		return 1;
	}
	lab->autogroup = file_read_text("/proc/sys/kernel/sched_autogroup_enabled", err, sizeof(err)) > 0 &&
			 err[0] == '1';
	if (!m->have_seed)
		m->seed = lab->conf.seed ? lab->conf.seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (lab_cases_expand(lab)) {
		fprintf(stderr, "lab: out of memory\n");
		return 1;
	}
	if (m->unit && lab_unit_select(lab, m->unit, err, sizeof(err))) {
		fprintf(stderr, "lab: %s: --unit: %s\n", m->def, err);
		return 2;
	}
	if (m->parts && lab_part_select(lab, m->part, m->parts, err, sizeof(err))) {
		fprintf(stderr, "lab: %s: --part: %s\n", m->def, err);
		return 2;
	}
	if (runs_plan(lab, m->seed)) {
		fprintf(stderr, "lab: out of memory\n");
		return 1;
	}
	if (m->inject && lab_fault_set(lab, m->inject, err, sizeof(err))) {
		fprintf(stderr, "lab: %s\n", err);
		return 2;
	}
	return 0;
}

/* The run folder, the wake-up delay source and the calibration; 0, else the exit status. */
static int prepare(struct lab *lab, struct lab_main *m)
{
	char err[1024] = "";
	int rc = rundir_create(&m->rd, m->results, lab->profile);

	if (rc) {
		fprintf(stderr, "lab: cannot create %s: %s\n", m->rd.path, strerror(-rc));
		return 1;
	}
	lab->run_dir = m->rd.path;
	lab->delay_src = LAB_DELAY_SCHEDSTAT;
	if (lab->conf.exp[LAB_EXP_WAKEUP].enabled && strcmp(m->wsrc, "schedstat")) {
		if (perf_works(lab->run_dir))
			lab->delay_src = LAB_DELAY_PERF;
		else if (!strcmp(m->wsrc, "perf")) {
			fprintf(stderr, "lab: --wakeup-source perf: perf sched record does not work here\n");
			return 1;
		} else
			fprintf(stderr, "lab: perf sched record does not work here: wake-up delays from schedstat\n");
	}
	rc = calibrate(lab, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "lab: calibrating cpu_hog: %s\n", err);
		return 1;
	}
	return 0;
}

/* The engine: the supervisor at --socket, or a private one. 0; 1: exit at once; -1: a run
 * failure (the supervisor did not come up), clean up and exit. */
static int engine_connect(struct lab *lab, struct lab_main *m)
{
	char err[1024] = "";
	int rc;

	if (lab->direct)
		return 0;
	if (m->socket) {
		if (client_connect(&lab->client, m->socket)) {
			fprintf(stderr, "lab: %s\n", client_error(&lab->client));
			return 1;
		}
		lab->have_client = true;
		return 0;
	}
	rc = rundir_tmp_make(&m->rd, "lab");
	if (rc) {
		fprintf(stderr, "lab: mkdtemp: %s\n", strerror(-rc));
		return 1;
	}
	m->sup = supervisor_start(lab, m->rd.tmp, m->sock, sizeof(m->sock), err, sizeof(err));
	if (m->sup < 0) {
		fprintf(stderr, "lab: %s\n", err);
		return -1;
	}
	m->socket = m->sock;
	return 0;
}

static int tables_open(struct lab *lab)
{
	static const char *const samples_cols[] = { "run", "t_ms", "container", "slot", "cpu_ns", "wait_ns", "slices", "rss_kib" };
	static const char *const runs_cols[] = { "run", "order", "experiment", "case", "param", "rep", "slot", "container",
						 "nice", "weight", "launcher", "pid", "wall_s", "cpu_ms", "wait_ms",
						 "share", "share_overlap", "startup_ms", "theory_share", "avail_overlap",
						 "avail_after", "end", "ok" };
	static const char *const wakeup_cols[] = { "run", "case", "nice", "source", "delay_us" };
	char path[PATH_MAX + 64];
	int rc = csvout_create(&lab->csv, 1 << 20);

	if (rc) {
		fprintf(stderr, "lab: starting the CSV writer: %s\n", strerror(-rc));
		return rc;
	}
#define TABLE(t, name, cols)                                                                        \
	snprintf(path, sizeof(path), "%s/%s", lab->run_dir, name);                                   \
	rc = csvout_table_open(lab->csv, &lab->t, path, cols, sizeof(cols) / sizeof(cols[0]));       \
	if (rc) {                                                                                    \
		fprintf(stderr, "lab: creating %s: %s\n", path, strerror(-rc));                     \
		return rc;                                                                           \
	}
	TABLE(t_samples, "samples.csv", samples_cols)
	TABLE(t_runs, "runs.csv", runs_cols)
	TABLE(t_wakeup, "wakeup.csv", wakeup_cols)
	if (lab->conf.exp[LAB_EXP_SHORTWIN].enabled) {
		static const char *const shortwin_cols[] = { "run", "t_ns", "a_ns", "b_ns" };

		TABLE(t_shortwin, "shortwin_samples.csv", shortwin_cols)
	}
#undef TABLE
	return 0;
}

/* One run of any case: the sleeper, slice and short-window cases by their own code, the others by
 * lab_run_exec. A slice case the kernel (or --direct) cannot run is skipped with the reason said
 * once and kept for meta; 1 then, else 0 or -errno. */
static int lab_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	int rc;

	if (c->exp == LAB_EXP_SLICE && lab->slice_skip[0]) {
		run->ok = false;
		for (int i = 0; i < c->n; i++) {
			run->r[i].share = run->r[i].wall_s = run->r[i].cpu_ms = run->r[i].wait_ms = NAN;
			run->r[i].avail_after = NAN;
			snprintf(run->r[i].end, sizeof(run->r[i].end), "skipped");
		}
		run->overlap_s = run->avail_overlap = NAN;
		return 1;
	}
	if (lab_is_sleeper_case(c)) {
		rc = lab_sleeper_exec(lab, run, run_id, err, errlen);
		if (rc == -EOPNOTSUPP && c->exp == LAB_EXP_SLICE) {
			snprintf(lab->slice_skip, sizeof(lab->slice_skip), "%s", err);
			fprintf(stderr, "%slab: slice: skip: %s\n", isatty(2) ? "\n" : "", err);
			for (int i = 0; i < c->n; i++)
				snprintf(run->r[i].end, sizeof(run->r[i].end), "skipped");
			return 1;
		}
		return rc;
	}
	if (c->exp == LAB_EXP_SHORTWIN)
		return lab_short_exec(lab, run, run_id, err, errlen);
	return lab_run_exec(lab, run, run_id, err, errlen);
}

/* Every run in its shuffled order, each one's rows written and its progress said. */
static void runs_all(struct lab *lab, struct lab_main *m)
{
	double t0, cost_total = 0, cost_done = 0;
	char err[1024];
	int i, rc;

	for (i = 0; i < lab->n_runs; i++)
		cost_total += lab_case_run_ms(&lab->cases[lab->runs[i].case_idx]);
	fprintf(stderr, "lab: %d runs of %d cases into %s (seed %llu, %s)\n", lab->n_runs, lab->n_cases, lab->run_dir,
		(unsigned long long)m->seed, lab->direct ? "direct, no engine" : m->socket);
	t0 = clock_mono_s();
	for (int k = 0; k < lab->n_runs; k++) {
		struct lab_run *run = NULL;
		const struct lab_case *cs;

		if (lab_stopping) {
			fprintf(stderr, "%slab: stopped by signal %d after %d of %d runs\n", m->tty ? "\n" : "",
				(int)lab_stopping, k, lab->n_runs);
			m->failed++;
			break;
		}
		for (i = 0; i < lab->n_runs; i++)
			if (lab->runs[i].order == k)
				run = &lab->runs[i];
		cs = &lab->cases[run->case_idx];
		err[0] = '\0';
		rc = lab_exec(lab, run, k + 1, err, sizeof(err));
		if (rc < 0) {
			m->failed++;
			fprintf(stderr, "%slab: %s %s rep %d failed: %s\n", m->tty ? "\n" : "", lab_exp_name(cs->exp),
				cs->name, run->rep, err);
		}
		runs_write(lab, run, k + 1);
		cost_done += lab_case_run_ms(cs);
		progress(k + 1, lab->n_runs, cs, run->rep, t0, cost_done, cost_total, m->tty);
	}
	if (m->tty)
		fputc('\n', stderr);
}

/* After the runs: summary.csv, meta and the definition copy. */
static void run_folder_write(struct lab *lab, struct lab_main *m)
{
	char path[PATH_MAX + 64];
	int rc;

	snprintf(path, sizeof(path), "%s/summary.csv", lab->run_dir);
	rc = lab_summary_write(lab, path);
	if (rc) {
		fprintf(stderr, "lab: writing %s: %s\n", path, strerror(-rc));
		m->failed++;
	}
	snprintf(path, sizeof(path), "%s/claims.csv", lab->run_dir);
	rc = lab_claims_write(lab, path);
	if (rc) {
		fprintf(stderr, "lab: writing %s: %s\n", path, strerror(-rc));
		m->failed++;
	}
	meta_write(lab, m->def, m->unit, m->part, m->parts, m->seed, m->socket);
	rc = rundir_copy_definition(&m->rd, m->def);
	if (rc)
		fprintf(stderr, "lab: could not copy %s into %s: %s\n", m->def, lab->run_dir, strerror(-rc));
}

/* On every path once the run folder exists: the CSVs flushed, the engine let go, the temp dir
 * gone, latest linked where tables were written; the exit status. */
static int run_folder_close(struct lab *lab, struct lab_main *m)
{
	int rc;

	if (lab->csv) {
		rc = csvout_destroy(lab->csv);
		if (rc) {
			fprintf(stderr, "lab: writing CSV files: %s\n", strerror(-rc));
			m->failed++;
		}
	}
	if (lab->have_client)
		client_close(&lab->client);
	if (m->sup > 0)
		labsup_stop(m->sup);
	rc = rundir_tmp_remove(&m->rd);
	if (rc)
		fprintf(stderr, "lab: could not remove %s: %s\n", m->rd.tmp, strerror(-rc));
	if (lab->csv) {
		rc = rundir_link_latest(&m->rd);
		if (rc)
			fprintf(stderr, "lab: linking %s/latest: %s\n", m->results, strerror(-rc));
	}
	if (m->failed)
		fprintf(stderr, "lab: %d run%s failed; see %s\n", m->failed, m->failed == 1 ? "" : "s", lab->run_dir);
	else
		fprintf(stderr, "lab: done: %s\n", lab->run_dir);
	return m->failed ? 1 : 0;
}

/* --summarize: meta's noise= line says what the new claims used, and resummarized= when. */
static int meta_rewrite(const char *path, const char *text, const char *noise)
{
	char tmp[PATH_MAX + 8], date[64];
	time_t t = time(NULL);
	const char *p, *nl;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (strncmp(p, "noise=", 6) && strncmp(p, "resummarized=", 13))
			fprintf(f, "%.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	fprintf(f, "noise=%s\nresummarized=%s (lab --summarize)\n", noise, date);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

/* --summarize: lab->runs from runs.csv (and their wake-up delays from wakeup.csv), each row put
 * back in the run of its id; nonzero after one line on stderr. */
static int runs_read(struct lab *lab, const char *dir)
{
	static const char *const need[] = { "run", "order", "experiment", "case", "rep", "slot", "pid", "wall_s",
					    "cpu_ms", "wait_ms", "share", "avail_overlap", "avail_after", "end", "ok" };
	enum { C_RUN, C_ORDER, C_EXP, C_CASE, C_REP, C_SLOT, C_PID, C_WALL, C_CPU, C_WAIT, C_SHARE, C_AO, C_AA,
	       C_END, C_OK, C_N };
	char path[PATH_MAX + 16];
	struct csvin in;
	int col[C_N], max_id = 0, rc, i, ov_col, su_col;
	size_t r;

	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	rc = csvin_load(path, &in);
	if (rc) {
		fprintf(stderr, "lab: --summarize: %s: %s\n", path, rc == -EPROTO ? "not a CSV table of equal rows" : strerror(-rc));
		return 1;
	}
	for (i = 0; i < C_N; i++)
		if ((col[i] = csvin_col(&in, need[i])) < 0) {
			fprintf(stderr, "lab: --summarize: %s: no column \"%s\"\n", path, need[i]);
			csvin_free(&in);
			return 1;
		}
	ov_col = csvin_col(&in, "share_overlap");
	su_col = csvin_col(&in, "startup_ms");
	for (r = 0; r < in.nrows; r++) {
		double id = csvin_num(&in, r, col[C_RUN]);

		if (!(id >= 1 && id <= 1e6)) {
			fprintf(stderr, "lab: --summarize: %s: row %zu: run '%s' is not a run id\n", path, r + 2,
				csvin_get(&in, r, col[C_RUN]));
			csvin_free(&in);
			return 1;
		}
		if ((int)id > max_id)
			max_id = (int)id;
	}
	lab->runs = calloc((size_t)max_id + 1, sizeof(*lab->runs));
	if (!lab->runs) {
		fprintf(stderr, "lab: out of memory\n");
		csvin_free(&in);
		return 1;
	}
	for (i = 0; i < max_id; i++) {
		lab->runs[i].case_idx = -1;
		lab->runs[i].ok = true;
	}
	for (r = 0; r < in.nrows; r++) {
		struct lab_run *run = &lab->runs[(int)csvin_num(&in, r, col[C_RUN]) - 1];
		double slot = csvin_num(&in, r, col[C_SLOT]);
		struct lab_result *res;
		int ci;

		for (ci = 0; ci < lab->n_cases; ci++)
			if (!strcmp(lab_exp_name(lab->cases[ci].exp), csvin_get(&in, r, col[C_EXP])) &&
			    !strcmp(lab->cases[ci].name, csvin_get(&in, r, col[C_CASE])))
				break;
		if (ci == lab->n_cases || !(slot >= 0 && slot < lab->cases[ci].n) ||
		    (run->case_idx >= 0 && run->case_idx != ci)) {
			fprintf(stderr, "lab: --summarize: %s: row %zu: %s %s slot %s is not a container of the run's definition\n",
				path, r + 2, csvin_get(&in, r, col[C_EXP]), csvin_get(&in, r, col[C_CASE]),
				csvin_get(&in, r, col[C_SLOT]));
			csvin_free(&in);
			return 1;
		}
		run->case_idx = ci;
		run->rep = (int)csvin_num(&in, r, col[C_REP]);
		run->order = (int)csvin_num(&in, r, col[C_ORDER]);
		run->avail_overlap = csvin_num(&in, r, col[C_AO]);
		res = &run->r[(int)slot];
		res->pid = (pid_t)csvin_num(&in, r, col[C_PID]);
		res->wall_s = csvin_num(&in, r, col[C_WALL]);
		res->cpu_ms = csvin_num(&in, r, col[C_CPU]);
		res->wait_ms = csvin_num(&in, r, col[C_WAIT]);
		res->share = csvin_num(&in, r, col[C_SHARE]);
		/* Folders from before the rate (no such columns): NaN. */
		res->share_overlap = ov_col >= 0 ? csvin_num(&in, r, ov_col) : NAN;
		res->startup_ms = su_col >= 0 ? csvin_num(&in, r, su_col) : NAN;
		res->avail_after = csvin_num(&in, r, col[C_AA]);
		snprintf(res->end, sizeof(res->end), "%s", csvin_get(&in, r, col[C_END]));
		res->ok = !strcmp(csvin_get(&in, r, col[C_OK]), "1");
		run->ok = run->ok && res->ok;
	}
	csvin_free(&in);
	/* Ids without a row (a run the lab never wrote) are left out. */
	for (i = 0; i < max_id; i++)
		if (lab->runs[i].case_idx >= 0)
			lab->runs[lab->n_runs++] = lab->runs[i];
	snprintf(path, sizeof(path), "%s/wakeup.csv", dir);
	rc = csvin_load(path, &in);
	if (rc == -ENOENT)
		return 0;
	if (rc || csvin_col(&in, "run") < 0 || csvin_col(&in, "source") < 0 || csvin_col(&in, "delay_us") < 0) {
		fprintf(stderr, "lab: --summarize: %s: not the lab's wakeup.csv\n", path);
		if (!rc)
			csvin_free(&in);
		return 1;
	}
	for (r = 0; r < in.nrows; r++) {
		int id = (int)csvin_num(&in, r, csvin_col(&in, "run"));
		int src = !strcmp(csvin_get(&in, r, csvin_col(&in, "source")), "perf") ? LAB_DELAY_PERF : LAB_DELAY_SCHEDSTAT;
		struct lab_delays *d = NULL;

		for (i = 0; i < lab->n_runs; i++)
			if (lab->runs[i].order == id - 1)
				d = &lab->runs[i].delays[src];
		if (!d)
			continue;
		if (d->n == d->cap) {
			size_t nc = d->cap ? d->cap * 2 : 256;
			double *p = realloc(d->us, nc * sizeof(*p));

			if (!p) {
				fprintf(stderr, "lab: out of memory\n");
				csvin_free(&in);
				return 1;
			}
			d->us = p;
			d->cap = nc;
		}
		d->us[d->n++] = csvin_num(&in, r, csvin_col(&in, "delay_us"));
	}
	csvin_free(&in);
	return 0;
}

/* lab --list-units DEFINITION: the units a sweep splits it into; needs no root. */
static int units_list(struct lab *lab, const struct lab_main *m)
{
	char err[1024] = "";

	if (lab_conf_load(&lab->conf, m->def, lab->profile, err, sizeof(err))) {
		fprintf(stderr, "lab: %s\n", err);
		return 2;
	}
	if (lab_cases_expand(lab)) {
		fprintf(stderr, "lab: out of memory\n");
		return 1;
	}
	if (m->parts && lab_part_select(lab, m->part, m->parts, err, sizeof(err))) {
		fprintf(stderr, "lab: %s: --part: %s\n", m->def, err);
		return 2;
	}
	lab_units_print(lab, stdout, '\n');
	return fflush(stdout) ? 1 : 0;
}

/* lab --summarize RUN_DIR: the derived CSVs of a run folder again, from what it measured; the
 * exit status. */
static int summarize(struct lab *lab, struct lab_main *m)
{
	char path[PATH_MAX + 32], meta[16384], err[1024] = "", profile[64], ag[16], src[64], unit[96], part[32];
	const char *dir = m->summarize;
	int rc, failed = 0, pi, pn;

	snprintf(path, sizeof(path), "%s/meta", dir);
	if (file_read_text(path, meta, sizeof(meta)) < 0) {
		fprintf(stderr, "lab: --summarize %s: no meta there (expected a lab run folder)\n", dir);
		return 2;
	}
	rundir_meta_get(meta, "profile", profile, sizeof(profile));
	rundir_meta_get(meta, "autogroup", ag, sizeof(ag));
	rundir_meta_get(meta, "wakeup_delay_source", src, sizeof(src));
	rundir_meta_get(meta, "unit", unit, sizeof(unit));
	rundir_meta_get(meta, "part", part, sizeof(part));
	lab->profile = strcmp(profile, "default") && profile[0] ? profile : NULL;
	lab->autogroup = !strcmp(ag, "1");
	lab->delay_src = !strncmp(src, "perf", 4) ? LAB_DELAY_PERF : LAB_DELAY_SCHEDSTAT;
	lab->direct = !strncmp(strstr(meta, "launcher=") ? strstr(meta, "launcher=") + 9 : "", "direct", 6);
	lab->run_dir = dir;
	snprintf(path, sizeof(path), "%s/definition.conf", dir);
	if (lab_conf_load(&lab->conf, path, lab->profile, err, sizeof(err))) {
		fprintf(stderr, "lab: --summarize: %s\n", err);
		return 2;
	}
	if (bin_dir_find(lab) || noise_find(lab, m))
		return 2;
	if (lab_cases_expand(lab)) {
		fprintf(stderr, "lab: out of memory\n");
		return 1;
	}
	if (unit[0] && strcmp(unit, "all") && lab_unit_select(lab, unit, err, sizeof(err))) {
		fprintf(stderr, "lab: --summarize: %s: meta's unit: %s\n", dir, err);
		return 2;
	}
	if (part[0] && (!lab_part_parse(part, &pi, &pn) || lab_part_select(lab, pi, pn, err, sizeof(err)))) {
		fprintf(stderr, "lab: --summarize: %s: meta's part '%s': %s\n", dir, part, err[0] ? err : "not I/N");
		return 2;
	}
	if (runs_read(lab, dir) || lab_short_read(lab, dir, meta))
		return 2;
	rc = csvout_create(&lab->csv, 1 << 20);
	if (rc) {
		fprintf(stderr, "lab: starting the CSV writer: %s\n", strerror(-rc));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	rc = lab_summary_write(lab, path);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/claims.csv", dir);
		rc = lab_claims_write(lab, path);
	}
	if (rc) {
		fprintf(stderr, "lab: writing %s: %s\n", path, strerror(-rc));
		failed = 1;
	}
	rc = csvout_destroy(lab->csv);
	lab->csv = NULL;
	if (rc) {
		fprintf(stderr, "lab: writing CSV files in %s: %s\n", dir, strerror(-rc));
		failed = 1;
	}
	snprintf(path, sizeof(path), "%s/meta", dir);
	rc = failed ? 0 : meta_rewrite(path, meta, lab->have_noise ? lab->noise_path : "none (claims on a flat 1 pp band)");
	if (rc) {
		fprintf(stderr, "lab: rewriting %s: %s\n", path, strerror(-rc));
		failed = 1;
	}
	if (!failed)
		fprintf(stderr, "lab: summarized: %s (%d runs, noise %s)\n", dir, lab->n_runs, lab->noise_path);
	return failed;
}

static void on_pipe(int sig)
{
	(void)sig;
}

static void on_stop(int sig)
{
	lab_stopping = sig;
}

int main(int argc, char **argv)
{
	static struct lab lab;
	static struct lab_main m = { .results = "results/cfs", .wsrc = "auto", .sup = -1 };
	int rc;

	lab.client.fd = -1;
	m.tty = isatty(2);
	rc = lab_verb_exec(argc, argv);
	if (rc >= 0)
		return rc;
	rc = args_parse(argc, argv, &lab, &m);
	if (rc >= 0)
		return rc;
	if (m.list_units) {
		rc = units_list(&lab, &m);
		goto out;
	}
	if (m.join) {
		char err[1200] = "";

		rc = lab_join(m.join, (const char *const *)argv + optind, argc - optind, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "lab: --join: %s\n", err[0] ? err : strerror(-rc));
			rc = rc == -ENOMEM || rc == -EIO || rc == -ENOSPC ? 1 : 2;
			goto out;
		}
		m.summarize = m.join;
	}
	if (m.summarize) {
		rc = summarize(&lab, &m);
		goto out;
	}
	{
		/* No SA_RESTART: a wait in progress returns, and the runner checks lab_stopping. */
		struct sigaction sa = { .sa_handler = on_stop };
		int sigs[] = { SIGTERM, SIGINT, SIGHUP };

		sigemptyset(&sa.sa_mask);
		for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
			sigaction(sigs[k], &sa, NULL);
		/* A closed stderr (the pipe of `lab | sed` whose reader was stopped first) must not kill
		 * the lab before it has stopped its containers and removed its temp dir: writes then fail
		 * with EPIPE. A handler, not SIG_IGN, so the tasks it starts get the default back at exec. */
		sa.sa_handler = on_pipe;
		sigaction(SIGPIPE, &sa, NULL);
	}
	rc = setup(&lab, &m);
	if (!rc)
		rc = prepare(&lab, &m);
	if (!rc)
		rc = engine_connect(&lab, &m);
	if (rc > 0)
		return rc;
	if (rc < 0 || tables_open(&lab))
		m.failed = 1;
	else {
		runs_all(&lab, &m);
		run_folder_write(&lab, &m);
	}
	rc = run_folder_close(&lab, &m);
	if (lab_stopping)
		rc = 128 + (int)lab_stopping;
out:
	for (int i = 0; i < lab.n_runs; i++) {
		for (int s = 0; s < LAB_DELAY_COUNT; s++)
			free(lab.runs[i].delays[s].us);
		free(lab.runs[i].sw);
	}
	free(lab.runs);
	free(lab.cases);
	noise_table_free(&lab.noise);
	return rc;
}
