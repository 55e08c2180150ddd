/* The memory lab's claims (memclaims.h): the rule of each kind of claim, then claims.csv built
 * from runs.csv and cost.csv grouped by machine, kernel, backend, kmod mode, period and rate. */
#include "memclaims.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "labstats.h"
#include "memcalc.h"

double memclaim_t99(int df)
{
	static const double t[] = { 0, 63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169,
				    3.106, 3.055, 3.012, 2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845 };

	if (df < 1)
		return NAN;
	if (df <= 20)
		return t[df];
	return df <= 30 ? 2.750 : df <= 60 ? 2.660 : df <= 120 ? 2.617 : MEMCLAIM_Z99;
}

/* Mean, sample sd and 95 % CI of n values; false for n == 0. */
static bool moments(const double *x, size_t n, double *mean, double *sd, double *ci)
{
	double s = 0;

	*mean = *sd = *ci = NAN;
	if (!n || stats_mean_ci(x, n, mean, ci))
		return false;
	for (size_t i = 0; i < n; i++)
		s += (x[i] - *mean) * (x[i] - *mean);
	*sd = n > 1 ? sqrt(s / (double)(n - 1)) : 0;
	return true;
}

static void start(struct claim *cl, size_t n, double theory)
{
	cl->n = n;
	cl->theory = cl->reference = theory;
	cl->measured = cl->ci95 = cl->tolerance = NAN;
	cl->verdict = CLAIM_NO_DATA;
	cl->sentence[0] = '\0';
}

void memclaim_uniform(struct claim *cl, const double *x, size_t n)
{
	const double sd_u = 1 / sqrt(12), limit = 0.25;
	double sd;

	start(cl, n, 0.5);
	snprintf(cl->kind, sizeof(cl->kind), "uniform: z99 x max(sd; 1/sqrt12) / sqrt(n); verdict if <= %g", limit);
	if (!moments(x, n, &cl->measured, &sd, &cl->ci95)) {
		claim_say(cl, "no data (no successful run)");
		return;
	}
	cl->tolerance = MEMCLAIM_Z99 * fmax(n > 1 ? sd : 0, sd_u) / sqrt((double)n);
	if (cl->tolerance > limit) {
		claim_say(cl, "n=%zu cannot support a verdict: mean %.3f of U(0;1) with tolerance %.3f > %.2f (half the way to 0 "
			"or to a missed tick)", n, cl->measured, cl->tolerance, limit);
		return;
	}
	cl->verdict = fabs(cl->measured - 0.5) <= cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	claim_say(cl, "mean %.3f of its period's range (95%% CI +-%.3f; n=%zu) %s %.3f of the uniform theory 0.5", cl->measured,
	    cl->ci95, n, cl->verdict == CLAIM_TRUE ? "within" : "NOT within", cl->tolerance);
}

void memclaim_flat(struct claim *cl, const double *a, size_t na, const double *b, size_t nb, double alt)
{
	double ma, sa, ca, mb, sb, cb;

	start(cl, na + nb, 0);
	snprintf(cl->kind, sizeof(cl->kind), "difference: t99(min n - 1) x sqrt(sa2/na + sb2/nb); verdict if <= scan's growth / 2");
	if (!moments(a, na, &ma, &sa, &ca) || !moments(b, nb, &mb, &sb, &cb) || na < 2 || nb < 2 || !(alt > 0)) {
		claim_say(cl, "no data (%zu runs at the shortest period and %zu at the longest; two each needed)", na, nb);
		return;
	}
	cl->measured = mb - ma;
	cl->ci95 = sqrt(ca * ca + cb * cb);
	cl->tolerance = memclaim_t99((int)(na < nb ? na : nb) - 1) * sqrt(sa * sa / (double)na + sb * sb / (double)nb);
	if (cl->tolerance > alt / 2) {
		claim_say(cl, "n=%zu+%zu cannot support a verdict: growth %+.3f with tolerance %.3f > half the %.3f a sampler "
			"would grow", na, nb, cl->measured, cl->tolerance, alt);
		return;
	}
	cl->verdict = fabs(cl->measured) <= cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	claim_say(cl, "from the shortest to the longest period the mean moves %+.3f (%.3f to %.3f; n=%zu+%zu): %s %.3f of flat; "
		"a sampler would grow %.3f", cl->measured, ma, mb, na, nb, cl->verdict == CLAIM_TRUE ? "within" : "NOT within",
	    cl->tolerance, alt);
}

