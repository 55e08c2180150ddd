/* The CFS lab's claims as data: one row per claim of claims.csv (experiments/README.md), each a
 * measured mean held against its theory with a tolerance from the machine kind's measured noise
 * (experiments/noise/README.md, section 4), or a flat band where no noise was measured, saying
 * so. The noise table is read once and then only read; pure functions otherwise, no locking. */
#ifndef HOGLAB_CLAIMS_H
#define HOGLAB_CLAIMS_H

#include <stddef.h>

/* The tolerance rule of experiments/noise/README.md, section 4. */
#define CLAIM_K 4.0
#define CLAIM_FLOOR_REL 0.01 /* of the theory */
#define CLAIM_FLOOR_ABS 0.05 /* pp */
/* The band the report used before there was a noise file: 1 pp of theory. */
#define CLAIM_FLAT_PP 1.0

/* One row of a noise file (experiments/noise/<kind>.csv): a quantity of one case's container. */
struct noise_row {
	char exp[16], cs[48], ct[24], quantity[24];
	size_t n;
	double theory, rel_sd, bias, work_ms;
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

enum claim_verdict { CLAIM_TRUE, CLAIM_FALSE, CLAIM_NO_DATA };
const char *claim_verdict_name(enum claim_verdict v);

struct claim {
	char id[128], exp[16], cs[48], ct[24], quantity[16];
	double measured, ci95; /* NaN without data */
	size_t n;
	double theory, reference, tolerance; /* reference: what the mean is held against */
	char kind[96];                       /* "noise:c k=4 ...", "flat ...", "none ..." */
	enum claim_verdict verdict;
	char sentence[400];                  /* no commas or quotes: one CSV field as it is */
};

/* The share claim of container ct of case cs of experiment exp: the mean of its n shares v
 * (percent; n may be 0: no-data) against theory (percent) for work_ms of work per container.
 * With a noise row (nt not NULL): reference = theory + bias x work_noise / work_ms, tolerance
 * by noise_tolerance with CLAIM_K and the floors and n_eff = noise_n_eff(n, n_noise). Without
 * one (nt NULL: no noise file, kind "none"; no row or a row with another theory: "flat"):
 * theory within CLAIM_FLAT_PP. */
void claim_share(struct claim *cl, const struct noise_table *nt, const char *exp, const char *cs,
		 const char *ct, double theory, int work_ms, const double *v, size_t n);

#endif
