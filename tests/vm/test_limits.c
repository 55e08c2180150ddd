/* In-guest test of monitor.ko's limits: memory_hog crossing soft 10 MiB and hard 20 MiB at a
 * known rate (events, SIGKILL, overshoot bound, dmesg lines), idle and under CPU load; one SOFT
 * event per upward crossing; a PID reused by another process is never killed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define MEMORY_HOG "/bin/memory_hog"
#define CPU_HOG "/bin/cpu_hog"
/* Slow enough that 2 MiB of slack covers a scan 200 ms late on a loaded host. */
#define HOG_RATE_MIB 10
#define SOFT_MIB 10
#define HARD_MIB 20
#define EVENT_TIMEOUT_MS 30000

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Collects pid's events until its EXIT (or a timeout) into evs; returns how many. */
static int events_collect(int fd, pid_t pid, struct monitor_event *evs, int max)
{
	struct monitor_event ev;
	int n = 0;

	while (n < max && mon_event_wait(fd, &ev, EVENT_TIMEOUT_MS) == 1) {
		if (ev.pid != pid)
			continue;
		evs[n++] = ev;
		if (ev.type == MONITOR_EVENT_EXIT)
			break;
	}
	return n;
}

static int klog_count_event(const char *kind, const struct monitor_event *ev)
{
	char line[160];

	snprintf(line, sizeof(line), "container_monitor: %s LIMIT container=%s pid=%d rss=%llu limit=%llu",
		 kind, ev->container_id, ev->pid, (unsigned long long)ev->rss_bytes,
		 (unsigned long long)ev->limit_bytes);
	return klog_count(line);
}

/* memory_hog grows at HOG_RATE_MIB until the hard limit kills it. */
static void test_hard_limit(int fd, const char *id, int cpu_hogs)
{
	char rate[16];
	char *hog_argv[] = { MEMORY_HOG, "--rate", rate, "--step", "0.25", "--quiet", NULL };
	char *cpu_argv[] = { CPU_HOG, "--iterations", "1000000000", "--quiet", NULL };
	struct monitor_event evs[8], *soft = NULL, *hard = NULL;
	struct monitor_info info;
	pid_t cpu[2], pid;
	int n, nsoft = 0, nhard = 0, st = 0, busy = 0;
	uint64_t bound, over;

	snprintf(rate, sizeof(rate), "%d", HOG_RATE_MIB);
	if (cpu_hogs && access(CPU_HOG, X_OK)) {
		printf("skip - %s: %s not in the guest\n", id, CPU_HOG);
		return;
	}
	mon_info(fd, &info);
	for (int i = 0; i < cpu_hogs; i++)
		cpu[i] = spawn(cpu_argv);
	mon_events_drain(fd);
	pid = spawn(hog_argv);
	CHECK(mon_register(fd, pid, SOFT_MIB * MIB, HARD_MIB * MIB, id) == 0,
	      "%s: register memory_hog (soft %d MiB, hard %d MiB, %d MiB/s, %d CPU hogs)", id, SOFT_MIB,
	      HARD_MIB, HOG_RATE_MIB, cpu_hogs);
	n = events_collect(fd, pid, evs, 8);
	waitpid(pid, &st, 0);
	for (int i = 0; i < cpu_hogs; i++) {
		int cst = 0;

		kill(cpu[i], SIGKILL);
		waitpid(cpu[i], &cst, 0);
		busy += WIFSIGNALED(cst) && WTERMSIG(cst) == SIGKILL;
	}
	if (cpu_hogs)
		CHECK(busy == cpu_hogs, "%s: the %d CPU hogs ran throughout (%d)", id, cpu_hogs, busy);
	for (int i = 0; i < n; i++) {
		if (evs[i].type == MONITOR_EVENT_SOFT && nsoft++ == 0)
			soft = &evs[i];
		if (evs[i].type == MONITOR_EVENT_HARD && nhard++ == 0)
			hard = &evs[i];
	}
	CHECK(nsoft == 1 && nhard == 1 && n == 3 && evs[0].type == MONITOR_EVENT_SOFT &&
		      evs[1].type == MONITOR_EVENT_HARD && evs[2].type == MONITOR_EVENT_EXIT,
	      "%s: events are exactly SOFT, HARD, EXIT (got %d events, %d SOFT, %d HARD)", id, n, nsoft,
	      nhard);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: memory_hog died by SIGKILL (status 0x%x)",
	      id, st);
	if (!soft || !hard)
		return;
	CHECK(soft->limit_bytes == SOFT_MIB * MIB && soft->rss_bytes > soft->limit_bytes &&
		      strcmp(soft->container_id, id) == 0,
	      "%s: SOFT event at rss %llu above limit %llu", id, (unsigned long long)soft->rss_bytes,
	      (unsigned long long)soft->limit_bytes);
	bound = (uint64_t)HOG_RATE_MIB * MIB * info.period_ms / 1000 + 2 * MIB;
	over = hard->rss_bytes - hard->limit_bytes;
	CHECK(hard->limit_bytes == HARD_MIB * MIB && hard->rss_bytes >= hard->limit_bytes,
	      "%s: HARD event at rss %llu, at or above the limit %llu", id,
	      (unsigned long long)hard->rss_bytes, (unsigned long long)hard->limit_bytes);
	CHECK(hard->rss_bytes >= hard->limit_bytes && over <= bound,
	      "%s: RSS at kill %llu KiB above the hard limit, within rate x period + 2 MiB = %llu KiB",
	      id, (unsigned long long)over / 1024, (unsigned long long)bound / 1024);
	printf("# %s: soft crossed by %llu KiB, hard by %llu KiB; %.0f ms from SOFT to HARD\n", id,
	       (unsigned long long)(soft->rss_bytes - soft->limit_bytes) / 1024,
	       (unsigned long long)over / 1024, (hard->timestamp_ns - soft->timestamp_ns) / 1e6);
	CHECK(klog_count_event("SOFT", soft) == 1, "%s: dmesg holds the SOFT LIMIT line once", id);
	CHECK(klog_count_event("HARD", hard) == 1, "%s: dmesg holds the HARD LIMIT line once", id);
}

