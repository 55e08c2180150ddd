/* The claims engine of the CFS lab (claims.h): the noise file read with csvin, and each share
 * claim's reference, tolerance and verdict by the rule of experiments/noise/README.md. */
#include "claims.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "labstats.h"
#include "noisestats.h"

static int number(const char *s, double *out)
{
	char *end;

	if (!*s)
		return -EPROTO;
	errno = 0;
	*out = strtod(s, &end);
	return errno || *end ? -EPROTO : 0;
}

int noise_table_load(const char *path, struct noise_table *t, char *err, size_t errlen)
{
	static const char *const need[] = { "experiment", "case", "container", "quantity", "n",
					    "theory", "rel_sd", "bias", "work_ms" };
	int col[9], col_between, rc;
	struct csvin in;
	const char *base = strrchr(path, '/');
	size_t i, r, len;

	memset(t, 0, sizeof(*t));
	rc = csvin_load(path, &in);
	if (rc == -ENOENT)
		return rc;
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, rc == -EPROTO ? "not a CSV table of equal rows" : strerror(-rc));
		return rc;
	}
	for (i = 0; i < 9; i++) {
		col[i] = csvin_col(&in, need[i]);
		if (col[i] < 0) {
			snprintf(err, errlen, "%s: no column \"%s\" in its header line", path, need[i]);
			csvin_free(&in);
			return -EPROTO;
		}
	}
	col_between = csvin_col(&in, "rel_sd_between");
	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 4 && !strcmp(base + len - 4, ".csv"))
		len -= 4;
	snprintf(t->kind, sizeof(t->kind), "%.*s", (int)len, base);
	t->rows = calloc(in.nrows ? in.nrows : 1, sizeof(*t->rows));
	if (!t->rows) {
		snprintf(err, errlen, "%s: out of memory", path);
		csvin_free(&in);
		return -ENOMEM;
	}
	for (r = 0; r < in.nrows; r++) {
		struct noise_row *w = &t->rows[r];
		double n;

		snprintf(w->exp, sizeof(w->exp), "%s", csvin_get(&in, r, col[0]));
		snprintf(w->cs, sizeof(w->cs), "%s", csvin_get(&in, r, col[1]));
		snprintf(w->ct, sizeof(w->ct), "%s", csvin_get(&in, r, col[2]));
		snprintf(w->quantity, sizeof(w->quantity), "%s", csvin_get(&in, r, col[3]));
		if (number(csvin_get(&in, r, col[4]), &n) || n < 2 || number(csvin_get(&in, r, col[5]), &w->theory) ||
		    number(csvin_get(&in, r, col[6]), &w->rel_sd) || w->rel_sd < 0 ||
		    number(csvin_get(&in, r, col[7]), &w->bias) || number(csvin_get(&in, r, col[8]), &w->work_ms) ||
		    w->work_ms <= 0 ||
		    (col_between >= 0 && (number(csvin_get(&in, r, col_between), &w->rel_between) || w->rel_between < 0))) {
			snprintf(err, errlen, "%s: row %zu: n, theory, rel_sd, bias, work_ms or rel_sd_between is not a "
				 "valid number", path, r + 2);
			csvin_free(&in);
			noise_table_free(t);
			return -EPROTO;
		}
		w->n = (size_t)n;
	}
	t->n = in.nrows;
	csvin_free(&in);
	return 0;
}

const struct noise_row *noise_table_find(const struct noise_table *t, const char *exp, const char *cs,
					 const char *ct, const char *quantity)
{
	size_t i;

	for (i = 0; t && i < t->n; i++)
		if (!strcmp(t->rows[i].exp, exp) && !strcmp(t->rows[i].cs, cs) && !strcmp(t->rows[i].ct, ct) &&
		    !strcmp(t->rows[i].quantity, quantity))
			return &t->rows[i];
	return NULL;
}

double noise_row_mean_rel_sd(const struct noise_row *row, size_t n, size_t n_ref, int runs, double scale)
{
	return scale * noise_mean_rel_sd(row->rel_sd, sqrt((double)runs) * row->rel_between, n, n_ref);
}

