/* memlab: the memory-limit lab's runner. Reads memlimits.conf, runs memory_hog through a
 * private supervisor per (backend, sampling period), samples each container's RSS itself,
 * pairs the supervisor's events with those samples and leaves samples.csv, runs.csv, cost.csv,
 * summary.csv and meta in a run folder; --summarize recomputes summary.csv from the CSVs
 * (after rows of another machine were appended). Single-threaded apart from csvout's writer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "csvin.h"
#include "csvout.h"
#include "labconf.h"
#include "labstats.h"
#include "labsup.h"
#include "memcalc.h"
#include "procstat.h"
#include "rundir.h"

#define KMOD_PERIOD_PARAM "/sys/module/monitor/parameters/period_ms"
#define KMOD_PERIOD_MIN_MS 10
#define STEP_INTERVAL_S 0.0005 /* memory_hog allocates in steps of rate x 0.5 ms */

enum mem_exp { MEM_DEMO, MEM_OVERSHOOT, MEM_COST };
static const char *const exp_names[] = { "demo", "overshoot", "cost" };
static const enum lab_exp exp_sections[] = { LAB_EXP_MEMDEMO, LAB_EXP_OVERSHOOT, LAB_EXP_MONCOST };

/* One supervisor's worth of work: an experiment on one backend at one period. */
struct group {
	enum mem_exp exp;
	uint32_t backend;  /* enum proto_monitor */
	int period_ms;
	int first, n;      /* its runs in the plan */
	int order;
};

struct run {
	int rate;          /* MiB/s asked of memory_hog; moncost: containers */
	int rep;
};

struct memlab {
	struct lab_conf conf;
	const char *profile, *machine, *run_dir;
	char bin_dir[PATH_MAX - 32];
	char rootfs[PATH_MAX];
	struct rundir rd;  /* run_dir is rd.path; the supervisors' private dirs go in rd.tmp */
	int run_base;
	bool want[PROTO_MONITOR_COUNT];   /* backends asked for (conf or --backends) */
	char why_not[PROTO_MONITOR_COUNT][160]; /* asked for but not available here */
	struct group *groups;
	int n_groups;
	struct run *runs;
	int n_runs;
	struct csvout *csv;
	struct csv_table *t_samples, *t_runs, *t_cost;
	struct client client;
	pid_t sup;
	uint64_t last_seq;
	uint64_t rng;     /* start jitter */
	int done, failed, floor_skips;
	double t0;
	bool tty;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: memlab [--profile NAME] [--results DIR] [--backends LIST] [--rootfs DIR]\n"
		"              [--machine NAME] [--run-base N] [--seed N] DEFINITION\n"
		"       memlab --summarize RUN_DIR\n"
		"Runs the memory-limit experiments of DEFINITION (experiments/memlimits.conf) through\n"
		"private supervisors and writes DIR/<run-id>/{samples,runs,cost,summary}.csv and meta;\n"
		"DIR/latest points at it.\n"
		"  --profile NAME  apply the definition's NAME.key overrides (e.g. quick)\n"
		"  --results DIR   where run folders go (default results/memlimits)\n"
		"  --backends LIST backends to run, e.g. \"kmod cgroup\" (default: each section's)\n"
		"  --rootfs DIR    rootfs of the containers (default: the definition's)\n"
		"  --machine NAME  the machine column of every row (default host)\n"
		"  --run-base N    number runs from N + 1 (to merge runs of several machines)\n"
		"  --seed N        shuffle seed (default: the definition's, else from the clock)\n"
		"  --summarize RUN_DIR  only recompute RUN_DIR/summary.csv from its runs.csv and cost.csv\n");
}

static int backend_parse(const char *s, uint32_t *out)
{
	for (uint32_t m = PROTO_MONITOR_KMOD; m < PROTO_MONITOR_COUNT; m++)
		if (!strcmp(s, proto_monitor_name(m))) {
			*out = m;
			return 0;
		}
	return -EINVAL;
}

/* "cgroup proc" -> mask; -EINVAL naming the bad word in bad. */
static int backends_parse(const char *list, bool *mask, char *bad, size_t badlen)
{
	char buf[128], *save = NULL, *tok;
	uint32_t m;

	snprintf(buf, sizeof(buf), "%s", list);
	memset(mask, 0, sizeof(bool) * PROTO_MONITOR_COUNT);
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (backend_parse(tok, &m)) {
			snprintf(bad, badlen, "%s", tok);
			return -EINVAL;
		}
		mask[m] = true;
	}
	return 0;
}

/* Why a backend cannot run here, or "" when it can. */
static void backend_check(uint32_t m, char *why, size_t len)
{
	char line[256];
	FILE *f;

	why[0] = '\0';
	if (m == PROTO_MONITOR_KMOD && access("/dev/container_monitor", F_OK))
		snprintf(why, len, "no /dev/container_monitor (monitor.ko is not loaded; VM=1 runs it in QEMU)");
	else if (m == PROTO_MONITOR_KMOD && access(KMOD_PERIOD_PARAM, W_OK))
		snprintf(why, len, "%s is not writable", KMOD_PERIOD_PARAM);
	if (m != PROTO_MONITOR_CGROUP || !access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK))
		return;
	f = fopen("/sys/fs/cgroup/cgroup.controllers", "re");
	if (f && fgets(line, sizeof(line), f) && strstr(line, "memory")) {
		fclose(f);
		return;
	}
	if (f)
		fclose(f);
	snprintf(why, len, "no memory cgroup controller (v1 or v2) is mounted");
}

