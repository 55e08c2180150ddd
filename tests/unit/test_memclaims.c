/* Unit tests of the memory lab's claims (experiments/memclaims.c): honest synthetic data makes
 * each kind of claim true, a wrong result makes it false, and an n too small for a verdict says
 * no-data; then claims.csv written from a small runs.csv and cost.csv in a temp dir. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiments/labstats.h"
#include "experiments/memcalc.h"
#include "experiments/memclaims.h"

/* n values of U(lo, hi) from a fixed seed: a sampler's honest normalised overshoot. */
static void uniform(double *x, size_t n, double lo, double hi, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		x[i] = lo + (hi - lo) * (double)(stats_rand_next(&seed) >> 11) / 9007199254740992.0;
}

static void test_uniform(void)
{
	double x[64];
	struct claim cl;
	int honest = 0, alarms = 0, missed = 0;

	/* 50 seeds of 12 honest runs (the default profile's per period): z99 keeps false alarms at
	 * about 1 %; a sample sd above 0.336 widens the tolerance past 0.25 and makes it no-data. */
	for (uint64_t s = 1; s <= 50; s++) {
		uniform(x, 12, 0, 1, s);
		memclaim_uniform(&cl, x, 12);
		honest += cl.verdict == CLAIM_TRUE;
		alarms += cl.verdict == CLAIM_FALSE;
		uniform(x, 12, 0, 2, s + 100);
		memclaim_uniform(&cl, x, 12);
		missed += cl.verdict == CLAIM_TRUE;
	}
	CHECK(honest >= 40 && alarms <= 1, "uniform: honest U(0,1) at n=12: %d of 50 true, %d false", honest, alarms);
	CHECK(missed == 0, "uniform: a tick missed each time (U(0,2)) is never true (%d of 50)", missed);
	uniform(x, 12, 0.9, 1.0, 7);
	memclaim_uniform(&cl, x, 12);
	CHECK(cl.verdict == CLAIM_FALSE, "uniform: ticks locked to the end of the period (U(0.9,1)) are false (mean %.3f, tol %.3f)",
	      cl.measured, cl.tolerance);
	uniform(x, 12, 0, 0.05, 7);
	memclaim_uniform(&cl, x, 12);
	CHECK(cl.verdict == CLAIM_FALSE, "uniform: no sampling delay (near 0) is false (mean %.3f)", cl.measured);
	uniform(x, 4, 0, 1, 3);
	memclaim_uniform(&cl, x, 4);
	CHECK(cl.verdict == CLAIM_NO_DATA && strstr(cl.sentence, "cannot support a verdict"),
	      "uniform: n=4 says it cannot support a verdict (%s)", cl.sentence);
	memclaim_uniform(&cl, x, 0);
	CHECK(cl.verdict == CLAIM_NO_DATA && isnan(cl.measured), "uniform: no runs is no-data");
}

static void test_flat(void)
{
	double a[8], b[8];
	struct claim cl;

	/* Event mode at 6.12: 0.05..0.25 MiB at 10 ms and at 100 ms; a sampler at 100 MiB/s grows 4.5 MiB. */
	uniform(a, 8, 0.05, 0.25, 11);
	uniform(b, 8, 0.05, 0.25, 12);
	memclaim_flat(&cl, a, 8, b, 8, 4.5);
	CHECK(cl.verdict == CLAIM_TRUE, "flat: the same spread at both periods is true (moves %+.3f, tol %.3f)", cl.measured,
	      cl.tolerance);
	/* A scan at 100 MiB/s: U(0, 1) MiB at 10 ms, U(0, 10) at 100 ms. */
	uniform(a, 8, 0, 1, 13);
	uniform(b, 8, 0, 10, 14);
	memclaim_flat(&cl, a, 8, b, 8, 4.5);
	CHECK(cl.verdict == CLAIM_FALSE || cl.verdict == CLAIM_NO_DATA, "flat: a sampler's growth is never true (%s)",
	      claim_verdict_name(cl.verdict));
	uniform(b, 8, 4, 6, 15);
	memclaim_flat(&cl, a, 8, b, 8, 4.5);
	CHECK(cl.verdict == CLAIM_FALSE, "flat: a growth of 4.5 MiB with little spread is false (moves %+.3f)", cl.measured);
	uniform(a, 2, 0, 5, 16);
	uniform(b, 2, 0, 5, 17);
	memclaim_flat(&cl, a, 2, b, 2, 1);
	CHECK(cl.verdict == CLAIM_NO_DATA, "flat: n=2+2 with a wide spread cannot support a verdict (tol %.3f)", cl.tolerance);
	memclaim_flat(&cl, a, 1, b, 2, 1);
	CHECK(cl.verdict == CLAIM_NO_DATA, "flat: one run at a period is no-data");
}

