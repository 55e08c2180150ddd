/* The scheduler gate's decisions (experiments/gate.h) on synthetic run folders built with the
 * lab's own claims engine and the committed noise file: honest noise passes, one nice step off
 * fails, a run short of its repetitions, without data, without its files, with a lab failure or
 * without noise tolerances is broken (no re-run), and a pass on a re-run is flaky. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiments/gate.h"
#include "experiments/labcases.h"
#include "experiments/labstats.h"
#include "experiments/rundir.h"

static struct lab lab;
static struct noise_table nt;
static uint64_t rng = 42;
static char tmp[] = "/tmp/test_gate.XXXXXX";

static double gauss(void)
{
	double u1 = ((double)(stats_rand_next(&rng) >> 11) + 0.5) / 9007199254740992.0;
	double u2 = ((double)(stats_rand_next(&rng) >> 11) + 0.5) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* The percent share of slot when container `shift_ct` of case `shift_cs` runs at nice + step. */
static double share_of(const struct lab_case *c, int slot, const char *shift_cs, const char *shift_ct, int step)
{
	double sum = 0, w[LAB_CT_MAX];
	bool hit;

	for (int i = 0; i < c->n; i++) {
		hit = shift_cs && !strcmp(c->name, shift_cs) && !strcmp(c->ct[i].label, shift_ct);
		w[i] = c->ct[i].weight ? c->ct[i].weight : nice_weight(c->ct[i].nice + (hit ? step : 0));
		sum += w[i];
	}
	return 100 * w[slot] / sum;
}

/* How a synthetic run folder differs from an honest, complete one. */
struct fake {
	const char *shift_cs, *shift_ct; /* run this container one nice step off */
	int step;
	size_t reps;                     /* repetitions per case (0: the definition's) */
	bool no_noise;                   /* claims on the flat band, as without a noise file */
	bool no_summary;
	int lab_exit;                    /* -1: no lab.exit */
	double base_off;                 /* added to b-nice15's baseline mean */
	double spread;                   /* times the noise file's sd (0: 1) */
};

/* A run folder dir with claims.csv for every case of regress.conf: each share the mean of reps
 * draws of (true share + the noise file's offset + the run's own offset + the spread within a
 * run, scaled as claims.c scales them), where the true share is the weight table's, one step off where f says. */
static void fake_run(const char *dir, const struct fake *f)
{
	char path[600];
	FILE *cl, *b, *rn;

	path_mkdir_p(dir, 0755);
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	rn = fopen(path, "w");
	fprintf(rn, "experiment,case,container,share,ok\n");
	snprintf(path, sizeof(path), "%s/claims.csv", dir);
	cl = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/baseline.csv", dir);
	b = fopen(path, "w");
	fprintf(cl, "id,experiment,case,container,quantity,measured,ci95,n,theory,reference,tolerance,tolerance_kind,verdict,sentence\n");
	fprintf(b, "experiment,case,container,metric,n,theory,mean\n");
	for (int i = 0; i < lab.n_cases; i++) {
		const struct lab_case *c = &lab.cases[i];
		const char *exp = lab_exp_name(c->exp);

		for (int s = 0; s < c->n; s++) {
			const struct noise_row *row = noise_table_find(&nt, exp, c->name, c->ct[s].label, "share");
			double scale = row && c->work_ms < row->work_ms ? row->work_ms / c->work_ms : 1, v[16];
			size_t n = f->reps ? f->reps : (size_t)c->reps;
			struct claim k;

			double run = row ? row->rel_between * scale * c->theory_share[s] * gauss() : 0;

			for (size_t r = 0; r < n; r++)
				v[r] = share_of(c, s, f->shift_cs, f->shift_ct, f->step) + run +
				       (row ? row->bias * row->work_ms / c->work_ms : 0) +
				       (row ? (f->spread > 0 ? f->spread : 1) * row->rel_sd * scale * c->theory_share[s] * gauss()
					    : 0);
			for (size_t r = 0; r < n; r++)
				fprintf(rn, "%s,%s,%s,%.6g,1\n", exp, c->name, c->ct[s].label, v[r]);
			claim_share(&k, f->no_noise ? NULL : &nt, exp, c->name, c->ct[s].label, c->theory_share[s], c->work_ms,
				    v, n);
			fprintf(cl, "%s,%s,%s,%s,share,%.6g,%.6g,%zu,%.6g,%.6g,%.6g,%s,%s,x\n", k.id, exp, c->name, k.ct,
				k.measured, k.ci95, k.n, k.theory, k.reference, k.tolerance, k.kind, claim_verdict_name(k.verdict));
			/* The baseline's mean: an honest run's on this machine, the share plus its offset. */
			fprintf(b, "%s,%s,%s,share,3,%.6g,%.6g\n", exp, c->name, c->ct[s].label, c->theory_share[s],
				c->theory_share[s] + (row ? row->bias * row->work_ms / c->work_ms : 0) +
					(!strcmp(c->name, "0-vs-15") && s == 1 ? f->base_off : 0));
		}
	}
	fclose(cl);
	fclose(b);
	fclose(rn);
	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	if (f->no_summary)
		unlink(path);
	else
		fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/meta", dir);
	b = fopen(path, "w");
	fprintf(b, "noise=%s\nfault_injection=none\n", NOISE_FILE);
	fclose(b);
	snprintf(path, sizeof(path), "%s/lab.exit", dir);
	unlink(path);
	if (f->lab_exit >= 0) {
		b = fopen(path, "w");
		fprintf(b, "%d\n", f->lab_exit);
		fclose(b);
	}
}

