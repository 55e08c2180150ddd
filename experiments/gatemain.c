/* regress-gate: the scheduler gate's verdict (ci/REGRESS.md) on one lab run of experiments/
 * regress.conf and its re-runs: every required case present with its full n, every share claim
 * true, every share within the noise-derived tolerance of the baseline; a pass on a re-run is
 * flaky. Prints the table and one line per case, writes JUnit and the history rows, asks for a
 * re-run (exit 3 with a definition of the cases to re-run), or records a complete run as the
 * baseline. ci/regress-sched drives it; decisions live in gate.c. One thread. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csvout.h"
#include "gate.h"
#include "lib/file.h"

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_RETRY = 3 };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: regress-gate --definition FILE (--baseline FILE | --update-baseline DEST --provenance FILE)\n"
		"                    [--noise FILE] [--retries-left N --retry-def FILE] [--junit FILE]\n"
		"                    [--history FILE] [--tap] RUN_DIR [RERUN_DIR...]\n"
		"Holds a lab run folder of the definition (and the folders of its re-runs, in order) against\n"
		"theory (claims.csv) and the baseline. Exit 0: every case passed (some maybe flaky); 1: a\n"
		"case failed; 2: bad arguments or unreadable input; 3: re-run wanted (see --retry-def).\n"
		"  --definition FILE      the cases the gate requires, each with its full repetitions\n"
		"  --baseline FILE        the committed baseline (a summary.csv's share rows)\n"
		"  --noise FILE           noise for the baseline tolerance (default: the run's meta noise=)\n"
		"  --retries-left N       re-runs still allowed; with cases off theory or baseline and none\n"
		"                         broken, write --retry-def and exit 3 instead of failing\n"
		"  --retry-def FILE       where the re-run's definition goes (the definition plus retry.*)\n"
		"  --junit FILE           the verdicts as JUnit XML (flaky cases with <flakyFailure>)\n"
		"  --history FILE         append one row per claim of the first attempt (CSV, header once)\n"
		"  --tap                  one ok / not ok line per case\n"
		"  --last-table           print only the last folder's table (the driver printed the others)\n"
		"  --update-baseline DEST record RUN_DIR as the baseline (DEST and DEST's .meta) if complete:\n"
		"                         lab exit 0, every case at full n, every claim true, no injected\n"
		"                         fault; --provenance FILE is copied into the .meta first\n");
}

struct opts {
	const char *def, *baseline, *noise, *retry_def, *junit, *history, *update, *provenance;
	int retries_left;
	bool tap, last_table;
};

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;

	fputs("regress-gate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int args_parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "definition", required_argument, NULL, 'd' }, { "baseline", required_argument, NULL, 'b' },
		{ "noise", required_argument, NULL, 'n' },      { "retries-left", required_argument, NULL, 'r' },
		{ "retry-def", required_argument, NULL, 'R' },  { "junit", required_argument, NULL, 'j' },
		{ "history", required_argument, NULL, 'H' },    { "tap", no_argument, NULL, 't' },
		{ "update-baseline", required_argument, NULL, 'u' },
		{ "provenance", required_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ "last-table", no_argument, NULL, 'L' },
		{ 0 }
	};
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->def = optarg; break;
		case 'b': o->baseline = optarg; break;
		case 'n': o->noise = optarg; break;
		case 'r':
			errno = 0;
			o->retries_left = (int)strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || o->retries_left < 0 || o->retries_left >= GATE_ATTEMPTS_MAX)
				return die("--retries-left '%s': expected 0..%d", optarg, GATE_ATTEMPTS_MAX - 1);
			break;
		case 'R': o->retry_def = optarg; break;
		case 'j': o->junit = optarg; break;
		case 'H': o->history = optarg; break;
		case 't': o->tap = true; break;
		case 'L': o->last_table = true; break;
		case 'u': o->update = optarg; break;
		case 'p': o->provenance = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			return die("%s '%s' (see --help)", optopt && optopt != '?' ? "missing value for" : "unknown option",
				   argv[optind - 1]);
		}
	}
	if (!o->def)
		return die("--definition FILE is required (the cases to gate on)");
	if (optind == argc)
		return die("no RUN_DIR given (a lab run folder of the definition)");
	if (o->update && (o->baseline || optind != argc - 1 || o->retries_left || !o->provenance))
		return die("--update-baseline takes one RUN_DIR, --provenance FILE, and no --baseline or --retries-left");
	if (!o->update && o->provenance)
		return die("--provenance goes with --update-baseline");
	if (!o->update && !o->baseline)
		return die("--baseline FILE is required (or --update-baseline DEST)");
	if (o->retries_left && !o->retry_def)
		return die("--retries-left needs --retry-def FILE");
	if (argc - optind > GATE_ATTEMPTS_MAX)
		return die("%d run folders: at most %d (the run and %d re-runs)", argc - optind, GATE_ATTEMPTS_MAX,
			   GATE_ATTEMPTS_MAX - 1);
	return -1;
}

static void fmt_num(char *out, size_t len, double v, const char *f)
{
	if (isnan(v))
		snprintf(out, len, "-");
	else
		snprintf(out, len, f, v);
}

/* One attempt's table: a row per container of every case it ran. */
static void table_print(const struct gate_case *cs, int n, int at, const struct gate_run *run, bool with_base)
{
	int i, s;

	printf("\n%s %s%s\n", at == 0 ? "run" : "re-run (shares pooled with the attempts before)", run->dir,
	       strcmp(run->fault, "none") ? " (FAULT INJECTED: " : "");
	if (strcmp(run->fault, "none"))
		printf("  fault injected for a test: %s)\n", run->fault);
	printf("  %-20s %-10s %8s %9s %16s %2s %7s %9s %9s  %s\n", "case", "container", "theory", "reference",
	       "measured", "n", "off/tol", "baseline", "off/tol", "verdict");
	for (i = 0; i < n; i++) {
		const struct gate_case *c = &cs[i];
		const struct gate_attempt *a;

		if (c->n_at <= at)
			continue;
		a = &c->at[at];
		for (s = 0; s < c->n_ct; s++) {
			const struct gate_ct *g = &a->ct[s];
			char th[16], ref[16], m[32], zt[16], b[16], zb[16];

			fmt_num(th, sizeof(th), g->theory, "%.3f");
			fmt_num(ref, sizeof(ref), g->reference, "%.3f");
			if (isnan(g->measured))
				snprintf(m, sizeof(m), "-");
			else
				snprintf(m, sizeof(m), "%.3f±%.3f", g->measured, isnan(g->ci95) ? 0 : g->ci95);
			fmt_num(zt, sizeof(zt), (g->measured - g->reference) / g->tolerance, "%+.2f");
			fmt_num(b, sizeof(b), g->have_base ? g->base_mean : NAN, "%.3f");
			fmt_num(zb, sizeof(zb), (g->measured - g->base_mean) / g->base_tol, "%+.2f");
			printf("  %-20s %-10s %8s %9s %16s %2zu %7s %9s %9s  %s%s\n", s ? "" : c->id, g->label, th, ref, m,
			       g->n, zt, with_base ? b : "", with_base ? zb : "",
			       !g->have_claim || g->verdict == CLAIM_NO_DATA ? "no data" :
			       g->ok_theory && (!with_base || g->ok_base) ? "ok" :
			       !g->ok_theory && with_base && !g->ok_base ? "OFF theory+baseline" :
			       !g->ok_theory ? "OFF theory" : "OFF baseline",
			       s == c->n_ct - 1 && a->state == GATE_STATE_BROKEN ? "  [broken]" : "");
		}
	}
}