static void test_bounds(void)
{
	double x[10], g;
	struct claim cl;

	CHECK(mem_event_granularity_kib("6.1.0-57-amd64", 1, 2, 4, &g) == 0 && g == 256, "6.1: 64 pages per thread (%g KiB)", g);
	CHECK(mem_event_granularity_kib("6.12.117+deb12-amd64", 1, 2, 4, &g) == 0 && g == 256,
	      "6.12: 32 pages per CPU on 2 CPUs (%g KiB)", g);
	CHECK(mem_event_granularity_kib("6.12.1", 1, 0, 4, &g) < 0 && mem_event_granularity_kib("linux", 1, 2, 4, &g) < 0,
	      "a kernel or CPU count it cannot read is refused");
	uniform(x, 10, 0.10, 0.20, 21);
	memclaim_bound(&cl, x, 10, 0.25);
	CHECK(cl.verdict == CLAIM_TRUE, "bound: 0.10..0.20 MiB within 0.25 is true");
	uniform(x, 10, 0.5, 0.7, 22);
	memclaim_bound(&cl, x, 10, 0.25);
	CHECK(cl.verdict == CLAIM_FALSE, "bound: 0.5..0.7 MiB against 0.25 is false");
	memclaim_bound(&cl, x, 10, NAN);
	CHECK(cl.verdict == CLAIM_NO_DATA, "bound: no bound for the kernel is no-data");

	double anon[] = { -0.19, -0.20, -0.18 }, bad[] = { -0.19, 2.5, -0.18 };
	memclaim_all_below(&cl, anon, 3, 0, 0.25);
	CHECK(cl.verdict == CLAIM_TRUE, "cgroup: anonymous peaks below the limit are true");
	memclaim_all_below(&cl, bad, 3, 0, 0.25);
	CHECK(cl.verdict == CLAIM_FALSE && cl.measured == 2.5, "cgroup: one run 2.5 MiB over the limit is false");
	memclaim_count(&cl, 9, 9);
	CHECK(cl.verdict == CLAIM_TRUE, "killed: 9 of 9 is true");
	memclaim_count(&cl, 8, 9);
	CHECK(cl.verdict == CLAIM_FALSE, "killed: 8 of 9 is false");
	memclaim_at_least(&cl, 3, 4, 0.5);
	CHECK(cl.verdict == CLAIM_TRUE, "soft seen: 3 of 4 against at least 50%% is true");
	memclaim_at_least(&cl, 2, 40, 0.9);
	CHECK(cl.verdict == CLAIM_FALSE, "soft seen: 2 of 40 against at least 90%% is false");

	double lo[] = { 10, 11, 10.5 }, hi[] = { 40, 42, 41 }, same[] = { 10.2, 10.9, 10.4 };
	memclaim_grows(&cl, lo, 3, hi, 3);
	CHECK(cl.verdict == CLAIM_TRUE, "cost: 10 us to 41 us grows");
	memclaim_grows(&cl, lo, 3, same, 3);
	CHECK(cl.verdict == CLAIM_FALSE, "cost: no growth is false");
	double wide_a[] = { 100, 900 }, wide_b[] = { 200, 8000 };
	memclaim_grows(&cl, wide_a, 2, wide_b, 2);
	CHECK(cl.verdict == CLAIM_NO_DATA, "cost: two windows each with a spread wider than the means cannot support a verdict");
	memclaim_grows(&cl, lo, 1, hi, 3);
	CHECK(cl.verdict == CLAIM_NO_DATA, "cost: one window is no-data");
}

/* A runs.csv with event rows of 6.1 flat at 160 KiB and scan rows growing with the period. */
static void test_write(void)
{
	char dir[] = "/tmp/test_memclaims.XXXXXX", path[256], line[1024];
	struct csvin runs, cost;
	FILE *f;
	int nflat = 0, ntrue = 0, nanon = 0;

	CHECK(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	f = fopen(path, "w");
	fprintf(f, "machine,experiment,backend,period_ms,rate_set,ok,state,rate_mibs,overshoot_mib,soft_delay_ms,soft_events,"
		   "peak_sample_kib,soft_mib,hard_mib,kernel,monitor_mode,file_rss_kib\n");
	for (int p = 10; p <= 100; p += 90)
		for (int r = 0; r < 4; r++) {
			fprintf(f, "q,overshoot,kmod,%d,200,1,hard-limit,150,0.160,1,1,65700,32,64,6.1.0-57-amd64,event,840\n", p);
			fprintf(f, "q,overshoot,cgroup,%d,200,1,hard-limit,150,0,%g,1,66200,32,64,6.1.0-57-amd64,-,840\n", p, p * 0.5);
		}
	fclose(f);
	snprintf(path, sizeof(path), "%s/cost.csv", dir);
	f = fopen(path, "w");
	fprintf(f, "machine,backend,period_ms,containers,us_per_sample,kernel,monitor_mode\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/meta", dir);
	f = fopen(path, "w");
	fprintf(f, "kernel=Linux 6.1.0-57-amd64\ncpu_count=2\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	CHECK(csvin_load(path, &runs) == 0, "runs.csv loads");
	snprintf(path, sizeof(path), "%s/cost.csv", dir);
	CHECK(csvin_load(path, &cost) == 0, "cost.csv loads");
	CHECK(memclaims_meta_cpus(dir, "6.1.0-57-amd64") == 2 && memclaims_meta_cpus(dir, "6.12") == 0,
	      "the CPU count comes from the meta of the kernel that ran");
	CHECK(memclaims_write(dir, &runs, &cost) == 0, "claims.csv written");
	snprintf(path, sizeof(path), "%s/claims.csv", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		nflat += strstr(line, ",flat,") != NULL;
		ntrue += strstr(line, ",flat,") && strstr(line, ",true,");
		nanon += strstr(line, ",anon_peak,") && strstr(line, ",true,");
	}
	if (f)
		fclose(f);
	CHECK(nflat == 1 && ntrue == 1, "one flat claim for event mode, true for 160 KiB at both periods");
	CHECK(nanon == 1, "the cgroup anonymous-peak claim holds for 66200 - 840 KiB under 64 MiB");
	csvin_free(&runs);
	csvin_free(&cost);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK(system(path) == 0, "temp dir removed");
}

int main(void)
{
	test_uniform();
	test_flat();
	test_bounds();
	test_write();
	return check_exit();
}
