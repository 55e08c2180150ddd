/* In-guest stress test of event mode: 1,000 short containers (each the init of its own PID
 * namespace, memory_hog taking 2 MiB and exiting) registered in event mode and ending, 50 at a
 * time, while a hog registered in event mode in another container keeps allocating (so the probe
 * fires on both sides and every exec's new mm queues a check). Every container leaves exactly one
 * EXIT event, none is dropped, no entry is left, and the hog is never touched. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define CONTAINERS 1000
#define BATCH 50
#define SETTLE_TIMEOUT_MS 60000

int main(void)
{
	char *hog_argv[] = { "/bin/memory_hog", "--rate", "10", "--max", "150", "--hold-s", "300", "--quiet", NULL };
	char *short_argv[] = { "/bin/memory_hog", "--max", "2", "--quiet", NULL };
	struct monitor_info before, after, info;
	struct monitor_event ev;
	pid_t pids[BATCH], hog;
	int fd = mon_open(), gate = -1, gates[BATCH];
	int registered = 0, exits = 0, dup = 0, other = 0, hog_events = 0, settled = 0, st = 0;
	bool seen[BATCH];
	int64_t t0;

	CHECK(fd >= 0, "open %s", MONITOR_DEVICE_PATH);
	if (fd < 0)
		return check_exit();
	mon_info(fd, &info);
	if (!(info.modes & (1u << MONITOR_MODE_EVENT))) {
		printf("not ok - event churn: no rss_stat probe on this kernel\n");
		return 1;
	}
	mon_events_drain(fd);
	mon_info(fd, &before);
	hog = container_spawn(hog_argv, &gate);
	CHECK(hog > 0 && mon_register_mode(fd, hog, 0, 512 * MIB, "churn-hog", MONITOR_MODE_EVENT) == 0,
	      "churn: the hog's container is registered in event mode (hard 512 MiB, never reached)");
	gate_release(&gate);
	t0 = mono_ms();
	for (int b = 0; b < CONTAINERS / BATCH; b++) {
		int n = 0;

		for (int i = 0; i < BATCH; i++) {
			pids[i] = container_spawn(short_argv, &gates[i]);
			seen[i] = false;
			if (pids[i] > 0 && mon_register_mode(fd, pids[i], 0, 64 * MIB, "churn", MONITOR_MODE_EVENT) == 0)
				registered++;
		}
		for (int i = 0; i < BATCH; i++)
			gate_release(&gates[i]);
		settled += children_reap(pids, BATCH);
		/* Each container's EXIT comes at the next scan or the next check, whichever first. */
		while (n < BATCH && mon_event_wait(fd, &ev, SETTLE_TIMEOUT_MS) == 1) {
			int k = -1;

			for (int i = 0; i < BATCH; i++)
				if (ev.pid == pids[i])
					k = i;
			if (ev.pid == hog) {
				hog_events++;
				continue;
			}
			if (k < 0 || ev.type != MONITOR_EVENT_EXIT) {
				other++;
				continue;
			}
			dup += seen[k];
			exits += !seen[k];
			n += !seen[k];
			seen[k] = true;
		}
	}
	printf("# churn: %d containers in %lld ms\n", CONTAINERS, (long long)(mono_ms() - t0));
	CHECK(registered == CONTAINERS && settled == CONTAINERS,
	      "churn: %d containers registered in event mode and exited 0 (%d, %d)", CONTAINERS, registered,
	      settled);
	CHECK(exits == CONTAINERS && dup == 0 && other == 0,
	      "churn: one EXIT event per container (%d distinct, %d duplicates, %d other)", exits, dup, other);
	CHECK(hog_events == 0 && kill(hog, 0) == 0 && waitpid(hog, &st, WNOHANG) == 0,
	      "churn: the hog lives and got no event (%d)", hog_events);
	mon_info(fd, &after);
	CHECK(after.entries == before.entries + 1, "churn: only the hog's entry is left (%u)", after.entries);
	CHECK(after.events_dropped == before.events_dropped, "churn: no event dropped (%llu)",
	      (unsigned long long)(after.events_dropped - before.events_dropped));
	kill(hog, SIGKILL);
	waitpid(hog, &st, 0);
	CHECK(mon_entries_wait(fd, before.entries, SETTLE_TIMEOUT_MS) == 0, "churn: no entry left after the hog");
	mon_events_drain(fd);
	close(fd);
	return check_exit();
}
