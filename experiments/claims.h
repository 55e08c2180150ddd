/* The CFS lab's claims as data: one row per claim of claims.csv (experiments/README.md), each a
 * measured mean held against its theory with a tolerance from the machine kind's measured noise
 * (experiments/noise/README.md, section 4), else from the run's own confidence interval, or a
 * flat band where there is no noise file at all, saying which; a spread test against the noise,
 * the residual in tolerances and the finding the report lists. The noise table is read once and
 * then only read; pure functions otherwise, no locking. */
#ifndef HOGLAB_CLAIMS_H
#define HOGLAB_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>

/* The tolerance rule of experiments/noise/README.md, section 4. */
#define CLAIM_K 4.0
#define CLAIM_FLOOR_REL 0.01 /* of the theory */
#define CLAIM_FLOOR_ABS 0.05 /* pp */
/* The band the report used before there was a noise file: 1 pp of theory. */
#define CLAIM_FLAT_PP 1.0
/* A claim on the run's own CI needs this many repetitions (t95 of 1 df is 12.7: n = 2 passes
 * anything); below it the verdict is no-data, "n too small". */
#define CLAIM_MIN_N_OWN 3
/* A true claim further than this from its reference (in tolerances) is listed as a finding. */
#define CLAIM_EDGE 0.75
/* The original demo's write-up: cn-nice "still running after 2 minutes". */
#define CLAIM_DEMO_BOUND_S 120.0

/* One row of a noise file (experiments/noise/<kind>.csv): a quantity of one case's container. */
struct noise_row {
	char exp[16], cs[48], ct[24], quantity[24];
	size_t n;
	double theory, rel_sd, bias, work_ms;
	double rel_between; /* a run's own offset over theory (column rel_sd_between; 0 where absent) */
};

struct noise_table {
	char kind[32]; /* the file's name without .csv: the machine kind */
	struct noise_row *rows;
	size_t n;
};

/* 0; -ENOENT when the file does not exist; -EPROTO (a column missing, a number that is not
 * one) or -ENOMEM with one line in err. On failure nothing is left to free. */
int noise_table_load(const char *path, struct noise_table *t, char *err, size_t errlen);
/* The row of (experiment, case, container, quantity), or NULL. */
const struct noise_row *noise_table_find(const struct noise_table *t, const char *exp, const char *cs,
					 const char *ct, const char *quantity);
void noise_table_free(struct noise_table *t);
/* The relative sd of one run's mean of n repetitions held against a reference of n_ref (the
 * row's own n for its theory and bias, a baseline's for the gate): noise_mean_rel_sd of the
 * row's within-run and between-run spread, the latter counted for each of `runs` runs whose own
 * offset the difference carries (1 against the noise file, 2 against a baseline run), times
 * scale (a shorter window's, claim_share). */
double noise_row_mean_rel_sd(const struct noise_row *row, size_t n, size_t n_ref, int runs, double scale);

enum claim_verdict { CLAIM_TRUE, CLAIM_FALSE, CLAIM_NO_DATA };
const char *claim_verdict_name(enum claim_verdict v);

struct claim {
	char id[128], exp[16], cs[48], ct[24], quantity[24];
	double measured, ci95; /* NaN without data */
	size_t n;
	double theory, reference, tolerance; /* reference: what the mean is held against */
	char kind[128];                      /* "noise:c k=4 ...", "own-ci ...", "flat ...", "none ..." */
	enum claim_verdict verdict;
	char sentence[400];                  /* no commas or quotes: one CSV field as it is */
	double residual;                     /* (measured - reference) / tolerance; NaN without one */
	bool spread_high;                    /* the repetitions' sd is above the noise file's (spread) */
	char spread[128];                    /* the spread test in words: "ok ...", "HIGH ...", "n/a ..." */
	char finding[240];                   /* why the report lists it; empty: nothing to report */
	double spread_band;                  /* the band's part from measured spread, floors left out; NaN: none */
};

