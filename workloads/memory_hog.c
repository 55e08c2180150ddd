/* memory_hog: claims anonymous memory at a set rate, touching every page so that RSS really
 * grows, up to a maximum (or until it is killed), then optionally holds it. It reports RSS from
 * /proc/thread-self/statm where /proc is mounted, else the bytes it has touched. Shapes that
 * memory monitors must get right: several allocating threads (--threads), a main thread that
 * calls pthread_exit while the others allocate (--leader-exit), and a CLONE_VM child process
 * that shares the memory (--clone-vm). Worker 0 reports and ends the process; the threads share
 * the step counters (atomics) and a barrier at --max, after which the others wait to the end. */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
		"                  [--threads N] [--leader-exit] [--clone-vm]\n"
		"Allocates and touches memory so that its RSS grows at a set rate.\n"
		"  --rate R    MiB per second (default 8; 0 = as fast as it can)\n"
		"  --step S    MiB per allocation (default 1; fractions allowed, e.g. 0.25)\n"
		"  --max M     stop growing at M MiB (default: grow until killed)\n"
		"  --hold-s S  after reaching --max, hold the memory S seconds (default 0)\n"
		"  --quiet     only the final line\n"
		"  --threads N allocate from N threads (1..64, default 1), at R in total\n"
		"  --leader-exit  the main thread starts the allocating ones, then calls pthread_exit\n"
		"  --clone-vm  first start a child process that shares the memory (clone CLONE_VM),\n"
		"              which waits and dies with the hog\n"
		"Prints 'memory_hog rss_kib=N allocated_mib=X' as it grows (at most every 100 ms)\n"
		"'memory_hog reached ...' when it reaches --max (before holding), and\n"
		"'memory_hog done rss_kib=N allocated_mib=X' at the end.\n");
}

static int bad_arg(const char *what, const char *value)
{
	fprintf(stderr, "memory_hog: invalid %s '%s' (see memory_hog --help)\n", what, value ? value : "");
	return 2;
}

#define THREADS_MAX 64

static double rate = 8;
static bool quiet;
static long page;
static size_t step_bytes, max_bytes;
static int64_t t0;
static int nthreads = 1;
static bool clone_vm;
static pthread_t workers[THREADS_MAX];
static atomic_size_t claimed, allocated; /* bytes handed out to workers, and touched */

static int vm_child(void *arg)
{
	pid_t parent = *(pid_t *)arg;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	for (;;)
		pause();
	return 0;
}

/* Steps of step_bytes until max_bytes (or forever), paced on the shared count. */
static void grow(bool report, int statm_fd)
{
	int64_t last_report = 0;

	for (;;) {
		size_t off = atomic_fetch_add(&claimed, step_bytes), len = step_bytes;

		if (max_bytes && off >= max_bytes)
			return;
		if (max_bytes && off + len > max_bytes)
			len = (max_bytes - off + page - 1) / page * page;
		/* Each block stays mapped until exit: that is the point. */
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "memory_hog: mmap of %zu bytes after %zu: %m\n", len, off);
			exit(1);
		}
		for (size_t o = 0; o < len; o += page)
			p[o] = (char)(o >> 12 | 1);
		size_t total = atomic_fetch_add(&allocated, len) + len;
		int64_t now = now_ns();

		if (report && !quiet && now - last_report >= REPORT_EVERY_NS) {
			printf("memory_hog rss_kib=%lld allocated_mib=%.3f\n", rss_kib(statm_fd, page / 1024),
			       (double)total / MIB);
			last_report = now;
		}
		if (rate > 0)
			sleep_until(t0 + (int64_t)((double)(off + len) / MIB / rate * 1e9));
	}
}

static pthread_barrier_t grown; /* every worker has reached --max */

/* Workers 1..N-1 stay (as threads of the hog) until the process ends. */
static void *worker(void *arg)
{
	grow(false, -1);
	pthread_barrier_wait(&grown);
	for (;;)
		pause();
	return arg;
}

/* Worker 0: starts the CLONE_VM child and the other workers, grows, waits for them, reports
 * and ends the process. Runs in the main thread, or in a thread of its own with --leader-exit. */
static void *worker0(void *arg)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	static pid_t self;
	double hold = *(double *)arg;
	int statm_fd = open("/proc/thread-self/statm", O_RDONLY | O_CLOEXEC);

	if (statm_fd < 0)
		statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	self = getpid();
	/* Its parent is this thread, which lives until the process ends (PR_SET_PDEATHSIG). */
	if (clone_vm && clone(vm_child, stack + sizeof(stack), CLONE_VM | SIGCHLD, &self) < 0) {
		fprintf(stderr, "memory_hog: clone(CLONE_VM): %m\n");
		exit(1);
	}
	pthread_barrier_init(&grown, NULL, (unsigned)nthreads);
	for (int i = 1; i < nthreads; i++) {
		int e = pthread_create(&workers[i], NULL, worker, NULL);

		if (e) {
			fprintf(stderr, "memory_hog: pthread_create: %s\n", strerror(e));
			exit(1);
		}
	}
	grow(true, statm_fd);
	pthread_barrier_wait(&grown);
	size_t total = atomic_load(&allocated);

	printf("memory_hog reached rss_kib=%lld allocated_mib=%.3f\n", rss_kib(statm_fd, page / 1024),
	       (double)total / MIB);
	if (hold > 0)
		sleep_until(now_ns() + (int64_t)(hold * 1e9));
	printf("memory_hog done rss_kib=%lld allocated_mib=%.3f\n", rss_kib(statm_fd, page / 1024),
	       (double)total / MIB);
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "step", required_argument, NULL, 's' },
		{ "max", required_argument, NULL, 'm' },
		{ "hold-s", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 't' },
		{ "leader-exit", no_argument, NULL, 'L' },
		{ "clone-vm", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static double hold;
	double step = 1, max = 0;
	bool leader_exit = false;
	uint64_t n;
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
		case 't':
			if (!arg_u64(optarg, 1, THREADS_MAX, &n))
				return bad_arg("--threads (1..64)", optarg);
			nthreads = (int)n;
			break;
		case 'L': leader_exit = true; break;
		case 'V': clone_vm = true; break;
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

	page = sysconf(_SC_PAGESIZE);
	step_bytes = ((size_t)(step * MIB) + page - 1) / page * page;
	max_bytes = (size_t)(max * MIB);
	t0 = now_ns();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!leader_exit)
		worker0(&hold);
	int e = pthread_create(&workers[0], NULL, worker0, &hold);

	if (e) {
		fprintf(stderr, "memory_hog: pthread_create: %s\n", strerror(e));
		return 1;
	}
	pthread_exit(NULL);
}
