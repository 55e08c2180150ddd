/* The memory lab's runs (memlab.h): per group a private supervisor on its backend and period
 * (the module's period set first for kmod), memory_hog runs followed by the runner's own RSS
 * sampler and paired with the supervisor's events, or the monitor's cost with idle containers.
 * Main thread only; the supervisor and client are L's, one group at a time. */
#include "memlab.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "labstats.h"
#include "labsup.h"
#include "memcalc.h"
#include "lib/procfs.h"
#include "lib/clock.h"
#include "lib/file.h"

#define STEP_INTERVAL_S 0.0005 /* memory_hog allocates in steps of rate x 0.5 ms */

/* "kmod-event", "kmod-scan" or the backend's name: how messages and log names call a group. */
static const char *group_label(const struct mem_group *g, char *buf, size_t len)
{
	if (g->mode == MEM_MODE_NONE)
		return proto_monitor_name(g->backend);
	snprintf(buf, len, "%s-%s", proto_monitor_name(g->backend), mem_mode_name(g->mode));
	return buf;
}

static int sup_start(struct memlab *L, const struct mem_group *g, char *err, size_t errlen)
{
	char engine[PATH_MAX], logs[PATH_MAX], log_file[PATH_MAX + 64], sock[256], period[16], kperiod[16], lb[32];
	char *extra[] = { "--monitor", (char *)proto_monitor_name(g->backend), "--monitor-period-ms", period,
			  g->mode ? "--monitor-mode" : NULL, (char *)mem_mode_name(g->mode), NULL };
	struct labsup_opts o = { engine, L->rd.tmp, logs, log_file, extra };
	int rc;

	snprintf(period, sizeof(period), "%d", g->period_ms);
	if (g->backend == PROTO_MONITOR_KMOD) {
		snprintf(kperiod, sizeof(kperiod), "%d\n", g->period_ms);
		rc = file_write(KMOD_PERIOD_PARAM, kperiod);
		if (rc) {
			snprintf(err, errlen, "setting %s to %d: %s", KMOD_PERIOD_PARAM, g->period_ms, strerror(-rc));
			return rc;
		}
	}
	snprintf(engine, sizeof(engine), "%s/engine", L->bin_dir);
	snprintf(logs, sizeof(logs), "%s/engine-logs", L->run_dir);
	snprintf(log_file, sizeof(log_file), "%s/supervisor-%s-%s-%dms.log", logs, mem_exp_name(g->exp),
		 group_label(g, lb, sizeof(lb)), g->period_ms);
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
	double file_kib; /* statm's shared (file-backed) resident pages at the highest RSS sample */
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

/* Resident and shared (file-backed) pages from a kept statm fd; -ESRCH once the process is gone,
 * -EBADMSG for text that is not statm's. */
static int statm_read_shared(int fd, uint64_t *resident, uint64_t *shared)
{
	unsigned long long size, res, shr;
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &size, &res, &shr) != 3)
		return -EBADMSG;
	*resident = res;
	*shared = shr;
	return 0;
}