/* Judges a fake run as attempt 1 of every case; the worst state, the id and why of its case. */
static enum gate_state judge(const struct fake *f, struct gate_case *cs, int n, bool with_base, char *why, size_t len)
{
	char dir[600], err[512], bpath[700];
	struct gate_run run;
	struct gate_base base = { 0 };
	enum gate_state worst = GATE_STATE_OK;

	snprintf(dir, sizeof(dir), "%s/run", tmp);
	fake_run(dir, f);
	snprintf(bpath, sizeof(bpath), "%s/baseline.csv", dir);
	if (gate_run_load(dir, &run, err, sizeof(err)) || (with_base && gate_base_load(bpath, &base, err, sizeof(err)))) {
		snprintf(why, len, "load: %s", err);
		return GATE_STATE_BROKEN;
	}
	why[0] = '\0';
	for (int i = 0; i < n; i++) {
		cs[i].n_at = 0;
		gate_attempt_judge(&cs[i], 0, &run, with_base ? &base : NULL, &nt);
		cs[i].n_at = 1;
		if (cs[i].at[0].state > worst) {
			worst = cs[i].at[0].state;
			snprintf(why, len, "%s: %s", cs[i].id, cs[i].at[0].why);
		}
	}
	gate_run_free(&run);
	gate_base_free(&base);
	return worst;
}