static int file_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, s, strlen(s));

	if (n < 0)
		rc = -errno;
	else if ((size_t)n != strlen(s))
		rc = -EIO;
	close(fd);
	return rc;
}

static int group_add(struct memlab *L, enum mem_exp e, uint32_t b, int period)
{
	struct group *g = realloc(L->groups, sizeof(*g) * (size_t)(L->n_groups + 1));

	if (!g)
		return -ENOMEM;
	L->groups = g;
	g[L->n_groups++] = (struct group){ e, b, period, L->n_runs, 0, 0 };
	return 0;
}

static int run_add(struct memlab *L, int rate, int rep)
{
	struct run *r = realloc(L->runs, sizeof(*r) * (size_t)(L->n_runs + 1));

	if (!r)
		return -ENOMEM;
	L->runs = r;
	r[L->n_runs++] = (struct run){ rate, rep };
	L->groups[L->n_groups - 1].n++;
	return 0;
}

/* Groups in a shuffled order; inside each, its runs shuffled too. */
static int plan(struct memlab *L, const char *override, uint64_t seed, char *err, size_t errlen)
{
	uint64_t st = seed;
	int *order, rc = 0;

	for (int e = MEM_DEMO; e <= MEM_COST; e++) {
		const struct lab_section *s = &L->conf.exp[exp_sections[e]];
		bool mask[PROTO_MONITOR_COUNT];
		char bad[64];

		if (!s->enabled)
			continue;
		if (backends_parse(override ? override : s->backends, mask, bad, sizeof(bad))) {
			snprintf(err, errlen, "%s: '%s' is not kmod, cgroup or proc", override ? "--backends" : "key 'backends'", bad);
			return -EINVAL;
		}
		if (e != MEM_COST && s->soft_mib >= s->hard_mib) {
			snprintf(err, errlen, "[%s]: soft_mib %d must be below hard_mib %d", lab_exp_name(exp_sections[e]),
				 s->soft_mib, s->hard_mib);
			return -EINVAL;
		}
		for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++) {
			if (!mask[b])
				continue;
			L->want[b] = true;
			if (L->why_not[b][0])
				continue;
			for (int p = 0; p < s->n_period_ms; p++) {
				if (b == PROTO_MONITOR_KMOD && s->period_ms[p] < KMOD_PERIOD_MIN_MS) {
					L->floor_skips++;
					continue;
				}
				rc = group_add(L, (enum mem_exp)e, b, s->period_ms[p]);
				for (int r = 0; !rc && r < s->repetitions; r++) {
					if (e == MEM_COST) {
						rc = run_add(L, 0, r + 1);
						continue;
					}
					for (int k = 0; !rc && k < s->n_rate; k++)
						rc = run_add(L, s->rate[k], r + 1);
				}
				if (rc)
					return rc;
			}
		}
	}
	order = malloc(sizeof(int) * (size_t)(L->n_groups + L->n_runs + 1));
	if (!order)
		return -ENOMEM;
	for (int i = 0; i < L->n_groups; i++)
		order[i] = i;
	stats_shuffle(order, (size_t)L->n_groups, &st);
	for (int i = 0; i < L->n_groups; i++)
		L->groups[order[i]].order = i;
	for (int i = 0; i < L->n_groups; i++) {
		struct group *g = &L->groups[i];
		struct run *tmp = malloc(sizeof(*tmp) * (size_t)(g->n ? g->n : 1));

		if (!tmp) {
			free(order);
			return -ENOMEM;
		}
		for (int k = 0; k < g->n; k++)
			order[k] = k;
		if (g->exp != MEM_COST)
			stats_shuffle(order, (size_t)g->n, &st);
		for (int k = 0; k < g->n; k++)
			tmp[k] = L->runs[g->first + order[k]];
		memcpy(&L->runs[g->first], tmp, sizeof(*tmp) * (size_t)g->n);
		free(tmp);
	}
	free(order);
	return 0;
}

static int sup_start(struct memlab *L, const struct group *g, char *err, size_t errlen)
{
	char engine[PATH_MAX], logs[PATH_MAX], log_file[PATH_MAX + 64], sock[256], period[16], kperiod[16];
	char *extra[] = { "--monitor", (char *)proto_monitor_name(g->backend), "--monitor-period-ms", period, NULL };
	struct labsup_opts o = { engine, L->rd.tmp, logs, log_file, extra };
	int rc;

	snprintf(period, sizeof(period), "%d", g->period_ms);
	if (g->backend == PROTO_MONITOR_KMOD) {
		snprintf(kperiod, sizeof(kperiod), "%d\n", g->period_ms);
		rc = file_write_str(KMOD_PERIOD_PARAM, kperiod);
		if (rc) {
			snprintf(err, errlen, "setting %s to %d: %s", KMOD_PERIOD_PARAM, g->period_ms, strerror(-rc));
			return rc;
		}
	}
	snprintf(engine, sizeof(engine), "%s/engine", L->bin_dir);
	snprintf(logs, sizeof(logs), "%s/engine-logs", L->run_dir);
	snprintf(log_file, sizeof(log_file), "%s/supervisor-%s-%s-%dms.log", logs, exp_names[g->exp],
		 proto_monitor_name(g->backend), g->period_ms);
	L->last_seq = 0;
	return labsup_start(&o, &L->client, &L->sup, sock, sizeof(sock), err, errlen);
}

