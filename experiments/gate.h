/* The scheduler gate's decisions (ci/REGRESS.md), apart from its command line (gatemain.c):
 * which cases experiments/regress.conf requires, what each attempt's run folder says of them
 * (claims.csv, summary.csv, meta, lab.exit), how each container's share compares with theory
 * (the claim's own noise-derived tolerance) and with the baseline (a tolerance from the same
 * noise for a difference of two means), and a case's outcome over its attempts. No printing;
 * the caller owns every struct; no locking (one thread). */
#ifndef HOGLAB_GATE_H
#define HOGLAB_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include "claims.h"
#include "csvin.h"
#include "lab.h"

#define GATE_ATTEMPTS_MAX 4

/* One container of one case in one attempt: its share claim and the baseline's row. */
struct gate_ct {
	char label[24];
	bool have_claim;
	double measured, ci95, theory, reference, tolerance;
	size_t n;
	char kind[96];
	enum claim_verdict verdict;
	bool have_base;
	double base_mean, base_theory, base_tol;
	size_t base_n;
	bool ok_theory, ok_base;
};

enum gate_state {
	GATE_STATE_OK,     /* every claim true, every share within the baseline's tolerance */
	GATE_STATE_OFF,    /* a share off theory or baseline: a measurement, worth a re-run */
	GATE_STATE_BROKEN, /* the lab failed, rows or repetitions missing, no noise tolerance: final */
};

struct gate_attempt {
	enum gate_state state;
	char why[400];
	struct gate_ct ct[LAB_CT_MAX];
};

enum gate_outcome { GATE_PASS, GATE_FLAKY, GATE_FAIL };

/* A case the definition requires, and what each attempt that ran it said. */
struct gate_case {
	char id[72]; /* EXP/CASE, e.g. pairs/0-vs-15 */
	char exp[16], name[48];
	int reps, work_ms, n_ct;
	char label[LAB_CT_MAX][24];
	struct gate_attempt at[GATE_ATTEMPTS_MAX];
	int n_at;
};

/* What one attempt's run folder holds, as read by gate_run_load. */
struct gate_run {
	char dir[1024];
	int lab_exit;          /* lab.exit; -1 when the folder has none (a folder given by hand) */
	char missing[160];     /* the first of claims.csv, summary.csv, meta that is absent, or "" */
	char noise[1024];      /* meta noise= */
	char fault[160];       /* meta fault_injection=, "none" when absent */
	char date[64], revision[64], kernel[128];
	struct csvin *claims;  /* NULL when missing */
	struct csvin *runs;    /* runs.csv, NULL when missing: the shares a re-run pools */
};

/* The cases of definition def (its default profile) that have share claims, in its order: 0 or
 * -errno with one line in err. *cases is the caller's to free. */
int gate_cases_load(const char *def, struct gate_case **cases, int *n, char *err, size_t errlen);

/* The run folder dir: 0, or -errno with one line in err when it cannot be read at all (a
 * missing file is not an error here: run->missing names it). */
int gate_run_load(const char *dir, struct gate_run *run, char *err, size_t errlen);
void gate_run_free(struct gate_run *run);

/* The baseline's share rows (a lab summary.csv, or the committed cfs-quick.csv). */
struct gate_base {
	struct csvin *t;
	int c_exp, c_case, c_ct, c_metric, c_n, c_theory, c_mean;
};
int gate_base_load(const char *path, struct gate_base *b, char *err, size_t errlen);
void gate_base_free(struct gate_base *b);

/* The tolerance of |now - baseline| for two means of n and n_base repetitions of a share of
 * theory (percent) at work_ms of work: noise_tolerance with the claims' k and floors, the noise
 * row's rel_sd scaled as claim_share scales it for a shorter window, and n_eff =
 * noise_n_eff(n, n_base). NaN without a noise row of that theory, or with n or n_base 0. */
double gate_base_tolerance(const struct noise_table *nt, const char *exp, const char *cs, const char *ct,
			   double theory, int work_ms, size_t n, size_t n_base);

/* Fills attempt k of case c and judges it against the baseline b (NULL: theory only): state and,
 * unless OK, why (the first reason found). runs[0..k] are the folders of attempts 1..k+1. The
 * first attempt is its folder's claims.csv; a re-run's claim is the claims engine's
 * (claim_share) on the shares of every attempt so far pooled (runs.csv, k+1 times the
 * repetitions), so a re-run adds evidence instead of a second chance to pass. */
void gate_attempt_judge(struct gate_case *c, int k, const struct gate_run *runs, const struct gate_base *b,
			const struct noise_table *nt);

/* Over a case's attempts: PASS when the first is OK, FLAKY when a later one is and every one
 * before it was only OFF, else FAIL. */
enum gate_outcome gate_case_outcome(const struct gate_case *c);
const char *gate_outcome_name(enum gate_outcome o);

/* Whether a case failing as it did is worth a re-run: its last attempt is OFF (not BROKEN). */
bool gate_case_retryable(const struct gate_case *c);

#endif