/* The share claim of container ct of case cs of experiment exp: the mean of its n shares v
 * (percent; n may be 0: no-data) against theory (percent) for work_ms of work per container.
 * With a noise row (nt not NULL): reference = theory, tolerance by noise_tolerance with CLAIM_K
 * and the floors on the relative sd of one run's mean (noise_row_mean_rel_sd: the row's spread
 * within a run over n_eff = noise_n_eff(n, n_noise), and its between-run term) plus |bias| (sd
 * and bias scaled as work_noise / work_ms for a shorter window), and the spread test (the run's
 * sd against the row's within-run sd); a flagged spread at n >=
 * CLAIM_MIN_N_OWN widens the band to CLAIM_K sds of the run's own mean, at least its 95 % CI
 * (kind "... own_spread_high").
 * Without a noise file (nt NULL, kind "none"): theory within CLAIM_FLAT_PP. With a file but no
 * row, or a row measured for another theory: the run's own CI as in claim_ratio (kind "own-ci",
 * floors 1 % and CLAIM_FLOOR_ABS). */
void claim_share(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
		 const char *ct, double theory, int work_ms, const double *v, size_t n);

/* After claim_share: step_pp is how far the nearest share one nice step off lies from the
 * claim's theory (NAN or 0: the case has no such step, e.g. cgroup weights). A band whose measured
 * spread alone (spread_band: the noise row's, or the run's own where it was widened or there is
 * no row; the floors left out) reaches that far would pass a container one step off: the claim is
 * then no-data, its finding saying the noise cannot tell one step apart. A band held wide by the
 * floors only (the heavy side of a lopsided pair, whose partner's claim catches the step) keeps
 * its verdict. */
void claim_share_resolves(struct claim *cl, double step_pp);

/* claim_share without the widening: the band is the noise row's whatever the spread (the gate,
 * which pools re-runs on that band). */
void claim_share_noise_band(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
			    const char *ct, double theory, int work_ms, const double *v, size_t n);

/* A completion-ratio claim, quantity "wall_ratio" (wall time over that of the container theory
 * says ends first, theory from the weights for a CPU of the case's own) or "wall_ratio_on_avail"
 * (that ratio over the one predicted per run on the CPU the machine left, theory 1): v holds n
 * per-run values. With a noise row of the same quantity, theory and window (work_ms within 1 %:
 * a ratio's spread comes from the machine's other load, which does not scale with the window):
 * reference = theory + bias, tolerance by noise_tolerance (floor 1 % of theory, no absolute
 * floor). Otherwise the run's own CI: reference = theory, tolerance = max(1 % of theory, ci95),
 * and no-data ("n too small") below CLAIM_MIN_N_OWN repetitions. */
void claim_ratio(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
		 const char *ct, const char *quantity, double theory, int work_ms, const double *v, size_t n);

/* The autogroup claim of a case whose containers each have a session of their own: the n shares
 * v of container ct are nearer the session theory (theory, equal group weights) than the share
 * its nice alone gives (theory_nice), by the whole 95% CI: |mean - theory| + ci95 < half their
 * distance (the tolerance). Quantity "nice_cancelled"; no-data below 2 repetitions. */
void claim_nice_cancelled(struct claim *cl, const char *exp, const char *cs, const char *ct, double theory,
			  double theory_nice, const double *v, size_t n);

/* The demo's completion claim, quantity "wall": every one of the n runs of container ct ended
 * before CLAIM_DEMO_BOUND_S (v: wall times in s); theory_s, its predicted time on a CPU of the
 * pair's own (W (1024 + w) / 1024 for the first to end, 2 W for the other), is stated beside. */
void claim_completed(struct claim *cl, const char *exp, const char *cs, const char *ct, double theory_s,
		     const double *v, size_t n);

/* A percentile of a wake-up case's pooled delays: its value, its distribution-free 95% interval
 * (stats_percentile_ci), the wake-ups pooled, whether the interval is the sample's own
 * (stats_percentile_ci_inside) and the sleeper's nice. */
