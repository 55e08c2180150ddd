/* lab --join (labjoin.h): the parts of one run into one run folder. Reads and writes files only. */
#include "labjoin.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvin.h"
#include "csvout.h"
#include "labunit.h"
#include "rundir.h"
#include "lib/file.h"

#define META_MAX 16384
#define DEF_MAX 65536

struct part {
	const char *dir;
	int i;            /* I of part=I/N */
	int off;          /* run ids of the parts before it */
	int runs;         /* its last run id */
	char meta[META_MAX];
};

struct join {
	const char *out;
	struct part *p;   /* in part order */
	int n;
	char *err;
	size_t errlen;
};

static int failf(struct join *j, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(struct join *j, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->err, j->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* What the run was and where it ran: every part that has the key must have the same value. */
static const char *const same_keys[] = {
	"host", "kernel", "cpu_model", "cpu_count", "autogroup", "git_revision", "scheduler", "hz", "preempt",
	"base_slice_ns", "cgroup_cpu", "monitor", "profile", "sample_ms", "cpu", "rootfs", "fault_injection",
	"shortwin_tick_ms", "shortwin_lag_ms", "slice_sweep", "wakeup_delay_source", "machine", "vm_accel",
};
/* Each part's own: kept from part 1 (date, seed, calibration) and listed per part below, or
 * dropped (the part itself; the noise and resummarized lines, which --summarize writes again). */
static const char *const own_keys[] = { "part", "part_units", "unit", "noise", "resummarized" };
/* Derived from the raw tables: --summarize writes them again. */
static const char *const derived[] = { "summary.csv", "claims.csv", "theory.csv", "wakeup_cdf.csv", "shortwin.csv",
				       "window.csv" };
struct table {
	const char *name;
	const char *shift[2]; /* the columns that hold a run id */
};
static const struct table tables[] = {
	{ "runs.csv", { "run", "order" } },
	{ "samples.csv", { "run", NULL } },
	{ "wakeup.csv", { "run", NULL } },
	{ "shortwin_samples.csv", { "run", NULL } },
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(s, list[k]))
			return true;
	return false;
}
#define IN(s, list) in_list(s, list, sizeof(list) / sizeof(list[0]))

/* Whether a part's top-level file is one the join writes itself (a table, meta, the definition,
 * lab.log) or leaves to --summarize (derived), rather than copies. */
static bool written_by_join(const char *name)
{
	static const char *const own[] = { "meta", "definition.conf", "lab.log" };

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		if (!strcmp(name, tables[t].name))
			return true;
	return IN(name, own) || IN(name, derived);
}

/* Whether two tables have the same columns in the same order. */
static bool same_header(const struct csvin *a, const struct csvin *b)
{
	if (a->ncols != b->ncols)
		return false;
	for (size_t c = 0; c < a->ncols; c++)
		if (strcmp(a->head[c], b->head[c]))
			return false;
	return true;
}

static int parts_read(struct join *j, const char *const *dirs)
{
	char path[PATH_MAX], part[32];
	int k, pi, pn;

	for (k = 0; k < j->n; k++) {
		struct part tmp = { dirs[k], 0, 0, 0, "" };

		snprintf(path, sizeof(path), "%s/meta", dirs[k]);
		if (file_read_text(path, tmp.meta, sizeof(tmp.meta)) < 0)
			return failf(j, -ENOENT, "%s: no meta there (expected a lab run folder)", dirs[k]);
		rundir_meta_get(tmp.meta, "part", part, sizeof(part));
		if (!part[0] || !lab_part_parse(part, &pi, &pn))
			return failf(j, -EINVAL, "%s: its meta has no part=I/N (not a run of lab --part)", dirs[k]);
		if (pn != j->n)
			return failf(j, -EINVAL, "%s: part %d of %d, but %d folders were given", dirs[k], pi, pn, j->n);
		if (j->p[pi - 1].dir)
			return failf(j, -EINVAL, "part %d/%d given twice: %s and %s", pi, pn, j->p[pi - 1].dir, dirs[k]);
		tmp.i = pi;
		j->p[pi - 1] = tmp;
	}
	return 0;
}

/* Same definition.conf bytes and the same same_keys in every part. */
static int parts_agree(struct join *j)
{
	char path[PATH_MAX], a[128], b[128];
	char *first = malloc(DEF_MAX), *other = malloc(DEF_MAX);
	int rc = first && other ? 0 : -ENOMEM;

	for (int k = 0; !rc && k < j->n; k++) {
		snprintf(path, sizeof(path), "%s/definition.conf", j->p[k].dir);
		if (file_read_text(path, k ? other : first, DEF_MAX) < 0) {
			rc = failf(j, -ENOENT, "%s: no definition.conf", j->p[k].dir);
			break;
		}
		if (k && strcmp(first, other)) {
			rc = failf(j, -EINVAL, "%s and %s: different definitions", j->p[0].dir, j->p[k].dir);
			break;
		}
		for (size_t q = 0; k && q < sizeof(same_keys) / sizeof(same_keys[0]); q++) {
			rundir_meta_get(j->p[0].meta, same_keys[q], a, sizeof(a));
			rundir_meta_get(j->p[k].meta, same_keys[q], b, sizeof(b));
			if (a[0] && b[0] && strcmp(a, b)) {
				rc = failf(j, -EINVAL, "%s and %s: different %s (%s, %s): parts of one run share it",
					   j->p[0].dir, j->p[k].dir, same_keys[q], a, b);
				break;
			}
		}
	}
	free(first);
	free(other);
	return rc;
}

/* Each part's last run id, from its runs.csv; then the offsets. */
static int parts_count(struct join *j)
{
	char path[PATH_MAX];
	struct csvin t;

	for (int k = 0; k < j->n; k++) {
		snprintf(path, sizeof(path), "%s/runs.csv", j->p[k].dir);
		int rc = csvin_load(path, &t), col = rc ? -1 : csvin_col(&t, "run");

		if (rc || col < 0) {
			if (!rc)
				csvin_free(&t);
			return failf(j, rc ? rc : -EPROTO, "%s: %s", path, rc ? strerror(-rc) : "no column \"run\"");
		}
		for (size_t r = 0; r < t.nrows; r++) {
			double v = csvin_num(&t, r, col);

			if (v > j->p[k].runs)
				j->p[k].runs = (int)v;
		}
		csvin_free(&t);
		j->p[k].off = k ? j->p[k - 1].off + j->p[k - 1].runs : 0;
	}
	return 0;
}

/* One raw table: every part's rows in part order, its run-id columns moved by the part's offset. */
static int table_join(struct join *j, const struct table *tb)
{
	char path[PATH_MAX], line[CSVOUT_ROW_MAX], ids[2][16];
	const char *fields[CSVOUT_COLS_MAX];
	struct csvin head = { 0 }, t;
	FILE *f = NULL;
	int rc = 0;

	for (int k = 0; !rc && k < j->n; k++) {
		int col[2] = { -1, -1 };

		snprintf(path, sizeof(path), "%s/%s", j->p[k].dir, tb->name);
		rc = csvin_load(path, &t);
		if (rc == -ENOENT) { /* a part without that experiment */
			rc = 0;
			continue;
		}
		if (rc) {
			failf(j, rc, "%s: %s", path, rc == -EPROTO ? "not a CSV table of equal rows" : strerror(-rc));
			break;
		}
		if (t.ncols > CSVOUT_COLS_MAX) {
			rc = failf(j, -EPROTO, "%s: %zu columns", path, t.ncols);
		} else if (!f) {
			head = t;
			snprintf(path, sizeof(path), "%s/%s", j->out, tb->name);
			f = fopen(path, "we");
			if (!f || csv_line_format(line, sizeof(line), (const char *const *)t.head, t.ncols) < 0 ||
			    fputs(line, f) < 0)
				rc = failf(j, f ? -EIO : -errno, "writing %s: %s", path, strerror(f ? EIO : errno));
		} else if (!same_header(&t, &head)) {
			rc = failf(j, -EPROTO, "%s: its columns differ from the first part's", path);
		}
		for (int s = 0; s < 2; s++)
			col[s] = tb->shift[s] ? csvin_col(&t, tb->shift[s]) : -1;
		if (!rc && col[0] < 0)
			rc = failf(j, -EPROTO, "%s: no column \"%s\"", path, tb->shift[0]);
		for (size_t r = 0; !rc && r < t.nrows; r++) {
			for (size_t c = 0; c < t.ncols; c++)
				fields[c] = csvin_get(&t, r, (int)c);
			for (int s = 0; s < 2; s++)
				if (col[s] >= 0) {
					snprintf(ids[s], sizeof(ids[s]), "%d", atoi(fields[col[s]]) + j->p[k].off);
					fields[col[s]] = ids[s];
				}
			if (csv_line_format(line, sizeof(line), fields, t.ncols) < 0 || fputs(line, f) < 0)
				rc = failf(j, -EIO, "writing %s/%s", j->out, tb->name);
		}
		if (head.head != t.head)
			csvin_free(&t);
	}
	if (f && fclose(f) && !rc)
		rc = failf(j, -EIO, "writing %s/%s: %s", j->out, tb->name, strerror(errno));
	csvin_free(&head);
	return rc;
}

/* A per-run file name PREFIX<run>SUFFIX (sleeper-12.out) or labP-<run>-S.log under the run id
 * moved by off into to; false when name is not one. */
static bool run_file_rename(const char *name, int off, char *to, size_t len)
{
	static const char *const kinds[] = { "sleeper", "wakeup" };
	char back[256];
	int run, pid, slot;

	if (sscanf(name, "lab%d-%d-%d.log", &pid, &run, &slot) == 3) {
		snprintf(back, sizeof(back), "lab%d-%d-%d.log", pid, run, slot);
		if (!strcmp(back, name))
			return snprintf(to, len, "lab%d-%d-%d.log", pid, run + off, slot) < (int)len;
	}
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t kl = strlen(kinds[k]);

		if (!strncmp(name, kinds[k], kl) && sscanf(name + kl, "-%d.out", &run) == 1) {
			snprintf(back, sizeof(back), "%s-%d.out", kinds[k], run);
			if (!strcmp(back, name))
				return snprintf(to, len, "%s-%d.out", kinds[k], run + off) < (int)len;
		}
	}
	return false;
}

