/* The window-length experiment's model (labwindow.c): the niced container's share of a pair
 * against the window T, share(T) = theory + c / T, fitted per nice by weighted least squares.
 * Pure functions over the caller's structs; no state, no locking. */
#ifndef HOGLAB_LABWINDOW_H
#define HOGLAB_LABWINDOW_H

#include <stdbool.h>
#include <stddef.h>

#include "claims.h"
#include "labconf.h"
#include "noisestats.h"

/* One window of one nice: the niced container's share over its runs. */
struct window_cell {
	int work_ms;
	double T_ms;            /* the pair's CPU while both ran, W / s0 (s0: nice 0's theory share) */
	size_t n;
	double mean, sd, ci95;  /* percent; ci95: Student t half-width of the mean (0 when n < 2) */
	double model_pp;        /* 100 c / T of the fit through the origin */
	double fit;             /* theory + model_pp: the corrected theory */
	double residual_pp;     /* mean - fit */
};

/* One nice: its cells and the two fits of excess = (share - theory) / 100 against x = 1 / T
 * (T in ms, so c is in ms of CPU), each run a point weighted by T^2 (sd ~ 1 / T, labwindow.c). */
struct window_model {
	int nice;
	double theory;          /* the niced container's share, percent */
	struct window_cell cell[LAB_MAX_VALUES];
	int n_cell;
	size_t n_runs;          /* runs with a share, over every cell */
	struct winfit origin;   /* the model: excess = c / T */
	struct winfit free;     /* its check: excess = a + c / T */
	bool have_origin, have_free;
	int family;             /* claims in the run's window family: each interval widened so that
				 * all of them hold together with WINDOW_FAMILY_ALPHA (Bonferroni);
				 * 0 or 1: each claim at its own 95 % */
};

/* The chance that an honest run gets any window claim false: 1 %, since a run has 2 + windows
 * claims per nice and at 95 % each about one honest run in six had one false (2000 synthetic
 * runs, tests/unit/test_labwindow.c). */
#define WINDOW_FAMILY_ALPHA 0.01

/* Fills m's cells (caller sets nice, theory, n_cell and each cell's work_ms and T_ms) from n
 * runs: the share (percent) of run k in cell cell_of[k]; NaN shares and cells out of range are
 * skipped. 0, or -EINVAL when fewer than two windows have runs (have_origin false; cells still
 * filled); the free fit needs three (have_free). */
int window_model_fit(struct window_model *m, const double *share, const int *cell_of, size_t n);

/* The base slice the model holds c against: upper bound of c (ms), where it came from. */
struct window_slice {
	double ms;              /* 0: not read */
	char source[192];       /* "/proc/PID/sched se.slice of a window container", ... (no comma) */
};

/* The model's claims of one nice (claims.csv rows; sentences hold no commas):
 *   c:         0 <= c <= slice within c's 95 % CI (a task placed with zero lag runs at most one
 *              slice ahead of its fluid share); reference slice / 2, tolerance slice / 2 + ci;
 *              without a slice only c >= 0 within its CI, said in the row;
 *   intercept: the free fit's intercept zero within its 95 % CI (the excess has no part that
 *              stays as the window grows);
 *   the residual of window `cell` (0..n_cell-1): the window's mean within its own 95 % CI of
 *              the corrected theory theory + c / T.
 * With m->family > 1 every interval is the family-wise one (window_family_scale).
 * A claim without data (no fit, a window without two runs) is no-data. */
/* The factor from a 95 % interval on df degrees of freedom to the family-wise one of m. */
double window_family_scale(const struct window_model *m, int df);
void window_claim_c(struct claim *cl, const struct window_model *m, const struct window_slice *sl);
void window_claim_intercept(struct claim *cl, const struct window_model *m);
void window_claim_residual(struct claim *cl, const struct window_model *m, int cell);

/* Case names: "0-vs-N" (the nice's fit) and "0-vs-N-Wms" (one window). */
void window_case_name(char *buf, size_t size, int nice, int work_ms);

#endif
