/* sweepmerge: the first step of a sweep's merge (ci/sweep.sh, experiments/README.md "Sweeps").
 * Reads the sweep folder's plan (units.csv), what each task said of itself (tasks/N.exit) or
 * what the scheduler said of a task that wrote nothing (tasks/N.sched), and the units' run
 * folders <host>/<unit>/; writes one folder per host, per-host/<host>/ (the units' summary.csv
 * and claims.csv rows by column name, the first unit's meta and definition), which labmerge then
 * merges across hosts; tasks.csv: every unit's task, host, state, exit code and log tail, so
 * that a failed or cancelled unit is named, never missing; shares_by_host.csv: every share claim
 * with each host's mean side by side (the report's table and chart). Single-threaded; reads only files. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/file.h"
#include "csvin.h"
#include "csvout.h"
#include "rundir.h"

#define UNITS_MAX 512
#define HOSTS_MAX 32 /* labmerge's RUNS_MAX */
#define TAIL_LINES 5

struct task {
	int id;
	char unit[96], host[128], state[32], exit_code[32], dir[PATH_MAX], tail[1024];
	int host_idx; /* -1: no run folder to merge */
};

struct host {
	char name[128], units[4096];
	FILE *summary, *claims;
	struct csvin head_summary, head_claims; /* the first unit's tables: the column order */
	int n;
};

struct sweep {
	const char *dir;
	struct task tasks[UNITS_MAX];
	int n;
	struct host hosts[HOSTS_MAX];
	int nhosts;
	char *definition, revision[64], profile[32], first[PATH_MAX]; /* what every unit must share */
	int force;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sweepmerge [--force] SWEEP_DIR\n"
		"Collects the units of a sweep folder (units.csv, tasks/N.exit or tasks/N.sched, <host>/<unit>/)\n"
		"into SWEEP_DIR/per-host/<host>/ (summary.csv, claims.csv, meta, definition.conf) and\n"
		"SWEEP_DIR/tasks.csv (each unit's task, host, state, exit code, log tail) and\n"
		"SWEEP_DIR/shares_by_host.csv (every share claim, each host's mean side by side); prints the host\n"
		"folders, one a line, for labmerge. Exit 1 when a unit did not complete (the others are\n"
		"still collected), 2 on bad input. Units of different definitions, profiles or revisions\n"
		"are refused unless --force.\n");
}

/* The last TAIL_LINES lines of tasks/ID.log, joined by " | ", into t->tail ("" when none). */
static void log_tail(const struct sweep *s, struct task *t)
{
	char name[64], *text, *p, *start;
	size_t used = 0;
	int lines = 0;

	snprintf(name, sizeof(name), "tasks/%d.log", t->id);
	t->tail[0] = '\0';
	text = file_slurp_at(s->dir, name);
	if (!text)
		return;
	p = text + strlen(text);
	while (p > text && p[-1] == '\n')
		*--p = '\0';
	for (start = p; start > text && lines < TAIL_LINES; start--)
		if (start[-1] == '\n' && ++lines == TAIL_LINES)
			break;
	for (p = start; *p && used + 4 < sizeof(t->tail); p++) {
		if (*p == '\n') {
			used += (size_t)snprintf(t->tail + used, sizeof(t->tail) - used, " | ");
			continue;
		}
		if (*p == '\r' || *p == '\033')
			continue;
		t->tail[used++] = *p;
		t->tail[used] = '\0';
	}
	free(text);
}