static void sup_stop(struct memlab *L)
{
	client_close(&L->client);
	labsup_stop(L->sup);
	L->sup = -1;
}

struct series {
	double *t, *kib;
	size_t n, cap;
};

static int series_add(struct series *s, double t, double kib)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		double *a = realloc(s->t, cap * sizeof(double)), *b;

		if (!a)
			return -ENOMEM;
		s->t = a;
		b = realloc(s->kib, cap * sizeof(double));
		if (!b)
			return -ENOMEM;
		s->kib = b;
		s->cap = cap;
	}
	s->t[s->n] = t;
	s->kib[s->n++] = kib;
	return 0;
}

/* Reads statm every sample_ms until the wait reply is readable; t in ms since start_mono. */
static int rss_follow(struct memlab *L, pid_t pid, uint64_t start_mono, struct series *s)
{
	char path[64], buf[128];
	uint64_t period = (uint64_t)L->conf.sample_ms * 1000000ull, next = now_ns();
	unsigned long long size, res;
	long page_kib = sysconf(_SC_PAGESIZE) / 1024;
	struct pollfd pfd = { L->client.fd, POLLIN, 0 };
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (;;) {
		uint64_t now = now_ns();
		struct timespec ts = { 0, 0 };
		ssize_t n;

		if (next > now)
			ts = (struct timespec){ (time_t)((next - now) / 1000000000ull), (long)((next - now) % 1000000000ull) };
		if (ppoll(&pfd, 1, &ts, NULL) != 0)
			break;
		next += period;
		if (fd < 0)
			continue;
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		now = now_ns();
		if (n <= 0) {
			close(fd);
			fd = -1;
			continue;
		}
		buf[n] = '\0';
		if (sscanf(buf, "%llu %llu", &size, &res) == 2 && !rc)
			rc = series_add(s, (double)(now - start_mono) / 1e6, (double)(res * (unsigned long long)page_kib));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int events_fetch(struct memlab *L, struct proto_event **ev, size_t *n)
{
	int rc = client_events(&L->client, L->last_seq, false, ev, n);

	if (!rc && *n)
		L->last_seq = (*ev)[*n - 1].seq;
	return rc;
}

/* One memory_hog run: start, follow, wait, pair, write its rows. */
static int run_exec(struct memlab *L, const struct group *g, const struct run *r, int run_id, char *err,
		    size_t errlen)
{
	const struct lab_section *s = &L->conf.exp[exp_sections[g->exp]];
	double hard_kib = s->hard_mib * 1024.0, soft_kib = s->soft_mib * 1024.0, step = r->rate * STEP_INTERVAL_S;
	double maxmib = s->hard_mib + 4.0 * r->rate * g->period_ms / 1000.0 + 64, rate = NAN, t_soft = NAN, t_hard = NAN;
	double peak = 0, end_ms, detect, soft_delay, overshoot;
	char id[PROTO_ID_SIZE], a_rate[16], a_step[16], a_max[16], end[64];
	char *argv[] = { "/memory_hog", "--rate", a_rate, "--step", a_step, "--max", a_max, "--quiet", NULL };
	struct client_start_opts o = { 0 };
	struct proto_container pc;
	struct proto_event *ev = NULL;
	struct series ser = { 0 };
	struct mem_pair pair;
	size_t nev = 0;
	bool extra = false, ok;
	int rc;

	snprintf(id, sizeof(id), "mem-%d", run_id);
	snprintf(a_rate, sizeof(a_rate), "%d", r->rate);
	snprintf(a_step, sizeof(a_step), "%.4f", step < 1.0 / 256 ? 1.0 / 256 : step);
	snprintf(a_max, sizeof(a_max), "%.0f", maxmib);
	o.id = id;
	o.rootfs = L->rootfs;
	o.argv = argv;
	o.soft_mib = (unsigned)s->soft_mib;
	o.hard_mib = (unsigned)s->hard_mib;
	o.rm = o.hold = true;
	rc = client_start(&L->client, &o, &pc, NULL, 0);
	if (rc) {
		snprintf(err, errlen, "start: %s", client_error(&L->client));
		return rc;
	}
	rc = client_wait_begin(&L->client, id);
	if (!rc)
		rc = rss_follow(L, pc.pid, pc.start_mono_ns, &ser);
	if (!rc)
		rc = client_wait_end(&L->client, &pc);
	if (rc) {
		snprintf(err, errlen, "wait: %s", client_error(&L->client));
		goto out;
	}
	rc = events_fetch(L, &ev, &nev);
	if (rc) {
		snprintf(err, errlen, "events: %s", client_error(&L->client));
		goto out;
	}
	rc = mem_events_pair(ev, nev, id, pc.start_real_ns, &pair);
	if (rc) {
		snprintf(err, errlen, "events of %s: %s", id, rc == -ENOENT ? "none" : "out of order");
		goto out;
	}
	for (size_t i = 0; i < ser.n; i++) {
		if (!rc)
			rc = csvout_row(L->csv, L->t_samples, "sifl", L->machine, run_id, ser.t[i], (long long)ser.kib[i]);
		if (ser.kib[i] > peak)
			peak = ser.kib[i];
	}
	mem_growth_rate(ser.t, ser.kib, ser.n, soft_kib, hard_kib, &rate);
	mem_cross_time(ser.t, ser.kib, ser.n, soft_kib, 50, &t_soft, &extra);
	if (mem_cross_time(ser.t, ser.kib, ser.n, hard_kib, 50, &t_hard, &extra))
		t_hard = NAN;
	end_ms = pc.end_mono_ns > pc.start_mono_ns ? (double)(pc.end_mono_ns - pc.start_mono_ns) / 1e6 : NAN;
	if (extra && t_hard > end_ms)
		t_hard = end_ms;
	/* No soft event is no failure: a sampler can miss the whole soft..hard span (soft_seen). */
	ok = (pc.state == PROTO_STATE_HARD_LIMIT || pc.state == PROTO_STATE_OOM) && pair.have_kill;
	detect = pair.have_kill ? pair.kill_ms - t_hard : NAN;
	soft_delay = pair.have_soft ? pair.soft_ms - t_soft : NAN;
	overshoot = pair.have_kill ? ((double)pc.rss_kill_kib - hard_kib) / 1024.0 : NAN;
	client_reason_format(&pc, end, sizeof(end));
	if (!rc)
		rc = csvout_row(L->csv, L->t_runs, "siissiiiiisgggggigiggggggggig", L->machine, run_id, g->order,
			exp_names[g->exp], proto_monitor_name(g->backend), g->period_ms, r->rate, r->rep, s->soft_mib,
			s->hard_mib, proto_state_name(pc.state), rate, t_soft,
			pair.have_soft ? pair.soft_ms : NAN, soft_delay, pair.have_soft ? (double)pair.soft_rss_kib : NAN,
			pair.soft_count, t_hard, (int)extra, pair.have_kill ? pair.kill_ms : NAN, end_ms, detect,
			(double)pc.rss_kill_kib, overshoot, peak, peak / 1024.0 - s->hard_mib, (double)ser.n,
			(int)ok, (double)pc.start_mono_ns / 1e6);
	if (!ok && !rc) {
		snprintf(err, errlen, "%s ended %s (soft events %d, kill event %s)", id, end, pair.soft_count,
			 pair.have_kill ? "yes" : "no");
		rc = -EPROTO;
	}
out:
	free(ev);
	free(ser.t);
	free(ser.kib);
	return rc;
}

/* The supervisor's event-loop CPU per sampling tick with n idle containers watched. */
static int cost_exec(struct memlab *L, const struct group *g, const struct run *r, int *have, char *err,
		     size_t errlen)
{
	const struct lab_section *s = &L->conf.exp[LAB_EXP_MONCOST];
	char *argv[] = { "/memory_hog", "--max", "1", "--hold-s", "86400", "--quiet", NULL };
	struct schedstat a, b;
	int rc = 0;

	for (int k = 0; k < s->n_count && !rc; k++) {
		struct proto_container pc;
		char id[PROTO_ID_SIZE];
		double t0, win, samples, cpu_ns;

		while (*have < s->count[k]) {
			struct client_start_opts o = { 0 };

			snprintf(id, sizeof(id), "idle-%d", *have);
			o.id = id;
			o.rootfs = L->rootfs;
			o.argv = argv;
			o.soft_mib = 100;
			o.hard_mib = 200;
			rc = client_start(&L->client, &o, &pc, NULL, 0);
			if (rc) {
				snprintf(err, errlen, "start %s: %s", id, client_error(&L->client));
				return rc;
			}
			(*have)++;
		}
		usleep(200000);
		t0 = now_s();
		rc = schedstat_read(L->sup, &a);
		usleep((useconds_t)s->duration_ms * 1000);
		if (!rc)
			rc = schedstat_read(L->sup, &b);
		win = now_s() - t0;
		if (rc) {
			snprintf(err, errlen, "reading the supervisor's schedstat: %s", strerror(-rc));
			return rc;
		}
		samples = win * 1000.0 / g->period_ms;
		cpu_ns = (double)(b.cpu_ns - a.cpu_ns);
		rc = csvout_row(L->csv, L->t_cost, "ssiiiggggg", L->machine, proto_monitor_name(g->backend), g->period_ms,
				*have, r->rep, win * 1000.0, cpu_ns, samples, cpu_ns / 1000.0 / samples,
				cpu_ns / 1000.0 / samples / *have);
	}
	return rc;
}

static void progress(struct memlab *L, const struct group *g, const struct run *r, int total)
{
	double el = now_s() - L->t0, left = el * (total - L->done) / (L->done ? L->done : 1);

	if (L->tty)
		fprintf(stderr, "\r\033[K[%d/%d] %s %s %d ms %s%d rep %d | %.0f s elapsed, about %.0f s left", L->done,
			total, exp_names[g->exp], proto_monitor_name(g->backend), g->period_ms,
			g->exp == MEM_COST ? "" : "rate ", g->exp == MEM_COST ? 0 : r->rate, r->rep, el, left);
	else
		fprintf(stderr, "memlab: [%d/%d] %s %s %d ms rate %d rep %d done, %.0f s elapsed, about %.0f s left\n",
			L->done, total, exp_names[g->exp], proto_monitor_name(g->backend), g->period_ms, r->rate,
			r->rep, el, left);
}

/* An idle container watched for the whole group: it keeps the monitor's sampling running, so
 * the ticks' phase does not follow each run's start (a timer armed per run would put every
 * crossing at the same point of the period and make the overshoot the same in every run). */
static int keeper_start(struct memlab *L, char *err, size_t errlen)
{
	char *argv[] = { "/memory_hog", "--max", "1", "--hold-s", "86400", "--quiet", NULL };
	struct client_start_opts o = { .id = "keeper", .argv = argv, .soft_mib = 100, .hard_mib = 200 };
	struct proto_container pc;
	int rc;

	o.rootfs = L->rootfs;
	rc = client_start(&L->client, &o, &pc, NULL, 0);
	if (rc)
		snprintf(err, errlen, "start of the phase keeper: %s", client_error(&L->client));
	return rc;
}

static void group_exec(struct memlab *L, const struct group *g)
{
	char err[1024] = "";
	int have = 0;

	if (sup_start(L, g, err, sizeof(err))) {
		fprintf(stderr, "%smemlab: %s %s %d ms: %s\n", L->tty ? "\n" : "", exp_names[g->exp],
			proto_monitor_name(g->backend), g->period_ms, err);
		L->failed += g->n;
		L->done += g->n;
		return;
	}
	if (g->exp != MEM_COST && keeper_start(L, err, sizeof(err))) {
		fprintf(stderr, "%smemlab: %s\n", L->tty ? "\n" : "", err);
		L->failed += g->n;
		L->done += g->n;
		sup_stop(L);
		return;
	}
	for (int k = 0; k < g->n; k++) {
		const struct run *r = &L->runs[g->first + k];
		int rc;

		err[0] = '\0';
		/* A start at a random point of the sampling period. */
		if (g->exp != MEM_COST)
			usleep((useconds_t)(stats_rand_next(&L->rng) % ((uint64_t)g->period_ms * 1000)));
		rc = g->exp == MEM_COST ? cost_exec(L, g, r, &have, err, sizeof(err))
					: run_exec(L, g, r, L->run_base + g->first + k + 1, err, sizeof(err));
		if (rc) {
			L->failed++;
			fprintf(stderr, "%smemlab: %s %s %d ms rate %d rep %d: %s\n", L->tty ? "\n" : "",
				exp_names[g->exp], proto_monitor_name(g->backend), g->period_ms, r->rate, r->rep, err);
		}
		L->done++;
		progress(L, g, r, L->n_runs);
		if (g->exp == MEM_COST && have) {
			/* Each repetition starts from none: the shutdown kills the idle ones. */
			sup_stop(L);
			have = 0;
			if (k + 1 < g->n && sup_start(L, g, err, sizeof(err))) {
				fprintf(stderr, "\nmemlab: restarting the supervisor: %s\n", err);
				L->failed += g->n - k - 1;
				L->done += g->n - k - 1;
				return;
			}
		}
	}
	if (L->sup > 0)
		sup_stop(L);
}

static void meta_write(struct memlab *L, const char *def, uint64_t seed)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/meta", L->run_dir);
	f = fopen(path, "we");
	if (!f)
		return;
	labsup_meta_machine(f);
	fprintf(f, "machine=%s\ndefinition=%s\nprofile=%s\nseed=%llu\nsample_ms=%d\nrootfs=%s\n", L->machine, def,
		L->profile ? L->profile : "default", (unsigned long long)seed, L->conf.sample_ms, L->rootfs);
	fprintf(f, "cgroup_memory=%s\n", !access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) ? "v1" : "v2");
	for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++)
		if (L->want[b])
			fprintf(f, "backend_%s=%s\n", proto_monitor_name(b), L->why_not[b][0] ? L->why_not[b] : "ran");
	if (L->floor_skips)
		fprintf(f, "kmod_period_floor=%d ms (the module's period_ms is %d..10000): %d period%s below it not run\n",
			KMOD_PERIOD_MIN_MS, KMOD_PERIOD_MIN_MS, L->floor_skips, L->floor_skips == 1 ? "" : "s");
	fclose(f);
}

