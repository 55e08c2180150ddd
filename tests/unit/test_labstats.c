/* Unit tests of the lab's statistics: weights against the kernel's table, mean and 95% CI
 * against values computed by hand, percentiles and the seeded shuffle (schedstat: test_procfs). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "experiments/labstats.h"

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

/* A pair on one CPU as the host's EEVDF at HZ 250 runs it when nothing else wakes there: turns
 * of one tick (q ms), the niced task (weight w1 against 1024) first and again whenever it is not
 * more than `ahead` turns ahead of its fair CPU (measured on the host: about 0.75 of a 4 ms turn,
 * 3 ms at every window), read every 20 ms like the lab and at the nice-0 task's end (work_ms of
 * CPU). Fills up to cap readings of both CPU times (ms) and returns how many. */
static size_t pair_sim(double w1, double q, double ahead, double work_ms, double *cpu, size_t cap)
{
	double share = w1 / (1024 + w1), c0 = 0, c1 = 0, t = 0, next = 20;
	size_t n = 0;

	cpu[n * 2] = 0, cpu[n * 2 + 1] = 0, n++;
	while (c0 < work_ms && n < cap) {
		double run = q, *who = c1 <= share * (c0 + c1) + ahead * q ? &c1 : &c0;

		if (who == &c0 && c0 + run > work_ms)
			run = work_ms - c0;
		while (t + run >= next && n < cap) { /* readings inside this turn */
			*who += next - t, run -= next - t, t = next, next += 20;
			cpu[n * 2] = c0, cpu[n * 2 + 1] = c1, n++;
		}
		*who += run, t += run;
	}
	if (n < cap)
		cpu[n * 2] = c0, cpu[n * 2 + 1] = c1, n++;
	return n;
}