/* units.csv into s->tasks; nonzero after one line on stderr. */
static int plan_load(struct sweep *s)
{
	char path[PATH_MAX + 16];
	struct csvin in;
	int ct, cu, rc;

	snprintf(path, sizeof(path), "%s/units.csv", s->dir);
	rc = csvin_load(path, &in);
	if (rc) {
		fprintf(stderr, "sweepmerge: %s: %s (not a sweep folder?)\n", path,
			rc == -EPROTO ? "not a CSV table of equal rows" : strerror(-rc));
		return -1;
	}
	ct = csvin_col(&in, "task");
	cu = csvin_col(&in, "unit");
	if (ct < 0 || cu < 0 || !in.nrows || in.nrows > UNITS_MAX) {
		fprintf(stderr, "sweepmerge: %s: %s\n", path,
			ct < 0 || cu < 0 ? "no task and unit columns" : in.nrows ? "more than 512 units" : "no unit");
		csvin_free(&in);
		return -1;
	}
	for (size_t r = 0; r < in.nrows; r++) {
		struct task *t = &s->tasks[s->n++];

		t->id = (int)csvin_num(&in, r, ct);
		t->host_idx = -1;
		snprintf(t->unit, sizeof(t->unit), "%s", csvin_get(&in, r, cu));
	}
	csvin_free(&in);
	return 0;
}

/* The task's state from tasks/ID.exit (its own word), else tasks/ID.sched (the scheduler's). */
static void task_state(const struct sweep *s, struct task *t)
{
	char name[64], rc[32] = "", *kv;

	snprintf(name, sizeof(name), "tasks/%d.exit", t->id);
	kv = file_slurp_at(s->dir, name);
	if (kv) {
		rundir_meta_get(kv, "host", t->host, sizeof(t->host));
		rundir_meta_get(kv, "rc", rc, sizeof(rc));
		rundir_meta_get(kv, "state", t->state, sizeof(t->state));
		rundir_meta_get(kv, "dir", t->dir, sizeof(t->dir));
		snprintf(t->exit_code, sizeof(t->exit_code), "%s", rc[0] ? rc : "unknown");
		if (!t->state[0])
			snprintf(t->state, sizeof(t->state), "%s", !strcmp(rc, "0") ? "completed" : "failed");
	} else {
		snprintf(name, sizeof(name), "tasks/%d.sched", t->id);
		kv = file_slurp_at(s->dir, name);
		if (kv) {
			rundir_meta_get(kv, "host", t->host, sizeof(t->host));
			rundir_meta_get(kv, "state", t->state, sizeof(t->state));
			rundir_meta_get(kv, "exit_code", t->exit_code, sizeof(t->exit_code));
		}
		if (!t->state[0])
			snprintf(t->state, sizeof(t->state), "missing");
	}
	free(kv);
	if (!t->host[0])
		snprintf(t->host, sizeof(t->host), "unknown");
	if (!t->exit_code[0])
		snprintf(t->exit_code, sizeof(t->exit_code), "unknown");
	log_tail(s, t);
}

static int put_line(FILE *f, const char *const *fields, size_t n)
{
	char line[CSVOUT_ROW_MAX * 2];
	int len = csv_line_format(line, sizeof(line), fields, n);

	return len < 0 || fwrite(line, 1, (size_t)len, f) != (size_t)len ? -1 : 0;
}

/* Whether two tables have the same columns, in any order. */
static int same_header(const struct csvin *a, const struct csvin *b)
{
	if (a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (csvin_col(b, a->head[i]) < 0)
			return 0;
	return 1;
}

/* Every row of t under head's columns, taken by name. */
static int rows_put(FILE *f, const struct csvin *t, const struct csvin *head)
{
	const char *fields[64];

	if (head->ncols > 64)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < head->ncols; c++)
			fields[c] = csvin_get(t, r, csvin_col(t, head->head[c]));
		if (put_line(f, fields, head->ncols))
			return -1;
	}
	return 0;
}

/* The host folder of name, made (with the unit's meta and definition) at its first unit. */
static struct host *host_get(struct sweep *s, const char *name, const char *unit_dir, const char *meta)
{
	char path[PATH_MAX + 256];
	struct host *h;
	FILE *f;
	int i;