/* ---- --summarize: runs.csv and cost.csv back in, summary.csv out ---- */

struct sum_key {
	char exp[16], machine[32], backend[16];
	int period, rate, containers;
};

static int sum_row(struct csvout *o, struct csv_table *t, const struct sum_key *k, const char *metric,
		   const char *unit, double *v, size_t n, double theory, double theory_max)
{
	double mean = NAN, ci = NAN, lo = NAN, hi = NAN;

	if (n) {
		stats_mean_ci(v, n, &mean, &ci);
		stats_percentile(v, n, 0, &lo);
		stats_percentile(v, n, 100, &hi);
	}
	return csvout_row(o, t, "sssiiissigggggg", k->exp, k->machine, k->backend, k->period, k->rate, k->containers,
			  metric, unit, (int)n, theory, theory_max, mean, ci, lo, hi);
}

static double num(const struct csvin *t, size_t row, int col)
{
	const char *s = csvin_get(t, row, col);
	char *end;
	double v;

	if (!*s)
		return NAN;
	v = strtod(s, &end);
	return *end ? NAN : v;
}

static int summarize_runs(struct csvout *o, struct csv_table *t, const struct csvin *in)
{
	int c_exp = csvin_col(in, "experiment"), c_mach = csvin_col(in, "machine"), c_b = csvin_col(in, "backend");
	int c_p = csvin_col(in, "period_ms"), c_r = csvin_col(in, "rate_set"), c_ok = csvin_col(in, "ok");
	int c_rate = csvin_col(in, "rate_mibs"), c_ov = csvin_col(in, "overshoot_mib"), c_det = csvin_col(in, "detect_ms");
	int c_sd = csvin_col(in, "soft_delay_ms"), c_state = csvin_col(in, "state"), c_se = csvin_col(in, "soft_events");
	int c_soft = csvin_col(in, "soft_mib"), c_hard = csvin_col(in, "hard_mib");
	double *ov, *det, *sd, *rate, *killed, *seen;
	bool *done;
	int rc = 0;

	if (c_exp < 0 || c_mach < 0 || c_b < 0 || c_p < 0 || c_r < 0 || c_ok < 0 || c_rate < 0 || c_ov < 0 ||
	    c_det < 0 || c_sd < 0 || c_state < 0 || c_se < 0 || c_soft < 0 || c_hard < 0)
		return -EPROTO;
	ov = calloc(in->nrows + 1, sizeof(double));
	det = calloc(in->nrows + 1, sizeof(double));
	sd = calloc(in->nrows + 1, sizeof(double));
	rate = calloc(in->nrows + 1, sizeof(double));
	killed = calloc(in->nrows + 1, sizeof(double));
	seen = calloc(in->nrows + 1, sizeof(double));
	done = calloc(in->nrows + 1, sizeof(bool));
	if (!ov || !det || !sd || !rate || !killed || !seen || !done) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; !rc && i < in->nrows; i++) {
		struct sum_key k = { .containers = 0 };
		size_t nov = 0, ndet = 0, nsd = 0, nrate = 0, nk = 0, nseen = 0;
		double span = atof(csvin_get(in, i, c_hard)) - atof(csvin_get(in, i, c_soft)), seen_th;
		struct mem_theory th, ths;
		uint32_t b = PROTO_MONITOR_NONE;
		double rmean = 0;

		if (done[i])
			continue;
		snprintf(k.exp, sizeof(k.exp), "%s", csvin_get(in, i, c_exp));
		snprintf(k.machine, sizeof(k.machine), "%s", csvin_get(in, i, c_mach));
		snprintf(k.backend, sizeof(k.backend), "%s", csvin_get(in, i, c_b));
		k.period = atoi(csvin_get(in, i, c_p));
		k.rate = atoi(csvin_get(in, i, c_r));
		backend_parse(k.backend, &b);
		for (size_t j = i; j < in->nrows; j++) {
			double v;

			if (done[j] || strcmp(k.exp, csvin_get(in, j, c_exp)) || strcmp(k.machine, csvin_get(in, j, c_mach)) ||
			    strcmp(k.backend, csvin_get(in, j, c_b)) || k.period != atoi(csvin_get(in, j, c_p)) ||
			    k.rate != atoi(csvin_get(in, j, c_r)))
				continue;
			done[j] = true;
			killed[nk++] = (!strcmp(csvin_get(in, j, c_state), "hard-limit") ||
					!strcmp(csvin_get(in, j, c_state), "oom")) ? 100 : 0;
			if (strcmp(csvin_get(in, j, c_ok), "1"))
				continue;
			seen[nseen++] = atoi(csvin_get(in, j, c_se)) > 0 ? 100 : 0;
			if (!isnan(v = num(in, j, c_ov)))
				ov[nov++] = v;
			if (!isnan(v = num(in, j, c_det)))
				det[ndet++] = v;
			if (!isnan(v = num(in, j, c_sd)))
				sd[nsd++] = v;
			if (!isnan(v = num(in, j, c_rate)))
				rate[nrate++] = v;
		}
		for (size_t j = 0; j < nrate; j++)
			rmean += rate[j] / (double)nrate;
		mem_theory_hard(b, nrate ? rmean : k.rate, k.period, &th);
		mem_theory_soft(k.period, &ths);
		rc = sum_row(o, t, &k, "killed", "%", killed, nk, 100, 100);
		if (!rc)
			rc = sum_row(o, t, &k, "rate", "MiB/s", rate, nrate, k.rate, k.rate);
		if (!rc)
			rc = sum_row(o, t, &k, "overshoot", "MiB", ov, nov, th.overshoot_mean_mib, th.overshoot_max_mib);
		if (!rc)
			rc = sum_row(o, t, &k, "kill_delay", "ms", det, ndet, th.delay_mean_ms, th.delay_max_ms);
		if (!rc)
			rc = sum_row(o, t, &k, "soft_delay", "ms", sd, nsd, ths.delay_mean_ms, ths.delay_max_ms);
		/* proc and kmod report the soft crossing with the kill at worst; the cgroup sampler sees
		 * it only if a tick falls in the soft..hard span before the kernel's kill. */
		seen_th = b == PROTO_MONITOR_CGROUP && nrate ? fmin(100, 100 * span * 1000 / (rmean * k.period)) : 100;
		if (!rc)
			rc = sum_row(o, t, &k, "soft_seen", "%", seen, nseen, seen_th, 100);
	}