void memclaim_bound(struct claim *cl, const double *x, size_t n, double bound)
{
	double sd;

	start(cl, n, bound);
	snprintf(cl->kind, sizeof(cl->kind), "upper bound: t99(n - 1) x sd / sqrt(n) above it");
	if (!moments(x, n, &cl->measured, &sd, &cl->ci95) || n < 2 || isnan(bound)) {
		claim_say(cl, "no data (%zu runs; two needed%s)", n, isnan(bound) ? "; no bound for this kernel" : "");
		return;
	}
	cl->tolerance = memclaim_t99((int)n - 1) * sd / sqrt((double)n);
	cl->verdict = cl->measured <= bound + cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	claim_say(cl, "mean %.3f (95%% CI +-%.3f; n=%zu) %s the bound %.3f (+ %.3f)", cl->measured, cl->ci95, n,
	    cl->verdict == CLAIM_TRUE ? "within" : "ABOVE", bound, cl->tolerance);
}

void memclaim_all_below(struct claim *cl, const double *x, size_t n, double bound, double slack)
{
	size_t above = 0;

	start(cl, n, bound);
	cl->tolerance = slack;
	snprintf(cl->kind, sizeof(cl->kind), "every run: slack %g (the RSS counters' read granularity)", slack);
	if (!n) {
		claim_say(cl, "no data (no successful run)");
		return;
	}
	cl->measured = x[0];
	for (size_t i = 0; i < n; i++) {
		cl->measured = fmax(cl->measured, x[i]);
		above += x[i] > bound + slack;
	}
	cl->verdict = above ? CLAIM_FALSE : CLAIM_TRUE;
	claim_say(cl, "highest %.3f in %zu runs: %zu above the limit %.3f + %.3f", cl->measured, n, above, bound, slack);
}

void memclaim_count(struct claim *cl, size_t k, size_t n)
{
	start(cl, n, 100);
	cl->tolerance = 0;
	snprintf(cl->kind, sizeof(cl->kind), "count: every run");
	if (!n) {
		claim_say(cl, "no data (no run)");
		return;
	}
	cl->measured = 100.0 * (double)k / (double)n;
	cl->verdict = k == n ? CLAIM_TRUE : CLAIM_FALSE;
	claim_say(cl, "%zu of %zu runs", k, n);
}

void memclaim_at_least(struct claim *cl, size_t k, size_t n, double p)
{
	start(cl, n, 100 * p);
	snprintf(cl->kind, sizeof(cl->kind), "binomial: z99 x sqrt(p(1-p)/n) below p");
	if (!n || isnan(p)) {
		claim_say(cl, "no data (no successful run)");
		return;
	}
	cl->measured = 100.0 * (double)k / (double)n;
	cl->tolerance = 100 * MEMCLAIM_Z99 * sqrt(p * (1 - p) / (double)n);
	cl->verdict = cl->measured >= cl->reference - cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	claim_say(cl, "%zu of %zu (%.0f%%) %s the least %.0f%% - %.0f pp", k, n, cl->measured,
	    cl->verdict == CLAIM_TRUE ? "reach" : "do NOT reach", 100 * p, cl->tolerance);
}

