/* The window-length experiment ([window] of the definition): nice 0 against each nice of the
 * section at each window, run as pairs with the window's work (labrun.c); then per nice the fit
 * share(T) = theory + c / T (labwindow.h), window.csv and the model's claims in claims.csv, with
 * the kernel's base slice beside c. Main thread only, like the rest of the runner. */
#include "lab.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labstats.h"
#include "lib/file.h"
#include "rundir.h"
#include "schedinfo.h"

void window_case_name(char *buf, size_t size, int nice, int work_ms)
{
	if (work_ms > 0)
		snprintf(buf, size, "0-vs-%d-%dms", nice, work_ms);
	else
		snprintf(buf, size, "0-vs-%d", nice);
}

int window_model_fit(struct window_model *m, const double *share, const int *cell_of, size_t n)
{
	double *x = malloc((n + 1) * sizeof(double)), *y = malloc((n + 1) * sizeof(double)),
	       *w = malloc((n + 1) * sizeof(double)), *v = malloc((n + 1) * sizeof(double));
	size_t k, p = 0;
	int j, rc = 0, windows = 0;

	m->have_origin = m->have_free = false;
	m->n_runs = 0;
	if (!x || !y || !w || !v) {
		rc = -ENOMEM;
		goto out;
	}
	for (j = 0; j < m->n_cell; j++) {
		struct window_cell *cl = &m->cell[j];
		size_t nv = 0;

		for (k = 0; k < n; k++)
			if (cell_of[k] == j && !isnan(share[k]))
				v[nv++] = share[k];
		cl->n = nv;
		cl->mean = cl->ci95 = cl->sd = NAN;
		if (nv)
			stats_mean_ci(v, nv, &cl->mean, &cl->ci95);
		cl->sd = stats_sd(v, nv);
		/* Each run a point weighted by T^2: the spread of a share is a jitter of fixed CPU time,
		 * sd ~ 1 / T (measured, 0 vs 15, experiments/noise/c-window.csv: 0.565, 0.176, 0.053,
		 * 0.0098 pp at 250..16000 ms, 3.2 to 5.4 times per 4x window). Weights from each window's
		 * own sd (3 to 8 runs) made the CIs too narrow: on 2000 synthetic draws with those sds
		 * (tests/unit/test_labwindow.c) the intercept was false in 13 % and c in 3.4 %; with T^2,
		 * 4.2 % and 0.2 %. The scale comes from the residuals (winfit_solve). */
		for (k = 0; k < nv; k++) {
			x[p] = 1 / cl->T_ms;
			y[p] = (v[k] - m->theory) / 100;
			w[p] = cl->T_ms * cl->T_ms;
			p++;
		}
		m->n_runs += nv;
		windows += nv > 0;
	}
	/* The model needs two windows, its check (a free intercept) three. */
	m->have_origin = windows >= 2 && winfit_solve(x, y, w, p, 1, &m->origin) == 0;
	m->have_free = windows >= 3 && winfit_solve(x, y, w, p, 0, &m->free) == 0;
	for (j = 0; j < m->n_cell; j++) {
		struct window_cell *cl = &m->cell[j];

		cl->model_pp = m->have_origin ? 100 * m->origin.c / cl->T_ms : NAN;
		cl->fit = m->theory + cl->model_pp;
		cl->residual_pp = cl->mean - cl->fit;
	}
	if (!m->have_origin)
		rc = -EINVAL;
out:
	free(x);
	free(y);
	free(w);
	free(v);
	return rc;
}

static void claim_head(struct claim *cl, const struct window_model *m, int work_ms, const char *quantity)
{
	memset(cl, 0, sizeof(*cl));
	window_case_name(cl->cs, sizeof(cl->cs), m->nice, work_ms);
	snprintf(cl->ct, sizeof(cl->ct), "b-nice%d", m->nice);
	snprintf(cl->exp, sizeof(cl->exp), "window");
	snprintf(cl->quantity, sizeof(cl->quantity), "%s", quantity);
	snprintf(cl->id, sizeof(cl->id), "window/%s/%s/%s", cl->cs, cl->ct, quantity);
	cl->measured = cl->ci95 = cl->theory = cl->reference = cl->tolerance = cl->residual = NAN;
	cl->verdict = CLAIM_NO_DATA;
	snprintf(cl->spread, sizeof(cl->spread), "n/a (the window model: own CI)");
	snprintf(cl->finding, sizeof(cl->finding), "no verdict: no data for the window model");
}

