/* Unit tests of the short-window fairness arithmetic (experiments/labshort.h) and the sleeper's
 * expectations and claims (claims.h): exact synthetic timelines whose errors are known. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "experiments/claims.h"
#include "experiments/labshort.h"

#define MS 1000000ull

/* A pair that alternates: a runs run_a ms, then b runs run_b ms, sampled every ms. */
static size_t alternate(struct shortwin_point *p, size_t n, int run_a, int run_b)
{
	uint64_t a = 0, b = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int phase = (int)(i % (size_t)(run_a + run_b));

		p[i] = (struct shortwin_point){ i * MS, a, b };
		if (phase < run_a)
			a += MS;
		else
			b += MS;
	}
	return n;
}

static void shortwin_checks(void)
{
	static struct shortwin_point p[4001];
	static double err[4001];
	struct shortwin_stat st;
	size_t n = alternate(p, 4001, 9, 1), k;
	double max = 0;

	/* b gets 1 ms of every 10: 10 % over any window that is a whole number of cycles. */
	k = shortwin_errors(p, n, 10 * MS, 10, err, NULL, 4001);
	for (size_t i = 0; i < k; i++)
		max = fmax(max, err[i]);
	CHECK(k == 400 && max < 1e-9, "whole cycles: 400 windows of 10 ms, every error 0 (max %g)", max);
	k = shortwin_errors(p, n, 5 * MS, 10, err, NULL, 4001);
	CHECK(k == 800, "5 ms windows: 800 of them (%zu)", k);
	CHECK(shortwin_stat_fill(&st, err, NULL, k) == 0 && fabs(st.mean - 10) < 1e-9 && fabs(st.max - 10) < 1e-9,
	      "half cycles: half the windows hold b's ms (20 %%), half none (0 %%): error 10 pp each (mean %g max %g)",
	      st.mean, st.max);
	k = shortwin_errors(p, n, 1 * MS, 10, err, NULL, 4001);
	shortwin_stat_fill(&st, err, NULL, k);
	CHECK(k == 4000 && fabs(st.max - 90) < 1e-9 && fabs(st.p95 - 90) < 1e-9 && fabs(st.mean - 18) < 1e-6,
	      "1 ms windows: 9 in 10 hold only a (error 10), 1 only b (error 90): mean 18 p95 90 (%g %g %g)", st.mean,
	      st.p95, st.max);
	k = shortwin_errors(p, n, 2.5 * MS, 10, err, NULL, 4001);
	shortwin_stat_fill(&st, err, NULL, k);
	CHECK(k == 1600 && st.max <= 30 + 1e-9 && st.max > 29.9,
	      "2.5 ms windows, edges read between samples (linear): at most b's 1 ms in 2.5 (40 %%), 30 pp (%g)",
	      st.max);
	CHECK(shortwin_errors(p, n, 10 * MS, 10, err, NULL, 7) == 7, "at most cap errors are written");
	CHECK(shortwin_errors(p, 1, 10 * MS, 10, err, NULL, 10) == 0 && shortwin_errors(p, n, 0, 10, err, NULL, 10) == 0,
	      "one sample or a zero window: no windows");
	for (size_t i = 0; i < 100; i++)
		p[i] = (struct shortwin_point){ i * MS, 5 * MS, 7 * MS };
	CHECK(shortwin_errors(p, 100, 10 * MS, 10, err, NULL, 100) == 0, "windows where neither task ran are skipped");
	CHECK(shortwin_stat_fill(&st, err, NULL, 0) < 0 && isnan(st.mean) && st.n == 0, "no windows: -EINVAL, NaN");
	/* The lag in ms: b's CPU off 10 % of the pair's in each window. Whole cycles hold exactly
	 * it; a 5 ms window holds b's 1 ms or none, 0.5 ms off either way; a 1 ms window 0.9 ms (b's)
	 * or 0.1 (a's): p95 0.9 with a CI inside the 4000 windows. */
	{
		static double lag[4001];

		n = alternate(p, 4001, 9, 1);
		k = shortwin_errors(p, n, 10 * MS, 10, err, lag, 4001);
		shortwin_stat_fill(&st, err, lag, k);
		CHECK(k == 400 && st.lag_max < 1e-9 && st.lag_inside, "whole cycles: lag 0 (max %g)", st.lag_max);
		k = shortwin_errors(p, n, 5 * MS, 10, err, lag, 4001);
		shortwin_stat_fill(&st, err, lag, k);
		CHECK(fabs(st.lag_p95 - 0.5) < 1e-9 && fabs(st.lag_max - 0.5) < 1e-9 && fabs(st.lag_lo - 0.5) < 1e-9,
		      "half cycles: every window 0.5 ms off (p95 %g, CI %g..%g)", st.lag_p95, st.lag_lo, st.lag_hi);
		k = shortwin_errors(p, n, 1 * MS, 10, err, lag, 4001);
		shortwin_stat_fill(&st, err, lag, k);
		CHECK(fabs(st.lag_p95 - 0.9) < 1e-9 && fabs(st.lag_max - 0.9) < 1e-9 && st.lag_inside &&
			      st.lag_lo <= st.lag_p95 && st.lag_hi >= st.lag_p95,
		      "1 ms windows: p95 0.9 ms (%g, CI %g..%g)", st.lag_p95, st.lag_lo, st.lag_hi);
		CHECK(shortwin_stat_fill(&st, err, lag, 0) < 0 && isnan(st.lag_p95) && !st.lag_inside,
		      "no windows: lag NaN");
		/* Interleaved by slices of the other's CPU, not of wall time: with a third task on the CPU
		 * (the pair runs 1 ms of every 2) the pp error over wall windows doubles, the lag in ms
		 * does not. */
		for (size_t i = 0; i < 4001; i++) {
			uint64_t c = i / 2, cyc = c / 10, ph = c % 10, t = i * MS;

			p[i] = (struct shortwin_point){ t, (cyc * 9 + (ph < 9 ? ph : 9)) * MS, cyc * MS };
		}
		k = shortwin_errors(p, 4001, 10 * MS, 10, err, lag, 4001);
		shortwin_stat_fill(&st, err, lag, k);
		CHECK(st.lag_max <= 0.5 + 1e-9 && st.max >= 9.99,
		      "half the CPU: 10 ms windows are 5 ms of the pair, off by up to 0.5 ms (%g) and 10 pp (%g)",
		      st.lag_max, st.max);
	}
	CHECK(fabs(shortwin_bound_pp(1.5, 15, 9.7) - 10) < 1e-9, "bound: 100 x 1.5 ms / 15 ms = 10 pp");
	CHECK(fabs(shortwin_bound_pp(12, 4, 9.7) - 90.3) < 1e-9, "bound: never above the largest error possible");
	CHECK(isnan(shortwin_bound_pp(0, 4, 9.7)), "bound: none without a lag scale");
}