void memclaim_grows(struct claim *cl, const double *a, size_t na, const double *b, size_t nb)
{
	double ma, sa, ca, mb, sb, cb;

	start(cl, na + nb, NAN);
	snprintf(cl->kind, sizeof(cl->kind), "difference: t99(min n - 1) x sqrt(sa2/na + sb2/nb) above 0; verdict if <= the larger mean");
	if (!moments(a, na, &ma, &sa, &ca) || !moments(b, nb, &mb, &sb, &cb) || na < 2 || nb < 2) {
		claim_say(cl, "no data (%zu and %zu windows; two each needed)", na, nb);
		return;
	}
	cl->measured = mb - ma;
	cl->ci95 = sqrt(ca * ca + cb * cb);
	cl->tolerance = memclaim_t99((int)(na < nb ? na : nb) - 1) * sqrt(sa * sa / (double)na + sb * sb / (double)nb);
	cl->reference = 0;
	if (cl->tolerance > fmax(fabs(ma), fabs(mb))) {
		claim_say(cl, "n=%zu+%zu cannot support a verdict: %.2f to %.2f with tolerance %.2f > the larger mean (no growth "
			"short of more than doubling could show)", na, nb, ma, mb, cl->tolerance);
		return;
	}
	cl->verdict = cl->measured > cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	claim_say(cl, "%.2f at the fewest and %.2f at the most (n=%zu+%zu): grows by %+.2f; %s the tolerance %.2f", ma, mb, na, nb,
	    cl->measured, cl->verdict == CLAIM_TRUE ? "above" : "NOT above", cl->tolerance);
}

int memclaims_meta_cpus(const char *dir, const char *kernel)
{
	char path[PATH_MAX], line[256], k[80];
	int cpus = 0;

	for (int vm = 1; vm >= 0 && !cpus; vm--) {
		FILE *f;
		int c = 0;

		if (vm)
			snprintf(path, sizeof(path), "%s/vm/%s/meta", dir, kernel);
		else
			snprintf(path, sizeof(path), "%s/meta", dir);
		f = fopen(path, "re");
		if (!f)
			continue;
		k[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "kernel=%*s %79s", k);
			sscanf(line, "cpu_count=%d", &c);
		}
		fclose(f);
		if (!strcmp(k, kernel))
			cpus = c;
	}
	return cpus;
}

/* One runs.csv (or cost.csv) row as the claims read it; strings point into the loaded table. */
struct mrun {
	const char *exp, *machine, *kernel, *backend, *mode;
	int period, rate, containers;
	bool ok, killed, seen;
	double rate_m, ov, sdelay, peak, file, hard, soft, us;
};

enum { K_EXP = 1, K_MACH = 2, K_KERN = 4, K_BACK = 8, K_MODE = 16, K_PER = 32, K_RATE = 64 };

static bool same(const struct mrun *a, const struct mrun *b, int mask)
{
	return (!(mask & K_EXP) || !strcmp(a->exp, b->exp)) && (!(mask & K_MACH) || !strcmp(a->machine, b->machine)) &&
	       (!(mask & K_KERN) || !strcmp(a->kernel, b->kernel)) && (!(mask & K_BACK) || !strcmp(a->backend, b->backend)) &&
	       (!(mask & K_MODE) || !strcmp(a->mode, b->mode)) && (!(mask & K_PER) || a->period == b->period) &&
	       (!(mask & K_RATE) || a->rate == b->rate);
}

static const char *col_or(const struct csvin *in, size_t i, const char *name, const char *dflt)
{
	int c = csvin_col(in, name);

	return c < 0 ? dflt : csvin_get(in, i, c);
}

static double num_or_nan(const struct csvin *in, size_t i, const char *name)
{
	int c = csvin_col(in, name);

	return c < 0 ? NAN : csvin_num(in, i, c);
}

