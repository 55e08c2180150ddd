/* wakeup_hog: the lab's wake-up latency workload. Sleeps, wakes, does a little fixed CPU work,
 * again and again, pinned and niced by itself (so it can run under perf sched record). After each
 * wake-up it reads its own run-queue delay from /proc/self/schedstat. Static; single-threaded. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "start.h"

#define MAX_WAKEUPS 200000

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int num_arg(const char *name, const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || !*s || *end || *out < min || *out > max) {
		fprintf(stderr, "wakeup_hog: invalid %s '%s' (%ld..%ld)\n", name, s, min, max);
		return -1;
	}
	return 0;
}

/* Time spent waiting on a run queue so far (schedstat's second field), or -1. */
static int64_t run_delay_ns(int fd)
{
	char buf[128];
	uint64_t cpu, wait;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%" SCNu64 " %" SCNu64, &cpu, &wait) != 2)
		return -1;
	return (int64_t)wait;
}

static int late_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },        { "nice", required_argument, NULL, 'n' },
		{ "sleep-us", required_argument, NULL, 's' },   { "busy-us", required_argument, NULL, 'b' },
		{ "duration-ms", required_argument, NULL, 'd' }, { "delays", no_argument, NULL, 'D' },
		{ "wait-start", no_argument, NULL, 'W' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long cpu = -1, nice = 0, sleep_us = 5000, busy_us = 100, duration_ms = 3000;
	static int64_t late[MAX_WAKEUPS], delay[MAX_WAKEUPS];
	int64_t end, wait0, wait_prev;
	size_t n = 0, i;
	int c, fd;
	bool print_delays = false, hold = false;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'c': bad = num_arg("--cpu", optarg, 0, CPU_SETSIZE - 1, &cpu); break;
		case 'n': bad = num_arg("--nice", optarg, -20, 19, &nice); break;
		case 's': bad = num_arg("--sleep-us", optarg, 1, 10000000, &sleep_us); break;
		case 'b': bad = num_arg("--busy-us", optarg, 1, 10000000, &busy_us); break;
		case 'd': bad = num_arg("--duration-ms", optarg, 1, 3600000, &duration_ms); break;
		case 'D': print_delays = true; break;
		case 'W': hold = true; break;
		case 'h':
			printf("usage: wakeup_hog [--cpu N] [--nice N] [--sleep-us N] [--busy-us N] [--duration-ms N] [--delays]\n"
			       "                  [--wait-start]\n"
			       "Sleeps --sleep-us, then spins --busy-us of CPU time, for --duration-ms (defaults\n"
			       "5000, 100, 3000). With --delays, prints 'delay_us=X' per wake-up: the time it\n"
			       "spent waiting on a run queue since the previous wake-up (/proc/self/schedstat).\n"
			       "With --wait-start, waits for SIGUSR1 first (the lab releases it with its hog).\n"
			       "Ends with 'wakeup_hog done pid=N wakeups=N cpu_ms=X wait_ms=X late_p50_us=X\n"
			       "late_p99_us=X late_max_us=X' (lateness: actual minus intended wake-up).\n");
			return 0;
		default:
			fprintf(stderr, "wakeup_hog: unknown or incomplete option (see wakeup_hog --help)\n");
			return 2;
		}
		if (bad)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "wakeup_hog: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, "wakeup_hog: pinning to CPU %ld: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	if (setpriority(PRIO_PROCESS, 0, (int)nice) < 0) {
		fprintf(stderr, "wakeup_hog: nice %ld: %s\n", nice, strerror(errno));
		return 1;
	}
	if (hold && start_wait()) {
		fprintf(stderr, "wakeup_hog: waiting for SIGUSR1: %s\n", strerror(errno));
		return 1;
	}
	fd = open("/proc/self/schedstat", O_RDONLY | O_CLOEXEC);
	wait0 = wait_prev = fd < 0 ? -1 : run_delay_ns(fd);
	if (wait0 < 0) {
		fprintf(stderr, "wakeup_hog: reading /proc/self/schedstat: %s\n", fd < 0 ? strerror(errno) : "bad format");
		return 1;
	}
	prctl(PR_SET_TIMERSLACK, 1UL);
	end = clock_ns(CLOCK_MONOTONIC) + duration_ms * 1000000LL;
	while (clock_ns(CLOCK_MONOTONIC) < end && n < MAX_WAKEUPS) {
		struct timespec ts = { sleep_us / 1000000, (sleep_us % 1000000) * 1000 };
		int64_t want = clock_ns(CLOCK_MONOTONIC) + sleep_us * 1000LL, cpu0;

		int64_t w;

		nanosleep(&ts, NULL);
		late[n] = clock_ns(CLOCK_MONOTONIC) - want;
		w = run_delay_ns(fd);
		if (w < 0) {
			fprintf(stderr, "wakeup_hog: reading /proc/self/schedstat failed\n");
			return 1;
		}
		delay[n++] = w - wait_prev;
		wait_prev = w;
		cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		while (clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0 < busy_us * 1000LL)
			;
	}
	for (i = 0; print_delays && i < n; i++)
		printf("delay_us=%.3f\n", delay[i] / 1e3);
	qsort(late, n, sizeof(late[0]), late_cmp);
	printf("wakeup_hog done pid=%d wakeups=%zu cpu_ms=%.3f wait_ms=%.3f late_p50_us=%.1f late_p99_us=%.1f "
	       "late_max_us=%.1f\n", (int)getpid(), n, clock_ns(CLOCK_PROCESS_CPUTIME_ID) / 1e6,
	       (wait_prev - wait0) / 1e6, n ? late[n / 2] / 1e3 : 0.0, n ? late[n * 99 / 100] / 1e3 : 0.0,
	       n ? late[n - 1] / 1e3 : 0.0);
	return 0;
}
