/* In-guest stress test of monitor.ko: 10,000 register/unregister cycles in each of two racing
 * processes, 100 registered tasks exiting together, and the event queue overflowing into its
 * dropped counter. Every case must end with no entry left. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define CYCLES 10000
#define TASKS 100
#define OVERFLOW_EXTRA 44
#define SETTLE_TIMEOUT_MS 60000

/* A forked worker registers and unregisters its own child CYCLES times; exit status = failures
 * (capped at 255). */
static pid_t cycle_worker_spawn(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int release = -1, fd = mon_open(), failures = 0;
		pid_t child = child_waiter_spawn(&release);

		if (fd < 0 || child < 0)
			_exit(255);
		for (int i = 0; i < CYCLES; i++) {
			if (mon_register(fd, child, 64 * MIB, 128 * MIB, "stress-cycle"))
				failures++;
			if (mon_unregister(fd, child))
				failures++;
		}
		close(release);
		children_reap(&child, 1);
		_exit(failures > 255 ? 255 : failures);
	}
	return pid;
}

static void test_cycles(int fd)
{
	struct monitor_info before, after;
	pid_t w[2];
	int st, failures = 0;
	int64_t t0 = mono_ms();

	mon_info(fd, &before);
	for (int i = 0; i < 2; i++)
		w[i] = cycle_worker_spawn();
	for (int i = 0; i < 2; i++) {
		if (waitpid(w[i], &st, 0) != w[i] || !WIFEXITED(st))
			failures += 1000;
		else
			failures += WEXITSTATUS(st);
	}
	printf("# 2 x %d register/unregister cycles in %lld ms\n", CYCLES, (long long)(mono_ms() - t0));
	CHECK(failures == 0, "2 racing processes x %d register/unregister cycles: every call 0 (%d failed)",
	      CYCLES, failures);
	CHECK(mon_info(fd, &after) == 0 && after.entries == before.entries,
	      "after the cycles: no entry left (%u)", after.entries);
	CHECK(after.events_queued == before.events_queued, "unregister leaves no event");
}

/* Registers n waiting children with id, releases them together and reaps them; returns how many
 * registered. */
static int tasks_register_release(int fd, pid_t *pids, int n, const char *id)
{
	int release = -1, registered = 0;

	for (int i = 0; i < n; i++) {
		pids[i] = child_waiter_spawn(&release);
		if (pids[i] > 0 && mon_register(fd, pids[i], 0, 0, id) == 0)
			registered++;
	}
	close(release);
	children_reap(pids, n);
	return registered;
}

static void test_exit_together(int fd)
{
	struct monitor_info before, after;
	struct monitor_event ev;
	pid_t pids[TASKS];
	bool seen[TASKS] = { false };
	int registered, exits = 0, dup = 0, ret;

	mon_events_drain(fd);
	mon_info(fd, &before);
	registered = tasks_register_release(fd, pids, TASKS, "stress-exit");
	CHECK(registered == TASKS, "%d tasks registered (%d)", TASKS, registered);
	ret = mon_entries_wait(fd, before.entries, SETTLE_TIMEOUT_MS);
	CHECK(ret == 0, "%d tasks exiting together leave no entry", TASKS);
	while (mon_event_wait(fd, &ev, 0) == 1) {
		for (int i = 0; i < TASKS; i++) {
			if (ev.pid != pids[i] || ev.type != MONITOR_EVENT_EXIT)
				continue;
			dup += seen[i];
			exits += !seen[i];
			seen[i] = true;
		}
	}
	CHECK(exits == TASKS && dup == 0, "one EXIT event per task (%d distinct, %d duplicates)", exits, dup);
	CHECK(mon_info(fd, &after) == 0 && after.events_dropped == before.events_dropped,
	      "no event dropped");
}

static void test_overflow(int fd)
{
	struct monitor_info before, after;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	pid_t *pids;
	int n, drained;

	mon_events_drain(fd);
	mon_info(fd, &before);
	n = (int)before.events_capacity + OVERFLOW_EXTRA;
	pids = calloc((size_t)n, sizeof(*pids));
	if (!pids)
		return;
	CHECK(tasks_register_release(fd, pids, n, "stress-overflow") == n, "%d tasks registered", n);
	CHECK(mon_entries_wait(fd, before.entries, SETTLE_TIMEOUT_MS) == 0, "%d tasks leave no entry", n);
	mon_info(fd, &after);
	CHECK(after.events_queued == before.events_capacity, "the queue holds its capacity, %u records (%u)",
	      before.events_capacity, after.events_queued);
	CHECK(after.events_dropped - before.events_dropped == OVERFLOW_EXTRA,
	      "the %d records beyond it are counted as dropped (%llu)", OVERFLOW_EXTRA,
	      (unsigned long long)(after.events_dropped - before.events_dropped));
	drained = mon_events_drain(fd);
	CHECK(drained == (int)before.events_capacity, "read() drains %d records (%d)",
	      before.events_capacity, drained);
	CHECK(poll(&p, 1, 0) == 0, "an empty queue is not readable");
	free(pids);
}

int main(void)
{
	int fd = mon_open();

	CHECK(fd >= 0, "open %s", MONITOR_DEVICE_PATH);
	if (fd < 0)
		return check_exit();
	test_cycles(fd);
	test_exit_together(fd);
	test_overflow(fd);
	close(fd);
	return check_exit();
}
