/* The short-window fairness case ([shortwin] of the definition): a nice-0 and a nice-N cpu_hog on
 * one CPU, both tasks' /proc/PID/schedstat read every sample_us by the runner (off that CPU), and
 * per window length of 1, 2, 4, ... ticks the distribution of the niced task's share error
 * against the weight theory (labshort.h), into shortwin.csv and summary.csv, with the bound each
 * scheduler's source states (EEVDF: lag within about a slice; CFS: within its period). Main
 * thread only; the arithmetic is pure. */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "claims.h"
#include "csvin.h"
#include "labstats.h"
#include "launch.h"
#include "rundir.h"
#include "schedinfo.h"
#include "lib/clock.h"

/* CPU of one task (which: 0 = a, 1 = b) at time t, linear between the samples around it. */
static double cpu_at(const struct shortwin_point *p, size_t n, size_t *hint, double t, int which)
{
	size_t j = *hint;
	double a, b, ta, tb;

	while (j + 2 < n && (double)p[j + 1].t_ns <= t)
		j++;
	*hint = j;
	ta = (double)p[j].t_ns;
	tb = (double)p[j + 1].t_ns;
	a = (double)(which ? p[j].b_ns : p[j].a_ns);
	b = (double)(which ? p[j + 1].b_ns : p[j + 1].a_ns);
	return tb > ta ? a + (b - a) * (t - ta) / (tb - ta) : b;
}

size_t shortwin_errors(const struct shortwin_point *p, size_t n, double window_ns, double theory_pct, double *err,
		       double *lag, size_t cap)
{
	size_t k = 0, ha = 0, hb = 0;
	double t, end;

	if (n < 2 || !(window_ns > 0))
		return 0;
	end = (double)p[n - 1].t_ns;
	for (t = (double)p[0].t_ns; t + window_ns <= end && k < cap; t += window_ns) {
		double a0 = cpu_at(p, n, &ha, t, 0), b0 = cpu_at(p, n, &hb, t, 1);
		size_t ha1 = ha, hb1 = hb;
		double a = cpu_at(p, n, &ha1, t + window_ns, 0) - a0, b = cpu_at(p, n, &hb1, t + window_ns, 1) - b0;

		if (a + b > 0) {
			if (lag)
				lag[k] = fabs(b - theory_pct / 100 * (a + b)) / 1e6;
			err[k++] = fabs(100 * b / (a + b) - theory_pct);
		}
	}
	return k;
}

int shortwin_stat_fill(struct shortwin_stat *st, double *err, double *lag, size_t n)
{
	double sum = 0;

	st->n = n;
	st->mean = st->p95 = st->max = NAN;
	st->lag_p95 = st->lag_lo = st->lag_hi = st->lag_max = NAN;
	st->lag_inside = false;
	if (!n)
		return -EINVAL;
	if (lag) {
		stats_percentile(lag, n, 95, &st->lag_p95); /* sorts lag */
		stats_percentile_ci(lag, n, 95, &st->lag_lo, &st->lag_hi);
		st->lag_inside = stats_percentile_ci_inside(n, 95);
		st->lag_max = lag[n - 1];
	}
	for (size_t i = 0; i < n; i++)
		sum += err[i];
	st->mean = sum / (double)n;
	stats_percentile(err, n, 95, &st->p95);
	st->max = err[n - 1];
	return 0;
}

double shortwin_bound_pp(double lag_ms, double window_ms, double theory_pct)
{
	double most = fmax(theory_pct, 100 - theory_pct);

	if (!(lag_ms > 0) || !(window_ms > 0))
		return NAN;
	return fmin(100 * lag_ms / window_ms, most);
}