static int copy_into(struct join *j, const char *from, const char *to)
{
	int rc = file_copy(from, to);

	return rc ? failf(j, rc, "copying %s to %s: %s", from, to, strerror(-rc)) : 0;
}

/* The files of one folder of part k (its top or engine-logs/): the per-run ones renamed, the
 * rest but what the join writes itself copied as part-I-NAME, so that nothing is lost. */
static int files_join(struct join *j, int k, const char *sub)
{
	char from[PATH_MAX], to[PATH_MAX], name[256];
	struct dirent *e;
	int rc = 0;

	snprintf(from, sizeof(from), "%s%s%s", j->p[k].dir, sub ? "/" : "", sub ? sub : "");
	DIR *d = opendir(from);

	if (!d)
		return failf(j, -errno, "%s: %s", from, strerror(errno));
	snprintf(to, sizeof(to), "%s/%s", j->out, sub ? sub : "");
	if (sub && mkdir(to, 0755) && errno != EEXIST) {
		rc = failf(j, -errno, "creating %s: %s", to, strerror(errno));
		closedir(d);
		return rc;
	}
	while (!rc && (e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s%s%s", j->p[k].dir, sub ? sub : "", sub ? "/" : "", e->d_name);
		if (lstat(from, &st)) {
			rc = failf(j, -errno, "%s: %s", from, strerror(errno));
			break;
		}
		if (!sub && S_ISDIR(st.st_mode) && !strcmp(e->d_name, "engine-logs")) {
			rc = files_join(j, k, "engine-logs");
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			rc = failf(j, -EINVAL, "%s: not a file lab --join knows what to do with", from);
			break;
		}
		if (!sub && written_by_join(e->d_name))
			continue;
		if (!run_file_rename(e->d_name, j->p[k].off, name, sizeof(name)))
			snprintf(name, sizeof(name), "part-%d-%.200s", j->p[k].i, e->d_name);
		snprintf(to, sizeof(to), "%s/%s%s%s", j->out, sub ? sub : "", sub ? "/" : "", name);
		rc = copy_into(j, from, to);
	}
	closedir(d);
	return rc;
}

/* lab.log: each part's, under a line naming it. */
static int log_join(struct join *j)
{
	char path[PATH_MAX], buf[8192];
	FILE *out, *in;
	size_t got;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/lab.log", j->out);
	for (int k = 0; k < j->n; k++) {
		snprintf(buf, sizeof(buf), "%s/lab.log", j->p[k].dir);
		if (access(buf, F_OK))
			continue;
		if (!(in = fopen(buf, "re")))
			return failf(j, -errno, "%s: %s", buf, strerror(errno));
		if (!(out = fopen(path, "ae"))) {
			fclose(in);
			return failf(j, -errno, "%s: %s", path, strerror(errno));
		}
		fprintf(out, "# lab --join: part %d/%d from %s (its run ids here from %d)\n", k + 1, j->n, j->p[k].dir,
			j->p[k].off + 1);
		while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, got, out) != got)
				rc = -EIO;
		fclose(in);
		if (fclose(out) || rc)
			return failf(j, -EIO, "writing %s", path);
	}
	return 0;
}

