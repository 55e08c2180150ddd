/* cpu_hog: a fixed amount of CPU work (not a fixed wall time), so that the scheduler's split of
 * one CPU shows up as completion times and CPU-time shares. One "iteration" is a fixed block of
 * integer work; --work-ms converts milliseconds of CPU into iterations with a stored calibration. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "start.h"

#define INNER_STEPS (1u << 16)
#define DEFAULT_CAL_PATH "/etc/hoglab/cpu_hog.cal"
#define CALIBRATE_CPU_NS (300 * 1000000LL)

static volatile uint64_t sink;

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One iteration: a xorshift chain the compiler cannot fold away. */
static void work_iteration(void)
{
	uint64_t x = sink | 1;

	for (unsigned i = 0; i < INNER_STEPS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	sink = x;
}

/* Iterations per millisecond of this process's CPU time, measured over ~300 ms of CPU. */
static double calibrate(void)
{
	int64_t start = clock_ns(CLOCK_PROCESS_CPUTIME_ID), spent;
	uint64_t n = 0;

	do {
		work_iteration();
		n++;
		spent = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start;
	} while (spent < CALIBRATE_CPU_NS);
	return (double)n / ((double)spent / 1e6);
}

static int calibration_load(const char *path, double *per_ms)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "iterations_per_cpu_ms=%lf", per_ms) == 1 && *per_ms > 0;
	fclose(f);
	return ok ? 0 : -1;
}

static int calibration_save(const char *path, double per_ms)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fprintf(f, "iterations_per_cpu_ms=%.6f\n", per_ms);
	return fclose(f) ? -1 : 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cpu_hog [--work-ms N | --iterations N] [--calibration FILE] [--wait-start] [--quiet]\n"
		"       cpu_hog --calibrate [--save FILE]\n"
		"Does a fixed amount of CPU work and reports how long it took.\n"
		"  --work-ms N        the work that takes about N ms of CPU when run alone (default 1000)\n"
		"  --iterations N     exactly N blocks of %u integer steps\n"
		"  --calibration FILE where --work-ms finds iterations per CPU ms (default %s,\n"
		"                     or $HOGLAB_CPU_CAL); without one, cpu_hog calibrates first\n"
		"  --calibrate        measure iterations per CPU ms, print it, optionally --save it\n"
		"  --wait-start       wait for SIGUSR1 before the work: a runner releases several hogs\n"
		"                     together, and counts their CPU from the release\n"
		"  --quiet            no progress lines\n"
		"Prints a progress line once a second and a final line:\n"
		"  cpu_hog done iterations=N cpu_ms=X wall_ms=X   (cpu = user + system time)\n",
		INNER_STEPS, DEFAULT_CAL_PATH);
}

static int bad_arg(const char *what, const char *value)
{
	fprintf(stderr, "cpu_hog: invalid %s '%s' (see cpu_hog --help)\n", what, value ? value : "");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "work-ms", required_argument, NULL, 'w' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "calibration", required_argument, NULL, 'c' },
		{ "calibrate", no_argument, NULL, 'C' },
		{ "save", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "wait-start", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cal_path = getenv("HOGLAB_CPU_CAL"), *save_path = NULL;
	uint64_t work_ms = 1000, iterations = 0;
	bool do_calibrate = false, quiet = false, have_work = false, hold = false;
	int c;

	if (!cal_path || !*cal_path)
		cal_path = DEFAULT_CAL_PATH;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (!arg_u64(optarg, 1, 86400000, &work_ms))
				return bad_arg("--work-ms (1..86400000)", optarg);
			have_work = true;
			break;
		case 'i':
			if (!arg_u64(optarg, 1, UINT64_C(1) << 40, &iterations))
				return bad_arg("--iterations (1..2^40)", optarg);
			break;
		case 'c': cal_path = optarg; break;
		case 'C': do_calibrate = true; break;
		case 's': save_path = optarg; break;
		case 'q': quiet = true; break;
		case 'W': hold = true; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "cpu_hog: unknown or incomplete option '%s' (see cpu_hog --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc)
		return bad_arg("argument", argv[optind]);
	if (have_work && iterations) {
		fprintf(stderr, "cpu_hog: give --work-ms or --iterations, not both\n");
		return 2;
	}
	if (save_path && !do_calibrate) {
		fprintf(stderr, "cpu_hog: --save needs --calibrate\n");
		return 2;
	}

	if (do_calibrate) {
		double per_ms = calibrate();

		printf("iterations_per_cpu_ms=%.6f\n", per_ms);
		if (save_path && calibration_save(save_path, per_ms)) {
			fprintf(stderr, "cpu_hog: cannot write calibration to %s: %m\n", save_path);
			return 1;
		}
		return 0;
	}

	if (!iterations) {
		double per_ms;

		if (calibration_load(cal_path, &per_ms)) {
			fprintf(stderr, "cpu_hog: no calibration in %s; calibrating now\n", cal_path);
			per_ms = calibrate();
		}
		iterations = (uint64_t)(per_ms * (double)work_ms + 0.5);
		if (!iterations)
			iterations = 1;
	}

	if (hold && start_wait()) {
		fprintf(stderr, "cpu_hog: cannot wait for SIGUSR1: %m\n");
		return 1;
	}
	int64_t wall0 = clock_ns(CLOCK_MONOTONIC), cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	int64_t next_report = wall0 + 1000000000LL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (uint64_t i = 0; i < iterations; i++) {
		work_iteration();
		if (!quiet && clock_ns(CLOCK_MONOTONIC) >= next_report) {
			printf("cpu_hog progress iterations=%llu/%llu cpu_ms=%.3f\n",
			       (unsigned long long)(i + 1), (unsigned long long)iterations,
			       (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e6);
			next_report += 1000000000LL;
		}
	}
	printf("cpu_hog done iterations=%llu cpu_ms=%.3f wall_ms=%.3f\n", (unsigned long long)iterations,
	       (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e6, (clock_ns(CLOCK_MONOTONIC) - wall0) / 1e6);
	return 0;
}
