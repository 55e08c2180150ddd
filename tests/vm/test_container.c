/* In-guest test: the unit monitor.ko watches is the container. A PID namespace whose init is a
 * shell is registered through the init; the memory is taken by a child of it (sh -c 'hog; ...'),
 * by a hog the shell started in the background and waits for, and by a grandchild orphaned to
 * the init. In each case, in scan and in event mode, the container's total crosses the hard
 * limit, the module kills the init (which ends the namespace, hog included), and the HARD event
 * and log line carry the total and a process count of at least two. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define SOFT_MIB 10
#define HARD_MIB 20
#define EVENT_TIMEOUT_MS 60000

struct scenario {
	const char *name;
	const char *script; /* the init's sh -c script; the hog stops at 100 MiB, sleep ends it all */
};

static const struct scenario scenarios[] = {
	{ "child", "/bin/memory_hog --rate 20 --max 100 --quiet; sleep 30" },
	{ "background", "/bin/memory_hog --rate 20 --max 100 --quiet & wait" },
	{ "orphan", "(/bin/memory_hog --rate 20 --max 100 --quiet &); sleep 30" },
};

static void run(int fd, const struct scenario *sc, uint32_t mode)
{
	char *argv[] = { "/bin/sh", "-c", (char *)sc->script, NULL };
	struct monitor_event evs[8];
	const struct monitor_event *hard, *soft;
	struct monitor_query q;
	struct monitor_info before, after;
	char id[MONITOR_ID_LEN], line[128];
	int gate = -1, n, st = 0;
	pid_t init;

	snprintf(id, sizeof(id), "ctr-%s-%s", sc->name, mode_name(mode));
	mon_events_drain(fd);
	mon_info(fd, &before);
	init = container_spawn(argv, &gate);
	if (init < 0) {
		CHECK(init > 0, "%s: clone(CLONE_NEWPID): %s", id, strerror(-init));
		return;
	}
	CHECK(mon_register_mode(fd, init, SOFT_MIB * MIB, HARD_MIB * MIB, id, mode) == 0,
	      "%s: register the container's init (soft %d MiB, hard %d MiB)", id, SOFT_MIB, HARD_MIB);
	CHECK(mon_query(fd, init, &q) == 0 && (q.flags & MONITOR_FLAG_NAMESPACE) && q.mode == mode &&
		      q.nprocs == 1,
	      "%s: the unit is the namespace, mode %s, 1 process before the exec (flags 0x%x, mode %u, %u procs)",
	      id, mode_name(mode), q.flags, q.mode, q.nprocs);
	gate_release(&gate);
	n = events_until_exit(fd, init, evs, 8, EVENT_TIMEOUT_MS);
	if (n == 0 || evs[n - 1].type != MONITOR_EVENT_EXIT)
		kill(init, SIGKILL);
	waitpid(init, &st, 0);
	hard = event_find(evs, n, MONITOR_EVENT_HARD);
	soft = event_find(evs, n, MONITOR_EVENT_SOFT);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: the init died by SIGKILL (status 0x%x)", id, st);
	CHECK(n == 3 && soft == &evs[0] && hard == &evs[1] && evs[2].type == MONITOR_EVENT_EXIT,
	      "%s: events are SOFT, HARD, EXIT (%d events)", id, n);
	if (!hard)
		return;
	/* The shell alone is well under 1 MiB: a total past 20 MiB is the hog's memory. */
	CHECK(hard->rss_bytes > HARD_MIB * MIB && hard->nprocs >= 2 && hard->mode == mode,
	      "%s: HARD at the container's total %llu KiB with %u processes, mode %s", id,
	      (unsigned long long)hard->rss_bytes / 1024, hard->nprocs, mode_name(hard->mode));
	printf("# %s: hard limit passed by %lld KiB, %u processes at the kill\n", id,
	       ((long long)hard->rss_bytes - (long long)(HARD_MIB * MIB)) / 1024, hard->nprocs);
	snprintf(line, sizeof(line), "HARD LIMIT container=%s pid=%d rss=%llu limit=%llu procs=%u mode=%s",
		 id, init, (unsigned long long)hard->rss_bytes, (unsigned long long)hard->limit_bytes,
		 hard->nprocs, mode_name(mode));
	CHECK(klog_count(line) == 1, "%s: dmesg holds the HARD LIMIT line with total and procs once", id);
	CHECK(mon_entries_wait(fd, before.entries, 10000) == 0, "%s: no entry left", id);
	mon_info(fd, &after);
	CHECK(after.events_dropped == before.events_dropped, "%s: no event dropped", id);
}

int main(void)
{
	struct monitor_info info;
	int fd = mon_open();

	CHECK(fd >= 0, "open %s", MONITOR_DEVICE_PATH);
	if (fd < 0)
		return check_exit();
	mon_info(fd, &info);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		run(fd, &scenarios[i], MONITOR_MODE_SCAN);
		if (info.modes & (1u << MONITOR_MODE_EVENT))
			run(fd, &scenarios[i], MONITOR_MODE_EVENT);
		else
			printf("not ok - container %s: event mode: no rss_stat probe on this kernel\n",
			       scenarios[i].name);
	}
	close(fd);
	return check_exit();
}
