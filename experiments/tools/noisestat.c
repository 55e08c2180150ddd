/* noisestat: the lab's run-to-run noise and the pairs' window-length fit, from lab run folders
 * (runs.csv, summary.csv, definition.conf) and burnpair output. Subcommands:
 *   noise  RUN_DIR...   each case's quantities over all repetitions: n, mean, sd, relative sd
 *   between RUN_DIR...  the spread of the run folders' means against their repetitions' own
 *   window RUN_DIR...   share(T) = theory + c / T fitted per pair and source, residuals per window
 *   check  RUN_DIR...   each share's mean (optionally in batches of N runs) against the tolerance
 *                       rule (noisestats.h) with the noise file's relative sd
 * Single-threaded; everything is read into memory, rows go to stdout or --out.
 * Over 700 lines on purpose: a measurement tool whose four subcommands share one run loader and
 * its structs, run by hand or by ci/measure-*.sh, not part of the engine or the lab's run path. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/csvin.h"
#include "experiments/labstats.h"
#include "experiments/noisestats.h"

#define MAX_SLOTS 8

/* One run of one case (all its containers), from one run folder. */
struct run {
	char exp[16], cas[48], label[MAX_SLOTS][24];
	int dir, id, n, nice[MAX_SLOTS], weight[MAX_SLOTS], work_ms;
	double wall[MAX_SLOTS], cpu[MAX_SLOTS], share[MAX_SLOTS], theory[MAX_SLOTS], after[MAX_SLOTS];
	double ratio_theory[MAX_SLOTS], avail;
	bool ok;
};

struct runs {
	struct run *v;
	size_t n, cap;
};

/* work_ms of each section of the definition as it was read (plain keys: the default profile). */
static int def_work_ms(const char *dir, const char *exp)
{
	char path[1200], line[256], sect[32] = "";
	int w = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/definition.conf", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " [%31[^]]]", sect) == 1)
			continue;
		if (!strcmp(sect, exp) && sscanf(line, " work_ms = %d", &v) == 1)
			w = v;
	}
	fclose(f);
	return w;
}

static struct run *run_find(struct runs *rs, int dir, int id)
{
	for (size_t i = rs->n; i-- > 0;)
		if (rs->v[i].dir == dir && rs->v[i].id == id)
			return &rs->v[i];
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 256;
		struct run *p = realloc(rs->v, nc * sizeof(*p));

		if (!p)
			return NULL;
		rs->v = p;
		rs->cap = nc;
	}
	memset(&rs->v[rs->n], 0, sizeof(rs->v[0]));
	rs->v[rs->n].dir = dir;
	rs->v[rs->n].id = id;
	rs->v[rs->n].ok = true;
	return &rs->v[rs->n++];
}

/* The wall_ratio theory of (case, slot) from the folder's summary.csv. */
static void ratio_theory_load(const char *dir, struct runs *rs, size_t from)
{
	char path[1200];
	struct csvin t;
	int ce, cc, cs, cm, ct;

	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	if (csvin_load(path, &t))
		return;
	ce = csvin_col(&t, "experiment");
	cc = csvin_col(&t, "case");
	cs = csvin_col(&t, "slot");
	cm = csvin_col(&t, "metric");
	ct = csvin_col(&t, "theory");
	for (size_t r = 0; r < t.nrows; r++) {
		int slot = (int)csvin_num(&t, r, cs);

		if (strcmp(csvin_get(&t, r, cm), "wall_ratio") || slot < 0 || slot >= MAX_SLOTS)
			continue;
		for (size_t i = from; i < rs->n; i++)
			if (!strcmp(rs->v[i].exp, csvin_get(&t, r, ce)) && !strcmp(rs->v[i].cas, csvin_get(&t, r, cc)))
				rs->v[i].ratio_theory[slot] = csvin_num(&t, r, ct);
	}
	csvin_free(&t);
}

/* window: the model share(T) = theory + c / T is of the share up to the first end, which runs.csv
 * keeps as share_overlap since shares became rates (folders from before: share). */
static bool want_overlap;

