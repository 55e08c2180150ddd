/* The lab's CSV writer: rows are formatted with libcsv's quoting on the caller's thread and
 * pushed through the engine's bounded buffer (logbuf.h); its writer thread appends them to
 * each table's file. csvout_row may be called from any thread; open/close from one. */
#ifndef HOGLAB_CSVOUT_H
#define HOGLAB_CSVOUT_H

#include <stddef.h>

#define CSVOUT_ROW_MAX 4096
#define CSVOUT_COLS_MAX 32

struct csvout;
struct csv_table;

int csvout_create(struct csvout **out, size_t capacity_bytes);
/* Creates (truncates) path and writes the header line of n columns. */
int csvout_table_open(struct csvout *o, struct csv_table **t, const char *path, const char *const *cols, size_t n);
/* One row; types has one letter per field: s (const char *), i (int), l (long long),
 * f (double, 4 decimals), g (double, 6 significant digits); NaN doubles are written empty.
 * -EINVAL if the field count differs from the table's columns. */
int csvout_row(struct csvout *o, struct csv_table *t, const char *types, ...);
/* Writes everything queued, closes every table, frees o. Returns the first error seen. */
int csvout_destroy(struct csvout *o);

/* Formats n fields as one CSV line with its newline; a field is quoted only when it holds a
 * comma, quote, CR, LF or edge space. Returns its length or -ENOSPC. */
int csv_line_format(char *buf, size_t cap, const char *const *fields, size_t n);

#endif