static int runs_load(const struct csvin *in, struct mrun **out)
{
	static const char *const need[] = { "experiment", "machine", "backend", "period_ms", "rate_set", "ok", "state",
					    "rate_mibs", "overshoot_mib", "soft_delay_ms", "soft_events",
					    "peak_sample_kib", "soft_mib", "hard_mib" };
	struct mrun *r;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (csvin_col(in, need[i]) < 0)
			return -EPROTO;
	r = calloc(in->nrows + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < in->nrows; i++) {
		const char *st = col_or(in, i, "state", "");

		r[i] = (struct mrun){ col_or(in, i, "experiment", ""), col_or(in, i, "machine", ""),
				      col_or(in, i, "kernel", ""), col_or(in, i, "backend", ""),
				      col_or(in, i, "monitor_mode", "-"), atoi(col_or(in, i, "period_ms", "0")),
				      atoi(col_or(in, i, "rate_set", "0")), 0, !strcmp(col_or(in, i, "ok", ""), "1"),
				      !strcmp(st, "hard-limit") || !strcmp(st, "oom"), atoi(col_or(in, i, "soft_events", "0")) > 0,
				      num_or_nan(in, i, "rate_mibs"), num_or_nan(in, i, "overshoot_mib"),
				      num_or_nan(in, i, "soft_delay_ms"), num_or_nan(in, i, "peak_sample_kib"),
				      num_or_nan(in, i, "file_rss_kib"), num_or_nan(in, i, "hard_mib"),
				      num_or_nan(in, i, "soft_mib"), NAN };
	}
	*out = r;
	return 0;
}

static int cost_load(const struct csvin *in, struct mrun **out)
{
	struct mrun *r;

	if (csvin_col(in, "machine") < 0 || csvin_col(in, "backend") < 0 || csvin_col(in, "period_ms") < 0 ||
	    csvin_col(in, "containers") < 0 || csvin_col(in, "us_per_sample") < 0)
		return -EPROTO;
	r = calloc(in->nrows + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < in->nrows; i++)
		r[i] = (struct mrun){ .exp = "cost", .machine = col_or(in, i, "machine", ""),
				      .kernel = col_or(in, i, "kernel", ""), .backend = col_or(in, i, "backend", ""),
				      .mode = col_or(in, i, "monitor_mode", "-"), .period = atoi(col_or(in, i, "period_ms", "0")),
				      .containers = atoi(col_or(in, i, "containers", "0")), .ok = true,
				      .us = num_or_nan(in, i, "us_per_sample") };
	*out = r;
	return 0;
}

/* What a claims.csv row needs beyond struct claim: where it writes and the key it stands for. */
struct writer {
	struct csvout *o;
	struct csv_table *t;
	const char *dir;
	double *a, *b; /* scratch, as long as the longest table */
	int rc;
};

/* kmod-event, kmod-scan, or the backend's name. */
static const char *label(const struct mrun *r, char *buf, size_t len)
{
	if (!strcmp(r->mode, "-") || !*r->mode)
		return r->backend;
	snprintf(buf, len, "%s-%s", r->backend, r->mode);
	return buf;
}

/* The kernel's series ("6.12" of "6.12.117+deb12-amd64"), for short case names. */
static void series(const char *kernel, char *buf, size_t len)
{
	int major, minor;

	if (sscanf(kernel, "%d.%d", &major, &minor) == 2)
		snprintf(buf, len, "%d.%d", major, minor);
	else
		snprintf(buf, len, "%s", *kernel ? kernel : "?");
}

/* Fills the claim's names from the key row k (period or rate < 0: not part of the key), prefixes
 * its sentence with them and writes the row. */
