/* CSV writer over logbuf: each table owns a FILE written only by logbuf's writer thread; the
 * table list is built before rows flow and torn down after the final flush, so it needs no lock.
 * Write errors are kept per table and reported by csvout_destroy. */
#include "csvout.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/logbuf.h"

struct csv_table {
	struct csv_table *next;
	FILE *fp;
	size_t ncols;
	int error; /* first write error, set by the writer thread only */
};

struct csvout {
	struct logbuf *lb;
	struct csv_table *tables;
};

static int csvout_sink(void *arg, void *tag, const void *data, size_t len)
{
	struct csv_table *t = tag;

	(void)arg;
	if (fwrite(data, 1, len, t->fp) != len) {
		if (!t->error)
			t->error = -EIO;
		return -EIO;
	}
	return 0;
}

int csvout_create(struct csvout **out, size_t capacity_bytes)
{
	struct csvout *o = calloc(1, sizeof(*o));
	int rc;

	if (!o)
		return -ENOMEM;
	rc = logbuf_create(&o->lb, capacity_bytes, csvout_sink, o);
	if (rc) {
		free(o);
		return rc;
	}
	*out = o;
	return 0;
}

static bool field_needs_quotes(const char *s)
{
	size_t n = strlen(s);

	return strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));
}

int csv_line_format(char *buf, size_t cap, const char *const *fields, size_t n)
{
	size_t used = 0, i;

	for (i = 0; i < n; i++) {
		const char *f = fields[i] ? fields[i] : "";
		size_t len = strlen(f), need;

		if (i) {
			if (used + 1 >= cap)
				return -ENOSPC;
			buf[used++] = ',';
		}
		if (field_needs_quotes(f)) {
			need = csv_write(NULL, 0, f, len);
			if (used + need >= cap)
				return -ENOSPC;
			csv_write(buf + used, cap - used, f, len);
		} else {
			need = len;
			if (used + need >= cap)
				return -ENOSPC;
			memcpy(buf + used, f, len);
		}
		used += need;
	}
	if (used + 2 > cap)
		return -ENOSPC;
	buf[used++] = '\n';
	buf[used] = '\0';
	return (int)used;
}

int csvout_table_open(struct csvout *o, struct csv_table **out, const char *path, const char *const *cols, size_t n)
{
	char line[CSVOUT_ROW_MAX];
	struct csv_table *t;
	int len, rc;

	if (n == 0 || n > CSVOUT_COLS_MAX)
		return -EINVAL;
	len = csv_line_format(line, sizeof(line), cols, n);
	if (len < 0)
		return len;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fp = fopen(path, "we");
	if (!t->fp) {
		rc = -errno;
		free(t);
		return rc;
	}
	t->ncols = n;
	t->next = o->tables;
	o->tables = t;
	*out = t;
	return logbuf_push(o->lb, t, line, (size_t)len);
}

int csvout_row(struct csvout *o, struct csv_table *t, const char *types, ...)
{
	char vals[CSVOUT_COLS_MAX][48], line[CSVOUT_ROW_MAX];
	const char *fields[CSVOUT_COLS_MAX];
	size_t n = strlen(types), i;
	va_list ap;
	int len;

	if (n != t->ncols || strspn(types, "silfg") != n)
		return -EINVAL;
	va_start(ap, types);
	for (i = 0; i < n; i++) {
		double d;

		fields[i] = vals[i];
		switch (types[i]) {
		case 's':
			fields[i] = va_arg(ap, const char *);
			break;
		case 'i':
			snprintf(vals[i], sizeof(vals[i]), "%d", va_arg(ap, int));
			break;
		case 'l':
			snprintf(vals[i], sizeof(vals[i]), "%lld", va_arg(ap, long long));
			break;
		case 'f':
		case 'g':
			d = va_arg(ap, double);
			if (isnan(d))
				vals[i][0] = '\0';
			else
				snprintf(vals[i], sizeof(vals[i]), types[i] == 'f' ? "%.4f" : "%.6g", d);
			break;
		}
	}
	va_end(ap);
	len = csv_line_format(line, sizeof(line), fields, n);
	if (len < 0)
		return len;
	return logbuf_push(o->lb, t, line, (size_t)len);
}

int csvout_destroy(struct csvout *o)
{
	struct csv_table *t, *next;
	int rc;

	if (!o)
		return 0;
	rc = logbuf_flush(o->lb);
	logbuf_destroy(o->lb);
	for (t = o->tables; t; t = next) {
		next = t->next;
		if (!rc && t->error)
			rc = t->error;
		if (fclose(t->fp) && !rc)
			rc = -EIO;
		free(t);
	}
	free(o);
	return rc;
}
