/* The memory lab's summary (memlab.h): runs.csv and cost.csv read back (so rows of another
 * machine appended to them count too), grouped by experiment, machine, backend, period and rate,
 * each metric's mean, 95 % CI and range beside its theory into summary.csv. No shared state. */
#include "memlab.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "labstats.h"
#include "memcalc.h"
#include "memclaims.h"

struct sum_key {
	char exp[16], machine[32], backend[16], kernel[65], mode[8];
	int period, rate, containers, cpus;
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
	return csvout_row(o, t, "sssiiissiggggggss", k->exp, k->machine, k->backend, k->period, k->rate, k->containers,
			  metric, unit, (int)n, theory, theory_max, mean, ci, lo, hi, k->kernel, k->mode);
}

/* runs.csv's columns the summary reads. */
struct run_cols {
	int exp, mach, b, p, r, ok, rate, ov, det, sd, state, se, soft, hard;
	int kernel, mode; /* -1 in a runs.csv from before these columns */
};

/* Field c of row i, or dflt where the file has no such column. */
static const char *field(const struct csvin *in, size_t i, int c, const char *dflt)
{
	return c < 0 ? dflt : csvin_get(in, i, c);
}

static int run_cols_find(const struct csvin *in, struct run_cols *c)
{
	c->exp = csvin_col(in, "experiment");
	c->mach = csvin_col(in, "machine");
	c->b = csvin_col(in, "backend");
	c->p = csvin_col(in, "period_ms");
	c->r = csvin_col(in, "rate_set");
	c->ok = csvin_col(in, "ok");
	c->rate = csvin_col(in, "rate_mibs");
	c->ov = csvin_col(in, "overshoot_mib");
	c->det = csvin_col(in, "detect_ms");
	c->sd = csvin_col(in, "soft_delay_ms");
	c->state = csvin_col(in, "state");
	c->se = csvin_col(in, "soft_events");
	c->soft = csvin_col(in, "soft_mib");
	c->hard = csvin_col(in, "hard_mib");
	c->kernel = csvin_col(in, "kernel");
	c->mode = csvin_col(in, "monitor_mode");
	if (c->exp < 0 || c->mach < 0 || c->b < 0 || c->p < 0 || c->r < 0 || c->ok < 0 || c->rate < 0 || c->ov < 0 ||
	    c->det < 0 || c->sd < 0 || c->state < 0 || c->se < 0 || c->soft < 0 || c->hard < 0)
		return -EPROTO;
	return 0;
}

/* One key's values, each array as long as runs.csv (a key can hold every row). */
struct run_vals {
	double *ov, *det, *sd, *rate, *killed, *seen;
	size_t nov, ndet, nsd, nrate, nk, nseen;
};

static int run_vals_alloc(struct run_vals *v, size_t rows)
{
	memset(v, 0, sizeof(*v));
	v->ov = calloc(rows + 1, sizeof(double));
	v->det = calloc(rows + 1, sizeof(double));
	v->sd = calloc(rows + 1, sizeof(double));
	v->rate = calloc(rows + 1, sizeof(double));
	v->killed = calloc(rows + 1, sizeof(double));
	v->seen = calloc(rows + 1, sizeof(double));
	return v->ov && v->det && v->sd && v->rate && v->killed && v->seen ? 0 : -ENOMEM;
}

static void run_vals_free(struct run_vals *v)
{
	free(v->ov);
	free(v->det);
	free(v->sd);
	free(v->rate);
	free(v->killed);
	free(v->seen);
}

/* Row i's key, then the values of every row not yet done that has it (those are marked done). */
static void runs_collect(const struct csvin *in, const struct run_cols *c, size_t i, bool *done,
			 struct sum_key *k, struct run_vals *v)
{
	snprintf(k->exp, sizeof(k->exp), "%s", csvin_get(in, i, c->exp));
	snprintf(k->machine, sizeof(k->machine), "%s", csvin_get(in, i, c->mach));
	snprintf(k->backend, sizeof(k->backend), "%s", csvin_get(in, i, c->b));
	k->period = atoi(csvin_get(in, i, c->p));
	k->rate = atoi(csvin_get(in, i, c->r));
	snprintf(k->kernel, sizeof(k->kernel), "%s", field(in, i, c->kernel, ""));
	snprintf(k->mode, sizeof(k->mode), "%s", field(in, i, c->mode, "-"));
	v->nov = v->ndet = v->nsd = v->nrate = v->nk = v->nseen = 0;
	for (size_t j = i; j < in->nrows; j++) {
		double x;

		if (done[j] || strcmp(k->exp, csvin_get(in, j, c->exp)) || strcmp(k->machine, csvin_get(in, j, c->mach)) ||
		    strcmp(k->backend, csvin_get(in, j, c->b)) || k->period != atoi(csvin_get(in, j, c->p)) ||
		    k->rate != atoi(csvin_get(in, j, c->r)) || strcmp(k->kernel, field(in, j, c->kernel, "")) ||
		    strcmp(k->mode, field(in, j, c->mode, "-")))
			continue;
		done[j] = true;
		v->killed[v->nk++] = (!strcmp(csvin_get(in, j, c->state), "hard-limit") ||
				      !strcmp(csvin_get(in, j, c->state), "oom")) ? 100 : 0;
		if (strcmp(csvin_get(in, j, c->ok), "1"))
			continue;
		v->seen[v->nseen++] = atoi(csvin_get(in, j, c->se)) > 0 ? 100 : 0;
		if (!isnan(x = csvin_num(in, j, c->ov)))
			v->ov[v->nov++] = x;
		if (!isnan(x = csvin_num(in, j, c->det)))
			v->det[v->ndet++] = x;
		if (!isnan(x = csvin_num(in, j, c->sd)))
			v->sd[v->nsd++] = x;
		if (!isnan(x = csvin_num(in, j, c->rate)))
			v->rate[v->nrate++] = x;
	}
}

