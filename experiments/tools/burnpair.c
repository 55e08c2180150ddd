/* burnpair: the lab's pair measurement reduced to its parts, outside any runtime, to find where
 * a bias comes from. Two forked burners (no exec) pinned to one CPU, each doing W ms of its own
 * CPU time; the parent samples /proc/PID/schedstat every P ms and, for each repetition, computes
 * the niced burner's share up to the first end in two ways from the same run:
 *   exact:  the survivor is read the moment the parent's pidfd says the first one ended;
 *   interp: the lab's way before its fix (labrun.c live_cpu_at): linear between the survivor's
 *           regular samples around that moment.
 * --start pipe releases both blocked burners at once through a pipe (window from the release);
 * --start staggered starts them one after the other as the lab does (fork, affinity, nice, burn;
 * window from the first sample at which both run). Single-threaded; children die with it. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "experiments/labstats.h"
#include "lib/clock.h"
#include "lib/procfs.h"

#define MAX_SAMPLES 200000

struct burner {
	pid_t pid;
	int pidfd;
	int nice;
	uint64_t t0_ns, cpu0_ns;       /* window start and its CPU time there */
	uint64_t *t, *cpu;             /* regular samples */
	size_t n;
	uint64_t final_cpu_ns;         /* the first to end: its CPU time at exit */
};

struct opts {
	int cpu, parent_cpu, nice_a, nice_b, work_ms, sample_ms, reps;
	bool staggered;
};

static volatile uint64_t sink;

/* W ms of this process's own CPU time, in blocks of about 20 us between clock reads. */
static void burn(int work_ms)
{
	uint64_t end = clock_ns(CLOCK_PROCESS_CPUTIME_ID) + (uint64_t)work_ms * 1000000ull, x = sink | 1;

	while (clock_ns(CLOCK_PROCESS_CPUTIME_ID) < end) {
		for (int i = 0; i < 4096; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink = x;
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		fprintf(stderr, "burnpair: sched_setaffinity %d: %s\n", cpu, strerror(errno));
		exit(1);
	}
}

/* A burner: pinned and niced as launch_direct does (affinity, then nice); returns once it is,
 * as launch_direct returns once the exec happened. With gate >= 0 it then blocks on the pipe
 * until the parent releases it. */
static int burner_fork(struct burner *b, const struct opts *o, int gate)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -errno;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		pin(o->cpu);
		if (setpriority(PRIO_PROCESS, 0, b->nice) < 0)
			_exit(126);
		if (write(ready[1], "r", 1) != 1)
			_exit(124);
		close(ready[1]);
		if (gate >= 0 && read(gate, &c, 1) != 1)
			_exit(125);
		burn(o->work_ms);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -EIO;
	}
	close(ready[0]);
	b->pid = pid;
	b->pidfd = pidfd_open(pid, 0);
	return b->pidfd < 0 ? -errno : 0;
}

static int sample_push(struct burner *b, uint64_t t, uint64_t cpu)
{
	if (b->n == MAX_SAMPLES)
		return -E2BIG;
	b->t[b->n] = t;
	b->cpu[b->n] = cpu;
	b->n++;
	return 0;
}

/* CPU time at t by the lab's old rule: linear between the regular samples around t. */
static double cpu_interp(const struct burner *b, uint64_t t)
{
	size_t j;

	for (j = 0; j < b->n && b->t[j] < t; j++)
		;
	if (j == 0)
		return (double)b->cpu0_ns;
	if (j == b->n)
		return (double)b->cpu[b->n - 1];
	return b->cpu[j - 1] + (double)(b->cpu[j] - b->cpu[j - 1]) * (double)(t - b->t[j - 1]) /
				       (double)(b->t[j] - b->t[j - 1]);
}

