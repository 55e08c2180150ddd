/* Statistics for the lab runner: weights from the kernel's table, t-based confidence
 * intervals, the F distribution's 95% bound, percentiles and a seeded Fisher-Yates shuffle. No state, no locking. */
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

int stats_ols(const double *x, const double *y, size_t n, double *slope, double *intercept)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;
	size_t i;

	if (n < 2)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	if (!(sxx > 0))
		return -EINVAL;
	*slope = sxy / sxx;
	*intercept = my - *slope * mx;
	return 0;
}

int stats_rate_shares(const double *cpu, size_t n_ct, size_t n_pts, size_t first, double *share, double *startup)
{
	double *x, *y, total, slope, icpt;
	size_t i, k, m;
	int rc = 0;

	if (n_ct < 2 || first >= n_pts || n_pts - first < 3)
		return -EINVAL;
	m = n_pts - first;
	x = malloc(2 * m * sizeof(*x));
	if (!x)
		return -ENOMEM;
	y = x + m;
	for (k = 0; k < m; k++) {
		x[k] = 0;
		for (i = 0; i < n_ct; i++)
			x[k] += cpu[(first + k) * n_ct + i] - cpu[i];
	}
	total = x[m - 1];
	for (i = 0; !rc && i < n_ct; i++) {
		for (k = 0; k < m; k++)
			y[k] = cpu[(first + k) * n_ct + i] - cpu[i];
		rc = stats_ols(x, y, m, &slope, &icpt);
		if (!rc && !(total > 0))
			rc = -EINVAL;
		if (!rc) {
			share[i] = 100 * slope;
			startup[i] = y[m - 1] - slope * total;
		}
	}
	free(x);
	return rc;
}

size_t stats_rate_first(const double *cpu, size_t n_ct, size_t n_pts)
{
	size_t i, k;

	for (k = 1; k + 3 <= n_pts; k++) {
		for (i = 0; i < n_ct && cpu[k * n_ct + i] > cpu[i]; i++)
			;
		if (i == n_ct)
			return k;
	}
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

/* Ranks of the interval of stats_percentile_ci, before clamping. */
static void percentile_ranks(size_t n, double p, double *j, double *k)
{
	double q = p / 100, half = 1.959964 * sqrt(n * q * (1 - q));

	*j = floor(n * q - half);
	*k = ceil(n * q + half) + 1;
}

int stats_percentile_ci(const double *sorted, size_t n, double p, double *lo, double *hi)
{
	double j, k;

	if (n == 0 || p < 0 || p > 100)
		return -EINVAL;
	/* Ranks 1..n: the rank of the p-th percentile is about n q, binomial(n, q) around it. */
	percentile_ranks(n, p, &j, &k);
	*lo = sorted[(size_t)fmax(1, fmin(j, n)) - 1];
	*hi = sorted[(size_t)fmax(1, fmin(k, n)) - 1];
	return 0;
}

bool stats_percentile_ci_inside(size_t n, double p)
{
	double j, k;

	if (n == 0 || p < 0 || p > 100)
		return false;
	percentile_ranks(n, p, &j, &k);
	return j >= 1 && k <= n;
}

/* The regularised incomplete beta function I_x(a, b) by its continued fraction (modified Lentz),
 * on the side where it converges fast. */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (int m = 1; m <= 300; m++) {
		double aa, del;

		aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-12)
			break;
	}
	return h;
}

static double beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double stats_f95(int df1, int df2)
{
	double lo = 0, hi = 1, a = df1 / 2.0, b = df2 / 2.0;

	if (df1 < 1 || df2 < 1)
		return NAN;
	/* P(F <= f) = I_{d1 f / (d1 f + d2)}(d1 / 2, d2 / 2), increasing in f: bisect. */
	while (beta_inc(a, b, df1 * hi / (df1 * hi + df2)) < 0.95)
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
		double mid = (lo + hi) / 2;

		if (beta_inc(a, b, df1 * mid / (df1 * mid + df2)) < 0.95)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

double stats_t_cdf(double t, int df)
{
	double tail;

	if (df < 1 || isnan(t))
		return NAN;
	tail = 0.5 * beta_inc(df / 2.0, 0.5, df / (df + t * t));
	return t >= 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, int df)
{
	double lo = 0, hi = 1;

	if (df < 1 || !(p > 0 && p < 1))
		return NAN;
	if (p < 0.5)
		return -stats_t_quantile(1 - p, df);
	while (stats_t_cdf(hi, df) < p && hi < 1e12)
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = (lo + hi) / 2;

		if (stats_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}
