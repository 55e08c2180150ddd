/* What the lab holds its measurements against, and the per-case summary: theory from the
 * kernel's weight table, mean and 95% CI over repetitions, error; and theory.csv beside it, the
 * table's pair theory for every nice, which the charts and the report read. Main thread only. */
#include "lab.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labstats.h"

void lab_case_theory(struct lab_case *c, bool autogroup)
{
	double w[LAB_CT_MAX], sum = 0, v_prev = 0, t = 0;
	bool done[LAB_CT_MAX] = { false };
	int i, k;

	for (i = 0; i < c->n; i++) {
		c->theory_share[i] = NAN;
		c->theory_wall_s[i] = NAN;
	}
	if (c->exp == LAB_EXP_WAKEUP)
		return;
	if (lab_is_sleeper_case(c)) {
		/* The weight-fair share: its demand, at most half (the hog and it weigh the same). */
		c->theory_share[0] = sleeper_fair_share(c->demand);
		c->theory_share[1] = 100 - c->theory_share[0];
		return;
	}
	for (i = 0; i < c->n; i++) {
		if (c->ct[i].weight)
			w[i] = c->ct[i].weight;
		else if (c->ct[i].own_session && autogroup)
			w[i] = nice_weight(0); /* each session its own autogroup: equal group weights */
		else
			w[i] = nice_weight(c->ct[i].nice);
		sum += w[i];
	}
	for (i = 0; i < c->n; i++)
		c->theory_share[i] = 100.0 * w[i] / sum;
	/* Equal work W each, CPU split in proportion to weight: the heaviest ends first; after each
	 * end the rest share the CPU among themselves (virtual time V: work done = w * V). */
	for (k = 0; k < c->n; k++) {
		double alive = 0, v;
		int heavy = -1;

		for (i = 0; i < c->n; i++) {
			if (done[i])
				continue;
			alive += w[i];
			if (heavy < 0 || w[i] > w[heavy])
				heavy = i;
		}
		if (heavy < 0)
			break;
		v = (c->work_ms / 1000.0) / w[heavy];
		t += (v - v_prev) * alive;
		v_prev = v;
		for (i = 0; i < c->n; i++) {
			if (!done[i] && w[i] == w[heavy]) {
				done[i] = true;
				c->theory_wall_s[i] = t;
			}
		}
	}
}

/* Wall-time ratio of slot to ref predicted for one run of a pair from the theory shares and the
 * CPU the machine gave: ref ends after W / (s_ref A1), slot has then done W s_slot / s_ref and
 * does the rest at A2, so the ratio is 1 + (s_ref - s_slot) A1 / A2 (A1: the pair's CPU during
 * the overlap, A2: slot's after; fractions of one CPU). NaN where A2 is unknown. */
static double ratio_on_avail(const struct lab_case *c, const struct lab_run *run, int ref, int slot)
{
	double d = (c->theory_share[ref] - c->theory_share[slot]) / 100;

	if (slot == ref || d == 0)
		return 1;
	return 1 + d * run->avail_overlap / run->r[slot].avail_after;
}

/* Percent of the CPU slot would get from its nice alone: the weight table, without the case's
 * cgroup weights or autogroup (what nice promises, to hold a case where something else decides). */
static double nice_share(const struct lab_case *c, int slot)
{
	double sum = 0;
	int i;

	for (i = 0; i < c->n; i++)
		sum += nice_weight(c->ct[i].nice);
	return 100.0 * nice_weight(c->ct[slot].nice) / sum;
}

int lab_summary_row(struct lab *lab, struct csv_table *t, const struct lab_case *c, int slot, const char *metric,
		    const char *unit, size_t n, double theory, double mean, double ci, const char *err_unit)
{
	double error = NAN, by_nice = strcmp(metric, "share") == 0 ? nice_share(c, slot) : NAN;

	if (!isnan(theory) && n)
		error = err_unit[0] == 'p' && err_unit[1] == 'p' ? mean - theory : 100.0 * (mean / theory - 1);
	return csvout_row(lab->csv, t, "ssiisiissiggggsg", lab_exp_name(c->exp), c->name, c->param, slot,
			  c->ct[slot].label, c->ct[slot].nice, (int)c->ct[slot].weight, metric, unit, (int)n, theory,
			  mean, ci, error, err_unit, by_nice);
}