static int dir_load(const char *dir, int di, struct runs *rs)
{
	static const char *const names[] = { "run", "experiment", "case", "slot", "container", "nice", "weight",
					     "wall_s", "cpu_ms", "share", "theory_share", "avail_overlap",
					     "avail_after", "ok" };
	enum { C_RUN, C_EXP, C_CASE, C_SLOT, C_CT, C_NICE, C_W, C_WALL, C_CPU, C_SHARE, C_TH, C_AV, C_AFTER, C_OK, C_N };
	char path[1200];
	struct csvin t;
	int col[C_N], rc, k;
	size_t from = rs->n;

	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	rc = csvin_load(path, &t);
	if (rc) {
		fprintf(stderr, "noisestat: %s: %s\n", path, rc == -EPROTO ? "not a CSV table" : strerror(-rc));
		return rc;
	}
	for (k = 0; k < C_N; k++) {
		col[k] = csvin_col(&t, names[k]);
		if (col[k] < 0) {
			fprintf(stderr, "noisestat: %s: no column '%s'\n", path, names[k]);
			csvin_free(&t);
			return -EPROTO;
		}
	}
	if (want_overlap && csvin_col(&t, "share_overlap") >= 0)
		col[C_SHARE] = csvin_col(&t, "share_overlap");
	for (size_t r = 0; r < t.nrows; r++) {
		int slot = (int)csvin_num(&t, r, col[C_SLOT]);
		struct run *u;

		if (!strcmp(csvin_get(&t, r, col[C_EXP]), "wakeup") || slot < 0 || slot >= MAX_SLOTS)
			continue;
		u = run_find(rs, di, (int)csvin_num(&t, r, col[C_RUN]));
		if (!u) {
			csvin_free(&t);
			return -ENOMEM;
		}
		snprintf(u->exp, sizeof(u->exp), "%s", csvin_get(&t, r, col[C_EXP]));
		snprintf(u->cas, sizeof(u->cas), "%s", csvin_get(&t, r, col[C_CASE]));
		snprintf(u->label[slot], sizeof(u->label[slot]), "%s", csvin_get(&t, r, col[C_CT]));
		u->nice[slot] = (int)csvin_num(&t, r, col[C_NICE]);
		u->weight[slot] = (int)csvin_num(&t, r, col[C_W]);
		u->wall[slot] = csvin_num(&t, r, col[C_WALL]);
		u->cpu[slot] = csvin_num(&t, r, col[C_CPU]);
		u->share[slot] = csvin_num(&t, r, col[C_SHARE]);
		u->theory[slot] = csvin_num(&t, r, col[C_TH]);
		u->after[slot] = csvin_num(&t, r, col[C_AFTER]);
		u->ratio_theory[slot] = NAN;
		u->avail = csvin_num(&t, r, col[C_AV]);
		u->ok = u->ok && !strcmp(csvin_get(&t, r, col[C_OK]), "1") && !isnan(u->share[slot]);
		if (slot + 1 > u->n)
			u->n = slot + 1;
	}
	csvin_free(&t);
	for (size_t i = from; i < rs->n; i++)
		rs->v[i].work_ms = def_work_ms(dir, rs->v[i].exp);
	ratio_theory_load(dir, rs, from);
	return 0;
}

/* The slot theory says ends first: the largest theory share (the first such slot). */
static int ref_slot(const struct run *u)
{
	int ref = 0;

	for (int s = 1; s < u->n; s++)
		if (u->theory[s] > u->theory[ref])
			ref = s;
	return ref;
}

enum quantity { Q_SHARE, Q_RATIO, Q_RATIO_AVAIL, Q_COUNT };
static const char *const q_name[Q_COUNT] = { "share", "wall_ratio", "wall_ratio_on_avail" };
static const char *const q_unit[Q_COUNT] = { "pct", "x", "x" };

/* Quantity q of slot s in run u and its theory; false when it has none. wall_ratio_on_avail is
 * the measured ratio over the ratio predicted on the CPU the machine left (1 + (s_ref - s) A1 /
 * A2, experiments/README.md), theory 1. */
static bool quantity(const struct run *u, int s, enum quantity q, double *v, double *theory)
{
	int ref = ref_slot(u);

	switch (q) {
	case Q_SHARE:
		*v = u->share[s];
		*theory = u->theory[s];
		return true;
	case Q_RATIO:
		if (s == ref)
			return false;
		*v = u->wall[s] / u->wall[ref];
		*theory = u->ratio_theory[s];
		return !isnan(*theory);
	case Q_RATIO_AVAIL:
		if (s == ref || u->n != 2 || isnan(u->after[s]) || u->after[s] <= 0)
			return false;
		*v = (u->wall[s] / u->wall[ref]) / (1 + (u->theory[ref] - u->theory[s]) / 100 * u->avail / u->after[s]);
		*theory = 1;
		return true;
	default:
		return false;
	}
}

static bool same_case(const struct run *a, const struct run *b)
{
	return !strcmp(a->exp, b->exp) && !strcmp(a->cas, b->cas) && a->n == b->n;
}

/* Whether run i is the first successful run of its case: each case is summarized once, from there. */
static bool case_first(const struct runs *rs, size_t i)
{
	if (!rs->v[i].ok)
		return false;
	for (size_t j = 0; j < i; j++)
		if (rs->v[j].ok && same_case(&rs->v[i], &rs->v[j]))
			return false;
	return true;
}

/* The values of quantity q of slot s in every successful run of run i's case, from run i on,
 * into v (and each one's run folder into dir, where not NULL); *th their theory (NaN: none). */
static size_t case_values(const struct runs *rs, size_t i, int s, enum quantity q, double *v, int *dir, double *th)
{
	size_t n = 0;
	double x, t;

	*th = NAN;
	for (size_t j = i; j < rs->n; j++) {
		if (!rs->v[j].ok || !same_case(&rs->v[i], &rs->v[j]) || !quantity(&rs->v[j], s, q, &x, &t) || isnan(x))
			continue;
		if (dir)
			dir[n] = rs->v[j].dir;
		v[n++] = x;
		*th = t;
	}
	return n;
}

/* How many distinct groups the n values' groups g name. */
static size_t groups_of(const int *g, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < i && g[j] != g[i])
			j++;
		k += j == i;
	}
	return k;
}

