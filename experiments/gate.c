/* The scheduler gate's decisions (gate.h): the required cases from the definition through the
 * lab's own case expansion, run folders and the baseline read with csvin, and each container's
 * share held against theory (its claims.csv row) and the baseline. */
#include "gate.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labcases.h"
#include "labconf.h"
#include "noisestats.h"
#include "rundir.h"
#include "lib/file.h"

/* The cases with share claims (as labsum.c's claims.csv has them). */
static bool gated(const struct lab_case *c)
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

int gate_cases_load(const char *def, struct gate_case **cases, int *n, char *err, size_t errlen)
{
	struct lab *lab = calloc(1, sizeof(*lab));
	int i, k = 0, rc;

	*cases = NULL;
	*n = 0;
	if (!lab)
		return -ENOMEM;
	rc = lab_conf_load(&lab->conf, def, NULL, err, errlen);
	if (!rc && (rc = lab_cases_expand(lab)))
		snprintf(err, errlen, "%s: out of memory", def);
	if (!rc && !(*cases = calloc((size_t)lab->n_cases + 1, sizeof(**cases)))) {
		snprintf(err, errlen, "%s: out of memory", def);
		rc = -ENOMEM;
	}
	for (i = 0; !rc && i < lab->n_cases; i++) {
		const struct lab_case *lc = &lab->cases[i];
		struct gate_case *c = &(*cases)[k];

		if (!gated(lc))
			continue;
		snprintf(c->exp, sizeof(c->exp), "%s", lab_exp_name(lc->exp));
		snprintf(c->name, sizeof(c->name), "%s", lc->name);
		snprintf(c->id, sizeof(c->id), "%s/%s", c->exp, c->name);
		c->reps = lc->reps;
		c->work_ms = lc->work_ms;
		c->n_ct = lc->n;
		for (int s = 0; s < lc->n; s++)
			snprintf(c->label[s], sizeof(c->label[s]), "%s", lc->ct[s].label);
		k++;
	}
	if (!rc && !k) {
		snprintf(err, errlen, "%s: no case with share claims (pairs, mix, weights, demo, autogroup)", def);
		rc = -EINVAL;
	}
	if (rc) {
		free(*cases);
		*cases = NULL;
	} else
		*n = k;
	free(lab->cases);
	free(lab);
	return rc;
}

int gate_run_load(const char *dir, struct gate_run *run, char *err, size_t errlen)
{
	static const char *const files[] = { "claims.csv", "summary.csv", "meta" };
	char path[1200], meta[16384] = "", num[32];
	int i, rc;

	memset(run, 0, sizeof(*run));
	snprintf(run->dir, sizeof(run->dir), "%s", dir);
	snprintf(run->fault, sizeof(run->fault), "none");
	run->lab_exit = -1;
	snprintf(path, sizeof(path), "%s/lab.exit", dir);
	if (file_read_text(path, num, sizeof(num)) > 0) {
		char *end;
		long v = strtol(num, &end, 10);

		if (end == num || (*end && *end != '\n') || v < 0 || v > 255) {
			snprintf(err, errlen, "%s: not an exit status", path);
			return -EPROTO;
		}
		run->lab_exit = (int)v;
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (access(path, R_OK) && !run->missing[0])
			snprintf(run->missing, sizeof(run->missing), "%s", files[i]);
	}
	snprintf(path, sizeof(path), "%s/meta", dir);
	if (file_read_text(path, meta, sizeof(meta)) >= 0) {
		rundir_meta_get(meta, "noise", run->noise, sizeof(run->noise));
		rundir_meta_get(meta, "fault_injection", run->fault, sizeof(run->fault));
		if (!run->fault[0])
			snprintf(run->fault, sizeof(run->fault), "none");
		rundir_meta_get(meta, "date", run->date, sizeof(run->date));
		rundir_meta_get(meta, "git_revision", run->revision, sizeof(run->revision));
		rundir_meta_get(meta, "kernel", run->kernel, sizeof(run->kernel));
	}
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	if (!access(path, F_OK)) {
		run->runs = calloc(1, sizeof(*run->runs));
		rc = run->runs ? csvin_load(path, run->runs) : -ENOMEM;
		if (!rc)
			for (i = 0; i < 5 && !rc; i++) {
				static const char *const need[] = { "experiment", "case", "container", "share", "ok" };

				if (csvin_col(run->runs, need[i]) < 0) {
					csvin_free(run->runs);
					rc = -EPROTO;
				}
			}
		if (rc) {
			snprintf(err, errlen, "%s: not the lab's runs.csv", path);
			free(run->runs);
			run->runs = NULL;
			return rc;
		}
	}
	snprintf(path, sizeof(path), "%s/claims.csv", dir);
	if (access(path, F_OK))
		return 0;
	run->claims = calloc(1, sizeof(*run->claims));
	if (!run->claims) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = csvin_load(path, run->claims);
	if (!rc)
		for (i = 0; i < 9 && !rc; i++) {
			static const char *const need[] = { "experiment", "case", "container", "quantity", "measured", "n",
							    "reference", "tolerance", "verdict" };

			if (csvin_col(run->claims, need[i]) < 0) {
				snprintf(err, errlen, "%s: no column \"%s\" (not the lab's claims.csv)", path, need[i]);
				csvin_free(run->claims);
				rc = -EPROTO;
			}
		}
	else
		snprintf(err, errlen, "%s: %s", path, rc == -EPROTO ? "not a CSV table of equal rows" : strerror(-rc));
	if (rc) {
		free(run->claims);
		run->claims = NULL;
	}
	return rc;
}