static void emit(struct writer *w, struct claim *cl, const char *quantity, const struct mrun *k, int period, int rate,
		 const char *what)
{
	char buf[32], ks[16], tail[sizeof(cl->sentence)], per[24] = "", rt[24] = "";
	const char *lb;

	if (w->rc)
		return;
	lb = label(k, buf, sizeof(buf));
	series(k->kernel, ks, sizeof(ks));
	if (period >= 0)
		snprintf(per, sizeof(per), " %d ms", period);
	if (rate >= 0)
		snprintf(rt, sizeof(rt), " %d MiB/s", rate);
	snprintf(cl->exp, sizeof(cl->exp), "%s", k->exp);
	snprintf(cl->cs, sizeof(cl->cs), "%s %s%s%s", k->machine, ks, per, rt);
	snprintf(cl->ct, sizeof(cl->ct), "%s", lb);
	snprintf(cl->quantity, sizeof(cl->quantity), "%s", quantity);
	snprintf(cl->id, sizeof(cl->id), "%s/%s/%s/%s/%d/%d/%s", k->exp, k->machine, ks, lb, period, rate, quantity);
	snprintf(tail, sizeof(tail), "%s", cl->sentence);
	snprintf(cl->sentence, sizeof(cl->sentence), "%s %s (%s)%s%s: %s: %s", lb, k->machine, *k->kernel ? k->kernel : "?",
		 per, rt, what, tail);
	for (char *p = cl->sentence; *p; p++)
		if (*p == ',' || *p == '"')
			*p = *p == ',' ? ';' : ' ';
	w->rc = csvout_row(w->o, w->t, "sssssggigggsssssssii", cl->id, cl->exp, cl->cs, cl->ct, cl->quantity, cl->measured,
			   cl->ci95, (int)cl->n, cl->theory, cl->reference, cl->tolerance, cl->kind,
			   claim_verdict_name(cl->verdict), cl->sentence, k->machine, k->kernel, k->backend, k->mode, period,
			   rate);
}

static bool sampler(const struct mrun *r, bool with_cgroup)
{
	return !strcmp(r->backend, "proc") || (!strcmp(r->backend, "kmod") && strcmp(r->mode, "event")) ||
	       (with_cgroup && !strcmp(r->backend, "cgroup"));
}

static bool event(const struct mrun *r)
{
	return !strcmp(r->backend, "kmod") && !strcmp(r->mode, "event");
}

/* Every run of each (machine, kernel, backend, mode) killed at its hard limit. */
static void claims_killed(struct writer *w, const struct mrun *r, size_t n, bool *done)
{
	memset(done, 0, n);
	for (size_t i = 0; i < n; i++) {
		struct claim cl = { 0 };
		size_t k = 0, m = 0;

		if (done[i] || !strcmp(r[i].exp, "cost"))
			continue;
		for (size_t j = i; j < n; j++)
			if (!done[j] && same(&r[i], &r[j], K_MACH | K_KERN | K_BACK | K_MODE)) {
				done[j] = true;
				m++;
				k += r[j].killed;
			}
		memclaim_count(&cl, k, m);
		emit(w, &cl, "killed", &r[i], -1, -1, "every run killed at the hard limit");
	}
}

/* Per (machine, kernel, backend, mode, period) of the sweep: the sampled overshoot and soft
 * delay uniform over one period; kmod event's overshoot within its sync granularity. */
static void claims_period(struct writer *w, const struct mrun *r, size_t n, bool *done)
{
	memset(done, 0, n);
	for (size_t i = 0; i < n; i++) {
		struct claim cl = { 0 };
		size_t na = 0, nb = 0;
		double g;
		int cpus;

		if (done[i] || strcmp(r[i].exp, "overshoot") || !r[i].ok)
			continue;
		for (size_t j = i; j < n; j++) {
			if (done[j] || !r[j].ok || !same(&r[i], &r[j], K_EXP | K_MACH | K_KERN | K_BACK | K_MODE | K_PER))
				continue;
			done[j] = true;
			if (!event(&r[j]) && r[j].rate_m > 0 && !isnan(r[j].ov))
				w->a[na++] = r[j].ov / (r[j].rate_m * r[j].period / 1000.0);
			else if (event(&r[j]) && !isnan(r[j].ov))
				w->a[na++] = r[j].ov;
			if (!isnan(r[j].sdelay))
				w->b[nb++] = r[j].sdelay / r[j].period;
		}
		if (sampler(&r[i], false)) {
			memclaim_uniform(&cl, w->a, na);
			emit(w, &cl, "overshoot", &r[i], r[i].period, -1, "overshoot / (measured rate x period) is U(0;1)");
		}
		if (sampler(&r[i], true)) {
			memclaim_uniform(&cl, w->b, nb);
			emit(w, &cl, "soft_delay", &r[i], r[i].period, -1, "soft-limit delay / period is U(0;1)");
		}
		if (event(&r[i])) {
			cpus = memclaims_meta_cpus(w->dir, r[i].kernel);
			if (mem_event_granularity_kib(r[i].kernel, 1, cpus, 4, &g))
				g = NAN;
			memclaim_bound(&cl, w->a, na, g / 1024);
			emit(w, &cl, "overshoot", &r[i], r[i].period, -1,
			     "mean overshoot (MiB) within the counters' sync granularity whatever the period");
		}
	}
}