struct claim_pct {
	double value, lo, hi;
	size_t n;
	bool inside;
	int nice;
};

/* The wake-up order claim of quantity ("delay_p50", "delay_p99"): the sleeper at a.nice waits no
 * longer than the one at ref.nice (a higher nice, a lighter weight). False when the two 95%
 * intervals separate the wrong way (a.lo > ref.hi); no-data without wake-ups in either case, or
 * "n too small" when either interval reaches the end of its sample. */
void claim_wakeup_order(struct claim *cl, const char *exp, const char *cs, const char *ct, const char *quantity,
			const struct claim_pct *a, const struct claim_pct *ref);

/* A short-window claim, quantity "lag_p95_<ticks>t": over windows of `ticks` ticks (window_ms),
 * the p95 of the niced task ct's CPU off its share of the pair's CPU (p95: ms, its 95 %
 * distribution-free CI and windows) is within the kernel's lag scale lag_ms (source: where it
 * comes from): EEVDF keeps a task's lag within about a slice, CFS within its period, so a window
 * holds at most about that much CPU more or less than the share. reference = theory = lag_ms,
 * tolerance the CI's lower half-width: false when the whole CI lies above the scale (residual >
 * 1); true otherwise, the finding saying so where the CI reaches past it; no-data without windows
 * or where they are too few for a CI of p95 inside the sample. */
void claim_lag_bound(struct claim *cl, const char *exp, const char *cs, const char *ct, const char *quantity,
		     const struct claim_pct *p95, int ticks, double window_ms, double lag_ms, const char *source);

/* The sleeper's expected shares at demand D % against a hog of its weight: weight-fair min(D, 50),
 * and with no credit for its sleep (half the CPU only while runnable, so busy b takes 2 b and
 * asleep s: b / (s + 2 b) = 100 D / (100 + D), 33.3 % at D = 50, the EEVDF cover letter's 67/33). */
double sleeper_fair_share(int demand);
double sleeper_nocredit_share(int demand);

/* A sleeper-fairness claim ([sleeper] of the definition): the mean of the sleeper's n shares v
 * (percent of the CPU it and the hog got) against theory, the expectation of one source (expect:
 * its words, no commas), quantity "share_demand", "share_fair" or "share_nocredit". No noise file
 * holds the sleeper, so the tolerance is the run's own 95 % CI with a floor of floor_pp (kind
 * "own-ci ..."), no-data below CLAIM_MIN_N_OWN repetitions, and no-data too where the band is half
 * the distance to the nearest other expectation (nearest, NaN: none) or wider: such a band could
 * call either source met. */
void claim_sleeper_share(struct claim *cl, const char *exp, const char *cs, const char *quantity, double theory,
			 double nearest, const char *expect, double floor_pp, const double *v, size_t n);

/* The factor by which a sample sd of n repetitions may exceed the noise file's sd of n_noise
 * before it is flagged: sqrt(F95(n - 1, n_noise - 1)), the one-sided 95% bound of the variance
 * ratio of two normal samples of one sd. NaN when n or n_noise is below 2. */
double claim_spread_factor(size_t n, size_t n_noise);

/* The claim's sentence by printf, made one CSV field as it is (commas to ';', quotes and
 * newlines to blanks). */
void claim_say(struct claim *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A completion-ratio claim "for a CPU of its own" whose premise failed in `left` of `all` runs
 * (the case had less than pct % of the CPU): said in the sentence; where it failed in every run
 * the claim is no-data, pointing at the ratio on the CPU the machine left. */
void claim_premise_note(struct claim *cl, size_t left, size_t all, double pct);
/* The same for the completion ratio on the CPU the machine left: the runs whose case got less than
 * pct % of a CPU in either phase were left out (all of them: no-data). */
void claim_avail_premise_note(struct claim *cl, size_t left, size_t all, double pct);

#endif