static void sleeper_checks(void)
{
	double v[] = { 33.0, 33.5, 34.0, 33.6 }, tight[] = { 40.0, 40.01, 40.02 };
	struct claim cl;

	CHECK(sleeper_fair_share(25) == 25 && sleeper_fair_share(75) == 50, "weight-fair: min(demand, 50)");
	CHECK(fabs(sleeper_nocredit_share(50) - 100.0 / 3) < 1e-9 && fabs(sleeper_nocredit_share(25) - 20) < 1e-9,
	      "no credit: 33.3 %% at 50 (the cover letter's 67/33), 20 %% at 25");
	claim_sleeper_share(&cl, "sleeper", "demand-50", "share_nocredit", sleeper_nocredit_share(50), 50, "no credit", 0.5,
			    v, 4);
	CHECK(cl.verdict == CLAIM_TRUE && !strncmp(cl.kind, "own-ci", 6) && strstr(cl.kind, "floor 0.5pp") &&
		      !strcmp(cl.id, "sleeper/demand-50/sleeper/share_nocredit"),
	      "33.5 %% +- CI against 33.3 %%: true on its own CI (%s; %s)", cl.kind, cl.sentence);
	claim_sleeper_share(&cl, "sleeper", "demand-50", "share_demand", 50, 100.0 / 3, "its demand", 0.5, v, 4);
	CHECK(cl.verdict == CLAIM_FALSE && strstr(cl.sentence, "NOT within"), "the same against 50 %%: false (%s)",
	      cl.sentence);
	claim_sleeper_share(&cl, "sleeper", "demand-75", "share_fair", 40.3, NAN, "fair", 0.5, tight, 3);
	CHECK(cl.verdict == CLAIM_TRUE && fabs(cl.tolerance - 0.5) < 1e-12,
	      "a CI tighter than the floor: the floor is the band (0.29 pp off, tolerance %g)", cl.tolerance);
	claim_sleeper_share(&cl, "sleeper", "demand-75", "share_fair", 41, NAN, "fair", 0.5, tight, 3);
	CHECK(cl.verdict == CLAIM_FALSE, "one floor away and more: false");
	claim_sleeper_share(&cl, "sleeper", "demand-25", "share_demand", 25, 20, "its demand", 0.5, v, 2);
	CHECK(cl.verdict == CLAIM_NO_DATA && strstr(cl.finding, "too small"), "n = 2: no verdict (%s)", cl.finding);
	claim_sleeper_share(&cl, "sleeper", "demand-25", "share_demand", 25, 20, "its demand", 0.5, v, 0);
	CHECK(cl.verdict == CLAIM_NO_DATA && strstr(cl.sentence, "no data"), "no runs: no data");
	CHECK(!strchr(cl.sentence, ','), "the sentence is one CSV field");
	{
		double wide[] = { 31.0, 39.0, 46.0 };

		claim_sleeper_share(&cl, "sleeper", "demand-50", "share_nocredit", 100.0 / 3, 50, "no credit", 0.5, wide, 3);
		CHECK(cl.verdict == CLAIM_NO_DATA && strstr(cl.finding, "half way"),
		      "a band (CI +-%.1f) reaching half way to the other expectation: no verdict (%s)", cl.ci95, cl.finding);
		claim_sleeper_share(&cl, "sleeper", "demand-50", "share_nocredit", 100.0 / 3, 50, "no credit", 0.5, v, 4);
		CHECK(cl.verdict == CLAIM_TRUE, "a band well inside half the distance: a verdict");
	}
}