out:
	free(ov);
	free(det);
	free(sd);
	free(rate);
	free(killed);
	free(seen);
	free(done);
	return rc;
}

static int summarize_cost(struct csvout *o, struct csv_table *t, const struct csvin *in)
{
	int c_mach = csvin_col(in, "machine"), c_b = csvin_col(in, "backend"), c_p = csvin_col(in, "period_ms");
	int c_n = csvin_col(in, "containers"), c_us = csvin_col(in, "us_per_sample");
	double *v;
	bool *done;
	int rc = 0;

	if (c_mach < 0 || c_b < 0 || c_p < 0 || c_n < 0 || c_us < 0)
		return -EPROTO;
	v = calloc(in->nrows + 1, sizeof(double));
	done = calloc(in->nrows + 1, sizeof(bool));
	if (!v || !done) {
		free(v);
		free(done);
		return -ENOMEM;
	}
	for (size_t i = 0; !rc && i < in->nrows; i++) {
		struct sum_key k = { .exp = "cost" };
		size_t n = 0;

		if (done[i])
			continue;
		snprintf(k.machine, sizeof(k.machine), "%s", csvin_get(in, i, c_mach));
		snprintf(k.backend, sizeof(k.backend), "%s", csvin_get(in, i, c_b));
		k.period = atoi(csvin_get(in, i, c_p));
		k.containers = atoi(csvin_get(in, i, c_n));
		for (size_t j = i; j < in->nrows; j++) {
			if (done[j] || strcmp(k.machine, csvin_get(in, j, c_mach)) || strcmp(k.backend, csvin_get(in, j, c_b)) ||
			    k.period != atoi(csvin_get(in, j, c_p)) || k.containers != atoi(csvin_get(in, j, c_n)))
				continue;
			done[j] = true;
			if (!isnan(num(in, j, c_us)))
				v[n++] = num(in, j, c_us);
		}
		rc = sum_row(o, t, &k, "cpu_per_sample", "us", v, n, NAN, NAN);
	}
	free(v);
	free(done);
	return rc;
}

