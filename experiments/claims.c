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
	int col[9], rc;
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
		    w->work_ms <= 0) {
			snprintf(err, errlen, "%s: row %zu: n, theory, rel_sd, bias or work_ms is not a valid number",
				 path, r + 2);
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

void noise_table_free(struct noise_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

const char *claim_verdict_name(enum claim_verdict v)
{
	return v == CLAIM_TRUE ? "true" : v == CLAIM_FALSE ? "false" : "no-data";
}

static void say(struct claim *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct claim *cl, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(cl->sentence, sizeof(cl->sentence), fmt, ap);
	va_end(ap);
	for (p = cl->sentence; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\n')
			*p = *p == ',' ? ';' : ' ';
}

void claim_share(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
		 const char *ct, double theory, int work_ms, const double *v, size_t n)
{
	const struct noise_row *row = noise_table_find(nt, exp, cs, ct, "share");
	char head[160];

	memset(cl, 0, sizeof(*cl));
	snprintf(cl->id, sizeof(cl->id), "%s/%s/%s/share", exp, cs, ct);
	snprintf(cl->exp, sizeof(cl->exp), "%s", exp);
	snprintf(cl->cs, sizeof(cl->cs), "%s", cs);
	snprintf(cl->ct, sizeof(cl->ct), "%s", ct);
	snprintf(cl->quantity, sizeof(cl->quantity), "share");
	cl->n = n;
	cl->theory = theory;
	cl->measured = cl->ci95 = NAN;
	/* A row measured for another theory (the definition changed a nice or weight) is not this
	 * case's noise. */
	if (row && !(fabs(row->theory - theory) <= 1e-4 * fmax(1, fabs(theory))))
		row = NULL;
	if (row && work_ms > 0) {
		/* A shorter window than the noise was measured at is noisier: its spread is taken to grow
		 * as 1 / work (a start-up jitter of fixed CPU time, like the bias); a longer one keeps the
		 * measured spread, which is then an upper bound. */
		double scale = work_ms < row->work_ms ? row->work_ms / work_ms : 1;

		cl->reference = theory + row->bias * row->work_ms / work_ms;
		cl->tolerance = noise_tolerance(theory, row->rel_sd * scale, n ? noise_n_eff(n, row->n) : 1, CLAIM_K,
						CLAIM_FLOOR_REL, CLAIM_FLOOR_ABS);
		snprintf(cl->kind, sizeof(cl->kind), "noise:%s k=%g floor=%g%%|%gpp n_noise=%zu%s", nt->kind, CLAIM_K,
			 100 * CLAIM_FLOOR_REL, CLAIM_FLOOR_ABS, row->n, scale > 1 ? " sd_scaled_1/work" : "");
	} else {
		cl->reference = theory;
		cl->tolerance = CLAIM_FLAT_PP;
		if (nt)
			snprintf(cl->kind, sizeof(cl->kind), "flat %gpp (no row in noise:%s)", CLAIM_FLAT_PP, nt->kind);
		else
			snprintf(cl->kind, sizeof(cl->kind), "none (no noise file; flat %gpp)", CLAIM_FLAT_PP);
	}
	snprintf(head, sizeof(head), "%s %s: %s share", exp, cs, ct);
	if (!n || stats_mean_ci(v, n, &cl->measured, &cl->ci95)) {
		cl->verdict = CLAIM_NO_DATA;
		cl->measured = cl->ci95 = NAN;
		say(cl, "%s: no data (no successful run of this case; theory %.3f%%)", head, theory);
		return;
	}
	cl->verdict = fabs(cl->measured - cl->reference) <= cl->tolerance ? CLAIM_TRUE : CLAIM_FALSE;
	if (row)
		say(cl, "%s %.3f%% (95%% CI +-%.3f, n=%zu) %s %.3f pp of %.3f%%: theory %.3f%% plus the start-up "
			"term measured on machine kind %s (%+.3f pp at %g ms, scaled to %d ms); off by %+.2f tolerances",
		    head, cl->measured, cl->ci95, n, cl->verdict == CLAIM_TRUE ? "within" : "NOT within", cl->tolerance,
		    cl->reference, theory, nt->kind, row->bias, row->work_ms, work_ms,
		    (cl->measured - cl->reference) / cl->tolerance);
	else
		say(cl, "%s %.3f%% (95%% CI +-%.3f, n=%zu) %s %g pp of theory %.3f%%: a flat band; %s", head,
		    cl->measured, cl->ci95, n, cl->verdict == CLAIM_TRUE ? "within" : "NOT within", CLAIM_FLAT_PP, theory,
		    nt ? "this case has no row in the noise file" : "no noise file for this machine kind");
}