/* A child that grows to 12 MiB or shrinks back on command, answering each command with a byte. */
static pid_t grower_spawn(int *cmd_fd, int *ack_fd)
{
	int cmd[2], ack[2];
	pid_t pid;

	if (pipe(cmd) || pipe(ack))
		return -1;
	pid = fork();
	if (pid == 0) {
		size_t len = 12 * MIB;
		char *p = NULL, c;

		close(cmd[1]);
		close(ack[0]);
		while (read(cmd[0], &c, 1) == 1) {
			if (c == 'g') {
				p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				memset(p, 1, len);
			} else if (c == 's') {
				munmap(p, len);
			}
			if (write(ack[1], &c, 1) != 1)
				break;
		}
		_exit(0);
	}
	close(cmd[0]);
	close(ack[1]);
	*cmd_fd = cmd[1];
	*ack_fd = ack[0];
	return pid;
}

static void grower_do(int cmd_fd, int ack_fd, char c)
{
	if (write(cmd_fd, &c, 1) != 1 || read(ack_fd, &c, 1) != 1)
		printf("# grower did not answer '%c'\n", c);
}

/* Counts pid's events of type within timeout_ms, stopping at the first when stop_at_one. */
static int events_count(int fd, pid_t pid, uint32_t type, int timeout_ms, bool stop_at_one)
{
	struct monitor_event ev;
	int64_t deadline = mono_ms() + timeout_ms;
	int n = 0, left;

	while ((left = (int)(deadline - mono_ms())) > 0 && mon_event_wait(fd, &ev, left) == 1) {
		if (ev.pid == pid && ev.type == type && ++n && stop_at_one)
			break;
	}
	return n;
}

