/* What the lab holds its measurements against, and the per-case summary: theory from the
 * kernel's weight table, mean and 95% CI over repetitions, error. Main thread only. */
#include "lab.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

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

static int summary_row(struct lab *lab, struct csv_table *t, const struct lab_case *c, int slot, const char *metric,
		       const char *unit, size_t n, double theory, double mean, double ci, const char *err_unit)
{
	double error = NAN;

	if (!isnan(theory) && n)
		error = err_unit[0] == 'p' && err_unit[1] == 'p' ? mean - theory : 100.0 * (mean / theory - 1);
	return csvout_row(lab->csv, t, "ssiisiissiggggs", lab_exp_name(c->exp), c->name, c->param, slot,
			  c->ct[slot].label, c->ct[slot].nice, (int)c->ct[slot].weight, metric, unit, (int)n, theory,
			  mean, ci, error, err_unit);
}

int lab_summary_write(struct lab *lab, const char *path)
{
	static const char *const cols[] = { "experiment", "case", "param", "slot", "container", "nice", "weight",
					    "metric", "unit", "n", "theory", "mean", "ci95", "error", "error_unit" };
	struct csv_table *t;
	double *v = malloc(sizeof(double) * (size_t)(lab->n_runs + 1));
	int ci, rc;

	if (!v)
		return -ENOMEM;
	rc = csvout_table_open(lab->csv, &t, path, cols, sizeof(cols) / sizeof(cols[0]));
	for (ci = 0; !rc && ci < lab->n_cases; ci++) {
		const struct lab_case *c = &lab->cases[ci];
		int slot, ref = 0, r;

		if (c->exp == LAB_EXP_WAKEUP) {
			/* Pool every wake-up of the case; only the sleeper has delays. */
			size_t total = 0, k;
			double *all = NULL, p50, p99, pmax;

			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					total += lab->runs[r].n_delays;
			if (!total)
				continue;
			all = malloc(total * sizeof(*all));
			if (!all) {
				rc = -ENOMEM;
				break;
			}
			for (r = 0, k = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == ci && lab->runs[r].ok)
					for (size_t j = 0; j < lab->runs[r].n_delays; j++)
						all[k++] = lab->runs[r].delays_us[j];
			stats_percentile(all, total, 50, &p50);
			stats_percentile(all, total, 99, &p99);
			stats_percentile(all, total, 100, &pmax);
			free(all);
			slot = c->ct[0].sleeper ? 0 : 1;
			rc = summary_row(lab, t, c, slot, "delay_p50", "us", total, NAN, p50, NAN, "");
			if (!rc)
				rc = summary_row(lab, t, c, slot, "delay_p99", "us", total, NAN, p99, NAN, "");
			if (!rc)
				rc = summary_row(lab, t, c, slot, "delay_max", "us", total, NAN, pmax, NAN, "");
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
		}
	}
	free(v);
	return rc;
}