/* Appends to buf of cap bytes at *used; *used passes cap when it did not fit. */
static void appendf(char *buf, size_t cap, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	*used += n < 0 ? cap : (size_t)n;
}

/* Part 1's meta lines but its own part lines, then each key only a later part has (an
 * experiment part 1 did not run), unit=all, and one line per part with what was its own. */
static int meta_join(struct join *j)
{
	char path[PATH_MAX], key[64], v[3][256], units[4096];
	const size_t cap = META_MAX * 2;
	char *text = calloc(1, cap);
	size_t used = 0;
	int rc;

	if (!text)
		return -ENOMEM;

	for (int k = 0; k < j->n; k++) {
		const char *line = j->p[k].meta;

		while (*line) {
			const char *nl = strchr(line, '\n'), *eq = strchr(line, '=');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);

			if (eq && eq < line + len && (size_t)(eq - line) < sizeof(key)) {
				snprintf(key, sizeof(key), "%.*s", (int)(eq - line), line);
				rundir_meta_get(text, key, v[0], sizeof(v[0]));
				if (!IN(key, own_keys) && (k == 0 || !v[0][0]))
					appendf(text, cap, &used, "%.*s\n", (int)len, line);
			}
			line += len + (nl ? 1 : 0);
		}
	}
	appendf(text, cap, &used, "unit=all\njoined=%d parts (lab --join)\n", j->n);
	for (int k = 0; k < j->n; k++) {
		rundir_meta_get(j->p[k].meta, "date", v[0], sizeof(v[0]));
		rundir_meta_get(j->p[k].meta, "seed", v[1], sizeof(v[1]));
		rundir_meta_get(j->p[k].meta, "cpu_hog_iterations_per_cpu_ms", v[2], sizeof(v[2]));
		rundir_meta_get(j->p[k].meta, "part_units", units, sizeof(units));
		appendf(text, cap, &used, "join_part_%d=%s: runs %d..%d, date %s, seed %s, cpu_hog_iterations_per_cpu_ms %s, "
					 "units %s\n", k + 1, j->p[k].dir, j->p[k].off + 1, j->p[k].off + j->p[k].runs,
					 v[0], v[1], v[2], units);
	}
	snprintf(path, sizeof(path), "%s/meta", j->out);
	if (used >= cap)
		rc = failf(j, -ENOSPC, "%s: too long", path);
	else {
		FILE *f = fopen(path, "wxe");

		rc = f && fputs(text, f) >= 0 ? 0 : -errno;
		if (f && fclose(f) && !rc)
			rc = -errno;
		if (rc)
			rc = failf(j, rc, "writing %s: %s", path, strerror(-rc));
	}
	free(text);
	return rc;
}