/* One repetition; shares of burner b (the second) in percent, window in ms of the pair's CPU. */
static int rep_run(const struct opts *o, double *exact, double *interp, double *window_ms, double *notice_us)
{
	struct burner b[2] = { { .nice = o->nice_a, .pidfd = -1 }, { .nice = o->nice_b, .pidfd = -1 } };
	uint64_t period = (uint64_t)o->sample_ms * 1000000ull, next, t_e = 0, surv_cpu = 0, t_read = 0;
	int gate[2] = { -1, -1 }, i, rc = 0, first = -1;
	struct schedstat ss;

	for (i = 0; i < 2; i++) {
		b[i].t = malloc(MAX_SAMPLES * sizeof(uint64_t));
		b[i].cpu = malloc(MAX_SAMPLES * sizeof(uint64_t));
		if (!b[i].t || !b[i].cpu)
			return -ENOMEM;
	}
	if (!o->staggered && pipe(gate) < 0)
		return -errno;
	for (i = 0; !rc && i < 2; i++)
		rc = burner_fork(&b[i], o, gate[0]);
	if (rc)
		goto out;
	if (!o->staggered) {
		/* Both blocked on the pipe: wait until both sleep there, read them, release. */
		for (i = 0; i < 2; i++) {
			char path[64], st[256];
			FILE *f;
			bool asleep = false;

			snprintf(path, sizeof(path), "/proc/%d/stat", (int)b[i].pid);
			for (int k = 0; !asleep && k < 2000; k++) {
				f = fopen(path, "re");
				if (f && fgets(st, sizeof(st), f)) {
					char *p = strrchr(st, ')');

					asleep = p && p[1] == ' ' && p[2] == 'S';
				}
				if (f)
					fclose(f);
				if (!asleep)
					usleep(1000);
			}
		}
		for (i = 0; i < 2; i++) {
			rc = schedstat_read(b[i].pid, &ss);
			if (rc)
				goto out;
			b[i].cpu0_ns = ss.cpu_ns;
		}
		b[0].t0_ns = b[1].t0_ns = clock_ns(CLOCK_MONOTONIC);
		if (write(gate[1], "xx", 2) != 2) {
			rc = -errno;
			goto out;
		}
	} else {
		/* As the lab: the window opens at the first sample with both running. */
		uint64_t t = clock_ns(CLOCK_MONOTONIC);

		for (i = 0; i < 2; i++) {
			rc = schedstat_read(b[i].pid, &ss);
			if (rc)
				goto out;
			b[i].cpu0_ns = ss.cpu_ns;
			b[i].t0_ns = t;
		}
	}
	next = b[0].t0_ns;
	/* Regular samples until the first end, then one more regular sample of the survivor. */
	for (;;) {
		struct pollfd pf[2] = { { b[0].pidfd, POLLIN, 0 }, { b[1].pidfd, POLLIN, 0 } };
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		int got;

		if (now >= next) {
			for (i = 0; i < 2; i++) {
				if (i == first || schedstat_read(b[i].pid, &ss))
					continue;
				rc = sample_push(&b[i], clock_ns(CLOCK_MONOTONIC), ss.cpu_ns);
				if (rc)
					goto out;
			}
			if (first >= 0)
				break;
			next += period;
			continue;
		}
		if (first >= 0)
			pf[first].fd = -1;
		got = poll(pf, 2, (int)((next - now + 999999) / 1000000));
		if (got < 0 && errno != EINTR) {
			rc = -errno;
			goto out;
		}
		for (i = 0; first < 0 && got > 0 && i < 2; i++) {
			if (!pf[i].revents)
				continue;
			t_e = clock_ns(CLOCK_MONOTONIC);
			first = i;
			if (schedstat_read(b[!i].pid, &ss) == 0) {
				surv_cpu = ss.cpu_ns;
				t_read = clock_ns(CLOCK_MONOTONIC);
			}
			/* The zombie's schedstat: its CPU time at exit. */
			if (schedstat_read(b[i].pid, &ss) == 0)
				b[i].final_cpu_ns = ss.cpu_ns;
		}
		if (clock_ns(CLOCK_MONOTONIC) - b[0].t0_ns > (uint64_t)o->work_ms * 100000000ull + 60000000000ull) {
			rc = -ETIMEDOUT;
			goto out;
		}
	}
	if (!surv_cpu || !b[first].final_cpu_ns) {
		rc = -EIO;
		goto out;
	}
	{
		int s = !first;
		double d_first = (double)(b[first].final_cpu_ns - b[first].cpu0_ns);
		double d_surv = (double)(surv_cpu - b[s].cpu0_ns), d_surv_i = cpu_interp(&b[s], t_e) - b[s].cpu0_ns;
		double share_b = s == 1 ? d_surv / (d_first + d_surv) : d_first / (d_first + d_surv);
		double share_bi = s == 1 ? d_surv_i / (d_first + d_surv_i) : d_first / (d_first + d_surv_i);

		*exact = 100 * share_b;
		*interp = 100 * share_bi;
		*window_ms = (d_first + d_surv) / 1e6;
		*notice_us = (double)(t_read - t_e) / 1e3;
	}
out:
	for (i = 0; i < 2; i++) {
		if (b[i].pid > 0) {
			kill(b[i].pid, SIGKILL);
			waitpid(b[i].pid, NULL, 0);
		}
		if (b[i].pidfd >= 0)
			close(b[i].pidfd);
		free(b[i].t);
		free(b[i].cpu);
	}
	if (gate[0] >= 0) {
		close(gate[0]);
		close(gate[1]);
	}
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: burnpair [--cpu N] [--parent-cpu N|-1] [--nice A B] [--work-ms W] [--sample-ms P]\n"
		"                [--reps R] [--start pipe|staggered]\n"
		"Two burners (nice A, nice B; default 0 and 15) pinned to CPU N (default 1), W ms of CPU each\n"
		"(default 1000); prints per repetition the nice-B burner's share up to the first end, read\n"
		"exactly at that end and interpolated between P ms samples (default 20) as the lab did,\n"
		"then the means with 95%% CIs. The parent runs on --parent-cpu (default: the other CPU).\n");
}