double window_family_scale(const struct window_model *m, int df)
{
	if (m->family <= 1 || df < 1)
		return 1;
	return stats_t_quantile(1 - WINDOW_FAMILY_ALPHA / (2.0 * m->family), df) / stats_t95(df);
}

/* The kind of a claim's tolerance: its own 95 % CI, or the family-wise widening of it. */
static void claim_kind(struct claim *cl, const struct window_model *m, const char *what)
{
	if (m->family > 1)
		snprintf(cl->kind, sizeof(cl->kind), "%s; CI family-wise %g %% over %d window claims (Bonferroni)", what,
			 100 * (1 - WINDOW_FAMILY_ALPHA), m->family);
	else
		snprintf(cl->kind, sizeof(cl->kind), "%s; own ci95", what);
}

/* The residual in tolerances and the finding, once the verdict is set. */
static void claim_close(struct claim *cl)
{
	cl->residual = cl->tolerance > 0 ? (cl->measured - cl->reference) / cl->tolerance : NAN;
	if (cl->verdict == CLAIM_FALSE)
		snprintf(cl->finding, sizeof(cl->finding), "false: the excess does not follow c / T here (%+.2f "
			 "tolerances)", cl->residual);
	else
		cl->finding[0] = '\0';
}

void window_claim_c(struct claim *cl, const struct window_model *m, const struct window_slice *sl)
{
	claim_head(cl, m, 0, "c_ms");
	cl->n = m->n_runs;
	if (sl->ms > 0) {
		cl->theory = sl->ms;
		cl->reference = sl->ms / 2;
		char what[48];

		snprintf(what, sizeof(what), "model 0..one turn (%.3g ms)", sl->ms);
		claim_kind(cl, m, what);
	} else {
		cl->theory = cl->reference = 0;
		claim_kind(cl, m, "model c >= 0 (no slice read)");
	}
	if (!m->have_origin) {
		claim_say(cl, "window 0-vs-%d: no data for the fit share(T) = theory + c / T (fewer than two "
			       "windows with runs)", m->nice);
		return;
	}
	cl->measured = m->origin.c;
	cl->ci95 = m->origin.ci95_c;
	if (sl->ms > 0) {
		/* 0 <= c <= slice within c's CI: |c - slice / 2| <= slice / 2 + ci. */
		cl->tolerance = sl->ms / 2 + cl->ci95 * window_family_scale(m, m->origin.df);
		cl->verdict = fabs(cl->measured - cl->reference) <= cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
		claim_close(cl);
		claim_say(cl, "window 0-vs-%d: the niced container's excess share falls as c / T with c = %.3f "
			       "ms of CPU (95%% CI +-%.3f; n=%zu runs; chi2 %.1f on %d df) %s 0..%.3f ms: at most "
			       "one turn ahead of its fluid share at the first end (a turn: %s)",
			   m->nice, cl->measured, cl->ci95, cl->n, m->origin.chi2, m->origin.df,
			   cl->verdict == CLAIM_TRUE ? "within" : "NOT within", sl->ms, sl->source);
	} else {
		cl->tolerance = cl->ci95 * window_family_scale(m, m->origin.df);
		cl->verdict = cl->measured + cl->tolerance >= 0 ? CLAIM_TRUE : CLAIM_FALSE;
		claim_close(cl);
		claim_say(cl, "window 0-vs-%d: c = %.3f ms of CPU (95%% CI +-%.3f; n=%zu runs) %s >= 0; no base "
			       "slice could be read here to bound it", m->nice, cl->measured, cl->ci95, cl->n,
			   cl->verdict == CLAIM_TRUE ? "is" : "is NOT");
	}
}

void window_claim_intercept(struct claim *cl, const struct window_model *m)
{
	claim_head(cl, m, 0, "intercept_pp");
	claim_kind(cl, m, "the free fit a + c / T");
	cl->n = m->n_runs;
	cl->theory = cl->reference = 0;
	if (!m->have_free) {
		claim_say(cl, "window 0-vs-%d: no data for the free fit a + c / T (fewer than three "
			       "windows with runs)", m->nice);
		return;
	}
	cl->measured = 100 * m->free.a;
	cl->ci95 = 100 * m->free.ci95_a;
	cl->tolerance = cl->ci95 * window_family_scale(m, m->free.df);
	cl->verdict = fabs(cl->measured) <= cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	claim_close(cl);
	claim_say(cl, "window 0-vs-%d: with a free intercept the excess is %+.4f pp (95%% CI +-%.4f) + "
		       "%.3f ms / T: the intercept is %szero within its CI (an excess that stays as T grows "
		       "is not c / T)", m->nice, cl->measured, cl->ci95, m->free.c,
		   cl->verdict == CLAIM_TRUE ? "" : "NOT ");
}

