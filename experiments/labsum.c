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

static int summary_row(struct lab *lab, struct csv_table *t, const struct lab_case *c, int slot, const char *metric,
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

/* p50, p99 and max of every wake-up delay of case ci from source src, pooled over its runs, each
 * with the half-width of its distribution-free 95% interval (the wider side), and the pooled
 * cumulative distribution into cdf (one row per wake-up, ascending; the last has fraction 1). */
static int wakeup_rows(struct lab *lab, struct csv_table *t, struct csv_table *cdf, int ci, enum lab_delay_src src,
		       const char *prefix)
{
	const struct lab_case *c = &lab->cases[ci];
	static const double pct[] = { 50, 99, 100 };
	static const char *const name[] = { "p50", "p99", "max" };
	size_t total = 0, k = 0;
	double *all, v, lo, hi;
	int r, i, rc = 0, slot = c->ct[0].sleeper ? 0 : 1;
	char metric[32];

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
	for (i = 0; !rc && i < 3; i++) {
		stats_percentile(all, total, pct[i], &v); /* sorts all */
		stats_percentile_ci(all, total, pct[i], &lo, &hi);
		snprintf(metric, sizeof(metric), "%s_%s", prefix, name[i]);
		/* A sample's maximum has no interval of this kind: left empty. */
		rc = summary_row(lab, t, c, slot, metric, "us", total, NAN, v, pct[i] < 100 ? fmax(v - lo, hi - v) : NAN,
				 "");
	}
	for (k = 0; !rc && k < total; k++)
		if (k + 1 == total || all[k + 1] != all[k])
			rc = csvout_row(lab->csv, cdf, "sisgg", c->name, c->ct[slot].nice, lab_delay_src_name(src), all[k],
					(double)(k + 1) / total);
	free(all);
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

		if (c->exp == LAB_EXP_WAKEUP) {
			rc = wakeup_rows(lab, t, cdf, ci, lab->delay_src, "delay");
			if (!rc && lab->delay_src == LAB_DELAY_PERF)
				rc = wakeup_rows(lab, t, cdf, ci, LAB_DELAY_SCHEDSTAT, "xcheck");
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
				rc = summary_row(lab, t, c, slot, "share", "pct", n, c->theory_share[slot], m, ci95, "pp");
			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					w[nw++] = lab->runs[r].r[slot].wall_s;
			if (!rc && nw && !stats_mean_ci(w, nw, &m, &ci95))
				rc = summary_row(lab, t, c, slot, "wall", "s", nw, c->theory_wall_s[slot], m, ci95, "pct");
			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					v[nr++] = lab->runs[r].r[slot].wall_s / lab->runs[r].r[ref].wall_s;
			if (!rc && nr && !stats_mean_ci(v, nr, &m, &ci95))
				rc = summary_row(lab, t, c, slot, "wall_ratio", "x", nr,
						 c->theory_wall_s[slot] / c->theory_wall_s[ref], m, ci95, "pct");
			if (!rc && nr && c->n == 2) {
				double pred = 0;
				size_t np = 0;

				for (r = 0; r < lab->n_runs; r++)
					if (lab->runs[r].case_idx == ci && lab->runs[r].ok) {
						pred += ratio_on_avail(c, &lab->runs[r], ref, slot);
						np++;
					}
				rc = summary_row(lab, t, c, slot, "wall_ratio_avail", "x", nr, pred / (double)np, m, ci95,
						 "pct");
			}
		}
	}
	free(v);
	return rc;
}

/* Whether case c has share claims: every container of the pairs, mix, weights and demo cases and
 * of the autogroup cases through the engine (the sessions cases are held against nice losing its
 * effect, a claim of the report's own). */
static bool has_share_claims(const struct lab_case *c)
{
	switch (c->exp) {
	case LAB_EXP_PAIRS:
	case LAB_EXP_MIX:
	case LAB_EXP_WEIGHTS:
	case LAB_EXP_DEMO: return true;
	case LAB_EXP_AUTOGROUP: return strncmp(c->name, "engine", 6) == 0;
	default: return false;
	}
}

int lab_claims_write(struct lab *lab, const char *path)
{
	static const char *const cols[] = { "id", "experiment", "case", "container", "quantity", "measured", "ci95",
					    "n", "theory", "reference", "tolerance", "tolerance_kind", "verdict",
					    "sentence" };
	struct csv_table *t;
	double *v = malloc(sizeof(double) * (size_t)(lab->n_runs + 1));
	const struct noise_table *nt = lab->have_noise ? &lab->noise : NULL;
	struct claim cl;
	int ci, slot, r, rc;

	if (!v)
		return -ENOMEM;
	rc = csvout_table_open(lab->csv, &t, path, cols, sizeof(cols) / sizeof(cols[0]));
	for (ci = 0; !rc && ci < lab->n_cases; ci++) {
		const struct lab_case *c = &lab->cases[ci];

		if (!has_share_claims(c))
			continue;
		for (slot = 0; !rc && slot < c->n; slot++) {
			size_t n = 0;

			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					v[n++] = lab->runs[r].r[slot].share;
			claim_share(&cl, nt, lab_exp_name(c->exp), c->name, c->ct[slot].label, c->theory_share[slot],
				    c->work_ms, v, n);
			rc = csvout_row(lab->csv, t, "sssssggigggsss", cl.id, cl.exp, cl.cs, cl.ct, cl.quantity,
					cl.measured, cl.ci95, (int)cl.n, cl.theory, cl.reference, cl.tolerance, cl.kind,
					claim_verdict_name(cl.verdict), cl.sentence);
		}
	}
	free(v);
	return rc;
}