int main(void)
{
	double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 }, m, ci, p;
	double one[] = { 3.5 };
	int a[20], b[20], i, same = 1, moved = 0, sum = 0;
	uint64_t s1 = 42, s2 = 42;

	CHECK(nice_weight(0) == 1024 && nice_weight(5) == 335 && nice_weight(10) == 110 &&
		      nice_weight(15) == 36 && nice_weight(19) == 15 && nice_weight(-20) == 88761,
	      "weights match the kernel's sched_prio_to_weight");
	CHECK(nice_weight(20) == 0 && nice_weight(-21) == 0, "out-of-range nice has no weight");
	CHECK(near(stats_t95(1), 12.706, 1e-9) && near(stats_t95(7), 2.365, 1e-9), "t quantiles from the table");
	CHECK(near(stats_t95(60), 2.0003, 0.001) && near(stats_t95(1000), 1.9623, 0.001), "t quantiles past the table");
	/* Published quantiles: t(0.975; 1, 3, 10, 30) = 12.706, 3.182, 2.228, 2.042; t(0.995; 20) =
	 * 2.845; t(0.9995; 5) = 6.869; the normal's 0.975 = 1.95996 at large df; t(1) is Cauchy. */
	CHECK(near(stats_t_quantile(0.975, 1), 12.7062, 1e-3) && near(stats_t_quantile(0.975, 3), 3.1824, 1e-3) &&
		      near(stats_t_quantile(0.975, 10), 2.2281, 1e-3) && near(stats_t_quantile(0.975, 30), 2.0423, 1e-3),
	      "t quantiles at 97.5 %% match the table (got %g %g)", stats_t_quantile(0.975, 1), stats_t_quantile(0.975, 10));
	CHECK(near(stats_t_quantile(0.995, 20), 2.845, 1e-3) && near(stats_t_quantile(0.9995, 5), 6.869, 1e-3),
	      "t quantiles at 99.5 and 99.95 %% (got %g %g)", stats_t_quantile(0.995, 20), stats_t_quantile(0.9995, 5));
	CHECK(near(stats_t_quantile(0.975, 100000), 1.95996, 1e-3) && near(stats_t_cdf(1, 1), 0.75, 1e-9) &&
		      near(stats_t_cdf(0, 7), 0.5, 1e-12) && near(stats_t_quantile(0.025, 10), -2.2281, 1e-3),
	      "t: normal limit, Cauchy's cdf(1) = 0.75, symmetry");
	for (i = 1; i <= 30; i++)
		if (!near(stats_t_quantile(0.975, i), stats_t95(i), 1.5e-3))
			break;
	CHECK(i == 31, "the quantile agrees with stats_t95's table at every df 1..30 (first off: %d)", i);
	CHECK(isnan(stats_t_quantile(0, 5)) && isnan(stats_t_quantile(1, 5)) && isnan(stats_t_quantile(0.9, 0)),
	      "p outside (0, 1) or df < 1: NaN");
	/* mean 5, sample sd sqrt(32/7) = 2.13809, CI = 2.365 * 2.13809 / sqrt(8) = 1.78775 */
	CHECK(stats_mean_ci(v, 8, &m, &ci) == 0 && near(m, 5, 1e-12) && near(ci, 1.78775, 1e-4),
	      "mean 5 and CI 1.788 of a known sample (got %g, %g)", m, ci);
	CHECK(stats_mean_ci(one, 1, &m, &ci) == 0 && m == 3.5 && ci == 0, "one value: CI 0");
	CHECK(stats_mean_ci(v, 0, &m, &ci) == -EINVAL, "no values: -EINVAL");
	CHECK(stats_percentile(v, 8, 50, &p) == 0 && near(p, 4.5, 1e-12), "median of 8 values (%g)", p);
	CHECK(stats_percentile(v, 8, 100, &p) == 0 && p == 9, "p100 is the max");
	{
		/* 1000 values 0..999 (rank r holds r - 1): the median's interval is ranks 469..532, n q -+ 1.96
		 * sqrt(n q (1 - q)) rounded outwards, the upper one past the rank of the percentile itself. */
		static double u[1000];
		double lo, hi;

		for (i = 0; i < 1000; i++)
			u[i] = i;
		CHECK(stats_percentile_ci(u, 1000, 50, &lo, &hi) == 0 && lo == 468 && hi == 531,
		      "median CI of 0..999 is [468, 531] (got [%g, %g])", lo, hi);
		CHECK(stats_percentile_ci(u, 1000, 99, &lo, &hi) == 0 && lo == 982 && hi == 997,
		      "p99 CI of 0..999 is [982, 997] (ranks 983..998) (got [%g, %g])", lo, hi);
		CHECK(stats_percentile_ci(u, 1000, 100, &lo, &hi) == 0 && lo == 999 && hi == 999, "p100's CI is the max");
		CHECK(stats_percentile_ci(u, 3, 50, &lo, &hi) == 0 && lo == 0 && hi == 2, "3 values: the whole sample");
		CHECK(stats_percentile_ci(u, 0, 50, &lo, &hi) == -EINVAL, "no values: -EINVAL");
		CHECK(stats_percentile_ci(u, 10, 101, &lo, &hi) == -EINVAL, "p above 100: -EINVAL");
	}
	{
		double x[] = { 0, 1, 2, 3 }, y[] = { 2, 5, 8, 11 }, flat[] = { 1, 1, 1 }, sl, ic;

		CHECK(stats_ols(x, y, 4, &sl, &ic) == 0 && near(sl, 3, 1e-12) && near(ic, 2, 1e-12),
		      "least squares through an exact line y = 2 + 3 x");
		CHECK(stats_ols(flat, y, 3, &sl, &ic) == -EINVAL && stats_ols(x, y, 1, &sl, &ic) == -EINVAL,
		      "least squares: equal x or one point: -EINVAL");
	}
	{
		/* The bias the rate removes: a nice-15 task run first in one-tick turns is ahead of its
		 * fair CPU by part of a turn at any moment, so its share of the CPU up to the first end
		 * reads high (+0.2..0.8 pp at 1 s, as measured on the host: 3.71 % against 3.40 %); the
		 * slope of its CPU against the total does not carry that offset; a staircase of nine
		 * turns leaves it about 0.01 pp off (measured on the host at 1 s: +0.014, n = 6). */
		static double cpu[2 * 4096];
		double th = 100.0 * 36 / 1060, sh[2], st[2], overlap;
		size_t n = pair_sim(36, 4, 0.75, 1000, cpu, 4096);

		overlap = 100 * cpu[(n - 1) * 2 + 1] / (cpu[(n - 1) * 2] + cpu[(n - 1) * 2 + 1]);
		CHECK(stats_rate_shares(cpu, 2, n, stats_rate_first(cpu, 2, n), sh, st) == 0 && near(sh[0] + sh[1], 100, 1e-9) &&
			      near(st[0] + st[1], 0, 1e-9),
		      "rate shares sum to 100 %% and start-up terms to 0 (%zu readings)", n);
		CHECK(stats_rate_first(cpu, 2, n) == 1, "the fit starts at the first reading after both ran");
		CHECK(overlap - th > 0.2 && near(sh[1], th, 0.02) && st[1] > 2 && st[1] < 7,
		      "tick turns, niced 0.75 turn ahead, 1 s: the share up to the end %.3f %%, the rate %.3f %%, "
		      "theory %.3f %%; start-up %.2f ms (0.75 turn of 4 ms, plus the turn in progress)", overlap, sh[1], th, st[1]);
		n = pair_sim(29, 4, 0.75, 1000, cpu, 4096);
		CHECK(stats_rate_shares(cpu, 2, n, stats_rate_first(cpu, 2, n), sh, st) == 0 && th - sh[1] > 0.5,
		      "one nice step (16): the rate %.3f %% is %.2f pp below nice 15's theory", sh[1], th - sh[1]);
		CHECK(stats_rate_shares(cpu, 2, 2, 0, sh, st) == -EINVAL && stats_rate_shares(cpu, 1, n, 0, sh, st) == -EINVAL &&
			      stats_rate_shares(cpu, 2, n, n - 2, sh, st) == -EINVAL,
		      "rate shares: two readings, one container or two rows after the start: -EINVAL");
		/* A container starved through the window: no row where both ran, so the fit starts at
		 * row 0 and its share reads 0. */
		for (size_t k = 0; k < 10; k++)
			cpu[k * 2] = 20.0 * (double)k, cpu[k * 2 + 1] = 0;
		CHECK(stats_rate_first(cpu, 2, 10) == 0 && stats_rate_shares(cpu, 2, 10, 0, sh, st) == 0 &&
			      near(sh[1], 0, 1e-12) && near(st[1], 0, 1e-12),
		      "a starved container: fitted from the start, share 0 (%.3f %%)", sh[1]);
		memset(cpu, 0, sizeof(double) * 6);
		CHECK(stats_rate_shares(cpu, 2, 3, 0, sh, st) == -EINVAL, "rate shares: no CPU spent: -EINVAL");
	}
	for (i = 0; i < 20; i++)
		a[i] = b[i] = i;
	stats_shuffle(a, 20, &s1);
	stats_shuffle(b, 20, &s2);
	for (i = 0; i < 20; i++) {
		same &= a[i] == b[i];
		moved += a[i] != i;
		sum += a[i];
	}
	CHECK(same && moved > 0 && sum == 190, "the same seed gives the same permutation");
	return check_exit();
}