void window_claim_residual(struct claim *cl, const struct window_model *m, int cell)
{
	const struct window_cell *w = &m->cell[cell];

	claim_head(cl, m, w->work_ms, "share");
	claim_kind(cl, m, "the window's mean");
	cl->n = w->n;
	cl->theory = m->theory;
	cl->reference = w->fit;
	if (!m->have_origin || w->n < 2 || isnan(w->ci95)) {
		claim_say(cl, "window 0-vs-%d at %d ms: no data (%zu runs: the residual needs two and a fit)",
			   m->nice, w->work_ms, w->n);
		return;
	}
	cl->measured = w->mean;
	cl->ci95 = w->ci95;
	cl->tolerance = w->ci95 * window_family_scale(m, (int)w->n - 1);
	cl->verdict = fabs(w->residual_pp) <= cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	claim_close(cl);
	claim_say(cl, "window 0-vs-%d at %d ms (T = %.0f ms): b-nice%d share %.3f%% (95%% CI +-%.3f; n=%zu) "
		       "%s its CI of the corrected theory %.3f%% = %.3f%% + %.3f ms / T (residual %+.3f pp)",
		   m->nice, w->work_ms, w->T_ms, m->nice, w->mean, w->ci95, w->n,
		   cl->verdict == CLAIM_TRUE ? "within" : "NOT within", w->fit, m->theory, m->origin.c,
		   w->residual_pp);
}

int lab_window_cases(struct lab *lab)
{
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_WINDOW];
	int i, j;

	if (!s->enabled)
		return 0;
	for (i = 0; i < s->n_nice; i++)
		for (j = 0; j < s->n_window_ms; j++) {
			struct lab_case *n = realloc(lab->cases, sizeof(*n) * (size_t)(lab->n_cases + 1)), *c;

			if (!n)
				return -ENOMEM;
			lab->cases = n;
			c = &n[lab->n_cases++];
			memset(c, 0, sizeof(*c));
			c->exp = LAB_EXP_WINDOW;
			c->param = s->nice[i];
			window_case_name(c->name, sizeof(c->name), s->nice[i], s->window_ms[j]);
			c->work_ms = s->window_ms[j];
			c->reps = s->window_reps[s->n_window_reps == 1 ? 0 : j];
			c->n = 2;
			snprintf(c->ct[0].label, sizeof(c->ct[0].label), "a-nice0");
			snprintf(c->ct[1].label, sizeof(c->ct[1].label), "b-nice%d", s->nice[i]);
			c->ct[1].nice = s->nice[i];
		}
	return 0;
}

/* se.slice (ns) from /proc/PID/sched: EEVDF's slice of that task (6.6 and later). */
static double sched_slice_ms(pid_t pid)
{
	char path[64], line[256];
	double v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/sched", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "se.slice", 8) && sscanf(line, "se.slice %*[ :] %lf", &v) == 1)
			break;
	fclose(f);
	return v > 0 ? v / 1e6 : 0;
}

void lab_window_slice_note(struct lab *lab, pid_t pid)
{
	struct window_slice *sl = &lab->window_slice;
	double ms = sched_slice_ms(pid);

	if (ms <= 0)
		return;
	if (sl->ms > 0 && fabs(ms - sl->ms) > 1e-9) {
		lab->window_slice_varied = true;
		ms = fmax(ms, sl->ms);
	}
	sl->ms = ms;
	snprintf(sl->source, sizeof(sl->source), "/proc/PID/sched se.slice of a window container%s",
		 lab->window_slice_varied ? " (it varied: the largest)" : "");
}

/* Where no container showed se.slice (CFS kernels): the kernel's knobs, debugfs where it is
 * mounted and readable, else the old sysctl. */
