/* The short-window fairness case's arithmetic (labshort.c): from fine samples of a nice 0 /
 * nice N pair's CPU time, the niced task's share over consecutive windows of 1, 2, 4, ... ticks,
 * its error against the weight theory, and the distribution of that error per window length.
 * Pure functions over the caller's arrays; no state, no locking. */
#ifndef HOGLAB_LABSHORT_H
#define HOGLAB_LABSHORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One fine sample: mono time and each task's CPU time (a: nice 0, b: the niced one), in ns. */
struct shortwin_point {
	uint64_t t_ns, a_ns, b_ns;
};

/* What the kernel says about its tick and its lag scale, for the expected bound. */
struct shortwin_kernel {
	long tick_ns;            /* 1e9 / HZ; 0: unknown, the case refuses to run */
	double lag_ms;           /* EEVDF: the base slice; CFS: its period (8 x min granularity) */
	char lag_source[128];
};

/* The error distribution at one window length, pooled over a case's runs. */
struct shortwin_stat {
	int ticks;
	double window_ms;
	size_t n;                /* windows */
	double mean, p95, max;   /* |share - theory|, pp */
	double bound_pp;         /* the expectation: 100 lag / T, at most the largest error possible */
	/* The niced task's CPU off its share of the pair's CPU in each window, |b - theory (a + b)|
	 * (ms): its p95, that p95's distribution-free 95 % CI (stats_percentile_ci; lag_inside:
	 * whether it lies inside the sample) and its max. Against the lag scale itself it needs no
	 * window or CPU availability: a window in which the pair got half the CPU holds half the CPU. */
	double lag_p95, lag_lo, lag_hi, lag_max;
	bool lag_inside;
};

/* |share - theory| (pp) of task b over consecutive windows of window_ns from the n samples p
 * (ascending t): each window's edges read by linear interpolation between the samples around
 * them; a window in which neither task got CPU is skipped. Writes at most cap errors into err,
 * and where lag is not NULL each window's |b - theory x (a + b)| in ms into lag, and returns how
 * many. */
size_t shortwin_errors(const struct shortwin_point *p, size_t n, double window_ns, double theory_pct, double *err,
		       double *lag, size_t cap);

/* Mean, p95 and max of the n errors (sorts err), and with lag (may be NULL: fields NaN) the lag
 * figures of struct shortwin_stat (sorts lag); 0, or -EINVAL for n == 0 (all NaN). */
int shortwin_stat_fill(struct shortwin_stat *st, double *err, double *lag, size_t n);

/* The expected bound at a window of window_ms: a task's lag stays within about lag_ms, so its
 * share over T is off by at most 100 lag / T pp, and never by more than max(theory, 100 - theory). */
double shortwin_bound_pp(double lag_ms, double window_ms, double theory_pct);

#endif