int lab_short_cases(struct lab *lab)
{
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_SHORTWIN];
	struct lab_case *n, *c;

	if (!s->enabled)
		return 0;
	n = realloc(lab->cases, sizeof(*n) * (size_t)(lab->n_cases + 1));
	if (!n)
		return -ENOMEM;
	lab->cases = n;
	c = &n[lab->n_cases++];
	memset(c, 0, sizeof(*c));
	c->exp = LAB_EXP_SHORTWIN;
	c->param = s->nice[0];
	snprintf(c->name, sizeof(c->name), "0-vs-%d", s->nice[0]);
	c->work_ms = s->duration_ms;
	c->reps = s->repetitions;
	c->n = 2;
	snprintf(c->ct[0].label, sizeof(c->ct[0].label), "a-nice0");
	snprintf(c->ct[1].label, sizeof(c->ct[1].label), "b-nice%d", s->nice[0]);
	c->ct[1].nice = s->nice[0];
	return 0;
}

/* The tick and the lag scale of this kernel, once: HZ and the base slice from schedinfo; on CFS
 * the period is sched_nr_latency (8) times the minimum granularity, the latency it stretches. */
static void kernel_note(struct lab *lab)
{
	struct shortwin_kernel *k = &lab->shortwin;
	struct schedinfo si;

	if (k->tick_ns)
		return;
	schedinfo_probe(&si);
	k->tick_ns = si.hz > 0 ? 1000000000L / si.hz : 0;
	if (si.slice_ns > 0 && !strcmp(si.scheduler, "CFS")) {
		k->lag_ms = 8 * si.slice_ns / 1e6;
		snprintf(k->lag_source, sizeof(k->lag_source), "CFS period: 8 x min granularity %.3f ms (%s)",
			 si.slice_ns / 1e6, si.slice_source);
	} else if (si.slice_ns > 0) {
		/* A slice ends at the first tick after it ran out where the kernel preempts on ticks: a
		 * task then runs a tick at least (measured here, 6.18 at HZ 250 with preempt none: the
		 * nice-10 task's p95 error over 1 tick was 81 pp, runs of a whole 4 ms tick). */
		k->lag_ms = fmax(si.slice_ns / 1e6, k->tick_ns / 1e6);
		snprintf(k->lag_source, sizeof(k->lag_source), "%s base slice %.3f ms (%s); at least one tick %.3f ms",
			 si.scheduler, si.slice_ns / 1e6, si.slice_source, k->tick_ns / 1e6);
	} else {
		snprintf(k->lag_source, sizeof(k->lag_source), "unknown (no slice readable)");
	}
}

static int sw_push(struct lab_run *run, size_t *cap, const struct shortwin_point *p)
{
	if (run->n_sw == *cap) {
		size_t nc = *cap ? *cap * 2 : 4096;
		struct shortwin_point *np = realloc(run->sw, nc * sizeof(*np));

		if (!np)
			return -ENOMEM;
		run->sw = np;
		*cap = nc;
	}
	run->sw[run->n_sw++] = *p;
	return 0;
}

/* The first number of a kept /proc/PID/schedstat fd (CPU time, ns); false once it is gone. */
static bool cpu_read(int fd, uint64_t *ns)
{
	char buf[96];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, "%" SCNu64, ns) == 1;
}

