/* Unit test of the lab's CSV writer: rows written through csvout (logbuf writer thread) read
 * back field for field through libcsv's parser, quoting included. */
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiments/csvout.h"

struct readback {
	char field[16][64];
	int nfield, row, rows_ok;
	const char *const *want[4];
};

static void on_field(void *s, size_t len, void *data)
{
	struct readback *r = data;

	if (r->nfield < 16 && len < 64) {
		memcpy(r->field[r->nfield], s, len);
		r->field[r->nfield][len] = '\0';
	}
	r->nfield++;
}

static void on_row(int c, void *data)
{
	struct readback *r = data;
	int i, ok = r->row < 4 && r->nfield == 4;

	(void)c;
	for (i = 0; ok && i < 4; i++)
		ok = strcmp(r->field[i], r->want[r->row][i]) == 0;
	CHECK(ok, "row %d reads back field for field", r->row);
	r->rows_ok += ok;
	r->row++;
	r->nfield = 0;
}

int main(void)
{
	static const char *const cols[] = { "name", "n", "x", "note" };
	static const char *const r1[] = { "plain", "1", "0.5000", "" };
	static const char *const r2[] = { "with, comma", "-2", "1e+10", "say \"hi\"" };
	static const char *const r3[] = { " edge ", "3", "", "two\nlines" };
	char path[] = "/tmp/test_csvout.XXXXXX", buf[4096], line[64];
	struct readback rb = { .want = { cols, r1, r2, r3 } };
	struct csv_parser p;
	struct csvout *o;
	struct csv_table *t;
	const char *f2[] = { "a", "b" };
	size_t n;
	FILE *f;
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	CHECK(csvout_create(&o, 256) == 0, "csvout starts its writer");
	CHECK(csvout_table_open(o, &t, path, cols, 4) == 0, "a table opens");
	CHECK(csvout_row(o, t, "sifs", "plain", 1, 0.5, "") == 0, "a plain row");
	CHECK(csvout_row(o, t, "slgs", "with, comma", -2LL, 1e10, "say \"hi\"") == 0, "a row needing quotes");
	CHECK(csvout_row(o, t, "sifs", " edge ", 3, NAN, "two\nlines") == 0, "edge spaces, NaN and a newline");
	CHECK(csvout_row(o, t, "si", "short", 1) == -EINVAL, "a row of the wrong width is refused");
	CHECK(csvout_row(o, t, "sizs", "x", 1, 2, "y") == -EINVAL, "an unknown field type is refused");
	CHECK(csvout_destroy(o) == 0, "everything is written");
	CHECK(csv_line_format(line, 4, f2, 2) == -ENOSPC, "a line too long for its buffer: -ENOSPC");

	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	CHECK(strncmp(buf, "name,n,x,note\nplain,1,0.5000,\n", 30) == 0, "unquoted where no quoting is needed");
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
	CHECK(csv_parse(&p, buf, n, on_field, on_row, &rb) == n, "libcsv parses the file strictly");
	csv_fini(&p, on_field, on_row, &rb);
	csv_free(&p);
	CHECK(rb.row == 4 && rb.rows_ok == 4, "header and 3 rows round-trip");
	unlink(path);
	return check_exit();
}
