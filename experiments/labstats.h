/* Statistics and theory for the lab: the kernel's nice-to-weight table, mean with a 95%
 * confidence interval (Student t), the F distribution's 95% bound, percentiles and a seeded
 * shuffle. Pure functions, no state. */
#ifndef HOGLAB_LABSTATS_H
#define HOGLAB_LABSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The weight CFS gives a task at nice (-20..19), as in the kernel's sched_prio_to_weight;
 * 0 for a nice out of range. */
unsigned int nice_weight(int nice);

/* Two-sided 95% Student t quantile for df degrees of freedom (df >= 1). */
double stats_t95(int df);

/* The Student t distribution with df degrees of freedom (df >= 1): P(T <= t), and the t with
 * P(T <= t) = p (0 < p < 1), by bisection on the regularised incomplete beta function. NaN
 * outside those ranges. */
double stats_t_cdf(double t, int df);
double stats_t_quantile(double p, int df);

/* Mean of n values and the half-width of its 95% confidence interval (0 when n < 2). */
int stats_mean_ci(const double *v, size_t n, double *mean, double *ci95);

/* The least-squares line y = intercept + slope x through n points (n >= 2, the x not all
 * equal): -EINVAL otherwise. */
int stats_ols(const double *x, const double *y, size_t n, double *slope, double *intercept);

/* Shares as rates. cpu holds n_pts readings of n_ct containers' CPU times taken together
 * (row k: the n_ct values of reading k, oldest first; row 0 is the start of the window). share[i]
 * is the least-squares slope, in percent, of container i's CPU against the total of all over
 * rows first..n_pts-1: the rate at which it got the CPU they got. startup[i] is what it got in
 * the whole window beyond that rate (its CPU from row 0 to the last minus share[i] times the
 * total), in the units of cpu: the start-up term. The shares sum to 100 and the start-up terms
 * to 0. -EINVAL for fewer than 3 rows from first, fewer than 2 containers, or no CPU spent. */
int stats_rate_shares(const double *cpu, size_t n_ct, size_t n_pts, size_t first, double *share, double *startup);

/* Where the rate's fit starts: the first row by which every container has run since row 0 (the
 * placement transient, each one's first turn, is over), or 0 when that leaves fewer than 3 rows
 * (a container starved through the window is fitted from the start, so its share reads ~0). */
size_t stats_rate_first(const double *cpu, size_t n_ct, size_t n_pts);

/* The p-th percentile (0..100, linear interpolation) of n values; sorts v in place. */
int stats_percentile(double *v, size_t n, double p, double *out);

/* A distribution-free 95% confidence interval of the p-th percentile (0..100) of n values already
 * sorted ascending: the order statistics whose ranks bound n p / 100 by 1.96 binomial standard
 * deviations (normal approximation, clamped to the sample). -EINVAL for n == 0 or p out of range. */
int stats_percentile_ci(const double *sorted, size_t n, double p, double *lo, double *hi);

/* Whether that interval is the sample's own: both ranks fall inside 1..n, so it does not reach
 * the sample's minimum or maximum by clamping (false: n is too small for an interval of p). */
bool stats_percentile_ci_inside(size_t n, double p);

/* The upper 95% quantile of the F distribution with df1 and df2 degrees of freedom (both >= 1):
 * the bound a variance ratio s1^2 / s2^2 of normal samples stays below in 95% of cases. NaN for
 * a df below 1. */
double stats_f95(int df1, int df2);

/* A reproducible random number stream (splitmix64) and an in-place shuffle of n ints. */
uint64_t stats_rand_next(uint64_t *state);
void stats_shuffle(int *v, size_t n, uint64_t *state);

#endif
