/* Unit tests of the noise statistics: the standard deviation of a known sample, the window fit
 * against exact and hand-computed data (through the origin and with an intercept, weighted),
 * its refusals, and the tolerance rule's three regimes. */
#include <errno.h>
#include <math.h>

#include "check.h"
#include "experiments/noisestats.h"

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

int main(void)
{
	double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	/* Windows of 250..16000 ms, excess exactly 2.5 ms / T: the fit returns c = 2.5, no scatter. */
	double T[] = { 250, 250, 1000, 1000, 4000, 4000, 16000, 16000 }, x[8], y[8], yi[8], w[8];
	/* By hand: y = c x through the origin, x = 1 2 3, y = 2.1 3.9 6.2: c = sum xy / sum xx =
	 * 28.5 / 14 = 2.035714; residuals 0.0643 -0.1714 0.0929, s^2 = 0.042143 / 2, se = sqrt(s^2/14)
	 * = 0.038796; with an intercept: c = 2.05, a = -0.0333 (sxx' = 2, s^2 = 0.041667 / 1). */
	double hx[] = { 1, 2, 3 }, hy[] = { 2.1, 3.9, 6.2 };
	double one[] = { 1 }, flat[] = { 2, 2, 2 };
	struct winfit f;
	int i;

	CHECK(near(stats_sd(v, 8), sqrt(32.0 / 7), 1e-12), "sd of a known sample (sqrt(32/7))");
	CHECK(isnan(stats_sd(v, 1)), "sd of one value is not defined");
	for (i = 0; i < 8; i++) {
		x[i] = 1 / T[i];
		y[i] = 2.5 / T[i];
		yi[i] = 0.0004 + 2.5 / T[i];
		w[i] = T[i] * T[i]; /* 1 / variance when the noise is ms of CPU: sd ~ 1 / T */
	}
	CHECK(winfit_solve(x, y, NULL, 8, 1, &f) == 0 && near(f.c, 2.5, 1e-9) && near(f.se_c, 0, 1e-9) && f.df == 7,
	      "exact 1/T data through the origin: c = 2.5 ms (got %g, se %g)", f.c, f.se_c);
	CHECK(winfit_solve(x, yi, w, 8, 0, &f) == 0 && near(f.c, 2.5, 1e-6) && near(f.a, 0.0004, 1e-9),
	      "weighted fit with an intercept recovers a = 0.0004 and c = 2.5 (got %g, %g)", f.a, f.c);
	CHECK(winfit_solve(hx, hy, NULL, 3, 1, &f) == 0 && near(f.c, 2.035714, 1e-6) && near(f.se_c, 0.038796, 1e-5) &&
		      near(f.ci95_c, 4.303 * 0.038796, 1e-4) && near(f.chi2, 0.042143, 1e-5),
	      "through the origin, by hand: c = 2.0357, se 0.0388 (got %g, %g)", f.c, f.se_c);
	CHECK(winfit_solve(hx, hy, NULL, 3, 0, &f) == 0 && near(f.c, 2.05, 1e-9) && near(f.a, -0.033333, 1e-5) &&
		      near(f.se_c, sqrt(0.0416667 / 2), 1e-5) && f.df == 1,
	      "with an intercept, by hand: c = 2.05, a = -0.0333 (got %g, %g)", f.c, f.a);
	CHECK(winfit_solve(one, one, NULL, 1, 1, &f) == -EINVAL, "one point cannot be fitted");
	CHECK(winfit_solve(flat, hy, NULL, 3, 0, &f) == -EINVAL, "x values that do not vary cannot be fitted");
	/* Tolerance: theory 3.4 %, rel sd 5 %, n = 5, k = 4: 4 * 0.05 * 3.4 / sqrt 5 = 0.3041 pp. */
	CHECK(near(noise_tolerance(3.4, 0.05, 5, 4, 0.02, 0.05), 0.304105, 1e-5), "k sd / sqrt n regime");
	CHECK(near(noise_tolerance(50, 0.001, 20, 4, 0.02, 0.05), 1.0, 1e-12), "relative floor regime (2 %% of 50)");
	CHECK(near(noise_tolerance(0.5, 0.001, 20, 4, 0.02, 0.05), 0.05, 1e-12), "absolute floor regime");
	CHECK(isnan(noise_tolerance(3.4, NAN, 5, 4, 0.02, 0.05)) && isnan(noise_tolerance(3.4, 0.05, 0, 4, 0.02, 0.05)),
	      "no noise figure or no repetition: no tolerance");
	/* A mean of 5 against a reference of 20: n_eff = 1 / (1/5 + 1/20) = 4. */
	CHECK(near(noise_n_eff(5, 20), 4, 1e-12) && noise_n_eff(5, 0) == 5 && noise_n_eff(0, 20) == 0,
	      "effective count of a difference of means");
	CHECK(near(noise_tolerance(3.4, 0.05, noise_n_eff(5, 20), 4, 0.02, 0.05), 0.34, 1e-9),
	      "tolerance against a calibrated reference: 4 * 0.05 * 3.4 / 2");
	/* Between and within runs, by hand: runs {1, 3} and {5, 7}: means 2 and 6 (sd sqrt(8)), each
	 * value 1 from its mean (pooled sd sqrt(4 / 2) = sqrt(2)), a mean of 2 independent values
	 * would spread 1, so the runs' own offsets spread sqrt(8 - 1) = sqrt(7). */
	{
		double bv[] = { 1, 3, 5, 7, NAN };
		int bg[] = { 0, 0, 1, 1, 1 };
		struct noise_between b;

		CHECK(noise_between_fill(bv, bg, 5, 2, &b) == 0 && b.runs == 2 && b.n == 4 && near(b.n_per_run, 2, 1e-12) &&
			      near(b.mean, 4, 1e-12) && near(b.sd_run_means, sqrt(8), 1e-12) && near(b.sd_within, sqrt(2), 1e-12) &&
			      near(b.sd_mean_within, 1, 1e-12) && near(b.sd_between, sqrt(7), 1e-12),
		      "between runs by hand: sd of means %.4f, within %.4f, between %.4f", b.sd_run_means, b.sd_within,
		      b.sd_between);
		/* Runs that agree better than their repetitions: no between-run term, 0 not NaN. */
		double cv[] = { 1, 3, 1.5, 2.5 };
		int cg[] = { 0, 0, 1, 1 };

		CHECK(noise_between_fill(cv, cg, 4, 2, &b) == 0 && b.sd_between == 0 && near(b.sd_run_means, 0, 1e-12),
		      "equal run means: no between-run term (%.4f)", b.sd_between);
		CHECK(noise_between_fill(cv, cg, 2, 2, &b) == -EINVAL && isnan(b.sd_between),
		      "one run only: -EINVAL, NaN");
		CHECK(noise_between_fill(cv, (int[]){ 0, 1, 0, 1 }, 2, 2, &b) == -EINVAL,
		      "two runs of one value each (no within-run spread): -EINVAL");
		/* Robust figures by hand: runs {1, 3}, {5, 7}, {9, 11}: each run's variance 2, over
		 * the median of chi2(1) / 1; means 2, 6, 10, their median absolute deviation 4. */
		double rv[] = { 1, 3, 5, 7, 9, 11 };
		int rg[] = { 0, 0, 1, 1, 2, 2 };
		double w = 2 / noise_chi2_median(1), m = 1.4826 * 4;

		CHECK(noise_between_fill(rv, rg, 6, 3, &b) == 0 && near(b.sd_within_robust, sqrt(w), 1e-12) &&
			      near(b.sd_between_robust, sqrt(m * m - w / 2), 1e-12),
		      "robust within %.4f, between %.4f, by hand", b.sd_within_robust, b.sd_between_robust);
		/* Four calm runs (each {9, 11}) and one hit by a stall ({40, 60}): the pooled figures
		 * follow the stall, the robust ones stay the calm runs'. */
		double sv[] = { 9, 11, 9, 11, 9, 11, 9, 11, 40, 60 };
		int sg[] = { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4 };

		CHECK(noise_between_fill(sv, sg, 10, 5, &b) == 0 && b.sd_within > 6 && b.sd_between > 15 &&
			      near(b.sd_within_robust, sqrt(2 / noise_chi2_median(1)), 1e-12) && b.sd_between_robust == 0,
		      "one stalled run of five: pooled within %.1f between %.1f, robust %.3f and %.3f", b.sd_within,
		      b.sd_between, b.sd_within_robust, b.sd_between_robust);
	}
	/* The median of chi2(4) / 4 is 0.83917 (tables); of chi2(1), 0.45494. */
	CHECK(near(noise_chi2_median(4), 0.83917, 0.004) && near(noise_chi2_median(1), 0.45494, 0.017) &&
		      near(noise_chi2_median(100), 0.99334, 1e-4) && isnan(noise_chi2_median(0)),
	      "median of chi2(df) / df: %.5f at 4", noise_chi2_median(4));
	/* A run's mean of 5 against a reference of 20 (n_eff 4), within 2 %, between 1 %. */
	CHECK(near(noise_mean_rel_sd(0.02, 0.01, 5, 20), sqrt(0.0004 / 4 + 0.0001), 1e-12) &&
		      near(noise_mean_rel_sd(0.02, 0, 5, 0), 0.02 / sqrt(5), 1e-12),
	      "sd of a run's mean with a between-run term");
	CHECK(isnan(noise_mean_rel_sd(0.02, 0.01, 0, 20)) && isnan(noise_mean_rel_sd(-0.1, 0, 5, 20)) &&
		      isnan(noise_mean_rel_sd(0.02, NAN, 5, 20)),
	      "no repetition, a negative or a missing spread: NaN");
	return check_exit();
}