/* Reads statm every sample_ms until the wait reply is readable; t in ms since start_mono. */
static int rss_follow(struct memlab *L, pid_t pid, uint64_t start_mono, struct series *s)
{
	uint64_t period = (uint64_t)L->conf.sample_ms * 1000000ull, next = clock_mono_ns(), pages = 0, shared = 0;
	uint64_t page_kib = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
	double peak = -1;
	struct pollfd pfd = { L->client.fd, POLLIN, 0 };
	int fd = statm_open(pid), rc = 0;

	for (;;) {
		uint64_t now = clock_mono_ns();
		struct timespec ts = { 0, 0 };
		int r;

		if (next > now)
			ts = (struct timespec){ (time_t)((next - now) / 1000000000ull), (long)((next - now) % 1000000000ull) };
		if (ppoll(&pfd, 1, &ts, NULL) != 0)
			break;
		next += period;
		if (fd < 0)
			continue;
		r = statm_read_shared(fd, &pages, &shared);
		now = clock_mono_ns();
		if (r && r != -EBADMSG) {
			close(fd);
			fd = -1;
			continue;
		}
		if (!r && !rc)
			rc = series_add(s, (double)(now - start_mono) / 1e6, (double)(pages * page_kib));
		if (!r && (double)pages > peak) {
			peak = (double)pages;
			s->file_kib = (double)(shared * page_kib);
		}
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

/* Starts one memory_hog and follows its RSS until the supervisor's wait reply says it ended. */
static int run_follow(struct memlab *L, const struct mem_group *g, const struct mem_run *r, const char *id,
		      struct proto_container *pc, struct series *ser, char *err, size_t errlen)
{
	const struct lab_section *s = &L->conf.exp[mem_exp_section(g->exp)];
	double step = r->rate * STEP_INTERVAL_S, maxmib = s->hard_mib + 4.0 * r->rate * g->period_ms / 1000.0 + 64;
	char a_rate[16], a_step[16], a_max[16];
	char *argv[] = { "/memory_hog", "--rate", a_rate, "--step", a_step, "--max", a_max, "--quiet", NULL };
	struct client_start_opts o = { 0 };
	int rc;

	snprintf(a_rate, sizeof(a_rate), "%d", r->rate);
	snprintf(a_step, sizeof(a_step), "%.4f", step < 1.0 / 256 ? 1.0 / 256 : step);
	snprintf(a_max, sizeof(a_max), "%.0f", maxmib);
	o.id = id;
	o.rootfs = L->rootfs;
	o.argv = argv;
	o.soft_mib = (unsigned)s->soft_mib;
	o.hard_mib = (unsigned)s->hard_mib;
	o.rm = o.hold = true;
	rc = client_start(&L->client, &o, pc, NULL, 0);
	if (rc) {
		snprintf(err, errlen, "start: %s", client_error(&L->client));
		return rc;
	}
	rc = client_wait_begin(&L->client, id);
	if (!rc)
		rc = rss_follow(L, pc->pid, pc->start_mono_ns, ser);
	if (!rc)
		rc = client_wait_end(&L->client, pc);
	if (rc)
		snprintf(err, errlen, "wait: %s", client_error(&L->client));
	return rc;
}

/* One run's samples.csv rows and its runs.csv row: the crossings the sampler saw against the
 * supervisor's events. -EPROTO when the hog was not killed at its hard limit. */
static int run_rows(struct memlab *L, const struct mem_group *g, const struct mem_run *r, int run_id,
		    const struct proto_container *pc, const struct series *ser, const struct mem_pair *pair,
		    char *err, size_t errlen)
{
	const struct lab_section *s = &L->conf.exp[mem_exp_section(g->exp)];
	double hard_kib = s->hard_mib * 1024.0, soft_kib = s->soft_mib * 1024.0;
	double rate = NAN, t_soft = NAN, t_hard = NAN, peak = 0, end_ms, detect, soft_delay, overshoot;
	char end[64];
	bool extra = false, ok;
	int rc = 0;

	for (size_t i = 0; i < ser->n; i++) {
		if (!rc)
			rc = csvout_row(L->csv, L->t_samples, "sifl", L->machine, run_id, ser->t[i], (long long)ser->kib[i]);
		if (ser->kib[i] > peak)
			peak = ser->kib[i];
	}
	mem_growth_rate(ser->t, ser->kib, ser->n, soft_kib, hard_kib, &rate);
	mem_cross_time(ser->t, ser->kib, ser->n, soft_kib, 50, &t_soft, &extra);
	if (mem_cross_time(ser->t, ser->kib, ser->n, hard_kib, 50, &t_hard, &extra))
		t_hard = NAN;
	end_ms = pc->end_mono_ns > pc->start_mono_ns ? (double)(pc->end_mono_ns - pc->start_mono_ns) / 1e6 : NAN;
	if (extra && t_hard > end_ms)
		t_hard = end_ms;
	/* No soft event is no failure: a sampler can miss the whole soft..hard span (soft_seen). */
	ok = (pc->state == PROTO_STATE_HARD_LIMIT || pc->state == PROTO_STATE_OOM) && pair->have_kill;
	detect = pair->have_kill ? pair->kill_ms - t_hard : NAN;
	soft_delay = pair->have_soft ? pair->soft_ms - t_soft : NAN;
	overshoot = pair->have_kill ? ((double)pc->rss_kill_kib - hard_kib) / 1024.0 : NAN;
	client_reason_format(pc, end, sizeof(end));
	if (!rc)
		rc = csvout_row(L->csv, L->t_runs, "siissiiiiisgggggigiggggggggigssg", L->machine, run_id, g->order,
			mem_exp_name(g->exp), proto_monitor_name(g->backend), g->period_ms, r->rate, r->rep, s->soft_mib,
			s->hard_mib, proto_state_name(pc->state), rate, t_soft,
			pair->have_soft ? pair->soft_ms : NAN, soft_delay, pair->have_soft ? (double)pair->soft_rss_kib : NAN,
			pair->soft_count, t_hard, (int)extra, pair->have_kill ? pair->kill_ms : NAN, end_ms, detect,
			(double)pc->rss_kill_kib, overshoot, peak, peak / 1024.0 - s->hard_mib, (double)ser->n,
			(int)ok, (double)pc->start_mono_ns / 1e6, L->kernel, mem_mode_name(g->mode), ser->file_kib);
	if (!ok && !rc) {
		snprintf(err, errlen, "mem-%d ended %s (soft events %d, kill event %s)", run_id, end, pair->soft_count,
			 pair->have_kill ? "yes" : "no");
		rc = -EPROTO;
	}
	return rc;
}

/* One memory_hog run: start, follow, wait, pair, write its rows. */
static int run_exec(struct memlab *L, const struct mem_group *g, const struct mem_run *r, int run_id, char *err,
		    size_t errlen)
{
	char id[PROTO_ID_SIZE];
	struct proto_container pc;
	struct proto_event *ev = NULL;
	struct series ser = { 0 };
	struct mem_pair pair;
	size_t nev = 0;
	int rc;

	snprintf(id, sizeof(id), "mem-%d", run_id);
	rc = run_follow(L, g, r, id, &pc, &ser, err, errlen);
	if (rc)
		goto out;
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
	rc = run_rows(L, g, r, run_id, &pc, &ser, &pair, err, errlen);
out:
	free(ev);
	free(ser.t);
	free(ser.kib);
	return rc;
}


/* The supervisor's event-loop CPU per sampling tick with n idle containers watched. */
static int cost_exec(struct memlab *L, const struct mem_group *g, const struct mem_run *r, int *have, char *err,
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
		t0 = clock_mono_s();
		rc = schedstat_read(L->sup, &a);
		usleep((useconds_t)s->duration_ms * 1000);
		if (!rc)
			rc = schedstat_read(L->sup, &b);
		win = clock_mono_s() - t0;
		if (rc) {
			snprintf(err, errlen, "reading the supervisor's schedstat: %s", strerror(-rc));
			return rc;
		}
		samples = win * 1000.0 / g->period_ms;
		cpu_ns = (double)(b.cpu_ns - a.cpu_ns);
		rc = csvout_row(L->csv, L->t_cost, "ssiiigggggss", L->machine, proto_monitor_name(g->backend), g->period_ms,
				*have, r->rep, win * 1000.0, cpu_ns, samples, cpu_ns / 1000.0 / samples,
				cpu_ns / 1000.0 / samples / *have, L->kernel, mem_mode_name(g->mode));
	}
	return rc;
}

/* What a run is planned to take, in s: memory_hog's climb to hard_mib at its rate after a start
 * offset of half a period on average, or moncost's settle and window per count; plus RUN_COST_S
 * for each container's start and end. Only for the progress line's estimate. */
#define RUN_COST_S 0.1
static double run_planned_s(const struct memlab *L, const struct mem_group *g, const struct mem_run *r)
{
	const struct lab_section *s = &L->conf.exp[mem_exp_section(g->exp)];
	double t = 0;
	int most = 0;

	if (g->exp != MEM_COST)
		return (double)s->hard_mib / r->rate + g->period_ms / 2000.0 + RUN_COST_S;
	for (int k = 0; k < s->n_count; k++) {
		t += 0.2 + s->duration_ms / 1000.0;
		most = s->count[k] > most ? s->count[k] : most;
	}
	return t + most * RUN_COST_S;
}

/* The planned time of the runs after r: the rest of its group and the groups after it. */
static double planned_left_s(const struct memlab *L, const struct mem_group *g, const struct mem_run *r)
{
	double left = 0;

	for (int i = 0; i < L->n_groups; i++) {
		const struct mem_group *h = &L->groups[i];

		for (int k = 0; k < h->n; k++)
			if (h->order > g->order || (h == g && &L->runs[h->first + k] > r))
				left += run_planned_s(L, h, &L->runs[h->first + k]);
	}
	return left;
}

static void progress(struct memlab *L, const struct mem_group *g, const struct mem_run *r, int total)
{
	double el = clock_mono_s() - L->t0, left = planned_left_s(L, g, r);
	char lb[32];

	if (L->tty)
		fprintf(stderr, "\r\033[K[%d/%d] %s %s %d ms %s%d rep %d | %.0f s elapsed, about %.0f s left", L->done,
			total, mem_exp_name(g->exp), group_label(g, lb, sizeof(lb)), g->period_ms,
			g->exp == MEM_COST ? "" : "rate ", g->exp == MEM_COST ? 0 : r->rate, r->rep, el, left);
	else
		fprintf(stderr, "memlab: [%d/%d] %s %s %d ms rate %d rep %d done, %.0f s elapsed, about %.0f s left\n",
			L->done, total, mem_exp_name(g->exp), group_label(g, lb, sizeof(lb)), g->period_ms, r->rate,
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

static void group_exec(struct memlab *L, const struct mem_group *g)
{
	char err[1024] = "", lb[32];
	int have = 0;

	group_label(g, lb, sizeof(lb));
	if (sup_start(L, g, err, sizeof(err))) {
		fprintf(stderr, "%smemlab: %s %s %d ms: %s\n", L->tty ? "\n" : "", mem_exp_name(g->exp), lb,
			g->period_ms, err);
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
		const struct mem_run *r = &L->runs[g->first + k];
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
				mem_exp_name(g->exp), lb, g->period_ms, r->rate, r->rep, err);
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

void memlab_run_all(struct memlab *L)
{
	L->t0 = clock_mono_s();
	for (int k = 0; k < L->n_groups; k++)
		for (int i = 0; i < L->n_groups; i++)
			if (L->groups[i].order == k)
				group_exec(L, &L->groups[i]);
	if (L->tty)
		fputc('\n', stderr);
}

double memlab_elapsed_s(const struct memlab *L)
{
	return clock_mono_s() - L->t0;
}
