/* labmerge: merges lab run folders of one definition (from several kernels or hosts) into one
 * folder: summary.csv and claims.csv with every row tagged by its run, host, kernel, scheduler
 * and machine, plus the cross-run claims: each share claim of a run against the same claim of
 * every other run on the same machine kind, which must agree within the two claims' tolerances
 * added in quadrature (the weight table is the same on every kernel, so a difference is a
 * finding), and shares.csv, each share claim with every run's mean side by side. sources.csv, what each run ran on;
 * wakeup_cdf.csv and shortwin.csv, where runs have them, tagged the same way. Reads only the folders (meta, definition.conf, summary.csv, claims.csv). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/file.h"
#include "csvin.h"
#include "csvout.h"
#include "rundir.h"

#define TAGS 7 /* run, host, kernel, scheduler, machine, cpu_model, revision */
#define RUNS_MAX 32

/* The meta keys sources.csv carries for each run, beside its tags. */
static const char *const source_keys[] = { "date", "cpu_model", "cpu_count", "hz", "preempt", "base_slice_ns",
					   "base_slice_source", "git_revision", "profile", "noise", "slice_sweep",
					   "shortwin_tick_ms", "shortwin_lag_ms", "shortwin_lag_source", "joined" };
#define SOURCE_KEYS (sizeof(source_keys) / sizeof(source_keys[0]))

struct run {
	const char *dir;
	char tag[TAGS][128];
	char source[SOURCE_KEYS][320];
	char revision[64], profile[32];
	char *definition;
	struct csvin summary, claims;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: labmerge [--force] OUT_DIR RUN_DIR...\n"
		"Merges lab run folders of one definition into OUT_DIR: summary.csv and claims.csv with\n"
		"each row tagged run (the folder's name), host, kernel, scheduler and machine (meta), and\n"
		"the cross-run claims (experiment \"across\"): each share claim of a run against the same\n"
		"claim of every other run on the same machine, within their tolerances in quadrature\n"
		"(no verdict where the two held different theories, e.g. autogroup on one only).\n"
		"Runs of different definitions, profiles or revisions are refused unless --force.\n");
}

static const char *const tag_names[TAGS] = { "run", "host", "kernel", "scheduler", "machine", "cpu_model",
						     "revision" };