static void slice_fallback(struct window_slice *sl)
{
	static const char *const knobs[] = { "/sys/kernel/debug/sched/base_slice_ns",
					     "/sys/kernel/debug/sched/min_granularity_ns",
					     "/proc/sys/kernel/sched_min_granularity_ns" };
	char buf[64];
	size_t i;

	for (i = 0; sl->ms <= 0 && i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		double v;

		if (file_read_text(knobs[i], buf, sizeof(buf)) > 0 && sscanf(buf, "%lf", &v) == 1 && v > 0) {
			sl->ms = v / 1e6;
			snprintf(sl->source, sizeof(sl->source), "%s", knobs[i]);
		}
	}
	if (sl->ms <= 0)
		snprintf(sl->source, sizeof(sl->source), "none (no se.slice; the sched knobs unreadable)");
}

/* lab --summarize of a folder: no window container to read se.slice from (and this kernel's
 * knobs are not the run's), so the slice is the run's meta base_slice_ns (schedinfo). */
static void slice_from_meta(const struct lab *lab, struct window_slice *sl)
{
	char ns[32] = "", src[96] = "", *meta;
	double v;

	if (sl->ms > 0 || !(meta = file_slurp_at(lab->run_dir, "meta")))
		return;
	rundir_meta_get(meta, "base_slice_ns", ns, sizeof(ns));
	rundir_meta_get(meta, "base_slice_source", src, sizeof(src));
	free(meta);
	if (sscanf(ns, "%lf", &v) == 1 && v > 0) {
		sl->ms = v / 1e6;
		snprintf(sl->source, sizeof(sl->source), "the run's meta base_slice_ns (%.60s)", src);
	}
}

/* The bound of c is one turn, the longer of the slice and the tick: a task past its slice runs on
 * to the next tick unless something else on its CPU makes the kernel look sooner (measured on
 * the host at HZ 250: the niced container's turns were 3.98 ms against a 1.4 ms slice;
 * experiments/noise/README.md section 0). HZ from the run's meta under lab --summarize; during
 * the run (meta is written after the claims) from schedinfo_probe. */
static void turn_bound(const struct lab *lab, struct window_slice *sl)
{
	char hz[32] = "", *meta = file_slurp_at(lab->run_dir, "meta");
	double tick;

	if (meta)
		rundir_meta_get(meta, "hz", hz, sizeof(hz));
	free(meta);
	if (!(atof(hz) > 0)) {
		struct schedinfo si;

		schedinfo_probe(&si);
		snprintf(hz, sizeof(hz), "%d", si.hz);
	}
	tick = atof(hz) > 0 ? 1000.0 / atof(hz) : 0;
	if (sl->ms > 0 && tick > sl->ms && !strstr(sl->source, "the tick")) {
		char was[sizeof(sl->source)];

		snprintf(was, sizeof(was), "%s", sl->source);
		snprintf(sl->source, sizeof(sl->source), "the tick at HZ %s; longer than the slice %.3g ms (%s)", hz, sl->ms,
			 was);
		sl->ms = tick;
	}
}

/* The model of every nice of [window], from the runs; n_models is the section's n_nice. */
static int models_fit(struct lab *lab, struct window_model *models)
{
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_WINDOW];
	double *share = malloc(sizeof(double) * (size_t)(lab->n_runs + 1));
	int *cell_of = malloc(sizeof(int) * (size_t)(lab->n_runs + 1));
	int i, j, r, rc = 0;

	if (!share || !cell_of) {
		free(share);
		free(cell_of);
		return -ENOMEM;
	}
	for (i = 0; i < s->n_nice; i++) {
		struct window_model *m = &models[i];
		size_t n = 0;

		memset(m, 0, sizeof(*m));
		m->nice = s->nice[i];
		m->n_cell = s->n_window_ms;
		for (j = 0; j < lab->n_cases; j++) {
			const struct lab_case *c = &lab->cases[j];
			int k;

			if (c->exp != LAB_EXP_WINDOW || c->param != m->nice)
				continue;
			for (k = 0; k < m->n_cell && s->window_ms[k] != c->work_ms; k++)
				;
			if (k == m->n_cell)
				continue;
			m->theory = c->theory_share[1];
			m->cell[k].work_ms = c->work_ms;
			m->cell[k].T_ms = c->work_ms * 100.0 / c->theory_share[0];
			for (r = 0; r < lab->n_runs; r++)
				if (lab->runs[r].case_idx == j && lab->runs[r].ok) {
					/* The model is of the share up to the first end (the rate has
					 * no start-up term); folders from before the rate: share. */
					share[n] = isnan(lab->runs[r].r[1].share_overlap) ? lab->runs[r].r[1].share :
						   lab->runs[r].r[1].share_overlap;
					cell_of[n++] = k;
				}
		}
		rc = window_model_fit(m, share, cell_of, n);
		if (rc == -EINVAL)
			rc = 0; /* no fit: its claims say no-data */
		if (rc)
			break;
	}
	free(share);
	free(cell_of);
	return rc;
}

