/* memory_hog: claims anonymous memory at a set rate, touching every page so that RSS really
 * grows, up to a maximum (or until it is killed), then optionally holds it. It reports RSS from
 * /proc/self/statm where /proc is mounted, else the bytes it has touched. */
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#define MIB (1024ULL * 1024ULL)
#define REPORT_EVERY_NS (100 * 1000000LL)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(int64_t t_ns)
{
	struct timespec ts = { .tv_sec = t_ns / 1000000000LL, .tv_nsec = t_ns % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

/* Resident set in KiB from statm (kept fd, pread), or -1 where /proc is not there. */
static long long rss_kib(int statm_fd, long page_kib)
{
	char buf[128];
	unsigned long long size, resident;
	ssize_t n;

	if (statm_fd < 0)
		return -1;
	n = pread(statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -1;
	return (long long)(resident * page_kib);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: memory_hog [--rate MIB_PER_S] [--step MIB] [--max MIB] [--hold-s S] [--quiet]\n"
		"Allocates and touches memory so that its RSS grows at a set rate.\n"
		"  --rate R    MiB per second (default 8; 0 = as fast as it can)\n"
		"  --step S    MiB per allocation (default 1; fractions allowed, e.g. 0.25)\n"
		"  --max M     stop growing at M MiB (default: grow until killed)\n"
		"  --hold-s S  after reaching --max, hold the memory S seconds (default 0)\n"
		"  --quiet     only the final line\n"
		"Prints 'memory_hog rss_kib=N allocated_mib=X' as it grows (at most every 100 ms)\n"
		"'memory_hog reached ...' when it reaches --max (before holding), and\n"
		"'memory_hog done rss_kib=N allocated_mib=X' at the end.\n");
}

static int bad_arg(const char *what, const char *value)
{
	fprintf(stderr, "memory_hog: invalid %s '%s' (see memory_hog --help)\n", what, value ? value : "");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "step", required_argument, NULL, 's' },
		{ "max", required_argument, NULL, 'm' },
		{ "hold-s", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	double rate = 8, step = 1, max = 0, hold = 0;
	bool quiet = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!arg_double(optarg, 0, 1e6, &rate))
				return bad_arg("--rate (0..1000000 MiB/s)", optarg);
			break;
		case 's':
			if (!arg_double(optarg, 1.0 / 256, 1024, &step))
				return bad_arg("--step (1/256..1024 MiB)", optarg);
			break;
		case 'm':
			if (!arg_double(optarg, 1.0 / 256, 1 << 20, &max))
				return bad_arg("--max (1/256..1048576 MiB)", optarg);
			break;
		case 'H':
			if (!arg_double(optarg, 0, 86400, &hold))
				return bad_arg("--hold-s (0..86400)", optarg);
			break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "memory_hog: unknown or incomplete option '%s' (see memory_hog --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc)
		return bad_arg("argument", argv[optind]);
	if (hold > 0 && max == 0) {
		fprintf(stderr, "memory_hog: --hold-s needs --max\n");
		return 2;
	}

	long page = sysconf(_SC_PAGESIZE);
	int statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	size_t step_bytes = ((size_t)(step * MIB) + page - 1) / page * page;
	size_t max_bytes = (size_t)(max * MIB);
	size_t total = 0;
	int64_t t0 = now_ns(), last_report = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (max_bytes == 0 || total < max_bytes) {
		size_t len = step_bytes;

		if (max_bytes && total + len > max_bytes)
			len = (max_bytes - total + page - 1) / page * page;
		/* Each block stays mapped until exit: that is the point. */
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "memory_hog: mmap of %zu bytes after %zu: %m\n", len, total);
			return 1;
		}
		for (size_t off = 0; off < len; off += page)
			p[off] = (char)(off >> 12 | 1);
		total += len;

		int64_t now = now_ns();

		if (!quiet && now - last_report >= REPORT_EVERY_NS) {
			printf("memory_hog rss_kib=%lld allocated_mib=%.3f\n", rss_kib(statm_fd, page / 1024),
			       (double)total / MIB);
			last_report = now;
		}
		if (rate > 0)
			sleep_until(t0 + (int64_t)((double)total / MIB / rate * 1e9));
	}
	printf("memory_hog reached rss_kib=%lld allocated_mib=%.3f\n", rss_kib(statm_fd, page / 1024),
	       (double)total / MIB);
	if (hold > 0)
		sleep_until(now_ns() + (int64_t)(hold * 1e9));
	printf("memory_hog done rss_kib=%lld allocated_mib=%.3f\n", rss_kib(statm_fd, page / 1024),
	       (double)total / MIB);
	return 0;
}