static int int_arg(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cpu", required_argument, NULL, 'c' },      { "parent-cpu", required_argument, NULL, 'p' },
		{ "nice", required_argument, NULL, 'n' },     { "work-ms", required_argument, NULL, 'w' },
		{ "sample-ms", required_argument, NULL, 's' }, { "reps", required_argument, NULL, 'r' },
		{ "start", required_argument, NULL, 'S' },    { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct opts o = { 1, -2, 0, 15, 1000, 20, 5, false };
	double *ex, *in, m_ex, ci_ex, m_in, ci_in, th;
	int c, r, ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': if (int_arg(optarg, 0, ncpu - 1, &o.cpu)) goto bad; break;
		case 'p': if (int_arg(optarg, -1, ncpu - 1, &o.parent_cpu)) goto bad; break;
		case 'n':
			if (optind >= argc || int_arg(optarg, -20, 19, &o.nice_a) || int_arg(argv[optind], -20, 19, &o.nice_b))
				goto bad;
			optind++;
			break;
		case 'w': if (int_arg(optarg, 10, 600000, &o.work_ms)) goto bad; break;
		case 's': if (int_arg(optarg, 1, 1000, &o.sample_ms)) goto bad; break;
		case 'r': if (int_arg(optarg, 1, 1000, &o.reps)) goto bad; break;
		case 'S':
			if (strcmp(optarg, "pipe") && strcmp(optarg, "staggered"))
				goto bad;
			o.staggered = !strcmp(optarg, "staggered");
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (o.parent_cpu == -2)
		o.parent_cpu = ncpu > 1 ? !o.cpu : -1;
	pin(o.parent_cpu);
	th = 100.0 * nice_weight(o.nice_b) / (nice_weight(o.nice_a) + nice_weight(o.nice_b));
	ex = calloc((size_t)o.reps, sizeof(double));
	in = calloc((size_t)o.reps, sizeof(double));
	if (!ex || !in)
		return 1;
	printf("rep,start,nice_a,nice_b,work_ms,sample_ms,window_ms,share_exact,share_interp,notice_us,theory\n");
	for (r = 0; r < o.reps; r++) {
		double w = 0, nu = 0;
		int rc = rep_run(&o, &ex[r], &in[r], &w, &nu);

		if (rc) {
			fprintf(stderr, "burnpair: repetition %d: %s\n", r + 1, strerror(-rc));
			return 1;
		}
		printf("%d,%s,%d,%d,%d,%d,%.3f,%.4f,%.4f,%.1f,%.4f\n", r + 1, o.staggered ? "staggered" : "pipe",
		       o.nice_a, o.nice_b, o.work_ms, o.sample_ms, w, ex[r], in[r], nu, th);
		fflush(stdout);
	}
	stats_mean_ci(ex, (size_t)o.reps, &m_ex, &ci_ex);
	stats_mean_ci(in, (size_t)o.reps, &m_in, &ci_in);
	fprintf(stderr, "burnpair: nice %d vs %d, %d ms, %s start, n=%d: exact %.3f %% +- %.3f, interp %.3f %% +- %.3f, theory %.3f %%\n",
		o.nice_a, o.nice_b, o.work_ms, o.staggered ? "staggered" : "pipe", o.reps, m_ex, ci_ex, m_in, ci_in, th);
	free(ex);
	free(in);
	return 0;
bad:
	fprintf(stderr, "burnpair: invalid %s (see burnpair --help)\n", argv[optind - 1]);
	return 2;
}
