/* Noise statistics and the window-length fit (noisestats.h): closed-form least squares, the
 * tolerance rule. No state, no locking. */
#include "noisestats.h"

#include <errno.h>
#include <math.h>

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