int lab_short_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_SHORTWIN];
	char hog[1024];
	char *argv[] = { hog, "--iterations", "1099511627776", "--quiet", "--wait-start", NULL };
	pid_t pid[2] = { 0, 0 };
	int fd[2] = { -1, -1 }, rc = 0, i;
	uint64_t end, next, period = (uint64_t)s->sample_us * 1000ull;
	size_t cap = 0;
	cpu_set_t set, old;

	kernel_note(lab);
	run->overlap_s = run->avail_overlap = NAN;
	for (i = 0; i < 2; i++) {
		run->r[i].share = run->r[i].avail_after = run->r[i].wall_s = run->r[i].cpu_ms = run->r[i].wait_ms = NAN;
		run->r[i].share_overlap = run->r[i].startup_ms = NAN;
		snprintf(run->r[i].end, sizeof(run->r[i].end), "not run");
	}
	if (!lab->shortwin.tick_ns) {
		snprintf(err, errlen, "the kernel's HZ is unknown (meta hz_source says why): no tick to count windows in");
		return -ENOTSUP;
	}
	snprintf(hog, sizeof(hog), "%s/cpu_hog", lab->bin_dir);
	for (i = 0; !rc && i < 2; i++) {
		struct launch_opts o = { argv, c->ct[i].nice, lab->conf.cpu, false, NULL, -1, false };
		char path[64];

		rc = launch_direct(&o, &pid[i], err, errlen);
		if (rc)
			break;
		snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid[i]);
		fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fd[i] < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		}
	}
	/* The runner reads from another CPU where there is one, so its wake-ups every sample_us do
	 * not preempt the pair it measures. */
	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE && i < (int)sysconf(_SC_NPROCESSORS_ONLN); i++)
		if (i != lab->conf.cpu)
			CPU_SET(i, &set);
	sched_getaffinity(0, sizeof(old), &old);
	if (CPU_COUNT(&set))
		sched_setaffinity(0, sizeof(set), &set);
	/* Both released at once from the barrier; the first sample is taken while both sleep in it. */
	if (!rc)
		rc = lab_barrier_wait(pid, NULL, 2, err, errlen);
	next = clock_mono_ns();
	end = next + (uint64_t)s->duration_ms * 1000000ull;
	while (!rc && clock_mono_ns() < end) {
		struct shortwin_point p;
		struct timespec ts;

		if (!cpu_read(fd[0], &p.a_ns) || !cpu_read(fd[1], &p.b_ns)) {
			snprintf(err, errlen, "a hog of the pair ended before its time");
			rc = -EIO;
			break;
		}
		p.t_ns = clock_mono_ns();
		rc = sw_push(run, &cap, &p);
		if (!rc && run->n_sw == 1)
			rc = lab_barrier_go(pid, 2, err, errlen);
		next += period;
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	sched_setaffinity(0, sizeof(old), &old);
	for (i = 0; i < 2; i++) {
		if (fd[i] >= 0)
			close(fd[i]);
		if (pid[i] > 0) {
			kill(pid[i], SIGKILL);
			waitpid(pid[i], NULL, 0);
			run->r[i].pid = pid[i];
			run->r[i].ok = true;
			snprintf(run->r[i].end, sizeof(run->r[i].end), "killed at the case's end");
		}
	}
	if (!rc && run->n_sw >= 2) {
		const struct shortwin_point *a = &run->sw[0], *b = &run->sw[run->n_sw - 1];
		double da = (double)(b->a_ns - a->a_ns), db = (double)(b->b_ns - a->b_ns), dt = (double)(b->t_ns - a->t_ns);

		run->overlap_s = dt / 1e9;
		run->avail_overlap = da + db > 0 ? 100 * (da + db) / dt : NAN;
		run->r[0].share = run->r[0].share_overlap = da + db > 0 ? 100 * da / (da + db) : NAN;
		run->r[1].share = run->r[1].share_overlap = da + db > 0 ? 100 * db / (da + db) : NAN;
		run->r[0].cpu_ms = da / 1e6;
		run->r[1].cpu_ms = db / 1e6;
		run->r[0].wall_s = run->r[1].wall_s = dt / 1e9;
	}
	run->ok = !rc && run->n_sw >= 2 && !isnan(run->r[1].share);
	for (size_t k = 0; run->ok && lab->t_shortwin && k < run->n_sw; k++)
		csvout_row(lab->csv, lab->t_shortwin, "illl", run_id, (long long)run->sw[k].t_ns, (long long)run->sw[k].a_ns,
			   (long long)run->sw[k].b_ns);
	if (!rc && !run->ok) {
		snprintf(err, errlen, "no CPU time was sampled");
		rc = -EIO;
	}
	return rc;
}