/* theory.csv: for every nice N, a nice-0 task and a nice-N task with equal work on one CPU, through
 * the same theory as the cases (lab_case_theory): their shares and the nice-N task's completion
 * time over the first to end. The charts draw their theory curves from it. */
static int theory_write(struct lab *lab, const char *path)
{
	static const char *const cols[] = { "nice", "nice_weight", "nice0_share", "share", "wall_ratio" };
	struct csv_table *t;
	struct lab_case c = { .exp = LAB_EXP_PAIRS, .n = 2, .work_ms = 1000 };
	int nice, rc;

	rc = csvout_table_open(lab->csv, &t, path, cols, sizeof(cols) / sizeof(cols[0]));
	for (nice = -20; !rc && nice <= 19; nice++) {
		c.ct[1].nice = nice;
		lab_case_theory(&c, false);
		rc = csvout_row(lab->csv, t, "iiggg", nice, (int)nice_weight(nice), c.theory_share[0], c.theory_share[1],
				c.theory_wall_s[1] / fmin(c.theory_wall_s[0], c.theory_wall_s[1]));
	}
	return rc;
}

/* Every wake-up delay of case ci from source src, pooled over its successful runs and sorted
 * ascending, into *out (malloc'd; NULL and 0 when there are none). */
static int wakeup_pool(const struct lab *lab, int ci, enum lab_delay_src src, double **out, size_t *n)
{
	size_t total = 0, k = 0;
	double *all, v;
	int r;

	*out = NULL;
	*n = 0;
	for (r = 0; r < lab->n_runs; r++)
		if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
			total += lab->runs[r].delays[src].n;
	if (!total)
		return 0;
	all = malloc(total * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (r = 0; r < lab->n_runs; r++)
		if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
			for (size_t j = 0; j < lab->runs[r].delays[src].n; j++)
				all[k++] = lab->runs[r].delays[src].us[j];
	stats_percentile(all, total, 50, &v); /* sorts all */
	*out = all;
	*n = total;
	return 0;
}

/* The sleeper's slot of a wake-up case. */
static int sleeper_slot(const struct lab_case *c)
{
	return c->ct[0].sleeper ? 0 : 1;
}

/* p50, p99 and max of every wake-up delay of case ci from source src, pooled over its runs, each
 * with the half-width of its distribution-free 95% interval (the wider side), and the pooled
 * cumulative distribution into cdf (one row per wake-up, ascending; the last has fraction 1). */
int lab_wakeup_rows(struct lab *lab, struct csv_table *t, struct csv_table *cdf, int ci, enum lab_delay_src src,
		    const char *prefix)
{
	const struct lab_case *c = &lab->cases[ci];
	static const double pct[] = { 50, 99, 100 };
	static const char *const name[] = { "p50", "p99", "max" };
	size_t total, k;
	double *all, v, lo, hi;
	int i, rc, slot = sleeper_slot(c);
	char metric[32];

	rc = wakeup_pool(lab, ci, src, &all, &total);
	if (rc || !total)
		return rc;
	for (i = 0; !rc && i < 3; i++) {
		stats_percentile(all, total, pct[i], &v);
		stats_percentile_ci(all, total, pct[i], &lo, &hi);
		snprintf(metric, sizeof(metric), "%s_%s", prefix, name[i]);
		/* A sample's maximum has no interval of this kind: left empty. */
		rc = lab_summary_row(lab, t, c, slot, metric, "us", total, NAN, v, pct[i] < 100 ? fmax(v - lo, hi - v) : NAN,
				 "");
	}
	for (k = 0; !rc && cdf && k < total; k++)
		if (k + 1 == total || all[k + 1] != all[k])
			rc = csvout_row(lab->csv, cdf, "sisgg", c->name, c->ct[slot].nice, lab_delay_src_name(src), all[k],
					(double)(k + 1) / total);
	free(all);
	return rc;
}

/* The CPU the hog of wake-up case ci got in each of its runs (% of one CPU: its CPU time over its
 * wall time), mean and CI over the runs: how much of the CPU other load left to the two. */
static int wakeup_hog_row(struct lab *lab, struct csv_table *t, int ci, double *v)
{
	const struct lab_case *c = &lab->cases[ci];
	int hog = 1 - sleeper_slot(c), r;
	size_t n = 0;
	double m, ci95;

	for (r = 0; r < lab->n_runs; r++)
		if (lab->runs[r].case_idx == ci && lab->runs[r].ok && lab->runs[r].r[hog].wall_s > 0)
			v[n++] = lab->runs[r].r[hog].cpu_ms / (lab->runs[r].r[hog].wall_s * 10);
	if (!n || stats_mean_ci(v, n, &m, &ci95))
		return 0;
	return lab_summary_row(lab, t, c, hog, "hog_cpu", "pct", n, NAN, m, ci95, "");
}

/* The CPU the machine left to case ci (% of one CPU, mean over its runs): avail_overlap, all its
 * containers together while all ran (on the slot that ends first), and avail_after, each other
 * container alone after the first end (where the run measured it). */
static int avail_rows(struct lab *lab, struct csv_table *t, int ci, int ref, double *v)
{
	const struct lab_case *c = &lab->cases[ci];
	int slot, r, rc = 0;
	double m, ci95;

	for (slot = 0; !rc && slot < c->n; slot++) {
		size_t n = 0;

		for (r = 0; r < lab->n_runs; r++) {
			const struct lab_run *run = &lab->runs[r];
			double a = slot == ref ? run->avail_overlap : run->r[slot].avail_after;

			if (run->case_idx == ci && run->ok && !isnan(a))
				v[n++] = a;
		}
		if (n && !stats_mean_ci(v, n, &m, &ci95))
			rc = lab_summary_row(lab, t, c, slot, slot == ref ? "avail_overlap" : "avail_after", "pct", n, NAN, m,
					 ci95, "");
	}
	return rc;
}

/* dir/name for the file beside path (the summary's folder). */
static int beside(char *out, size_t size, const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');

	if (snprintf(out, size, "%.*s%s", slash ? (int)(slash - path + 1) : 0, path, name) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int lab_summary_write(struct lab *lab, const char *path)
{
	/* New columns go at the end: readers by position keep working. */
	static const char *const cols[] = { "experiment", "case", "param", "slot", "container", "nice", "weight",
					    "metric", "unit", "n", "theory", "mean", "ci95", "error", "error_unit",
					    "theory_nice" };
	static const char *const cdf_cols[] = { "case", "nice", "source", "delay_us", "fraction" };
	struct csv_table *t, *cdf = NULL;
	double *v = malloc(sizeof(double) * (size_t)(lab->n_runs + 1));
	char theory[PATH_MAX], cdf_path[PATH_MAX];
	int ci, rc;

	if (!v)
		return -ENOMEM;
	rc = beside(theory, sizeof(theory), path, "theory.csv");
	if (!rc)
		rc = beside(cdf_path, sizeof(cdf_path), path, "wakeup_cdf.csv");
	if (!rc)
		rc = theory_write(lab, theory);
	if (!rc && lab->conf.exp[LAB_EXP_WAKEUP].enabled)
		rc = csvout_table_open(lab->csv, &cdf, cdf_path, cdf_cols, sizeof(cdf_cols) / sizeof(cdf_cols[0]));
	if (!rc)
		rc = csvout_table_open(lab->csv, &t, path, cols, sizeof(cols) / sizeof(cols[0]));
	for (ci = 0; !rc && ci < lab->n_cases; ci++) {
		const struct lab_case *c = &lab->cases[ci];
		int slot, ref = 0, r;

		if (lab_is_sleeper_case(c) || c->exp == LAB_EXP_SHORTWIN)
			continue; /* their own rows, below */
		if (c->exp == LAB_EXP_WAKEUP) {
			rc = lab_wakeup_rows(lab, t, cdf, ci, lab->delay_src, "delay");
			if (!rc && lab->delay_src == LAB_DELAY_PERF)
				rc = lab_wakeup_rows(lab, t, cdf, ci, LAB_DELAY_SCHEDSTAT, "xcheck");
			if (!rc)
				rc = wakeup_hog_row(lab, t, ci, v);
			continue;
		}
		for (slot = 1; slot < c->n; slot++)
			if (c->theory_wall_s[slot] < c->theory_wall_s[ref])
				ref = slot;
		for (slot = 0; !rc && slot < c->n; slot++) {
			size_t n = 0, nw = 0, nr = 0;
			double m, ci95;
			double *w = v;

			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					v[n++] = lab->runs[r].r[slot].share;
			if (n && !stats_mean_ci(v, n, &m, &ci95))
				rc = lab_summary_row(lab, t, c, slot, "share", "pct", n, c->theory_share[slot], m, ci95, "pp");
			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					w[nw++] = lab->runs[r].r[slot].wall_s;
			if (!rc && nw && !stats_mean_ci(w, nw, &m, &ci95))
				rc = lab_summary_row(lab, t, c, slot, "wall", "s", nw, c->theory_wall_s[slot], m, ci95, "pct");
			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					v[nr++] = lab->runs[r].r[slot].wall_s / lab->runs[r].r[ref].wall_s;
			if (!rc && nr && !stats_mean_ci(v, nr, &m, &ci95))
				rc = lab_summary_row(lab, t, c, slot, "wall_ratio", "x", nr,
						 c->theory_wall_s[slot] / c->theory_wall_s[ref], m, ci95, "pct");
			if (!rc && nr && c->n == 2) {
				double pred = 0;
				size_t np = 0;

				for (r = 0; r < lab->n_runs; r++)
					if (lab->runs[r].case_idx == ci && lab->runs[r].ok) {
						pred += ratio_on_avail(c, &lab->runs[r], ref, slot);
						np++;
					}
				rc = lab_summary_row(lab, t, c, slot, "wall_ratio_avail", "x", nr, pred / (double)np, m, ci95,
						 "pct");
			}
		}
		if (!rc)
			rc = avail_rows(lab, t, ci, ref, v);
	}
	if (!rc)
		rc = lab_window_write(lab);
	if (!rc)
		rc = lab_sleeper_summary(lab, t);
	if (!rc)
		rc = lab_short_write(lab, t);
	free(v);
	return rc;
}

/* The container theory says ends first in case c (the reference of its completion ratios). */
static int first_to_end(const struct lab_case *c)
{
	int slot, ref = 0;

	for (slot = 1; slot < c->n; slot++)
		if (c->theory_wall_s[slot] < c->theory_wall_s[ref])
			ref = slot;
	return ref;
}

/* Whether case c has share and completion-ratio claims: every case but the wake-up ones and the
 * window ones (held against theory + c / T by their model's claims, labwindow.c). */
static bool has_share_claims(const struct lab_case *c)
{
	return c->exp != LAB_EXP_WAKEUP && c->exp != LAB_EXP_WINDOW && c->exp != LAB_EXP_SHORTWIN && !lab_is_sleeper_case(c);
}

/* Whether case c is the autogroup trap: each container in a session of its own. */
static bool own_sessions(const struct lab_case *c)
{
	return c->exp == LAB_EXP_AUTOGROUP && c->n > 1 && c->ct[1].own_session;
}

/* Per-run values of case ci: quantity q of slot (share, wall, the completion ratio over ref, or
 * that ratio over its prediction on the CPU the machine left); returns how many. */
/* A completion ratio "for a CPU of its own" holds only where the CPU was the case's: both the
 * overlap and the slot's tail had at least this much of it (% of one CPU). Measured here: runs at
 * load 1.4..2.8 had 94..100 %; at load 5..13 (other labs pinned to the same CPU) 40..55 %, and
 * the raw ratio was false in every such run while the ratio on the CPU left held. */
#define RATIO_OWN_CPU_PCT 95.0
/* The prediction on the CPU the machine left stands on the availability measured in each phase;
 * its noise (experiments/noise/c.csv) was measured with at least 58 % of a CPU after the first
 * end and 63 % while all ran. With two labs pinned to one CPU the survivor got 4..22 % after the
 * end and the ratio was 1.1..1.7 tolerances off: runs below this are left out. */
#define RATIO_AVAIL_MIN_PCT 50.0

enum run_q { RQ_SHARE, RQ_WALL, RQ_RATIO, RQ_RATIO_AVAIL, RQ_RATIO_OWN_CPU };
static size_t run_values(const struct lab *lab, int ci, int slot, int ref, enum run_q q, double *v)
{
	const struct lab_case *c = &lab->cases[ci];
	size_t n = 0;
	int r;

	for (r = 0; r < lab->n_runs; r++) {
		const struct lab_run *run = &lab->runs[r];
		double ratio, pred;

		if (run->case_idx != ci || !run->ok)
			continue;
		ratio = run->r[slot].wall_s / run->r[ref].wall_s;
		switch (q) {
		case RQ_SHARE: v[n++] = run->r[slot].share; break;
		case RQ_WALL: v[n++] = run->r[slot].wall_s; break;
		case RQ_RATIO: v[n++] = ratio; break;
		case RQ_RATIO_OWN_CPU:
			if (run->avail_overlap >= RATIO_OWN_CPU_PCT &&
			    !(run->r[slot].avail_after < RATIO_OWN_CPU_PCT))
				v[n++] = ratio;
			break;
		case RQ_RATIO_AVAIL:
			if (run->avail_overlap < RATIO_AVAIL_MIN_PCT || run->r[slot].avail_after < RATIO_AVAIL_MIN_PCT)
				break;
			pred = ratio_on_avail(c, run, ref, slot);
			if (isfinite(pred) && pred > 0)
				v[n++] = ratio / pred;
			break;
		}
	}
	return n;
}

int lab_claim_row(struct lab *lab, struct csv_table *t, const struct claim *cl)
{
	return csvout_row(lab->csv, t, "sssssggigggsssgss", cl->id, cl->exp, cl->cs, cl->ct, cl->quantity, cl->measured,
			  cl->ci95, (int)cl->n, cl->theory, cl->reference, cl->tolerance, cl->kind,
			  claim_verdict_name(cl->verdict), cl->sentence, cl->residual, cl->spread, cl->finding);
}

/* How far the nearer of slot's shares at nice - 1 and nice + 1 (the others as they are) lies from
 * its theory, by the case's own theory (lab_case_theory); 0 where nice does not move it. */
static double step_pp(const struct lab *lab, const struct lab_case *c, int slot)
{
	double d = INFINITY;

	for (int s = -1; s <= 1; s += 2) {
		struct lab_case k = *c;

		if (k.ct[slot].nice + s < -20 || k.ct[slot].nice + s > 19)
			continue;
		k.ct[slot].nice += s;
		lab_case_theory(&k, lab->autogroup);
		d = fmin(d, fabs(k.theory_share[slot] - c->theory_share[slot]));
	}
	return isfinite(d) ? d : 0;
}

/* The claims of a share case: each container's share; each one's completion ratio but the first
 * to end, and on the CPU the machine left for pairs of two unequal ones; with a session each, autogroup's
 * cancelling of nice; the demo's completion. */
static int case_claims(struct lab *lab, struct csv_table *t, int ci, double *v)
{
	const struct noise_table *nt = lab->have_noise ? &lab->noise : NULL;
	const struct lab_case *c = &lab->cases[ci];
	const char *e = lab_exp_name(c->exp);
	int slot, ref = first_to_end(c), rc = 0;
	struct claim cl;
	size_t n;

	for (slot = 0; !rc && slot < c->n; slot++) {
		n = run_values(lab, ci, slot, ref, RQ_SHARE, v);
		claim_share(&cl, nt, e, c->name, c->ct[slot].label, c->theory_share[slot], c->work_ms, v, n);
		claim_share_resolves(&cl, step_pp(lab, c, slot));
		rc = lab_claim_row(lab, t, &cl);
		if (!rc && own_sessions(c) && slot != ref && c->theory_share[slot] != nice_share(c, slot)) {
			claim_nice_cancelled(&cl, e, c->name, c->ct[slot].label, c->theory_share[slot], nice_share(c, slot),
					     v, n);
			rc = lab_claim_row(lab, t, &cl);
		}
	}
	for (slot = 0; !rc && slot < c->n; slot++) {
		if (slot == ref)
			continue;
		{
			size_t all = run_values(lab, ci, slot, ref, RQ_RATIO, v);

			n = run_values(lab, ci, slot, ref, RQ_RATIO_OWN_CPU, v);
			claim_ratio(&cl, nt, e, c->name, c->ct[slot].label, "wall_ratio",
				    c->theory_wall_s[slot] / c->theory_wall_s[ref], c->work_ms, v, n);
			if (all > n)
				claim_premise_note(&cl, all - n, all, RATIO_OWN_CPU_PCT);
		}
		rc = lab_claim_row(lab, t, &cl);
		/* With equal theory shares the prediction on the CPU left is 1 whatever the machine left:
		 * the claim above already. */
		if (!rc && c->n == 2 && c->theory_share[slot] != c->theory_share[ref]) {
			size_t all = run_values(lab, ci, slot, ref, RQ_RATIO, v);

			n = run_values(lab, ci, slot, ref, RQ_RATIO_AVAIL, v);
			claim_ratio(&cl, nt, e, c->name, c->ct[slot].label, "wall_ratio_on_avail", 1, c->work_ms, v, n);
			if (all > n)
				claim_avail_premise_note(&cl, all - n, all, RATIO_AVAIL_MIN_PCT);
			rc = lab_claim_row(lab, t, &cl);
		}
	}
	for (slot = 0; !rc && c->exp == LAB_EXP_DEMO && slot < c->n; slot++) {
		n = run_values(lab, ci, slot, ref, RQ_WALL, v);
		claim_completed(&cl, e, c->name, c->ct[slot].label, c->theory_wall_s[slot], v, n);
		rc = lab_claim_row(lab, t, &cl);
	}
	return rc;
}

/* A percentile of wake-up case ci's pooled delays (from the source the summary uses). */
static int wakeup_pct(const struct lab *lab, int ci, double p, struct claim_pct *out)
{
	const struct lab_case *c = &lab->cases[ci];
	double *all;
	size_t n;
	int rc = wakeup_pool(lab, ci, lab->delay_src, &all, &n);

	memset(out, 0, sizeof(*out));
	out->nice = c->ct[sleeper_slot(c)].nice;
	if (rc || !n)
		return rc;
	stats_percentile(all, n, p, &out->value);
	stats_percentile_ci(all, n, p, &out->lo, &out->hi);
	out->n = n;
	out->inside = stats_percentile_ci_inside(n, p);
	free(all);
	return 0;
}

/* The wake-up claims: p50 and p99 of every sleeper's delays against those of the sleeper at the
 * definition's highest nice (no claim where there is only one nice). */
static int wakeup_claims(struct lab *lab, struct csv_table *t)
{
	static const double pct[] = { 50, 99 };
	static const char *const name[] = { "delay_p50", "delay_p99" };
	int ci, top = -1, rc = 0;

	for (ci = 0; ci < lab->n_cases; ci++) {
		const struct lab_case *c = &lab->cases[ci];

		if (c->exp == LAB_EXP_WAKEUP &&
		    (top < 0 || c->ct[sleeper_slot(c)].nice > lab->cases[top].ct[sleeper_slot(&lab->cases[top])].nice))
			top = ci;
	}
	for (ci = 0; !rc && top >= 0 && ci < lab->n_cases; ci++) {
		const struct lab_case *c = &lab->cases[ci];
		struct claim_pct a, ref;
		struct claim cl;

		if (c->exp != LAB_EXP_WAKEUP || ci == top ||
		    c->ct[sleeper_slot(c)].nice == lab->cases[top].ct[sleeper_slot(&lab->cases[top])].nice)
			continue;
		for (int i = 0; !rc && i < 2; i++) {
			rc = wakeup_pct(lab, ci, pct[i], &a);
			if (!rc)
				rc = wakeup_pct(lab, top, pct[i], &ref);
			if (rc)
				break;
			claim_wakeup_order(&cl, lab_exp_name(c->exp), c->name, c->ct[sleeper_slot(c)].label, name[i], &a, &ref);
			rc = lab_claim_row(lab, t, &cl);
		}
	}
	return rc;
}

int lab_claims_write(struct lab *lab, const char *path)
{
	/* New columns go at the end: readers by position keep working. */
	static const char *const cols[] = { "id", "experiment", "case", "container", "quantity", "measured", "ci95",
					    "n", "theory", "reference", "tolerance", "tolerance_kind", "verdict",
					    "sentence", "residual", "spread", "finding" };
	struct csv_table *t;
	double *v = malloc(sizeof(double) * (size_t)(lab->n_runs + 1));
	int ci, rc;

	if (!v)
		return -ENOMEM;
	rc = csvout_table_open(lab->csv, &t, path, cols, sizeof(cols) / sizeof(cols[0]));
	for (ci = 0; !rc && ci < lab->n_cases; ci++)
		if (has_share_claims(&lab->cases[ci]))
			rc = case_claims(lab, t, ci, v);
	if (!rc)
		rc = wakeup_claims(lab, t);
	if (!rc)
		rc = lab_window_claims(lab, t);
	if (!rc)
		rc = lab_sleeper_claims(lab, t);
	if (!rc)
		rc = lab_short_claims(lab, t);
	free(v);
	return rc;
}
