/* CSV reader (csvin.h): libcsv's push parser fills a growing cell array; the first record is
 * the header. Single-threaded; the callbacks see only the load's own state. */
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct load {
	struct csvin *t;
	char **cells;   /* fields of every record, header included */
	size_t n, cap;
	size_t row_fields;
	size_t rows;
	int error;
};

static void field_cb(void *s, size_t len, void *data)
{
	struct load *l = data;
	char *f;

	if (l->error)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **c = realloc(l->cells, cap * sizeof(*c));

		if (!c) {
			l->error = -ENOMEM;
			return;
		}
		l->cells = c;
		l->cap = cap;
	}
	f = malloc(len + 1);
	if (!f) {
		l->error = -ENOMEM;
		return;
	}
	memcpy(f, s, len);
	f[len] = '\0';
	l->cells[l->n++] = f;
	l->row_fields++;
}

static void row_cb(int c, void *data)
{
	struct load *l = data;

	(void)c;
	if (l->error)
		return;
	if (l->rows == 0)
		l->t->ncols = l->row_fields;
	else if (l->row_fields != l->t->ncols)
		l->error = -EPROTO;
	l->rows++;
	l->row_fields = 0;
}

int csvin_load(const char *path, struct csvin *t)
{
	struct load l = { .t = t };
	struct csv_parser p;
	char buf[65536];
	size_t got;
	FILE *f;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		fclose(f);
		return -ENOMEM;
	}
	while (!l.error && (got = fread(buf, 1, sizeof(buf), f)) > 0)
		if (csv_parse(&p, buf, got, field_cb, row_cb, &l) != got)
			l.error = csv_error(&p) == CSV_ENOMEM ? -ENOMEM : -EPROTO;
	if (ferror(f) && !l.error)
		l.error = -EIO;
	if (!l.error && csv_fini(&p, field_cb, row_cb, &l) != 0)
		l.error = -EPROTO;
	csv_free(&p);
	fclose(f);
	if (!l.error && l.rows == 0)
		l.error = -EPROTO;
	if (l.error) {
		rc = l.error;
		for (size_t i = 0; i < l.n; i++)
			free(l.cells[i]);
		free(l.cells);
		memset(t, 0, sizeof(*t));
		return rc;
	}
	t->head = l.cells;
	t->cells = l.cells + t->ncols;
	t->nrows = l.rows - 1;
	return 0;
}

int csvin_col(const struct csvin *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->head[i], name))
			return (int)i;
	return -ENOENT;
}

const char *csvin_get(const struct csvin *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->ncols || row >= t->nrows)
		return "";
	return t->cells[row * t->ncols + (size_t)col];
}

void csvin_free(struct csvin *t)
{
	size_t n = (t->nrows + 1) * t->ncols;

	for (size_t i = 0; t->head && i < n; i++)
		free(t->head[i]);
	free(t->head);
	memset(t, 0, sizeof(*t));
}

double csvin_num(const struct csvin *t, size_t row, int col)
{
	const char *s = csvin_get(t, row, col);
	char *end;
	double v;

	if (!*s)
		return NAN;
	v = strtod(s, &end);
	return *end ? NAN : v;
}
