/* Statistics for the lab runner: weights from the kernel's table, t-based confidence
 * intervals, percentiles and a seeded Fisher-Yates shuffle. No state, no locking. */
#include "labstats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* kernel/sched/core.c sched_prio_to_weight[], nice -20 first. */
static const unsigned int prio_to_weight[40] = {
	88761, 71755, 56483, 46273, 36291,
	29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,
	3121,  2501,  1991,  1586,  1277,
	1024,  820,   655,   526,   423,
	335,   272,   215,   172,   137,
	110,   87,    70,    56,    45,
	36,    29,    23,    18,    15,
};

unsigned int nice_weight(int nice)
{
	if (nice < -20 || nice > 19)
		return 0;
	return prio_to_weight[nice + 20];
}

double stats_t95(int df)
{
	/* t(0.975, df) for df = 1..30. */
	static const double t[30] = {
		12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
	};

	if (df < 1)
		return NAN;
	if (df <= 30)
		return t[df - 1];
	/* Cornish-Fisher expansion around the normal quantile; error < 0.001 for df > 30. */
	{
		double z = 1.959964, d = df;
		double z3 = z * z * z, z5 = z3 * z * z;

		return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d);
	}
}

int stats_mean_ci(const double *v, size_t n, double *mean, double *ci95)
{
	double sum = 0, ss = 0, m;
	size_t i;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		sum += v[i];
	m = sum / n;
	for (i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	*mean = m;
	*ci95 = n < 2 ? 0 : stats_t95((int)n - 1) * sqrt(ss / (n - 1)) / sqrt((double)n);
	return 0;
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int stats_percentile(double *v, size_t n, double p, double *out)
{
	double pos;
	size_t lo;

	if (n == 0 || p < 0 || p > 100)
		return -EINVAL;
	qsort(v, n, sizeof(*v), double_cmp);
	pos = p / 100 * (n - 1);
	lo = (size_t)pos;
	*out = lo + 1 < n ? v[lo] + (pos - lo) * (v[lo + 1] - v[lo]) : v[n - 1];
	return 0;
}

uint64_t stats_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void stats_shuffle(int *v, size_t n, uint64_t *state)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = stats_rand_next(state) % i;
		int tmp = v[i - 1];

		v[i - 1] = v[j];
		v[j] = tmp;
	}
}

int stats_percentile_ci(const double *sorted, size_t n, double p, double *lo, double *hi)
{
	double q = p / 100, half, j, k;

	if (n == 0 || p < 0 || p > 100)
		return -EINVAL;
	/* Ranks 1..n: the rank of the p-th percentile is about n q, binomial(n, q) around it. */
	half = 1.959964 * sqrt(n * q * (1 - q));
	j = floor(n * q - half);
	k = ceil(n * q + half) + 1;
	*lo = sorted[(size_t)fmax(1, fmin(j, n)) - 1];
	*hi = sorted[(size_t)fmax(1, fmin(k, n)) - 1];
	return 0;
}