/* noise: each quantity over every repetition of every folder given, as one sample. --by-run (each
 * folder one run of the lab, as a default run is): the spread within a run and a run's own offset,
 * both robust to a stalled run (noise_between_fill: sd = sd_within_robust, sd_between =
 * sd_between_robust; mean and ci95 those of the runs' means); a case of one repetition per run
 * (the demo) has no within-run spread to take apart, so its spread across runs is its sd and its
 * between-run term 0. The columns after excess_cpu_ms (runs, sd_between, rel_sd_between) are
 * --by-run's; claims.c reads rel_sd_between where it is there. */
static int cmd_noise(struct runs *rs, bool by_run, FILE *out)
{
	double *v = malloc((rs->n + 1) * sizeof(double));
	int *g = malloc((rs->n + 1) * sizeof(int)), n_groups = 0;

	if (!v || !g) {
		free(v);
		free(g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].dir + 1 > n_groups)
			n_groups = rs->v[i].dir + 1;
	fprintf(out, "experiment,case,slot,container,nice,weight,quantity,unit,n,theory,mean,sd,rel_sd,ci95,bias,"
		     "rel_bias,min,max,work_ms,window_ms,excess_cpu_ms%s\n", by_run ? ",runs,sd_between,rel_sd_between" : "");
	for (size_t i = 0; i < rs->n; i++) {
		const struct run *u = &rs->v[i];

		if (!case_first(rs, i))
			continue;
		for (int s = 0; s < u->n; s++)
			for (int q = 0; q < Q_COUNT; q++) {
				double th, m, ci, sd, sdb = 0, lo = INFINITY, hi = -INFINITY;
				size_t n = case_values(rs, i, s, (enum quantity)q, v, g, &th), runs = 1;
				struct noise_between b;

				for (size_t j = 0; j < n; j++) {
					lo = fmin(lo, v[j]);
					hi = fmax(hi, v[j]);
				}
				if (n < 2)
					continue;
				stats_mean_ci(v, n, &m, &ci);
				sd = stats_sd(v, n);
				if (by_run) {
					int rc = noise_between_fill(v, g, n, n_groups, &b);

					if (rc == -ENOMEM) {
						free(v);
						free(g);
						return rc;
					}
					if (!rc) {
						/* the runs' means: their mean, and t95 (runs - 1) sd / sqrt(runs) */
						m = b.mean;
						ci = stats_t95((int)b.runs - 1) * b.sd_run_means / sqrt((double)b.runs);
						sd = b.sd_within_robust;
						sdb = b.sd_between_robust;
					}
					/* else one run, or one value per run (the demo): all of the spread
					 * is within, none measured between */
					runs = rc ? groups_of(g, n) : b.runs;
				}
				fprintf(out, "%s,%s,%d,%s,%d,%d,%s,%s,%zu,%.6g,%.6g,%.4g,%.4g,%.4g,%.4g,%.4g,%.6g,%.6g,%d,",
					u->exp, u->cas, s, u->label[s], u->nice[s], u->weight[s], q_name[q], q_unit[q], n, th,
					m, sd, sd / fabs(th), ci, m - th, (m - th) / fabs(th), lo, hi, u->work_ms);
				/* Shares: the window (the case's CPU until the first end, W / s_ref) and
				 * the bias as CPU time of the container in it. */
				if (q == Q_SHARE && u->work_ms > 0 && u->theory[ref_slot(u)] > 0) {
					double T = u->work_ms * 100.0 / u->theory[ref_slot(u)];

					fprintf(out, "%.1f,%.4g", T, (m - th) / 100 * T);
				} else {
					fprintf(out, ",");
				}
				if (by_run)
					fprintf(out, ",%zu,%.4g,%.4g", runs, sdb, sdb / fabs(th));
				fputc('\n', out);
			}
	}
	free(v);
	free(g);
	return 0;
}

/* between: per case, container and quantity, the spread of the run folders' means against what
 * their repetitions' own spread predicts (noise_between_fill; a run folder is one group). */
static int cmd_between(struct runs *rs, FILE *out)
{
	double *v = malloc((rs->n + 1) * sizeof(double));
	int *g = malloc((rs->n + 1) * sizeof(int)), n_groups = 0;

	if (!v || !g) {
		free(v);
		free(g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].dir + 1 > n_groups)
			n_groups = rs->v[i].dir + 1;
	fprintf(out, "experiment,case,slot,container,nice,weight,quantity,unit,theory,runs,n,n_per_run,mean,sd_run_means,"
		     "sd_within,sd_mean_within,sd_between,work_ms\n");
	for (size_t i = 0; i < rs->n; i++) {
		const struct run *u = &rs->v[i];

		if (!case_first(rs, i))
			continue;
		for (int s = 0; s < u->n; s++)
			for (int q = 0; q < Q_COUNT; q++) {
				struct noise_between b;
				double th;
				size_t n = case_values(rs, i, s, (enum quantity)q, v, g, &th);

				if (noise_between_fill(v, g, n, n_groups, &b))
					continue;
				fprintf(out, "%s,%s,%d,%s,%d,%d,%s,%s,%.6g,%zu,%zu,%.3g,%.6g,%.4g,%.4g,%.4g,%.4g,%d\n", u->exp,
					u->cas, s, u->label[s], u->nice[s], u->weight[s], q_name[q], q_unit[q], th, b.runs, b.n,
					b.n_per_run, b.mean, b.sd_run_means, b.sd_within, b.sd_mean_within, b.sd_between,
					u->work_ms);
			}
	}
	free(v);
	free(g);
	return 0;
}