static int run_load(struct run *r, const char *dir)
{
	char *meta = file_slurp_at(dir, "meta"), *base = strrchr(dir, '/');
	char path[4096];
	int rc;

	memset(r, 0, sizeof(*r));
	r->dir = dir;
	if (!meta) {
		fprintf(stderr, "labmerge: %s: no meta (not a lab run folder)\n", dir);
		return -1;
	}
	snprintf(r->tag[0], sizeof(r->tag[0]), "%s", base && base[1] ? base + 1 : dir);
	rundir_meta_get(meta, "host", r->tag[1], sizeof(r->tag[1]));
	rundir_meta_get(meta, "kernel", r->tag[2], sizeof(r->tag[2]));
	if (!strncmp(r->tag[2], "Linux ", 6))
		memmove(r->tag[2], r->tag[2] + 6, strlen(r->tag[2] + 6) + 1);
	rundir_meta_get(meta, "scheduler", r->tag[3], sizeof(r->tag[3]));
	rundir_meta_get(meta, "machine", r->tag[4], sizeof(r->tag[4]));
	if (!r->tag[4][0])
		snprintf(r->tag[4], sizeof(r->tag[4]), "host");
	rundir_meta_get(meta, "cpu_model", r->tag[5], sizeof(r->tag[5]));
	rundir_meta_get(meta, "git_revision", r->tag[6], sizeof(r->tag[6]));
	for (size_t k = 0; k < SOURCE_KEYS; k++)
		rundir_meta_get(meta, source_keys[k], r->source[k], sizeof(r->source[k]));
	rundir_meta_get(meta, "git_revision", r->revision, sizeof(r->revision));
	rundir_meta_get(meta, "profile", r->profile, sizeof(r->profile));
	free(meta);
	for (int i = 1; i < TAGS; i++)
		if (!r->tag[i][0])
			snprintf(r->tag[i], sizeof(r->tag[i]), "unknown");
	r->definition = file_slurp_at(dir, "definition.conf");
	if (!r->definition) {
		fprintf(stderr, "labmerge: %s: no definition.conf\n", dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	rc = csvin_load(path, &r->summary);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/claims.csv", dir);
		rc = csvin_load(path, &r->claims);
	}
	if (rc) {
		fprintf(stderr, "labmerge: %s: %s\n", path, rc == -EPROTO ? "not a CSV table of equal rows" : strerror(-rc));
		return -1;
	}
	return 0;
}

static void run_free(struct run *r)
{
	free(r->definition);
	csvin_free(&r->summary);
	csvin_free(&r->claims);
}

/* Whether two tables have the same columns, in any order (rows are written by name). */
static int same_header(const struct csvin *a, const struct csvin *b)
{
	if (a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (csvin_col(b, a->head[i]) < 0)
			return 0;
	return 1;
}

/* One line naming what differs between runs a and b, or 0 when they are of one experiment. */
static int differ(const struct run *a, const struct run *b, char *why, size_t len)
{
	if (strcmp(a->definition, b->definition))
		snprintf(why, len, "%s and %s ran different definitions (definition.conf differs)", a->dir, b->dir);
	else if (strcmp(a->profile, b->profile))
		snprintf(why, len, "%s and %s ran different profiles (%s, %s)", a->dir, b->dir,
			 a->profile[0] ? a->profile : "default", b->profile[0] ? b->profile : "default");
	else if (strcmp(a->revision, b->revision))
		snprintf(why, len, "%s and %s ran different revisions (%s, %s)", a->dir, b->dir, a->revision, b->revision);
	else
		return 0;
	return 1;
}

static int put_line(FILE *f, const char *const *fields, size_t n)
{
	char line[CSVOUT_ROW_MAX * 2];
	int len = csv_line_format(line, sizeof(line), fields, n);

	return len < 0 || fwrite(line, 1, (size_t)len, f) != (size_t)len ? -1 : 0;
}

/* OUT/name: the tag columns then table's, one row per row of every run. */
static FILE *table_open(const char *out, const char *name, const struct csvin *t)
{
	char path[4096];
	const char *fields[TAGS + 64];
	FILE *f;

	if (t->ncols > 64)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", out, name);
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "labmerge: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	memcpy(fields, tag_names, sizeof(tag_names));
	memcpy(fields + TAGS, t->head, t->ncols * sizeof(*fields));
	put_line(f, fields, TAGS + t->ncols);
	return f;
}

/* Every row of t under the columns of head (the first run's table), taken by name. */
static int rows_put(FILE *f, const struct run *r, const struct csvin *t, const struct csvin *head)
{
	const char *fields[TAGS + 64];

	for (int i = 0; i < TAGS; i++)
		fields[i] = r->tag[i];
	for (size_t row = 0; row < t->nrows; row++) {
		for (size_t c = 0; c < head->ncols; c++)
			fields[TAGS + c] = csvin_get(t, row, csvin_col(t, head->head[c]));
		if (put_line(f, fields, TAGS + t->ncols))
			return -1;
	}
	return 0;
}

/* The share claims of run b against those of run a (same machine): one "across" row each. */
static int across_put(FILE *f, const struct csvin *head, const struct run *a, const struct run *b, size_t *nfalse)
{
	const struct csvin *ca = &a->claims, *cb = &b->claims;
	int idb = csvin_col(cb, "id"), mb = csvin_col(cb, "measured"), cib = csvin_col(cb, "ci95"),
	    nb = csvin_col(cb, "n"), tolb = csvin_col(cb, "tolerance"), thb = csvin_col(cb, "theory");
	int id = csvin_col(ca, "id"), q = csvin_col(ca, "quantity"), m = csvin_col(ca, "measured"),
	    ci = csvin_col(ca, "ci95"), n = csvin_col(ca, "n"), tol = csvin_col(ca, "tolerance"),
	    v = csvin_col(ca, "verdict"), ex = csvin_col(ca, "experiment"), cs = csvin_col(ca, "case"),
	    ct = csvin_col(ca, "container"), th = csvin_col(ca, "theory");
	char tags[TAGS][300], sid[300], num[6][32], sentence[600];
	const char *fields[TAGS + 64];

	if (id < 0 || q < 0 || m < 0 || ci < 0 || n < 0 || tol < 0 || v < 0 || ex < 0 || cs < 0 || ct < 0 ||
	    idb < 0 || mb < 0 || cib < 0 || nb < 0 || tolb < 0 || th < 0 || thb < 0 || head->ncols > 64)
		return -1;
	for (int i = 0; i < TAGS; i++) {
		if (i == 4 || !strcmp(a->tag[i], b->tag[i]))
			snprintf(tags[i], sizeof(tags[i]), "%s", a->tag[i]);
		else
			snprintf(tags[i], sizeof(tags[i]), "%s~%s", a->tag[i], b->tag[i]);
		fields[i] = tags[i];
	}
	for (size_t i = 0; i < ca->nrows; i++) {
		double ma = csvin_num(ca, i, m), ta = csvin_num(ca, i, tol), d, t, e, th_a, th_b;
		const char *verdict, *finding = "";
		size_t j;
		int ok, same_theory;

		if (strcmp(csvin_get(ca, i, q), "share") || isnan(ma))
			continue;
		for (j = 0; j < cb->nrows && strcmp(csvin_get(cb, j, idb), csvin_get(ca, i, id)); j++)
			;
		if (j == cb->nrows || isnan(csvin_num(cb, j, mb)))
			continue;
		d = csvin_num(cb, j, mb) - ma;
		t = hypot(ta, csvin_num(cb, j, tolb));
		e = hypot(csvin_num(ca, i, ci), csvin_num(cb, j, cib));
		ok = fabs(d) <= t;
		/* Shares compare across kernels where both held the same theory; where they did not (a
		 * kernel without autogroup holds the sessions case at its nice), a difference says
		 * nothing of the schedulers. */
		th_a = csvin_num(ca, i, th);
		th_b = csvin_num(cb, j, thb);
		same_theory = fabs(th_a - th_b) <= 1e-4 * fmax(1, fabs(th_a));
		verdict = !same_theory ? "no-data" : ok ? "true" : "false";
		*nfalse += same_theory && !ok;
		snprintf(sid, sizeof(sid), "across/%s/%s", tags[0], csvin_get(ca, i, id));
		snprintf(num[0], sizeof(num[0]), "%.6g", d);
		snprintf(num[1], sizeof(num[1]), "%.6g", e);
		snprintf(num[2], sizeof(num[2]), "%lld", (long long)(csvin_num(ca, i, n) + csvin_num(cb, j, nb)));
		snprintf(num[3], sizeof(num[3]), "%.6g", t);
		if (same_theory)
			snprintf(sentence, sizeof(sentence),
				 "%s %s: %s share %.3f%% on %s (%s) and %.3f%% on %s (%s): %s by %+.3f pp %s +-%.3f pp",
				 csvin_get(ca, i, ex), csvin_get(ca, i, cs), csvin_get(ca, i, ct), ma, a->tag[0], a->tag[3],
				 csvin_num(cb, j, mb), b->tag[0], b->tag[3], ok ? "agree" : "differ", d,
				 ok ? "within" : "beyond", t);
		else {
			snprintf(sentence, sizeof(sentence),
				 "%s %s: %s share %.3f%% on %s (%s; theory %.3f%%) and %.3f%% on %s (%s; theory %.3f%%): no "
				 "verdict; the two kernels held different theories (each against its own: see their claims)",
				 csvin_get(ca, i, ex), csvin_get(ca, i, cs), csvin_get(ca, i, ct), ma, a->tag[0], a->tag[3],
				 th_a, csvin_num(cb, j, mb), b->tag[0], b->tag[3], th_b);
			finding = "no verdict: different theories on the two kernels (autogroup or the definition)";
		}
		{
			static const char *const names[] = { "id", "experiment", "case", "container", "quantity",
							     "measured", "ci95", "n", "theory", "reference", "tolerance",
							     "tolerance_kind", "verdict", "sentence", "finding" };
			const char *val[] = { sid, "across", csvin_get(ca, i, cs), csvin_get(ca, i, ct), "share_diff",
					      num[0], num[1], num[2], "0", "0", num[3],
					      "the two runs' tolerances in quadrature", verdict, sentence, finding };
			size_t k, c;

			for (c = 0; c < head->ncols; c++) {
				for (k = 0; k < sizeof(names) / sizeof(names[0]) && strcmp(names[k], head->head[c]); k++)
					;
				fields[TAGS + c] = k < sizeof(names) / sizeof(names[0]) ? val[k] : "";
			}
			if (put_line(f, fields, TAGS + head->ncols))
				return -1;
		}
	}
	return 0;
}

/* OUT/sources.csv: one row per run: its tags, folder and the meta facts of source_keys. */
static int sources_put(const char *out, const struct run *runs, int nruns)
{
	const char *fields[TAGS + 1 + SOURCE_KEYS];
	char path[4096];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/sources.csv", out);
	f = fopen(path, "we");
	if (!f)
		return -1;
	memcpy(fields, tag_names, sizeof(tag_names));
	fields[TAGS] = "dir";
	memcpy(fields + TAGS + 1, source_keys, sizeof(source_keys));
	rc |= put_line(f, fields, TAGS + 1 + SOURCE_KEYS);
	for (int r = 0; r < nruns; r++) {
		for (int i = 0; i < TAGS; i++)
			fields[i] = runs[r].tag[i];
		fields[TAGS] = runs[r].dir;
		for (size_t k = 0; k < SOURCE_KEYS; k++)
			fields[TAGS + 1 + k] = runs[r].source[k];
		rc |= put_line(f, fields, TAGS + 1 + SOURCE_KEYS);
	}
	return fclose(f) || rc ? -1 : 0;
}

/* OUT/shares.csv: every share claim of the first run, one row, with each run's mean and CI
 * side by side (the chart's and the report's table). */
static int shares_put(const char *out, const struct run *runs, int nruns)
{
	const struct csvin *c0 = &runs[0].claims;
	int id = csvin_col(c0, "id"), q = csvin_col(c0, "quantity"), th = csvin_col(c0, "theory");
	char path[4096], hd[RUNS_MAX][2][160], num[RUNS_MAX][2][32];
	const char *fields[2 + 2 * RUNS_MAX];
	FILE *f;
	int rc = 0;

	if (id < 0 || q < 0 || th < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/shares.csv", out);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fields[0] = "id";
	fields[1] = "theory";
	for (int r = 0; r < nruns; r++) {
		snprintf(hd[r][0], sizeof(hd[r][0]), "%s", runs[r].tag[0]);
		snprintf(hd[r][1], sizeof(hd[r][1]), "%s_ci95", runs[r].tag[0]);
		fields[2 + 2 * r] = hd[r][0];
		fields[3 + 2 * r] = hd[r][1];
	}
	rc |= put_line(f, fields, 2 + 2 * (size_t)nruns);
	for (size_t i = 0; i < c0->nrows; i++) {
		if (strcmp(csvin_get(c0, i, q), "share"))
			continue;
		fields[0] = csvin_get(c0, i, id);
		fields[1] = csvin_get(c0, i, th);
		for (int r = 0; r < nruns; r++) {
			const struct csvin *c = &runs[r].claims;
			int rid = csvin_col(c, "id"), m = csvin_col(c, "measured"), ci = csvin_col(c, "ci95");
			size_t j;

			for (j = 0; j < c->nrows && strcmp(csvin_get(c, j, rid), fields[0]); j++)
				;
			snprintf(num[r][0], sizeof(num[r][0]), "%s", j < c->nrows ? csvin_get(c, j, m) : "");
			snprintf(num[r][1], sizeof(num[r][1]), "%s", j < c->nrows ? csvin_get(c, j, ci) : "");
			fields[2 + 2 * r] = num[r][0];
			fields[3 + 2 * r] = num[r][1];
		}
		rc |= put_line(f, fields, 2 + 2 * (size_t)nruns);
	}
	return fclose(f) || rc ? -1 : 0;
}

/* The case tables a run may have beside summary.csv (the wake-up CDF, the short-window errors):
 * each merged into OUT under its name with the tag columns, its columns by name from the first
 * run that has it; a run without it adds no rows. */
static const char *const extra_tables[] = { "wakeup_cdf.csv", "shortwin.csv" };

static int extras_put(const char *out, const struct run *runs, int nruns)
{
	for (size_t e = 0; e < sizeof(extra_tables) / sizeof(extra_tables[0]); e++) {
		struct csvin t[RUNS_MAX];
		bool have[RUNS_MAX] = { false };
		int first = -1, rc = 0;
		FILE *f = NULL;

		for (int r = 0; r < nruns; r++) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", runs[r].dir, extra_tables[e]);
			have[r] = csvin_load(path, &t[r]) == 0;
			if (have[r] && first < 0)
				first = r;
		}
		if (first >= 0) {
			f = table_open(out, extra_tables[e], &t[first]);
			rc = f ? 0 : -1;
		}
		for (int r = 0; !rc && r < nruns; r++)
			if (have[r]) {
				if (!same_header(&t[first], &t[r])) {
					fprintf(stderr, "labmerge: %s/%s and %s/%s have different columns\n", runs[first].dir,
						extra_tables[e], runs[r].dir, extra_tables[e]);
					rc = -1;
				} else {
					rc = rows_put(f, &runs[r], &t[r], &t[first]);
				}
			}
		if (f && fclose(f))
			rc = -1;
		for (int r = 0; r < nruns; r++)
			if (have[r])
				csvin_free(&t[r]);
		if (rc)
			return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct run runs[RUNS_MAX];
	int c, force = 0, nruns = 0, rc = 1;
	size_t nfalse = 0, nacross = 0;
	FILE *fs = NULL, *fc = NULL;
	char why[8400];
	const char *out;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c != 'f') {
			usage(stderr);
			return 2;
		}
		force = 1;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "labmerge: give OUT_DIR and at least one RUN_DIR (see --help)\n");
		return 2;
	}
	if (argc - optind - 1 > RUNS_MAX) {
		fprintf(stderr, "labmerge: %d run folders: at most %d\n", argc - optind - 1, RUNS_MAX);
		return 2;
	}
	out = argv[optind];
	for (int i = optind + 1; i < argc; i++, nruns++)
		if (run_load(&runs[nruns], argv[i])) {
			run_free(&runs[nruns]);
			goto done;
		}
	for (int i = 1; i < nruns; i++) {
		if (!same_header(&runs[0].summary, &runs[i].summary) || !same_header(&runs[0].claims, &runs[i].claims)) {
			fprintf(stderr, "labmerge: %s and %s have different CSV columns (different versions of the lab)\n",
				runs[0].dir, runs[i].dir);
			goto done;
		}
		if (differ(&runs[0], &runs[i], why, sizeof(why))) {
			fprintf(stderr, "labmerge: %s%s\n", why, force ? " (merged anyway: --force)" : "; --force merges them anyway");
			if (!force)
				goto done;
		}
	}
	if (mkdir(out, 0755) && errno != EEXIST) {
		fprintf(stderr, "labmerge: %s: %s\n", out, strerror(errno));
		goto done;
	}
	fs = table_open(out, "summary.csv", &runs[0].summary);
	fc = table_open(out, "claims.csv", &runs[0].claims);
	if (!fs || !fc)
		goto done;
	for (int i = 0; i < nruns; i++)
		if (rows_put(fs, &runs[i], &runs[i].summary, &runs[0].summary) ||
		    rows_put(fc, &runs[i], &runs[i].claims, &runs[0].claims))
			goto done;
	for (int i = 0; i < nruns; i++)
		for (int j = i + 1; j < nruns; j++) {
			if (strcmp(runs[i].tag[4], runs[j].tag[4]))
				continue; /* another machine: each is held against theory only */
			if (across_put(fc, &runs[0].claims, &runs[i], &runs[j], &nfalse)) {
				fprintf(stderr, "labmerge: %s/claims.csv: not the claims columns this labmerge knows\n", runs[i].dir);
				goto done;
			}
			nacross++;
		}
	if (shares_put(out, runs, nruns) || sources_put(out, runs, nruns) || extras_put(out, runs, nruns)) {
		fprintf(stderr, "labmerge: writing %s/shares.csv, sources.csv, wakeup_cdf.csv or shortwin.csv failed\n", out);
		goto done;
	}
	rc = 0;
	printf("labmerge: %d runs into %s; %zu pairs of runs on the same machine compared, %zu cross-run claims false\n",
	       nruns, out, nacross, nfalse);
done:
	if (fs && fclose(fs) && !rc) {
		fprintf(stderr, "labmerge: writing %s/summary.csv failed\n", out);
		rc = 1;
	}
	if (fc && fclose(fc) && !rc) {
		fprintf(stderr, "labmerge: writing %s/claims.csv failed\n", out);
		rc = 1;
	}
	for (int i = 0; i < nruns; i++)
		run_free(&runs[i]);
	return rc;
}