int main(void)
{
	char err[512], why[600];
	struct gate_case *cs;
	int n, i;
	struct fake honest = { .lab_exit = 0 };

	if (!mkdtemp(tmp) || noise_table_load(NOISE_FILE, &nt, err, sizeof(err)) ||
	    lab_conf_load(&lab.conf, REGRESS_CONF, NULL, err, sizeof(err)) || lab_cases_expand(&lab)) {
		printf("not ok - setup: %s\n", err);
		return 1;
	}
	CHECK(gate_cases_load(REGRESS_CONF, &cs, &n, err, sizeof(err)) == 0 && n == 5,
	      "regress.conf requires its 5 cases (%d: %s)", n, err);
	CHECK(!strcmp(cs[0].id, "pairs/0-vs-5") && !strcmp(cs[2].id, "pairs/0-vs-15") && !strcmp(cs[3].id, "mix/mix") &&
		      !strcmp(cs[4].id, "weights/400-vs-100"),
	      "the cases are named as claims.csv names them (EXP/CASE)");
	CHECK(cs[2].reps == 3 && cs[2].n_ct == 2 && !strcmp(cs[2].label[1], "b-nice15") && cs[3].n_ct == 7,
	      "each with the definition's repetitions and containers");

	/* The baseline tolerance: the claims' rule for a difference of two means of 3, each of its
	 * own run (both runs' offsets: twice the between-run variance). */
	{
		const struct noise_row *row = noise_table_find(&nt, "pairs", "0-vs-15", "b-nice15", "share");
		double th = 100.0 * 36 / (1024 + 36), tol = gate_base_tolerance(&nt, "pairs", "0-vs-15", "b-nice15", th, 500, 3, 3);
		double want = fmax(CLAIM_FLOOR_ABS, fmax(CLAIM_FLOOR_REL * th, CLAIM_K * 2 * th *
									   sqrt(row->rel_sd * row->rel_sd / 1.5 +
										2 * row->rel_between * row->rel_between)));
		double step14 = 100.0 * 45 / (1024 + 45) - th, step16 = th - 100.0 * 29 / (1024 + 29);

		CHECK(fabs(tol - want) < 1e-9, "baseline tolerance of b-nice15 at 500 ms, n 3 vs 3: %.4f pp (rule: %.4f)", tol,
		      want);
		CHECK(step14 > tol && step16 > tol, "one nice step (nice 14: %+.3f pp, nice 16: %+.3f pp) exceeds it", step14,
		      -step16);
		CHECK(isnan(gate_base_tolerance(&nt, "pairs", "0-vs-15", "b-nice15", 50.0, 500, 3, 3)) &&
			      isnan(gate_base_tolerance(&nt, "pairs", "0-vs-15", "b-nice15", th, 500, 0, 3)),
		      "no baseline tolerance for another theory or n 0");
	}

	/* Honest noise: 200 runs of all 15 claims, none off. Each claim's tolerance is k = 4 noise sd
	 * of the difference of the run's mean of 3 and the baseline's, so a false one has a chance
	 * near 6e-5: 3000 claims expect 0.2. */
	{
		int off = 0, broken = 0;

		for (i = 0; i < 200; i++) {
			enum gate_state st = judge(&honest, cs, n, true, why, sizeof(why));

			off += st == GATE_STATE_OFF;
			broken += st == GATE_STATE_BROKEN;
		}
		CHECK(off == 0 && broken == 0, "200 honest synthetic runs: %d off, %d broken (%s)", off, broken, why);
	}

	/* One nice step on the 0-vs-15 pair's nice-15 container, either way: detected. At nice 16 the
	 * share falls 0.65 pp, 1.6 claim tolerances (0.41 pp at 500 ms, n 3), with the mean's own
	 * spread 0.23 tolerance: a miss needs 2.5 sd, about 0.6 %; nice 14 (+0.81 pp) misses ~never. */
	{
		struct fake up = { "0-vs-15", "b-nice15", +1, 0, false, false, 0, 0, 0 };
		struct fake down = { "0-vs-15", "b-nice15", -1, 0, false, false, 0, 0, 0 };
		int hit_up = 0, hit_down = 0;

		for (i = 0; i < 200; i++) {
			hit_up += judge(&up, cs, n, true, why, sizeof(why)) == GATE_STATE_OFF && cs[2].at[0].state == GATE_STATE_OFF;
			hit_down += judge(&down, cs, n, true, why, sizeof(why)) == GATE_STATE_OFF && cs[2].at[0].state == GATE_STATE_OFF;
		}
		CHECK(hit_up >= 194, "nice 15 -> 16 detected in %d of 200 synthetic runs (expected ~199)", hit_up);
		CHECK(hit_down == 200, "nice 15 -> 14 detected in %d of 200 synthetic runs", hit_down);
		judge(&up, cs, n, true, why, sizeof(why));
		CHECK(strstr(cs[2].at[0].why, "tolerances from its reference") != NULL, "the reason names the claim: %s",
		      cs[2].at[0].why);
		CHECK(cs[0].at[0].state == GATE_STATE_OK && cs[3].at[0].state == GATE_STATE_OK,
		      "and only that case is off");
	}

	/* Broken runs: final, never worth a re-run. */
	{
		struct fake f;

		f = honest;
		f.reps = 2;
		CHECK(judge(&f, cs, n, true, why, sizeof(why)) == GATE_STATE_BROKEN && strstr(why, "n=2 of the definition's 3"),
		      "2 of 3 repetitions: broken (%s)", why);
		CHECK(!gate_case_retryable(&cs[0]), "an incomplete case is not re-run");
		f = honest;
		f.reps = 0;
		f.lab_exit = 1;
		CHECK(judge(&f, cs, n, true, why, sizeof(why)) == GATE_STATE_BROKEN && strstr(why, "the lab exited 1"),
		      "lab exit 1: broken (%s)", why);
		f = honest;
		f.no_summary = true;
		CHECK(judge(&f, cs, n, true, why, sizeof(why)) == GATE_STATE_BROKEN && strstr(why, "no summary.csv"),
		      "no summary.csv: broken (%s)", why);
		f = honest;
		f.no_noise = true;
		CHECK(judge(&f, cs, n, true, why, sizeof(why)) == GATE_STATE_BROKEN && strstr(why, "not from measured noise"),
		      "claims on the flat band: broken (%s)", why);
		f = honest;
		f.reps = 1;
		CHECK(judge(&f, cs, n, false, why, sizeof(why)) == GATE_STATE_BROKEN && strstr(why, "n=1"),
		      "one repetition of three, theory only (as --update-baseline judges): broken (%s)", why);
	}

	/* The baseline: one nice step's worth away from it fails on the baseline alone. */
	{
		struct fake f = honest;

		f.base_off = 0.7;
		CHECK(judge(&f, cs, n, true, why, sizeof(why)) == GATE_STATE_OFF && strstr(why, "from the baseline's"),
		      "a baseline 0.7 pp away: off against the baseline (%s)", why);
		CHECK(cs[2].at[0].ct[1].ok_theory && !cs[2].at[0].ct[1].ok_base, "theory fine, baseline not");
		CHECK(judge(&f, cs, n, false, why, sizeof(why)) == GATE_STATE_OK, "the same run against theory only passes");
	}

	/* A re-run pools: attempt 2 is judged on the 6 repetitions of both folders. */
	{
		struct fake first = { "0-vs-15", "b-nice15", +1, 0, false, false, 0, 0, 0 };
		struct gate_run two[2];
		struct gate_case *c = &cs[2];
		char d1[600], d2[600];
		int off_then_ok = 0, pooled_off = 0;

		snprintf(d1, sizeof(d1), "%s/a1", tmp);
		snprintf(d2, sizeof(d2), "%s/a2", tmp);
		for (i = 0; i < 50; i++) {
			fake_run(d1, &first);
			fake_run(d2, &first);
			gate_run_load(d1, &two[0], err, sizeof(err));
			gate_run_load(d2, &two[1], err, sizeof(err));
			gate_attempt_judge(c, 0, two, NULL, &nt);
			gate_attempt_judge(c, 1, two, NULL, &nt);
			c->n_at = 2;
			pooled_off += c->at[1].state == GATE_STATE_OFF && c->at[1].ct[1].n == 6;
			gate_run_free(&two[0]);
			gate_run_free(&two[1]);
		}
		CHECK(pooled_off == 50, "one nice step in both attempts: off pooled over 6 in %d of 50", pooled_off);
		CHECK(strstr(c->at[1].why, "attempts pooled") != NULL, "the pooled reason says so: %s", c->at[1].why);
		for (i = 0; i < 50; i++) {
			fake_run(d1, &first);
			fake_run(d2, &honest);
			gate_run_load(d1, &two[0], err, sizeof(err));
			gate_run_load(d2, &two[1], err, sizeof(err));
			gate_attempt_judge(c, 0, two, NULL, &nt);
			gate_attempt_judge(c, 1, two, NULL, &nt);
			c->n_at = 2;
			/* Pooled, half a step (-0.32 pp) against a tolerance of about 0.13 pp (the noise of the
			 * rate at 1 s, 0.047 pp sd within a run and 0.010 between, plus its offset): an honest re-run does
			 * not wash a real step out. Judged alone, it would clear nearly every time. */
			off_then_ok += c->at[0].state == GATE_STATE_OFF && c->at[1].state == GATE_STATE_OK;
			gate_run_free(&two[0]);
			gate_run_free(&two[1]);
		}
		CHECK(off_then_ok == 0,
		      "a step in attempt 1 only: the pooled re-run stays off (%d of 50 cleared)", off_then_ok);
	}

	/* A first attempt one step off and spread 5 times the noise (0.23 pp, above the contended
	 * runs' 0.17): claims.csv widens the band to the run's own CI (about the step: 0.64 pp) and
	 * often calls it true; the gate judges it on the noise band (0.16 pp) and fails it every time
	 * (a miss needs the mean 3.6 of its sds off: 2e-4 a trial). */
	{
		struct fake wide = { "0-vs-15", "b-nice15", +1, 0, false, false, 0, 0, 5 };
		struct gate_run one;
		struct gate_case *c = &cs[2];
		char d1[600];
		int off = 0, widened_true = 0;

		snprintf(d1, sizeof(d1), "%s/w1", tmp);
		for (i = 0; i < 50; i++) {
			fake_run(d1, &wide);
			gate_run_load(d1, &one, err, sizeof(err));
			for (size_t r = 0; r < one.claims->nrows; r++)
				widened_true += !strcmp(csvin_get(one.claims, r, 0), "pairs/0-vs-15/b-nice15/share") &&
						!strcmp(csvin_get(one.claims, r, csvin_col(one.claims, "verdict")), "true") &&
						strstr(csvin_get(one.claims, r, csvin_col(one.claims, "tolerance_kind")),
						       "own_spread_high");
			gate_attempt_judge(c, 0, &one, NULL, &nt);
			c->n_at = 1;
			off += c->at[0].state == GATE_STATE_OFF && !strstr(c->at[0].ct[1].kind, "own_ci");
			gate_run_free(&one);
		}
		CHECK(widened_true > 0, "claims.csv widened the band and called the step true in %d of 50", widened_true);
		CHECK(off == 50, "the gate keeps the noise band: off in %d of 50", off);
	}

	/* Outcomes over attempts. */
	{
		struct gate_case c = { .n_at = 1 };

		c.at[0].state = GATE_STATE_OK;
		CHECK(gate_case_outcome(&c) == GATE_PASS, "ok at once: pass");
		c.at[0].state = GATE_STATE_OFF;
		CHECK(gate_case_outcome(&c) == GATE_FAIL && gate_case_retryable(&c), "off once: fail unless re-run");
		c.n_at = 2;
		c.at[1].state = GATE_STATE_OK;
		CHECK(gate_case_outcome(&c) == GATE_FLAKY && !strcmp(gate_outcome_name(GATE_FLAKY), "flaky"),
		      "off, then ok: flaky, not pass");
		c.n_at = 3;
		c.at[1].state = GATE_STATE_OFF;
		c.at[2].state = GATE_STATE_OFF;
		CHECK(gate_case_outcome(&c) == GATE_FAIL, "off three times: fail");
		c.n_at = 2;
		c.at[1].state = GATE_STATE_BROKEN;
		CHECK(gate_case_outcome(&c) == GATE_FAIL && !gate_case_retryable(&c), "off, then broken: fail, no more re-runs");
		c.n_at = 1;
		c.at[0].state = GATE_STATE_BROKEN;
		CHECK(gate_case_outcome(&c) == GATE_FAIL && !gate_case_retryable(&c), "broken: fail at once");
	}
	free(cs);
	free(lab.cases);
	noise_table_free(&nt);
	path_remove_tree(tmp);
	return check_exit();
}
