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
		"           [--wakeup-source auto|perf|schedstat] [--noise FILE] DEFINITION\n"
		"Runs the experiments of DEFINITION (e.g. experiments/cfs.conf) and writes\n"
		"DIR/<run-id>/{samples,runs,wakeup,summary}.csv and meta; DIR/latest points at it.\n"
		"  --profile NAME  apply the definition's NAME.key overrides (e.g. quick)\n"
		"  --results DIR   where run folders go (default results/cfs)\n"
		"  --socket PATH   use this running supervisor (default: start a private one)\n"
		"  --direct        run every container as a plain child process, without the engine\n"
		"  --seed N        shuffle seed (default: the definition's, else from the clock)\n"
		"  --wakeup-source where wake-up delays come from: perf sched timehist, or the sleeper's\n"
		"                  own /proc/self/schedstat; auto (default) takes perf where it can record\n"
		"  --noise FILE    this machine kind's measured noise, for the claims' tolerances (default:\n"
		"                  experiments/noise/c.csv of the tree the binary was built in; without\n"
		"                  one the claims use a flat 1 pp band and say so)\n");
}

const char *lab_delay_src_name(enum lab_delay_src s)
{
	return s == LAB_DELAY_PERF ? "perf" : "schedstat";
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

static int case_add(struct lab *lab, enum lab_exp e, int param, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int case_add(struct lab *lab, enum lab_exp e, int param, const char *fmt, ...)
{
	struct lab_case *n = realloc(lab->cases, sizeof(*n) * (size_t)(lab->n_cases + 1)), *c;
	va_list ap;

	if (!n)
		return -ENOMEM;
	lab->cases = n;
	c = &n[lab->n_cases++];
	memset(c, 0, sizeof(*c));
	c->exp = e;
	c->param = param;
	c->work_ms = lab->conf.exp[e].work_ms;
	c->reps = lab->conf.exp[e].repetitions;
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	return 0;
}

static void ct_set(struct lab_case *c, const char *label, int nice, unsigned weight, bool own, bool sleeper)
{
	struct lab_ct *ct = &c->ct[c->n++];

	snprintf(ct->label, sizeof(ct->label), "%s", label);
	ct->nice = nice;
	ct->weight = weight;
	ct->own_session = own;
	ct->sleeper = sleeper;
}

static int cases_expand(struct lab *lab)
{
	const struct lab_section *s = lab->conf.exp;
	char label[24];
	int i, rc = 0;

	if (s[LAB_EXP_PAIRS].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_PAIRS].n_nice; i++) {
			int n = s[LAB_EXP_PAIRS].nice[i];

			rc = case_add(lab, LAB_EXP_PAIRS, n, "0-vs-%d", n);
			if (rc)
				break;
			ct_set(&lab->cases[lab->n_cases - 1], "a-nice0", 0, 0, false, false);
			snprintf(label, sizeof(label), "b-nice%d", n);
			ct_set(&lab->cases[lab->n_cases - 1], label, n, 0, false, false);
		}
	if (!rc && s[LAB_EXP_MIX].enabled) {
		rc = case_add(lab, LAB_EXP_MIX, 0, "mix");
		for (i = 0; !rc && i < s[LAB_EXP_MIX].n_nice && i < LAB_CT_MAX; i++) {
			snprintf(label, sizeof(label), "nice%d", s[LAB_EXP_MIX].nice[i]);
			ct_set(&lab->cases[lab->n_cases - 1], label, s[LAB_EXP_MIX].nice[i], 0, false, false);
		}
	}
	if (!rc && s[LAB_EXP_WEIGHTS].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_WEIGHTS].n_weight; i++) {
			int a = s[LAB_EXP_WEIGHTS].weight[i][0], b = s[LAB_EXP_WEIGHTS].weight[i][1];

			rc = case_add(lab, LAB_EXP_WEIGHTS, a * 100 / b, "%d-vs-%d", a, b);
			if (rc)
				break;
			snprintf(label, sizeof(label), "a-w%d", a);
			ct_set(&lab->cases[lab->n_cases - 1], label, 0, (unsigned)a, false, false);
			snprintf(label, sizeof(label), "b-w%d", b);
			ct_set(&lab->cases[lab->n_cases - 1], label, 0, (unsigned)b, false, false);
		}
	if (!rc && s[LAB_EXP_AUTOGROUP].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_AUTOGROUP].n_nice; i++) {
			int n = s[LAB_EXP_AUTOGROUP].nice[i], own;

			for (own = 0; !rc && own < 2; own++) {
				rc = case_add(lab, LAB_EXP_AUTOGROUP, n, "%s-0-vs-%d", own ? "sessions" : "engine", n);
				if (rc)
					break;
				ct_set(&lab->cases[lab->n_cases - 1], "a-nice0", 0, 0, own, false);
				snprintf(label, sizeof(label), "b-nice%d", n);
				ct_set(&lab->cases[lab->n_cases - 1], label, n, 0, own, false);
			}
		}
	if (!rc && s[LAB_EXP_DEMO].enabled) {
		rc = case_add(lab, LAB_EXP_DEMO, s[LAB_EXP_DEMO].nice[0], "demo");
		if (!rc) {
			ct_set(&lab->cases[lab->n_cases - 1], "cn-normal", 0, 0, false, false);
			ct_set(&lab->cases[lab->n_cases - 1], "cn-nice", s[LAB_EXP_DEMO].nice[0], 0, false, false);
		}
	}
	if (!rc && s[LAB_EXP_WAKEUP].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_WAKEUP].n_nice; i++) {
			int n = s[LAB_EXP_WAKEUP].nice[i];

			rc = case_add(lab, LAB_EXP_WAKEUP, n, "sleeper-nice%d", n);
			if (rc)
				break;
			lab->cases[lab->n_cases - 1].work_ms = s[LAB_EXP_WAKEUP].duration_ms;
			ct_set(&lab->cases[lab->n_cases - 1], "sleeper", n, 0, false, true);
			ct_set(&lab->cases[lab->n_cases - 1], "hog", 0, 0, false, false);
		}
	if (!rc)
		rc = lab_window_cases(lab);
	for (i = 0; !rc && i < lab->n_cases; i++)
		lab_case_theory(&lab->cases[i], lab->autogroup);
	return rc;
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

