/* Reading back a CSV file the lab wrote (csvout.h), with libcsv's parser: the header names the
 * columns, every row must have as many fields. A struct csvin is owned by its caller. */
#ifndef HOGLAB_CSVIN_H
#define HOGLAB_CSVIN_H

#include <stddef.h>

struct csvin {
	size_t ncols, nrows;
	char **head;  /* ncols names */
	char **cells; /* nrows x ncols fields, row by row */
};

/* -ENOENT etc. from open, -EPROTO when a row's width differs from the header's or the text is
 * not CSV, -ENOMEM. On failure nothing is left to free. */
int csvin_load(const char *path, struct csvin *t);
/* Column index of name, or -ENOENT. */
int csvin_col(const struct csvin *t, const char *name);
/* Field (row, col); "" when col is negative. */
const char *csvin_get(const struct csvin *t, size_t row, int col);
/* Field (row, col) as a number; NaN when empty or not wholly a number. */
double csvin_num(const struct csvin *t, size_t row, int col);
void csvin_free(struct csvin *t);

#endif