/* burnpair's CSV rows as pair runs of source "burnpair-START" (exact) and "...-interp". */
struct point {
	char src[32];
	int nice, work_ms;
	double T, share, theory;
};

struct points {
	struct point *v;
	size_t n, cap;
};

static int point_add(struct points *ps, const char *src, int nice, int work_ms, double T, double share, double th)
{
	if (ps->n == ps->cap) {
		size_t nc = ps->cap ? ps->cap * 2 : 256;
		struct point *p = realloc(ps->v, nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ps->v = p;
		ps->cap = nc;
	}
	snprintf(ps->v[ps->n].src, sizeof(ps->v[0].src), "%s", src);
	ps->v[ps->n].nice = nice;
	ps->v[ps->n].work_ms = work_ms;
	ps->v[ps->n].T = T;
	ps->v[ps->n].share = share;
	ps->v[ps->n].theory = th;
	ps->n++;
	return 0;
}

static int burnpair_load(const char *path, struct points *ps)
{
	struct csvin t;
	int cs, cn, cw, cT, ce, ci, ct, rc = csvin_load(path, &t);

	if (rc) {
		fprintf(stderr, "noisestat: %s: %s\n", path, rc == -EPROTO ? "not a CSV table" : strerror(-rc));
		return rc;
	}
	cs = csvin_col(&t, "start");
	cn = csvin_col(&t, "nice_b");
	cw = csvin_col(&t, "work_ms");
	cT = csvin_col(&t, "window_ms");
	ce = csvin_col(&t, "share_exact");
	ci = csvin_col(&t, "share_interp");
	ct = csvin_col(&t, "theory");
	if (cs < 0 || cn < 0 || cw < 0 || cT < 0 || ce < 0 || ci < 0 || ct < 0) {
		fprintf(stderr, "noisestat: %s: not burnpair output (columns start, nice_b, ...)\n", path);
		csvin_free(&t);
		return -EPROTO;
	}
	for (size_t r = 0; !rc && r < t.nrows; r++) {
		char src[32];

		snprintf(src, sizeof(src), "burnpair-%s", csvin_get(&t, r, cs));
		rc = point_add(ps, src, (int)csvin_num(&t, r, cn), (int)csvin_num(&t, r, cw), csvin_num(&t, r, cT), csvin_num(&t, r, ce),
			       csvin_num(&t, r, ct));
		snprintf(src, sizeof(src), "burnpair-%s-interp", csvin_get(&t, r, cs));
		if (!rc)
			rc = point_add(ps, src, (int)csvin_num(&t, r, cn), (int)csvin_num(&t, r, cw), csvin_num(&t, r, cT),
				       csvin_num(&t, r, ci), csvin_num(&t, r, ct));
	}
	csvin_free(&t);
	return rc;
}

/* Fits every (source, nice) group: y = (share - theory) / 100 against x = 1 / T (T in ms of the
 * pair's CPU), weighted by 1 / the variance of y at each window, through the origin (the model)
 * and with an intercept (its check). One row per window with the group's fit beside it. */
static int window_fit(const struct points *ps, FILE *out)
{
	size_t n = ps->n;
	double *x = malloc((n + 1) * sizeof(double)), *y = malloc((n + 1) * sizeof(double)),
	       *w = malloc((n + 1) * sizeof(double)), *g = malloc((n + 1) * sizeof(double));
	bool *done = calloc(n + 1, sizeof(bool));
	int rc = 0;

	if (!x || !y || !w || !g || !done) {
		rc = -ENOMEM;
		goto out;
	}
	fprintf(out, "source,nice,theory,work_ms,T_ms,n,mean,sd,ci95,excess_pp,model_pp,residual_pp,residual_in_ci,"
		     "c_ms,c_ci95_ms,chi2,df,free_c_ms,free_c_ci95_ms,free_a_pp,free_a_ci95_pp\n");
	for (size_t i = 0; i < n; i++) {
		const struct point *p = &ps->v[i];
		struct winfit f, ff;
		size_t m = 0;
		bool have_free;

		if (done[i])
			continue;
		/* The group's points, each weighted by 1 / var of its window. */
		for (size_t j = i; j < n; j++) {
			const struct point *q = &ps->v[j];
			size_t k = 0;

			if (strcmp(q->src, p->src) || q->nice != p->nice)
				continue;
			done[j] = true;
			for (size_t l = i; l < n; l++)
				if (!strcmp(ps->v[l].src, p->src) && ps->v[l].nice == p->nice &&
				    ps->v[l].work_ms == q->work_ms)
					g[k++] = (ps->v[l].share - ps->v[l].theory) / 100;
			x[m] = 1 / q->T;
			y[m] = (q->share - q->theory) / 100;
			w[m] = k > 1 && stats_sd(g, k) > 0 ? 1 / pow(stats_sd(g, k), 2) : 0;
			m++;
		}
		if (winfit_solve(x, y, w, m, 1, &f)) {
			fprintf(stderr, "noisestat: %s nice %d: too few points to fit\n", p->src, p->nice);
			continue;
		}
		have_free = winfit_solve(x, y, w, m, 0, &ff) == 0;
		/* One row per window of the group. */
		for (size_t j = i; j < n; j++) {
			const struct point *q = &ps->v[j];
			double mean, ci, sd, Tm = 0, model, resid;
			size_t k = 0;
			bool first = true;

			if (strcmp(q->src, p->src) || q->nice != p->nice)
				continue;
			for (size_t l = i; l < j; l++)
				if (!strcmp(ps->v[l].src, p->src) && ps->v[l].nice == p->nice && ps->v[l].work_ms == q->work_ms)
					first = false;
			if (!first)
				continue;
			for (size_t l = j; l < n; l++)
				if (!strcmp(ps->v[l].src, p->src) && ps->v[l].nice == p->nice && ps->v[l].work_ms == q->work_ms) {
					g[k++] = ps->v[l].share;
					Tm += ps->v[l].T;
				}
			Tm /= (double)k;
			stats_mean_ci(g, k, &mean, &ci);
			sd = stats_sd(g, k);
			model = 100 * f.c / Tm;
			resid = mean - q->theory - model;
			fprintf(out, "%s,%d,%.5g,%d,%.1f,%zu,%.5g,%.4g,%.4g,%.4g,%.4g,%.4g,%d,%.4g,%.4g,%.4g,%d,%.4g,%.4g,%.4g,%.4g\n",
				p->src, p->nice, q->theory, q->work_ms, Tm, k, mean, sd, ci, mean - q->theory, model, resid,
				fabs(resid) <= ci, f.c, f.ci95_c, f.chi2, f.df, have_free ? ff.c : NAN,
				have_free ? ff.ci95_c : NAN, have_free ? 100 * ff.a : NAN, have_free ? 100 * ff.ci95_a : NAN);
		}
		printf("%-26s nice %2d: c = %.3f +- %.3f ms of CPU (chi2 %.1f, df %d); free fit c = %.3f +- %.3f ms, "
		       "intercept %+.4f +- %.4f pp\n", p->src, p->nice, f.c, f.ci95_c, f.chi2, f.df, have_free ? ff.c : NAN,
		       have_free ? ff.ci95_c : NAN, have_free ? 100 * ff.a : NAN, have_free ? 100 * ff.ci95_a : NAN);
	}
out:
	free(x);
	free(y);
	free(w);
	free(g);
	free(done);
	return rc;
}

static int cmd_window(struct runs *rs, char **bp, int nbp, FILE *out)
{
	struct points ps = { 0 };
	int rc = 0;

	for (size_t i = 0; !rc && i < rs->n; i++) {
		const struct run *u = &rs->v[i];

		/* T: the pair's CPU during the overlap, W / s0 (the nice-0 container ends after W). */
		if (u->ok && !strcmp(u->exp, "pairs") && u->n == 2 && u->work_ms > 0 && u->theory[0] > 0)
			rc = point_add(&ps, "lab", u->nice[1], u->work_ms, u->work_ms * 100.0 / u->theory[0], u->share[1],
				       u->theory[1]);
	}
	for (int i = 0; !rc && i < nbp; i++)
		rc = burnpair_load(bp[i], &ps);
	if (!rc)
		rc = window_fit(&ps, out);
	free(ps.v);
	return rc;
}

/* The noise file's row for (experiment, case, slot, share): theory and relative sd. */
struct noise_row {
	char exp[16], cas[48];
	int slot, work_ms;
	size_t n;
	double theory, rel_sd, bias, rel_between; /* rel_between: 0 where the file has none */
};

static int noise_load(const char *path, struct noise_row **rows, size_t *n)
{
	struct csvin t;
	int ce, cc, cs, cq, ct, cr, cb, cn, cw, cx, rc = csvin_load(path, &t);

	if (rc) {
		fprintf(stderr, "noisestat: %s: %s\n", path, rc == -EPROTO ? "not a CSV table" : strerror(-rc));
		return rc;
	}
	ce = csvin_col(&t, "experiment");
	cc = csvin_col(&t, "case");
	cs = csvin_col(&t, "slot");
	cq = csvin_col(&t, "quantity");
	ct = csvin_col(&t, "theory");
	cr = csvin_col(&t, "rel_sd");
	cb = csvin_col(&t, "bias");
	cn = csvin_col(&t, "n");
	cw = csvin_col(&t, "work_ms");
	cx = csvin_col(&t, "rel_sd_between");
	if (ce < 0 || cc < 0 || cs < 0 || cq < 0 || ct < 0 || cr < 0 || cb < 0 || cn < 0 || cw < 0) {
		fprintf(stderr, "noisestat: %s: not a noise file (noisestat noise)\n", path);
		csvin_free(&t);
		return -EPROTO;
	}
	*rows = calloc(t.nrows + 1, sizeof(**rows));
	if (!*rows) {
		csvin_free(&t);
		return -ENOMEM;
	}
	*n = 0;
	for (size_t r = 0; r < t.nrows; r++) {
		struct noise_row *o = &(*rows)[*n];

		if (strcmp(csvin_get(&t, r, cq), "share"))
			continue;
		snprintf(o->exp, sizeof(o->exp), "%s", csvin_get(&t, r, ce));
		snprintf(o->cas, sizeof(o->cas), "%s", csvin_get(&t, r, cc));
		o->slot = (int)csvin_num(&t, r, cs);
		o->theory = csvin_num(&t, r, ct);
		o->rel_sd = csvin_num(&t, r, cr);
		o->bias = csvin_num(&t, r, cb);
		o->n = (size_t)csvin_num(&t, r, cn);
		o->work_ms = (int)csvin_num(&t, r, cw);
		o->rel_between = cx >= 0 ? csvin_num(&t, r, cx) : 0;
		(*n)++;
	}
	csvin_free(&t);
	return 0;
}

struct check_opts {
	const char *as;       /* hold every case against this case of the noise file */
	double k, floor_rel, floor_abs;
	size_t batch;         /* runs per verdict; 0: all */
	bool calibrated;      /* the claims' rule: tolerance + |the noise file's bias|, n_eff counting it */
};

/* Every share of every case (in batches) against the noise file's theory and tolerance. */
static int cmd_check(struct runs *rs, const struct noise_row *nr, size_t nn, const struct check_opts *o, FILE *out)
{
	double *v = malloc((rs->n + 1) * sizeof(double));
	int outside = 0;

	if (!v)
		return -ENOMEM;
	fprintf(out, "experiment,case,as,slot,container,batch,n,mean,theory,reference,rel_sd,tolerance,deviation,"
		     "dev_over_tol,verdict\n");
	for (size_t i = 0; i < rs->n; i++) {
		const struct run *u = &rs->v[i];
		const char *cas = o->as ? o->as : u->cas;

		if (!case_first(rs, i))
			continue;
		for (int s = 0; s < u->n; s++) {
			const struct noise_row *row = NULL;
			size_t n = 0, b = 0, j;

			for (size_t k = 0; k < nn; k++)
				if (!strcmp(nr[k].exp, u->exp) && !strcmp(nr[k].cas, cas) && nr[k].slot == s)
					row = &nr[k];
			if (!row) {
				fprintf(out, "%s,%s,%s,%d,%s,,0,,,,,,,,no-noise-figure\n", u->exp, u->cas, cas, s, u->label[s]);
				continue;
			}
			for (j = i; j <= rs->n; j++) {
				bool last = j == rs->n;

				if (!last && rs->v[j].ok && same_case(u, &rs->v[j]))
					v[n++] = rs->v[j].share[s];
				if (n && ((o->batch && n == o->batch) || (last && (!o->batch || n == o->batch)))) {
					double m, ci, tol, dev, ref = row->theory;

					stats_mean_ci(v, n, &m, &ci);
					tol = noise_tolerance(row->theory, noise_mean_rel_sd(row->rel_sd, row->rel_between, n,
										   o->calibrated ? row->n : 0),
							      1, o->k, o->floor_rel, o->floor_abs);
					if (o->calibrated) /* as claims.c claim_share: the offset widens the band */
						tol += fabs(row->bias);
					dev = m - ref;
					outside += fabs(dev) > tol;
					fprintf(out, "%s,%s,%s,%d,%s,%zu,%zu,%.5g,%.5g,%.5g,%.4g,%.4g,%.4g,%.3f,%s\n", u->exp,
						u->cas, cas, s, u->label[s], ++b, n, m, row->theory, ref, row->rel_sd, tol, dev,
						dev / tol, fabs(dev) <= tol ? "true" : "false");
					n = 0;
				}
			}
		}
	}
	free(v);
	return outside;
}

/* The noise file's share rows of one case, to rebuild its weights. */
struct case_rows {
	char exp[16], cas[48];
	int n, nice[MAX_SLOTS], weight[MAX_SLOTS];
	double theory[MAX_SLOTS], sd[MAX_SLOTS], bias[MAX_SLOTS], sd_between[MAX_SLOTS];
	size_t reps;
};

static double weight_of(int nice, int weight)
{
	return weight ? (double)weight : (double)nice_weight(nice);
}

/* For every container of every case with a weight theory: its share theory with the container
 * one nice step off (weights: its cgroup weight x or / 1.25, the same ratio), the tolerance of a
 * mean of n against the calibrated reference, and the margin in standard deviations of that mean. */
static int cmd_steps(const char *noise, size_t n, double k, double floor_rel, double floor_abs, double z, FILE *out)
{
	struct case_rows cr[64];
	struct csvin t;
	int nc = 0, rc = csvin_load(noise, &t);
	int ce = csvin_col(&t, "experiment"), cc = csvin_col(&t, "case"), cs = csvin_col(&t, "slot"),
	    cq = csvin_col(&t, "quantity"), cn = csvin_col(&t, "nice"), cw = csvin_col(&t, "weight"),
	    ct = csvin_col(&t, "theory"), cd = csvin_col(&t, "sd"), ck = csvin_col(&t, "n"), cb = csvin_col(&t, "bias"),
	    cx = csvin_col(&t, "sd_between");

	if (rc) {
		fprintf(stderr, "noisestat: %s: %s\n", noise, rc == -EPROTO ? "not a CSV table" : strerror(-rc));
		return rc;
	}
	for (size_t r = 0; r < t.nrows; r++) {
		int slot = (int)csvin_num(&t, r, cs), i;

		if (strcmp(csvin_get(&t, r, cq), "share") || slot < 0 || slot >= MAX_SLOTS ||
		    strstr(csvin_get(&t, r, cc), "sessions"))
			continue;
		for (i = 0; i < nc; i++)
			if (!strcmp(cr[i].exp, csvin_get(&t, r, ce)) && !strcmp(cr[i].cas, csvin_get(&t, r, cc)))
				break;
		if (i == nc) {
			if (nc == 64)
				break;
			memset(&cr[nc], 0, sizeof(cr[0]));
			snprintf(cr[nc].exp, sizeof(cr[0].exp), "%s", csvin_get(&t, r, ce));
			snprintf(cr[nc].cas, sizeof(cr[0].cas), "%s", csvin_get(&t, r, cc));
			nc++;
		}
		cr[i].nice[slot] = (int)csvin_num(&t, r, cn);
		cr[i].weight[slot] = (int)csvin_num(&t, r, cw);
		cr[i].theory[slot] = csvin_num(&t, r, ct);
		cr[i].sd[slot] = csvin_num(&t, r, cd);
		cr[i].bias[slot] = cb >= 0 ? csvin_num(&t, r, cb) : 0;
		cr[i].sd_between[slot] = cx >= 0 ? csvin_num(&t, r, cx) : 0;
		cr[i].reps = (size_t)csvin_num(&t, r, ck);
		if (slot + 1 > cr[i].n)
			cr[i].n = slot + 1;
	}
	csvin_free(&t);
	fprintf(out, "experiment,case,slot,nice,weight,step,theory,shifted,delta,tolerance,sd_of_mean,margin_sd,detected\n");
	for (int i = 0; i < nc; i++)
		for (int s = 0; s < cr[i].n; s++)
			for (int dir = -1; dir <= 1; dir += 2) {
				double sum = 0, w, sh, tol, sdm;
				int j;

				if (cr[i].weight[s]) {
					w = dir > 0 ? cr[i].weight[s] / 1.25 : cr[i].weight[s] * 1.25;
				} else {
					if (cr[i].nice[s] + dir < -20 || cr[i].nice[s] + dir > 19)
						continue;
					w = nice_weight(cr[i].nice[s] + dir);
				}
				for (j = 0; j < cr[i].n; j++)
					sum += j == s ? w : weight_of(cr[i].nice[j], cr[i].weight[j]);
				sh = 100 * w / sum;
				/* The claims' rule: the band widened by |bias|; the shifted container's mean is
				 * taken to carry the same offset as the honest one (its sign can help or hurt). */
				sdm = fabs(cr[i].theory[s]) * noise_mean_rel_sd(cr[i].sd[s] / fabs(cr[i].theory[s]),
									 cr[i].sd_between[s] / fabs(cr[i].theory[s]), n, 0);
				tol = noise_tolerance(cr[i].theory[s], noise_mean_rel_sd(cr[i].sd[s] / fabs(cr[i].theory[s]),
											   cr[i].sd_between[s] / fabs(cr[i].theory[s]), n,
											   cr[i].reps),
						      1, k, floor_rel, floor_abs) + fabs(cr[i].bias[s]);
				{
					double off = fabs(sh + cr[i].bias[s] - cr[i].theory[s]);

					fprintf(out, "%s,%s,%d,%d,%d,%+d,%.5g,%.5g,%.4g,%.4g,%.4g,%.2f,%d\n", cr[i].exp, cr[i].cas,
						s, cr[i].nice[s], cr[i].weight[s], dir, cr[i].theory[s], sh, sh - cr[i].theory[s],
						tol, sdm, (off - tol) / sdm, off - tol >= z * sdm);
				}
			}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: noisestat noise  [--by-run] [--out FILE] RUN_DIR...\n"
		"       noisestat between [--out FILE] RUN_DIR...\n"
		"       noisestat window [--out FILE] [--burnpair CSV]... RUN_DIR...\n"
		"       noisestat steps  --noise FILE [--n N] [--z Z] [--k K] [--floor-rel F] [--floor-abs PP]\n"
		"       noisestat check  --noise FILE [--calibrated] [--as CASE] [--batch N] [--k K]\n"
		"                        [--floor-rel F] [--floor-abs PP] [--out FILE] RUN_DIR...\n"
		"Reads lab run folders (runs.csv, summary.csv, definition.conf).\n"
		"noise: each case's quantities over all repetitions (n, mean, sd, sd / theory, bias, the\n"
		"  bias as CPU ms of the window). --by-run: each folder one lab run; sd is the spread\n"
		"  within a run, sd_between a run's own offset, both robust to a stalled run (the median\n"
		"  of the runs' variances, the median absolute deviation of their means): a noise file.\n"
		"between: per quantity, the sd of the run folders' means against the sd their repetitions\n"
		"  predict (sd_within / sqrt(n per run)), and the between-run term sqrt(max(0,\n"
		"  sd_run_means^2 - that^2)): two run folders at least.\n"
		"window: share(T) = theory + c / T per pair.\n"
		"check: each share's mean (per batch of N runs) against the theory within max(floor-abs,\n"
		"  floor-rel x theory, K x theory x sqrt(rel_sd^2 / n_eff + rel_sd_between^2)), n_eff = n\n"
		"  (--calibrated: 1 / (1/n + 1/n_noise), and the band widened by the noise file's |bias|,\n"
		"  as the claims do); defaults K 4, F 0.01, PP 0.05; exit 1 when any is outside. --as CASE\n"
		"  holds every case against CASE's noise row (a shifted run).\n"
		"steps: every container one nice step off (weights: x or / 1.25), its distance from the\n"
		"  theory beside the calibrated tolerance of a mean of N (default 5), detected when it\n"
		"  clears the band by Z (default 2) sd of that mean.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },   { "burnpair", required_argument, NULL, 'b' },
		{ "noise", required_argument, NULL, 'n' }, { "as", required_argument, NULL, 'a' },
		{ "batch", required_argument, NULL, 'B' }, { "k", required_argument, NULL, 'k' },
		{ "floor-rel", required_argument, NULL, 'r' }, { "floor-abs", required_argument, NULL, 'f' },
		{ "calibrated", no_argument, NULL, 'c' },  { "help", no_argument, NULL, 'h' },
		{ "n", required_argument, NULL, 'N' },     { "z", required_argument, NULL, 'z' },
		{ "by-run", no_argument, NULL, 'R' },      { 0 }
	};
	struct check_opts co = { NULL, 4, 0.01, 0.05, 0, false };
	const char *outp = NULL, *noise = NULL, *cmd;
	double z = 2, steps_n = 5;
	char *bp[64], *end;
	int nbp = 0, c, li = 0, rc = 0;
	bool by_run = false;
	struct runs rs = { 0 };
	FILE *out = stdout;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if (strcmp(cmd, "noise") && strcmp(cmd, "window") && strcmp(cmd, "check") && strcmp(cmd, "steps") &&
	    strcmp(cmd, "between")) {
		fprintf(stderr, "noisestat: unknown subcommand '%s' (noise, between, window, check or steps)\n", cmd);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, &li)) != -1) {
		double *d = NULL;

		switch (c) {
		case 'o': outp = optarg; break;
		case 'b':
			if (nbp == 64) {
				fprintf(stderr, "noisestat: at most 64 --burnpair files\n");
				return 2;
			}
			bp[nbp++] = optarg;
			break;
		case 'n': noise = optarg; break;
		case 'c': co.calibrated = true; break;
		case 'R': by_run = true; break;
		case 'a': co.as = optarg; break;
		case 'B':
			co.batch = strtoul(optarg, &end, 10);
			if (*end || !*optarg || !co.batch) {
				fprintf(stderr, "noisestat: invalid --batch '%s' (a count of runs)\n", optarg);
				return 2;
			}
			break;
		case 'k': d = &co.k; break;
		case 'r': d = &co.floor_rel; break;
		case 'f': d = &co.floor_abs; break;
		case 'z': d = &z; break;
		case 'N': d = &steps_n; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (d) {
			*d = strtod(optarg, &end);
			if (*end || !*optarg || *d < 0) {
				fprintf(stderr, "noisestat: invalid --%s '%s' (a number >= 0)\n", lo[li].name, optarg);
				return 2;
			}
		}
	}
	if ((!strcmp(cmd, "check") || !strcmp(cmd, "steps")) && !noise) {
		fprintf(stderr, "noisestat: %s needs --noise FILE\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "steps")) {
		if (steps_n < 1) {
			fprintf(stderr, "noisestat: --n must be at least 1\n");
			return 2;
		}
		return cmd_steps(noise, (size_t)steps_n, co.k, co.floor_rel, co.floor_abs, z, stdout) ? 1 : 0;
	}
	want_overlap = !strcmp(cmd, "window");
	if (optind == argc && !(!strcmp(cmd, "window") && nbp)) {
		fprintf(stderr, "noisestat: %s: no run folder given\n", cmd);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (dir_load(argv[i], i, &rs))
			return 1;
	if (outp) {
		out = fopen(outp, "we");
		if (!out) {
			fprintf(stderr, "noisestat: %s: %s\n", outp, strerror(errno));
			return 1;
		}
	}
	if (!strcmp(cmd, "noise"))
		rc = cmd_noise(&rs, by_run, out) ? 1 : 0;
	else if (!strcmp(cmd, "between"))
		rc = cmd_between(&rs, out) ? 1 : 0;
	else if (!strcmp(cmd, "window"))
		rc = cmd_window(&rs, bp, nbp, out) ? 1 : 0;
	else {
		struct noise_row *nr = NULL;
		size_t nn = 0;

		if (noise_load(noise, &nr, &nn))
			rc = 1;
		else
			rc = cmd_check(&rs, nr, nn, &co, out) ? 1 : 0;
		free(nr);
	}
	if (out != stdout && fclose(out)) {
		fprintf(stderr, "noisestat: writing %s: %s\n", outp, strerror(errno));
		rc = 1;
	}
	free(rs.v);
	return rc;
}