/* kmod event per (machine, kernel), all rates together: the overshoot does not grow from the
 * shortest period to the longest, where a sampler's would grow by rate x the difference / 2 (at
 * the lowest measured rate: the smallest growth a sampler could show). */
static void claims_flat(struct writer *w, const struct mrun *r, size_t n, bool *done)
{
	const int key = K_EXP | K_MACH | K_KERN | K_BACK | K_MODE;

	memset(done, 0, n);
	for (size_t i = 0; i < n; i++) {
		struct claim cl = { 0 };
		int lo = INT_MAX, hi = 0;
		double rate = INFINITY;
		size_t na = 0, nb = 0;

		if (done[i] || strcmp(r[i].exp, "overshoot") || !r[i].ok || !event(&r[i]))
			continue;
		for (size_t j = i; j < n; j++)
			if (r[j].ok && same(&r[i], &r[j], key)) {
				lo = r[j].period < lo ? r[j].period : lo;
				hi = r[j].period > hi ? r[j].period : hi;
				if (r[j].rate_m > 0)
					rate = fmin(rate, r[j].rate_m);
			}
		for (size_t j = i; j < n; j++) {
			if (done[j] || !r[j].ok || !same(&r[i], &r[j], key))
				continue;
			done[j] = true;
			if (isnan(r[j].ov))
				continue;
			if (r[j].period == lo)
				w->a[na++] = r[j].ov;
			else if (r[j].period == hi)
				w->b[nb++] = r[j].ov;
		}
		memclaim_flat(&cl, w->a, na, w->b, lo < hi ? nb : 0, isinf(rate) ? NAN : rate * (hi - lo) / 2000.0);
		emit(w, &cl, "flat", &r[i], -1, -1, "overshoot (MiB) flat against the period; all rates");
	}
}

/* cgroup per (machine, kernel): the runner's own statm peak of anonymous memory (resident minus
 * file pages) never above the hard limit; per period and rate: the soft limit seen at least as
 * often as a tick falls between the two limits. */
static void claims_cgroup(struct writer *w, const struct mrun *r, size_t n, bool *done)
{
	memset(done, 0, n);
	for (size_t i = 0; i < n; i++) {
		struct claim cl = { 0 };
		size_t na = 0;
		double g;

		if (done[i] || strcmp(r[i].backend, "cgroup") || strcmp(r[i].exp, "overshoot") || !r[i].ok)
			continue;
		for (size_t j = i; j < n; j++) {
			if (done[j] || !r[j].ok || strcmp(r[j].exp, "overshoot") ||
			    !same(&r[i], &r[j], K_MACH | K_KERN | K_BACK))
				continue;
			done[j] = true;
			if (!isnan(r[j].peak) && !isnan(r[j].file))
				w->a[na++] = (r[j].peak - r[j].file) / 1024.0 - r[j].hard;
		}
		if (mem_event_granularity_kib(r[i].kernel, 1, memclaims_meta_cpus(w->dir, r[i].kernel), 4, &g))
			g = 0;
		memclaim_all_below(&cl, w->a, na, 0, g / 1024);
		emit(w, &cl, "anon_peak", &r[i], -1, -1,
		     "the runner's statm peak of anonymous memory (resident - file; MiB over the limit) never above it");
	}
	memset(done, 0, n);
	for (size_t i = 0; i < n; i++) {
		struct claim cl = { 0 };
		size_t k = 0, m = 0, nr = 0;
		double rate = 0, p;

		if (done[i] || strcmp(r[i].backend, "cgroup") || strcmp(r[i].exp, "overshoot") || !r[i].ok)
			continue;
		for (size_t j = i; j < n; j++) {
			if (done[j] || !r[j].ok || !same(&r[i], &r[j], K_EXP | K_MACH | K_KERN | K_BACK | K_PER | K_RATE))
				continue;
			done[j] = true;
			m++;
			k += r[j].seen;
			if (!isnan(r[j].rate_m)) {
				rate += r[j].rate_m;
				nr++;
			}
		}
		p = nr ? fmin(1, (r[i].hard - r[i].soft) * 1000 / (rate / (double)nr * r[i].period)) : NAN;
		memclaim_at_least(&cl, k, m, p);
		emit(w, &cl, "soft_seen", &r[i], r[i].period, r[i].rate,
		     "soft limit seen at least min(1; span / (rate x period)) of the time");
	}
}

