/* The memory lab's claims as data (claims.csv beside summary.csv): each claim a struct claim of
 * claims.h (the CFS lab's types and columns) plus the key that places it (machine, kernel,
 * backend, kmod mode, period, rate), so the report and its findings select claims by their
 * fields. Tolerances come from n and the measured spread (or the theory's own spread where that
 * is known exactly), each rule written into the claim's tolerance_kind; a claim whose n cannot
 * tell its theory from the nearest wrong answer is no-data and says so. Pure functions apart
 * from memclaims_write; no state, no locking. */
#ifndef HOGLAB_MEMCLAIMS_H
#define HOGLAB_MEMCLAIMS_H

#include <stddef.h>

#include "claims.h"
#include "csvin.h"

/* Two-sided 99 % quantiles: of the normal distribution, and of Student's t for df >= 1. */
#define MEMCLAIM_Z99 2.576
double memclaim_t99(int df);

/* Uniform over one period: values x normalised by their period's range (overshoot / (rate x
 * period), delay / period), theory U(0, 1): mean 1/2, sd 1/sqrt(12). Tolerance z99 x max(sd
 * measured, 1/sqrt(12)) / sqrt(n); decidable when it is at most 1/4, half the distance to the
 * nearest wrong answers (0: no sampling delay at all; 1: one tick missed each time). */
void memclaim_uniform(struct claim *cl, const double *x, size_t n);

/* Not growing with the period: means a (shortest period, na runs) and b (longest, nb) of one
 * quantity, alt the growth b - a a sampling monitor would show (rate x dperiod / 2). True when
 * |b - a| <= t99(min n - 1) x sqrt(sa^2 / na + sb^2 / nb); decidable when that is at most alt / 2. */
void memclaim_flat(struct claim *cl, const double *a, size_t na, const double *b, size_t nb, double alt);

/* A mean bounded from above: mean of x <= bound + t99(n - 1) x sd / sqrt(n) (n >= 2). */
void memclaim_bound(struct claim *cl, const double *x, size_t n, double bound);

/* Every run at or below bound + slack (no statistics: one run above fails it). */
void memclaim_all_below(struct claim *cl, const double *x, size_t n, double bound, double slack);

/* Every one of n runs did it (k of n); no-data for n = 0. */
void memclaim_count(struct claim *cl, size_t k, size_t n);

/* At least a share p (0..1) of n trials: k / n >= p - z99 x sqrt(p (1 - p) / n); p = 1: every one. */
void memclaim_at_least(struct claim *cl, size_t k, size_t n, double p);

/* b's mean above a's by more than t99(min n - 1) x sqrt(sa^2 / na + sb^2 / nb) (n >= 2 each);
 * no-data when that tolerance exceeds the larger mean. */
void memclaim_grows(struct claim *cl, const double *a, size_t na, const double *b, size_t nb);

/* DIR/claims.csv from DIR's runs.csv and cost.csv (already loaded) and the meta files' CPU
 * counts; 0 or -errno (-EPROTO: a column missing). */
int memclaims_write(const char *dir, const struct csvin *runs, const struct csvin *cost);

/* The CPU count of the machine that ran kernel (DIR/vm/KERNEL/meta, else DIR/meta when it is
 * that kernel's); 0 when neither says. */
int memclaims_meta_cpus(const char *dir, const char *kernel);

#endif