	for (i = 0; i < s->nhosts; i++)
		if (!strcmp(s->hosts[i].name, name))
			return &s->hosts[i];
	if (s->nhosts == HOSTS_MAX) {
		fprintf(stderr, "sweepmerge: more than %d hosts: labmerge merges at most that many\n", HOSTS_MAX);
		return NULL;
	}
	h = &s->hosts[s->nhosts++];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(path, sizeof(path), "%s/per-host/%s", s->dir, name);
	if (path_mkdir_p(path, 0755)) {
		fprintf(stderr, "sweepmerge: cannot create %s: %s\n", path, strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/per-host/%s/definition.conf", s->dir, name);
	{
		char from[PATH_MAX + 32];

		snprintf(from, sizeof(from), "%s/definition.conf", unit_dir);
		int rc = file_copy(from, path);

		if (rc) {
			fprintf(stderr, "sweepmerge: copying %s: %s\n", from, strerror(-rc));
			return NULL;
		}
	}
	/* The meta as the first unit wrote it, but for its unit= line (the host's units go last). */
	snprintf(path, sizeof(path), "%s/per-host/%s/meta", s->dir, name);
	f = fopen(path, "we");
	if (!f)
		return NULL;
	for (const char *p = meta, *nl; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (strncmp(p, "unit=", 5))
			fprintf(f, "%.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
	}
	if (fclose(f))
		return NULL;
	snprintf(path, sizeof(path), "%s/per-host/%s/summary.csv", s->dir, name);
	h->summary = fopen(path, "we");
	snprintf(path, sizeof(path), "%s/per-host/%s/claims.csv", s->dir, name);
	h->claims = fopen(path, "we");
	if (!h->summary || !h->claims) {
		fprintf(stderr, "sweepmerge: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	return h;
}

/* One unit's run folder into its host's tables. 0; 1 when the folder is unusable (the task is
 * then reported without data); -1 to stop (a mismatch or a write error, after one line). */
static int unit_collect(struct sweep *s, struct task *t)
{
	char dir[PATH_MAX * 2], path[PATH_MAX * 2 + 32], unit[96] = "", rev[64] = "", prof[32] = "";
	struct csvin sum, cl;
	char *meta, *def;
	struct host *h;
	int rc = -1;

	snprintf(dir, sizeof(dir), "%s/%s", s->dir, t->dir);
	meta = file_slurp_at(dir, "meta");
	def = file_slurp_at(dir, "definition.conf");
	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	if (!meta || !def || csvin_load(path, &sum)) {
		fprintf(stderr, "sweepmerge: task %d (%s): %s is not a complete lab run folder\n", t->id, t->unit, dir);
		free(meta);
		free(def);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/claims.csv", dir);
	if (csvin_load(path, &cl)) {
		fprintf(stderr, "sweepmerge: task %d (%s): %s has no claims.csv\n", t->id, t->unit, dir);
		csvin_free(&sum);
		free(meta);
		free(def);
		return 1;
	}
	rundir_meta_get(meta, "unit", unit, sizeof(unit));
	rundir_meta_get(meta, "git_revision", rev, sizeof(rev));
	rundir_meta_get(meta, "profile", prof, sizeof(prof));
	if (strcmp(unit, t->unit)) {
		fprintf(stderr, "sweepmerge: task %d: %s holds unit '%s', the plan says '%s'\n", t->id, dir, unit, t->unit);
		goto out;
	}
	if (!s->definition) {
		s->definition = def;
		def = NULL;
		snprintf(s->revision, sizeof(s->revision), "%s", rev);
		snprintf(s->profile, sizeof(s->profile), "%s", prof);
		snprintf(s->first, sizeof(s->first), "%s", dir);
	} else {
		const char *what = strcmp(s->definition, def) ? "definitions (definition.conf differs)" :
				   strcmp(s->profile, prof) ? "profiles" : strcmp(s->revision, rev) ? "revisions" : NULL;

		if (what) {
			fprintf(stderr, "sweepmerge: %s and %s ran different %s%s\n", s->first, dir, what,
				s->force ? " (merged anyway: --force)" : "; --force merges them anyway");
			if (!s->force)
				goto out;
		}
	}
	h = host_get(s, t->host, dir, meta);
	if (!h)
		goto out;
	if (!h->n) {
		h->head_summary = sum;
		h->head_claims = cl;
		memset(&sum, 0, sizeof(sum));
		memset(&cl, 0, sizeof(cl));
		if (put_line(h->summary, (const char *const *)h->head_summary.head, h->head_summary.ncols) ||
		    put_line(h->claims, (const char *const *)h->head_claims.head, h->head_claims.ncols) ||
		    rows_put(h->summary, &h->head_summary, &h->head_summary) ||
		    rows_put(h->claims, &h->head_claims, &h->head_claims))
			goto werr;
	} else {
		if (!same_header(&h->head_summary, &sum) || !same_header(&h->head_claims, &cl)) {
			fprintf(stderr, "sweepmerge: %s and %s have different CSV columns (different versions of the lab)\n",
				s->first, dir);
			goto out;
		}
		if (rows_put(h->summary, &sum, &h->head_summary) || rows_put(h->claims, &cl, &h->head_claims))
			goto werr;
	}
	{
		size_t used = strlen(h->units);

		snprintf(h->units + used, sizeof(h->units) - used, "%s%s", used ? " " : "", t->unit);
	}
	h->n++;
	t->host_idx = (int)(h - s->hosts);
	rc = 0;
	goto out;
werr:
	fprintf(stderr, "sweepmerge: writing %s/per-host/%s: %s\n", s->dir, t->host, strerror(errno ? errno : EIO));
out:
	csvin_free(&sum);
	csvin_free(&cl);
	free(meta);
	free(def);
	return rc;
}

/* shares_by_host.csv: every share claim of any host, in the order the units ran, with each host's
 * mean and CI side by side, empty where that host ran no unit of it (labmerge's shares.csv holds
 * the first run's claims only: right for runs of a whole definition, not for units spread over
 * hosts). Read back from the per-host claims.csv once they are closed. */
static int shares_put(const struct sweep *s)
{
	struct csvin cl[HOSTS_MAX];
	char path[PATH_MAX + 256], hd[HOSTS_MAX][2][160];
	const char *fields[2 + 2 * HOSTS_MAX];
	int rc = 0, i, k;
	FILE *f;

	memset(cl, 0, sizeof(cl));
	for (i = 0; i < s->nhosts; i++) {
		snprintf(path, sizeof(path), "%s/per-host/%s/claims.csv", s->dir, s->hosts[i].name);
		if (csvin_load(path, &cl[i]) || csvin_col(&cl[i], "id") < 0 || csvin_col(&cl[i], "quantity") < 0 ||
		    csvin_col(&cl[i], "theory") < 0 || csvin_col(&cl[i], "measured") < 0 || csvin_col(&cl[i], "ci95") < 0)
			rc = -1;
	}
	snprintf(path, sizeof(path), "%s/shares_by_host.csv", s->dir);
	f = rc ? NULL : fopen(path, "we");
	if (!f)
		goto out;
	fields[0] = "id";
	fields[1] = "theory";
	for (i = 0; i < s->nhosts; i++) {
		snprintf(hd[i][0], sizeof(hd[i][0]), "%s", s->hosts[i].name);
		snprintf(hd[i][1], sizeof(hd[i][1]), "%s_ci95", s->hosts[i].name);
		fields[2 + 2 * i] = hd[i][0];
		fields[3 + 2 * i] = hd[i][1];
	}
	rc |= put_line(f, fields, 2 + 2 * (size_t)s->nhosts);
	for (i = 0; i < s->nhosts; i++)
		for (size_t r = 0; r < cl[i].nrows; r++) {
			const char *id = csvin_get(&cl[i], r, csvin_col(&cl[i], "id"));
			bool seen = false;

			if (strcmp(csvin_get(&cl[i], r, csvin_col(&cl[i], "quantity")), "share"))
				continue;
			for (k = 0; k < i && !seen; k++)
				for (size_t j = 0; j < cl[k].nrows && !seen; j++)
					seen = !strcmp(csvin_get(&cl[k], j, csvin_col(&cl[k], "id")), id);
			if (seen)
				continue; /* listed at the first host that has it */
			fields[0] = id;
			fields[1] = csvin_get(&cl[i], r, csvin_col(&cl[i], "theory"));
			for (k = 0; k < s->nhosts; k++) {
				size_t j;

				for (j = 0; j < cl[k].nrows && strcmp(csvin_get(&cl[k], j, csvin_col(&cl[k], "id")), id); j++)
					;
				fields[2 + 2 * k] = j < cl[k].nrows ? csvin_get(&cl[k], j, csvin_col(&cl[k], "measured")) : "";
				fields[3 + 2 * k] = j < cl[k].nrows ? csvin_get(&cl[k], j, csvin_col(&cl[k], "ci95")) : "";
			}
			rc |= put_line(f, fields, 2 + 2 * (size_t)s->nhosts);
		}
	if (fclose(f))
		rc = -1;
out:
	for (i = 0; i < s->nhosts; i++)
		csvin_free(&cl[i]);
	return f && !rc ? 0 : -1;
}

/* tasks.csv: one row per unit of the plan. */
static int tasks_put(const struct sweep *s)
{
	static const char *const cols[] = { "task", "unit", "host", "state", "exit_code", "merged", "dir", "log_tail" };
	char path[PATH_MAX + 16], id[16];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/tasks.csv", s->dir);
	f = fopen(path, "we");
	if (!f)
		return -1;
	rc = put_line(f, cols, 8);
	for (int i = 0; i < s->n; i++) {
		const struct task *t = &s->tasks[i];
		const char *row[8] = { id, t->unit, t->host, t->state, t->exit_code, t->host_idx >= 0 ? "yes" : "no",
				       t->dir, t->tail };

		snprintf(id, sizeof(id), "%d", t->id);
		rc |= put_line(f, row, 8);
	}
	return fclose(f) || rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	static struct sweep s;
	int c, rc = 2, done = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c != 'f') {
			usage(stderr);
			return 2;
		}
		s.force = 1;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "sweepmerge: give one SWEEP_DIR (see --help)\n");
		return 2;
	}
	s.dir = argv[optind];
	if (plan_load(&s))
		return 2;
	for (int i = 0; i < s.n; i++) {
		struct task *t = &s.tasks[i];

		task_state(&s, t);
		/* A unit whose lab failed some runs still has a folder: its data merge, its state stays. */
		if (t->dir[0]) {
			int u = unit_collect(&s, t);

			if (u < 0)
				goto out;
			if (u > 0 && !strcmp(t->state, "completed"))
				snprintf(t->state, sizeof(t->state), "no-results");
		}
		done += t->host_idx >= 0 && !strcmp(t->state, "completed");
	}
	if (tasks_put(&s)) {
		fprintf(stderr, "sweepmerge: writing %s/tasks.csv failed\n", s.dir);
		goto out;
	}
	rc = done == s.n ? 0 : 1;
	for (int i = 0; i < s.nhosts; i++)
		printf("%s/per-host/%s\n", s.dir, s.hosts[i].name);
	fprintf(stderr, "sweepmerge: %d of %d units collected on %d host%s into %s/per-host\n", done, s.n, s.nhosts,
		s.nhosts == 1 ? "" : "s", s.dir);
out:
	for (int i = 0; i < s.nhosts; i++) {
		struct host *h = &s.hosts[i];
		char path[PATH_MAX + 256];
		FILE *f;

		if ((h->summary && fclose(h->summary)) || (h->claims && fclose(h->claims))) {
			fprintf(stderr, "sweepmerge: writing %s/per-host/%s failed\n", s.dir, h->name);
			rc = 2;
		}
		snprintf(path, sizeof(path), "%s/per-host/%s/meta", s.dir, h->name);
		f = fopen(path, "ae");
		if (!f || fprintf(f, "units=%s\n", h->units) < 0 || fclose(f)) {
			fprintf(stderr, "sweepmerge: writing %s failed\n", path);
			rc = 2;
		}
		csvin_free(&h->head_summary);
		csvin_free(&h->head_claims);
	}
	if (rc < 2 && s.nhosts && shares_put(&s)) {
		fprintf(stderr, "sweepmerge: writing %s/shares_by_host.csv failed\n", s.dir);
		rc = 2;
	}
	free(s.definition);
	return rc;
}