static void xml_put(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

static int junit_write(const char *path, const struct gate_case *cs, int n)
{
	int i, k, fails = 0, flaky = 0;
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (i = 0; i < n; i++) {
		enum gate_outcome o = gate_case_outcome(&cs[i]);

		fails += o == GATE_FAIL;
		flaky += o == GATE_FLAKY;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuite name=\"regress-sched\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\">\n"
		   "  <properties><property name=\"flaky\" value=\"%d\"/></properties>\n", n, fails, flaky);
	for (i = 0; i < n; i++) {
		const struct gate_case *c = &cs[i];
		enum gate_outcome o = gate_case_outcome(c);

		fprintf(f, "  <testcase classname=\"regress-sched\" name=\"");
		xml_put(f, c->id);
		fprintf(f, "\">\n");
		/* Surefire's rerun format: a flaky case keeps each failed attempt as flakyFailure. */
		for (k = 0; k < c->n_at; k++) {
			if (c->at[k].state == GATE_STATE_OK)
				continue;
			if (o == GATE_FAIL && k < c->n_at - 1)
				continue;
			fprintf(f, "    <%s message=\"", o == GATE_FAIL ? "failure" : "flakyFailure");
			xml_put(f, c->at[k].why);
			fprintf(f, "\" type=\"attempt %d of %d\"/>\n", k + 1, c->n_at);
		}
		if (o == GATE_FLAKY)
			fprintf(f, "    <system-out>flaky: passed on attempt %d</system-out>\n", c->n_at);
		fprintf(f, "  </testcase>\n");
	}
	fprintf(f, "</testsuite>\n");
	return fclose(f) ? -errno : 0;
}

/* One row per container of every case: the first attempt's claim and the case's outcome, all
 * under seq, this gate run's number (one more than the history's last). */
static int history_append(const char *path, const struct gate_case *cs, int n, const struct gate_run *run)
{
	bool fresh = access(path, F_OK) != 0;
	char line[CSVOUT_ROW_MAX], seq[16];
	struct csvin old;
	double last = 0;
	int i, s;
	FILE *f;

	if (!fresh) {
		int rc = csvin_load(path, &old), c = rc ? -1 : csvin_col(&old, "seq");

		if (!rc && c >= 0 && old.nrows)
			last = csvin_num(&old, old.nrows - 1, c);
		if (!rc)
			csvin_free(&old);
		if (rc || c < 0 || isnan(last))
			return -EPROTO;
	}
	snprintf(seq, sizeof(seq), "%d", (int)last + 1);
	f = fopen(path, "ae");
	if (!f)
		return -errno;
	if (fresh)
		fprintf(f, "seq,date,revision,run,case,container,n,measured,theory,ratio,reference,tolerance,verdict,gate\n");
	for (i = 0; i < n; i++) {
		const struct gate_case *c = &cs[i];

		for (s = 0; s < c->n_ct; s++) {
			const struct gate_ct *g = &c->at[0].ct[s];
			char f_n[16], f_m[32], f_t[32], f_r[32], f_ref[32], f_tol[32];
			const char *dir = strrchr(run->dir, '/');
			const char *fields[14] = { seq, run->date, run->revision, dir ? dir + 1 : run->dir, c->id, g->label, f_n,
						   f_m, f_t, f_r, f_ref, f_tol,
						   g->have_claim ? claim_verdict_name(g->verdict) : "no-data",
						   gate_outcome_name(gate_case_outcome(c)) };

			snprintf(f_n, sizeof(f_n), "%zu", g->n);
			fmt_num(f_m, sizeof(f_m), g->measured, "%.6g");
			fmt_num(f_t, sizeof(f_t), g->theory, "%.6g");
			fmt_num(f_r, sizeof(f_r), g->measured / g->theory, "%.6g");
			fmt_num(f_ref, sizeof(f_ref), g->reference, "%.6g");
			fmt_num(f_tol, sizeof(f_tol), g->tolerance, "%.6g");
			for (int k = 6; k < 12; k++)
				if (!strcmp(fields[k], "-"))
					fields[k] = "";
			if (csv_line_format(line, sizeof(line), fields, 14) > 0)
				fputs(line, f);
		}
	}
	return fclose(f) ? -errno : 0;
}

/* The definition with retry.* keys that re-run only the retryable cases (lab --profile retry). */
static int retry_def_write(const char *path, const char *def, const struct gate_case *cs, int n)
{
	static const char *const secs[] = { "pairs", "mix", "weights", "autogroup", "demo", "wakeup" };
	char text[65536], list[512];
	FILE *f;
	int i, k;

	if (file_read_text(def, text, sizeof(text)) < 0)
		return -EIO;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n# regress-gate: re-run of the cases off theory or baseline only\n", text);
	for (k = 0; k < 6; k++) {
		bool any = false;

		list[0] = '\0';
		for (i = 0; i < n; i++) {
			const struct gate_case *c = &cs[i];
			const char *v = NULL;
			char w[32];

			if (strcmp(c->exp, secs[k]) || !gate_case_retryable(c))
				continue;
			any = true;
			if (!strcmp(c->exp, "pairs") && !strncmp(c->name, "0-vs-", 5))
				v = c->name + 5;
			else if (!strcmp(c->exp, "autogroup") && strstr(c->name, "0-vs-"))
				v = strstr(c->name, "0-vs-") + 5;
			else if (!strcmp(c->exp, "weights") && strstr(c->name, "-vs-")) {
				snprintf(w, sizeof(w), "%.*s:%s", (int)(strstr(c->name, "-vs-") - c->name), c->name,
					 strstr(c->name, "-vs-") + 4);
				v = w;
			}
			if (v && strlen(list) + strlen(v) + 2 < sizeof(list))
				snprintf(list + strlen(list), sizeof(list) - strlen(list), " %s", v);
		}
		fprintf(f, "[%s]\n", secs[k]);
		if (!any)
			fprintf(f, "retry.enabled = 0\n");
		else if (list[0])
			fprintf(f, "retry.%s =%s\n", k == 2 ? "weights" : "nice", list);
	}
	return fclose(f) ? -errno : 0;
}

/* The share rows of the run's summary.csv into dest, and dest's .meta: provenance (counted by the
 * caller before anything was written), the run's meta and the definition. */
static int baseline_write(const char *dest, const char *run_dir, const char *provenance, const char *def)
{
	char path[1200], tmp[1200], metap[1200], buf[65536], line[CSVOUT_ROW_MAX];
	struct csvin in;
	const char *cells[CSVOUT_COLS_MAX];
	int rc, cm;
	size_t r, c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/summary.csv", run_dir);
	rc = csvin_load(path, &in);
	if (rc)
		return rc;
	cm = csvin_col(&in, "metric");
	if (cm < 0 || in.ncols > CSVOUT_COLS_MAX) {
		csvin_free(&in);
		return -EPROTO;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", dest);
	f = fopen(tmp, "we");
	if (!f) {
		rc = -errno;
		csvin_free(&in);
		return rc;
	}
	for (c = 0; c < in.ncols; c++)
		cells[c] = in.head[c];
	if (csv_line_format(line, sizeof(line), cells, in.ncols) > 0)
		fputs(line, f);
	for (r = 0; r < in.nrows; r++) {
		if (strcmp(csvin_get(&in, r, cm), "share"))
			continue;
		for (c = 0; c < in.ncols; c++)
			cells[c] = csvin_get(&in, r, (int)c);
		if (csv_line_format(line, sizeof(line), cells, in.ncols) > 0)
			fputs(line, f);
	}
	csvin_free(&in);
	if (fclose(f))
		return -errno;
	snprintf(metap, sizeof(metap), "%.*s.meta", (int)(strlen(dest) > 4 && !strcmp(dest + strlen(dest) - 4, ".csv") ?
							 strlen(dest) - 4 : strlen(dest)), dest);
	snprintf(path, sizeof(path), "%s.new", metap);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "# Provenance of %s: written by `make baseline` (ci/regress-sched --update-baseline,\n"
		   "# regress-gate) from the lab run below. The first block was counted before anything was written.\n",
		strrchr(dest, '/') ? strrchr(dest, '/') + 1 : dest);
	if (file_read_text(provenance, buf, sizeof(buf)) >= 0)
		fputs(buf, f);
	fprintf(f, "source_run=%s\n\n# the run's meta:\n", run_dir);
	snprintf(tmp, sizeof(tmp), "%s/meta", run_dir);
	if (file_read_text(tmp, buf, sizeof(buf)) >= 0)
		fputs(buf, f);
	fprintf(f, "\n# definition (%s):\n", def);
	if (file_read_text(def, buf, sizeof(buf)) >= 0)
		for (char *p = buf, *nl; *p; p = nl ? nl + 1 : p + strlen(p)) {
			nl = strchr(p, '\n');
			fprintf(f, "# | %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		}
	if (fclose(f))
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.new", dest);
	if (rename(tmp, dest) || rename(path, metap))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct gate_case *cs = NULL;
	struct gate_run runs[GATE_ATTEMPTS_MAX];
	struct gate_base base = { 0 };
	struct noise_table nt = { 0 };
	char err[1400] = "";
	int n = 0, n_runs, i, k, rc, pass = 0, flaky = 0, fail = 0;
	bool broken = false, retry = false;

	rc = args_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	n_runs = argc - optind;
	if (gate_cases_load(o.def, &cs, &n, err, sizeof(err)))
		return die("%s", err);
	for (k = 0; k < n_runs; k++)
		if (gate_run_load(argv[optind + k], &runs[k], err, sizeof(err))) {
			while (k--)
				gate_run_free(&runs[k]);
			free(cs);
			return die("%s", err);
		}
	rc = -1;
	if (o.baseline && gate_base_load(o.baseline, &base, err, sizeof(err)))
		rc = die("%s", err);
	if (rc < 0) {
		const char *np = o.noise ? o.noise : runs[0].noise;
		int nr = np[0] && strncmp(np, "none", 4) ? noise_table_load(np, &nt, err, sizeof(err)) : -ENOENT;

		if (nr == -ENOENT && o.noise)
			rc = die("--noise %s: no such file", o.noise);
		else if (nr && nr != -ENOENT)
			rc = die("%s", err);
		/* Without a noise table the claims carry no noise tolerance: every case is broken below. */
	}
	if (rc >= 0)
		goto out;

	/* Attempt k of a case: the k-th folder that ran it, a case being re-run only while it is off. */
	for (k = 0; k < n_runs; k++)
		for (i = 0; i < n; i++) {
			struct gate_case *c = &cs[i];

			if (k > 0 && !gate_case_retryable(c))
				continue;
			if (k > 0 && c->n_at < k)
				continue;
			gate_attempt_judge(c, c->n_at, runs, o.update ? NULL : &base, &nt);
			c->n_at++;
		}
	if (!o.last_table || n_runs == 1)
		printf("regress-gate: %d cases of %s; tolerances from noise %s (k=%g), baseline %s\n", n, o.def,
	       nt.n ? nt.kind : "NONE", CLAIM_K, o.update ? "(none: recording one)" : o.baseline);
	for (k = o.last_table ? n_runs - 1 : 0; k < n_runs; k++)
		table_print(cs, n, k, &runs[k], !o.update);
	for (i = 0; i < n; i++) {
		broken = broken || cs[i].at[cs[i].n_at - 1].state == GATE_STATE_BROKEN;
		retry = retry || gate_case_retryable(&cs[i]);
	}
	if (o.retries_left > 0 && retry && !broken) {
		rc = retry_def_write(o.retry_def, o.def, cs, n);
		if (rc)
			rc = die("--retry-def %s: %s", o.retry_def, strerror(-rc));
		else {
			printf("\nregress-gate: re-run wanted for");
			for (i = 0; i < n; i++)
				if (gate_case_retryable(&cs[i]))
					printf(" %s", cs[i].id);
			printf(" (%s)\n", o.retry_def);
			rc = EXIT_RETRY;
		}
		goto out;
	}
	printf("\n");
	for (i = 0; i < n; i++) {
		const struct gate_case *c = &cs[i];
		enum gate_outcome oc = gate_case_outcome(c);

		pass += oc == GATE_PASS;
		flaky += oc == GATE_FLAKY;
		fail += oc == GATE_FAIL;
		if (oc == GATE_PASS)
			printf("pass  %s\n", c->id);
		else if (oc == GATE_FLAKY)
			printf("flaky %-20s passed on attempt %d of %d; attempt 1: %s\n", c->id, c->n_at, c->n_at, c->at[0].why);
		else
			printf("FAIL  %-20s %s (attempt %d)\n", c->id, c->at[c->n_at - 1].why, c->n_at);
		if (o.tap && oc == GATE_FAIL)
			printf("not ok - regress-sched %s: %s\n", c->id, c->at[c->n_at - 1].why);
		else if (o.tap)
			printf("ok - regress-sched %s%s\n", c->id, oc == GATE_FLAKY ? " (flaky: passed on a re-run)" : "");
	}
	rc = fail ? EXIT_FAIL : EXIT_PASS;
	if (o.junit && (k = junit_write(o.junit, cs, n)))
		rc = die("--junit %s: %s", o.junit, strerror(-k));
	if (o.history && (k = history_append(o.history, cs, n, &runs[0])))
		rc = die("--history %s: %s", o.history,
			 k == -EPROTO ? "not the gate's history (no numeric seq column)" : strerror(-k));
	printf("regress-gate: %d passed, %d flaky, %d failed\n", pass, flaky, fail);
	if (o.update) {
		if (fail || flaky || runs[0].lab_exit != 0 || strcmp(runs[0].fault, "none")) {
			printf("regress-gate: baseline not written: %s\n",
			       runs[0].lab_exit != 0 ? (runs[0].lab_exit < 0 ? "the run has no lab.exit (lab exit status unknown)" :
							"the lab exited non-zero") :
			       strcmp(runs[0].fault, "none") ? "the run had a fault injected" :
			       "an incomplete run or a false claim (see above)");
			rc = EXIT_FAIL;
		} else if ((k = baseline_write(o.update, runs[0].dir, o.provenance, o.def))) {
			rc = die("writing the baseline %s: %s", o.update, strerror(-k));
		} else
			printf("regress-gate: baseline written: %s\n", o.update);
	}
out:
	for (k = 0; k < n_runs; k++)
		gate_run_free(&runs[k]);
	gate_base_free(&base);
	noise_table_free(&nt);
	free(cs);
	return rc;
}
