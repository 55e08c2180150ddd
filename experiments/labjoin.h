/* `lab --join`: the run folders of the parts of one run (`lab --part I/N` for I = 1..N, on one
 * machine, from one definition, profile and build) put into one run folder, as if one lab had
 * run every unit: the raw tables (runs.csv, samples.csv, wakeup.csv, shortwin_samples.csv)
 * concatenated in part order with the run ids (and runs.csv's order) of each part moved past the
 * parts before it, the per-run files (sleeper-N.out, wakeup-N.out, engine-logs/labP-N-S.log)
 * renamed alike, lab.log concatenated, and a meta that names every part. The derived tables are
 * left to `lab --summarize`, which the lab runs on the result. Main thread only. */
#ifndef HOGLAB_LABJOIN_H
#define HOGLAB_LABJOIN_H

#include <stddef.h>

/* Writes out (which must not exist) from the n part folders in dirs, given in any order.
 * Refused, with nothing left behind and one line in err: a folder that is no part, a part
 * missing or given twice, parts of N that disagree, or parts whose definition, profile,
 * revision, kernel or machine differ. 0, or a negative errno. */
int lab_join(const char *out, const char *const *dirs, int n, char *err, size_t errlen);

#endif