int lab_window_write(struct lab *lab)
{
	static const char *const cols[] = { "nice", "case", "work_ms", "T_ms", "n", "mean", "sd", "ci95", "theory",
					    "excess_pp", "model_pp", "fit", "residual_pp", "residual_in_ci", "c_ms",
					    "c_ci95_ms", "chi2", "df", "free_c_ms", "free_c_ci95_ms", "free_a_pp",
					    "free_a_ci95_pp", "slice_ms", "slice_source" };
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_WINDOW];
	struct window_model models[LAB_MAX_VALUES];
	struct csv_table *t;
	char path[1200];
	int i, j, rc;

	if (!s->enabled)
		return 0;
	slice_from_meta(lab, &lab->window_slice);
	slice_fallback(&lab->window_slice);
	turn_bound(lab, &lab->window_slice);
	rc = models_fit(lab, models);
	snprintf(path, sizeof(path), "%s/window.csv", lab->run_dir);
	if (!rc)
		rc = csvout_table_open(lab->csv, &t, path, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; !rc && i < s->n_nice; i++) {
		const struct window_model *m = &models[i];
		const struct winfit *o = &m->origin, *f = &m->free;

		for (j = 0; !rc && j < m->n_cell; j++) {
			const struct window_cell *w = &m->cell[j];
			char cs[48];

			window_case_name(cs, sizeof(cs), m->nice, w->work_ms);
			rc = csvout_row(lab->csv, t, "isigiggggggggiggfigggggs", m->nice, cs, w->work_ms, w->T_ms, (int)w->n,
					w->mean, w->sd, w->ci95, m->theory, w->mean - m->theory, w->model_pp, w->fit,
					w->residual_pp, (int)(m->have_origin && w->n > 1 && fabs(w->residual_pp) <= w->ci95),
					m->have_origin ? o->c : NAN, m->have_origin ? o->ci95_c : NAN,
					m->have_origin ? o->chi2 : NAN, m->have_origin ? o->df : 0,
					m->have_free ? f->c : NAN, m->have_free ? f->ci95_c : NAN,
					m->have_free ? 100 * f->a : NAN, m->have_free ? 100 * f->ci95_a : NAN,
					lab->window_slice.ms > 0 ? lab->window_slice.ms : NAN, lab->window_slice.source);
		}
	}
	return rc;
}

int lab_window_claims(struct lab *lab, struct csv_table *t)
{
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_WINDOW];
	struct window_model models[LAB_MAX_VALUES];
	struct claim cl[2 + LAB_MAX_VALUES];
	int i, j, k, rc;

	if (!s->enabled)
		return 0;
	slice_from_meta(lab, &lab->window_slice);
	slice_fallback(&lab->window_slice);
	turn_bound(lab, &lab->window_slice);
	rc = models_fit(lab, models);
	for (i = 0, j = 0; !rc && i < s->n_nice; i++)
		j += 2 + models[i].n_cell;
	for (i = 0; !rc && i < s->n_nice; i++)
		models[i].family = j;
	for (i = 0; !rc && i < s->n_nice; i++) {
		const struct window_model *m = &models[i];
		int n = 0;

		window_claim_c(&cl[n++], m, &lab->window_slice);
		window_claim_intercept(&cl[n++], m);
		for (j = 0; j < m->n_cell; j++)
			window_claim_residual(&cl[n++], m, j);
		for (k = 0; !rc && k < n; k++)
			rc = csvout_row(lab->csv, t, "sssssggigggsssgss", cl[k].id, cl[k].exp, cl[k].cs, cl[k].ct,
					cl[k].quantity, cl[k].measured, cl[k].ci95, (int)cl[k].n, cl[k].theory, cl[k].reference,
					cl[k].tolerance, cl[k].kind, claim_verdict_name(cl[k].verdict), cl[k].sentence,
					cl[k].residual, cl[k].spread, cl[k].finding);
	}
	return rc;
}
