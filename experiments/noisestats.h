/* Statistics of the lab's run-to-run noise and of its pairs' window-length experiment: sample
 * standard deviation, the weighted least-squares fit of share(T) = theory + c / T, and the
 * tolerance rule of experiments/noise/README.md. Pure functions, no state, no locking. */
#ifndef HOGLAB_NOISESTATS_H
#define HOGLAB_NOISESTATS_H

#include <stddef.h>

/* Sample standard deviation (n - 1) of n values; NaN when n < 2. */
double stats_sd(const double *v, size_t n);

/* y = a + c x fitted by weighted least squares (weights w, NULL: all 1). With the intercept
 * held at 0 (fixed_zero) only c is fitted; a is then 0 with se 0. se_*: standard errors from
 * the residuals' scatter (s^2 = sum w r^2 / (n - p)); ci95_c: t(n - p) * se_c; chi2: sum w r^2
 * (with weights 1 / variance, compare with its df). */
struct winfit {
	double a, se_a, c, se_c, ci95_c, ci95_a, chi2;
	int df;
	size_t n;
};

/* 0, or -EINVAL when there are too few points (n <= parameters) or the x values do not vary. */
int winfit_solve(const double *x, const double *y, const double *w, size_t n, int fixed_zero, struct winfit *f);

/* The tolerance of a mean of n repetitions against a theory value: the larger of
 *   floor_abs, floor_rel * |theory|, and k * rel_sd * |theory| / sqrt(n),
 * where rel_sd is the quantity's run-to-run standard deviation over its theory on this machine
 * kind (experiments/noise/<kind>.csv). n may be an effective count (noise_n_eff). NaN when
 * n <= 0 or an input is not a number. */
double noise_tolerance(double theory, double rel_sd, double n, double k, double floor_rel, double floor_abs);

/* The effective count of a difference of two means, of n and of n_ref repetitions with one sd:
 * 1 / (1 / n + 1 / n_ref); n when n_ref is 0 (a reference without error). */
double noise_n_eff(size_t n, size_t n_ref);

/* The relative sd of one run's mean of n repetitions against a reference of n_ref (noise_n_eff),
 * with rel_sd the repetitions' spread within a run and rel_between the spread of a run's own
 * offset (0: none measured), both over the theory: sqrt(rel_sd^2 / n_eff + rel_between^2).
 * noise_tolerance(theory, this, 1, ...) is then the band of that mean. NaN on a bad input. */
double noise_mean_rel_sd(double rel_sd, double rel_between, size_t n, size_t n_ref);

/* The median of chi-square(df) / df (Wilson-Hilferty, (1 - 2 / (9 df))^3; 3.4 % high at df 1,
 * 0.4 % at df 4): what half of the sample variances of df + 1 values fall below, in units of
 * the true variance. NaN for df < 1. */
double noise_chi2_median(int df);

/* Between-run and within-run spread of a quantity measured in several runs (one-way random
 * effects): values v[i] of run group[i] (0..n_groups-1, a run's repetitions). runs: groups with
 * a value; n_per_run: their mean size; sd_run_means: the sd of the runs' means; sd_within: the
 * pooled sd of the repetitions around their run's mean; sd_mean_within: what sd_run_means would
 * be were the repetitions of all runs independent, sd_within / sqrt(n_per_run); sd_between:
 * sqrt(max(0, sd_run_means^2 - sd_mean_within^2)), the spread of a run's own offset.
 * The same two, robust to a few runs hit by a stall (a loaded machine's runs spread unevenly):
 * sd_within_robust, the root of the median over runs of two values or more of each run's sample
 * variance over noise_chi2_median(its df); sd_between_robust, as sd_between from 1.4826 x the
 * median absolute deviation of the runs' means (their sd for normal noise) and sd_within_robust. */
struct noise_between {
	size_t runs, n;
	double n_per_run, mean, sd_run_means, sd_within, sd_mean_within, sd_between;
	double sd_within_robust, sd_between_robust;
};

/* 0, or -EINVAL without two runs of two values at least (fields NaN); -ENOMEM. */
int noise_between_fill(const double *v, const int *group, size_t n, int n_groups, struct noise_between *b);

#endif