/* One key's summary rows, each metric beside its theory; span: hard_mib - soft_mib. */
static int runs_rows(struct csvout *o, struct csv_table *t, const struct sum_key *k, const struct run_vals *v,
		     double span)
{
	struct mem_theory th, ths;
	uint32_t b = PROTO_MONITOR_NONE;
	double rmean = 0, seen_th;
	int rc;

	memlab_backend_parse(k->backend, &b);
	for (size_t j = 0; j < v->nrate; j++)
		rmean += v->rate[j] / (double)v->nrate;
	mem_theory_hard(b, v->nrate ? rmean : k->rate, k->period, &th);
	mem_theory_soft(k->period, &ths);
	if (!strcmp(k->mode, "event")) {
		double g;

		if (mem_event_granularity_kib(k->kernel, 1, k->cpus, 4, &g))
			g = NAN;
		mem_theory_event(g, &th);
		ths = th;
	}
	rc = sum_row(o, t, k, "killed", "%", v->killed, v->nk, 100, 100);
	if (!rc)
		rc = sum_row(o, t, k, "rate", "MiB/s", v->rate, v->nrate, k->rate, k->rate);
	if (!rc)
		rc = sum_row(o, t, k, "overshoot", "MiB", v->ov, v->nov, th.overshoot_mean_mib, th.overshoot_max_mib);
	if (!rc)
		rc = sum_row(o, t, k, "kill_delay", "ms", v->det, v->ndet, th.delay_mean_ms, th.delay_max_ms);
	if (!rc)
		rc = sum_row(o, t, k, "soft_delay", "ms", v->sd, v->nsd, ths.delay_mean_ms, ths.delay_max_ms);
	/* proc and kmod report the soft crossing with the kill at worst; the cgroup sampler sees
	 * it only if a tick falls in the soft..hard span before the kernel's kill. */
	seen_th = b == PROTO_MONITOR_CGROUP && v->nrate ? fmin(100, 100 * span * 1000 / (rmean * k->period)) : 100;
	if (!rc)
		rc = sum_row(o, t, k, "soft_seen", "%", v->seen, v->nseen, seen_th, 100);
	return rc;
}

static int summarize_runs(struct csvout *o, struct csv_table *t, const struct csvin *in, const char *dir)
{
	struct run_cols c;
	struct run_vals v;
	bool *done;
	int rc = run_cols_find(in, &c);

	if (rc)
		return rc;
	done = calloc(in->nrows + 1, sizeof(bool));
	rc = run_vals_alloc(&v, in->nrows);
	if (!rc && !done)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < in->nrows; i++) {
		struct sum_key k = { .containers = 0 };
		double span = atof(csvin_get(in, i, c.hard)) - atof(csvin_get(in, i, c.soft));

		if (done[i])
			continue;
		runs_collect(in, &c, i, done, &k, &v);
		k.cpus = memclaims_meta_cpus(dir, k.kernel);
		rc = runs_rows(o, t, &k, &v, span);
	}
	run_vals_free(&v);
	free(done);
	return rc;
}


static int summarize_cost(struct csvout *o, struct csv_table *t, const struct csvin *in)
{
	int c_mach = csvin_col(in, "machine"), c_b = csvin_col(in, "backend"), c_p = csvin_col(in, "period_ms");
	int c_n = csvin_col(in, "containers"), c_us = csvin_col(in, "us_per_sample");
	int c_k = csvin_col(in, "kernel"), c_mo = csvin_col(in, "monitor_mode");
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
		snprintf(k.kernel, sizeof(k.kernel), "%s", field(in, i, c_k, ""));
		snprintf(k.mode, sizeof(k.mode), "%s", field(in, i, c_mo, "-"));
		for (size_t j = i; j < in->nrows; j++) {
			if (done[j] || strcmp(k.machine, csvin_get(in, j, c_mach)) || strcmp(k.backend, csvin_get(in, j, c_b)) ||
			    k.period != atoi(csvin_get(in, j, c_p)) || k.containers != atoi(csvin_get(in, j, c_n)) ||
			    strcmp(k.kernel, field(in, j, c_k, "")) || strcmp(k.mode, field(in, j, c_mo, "-")))
				continue;
			done[j] = true;
			if (!isnan(csvin_num(in, j, c_us)))
				v[n++] = csvin_num(in, j, c_us);
		}
		rc = sum_row(o, t, &k, "cpu_per_sample", "us", v, n, NAN, NAN);
	}
	free(v);
	free(done);
	return rc;
}

int memlab_summarize(const char *dir)
{
	static const char *const cols[] = { "experiment", "machine", "backend", "period_ms", "rate", "containers",
					    "metric", "unit", "n", "theory", "theory_max", "mean", "ci95", "min", "max",
					    "kernel", "monitor_mode" };
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
			rc = summarize_runs(o, t, &runs, dir);
		if (!rc)
			rc = summarize_cost(o, t, &cost);
		rc2 = csvout_destroy(o);
		if (!rc)
			rc = rc2;
	}
	if (rc) {
		fprintf(stderr, "memlab: writing %s/summary.csv: %s\n", dir, strerror(-rc));
		csvin_free(&runs);
		csvin_free(&cost);
		return 1;
	}
	rc = memclaims_write(dir, &runs, &cost);
	csvin_free(&runs);
	csvin_free(&cost);
	if (rc) {
		fprintf(stderr, "memlab: writing %s/claims.csv: %s\n", dir,
			rc == -EPROTO ? "runs.csv or cost.csv lacks a column it needs" : strerror(-rc));
		return 1;
	}
	return 0;
}