static void test_soft_crossings(int fd)
{
	struct monitor_query q;
	struct monitor_info info;
	int cmd = -1, ack = -1, st;
	int64_t deadline;
	pid_t pid;

	mon_info(fd, &info);
	mon_events_drain(fd);
	pid = grower_spawn(&cmd, &ack);
	if (pid < 0) {
		CHECK(pid > 0, "soft: spawn the growing child: %s", strerror(errno));
		return;
	}
	CHECK(mon_register(fd, pid, 8 * MIB, 0, "limits-soft") == 0, "soft: register, soft 8 MiB, no hard");
	grower_do(cmd, ack, 'g');
	CHECK(events_count(fd, pid, MONITOR_EVENT_SOFT, EVENT_TIMEOUT_MS, true) == 1,
	      "soft: growing to 12 MiB gives a SOFT event");
	CHECK(events_count(fd, pid, MONITOR_EVENT_SOFT, (int)info.period_ms * 5, false) == 0,
	      "soft: staying above the limit for 5 periods gives no second event");
	grower_do(cmd, ack, 's');
	deadline = mono_ms() + EVENT_TIMEOUT_MS;
	while (mon_query(fd, pid, &q) == 0 && (q.flags & MONITOR_FLAG_SOFT_WARNED) && mono_ms() < deadline)
		usleep(20000);
	CHECK(!(q.flags & MONITOR_FLAG_SOFT_WARNED), "soft: shrinking below the limit clears soft-warned");
	grower_do(cmd, ack, 'g');
	CHECK(events_count(fd, pid, MONITOR_EVENT_SOFT, EVENT_TIMEOUT_MS, true) == 1,
	      "soft: growing again gives a second SOFT event");
	CHECK(mon_query(fd, pid, &q) == 0 && (q.flags & MONITOR_FLAG_SOFT_WARNED) &&
		      !(q.flags & MONITOR_FLAG_KILLED) && q.peak_rss_bytes >= 12 * MIB,
	      "soft: query shows soft-warned, not killed, peak %llu >= 12 MiB",
	      (unsigned long long)q.peak_rss_bytes);
	close(cmd);
	close(ack);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "soft: a soft limit never kills");
	CHECK(klog_count("SOFT LIMIT container=limits-soft ") == 2, "soft: dmesg holds two SOFT LIMIT lines");
}

/* A child that takes 8 MiB and reports ready on fd. */
static void child_take_8mib(int fd)
{
	char *p = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 1, 8 * MIB);
	if (write(fd, "r", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

static void test_pid_reuse(int fd)
{
	struct monitor_event ev;
	struct monitor_info info;
	int release = -1, ready[2], st, got_exit = 0, got_hard = 0;
	pid_t a, b;
	FILE *f;
	char c;

	if (access("/proc/sys/kernel/ns_last_pid", W_OK)) {
		printf("skip - pid reuse: /proc/sys/kernel/ns_last_pid not writable\n");
		return;
	}
	mon_info(fd, &info);
	mon_events_drain(fd);
	/* The next scan is 10 s away: the swap below happens between two scans. */
	mon_period_set(10000);
	usleep(200000);
	a = child_waiter_spawn(&release);
	CHECK(mon_register(fd, a, 0, 4 * MIB, "limits-reuse") == 0, "reuse: register A, hard 4 MiB");
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	close(release);
	if (pipe(ready))
		return;
	f = fopen("/proc/sys/kernel/ns_last_pid", "w");
	fprintf(f, "%d", a - 1);
	fclose(f);
	b = fork();
	if (b == 0)
		child_take_8mib(ready[1]);
	close(ready[1]);
	if (b != a || read(ready[0], &c, 1) != 1) {
		printf("skip - reuse: the new process got pid %d, not %d\n", b, a);
		kill(b, SIGKILL);
		waitpid(b, NULL, 0);
		mon_period_set(info.period_ms);
		return;
	}
	mon_period_set(info.period_ms);
	while (!got_exit && mon_event_wait(fd, &ev, EVENT_TIMEOUT_MS) == 1) {
		got_exit += ev.pid == a && ev.type == MONITOR_EVENT_EXIT;
		got_hard += ev.pid == a && ev.type == MONITOR_EVENT_HARD;
	}
	usleep(info.period_ms * 5 * 1000);
	CHECK(got_exit == 1 && got_hard == 0, "reuse: A's entry ends with EXIT and no HARD (%d, %d)",
	      got_exit, got_hard);
	CHECK(waitpid(b, &st, WNOHANG) == 0, "reuse: B (same pid %d, 8 MiB > A's hard limit) lives", b);
	CHECK(mon_register(fd, b, 0, 0, "limits-reuse-b") == 0 && mon_unregister(fd, b) == 0,
	      "reuse: B can be registered under the same number");
	CHECK(klog_count("HARD LIMIT container=limits-reuse ") == 0, "reuse: dmesg holds no HARD line for A");
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	close(ready[0]);
}

int main(void)
{
	int fd = mon_open();

	CHECK(fd >= 0, "open %s", MONITOR_DEVICE_PATH);
	if (fd < 0)
		return check_exit();
	if (access(MEMORY_HOG, X_OK) == 0) {
		test_hard_limit(fd, "limits-hog", 0);
		test_hard_limit(fd, "limits-hog-load", 2);
	} else {
		printf("skip - hard limit: %s not in the guest (make workloads)\n", MEMORY_HOG);
	}
	test_soft_crossings(fd);
	test_pid_reuse(fd);
	close(fd);
	return check_exit();
}
