/* Unit tests of the claims engine (experiments/claims.c) against synthetic runs with the noise
 * measured on machine kind c (experiments/noise/c.csv, the committed file): shares drawn around
 * the noise rule's reference with the measured sd pass, the same drawn around one nice step off
 * fail (0-vs-15 and 0-vs-19 pairs and the mix's nice-15 container at n = 5, the 10 s demo at
 * n = 1); no-data, the flat band without a noise file or row, the 1 / work scaling of the bias,
 * and the noise file's refusals. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiments/claims.h"
#include "experiments/labstats.h"

#define TRIALS 2000

static uint64_t rng = 0x5eed15;

/* A standard normal draw (Box-Muller on the lab's splitmix64 stream). */
static double normal(void)
{
	double u1 = ((double)(stats_rand_next(&rng) >> 11) + 1) / 9007199254740993.0;
	double u2 = (double)(stats_rand_next(&rng) >> 11) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* The share of the container at nice `nice` among containers at nices others[0..k) plus it. */
static double share_of(int nice, const int *others, int k)
{
	double sum = nice_weight(nice);

	for (int i = 0; i < k; i++)
		sum += nice_weight(others[i]);
	return 100.0 * nice_weight(nice) / sum;
}

/* TRIALS claims of n shares each, drawn around centre with sd; how many came out false. */
static int false_claims(const struct noise_table *nt, const char *exp, const char *cs, const char *ct,
			double theory, int work_ms, double centre, double sd, size_t n)
{
	double v[16];
	struct claim cl;
	int bad = 0;

	for (int t = 0; t < TRIALS; t++) {
		for (size_t i = 0; i < n; i++)
			v[i] = centre + sd * normal();
		claim_share(&cl, nt, exp, cs, ct, theory, work_ms, v, n);
		bad += cl.verdict == CLAIM_FALSE;
	}
	return bad;
}

/* Honest and one step either way for one container: the noise row gives theory, sd and bias;
 * shifted is the theory of the container one nice step off, drawn with the same start-up term. */
static void step_case(const struct noise_table *nt, const char *exp, const char *cs, const char *ct, size_t n,
		      double lower, double higher)
{
	const struct noise_row *r = noise_table_find(nt, exp, cs, ct, "share");
	double sd, ref;
	int bad;

	CHECK(r != NULL, "noise row for %s %s %s", exp, cs, ct);
	if (!r)
		return;
	sd = r->rel_sd * r->theory;
	ref = r->theory + r->bias;
	bad = false_claims(nt, exp, cs, ct, r->theory, (int)r->work_ms, ref, sd, n);
	CHECK(bad == 0, "%s %s %s: %d honest draws of n=%zu (sd %.3f pp around %.3f%%): %d false", exp, cs, ct,
	      TRIALS, n, sd, ref, bad);
	if (!isnan(lower)) {
		bad = false_claims(nt, exp, cs, ct, r->theory, (int)r->work_ms, lower + r->bias, sd, n);
		CHECK(bad == TRIALS, "%s %s %s: one nice step lower (theory %.3f%%): %d of %d false", exp, cs, ct,
		      lower, bad, TRIALS);
	}
	if (!isnan(higher)) {
		bad = false_claims(nt, exp, cs, ct, r->theory, (int)r->work_ms, higher + r->bias, sd, n);
		CHECK(bad == TRIALS, "%s %s %s: one nice step higher (theory %.3f%%): %d of %d false", exp, cs, ct,
		      higher, bad, TRIALS);
	}
}

int main(void)
{
	static const int zero[] = { 0 }, mix_rest[] = { 0, 3, 6, 9, 12, 18 };
	struct noise_table nt, bad;
	const struct noise_row *r;
	struct claim cl;
	char err[512] = "", tmp[] = "/tmp/test_claims.XXXXXX";
	double v[5] = { 3.5, 3.5, 3.5, 3.5, 3.5 };
	FILE *f;
	int fd, rc;

	rc = noise_table_load(NOISE_FILE, &nt, err, sizeof(err));
	CHECK(rc == 0, "the committed noise file loads (%s%s)", NOISE_FILE, err);
	if (rc)
		return check_exit();
	CHECK(!strcmp(nt.kind, "c"), "its machine kind is its name: c (%s)", nt.kind);
	r = noise_table_find(&nt, "pairs", "0-vs-15", "b-nice15", "share");
	CHECK(r && r->n == 20 && fabs(r->theory - 3.39623) < 1e-4 && r->work_ms == 1000,
	      "0-vs-15 b-nice15: n 20, theory 3.39623, work 1000 ms");

	/* Theories one nice step off: 0-vs-14 and 0-vs-16 give 4.208 / 2.735 % (shift +0.81 / -0.66
	 * pp, README section 4), 0-vs-18 1.791 %; the mix's nice-15 container at 14 / 16. */
	step_case(&nt, "pairs", "0-vs-15", "b-nice15", 5, share_of(16, zero, 1), share_of(14, zero, 1));
	step_case(&nt, "pairs", "0-vs-19", "b-nice19", 5, NAN, share_of(18, zero, 1));
	step_case(&nt, "pairs", "0-vs-10", "b-nice10", 5, share_of(11, zero, 1), share_of(9, zero, 1));
	step_case(&nt, "mix", "mix", "nice15", 5, share_of(16, mix_rest, 6), share_of(14, mix_rest, 6));
	step_case(&nt, "demo", "demo", "cn-nice", 1, share_of(16, zero, 1), share_of(14, zero, 1));
	step_case(&nt, "autogroup", "engine-0-vs-15", "b-nice15", 5, share_of(16, zero, 1), share_of(14, zero, 1));

	/* The rule by hand, 0-vs-15 at n = 5: n_eff = 1 / (1/5 + 1/20) = 4; tolerance = max(0.05,
	 * 0.034, 4 x 0.02448 x 3.39623 / 2) = 0.16626 pp; reference 3.39623 + 0.1196. */
	claim_share(&cl, &nt, "pairs", "0-vs-15", "b-nice15", 3.39623, 1000, v, 5);
	CHECK(fabs(cl.tolerance - 4 * 0.02448 * 3.39623 / 2) < 1e-6 && fabs(cl.reference - 3.51583) < 1e-6,
	      "0-vs-15 n=5: tolerance %.5f pp (0.16626), reference %.5f (3.51583)", cl.tolerance, cl.reference);
	CHECK(cl.verdict == CLAIM_TRUE && !strncmp(cl.kind, "noise:c k=4", 11) && !strchr(cl.sentence, ','),
	      "3.5 %% is true under noise:c; the sentence has no comma (%s | %s)", cl.kind, cl.sentence);
	CHECK(!strcmp(cl.id, "pairs/0-vs-15/b-nice15/share"), "its id names experiment, case, container, quantity");
	/* At half the work the start-up term doubles: reference 3.39623 + 2 x 0.1196. */
	claim_share(&cl, &nt, "pairs", "0-vs-15", "b-nice15", 3.39623, 500, v, 5);
	CHECK(fabs(cl.reference - (3.39623 + 2 * 0.1196)) < 1e-6, "the bias scales as 1 / work (%.5f)", cl.reference);

	claim_share(&cl, &nt, "pairs", "0-vs-15", "b-nice15", 3.39623, 1000, v, 0);
	CHECK(cl.verdict == CLAIM_NO_DATA && isnan(cl.measured) && strstr(cl.sentence, "no data"),
	      "no runs: no-data (%s)", cl.sentence);
	claim_share(&cl, NULL, "pairs", "0-vs-15", "b-nice15", 3.39623, 1000, v, 5);
	CHECK(cl.verdict == CLAIM_TRUE && cl.tolerance == 1 && !strncmp(cl.kind, "none", 4) &&
		      strstr(cl.sentence, "no noise file"),
	      "no noise file: the flat 1 pp band and it says so (%s)", cl.kind);
	v[0] = v[1] = v[2] = v[3] = v[4] = 4.5;
	claim_share(&cl, NULL, "pairs", "0-vs-15", "b-nice15", 3.39623, 1000, v, 5);
	CHECK(cl.verdict == CLAIM_FALSE, "no noise file: 4.5 %% against 3.40 %% is false");
	claim_share(&cl, &nt, "pairs", "0-vs-7", "b-nice7", 14.0, 1000, v, 5);
	CHECK(!strncmp(cl.kind, "flat", 4) && strstr(cl.sentence, "no row"), "a case without a noise row: flat (%s)",
	      cl.kind);
	claim_share(&cl, &nt, "pairs", "0-vs-15", "b-nice15", 4.2, 1000, v, 5);
	CHECK(!strncmp(cl.kind, "flat", 4), "a row measured for another theory is not used (%s)", cl.kind);

	CHECK(noise_table_load("/nonexistent/c.csv", &bad, err, sizeof(err)) == -ENOENT, "a missing file: -ENOENT");
	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs("experiment,case,container,quantity,n,theory,rel_sd,bias\npairs,a,b,share,20,1,0.1,0\n", f);
		fclose(f);
		err[0] = '\0';
		CHECK(noise_table_load(tmp, &bad, err, sizeof(err)) == -EPROTO && strstr(err, "work_ms"),
		      "a missing column: -EPROTO naming it (%s)", err);
		f = fopen(tmp, "w");
		fputs("experiment,case,container,quantity,n,theory,rel_sd,bias,work_ms\npairs,a,b,share,20,x,0.1,0,1000\n", f);
		fclose(f);
		CHECK(noise_table_load(tmp, &bad, err, sizeof(err)) == -EPROTO && strstr(err, "row 2"),
		      "a field that is not a number: -EPROTO naming its row (%s)", err);
		unlink(tmp);
	}
	noise_table_free(&nt);
	return check_exit();
}