static int summarize(const char *dir)
{
	static const char *const cols[] = { "experiment", "machine", "backend", "period_ms", "rate", "containers",
					    "metric", "unit", "n", "theory", "theory_max", "mean", "ci95", "min", "max" };
	char path[PATH_MAX];
	struct csvin runs, cost;
	struct csvout *o;
	struct csv_table *t;
	int rc, rc2;

	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	rc = csvin_load(path, &runs);
	if (rc) {
		fprintf(stderr, "memlab: reading %s: %s\n", path, strerror(-rc));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cost.csv", dir);
	rc = csvin_load(path, &cost);
	if (rc) {
		fprintf(stderr, "memlab: reading %s: %s\n", path, strerror(-rc));
		csvin_free(&runs);
		return 1;
	}
	rc = csvout_create(&o, 1 << 20);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/summary.csv", dir);
		rc = csvout_table_open(o, &t, path, cols, sizeof(cols) / sizeof(cols[0]));
		if (!rc)
			rc = summarize_runs(o, t, &runs);
		if (!rc)
			rc = summarize_cost(o, t, &cost);
		rc2 = csvout_destroy(o);
		if (!rc)
			rc = rc2;
	}
	csvin_free(&runs);
	csvin_free(&cost);
	if (rc) {
		fprintf(stderr, "memlab: writing %s/summary.csv: %s\n", dir, strerror(-rc));
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
		"overshoot_mib", "peak_sample_kib", "peak_sample_over_mib", "samples", "ok", "start_mono_ms"
	};
	static const char *const cost_cols[] = { "machine", "backend", "period_ms", "containers", "rep", "window_ms",
						 "cpu_ns", "samples", "us_per_sample", "us_per_container_sample" };
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "results", required_argument, NULL, 'r' },
		{ "backends", required_argument, NULL, 'b' }, { "rootfs", required_argument, NULL, 'R' },
		{ "machine", required_argument, NULL, 'm' }, { "run-base", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 'S' },     { "summarize", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },           { 0 }
	};
	static struct memlab L;
	const char *results = "results/memlimits", *backends = NULL, *rootfs = NULL, *sum_dir = NULL, *def, *run_dir;
	char err[1024] = "", exe[PATH_MAX];
	uint64_t seed = 0;
	bool have_seed = false;
	int c, rc, failed;
	ssize_t n;
	char *end;

	L.machine = "host";
	L.sup = -1;
	L.client.fd = -1;
	L.tty = isatty(2);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': L.profile = optarg; break;
		case 'r': results = optarg; break;
		case 'b': backends = optarg; break;
		case 'R': rootfs = optarg; break;
		case 'm':
			if (!*optarg || strlen(optarg) > 31 || strpbrk(optarg, ",\"\n")) {
				fprintf(stderr, "memlab: invalid --machine '%s' (1..31 characters, no comma or quote)\n", optarg);
				return 2;
			}
			L.machine = optarg;
			break;
		case 'B':
			errno = 0;
			L.run_base = (int)strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || L.run_base < 0 || L.run_base > 100000000) {
				fprintf(stderr, "memlab: invalid --run-base '%s'\n", optarg);
				return 2;
			}
			break;
		case 'S':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				fprintf(stderr, "memlab: invalid --seed '%s'\n", optarg);
				return 2;
			}
			have_seed = true;
			break;
		case 's': sum_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (sum_dir && optind == argc)
		return summarize(sum_dir);
	if (sum_dir || optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	def = argv[optind];
	if (lab_conf_load(&L.conf, def, L.profile, err, sizeof(err))) {
		fprintf(stderr, "memlab: %s\n", err);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "memlab: needs root (containers, cgroups, the module's period)\n");
		return 1;
	}
	for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++)
		backend_check(b, L.why_not[b], sizeof(L.why_not[b]));
	if (!have_seed)
		seed = L.conf.seed ? L.conf.seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	L.rng = seed ^ 0x9e3779b97f4a7c15ull;
	rc = plan(&L, backends, seed, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "memlab: %s\n", rc == -ENOMEM ? "out of memory" : err);
		return rc == -ENOMEM ? 1 : 2;
	}
	for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++)
		if (L.want[b] && L.why_not[b][0])
			fprintf(stderr, "memlab: backend %s left out: %s\n", proto_monitor_name(b), L.why_not[b]);
	if (L.floor_skips)
		fprintf(stderr, "memlab: kmod periods below the module's %d ms floor left out (%d)\n", KMOD_PERIOD_MIN_MS,
			L.floor_skips);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "memlab: cannot find my own binary: %s\n", strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(L.bin_dir, sizeof(L.bin_dir), "%s", exe);
	if (!realpath(rootfs ? rootfs : L.conf.rootfs, L.rootfs)) {
		fprintf(stderr, "memlab: rootfs %s: %s (make rootfs builds it)\n", rootfs ? rootfs : L.conf.rootfs,
			strerror(errno));
		return 1;
	}
	rc = rundir_create(&L.rd, results, L.profile);
	if (rc) {
		fprintf(stderr, "memlab: cannot create %s: %s\n", L.rd.path, strerror(-rc));
		return 1;
	}
	L.run_dir = run_dir = L.rd.path;
	rc = rundir_tmp_make(&L.rd, "memlab");
	if (rc) {
		fprintf(stderr, "memlab: mkdtemp: %s\n", strerror(-rc));
		return 1;
	}
	rc = tables_open(&L);
	if (rc) {
		fprintf(stderr, "memlab: creating the CSV files in %s: %s\n", run_dir, strerror(-rc));
		L.failed = 1;
	}
	fprintf(stderr, "memlab: %d runs in %d supervisor groups into %s (seed %llu)\n", L.n_runs, L.n_groups, run_dir,
		(unsigned long long)seed);
	L.t0 = now_s();
	for (int k = 0; !rc && k < L.n_groups; k++)
		for (int i = 0; i < L.n_groups; i++)
			if (L.groups[i].order == k)
				group_exec(&L, &L.groups[i]);
	if (L.tty)
		fputc('\n', stderr);
	meta_write(&L, def, seed);
	rc = rundir_copy_definition(&L.rd, def);
	if (rc)
		fprintf(stderr, "memlab: could not copy %s into %s: %s\n", def, run_dir, strerror(-rc));
	if (L.csv) {
		rc = csvout_destroy(L.csv);
		if (rc) {
			fprintf(stderr, "memlab: writing CSV files: %s\n", strerror(-rc));
			L.failed++;
		}
	}
	rc = rundir_tmp_remove(&L.rd);
	if (rc)
		fprintf(stderr, "memlab: could not remove %s: %s\n", L.rd.tmp, strerror(-rc));
	failed = L.failed;
	if (summarize(run_dir))
		failed++;
	rc = rundir_link_latest(&L.rd);
	if (rc)
		fprintf(stderr, "memlab: linking %s/latest: %s\n", results, strerror(-rc));
	free(L.groups);
	free(L.runs);
	if (failed)
		fprintf(stderr, "memlab: %d run%s failed; see %s\n", failed, failed == 1 ? "" : "s", run_dir);
	else
		fprintf(stderr, "memlab: done in %.0f s: %s\n", now_s() - L.t0, run_dir);
	return failed ? 1 : 0;
}