/* The pooled errors and lags of case ci at a window of ticks; *st filled, both freed. */
static int case_stat(const struct lab *lab, int ci, int ticks, struct shortwin_stat *st)
{
	const struct lab_case *c = &lab->cases[ci];
	double window_ns = (double)ticks * (double)lab->shortwin.tick_ns, *err, *lag;
	size_t cap = 0, n = 0;
	int r;

	memset(st, 0, sizeof(*st));
	st->ticks = ticks;
	st->window_ms = window_ns / 1e6;
	st->bound_pp = shortwin_bound_pp(lab->shortwin.lag_ms, st->window_ms, c->theory_share[1]);
	for (r = 0; r < lab->n_runs; r++)
		if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
			cap += lab->runs[r].n_sw;
	err = malloc((cap + 1) * sizeof(*err));
	lag = malloc((cap + 1) * sizeof(*lag));
	if (!err || !lag) {
		free(err);
		free(lag);
		return -ENOMEM;
	}
	for (r = 0; r < lab->n_runs; r++)
		if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
			n += shortwin_errors(lab->runs[r].sw, lab->runs[r].n_sw, window_ns, c->theory_share[1], err + n,
					     lag + n, cap - n);
	shortwin_stat_fill(st, err, lag, n);
	free(err);
	free(lag);
	return 0;
}

/* fn(lab, case, its stat at one window, arg) for every window of every short-window case, in the
 * definition's order; the first non-zero return stops it. */
typedef int (*window_fn)(struct lab *lab, const struct lab_case *c, const struct shortwin_stat *st, void *arg);
static int each_window(struct lab *lab, window_fn fn, void *arg)
{
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_SHORTWIN];
	int rc = 0;

	for (int ci = 0; !rc && ci < lab->n_cases; ci++) {
		struct shortwin_stat st;

		if (lab->cases[ci].exp != LAB_EXP_SHORTWIN)
			continue;
		for (int j = 0; !rc && j < s->n_win_ticks; j++) {
			rc = case_stat(lab, ci, s->win_ticks[j], &st);
			if (!rc)
				rc = fn(lab, &lab->cases[ci], &st, arg);
		}
	}
	return rc;
}

struct write_arg {
	struct csv_table *sw, *summary;
};

/* One window's row of shortwin.csv and its rows of summary.csv (merged across kernels by
 * labmerge; theory: the expected bound). */
static int write_window(struct lab *lab, const struct lab_case *c, const struct shortwin_stat *st, void *arg)
{
	struct write_arg *w = arg;
	char metric[32];
	int rc;

	rc = csvout_row(lab->csv, w->sw, "siigigggggggsgggg", c->name, c->ct[1].nice, st->ticks, st->window_ms,
			(int)st->n, c->theory_share[1], st->mean, st->p95, st->max, st->bound_pp,
			lab->shortwin.tick_ns / 1e6, lab->shortwin.lag_ms, lab->shortwin.lag_source, st->lag_p95,
			st->lag_lo, st->lag_hi, st->lag_max);
	if (rc || !st->n)
		return rc;
	snprintf(metric, sizeof(metric), "err_p95_%dt", st->ticks);
	rc = lab_summary_row(lab, w->summary, c, 1, metric, "pp", st->n, st->bound_pp, st->p95, NAN, "pp");
	snprintf(metric, sizeof(metric), "err_mean_%dt", st->ticks);
	if (!rc)
		rc = lab_summary_row(lab, w->summary, c, 1, metric, "pp", st->n, st->bound_pp, st->mean, NAN, "pp");
	snprintf(metric, sizeof(metric), "lag_p95_%dt", st->ticks);
	if (!rc)
		rc = lab_summary_row(lab, w->summary, c, 1, metric, "ms", st->n, lab->shortwin.lag_ms, st->lag_p95,
				     fmax(st->lag_p95 - st->lag_lo, st->lag_hi - st->lag_p95), "ms");
	return rc;
}

int lab_short_write(struct lab *lab, struct csv_table *t)
{
	static const char *const cols[] = { "case", "nice", "ticks", "window_ms", "windows", "theory", "err_mean",
					    "err_p95", "err_max", "bound_pp", "tick_ms", "lag_ms", "lag_source",
					    "lag_p95_ms", "lag_p95_lo_ms", "lag_p95_hi_ms", "lag_max_ms" };
	struct write_arg w = { NULL, t };
	char path[1200];
	int rc;

	if (!lab->conf.exp[LAB_EXP_SHORTWIN].enabled || !lab->shortwin.tick_ns)
		return 0;
	snprintf(path, sizeof(path), "%s/shortwin.csv", lab->run_dir);
	rc = csvout_table_open(lab->csv, &w.sw, path, cols, sizeof(cols) / sizeof(cols[0]));
	return rc ? rc : each_window(lab, write_window, &w);
}