/* The short window's claim: the p95 lag against the lag scale (4 ms: one tick here). */
static void lag_claim_checks(void)
{
	struct claim_pct in = { 3.2, 3.1, 3.3, 500, true, 10 }, edge = { 3.9, 3.7, 4.2, 500, true, 10 };
	struct claim_pct above = { 4.6, 4.3, 4.9, 500, true, 10 }, few = { 3.0, 2.0, 3.5, 40, false, 10 };
	struct claim_pct none = { NAN, NAN, NAN, 0, false, 10 };
	const char *src = "EEVDF base slice 1.400 ms (se.slice); at least one tick 4.000 ms";
	struct claim cl;

	claim_lag_bound(&cl, "shortwin", "0-vs-10", "b-nice10", "lag_p95_8t", &in, 8, 32, 4, src);
	CHECK(cl.verdict == CLAIM_TRUE && !cl.finding[0] && cl.reference == 4 && fabs(cl.tolerance - 0.1) < 1e-12 &&
		      !strcmp(cl.id, "shortwin/0-vs-10/b-nice10/lag_p95_8t") && !strchr(cl.sentence, ',') &&
		      strstr(cl.sentence, "within the lag scale 4.000 ms"),
	      "p95 3.2 ms (CI 3.1..3.3) within 4 ms: true, nothing to report (%s)", cl.sentence);
	claim_lag_bound(&cl, "shortwin", "0-vs-10", "b-nice10", "lag_p95_8t", &edge, 8, 32, 4, src);
	CHECK(cl.verdict == CLAIM_TRUE && strstr(cl.finding, "reaches past"), "a CI reaching past the scale: true, said (%s)",
	      cl.finding);
	claim_lag_bound(&cl, "shortwin", "0-vs-10", "b-nice10", "lag_p95_8t", &above, 8, 32, 4, src);
	CHECK(cl.verdict == CLAIM_FALSE && cl.residual > 1 && strstr(cl.sentence, "ABOVE"),
	      "the whole CI above the scale: false (residual %.2f)", cl.residual);
	claim_lag_bound(&cl, "shortwin", "0-vs-10", "b-nice10", "lag_p95_64t", &few, 64, 256, 4, src);
	CHECK(cl.verdict == CLAIM_NO_DATA && strstr(cl.finding, "too small"), "40 windows: no verdict (%s)", cl.finding);
	claim_lag_bound(&cl, "shortwin", "0-vs-10", "b-nice10", "lag_p95_8t", &none, 8, 32, 4, src);
	CHECK(cl.verdict == CLAIM_NO_DATA && strstr(cl.sentence, "no data"), "no windows: no data (%s)", cl.sentence);
	claim_lag_bound(&cl, "shortwin", "0-vs-10", "b-nice10", "lag_p95_8t", &in, 8, 32, 0, "unknown");
	CHECK(cl.verdict == CLAIM_NO_DATA && strstr(cl.finding, "no lag scale"), "no lag scale: no verdict");
}

int main(void)
{
	shortwin_checks();
	lag_claim_checks();
	sleeper_checks();
	return check_exit();
}