void noise_table_free(struct noise_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

const char *claim_verdict_name(enum claim_verdict v)
{
	return v == CLAIM_TRUE ? "true" : v == CLAIM_FALSE ? "false" : "no-data";
}

/* Commas, quotes and newlines out: each text is one CSV field as it is. */
static void field_clean(char *p)
{
	for (; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\n')
			*p = *p == ',' ? ';' : ' ';
}

void claim_say(struct claim *cl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cl->sentence, sizeof(cl->sentence), fmt, ap);
	va_end(ap);
	field_clean(cl->sentence);
}

static void note(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	field_clean(buf);
}

static void claim_init(struct claim *cl, const char *exp, const char *cs, const char *ct, const char *quantity,
		       double theory, size_t n)
{
	memset(cl, 0, sizeof(*cl));
	snprintf(cl->id, sizeof(cl->id), "%s/%s/%s/%s", exp, cs, ct, quantity);
	snprintf(cl->exp, sizeof(cl->exp), "%s", exp);
	snprintf(cl->cs, sizeof(cl->cs), "%s", cs);
	snprintf(cl->ct, sizeof(cl->ct), "%s", ct);
	snprintf(cl->quantity, sizeof(cl->quantity), "%s", quantity);
	cl->n = n;
	cl->theory = theory;
	cl->measured = cl->ci95 = cl->residual = cl->spread_band = NAN;
	snprintf(cl->spread, sizeof(cl->spread), "n/a (no noise row)");
}

/* The row of this claim's quantity, or NULL where there is none or it was measured for another
 * theory (the definition changed a nice or weight: not this case's noise). */
static const struct noise_row *row_for(const struct noise_table *nt, const struct claim *cl)
{
	const struct noise_row *row = noise_table_find(nt, cl->exp, cl->cs, cl->ct, cl->quantity);

	if (row && !(fabs(row->theory - cl->theory) <= 1e-4 * fmax(1, fabs(cl->theory))))
		return NULL;
	return row;
}

double claim_spread_factor(size_t n, size_t n_noise)
{
	if (n < 2 || n_noise < 2)
		return NAN;
	return sqrt(stats_f95((int)n - 1, (int)n_noise - 1));
}

/* The spread test: the repetitions' sd against the noise row's (sd_noise, scaled as the
 * tolerance is), flagged above claim_spread_factor times it. */
static void spread_test(struct claim *cl, const double *v, size_t n, double sd_noise, size_t n_noise)
{
	double f = claim_spread_factor(n, n_noise), sd;

	if (n < 2) {
		note(cl->spread, sizeof(cl->spread), "n/a (n=%zu: no spread)", n);
		return;
	}
	sd = stats_sd(v, n);
	cl->spread_high = sd > f * sd_noise;
	note(cl->spread, sizeof(cl->spread), "%s sd %.3g %s %.2f x noise sd %.3g (F 95%% df %zu|%zu)",
	     cl->spread_high ? "HIGH:" : "ok:", sd, cl->spread_high ? ">" : "<=", f, sd_noise, n - 1, n_noise - 1);
}

/* A run whose repetitions spread above this machine kind's noise (spread_test; n >=
 * CLAIM_MIN_N_OWN, below that the test says little) was not made in the conditions the noise file
 * describes. Its band is then the noise rule on its own spread, CLAIM_K sds of its mean
 * (k x sd / sqrt(n)), and at least its own 95 % CI (wider at n = 3, t95 of 2 df being 4.3); the
 * kind says so. Ratios and shares alike (the gate keeps its own noise band and pools re-runs on
 * it). Measured with a second lab's containers on the same CPU: the completion ratio on the CPU
 * left of weights 400:100 (54..73 % of the CPU left) had sd 0.018 against the noise file's
 * 0.0048, and was 1.4 tolerances off on the 1 % band while 0.6 of its own CI; 0-vs-19's nice-19
 * share (about four one-tick turns at 1 s) had sd 0.086..0.17 pp against 0.036, and was 1.540 %
 * and 1.588 % (n 5, sd 0.092 and 0.086) against 1.444 % on a 0.090 pp band: 0.84 and 1.35 of
 * their 95 % CIs, 0.58 and 0.94 of k sds (experiments/noise/c-falsealarm.meta). A one-step error
 * stays false unless k sds of the run's mean are as wide as the step (0-vs-19 at nice 18: +0.28
 * pp, an sd of 0.157 pp at n = 5). */
static const char *widen_when_noisy(struct claim *cl, const double *v, size_t n)
{
	size_t len = strlen(cl->kind);
	double own;

	if (!cl->spread_high || cl->n < CLAIM_MIN_N_OWN)
		return "";
	own = fmax(cl->ci95, CLAIM_K * stats_sd(v, n) / sqrt((double)n));
	if (!(own > cl->tolerance))
		return "";
	cl->tolerance = cl->spread_band = own;
	snprintf(cl->kind + len, sizeof(cl->kind) - len, " own_spread_high");
	return " (widened to k sds of its own mean: spread above that noise)";
}

/* The verdict on the run's own CI: reference theory, tolerance max(floor, ci95). False return:
 * n too small, the claim is no-data with why in its finding. */
static bool judge_own(struct claim *cl, const char *why, double floor_abs)
{
	note(cl->kind, sizeof(cl->kind), "own-ci: max(95%% CI; %g%% of theory%s) n>=%d (%s)", 100 * CLAIM_FLOOR_REL,
	     floor_abs > 0 ? "; 0.05pp" : "", CLAIM_MIN_N_OWN, why);
	cl->reference = cl->theory;
	if (cl->n < CLAIM_MIN_N_OWN) {
		cl->verdict = CLAIM_NO_DATA;
		cl->tolerance = NAN;
		note(cl->finding, sizeof(cl->finding), "no verdict: n=%zu too small for a verdict on the run's own CI "
			 "(needs %d; %s)", cl->n, CLAIM_MIN_N_OWN, why);
		return false;
	}
	cl->tolerance = fmax(fmax(CLAIM_FLOOR_REL * fabs(cl->theory), floor_abs), cl->ci95);
	cl->spread_band = cl->ci95;
	return true;
}

/* The verdict from reference and tolerance, the residual, and the finding. */
static void judge(struct claim *cl)
{
	double dev = cl->measured - cl->reference, from_theory = cl->measured - cl->theory;
	size_t len;

	cl->residual = dev / cl->tolerance;
	cl->verdict = fabs(dev) <= cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	if (cl->verdict == CLAIM_FALSE)
		note(cl->finding, sizeof(cl->finding), "false: off by %+.2f tolerances", cl->residual);
	else if (fabs(cl->residual) > CLAIM_EDGE)
		note(cl->finding, sizeof(cl->finding), "true near the edge of its band: %+.2f tolerances", cl->residual);
	else if (cl->reference != cl->theory && fabs(from_theory) > cl->tolerance)
		note(cl->finding, sizeof(cl->finding), "true by the model only: %+.3g from theory is %.1f "
			 "tolerances; the measured term %+.3g explains it", from_theory,
		     fabs(from_theory) / cl->tolerance, cl->reference - cl->theory);
	if (cl->spread_high) {
		len = strlen(cl->finding);
		note(cl->finding + len, sizeof(cl->finding) - len, "%sspread above this machine kind's noise (%s)",
		     len ? "; " : "", cl->spread);
	}
}

/* Mean and CI of v, or no-data with why. */
static bool measure(struct claim *cl, const double *v, size_t n)
{
	if (!n || stats_mean_ci(v, n, &cl->measured, &cl->ci95)) {
		cl->verdict = CLAIM_NO_DATA;
		cl->measured = cl->ci95 = NAN;
		snprintf(cl->finding, sizeof(cl->finding), "no verdict: no data (no successful run of this case)");
		return false;
	}
	return true;
}

static void share_claim(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
			const char *ct, double theory, int work_ms, const double *v, size_t n, bool widen)
{
	const struct noise_row *row;
	char head[160];
	const char *widened = "";
	bool own = false;
	double offset = 0;

	claim_init(cl, exp, cs, ct, "share", theory, n);
	row = row_for(nt, cl);
	snprintf(head, sizeof(head), "%s %s: %s share", exp, cs, ct);
	if (!measure(cl, v, n)) {
		claim_say(cl, "%s: no data (no successful run of this case; theory %.3f%%)", head, theory);
		if (!nt)
			snprintf(cl->kind, sizeof(cl->kind), "none (no noise file)");
		else
			snprintf(cl->kind, sizeof(cl->kind), "%s:%s", row ? "noise" : "own-ci (no row in) noise", nt->kind);
		return;
	}
	if (row && work_ms > 0) {
		/* A shorter window than the noise was measured at is noisier: its spread is taken to grow
		 * as 1 / work (the staircase of turns the rate is fitted to has fewer steps); a longer
		 * one keeps the measured spread, which is then an upper bound. A share is a rate
		 * (labrun.c run_reduce), which no start-up term moves: the reference is the theory, and
		 * the mean offset the noise file measured (the staircase's residue at the case's fixed
		 * phase, a few hundredths of a pp) widens the band by its size, scaled as the spread. */
		double scale = work_ms < row->work_ms ? row->work_ms / work_ms : 1;
		double rel_m = noise_row_mean_rel_sd(row, n, row->n, 1, scale);

		offset = fabs(row->bias) * scale;
		cl->reference = theory;
		cl->tolerance = noise_tolerance(theory, rel_m, 1, CLAIM_K, CLAIM_FLOOR_REL, CLAIM_FLOOR_ABS) + offset;
		cl->spread_band = CLAIM_K * rel_m * fabs(theory) + offset;
		snprintf(cl->kind, sizeof(cl->kind), "noise:%s k=%g floor=%g%%|%gpp n_noise=%zu%s%s +offset", nt->kind,
			 CLAIM_K, 100 * CLAIM_FLOOR_REL, CLAIM_FLOOR_ABS, row->n, row->rel_between > 0 ? " +between" : "",
			 scale > 1 ? " sd_scaled_1/work" : "");
		spread_test(cl, v, n, row->rel_sd * fabs(row->theory) * scale, row->n);
		if (widen)
			widened = widen_when_noisy(cl, v, n);
	} else if (nt) {
		char why[96];

		snprintf(why, sizeof(why), "no row of this case and theory in noise:%s", nt->kind);
		own = true;
		if (!judge_own(cl, why, CLAIM_FLOOR_ABS)) {
			claim_say(cl, "%s %.3f%% (n=%zu) against theory %.3f%%: no verdict; n too small for the run's own CI "
				"and %s", head, cl->measured, n, theory, why);
			return;
		}
	} else {
		cl->reference = theory;
		cl->tolerance = CLAIM_FLAT_PP;
		snprintf(cl->kind, sizeof(cl->kind), "none (no noise file; flat %gpp)", CLAIM_FLAT_PP);
	}
	judge(cl);
	if (row)
		claim_say(cl, "%s %.3f%% (95%% CI +-%.3f, n=%zu) %s %.3f pp of theory %.3f%%: the band is the noise "
			"measured on machine kind %s (sd %.3f pp within a run and %.3f between runs at %g ms) and its mean "
			"offset %+.3f pp%s%s; off by %+.2f tolerances", head, cl->measured, cl->ci95, n,
		    cl->verdict == CLAIM_TRUE ? "within" : "NOT within", cl->tolerance, theory, nt->kind,
		    row->rel_sd * fabs(row->theory), row->rel_between * fabs(row->theory), row->work_ms, row->bias,
		    work_ms < row->work_ms ? " (both scaled to the shorter window)" : "", widened, cl->residual);
	else if (own)
		claim_say(cl, "%s %.3f%% (95%% CI +-%.3f, n=%zu) %s %.3f pp of theory %.3f%%: the band is the run's own "
			"CI (this case has no row in the noise file)", head, cl->measured, cl->ci95, n,
		    cl->verdict == CLAIM_TRUE ? "within" : "NOT within", cl->tolerance, theory);
	else
		claim_say(cl, "%s %.3f%% (95%% CI +-%.3f, n=%zu) %s %g pp of theory %.3f%%: a flat band; no noise file for "
			"this machine kind", head, cl->measured, cl->ci95, n, cl->verdict == CLAIM_TRUE ? "within" : "NOT within",
		    CLAIM_FLAT_PP, theory);
}

void claim_share(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
		 const char *ct, double theory, int work_ms, const double *v, size_t n)
{
	share_claim(cl, nt, exp, cs, ct, theory, work_ms, v, n, true);
}

void claim_share_resolves(struct claim *cl, double step_pp)
{
	bool own = strstr(cl->kind, "own") != NULL;
	size_t len;

	if (cl->verdict == CLAIM_NO_DATA || !(step_pp > 0) || !(cl->spread_band >= step_pp))
		return;
	cl->verdict = CLAIM_NO_DATA;
	note(cl->finding, sizeof(cl->finding), "no verdict: %s spread (%s) makes a band of %.3g pp, as far as one "
	     "nice step (%.3g pp): it cannot tell one step apart", own ? "the run's own" : "the noise file's measured",
	     own ? cl->spread : cl->kind, cl->spread_band, step_pp);
	len = strlen(cl->sentence);
	snprintf(cl->sentence + len, sizeof(cl->sentence) - len, "; no verdict: that band reaches one nice step "
		 "(%.3f pp)", step_pp);
	field_clean(cl->sentence);
}

void claim_share_noise_band(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
			    const char *ct, double theory, int work_ms, const double *v, size_t n)
{
	share_claim(cl, nt, exp, cs, ct, theory, work_ms, v, n, false);
}

void claim_ratio(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
		 const char *ct, const char *quantity, double theory, int work_ms, const double *v, size_t n)
{
	const struct noise_row *row;
	bool avail = !strcmp(quantity, "wall_ratio_on_avail");
	const char *widened = "";
	char head[200], why[128];

	claim_init(cl, exp, cs, ct, quantity, theory, n);
	row = row_for(nt, cl);
	if (avail)
		snprintf(head, sizeof(head), "%s %s: %s's completion ratio over the one predicted on the CPU the "
			 "machine left", exp, cs, ct);
	else
		snprintf(head, sizeof(head), "%s %s: %s ends at", exp, cs, ct);
	if (row && !(fabs(row->work_ms - work_ms) <= 0.01 * row->work_ms)) {
		snprintf(why, sizeof(why), "the noise:%s row is of %g ms of work; this case does %d", nt->kind,
			 row->work_ms, work_ms);
		row = NULL;
	} else if (!row) {
		if (nt)
			snprintf(why, sizeof(why), "no row of this case and theory in noise:%s", nt->kind);
		else
			snprintf(why, sizeof(why), "no noise file");
	}
	if (!measure(cl, v, n)) {
		claim_say(cl, "%s: no data (no successful run of this case; theory %.3fx)", head, theory);
		snprintf(cl->kind, sizeof(cl->kind), "%s", row ? "noise" : "own-ci");
		return;
	}
	if (row) {
		cl->reference = theory + row->bias;
		cl->tolerance = noise_tolerance(theory, noise_row_mean_rel_sd(row, n, row->n, 1, 1), 1, CLAIM_K,
						CLAIM_FLOOR_REL, 0);
		snprintf(cl->kind, sizeof(cl->kind), "noise:%s k=%g floor=%g%% n_noise=%zu%s", nt->kind, CLAIM_K,
			 100 * CLAIM_FLOOR_REL, row->n, row->rel_between > 0 ? " +between" : "");
		spread_test(cl, v, n, row->rel_sd * fabs(row->theory), row->n);
		widened = widen_when_noisy(cl, v, n);
	} else if (!judge_own(cl, why, 0)) {
		claim_say(cl, "%s %.3fx (n=%zu) against theory %.3fx: no verdict; n too small for the run's own CI and %s",
		    head, cl->measured, n, theory, why);
		return;
	}
	judge(cl);
	if (row)
		claim_say(cl, "%s %.3fx (95%% CI +-%.3f, n=%zu) %s %.3f of %.3fx: theory %.3fx%s plus the bias measured on "
			"machine kind %s (%+.4f)%s; off by %+.2f tolerances", head, cl->measured, cl->ci95, n,
		    cl->verdict == CLAIM_TRUE ? "within" : "NOT within", cl->tolerance, cl->reference, theory,
		    avail ? "" : " for a CPU of its own", nt->kind, row->bias, widened, cl->residual);
	else
		claim_say(cl, "%s %.3fx (95%% CI +-%.3f, n=%zu) %s %.3f of theory %.3fx%s: the band is the run's own CI "
			"(%s)", head, cl->measured, cl->ci95, n, cl->verdict == CLAIM_TRUE ? "within" : "NOT within",
		    cl->tolerance, theory, avail ? "" : " for a CPU of its own", why);
}

void claim_premise_note(struct claim *cl, size_t left, size_t all, double pct)
{
	size_t len = strlen(cl->sentence);

	if (left >= all) {
		cl->verdict = CLAIM_NO_DATA;
		cl->measured = cl->ci95 = cl->residual = NAN;
		cl->n = 0;
		snprintf(cl->sentence, sizeof(cl->sentence), "%s %s: %s completion ratio for a CPU of its own: no data; in "
			 "none of the %zu runs did the case have %g %% of the CPU (the machine gave it less); the claim on "
			 "the CPU the machine left holds the scheduler instead", cl->exp, cl->cs, cl->ct, all, pct);
		snprintf(cl->finding, sizeof(cl->finding), "no verdict: the CPU was shared in every run");
		return;
	}
	snprintf(cl->sentence + len, sizeof(cl->sentence) - len, " (%zu of %zu runs left out: the case had less than %g %% "
		 "of the CPU)", left, all, pct);
}

void claim_avail_premise_note(struct claim *cl, size_t left, size_t all, double pct)
{
	size_t len = strlen(cl->sentence);

	if (left >= all) {
		cl->verdict = CLAIM_NO_DATA;
		cl->measured = cl->ci95 = cl->residual = NAN;
		cl->n = 0;
		snprintf(cl->sentence, sizeof(cl->sentence), "%s %s: %s completion ratio on the CPU the machine left: no "
			 "data; in none of the %zu runs did the case get %g %% of a CPU both while all ran and after the "
			 "first end (the noise of this prediction was measured at 58 %% and more)", cl->exp, cl->cs, cl->ct,
			 all, pct);
		snprintf(cl->finding, sizeof(cl->finding), "no verdict: the machine left too little CPU in every run");
		return;
	}
	snprintf(cl->sentence + len, sizeof(cl->sentence) - len, " (%zu of %zu runs left out: less than %g %% of a CPU "
		 "in a phase)", left, all, pct);
}

void claim_nice_cancelled(struct claim *cl, const char *exp, const char *cs, const char *ct, double theory,
			  double theory_nice, const double *v, size_t n)
{
	claim_init(cl, exp, cs, ct, "nice_cancelled", theory, n);
	cl->reference = theory;
	cl->tolerance = fabs(theory - theory_nice) / 2;
	snprintf(cl->kind, sizeof(cl->kind), "midpoint: the whole 95%% CI nearer the session theory than the "
		 "nice theory %.3f%%", theory_nice);
	if (!measure(cl, v, n)) {
		claim_say(cl, "%s %s: no data for %s with a session each (theory %.2f%%; nice alone %.2f%%)", exp, cs, ct,
		    theory, theory_nice);
		return;
	}
	if (n < 2) {
		cl->verdict = CLAIM_NO_DATA;
		note(cl->finding, sizeof(cl->finding), "no verdict: n=1 too small for a CI");
		claim_say(cl, "%s %s: %s %.2f%% (n=1): no verdict; a CI needs 2 runs", exp, cs, ct, cl->measured);
		return;
	}
	cl->residual = (cl->measured - cl->reference) / cl->tolerance;
	cl->verdict = fabs(cl->measured - theory) + cl->ci95 < cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	if (cl->verdict == CLAIM_FALSE)
		note(cl->finding, sizeof(cl->finding), "false: the CI reaches past the midpoint towards the nice theory");
	claim_say(cl, "%s %s: with a session each %s gets %.2f%% (95%% CI +-%.2f; n=%zu)%s nearer the session theory "
		"%.2f%% than its nice theory %.2f%%: autogroup %s nice", exp, cs, ct, cl->measured, cl->ci95, n,
	    cl->verdict == CLAIM_TRUE ? "" : " NOT wholly", theory, theory_nice,
	    cl->verdict == CLAIM_TRUE ? "cancels" : "does not cancel");
}

void claim_completed(struct claim *cl, const char *exp, const char *cs, const char *ct, double theory_s,
		     const double *v, size_t n)
{
	double max = 0;

	claim_init(cl, exp, cs, ct, "wall", theory_s, n);
	cl->reference = CLAIM_DEMO_BOUND_S;
	cl->tolerance = 0;
	snprintf(cl->kind, sizeof(cl->kind), "bound: every run ended before %g s (the original write-up: still "
		 "running after 2 minutes)", CLAIM_DEMO_BOUND_S);
	if (!measure(cl, v, n)) {
		claim_say(cl, "%s: %s: no data (no successful run; predicted %.1f s on a CPU of its own)", exp, ct, theory_s);
		return;
	}
	for (size_t i = 0; i < n; i++)
		max = fmax(max, v[i]);
	cl->residual = (max - CLAIM_DEMO_BOUND_S) / CLAIM_DEMO_BOUND_S;
	cl->verdict = max < CLAIM_DEMO_BOUND_S ? CLAIM_TRUE : CLAIM_FALSE;
	if (cl->verdict == CLAIM_FALSE)
		note(cl->finding, sizeof(cl->finding), "false: a run took %.1f s", max);
	claim_say(cl, "%s: %s completed in %.1f s (n=%zu; longest %.1f s; predicted %.1f s on a CPU of its own: %.2fx)%s "
		"%g s: %s", exp, ct, cl->measured, n, max, theory_s, cl->measured / theory_s,
	    cl->verdict == CLAIM_TRUE ? " every run under" : " NOT every run under", CLAIM_DEMO_BOUND_S,
	    cl->verdict == CLAIM_TRUE ? "not still running after 2 minutes as the original write-up says"
				      : "as slow as the original write-up says");
}

void claim_wakeup_order(struct claim *cl, const char *exp, const char *cs, const char *ct, const char *quantity,
			const struct claim_pct *a, const struct claim_pct *ref)
{
	const char *pct = strchr(quantity, '_') ? strchr(quantity, '_') + 1 : quantity;

	claim_init(cl, exp, cs, ct, quantity, ref->n ? ref->value : NAN, a->n);
	cl->reference = cl->theory;
	snprintf(cl->kind, sizeof(cl->kind), "order: false when the 95%% distribution-free CIs separate the wrong "
		 "way (nice %d above nice %d)", a->nice, ref->nice);
	if (!a->n || !ref->n) {
		cl->verdict = CLAIM_NO_DATA;
		snprintf(cl->finding, sizeof(cl->finding), "no verdict: no data (no wake-ups at nice %d)",
			 a->n ? ref->nice : a->nice);
		claim_say(cl, "%s: %s run-queue delay at nice %d no longer than at nice %d: no data (wake-ups %zu and %zu)",
		    exp, pct, a->nice, ref->nice, a->n, ref->n);
		return;
	}
	cl->measured = a->value;
	cl->ci95 = fmax(a->value - a->lo, a->hi - a->value);
	cl->tolerance = (a->value - a->lo) + (ref->hi - ref->value);
	if (!a->inside || !ref->inside) {
		cl->verdict = CLAIM_NO_DATA;
		note(cl->finding, sizeof(cl->finding), "no verdict: n too small for a distribution-free CI of %s "
			 "(%zu and %zu wake-ups)", pct, a->n, ref->n);
		claim_say(cl, "%s: %s run-queue delay at nice %d (%.0f us; n=%zu) against nice %d (%.0f us; n=%zu): no "
			"verdict; n too small for a 95%% interval of %s inside the sample", exp, pct, a->nice, a->value,
		    a->n, ref->nice, ref->value, ref->n, pct);
		return;
	}
	cl->residual = cl->tolerance > 0 ? (cl->measured - cl->reference) / cl->tolerance
					 : (cl->measured > cl->reference ? INFINITY : 0);
	cl->verdict = a->lo > ref->hi ? CLAIM_FALSE : CLAIM_TRUE;
	if (cl->verdict == CLAIM_FALSE)
		note(cl->finding, sizeof(cl->finding), "false: nice %d waits longer than nice %d beyond both CIs", a->nice,
		     ref->nice);
	else if (a->hi >= ref->lo)
		note(cl->finding, sizeof(cl->finding), "true but not ordered: the two CIs overlap (%.0f..%.0f and "
			 "%.0f..%.0f us)", a->lo, a->hi, ref->lo, ref->hi);
	claim_say(cl, "%s: %s run-queue delay at nice %d (%.0f us; CI %.0f..%.0f; n=%zu) %s longer than at nice %d "
		"(%.0f us; CI %.0f..%.0f; n=%zu): a heavier sleeper is served no later", exp, pct, a->nice, a->value,
	    a->lo, a->hi, a->n, cl->verdict == CLAIM_TRUE ? "no" : "IS", ref->nice, ref->value, ref->lo, ref->hi,
	    ref->n);
}

void claim_sleeper_share(struct claim *cl, const char *exp, const char *cs, const char *quantity, double theory,
			 double nearest, const char *expect, double floor_pp, const double *v, size_t n)
{
	claim_init(cl, exp, cs, "sleeper", quantity, theory, n);
	cl->reference = theory;
	note(cl->kind, sizeof(cl->kind), "own-ci: max(95%% CI; floor %gpp) n>=%d (no noise file holds the sleeper)",
	     floor_pp, CLAIM_MIN_N_OWN);
	if (!measure(cl, v, n)) {
		claim_say(cl, "%s %s: the sleeper's share: no data (no successful run; %s %.2f%%)", exp, cs, expect, theory);
		return;
	}
	if (n < CLAIM_MIN_N_OWN) {
		cl->verdict = CLAIM_NO_DATA;
		note(cl->finding, sizeof(cl->finding), "no verdict: n=%zu too small for a verdict on the run's own CI "
		     "(needs %d)", n, CLAIM_MIN_N_OWN);
		claim_say(cl, "%s %s: the sleeper's share %.2f%% (n=%zu) against %s %.2f%%: no verdict; n too small", exp,
		    cs, cl->measured, n, expect, theory);
		return;
	}
	cl->tolerance = fmax(cl->ci95, floor_pp);
	if (!isnan(nearest) && cl->tolerance >= fabs(nearest - theory) / 2) {
		cl->verdict = CLAIM_NO_DATA;
		cl->residual = (cl->measured - cl->reference) / cl->tolerance;
		note(cl->finding, sizeof(cl->finding), "no verdict: the band %.2f pp reaches half way to the other "
		     "expectation %.2f%%", cl->tolerance, nearest);
		claim_say(cl, "%s %s: the sleeper's share %.2f%% (95%% CI +-%.2f; n=%zu) against %s %.2f%%: no verdict; "
		    "the band %.2f pp cannot tell it from the other expectation %.2f%%", exp, cs, cl->measured, cl->ci95, n,
		    expect, theory, cl->tolerance, nearest);
		return;
	}
	judge(cl);
	claim_say(cl, "%s %s: the sleeper's share %.2f%% (95%% CI +-%.2f; n=%zu) %s %.2f pp of %.2f%%: %s", exp, cs,
	    cl->measured, cl->ci95, n, cl->verdict == CLAIM_TRUE ? "within" : "NOT within", cl->tolerance, theory,
	    expect);
}

void claim_lag_bound(struct claim *cl, const char *exp, const char *cs, const char *ct, const char *quantity,
		     const struct claim_pct *p95, int ticks, double window_ms, double lag_ms, const char *source)
{
	char head[200];

	claim_init(cl, exp, cs, ct, quantity, lag_ms, p95->n);
	cl->reference = lag_ms;
	snprintf(cl->kind, sizeof(cl->kind), "bound: false when the p95's 95%% distribution-free CI lies above the "
		 "lag scale");
	snprintf(head, sizeof(head), "%s %s: %s's CPU off its share of the pair's over windows of %d ticks (%.1f ms)",
		 exp, cs, ct, ticks, window_ms);
	if (!p95->n || !(lag_ms > 0)) {
		cl->verdict = CLAIM_NO_DATA;
		snprintf(cl->finding, sizeof(cl->finding), "no verdict: %s", p95->n ? "no lag scale for this kernel"
											: "no data (no window sampled)");
		claim_say(cl, "%s: no data (%zu windows; lag scale %s)", head, p95->n, source);
		return;
	}
	cl->measured = p95->value;
	cl->ci95 = fmax(p95->value - p95->lo, p95->hi - p95->value);
	if (!p95->inside) {
		cl->verdict = CLAIM_NO_DATA;
		note(cl->finding, sizeof(cl->finding), "no verdict: n too small for a distribution-free CI of p95 (%zu "
			 "windows)", p95->n);
		claim_say(cl, "%s: p95 %.3f ms over %zu windows: no verdict; too few for a 95%% interval of p95 inside "
			"the sample", head, p95->value, p95->n);
		return;
	}
	cl->tolerance = p95->value - p95->lo;
	cl->residual = cl->tolerance > 0 ? (p95->value - lag_ms) / cl->tolerance : (p95->value > lag_ms ? INFINITY : 0);
	cl->verdict = p95->lo > lag_ms ? CLAIM_FALSE : CLAIM_TRUE;
	if (cl->verdict == CLAIM_FALSE)
		note(cl->finding, sizeof(cl->finding), "false: the p95 is above the lag scale beyond its CI (%.3f..%.3f "
			 "ms against %.3f)", p95->lo, p95->hi, lag_ms);
	else if (p95->hi > lag_ms)
		note(cl->finding, sizeof(cl->finding), "true near the bound: the p95's CI reaches past the lag scale "
			 "(%.3f..%.3f ms against %.3f)", p95->lo, p95->hi, lag_ms);
	claim_say(cl, "%s: p95 %.3f ms (CI %.3f..%.3f; %zu windows) %s the lag scale %.3f ms (%s)", head, p95->value,
	    p95->lo, p95->hi, p95->n, cl->verdict == CLAIM_TRUE ? "within" : "ABOVE", lag_ms, source);
}

double sleeper_fair_share(int demand)
{
	return demand < 50 ? demand : 50;
}

double sleeper_nocredit_share(int demand)
{
	return 100.0 * demand / (100.0 + demand);
}
