/* Noise statistics and the window-length fit (noisestats.h): closed-form least squares, the
 * tolerance rule. No state, no locking. */
#include "noisestats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "labstats.h"

double stats_sd(const double *v, size_t n)
{
	double m = 0, ss = 0;
	size_t i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++)
		m += v[i];
	m /= (double)n;
	for (i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	return sqrt(ss / (double)(n - 1));
}

int winfit_solve(const double *x, const double *y, const double *w, size_t n, int fixed_zero, struct winfit *f)
{
	double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, d, s2 = 0;
	int p = fixed_zero ? 1 : 2;
	size_t i;

	if (n <= (size_t)p)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		double wi = w ? w[i] : 1;

		sw += wi;
		sx += wi * x[i];
		sy += wi * y[i];
		sxx += wi * x[i] * x[i];
		sxy += wi * x[i] * y[i];
	}
	if (fixed_zero) {
		if (sxx <= 0)
			return -EINVAL;
		f->a = 0;
		f->c = sxy / sxx;
	} else {
		d = sw * sxx - sx * sx;
		if (!(d > 1e-12 * sw * sxx))
			return -EINVAL;
		f->c = (sw * sxy - sx * sy) / d;
		f->a = (sy - f->c * sx) / sw;
	}
	for (i = 0; i < n; i++) {
		double r = y[i] - f->a - f->c * x[i];

		s2 += (w ? w[i] : 1) * r * r;
	}
	f->chi2 = s2;
	f->n = n;
	f->df = (int)n - p;
	s2 /= f->df;
	if (fixed_zero) {
		f->se_c = sqrt(s2 / sxx);
		f->se_a = 0;
	} else {
		f->se_c = sqrt(s2 * sw / d);
		f->se_a = sqrt(s2 * sxx / d);
	}
	f->ci95_c = stats_t95(f->df) * f->se_c;
	f->ci95_a = stats_t95(f->df) * f->se_a;
	return 0;
}

double noise_tolerance(double theory, double rel_sd, double n, double k, double floor_rel, double floor_abs)
{
	double t = fabs(theory), tol;

	if (!(n > 0) || isnan(theory) || isnan(rel_sd) || isnan(k) || isnan(floor_rel) || isnan(floor_abs))
		return NAN;
	tol = k * rel_sd * t / sqrt(n);
	if (tol < floor_rel * t)
		tol = floor_rel * t;
	if (tol < floor_abs)
		tol = floor_abs;
	return tol;
}

double noise_n_eff(size_t n, size_t n_ref)
{
	if (!n)
		return 0;
	return n_ref ? 1 / (1 / (double)n + 1 / (double)n_ref) : (double)n;
}

double noise_mean_rel_sd(double rel_sd, double rel_between, size_t n, size_t n_ref)
{
	double n_eff = noise_n_eff(n, n_ref);

	if (!(n_eff > 0) || !(rel_sd >= 0) || !(rel_between >= 0))
		return NAN;
	return sqrt(rel_sd * rel_sd / n_eff + rel_between * rel_between);
}

double noise_chi2_median(int df)
{
	double a;

	if (df < 1)
		return NAN;
	a = 1 - 2 / (9.0 * df);
	return a * a * a;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of n values (n >= 1), sorting v in place. */
static double median_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int noise_between_fill(const double *v, const int *group, size_t n, int n_groups, struct noise_between *b)
{
	size_t ng = (size_t)n_groups + 1;
	double *sum = calloc(ng, sizeof(double)), *ssg = calloc(ng, sizeof(double));
	double *means = malloc(ng * sizeof(double)), *var = malloc(ng * sizeof(double));
	size_t *cnt = calloc(ng, sizeof(size_t)), used = 0, k = 0, kv = 0;
	double ss = 0, var_m, med;
	int g, rc = 0;

	b->runs = b->n = 0;
	b->n_per_run = b->mean = b->sd_run_means = b->sd_within = b->sd_mean_within = b->sd_between = NAN;
	b->sd_within_robust = b->sd_between_robust = NAN;
	if (!sum || !ssg || !means || !var || !cnt) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (group[i] >= 0 && group[i] < n_groups && !isnan(v[i])) {
			sum[group[i]] += v[i];
			cnt[group[i]]++;
		}
	for (g = 0; g < n_groups; g++)
		if (cnt[g]) {
			means[k++] = sum[g] / (double)cnt[g];
			used += cnt[g];
		}
	if (k < 2 || used < k + 1) {
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (group[i] >= 0 && group[i] < n_groups && !isnan(v[i])) {
			double d = v[i] - sum[group[i]] / (double)cnt[group[i]];

			ss += d * d;
			ssg[group[i]] += d * d;
		}
	for (g = 0; g < n_groups; g++)
		if (cnt[g] >= 2)
			var[kv++] = ssg[g] / (double)(cnt[g] - 1) / noise_chi2_median((int)cnt[g] - 1);
	b->runs = k;
	b->n = used;
	b->n_per_run = (double)used / (double)k;
	b->sd_run_means = stats_sd(means, k);
	b->sd_within = sqrt(ss / (double)(used - k));
	b->sd_mean_within = b->sd_within / sqrt(b->n_per_run);
	var_m = b->sd_run_means * b->sd_run_means - b->sd_mean_within * b->sd_mean_within;
	b->sd_between = var_m > 0 ? sqrt(var_m) : 0;
	b->mean = 0;
	for (size_t i = 0; i < k; i++)
		b->mean += means[i] / (double)k;
	b->sd_within_robust = sqrt(median_sort(var, kv));
	med = median_sort(means, k); /* means sorted from here on */
	for (size_t i = 0; i < k; i++)
		var[i] = fabs(means[i] - med);
	med = 1.4826 * median_sort(var, k);
	var_m = med * med - b->sd_within_robust * b->sd_within_robust / b->n_per_run;
	b->sd_between_robust = var_m > 0 ? sqrt(var_m) : 0;
out:
	free(sum);
	free(ssg);
	free(means);
	free(var);
	free(cnt);
	return rc;
}