void gate_run_free(struct gate_run *run)
{
	if (run->claims) {
		csvin_free(run->claims);
		free(run->claims);
	}
	if (run->runs) {
		csvin_free(run->runs);
		free(run->runs);
	}
	run->claims = run->runs = NULL;
}

int gate_base_load(const char *path, struct gate_base *b, char *err, size_t errlen)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->t = calloc(1, sizeof(*b->t));
	if (!b->t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = csvin_load(path, b->t);
	if (rc) {
		snprintf(err, errlen, "baseline %s: %s", path,
			 rc == -ENOENT ? "not found (make baseline writes it)" :
			 rc == -EPROTO ? "not a CSV table of equal rows" : strerror(-rc));
		free(b->t);
		b->t = NULL;
		return rc;
	}
	b->c_exp = csvin_col(b->t, "experiment");
	b->c_case = csvin_col(b->t, "case");
	b->c_ct = csvin_col(b->t, "container");
	b->c_metric = csvin_col(b->t, "metric");
	b->c_n = csvin_col(b->t, "n");
	b->c_theory = csvin_col(b->t, "theory");
	b->c_mean = csvin_col(b->t, "mean");
	if (b->c_exp < 0 || b->c_case < 0 || b->c_ct < 0 || b->c_metric < 0 || b->c_n < 0 || b->c_theory < 0 ||
	    b->c_mean < 0) {
		snprintf(err, errlen, "baseline %s: not a lab summary.csv (columns experiment, case, container, metric, n, "
			 "theory, mean)", path);
		gate_base_free(b);
		return -EPROTO;
	}
	return 0;
}

void gate_base_free(struct gate_base *b)
{
	if (b->t) {
		csvin_free(b->t);
		free(b->t);
	}
	b->t = NULL;
}

double gate_base_tolerance(const struct noise_table *nt, const char *exp, const char *cs, const char *ct,
			   double theory, int work_ms, size_t n, size_t n_base)
{
	const struct noise_row *row = noise_table_find(nt, exp, cs, ct, "share");
	double scale;

	if (!row || !n || !n_base || work_ms <= 0 || !(fabs(row->theory - theory) <= 1e-4 * fmax(1, fabs(theory))))
		return NAN;
	/* As claim_share: a shorter window's spread taken to grow as 1 / work. The baseline is
	 * another run: the difference of the two means carries both runs' own offsets. */
	scale = work_ms < row->work_ms ? row->work_ms / work_ms : 1;
	return noise_tolerance(theory, noise_row_mean_rel_sd(row, n, n_base, 2, scale), 1, CLAIM_K, CLAIM_FLOOR_REL,
			       CLAIM_FLOOR_ABS);
}

static bool same(double a, double b)
{
	return fabs(a - b) <= 1e-4 * fmax(1, fabs(b));
}