int lab_join(const char *out, const char *const *dirs, int n, char *err, size_t errlen)
{
	struct part *p = n >= 1 && n <= LAB_PARTS_MAX ? calloc((size_t)n, sizeof(*p)) : NULL;
	struct join j = { out, p, n, err, errlen };
	char from[PATH_MAX], to[PATH_MAX];
	struct stat st;
	int rc;

	if (!p)
		return n < 1 || n > LAB_PARTS_MAX ? failf(&j, -EINVAL, "--join: %d part folders (1..%d)", n, LAB_PARTS_MAX)
						  : -ENOMEM;
	rc = parts_read(&j, dirs);
	if (!rc)
		rc = parts_agree(&j);
	if (!rc)
		rc = parts_count(&j);
	if (!rc && !lstat(out, &st))
		rc = failf(&j, -EEXIST, "%s exists already: give a new folder", out);
	if (!rc && mkdir(out, 0755))
		rc = failf(&j, -errno, "creating %s: %s", out, strerror(errno));
	else if (!rc) {
		for (size_t t = 0; !rc && t < sizeof(tables) / sizeof(tables[0]); t++)
			rc = table_join(&j, &tables[t]);
		for (int k = 0; !rc && k < n; k++)
			rc = files_join(&j, k, NULL);
		if (!rc)
			rc = log_join(&j);
		if (!rc)
			rc = meta_join(&j);
		snprintf(from, sizeof(from), "%s/definition.conf", p[0].dir);
		snprintf(to, sizeof(to), "%s/definition.conf", out);
		if (!rc)
			rc = copy_into(&j, from, to);
		if (rc)
			path_remove_tree(out);
	}
	free(p);
	return rc;
}