/* One window's claim; one tick holds at most a tick of CPU, which no lag scale here is below: no
 * claim there. */
static int claim_window(struct lab *lab, const struct lab_case *c, const struct shortwin_stat *st, void *arg)
{
	struct csv_table *t = arg;
	struct claim_pct p = { st->lag_p95, st->lag_lo, st->lag_hi, st->n, st->lag_inside, c->ct[1].nice };
	struct claim cl;
	char q[32];

	if (st->ticks < 2)
		return 0;
	snprintf(q, sizeof(q), "lag_p95_%dt", st->ticks);
	claim_lag_bound(&cl, lab_exp_name(c->exp), c->name, c->ct[1].label, q, &p, st->ticks, st->window_ms,
			lab->shortwin.lag_ms, lab->shortwin.lag_source);
	return lab_claim_row(lab, t, &cl);
}

int lab_short_claims(struct lab *lab, struct csv_table *t)
{
	if (!lab->conf.exp[LAB_EXP_SHORTWIN].enabled || !lab->shortwin.tick_ns)
		return 0;
	return each_window(lab, claim_window, t);
}

int lab_short_read(struct lab *lab, const char *dir, const char *meta)
{
	char path[PATH_MAX + 32], v[160];
	struct csvin in;
	int rc, c_run, c_t, c_a, c_b;

	if (!lab->conf.exp[LAB_EXP_SHORTWIN].enabled)
		return 0;
	snprintf(path, sizeof(path), "%s/shortwin_samples.csv", dir);
	rc = csvin_load(path, &in);
	if (rc == -ENOENT)
		return 0;
	c_run = rc ? -1 : csvin_col(&in, "run");
	c_t = rc ? -1 : csvin_col(&in, "t_ns");
	c_a = rc ? -1 : csvin_col(&in, "a_ns");
	c_b = rc ? -1 : csvin_col(&in, "b_ns");
	if (rc || c_run < 0 || c_t < 0 || c_a < 0 || c_b < 0) {
		fprintf(stderr, "lab: --summarize: %s: not the lab's shortwin_samples.csv\n", path);
		if (!rc)
			csvin_free(&in);
		return rc ? rc : -EPROTO;
	}
	rundir_meta_get(meta, "shortwin_tick_ms", v, sizeof(v));
	lab->shortwin.tick_ns = (long)(atof(v) * 1e6 + 0.5);
	rundir_meta_get(meta, "shortwin_lag_ms", v, sizeof(v));
	lab->shortwin.lag_ms = atof(v);
	rundir_meta_get(meta, "shortwin_lag_source", lab->shortwin.lag_source, sizeof(lab->shortwin.lag_source));
	for (size_t r = 0; !rc && r < in.nrows; r++) {
		int id = (int)csvin_num(&in, r, c_run);
		struct shortwin_point p = { (uint64_t)csvin_num(&in, r, c_t), (uint64_t)csvin_num(&in, r, c_a),
					    (uint64_t)csvin_num(&in, r, c_b) };
		struct lab_run *run = NULL;

		for (int i = 0; i < lab->n_runs && !run; i++)
			if (lab->runs[i].order == id - 1 && lab->cases[lab->runs[i].case_idx].exp == LAB_EXP_SHORTWIN)
				run = &lab->runs[i];
		if (!run) {
			fprintf(stderr, "lab: --summarize: %s: row %zu: run %d is no short-window run of runs.csv\n", path,
				r + 2, id);
			rc = -EPROTO;
			break;
		}
		if ((run->n_sw & (run->n_sw - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to twice */
			struct shortwin_point *np = realloc(run->sw, (run->n_sw ? 2 * run->n_sw : 1) * sizeof(*np));

			if (!np) {
				rc = -ENOMEM;
				break;
			}
			run->sw = np;
		}
		run->sw[run->n_sw++] = p;
	}
	csvin_free(&in);
	if (rc == -ENOMEM)
		fprintf(stderr, "lab: out of memory\n");
	return rc;
}