/* Records reason why at severity st when it is the first of the highest severity so far. */
static void reason(struct gate_attempt *a, enum gate_state st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reason(struct gate_attempt *a, enum gate_state st, const char *fmt, ...)
{
	va_list ap;

	if (st <= a->state && a->why[0])
		return;
	a->state = st;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

static void claim_find(const struct gate_run *run, const struct gate_case *c, struct gate_ct *g)
{
	const struct csvin *t = run->claims;
	int ce = csvin_col(t, "experiment"), cc = csvin_col(t, "case"), ct = csvin_col(t, "container"),
	    cq = csvin_col(t, "quantity");
	size_t r;

	for (r = 0; r < t->nrows; r++) {
		const char *v;

		if (strcmp(csvin_get(t, r, ce), c->exp) || strcmp(csvin_get(t, r, cc), c->name) ||
		    strcmp(csvin_get(t, r, ct), g->label) || strcmp(csvin_get(t, r, cq), "share"))
			continue;
		g->have_claim = true;
		g->measured = csvin_num(t, r, csvin_col(t, "measured"));
		g->ci95 = csvin_num(t, r, csvin_col(t, "ci95"));
		g->theory = csvin_num(t, r, csvin_col(t, "theory"));
		g->reference = csvin_num(t, r, csvin_col(t, "reference"));
		g->tolerance = csvin_num(t, r, csvin_col(t, "tolerance"));
		g->n = (size_t)fmax(0, csvin_num(t, r, csvin_col(t, "n")));
		snprintf(g->kind, sizeof(g->kind), "%s", csvin_get(t, r, csvin_col(t, "tolerance_kind")));
		v = csvin_get(t, r, csvin_col(t, "verdict"));
		g->verdict = !strcmp(v, "true") ? CLAIM_TRUE : !strcmp(v, "false") ? CLAIM_FALSE : CLAIM_NO_DATA;
		return;
	}
}

/* A re-run's claim, or a first attempt's whose band claims.csv widened to its own CI: the share
 * claim on the noise band (claim_share_noise_band) over the successful repetitions of every
 * attempt so far. */
static void claim_pool(const struct gate_run *runs, int k, const struct gate_case *c, const struct noise_table *nt,
		       struct gate_ct *g)
{
	double v[256];
	size_t n = 0;
	struct claim cl;

	for (int j = 0; j <= k; j++) {
		const struct csvin *t = runs[j].runs;
		int ce, cc, ct, cs, co;

		if (!t)
			continue;
		ce = csvin_col(t, "experiment");
		cc = csvin_col(t, "case");
		ct = csvin_col(t, "container");
		cs = csvin_col(t, "share");
		co = csvin_col(t, "ok");
		for (size_t r = 0; r < t->nrows && n < 256; r++)
			if (!strcmp(csvin_get(t, r, ce), c->exp) && !strcmp(csvin_get(t, r, cc), c->name) &&
			    !strcmp(csvin_get(t, r, ct), g->label) && !strcmp(csvin_get(t, r, co), "1") &&
			    !isnan(csvin_num(t, r, cs)))
				v[n++] = csvin_num(t, r, cs);
	}
	claim_share_noise_band(&cl, nt && nt->n ? nt : NULL, c->exp, c->name, g->label, g->theory, c->work_ms, v, n);
	g->measured = cl.measured;
	g->ci95 = cl.ci95;
	g->reference = cl.reference;
	g->tolerance = cl.tolerance;
	g->n = cl.n;
	snprintf(g->kind, sizeof(g->kind), "%s", cl.kind);
	g->verdict = cl.verdict;
}

static void base_find(const struct gate_base *b, const struct gate_case *c, struct gate_ct *g)
{
	size_t r;

	for (r = 0; r < b->t->nrows; r++)
		if (!strcmp(csvin_get(b->t, r, b->c_exp), c->exp) && !strcmp(csvin_get(b->t, r, b->c_case), c->name) &&
		    !strcmp(csvin_get(b->t, r, b->c_ct), g->label) && !strcmp(csvin_get(b->t, r, b->c_metric), "share")) {
			double n = csvin_num(b->t, r, b->c_n);

			g->base_mean = csvin_num(b->t, r, b->c_mean);
			g->base_theory = csvin_num(b->t, r, b->c_theory);
			g->base_n = n >= 1 ? (size_t)n : 0;
			g->have_base = !isnan(g->base_mean) && g->base_n;
			return;
		}
}

void gate_attempt_judge(struct gate_case *c, int k, const struct gate_run *runs, const struct gate_base *b,
			const struct noise_table *nt)
{
	struct gate_attempt *a = &c->at[k];
	const struct gate_run *run = &runs[k];
	int s, want = c->reps * (k + 1);

	a->state = GATE_STATE_OK;
	a->why[0] = '\0';
	for (s = 0; s < c->n_ct; s++) {
		struct gate_ct *g = &a->ct[s];

		snprintf(g->label, sizeof(g->label), "%s", c->label[s]);
		g->have_claim = g->have_base = g->ok_theory = g->ok_base = false;
		g->measured = g->ci95 = g->theory = g->reference = g->tolerance = NAN;
		g->base_mean = g->base_theory = g->base_tol = NAN;
		g->n = g->base_n = 0;
		g->kind[0] = '\0';
		g->verdict = CLAIM_NO_DATA;
		if (run->claims)
			claim_find(run, c, g);
		if (g->have_claim && (k > 0 || strstr(g->kind, "own_spread_high")))
			claim_pool(runs, k, c, nt, g);
		if (b && b->t)
			base_find(b, c, g);
	}
	if (run->lab_exit > 0)
		reason(a, GATE_STATE_BROKEN, "the lab exited %d (see %s/lab.log)", run->lab_exit, run->dir);
	if (run->missing[0])
		reason(a, GATE_STATE_BROKEN, "%s has no %s (the lab did not finish)", run->dir, run->missing);
	for (s = 0; s < c->n_ct; s++) {
		struct gate_ct *g = &a->ct[s];
		bool in;

		if (!g->have_claim) {
			if (!run->missing[0])
				reason(a, GATE_STATE_BROKEN, "%s: no share claim in claims.csv", g->label);
			continue;
		}
		if (g->verdict == CLAIM_NO_DATA || isnan(g->measured)) {
			reason(a, GATE_STATE_BROKEN, "%s: no data (no successful run of the case)", g->label);
			continue;
		}
		if ((int)g->n != want)
			reason(a, GATE_STATE_BROKEN, "%s: n=%zu of the definition's %d repetitions%s (a run failed)", g->label,
			       g->n, c->reps, k ? " per attempt, pooled" : "");
		if (strncmp(g->kind, "noise:", 6))
			reason(a, GATE_STATE_BROKEN, "%s: its tolerance is not from measured noise (%s)", g->label, g->kind);
		in = fabs(g->measured - g->reference) <= g->tolerance;
		if (in != (g->verdict == CLAIM_TRUE))
			reason(a, GATE_STATE_BROKEN, "%s: claims.csv says %s but %.3f is %s %.3f of %.3f", g->label,
			       claim_verdict_name(g->verdict), g->measured, in ? "within" : "not within", g->tolerance,
			       g->reference);
		g->ok_theory = g->verdict == CLAIM_TRUE && in;
		if (!g->ok_theory && g->verdict == CLAIM_FALSE)
			reason(a, GATE_STATE_OFF, "share %s %.3f%% is %+.2f tolerances from its reference %.3f%% (theory %.3f%%, "
			       "tolerance %.3f pp%s)", g->label, g->measured, (g->measured - g->reference) / g->tolerance,
			       g->reference, g->theory, g->tolerance, k ? ", attempts pooled" : "");
		if (!b)
			continue;
		if (!g->have_base) {
			reason(a, GATE_STATE_BROKEN, "%s: no baseline row (make baseline records one)", g->label);
			continue;
		}
		if (!same(g->base_theory, g->theory)) {
			reason(a, GATE_STATE_BROKEN, "%s: theory %.3f%% differs from the baseline's %.3f%% (another definition?)",
			       g->label, g->theory, g->base_theory);
			continue;
		}
		g->base_tol = gate_base_tolerance(nt, c->exp, c->name, g->label, g->theory, c->work_ms, g->n, g->base_n);
		if (isnan(g->base_tol)) {
			reason(a, GATE_STATE_BROKEN, "%s: no noise row for its baseline tolerance", g->label);
			continue;
		}
		g->ok_base = fabs(g->measured - g->base_mean) <= g->base_tol;
		if (!g->ok_base)
			reason(a, GATE_STATE_OFF, "share %s %.3f%% is %+.3f pp from the baseline's %.3f%% (tolerance %.3f pp)",
			       g->label, g->measured, g->measured - g->base_mean, g->base_mean, g->base_tol);
	}
}

enum gate_outcome gate_case_outcome(const struct gate_case *c)
{
	int i;

	for (i = 0; i < c->n_at; i++) {
		if (c->at[i].state == GATE_STATE_OK)
			return i == 0 ? GATE_PASS : GATE_FLAKY;
		if (c->at[i].state == GATE_STATE_BROKEN)
			return GATE_FAIL;
	}
	return GATE_FAIL;
}

const char *gate_outcome_name(enum gate_outcome o)
{
	return o == GATE_PASS ? "pass" : o == GATE_FLAKY ? "flaky" : "fail";
}

bool gate_case_retryable(const struct gate_case *c)
{
	return c->n_at > 0 && c->n_at < GATE_ATTEMPTS_MAX && c->at[c->n_at - 1].state == GATE_STATE_OFF;
}