/* Per sampling backend, machine, kernel and period: the supervisor's CPU per tick grows from the
 * fewest containers watched to the most (kmod scans in the kernel: not measured here). */
static void claims_cost(struct writer *w, const struct mrun *c, size_t n, bool *done)
{
	memset(done, 0, n);
	for (size_t i = 0; i < n; i++) {
		struct claim cl = { 0 };
		int lo = INT_MAX, hi = 0;
		size_t na = 0, nb = 0;

		if (done[i] || !strcmp(c[i].backend, "kmod"))
			continue;
		for (size_t j = i; j < n; j++)
			if (same(&c[i], &c[j], K_MACH | K_KERN | K_BACK | K_PER)) {
				lo = c[j].containers < lo ? c[j].containers : lo;
				hi = c[j].containers > hi ? c[j].containers : hi;
			}
		for (size_t j = i; j < n; j++) {
			if (done[j] || !same(&c[i], &c[j], K_MACH | K_KERN | K_BACK | K_PER))
				continue;
			done[j] = true;
			if (isnan(c[j].us))
				continue;
			if (c[j].containers == lo)
				w->a[na++] = c[j].us;
			else if (c[j].containers == hi)
				w->b[nb++] = c[j].us;
		}
		if (lo >= hi)
			continue;
		memclaim_grows(&cl, w->a, na, w->b, nb);
		emit(w, &cl, "cost_growth", &c[i], c[i].period, -1, "supervisor CPU per tick (us) grows with the containers watched");
	}
}

int memclaims_write(const char *dir, const struct csvin *runs, const struct csvin *cost)
{
	static const char *const cols[] = { "id", "experiment", "case", "container", "quantity", "measured", "ci95",
					    "n", "theory", "reference", "tolerance", "tolerance_kind", "verdict",
					    "sentence", "machine", "kernel", "backend", "monitor_mode", "period_ms",
					    "rate" };
	size_t most = runs->nrows > cost->nrows ? runs->nrows : cost->nrows;
	struct writer w = { .dir = dir };
	struct mrun *r = NULL, *c = NULL;
	char path[PATH_MAX];
	bool *done = calloc(most + 1, 1);
	int rc;

	w.a = calloc(most + 1, sizeof(double));
	w.b = calloc(most + 1, sizeof(double));
	rc = done && w.a && w.b ? 0 : -ENOMEM;
	if (!rc)
		rc = runs_load(runs, &r);
	if (!rc)
		rc = cost_load(cost, &c);
	if (!rc)
		rc = csvout_create(&w.o, 1 << 20);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/claims.csv", dir);
		w.rc = csvout_table_open(w.o, &w.t, path, cols, sizeof(cols) / sizeof(cols[0]));
		claims_killed(&w, r, runs->nrows, done);
		claims_period(&w, r, runs->nrows, done);
		claims_flat(&w, r, runs->nrows, done);
		claims_cgroup(&w, r, runs->nrows, done);
		claims_cost(&w, c, cost->nrows, done);
		rc = csvout_destroy(w.o);
		if (w.rc)
			rc = w.rc;
	}
	free(r);
	free(c);
	free(done);
	free(w.a);
	free(w.b);
	return rc;
}