static void meta_write(struct lab *lab, const char *def, uint64_t seed, const char *socket)
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
		const char *how = lab->direct || c->ct[i].own_session || c->exp == LAB_EXP_WAKEUP ?
					  (c->ct[i].own_session ? "own-session" : "direct") : "engine";

		rc = csvout_row(lab->csv, lab->t_runs, "iissiiisiisigggggggsi", run_id, run->order, lab_exp_name(c->exp),
				c->name, c->param, run->rep, i, c->ct[i].label, c->ct[i].nice, (int)c->ct[i].weight, how,
				(int)r->pid, r->wall_s, r->cpu_ms, r->wait_ms, r->share, c->theory_share[i],
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
	const char *results, *socket, *def, *wsrc, *noise;
	uint64_t seed;
	bool have_seed, tty;
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
		{ 0 }
	};
	char *end;
	int c;

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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || (m->socket && lab->direct)) {
		usage(stderr);
		return 2;
	}
	m->def = argv[optind];
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

/* The definition, this machine, where the binaries and rootfs are, the cases and their shuffled
 * runs; 0, else the exit status after one line on stderr. */
static int setup(struct lab *lab, struct lab_main *m)
{
	char err[1024] = "", exe[PATH_MAX];
	ssize_t n;

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
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "lab: cannot find my own binary: %s\n", strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(lab->bin_dir, sizeof(lab->bin_dir), "%s", exe);
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
	if (cases_expand(lab) || runs_plan(lab, m->seed)) {
		fprintf(stderr, "lab: out of memory\n");
		return 1;
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
						 "share", "theory_share", "avail_overlap", "avail_after", "end", "ok" };
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
#undef TABLE
	return 0;
}

/* Every run in its shuffled order, each one's rows written and its progress said. */
static void runs_all(struct lab *lab, struct lab_main *m)
{
	double t0, cost_total = 0, cost_done = 0;
	char err[1024];
	int i, rc;

	for (i = 0; i < lab->n_runs; i++)
		cost_total += lab->cases[lab->runs[i].case_idx].work_ms * (double)lab->cases[lab->runs[i].case_idx].n;
	fprintf(stderr, "lab: %d runs of %d cases into %s (seed %llu, %s)\n", lab->n_runs, lab->n_cases, lab->run_dir,
		(unsigned long long)m->seed, lab->direct ? "direct, no engine" : m->socket);
	t0 = clock_mono_s();
	for (int k = 0; k < lab->n_runs; k++) {
		struct lab_run *run = NULL;
		const struct lab_case *cs;

		for (i = 0; i < lab->n_runs; i++)
			if (lab->runs[i].order == k)
				run = &lab->runs[i];
		cs = &lab->cases[run->case_idx];
		err[0] = '\0';
		rc = lab_run_exec(lab, run, k + 1, err, sizeof(err));
		if (rc) {
			m->failed++;
			fprintf(stderr, "%slab: %s %s rep %d failed: %s\n", m->tty ? "\n" : "", lab_exp_name(cs->exp),
				cs->name, run->rep, err);
		}
		runs_write(lab, run, k + 1);
		cost_done += cs->work_ms * (double)cs->n;
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
	meta_write(lab, m->def, m->seed, m->socket);
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

int main(int argc, char **argv)
{
	static struct lab lab;
	static struct lab_main m = { .results = "results/cfs", .wsrc = "auto", .sup = -1 };
	int rc;

	lab.client.fd = -1;
	m.tty = isatty(2);
	rc = args_parse(argc, argv, &lab, &m);
	if (rc >= 0)
		return rc;
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
	for (int i = 0; i < lab.n_runs; i++)
		for (int s = 0; s < LAB_DELAY_COUNT; s++)
			free(lab.runs[i].delays[s].us);
	free(lab.runs);
	free(lab.cases);
	noise_table_free(&lab.noise);
	return rc;
}
