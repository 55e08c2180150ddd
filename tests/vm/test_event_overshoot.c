/* In-guest test of event mode's bound: memory_hog, as the init of its own namespace, grows past
 * a 20 MiB hard limit at 10 MiB/s and at its top rate, with the scan period at 10 ms and at
 * 1000 ms. In event mode the kill comes from the rss_stat probe, so the overshoot must not grow
 * with the period: it is held to one bound at both periods, that of the kernel's counters
 * (kmod/README.md): on 6.2+ every counter change fires the probe, bound 2 MiB; on 6.1 the
 * counters sync every 64 faults per thread, bound 64 pages x 1 thread + 1 MiB. The slack above
 * the counters' own lag covers the time from the probe to the check work (the work runs at
 * WQ_HIGHPRI; at the top rate under TCG the hog adds about 0.3 MiB per ms). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define HARD_MIB 20
#define SOFT_MIB 10
#define EVENT_TIMEOUT_MS 60000

static bool kernel_6_2_or_later(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 2);
}

/* The overshoot past the hard limit in bytes, or -1. */
static long long run(int fd, const char *rate, unsigned int period_ms)
{
	char *argv[] = { "/bin/memory_hog", "--rate", (char *)rate, "--max", "200", "--quiet", NULL };
	struct monitor_event evs[8];
	const struct monitor_event *hard;
	char id[MONITOR_ID_LEN];
	int gate = -1, n, st = 0;
	pid_t pid;

	snprintf(id, sizeof(id), "overshoot-%s-%u", rate, period_ms);
	mon_period_set(period_ms);
	mon_events_drain(fd);
	pid = container_spawn(argv, &gate);
	if (pid < 0 || mon_register_mode(fd, pid, SOFT_MIB * MIB, HARD_MIB * MIB, id, MONITOR_MODE_EVENT)) {
		CHECK(0, "%s: spawn and register in event mode", id);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	gate_release(&gate);
	n = events_until_exit(fd, pid, evs, 8, EVENT_TIMEOUT_MS);
	if (n == 0 || evs[n - 1].type != MONITOR_EVENT_EXIT)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	hard = event_find(evs, n, MONITOR_EVENT_HARD);
	CHECK(hard && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && hard->mode == MONITOR_MODE_EVENT,
	      "%s: killed at the hard limit in event mode", id);
	return hard ? (long long)hard->rss_bytes - (long long)hard->limit_bytes : -1;
}

int main(void)
{
	struct monitor_info info;
	const char *rates[] = { "10", "0" };
	unsigned int periods[] = { 10, 1000 };
	long long bound, over;
	int fd = mon_open();

	CHECK(fd >= 0, "open %s", MONITOR_DEVICE_PATH);
	if (fd < 0)
		return check_exit();
	mon_info(fd, &info);
	if (!(info.modes & (1u << MONITOR_MODE_EVENT))) {
		printf("not ok - event overshoot: no rss_stat probe on this kernel\n");
		return 1;
	}
	bound = kernel_6_2_or_later() ? 2 * (long long)MIB : 64 * 4096LL * 1 + (long long)MIB;
	for (int r = 0; r < 2; r++) {
		for (int p = 0; p < 2; p++) {
			over = run(fd, rates[r], periods[p]);
			printf("# event overshoot: rate %s MiB/s (0 = top), period %u ms: %lld KiB past %d MiB\n",
			       rates[r], periods[p], over / 1024, HARD_MIB);
			CHECK(over >= 0 && over <= bound,
			      "event mode, rate %s MiB/s, period %u ms: overshoot %lld KiB within %lld KiB",
			      rates[r][0] == '0' ? "top" : rates[r], periods[p], over / 1024, bound / 1024);
		}
	}
	mon_period_set(info.period_ms);
	close(fd);
	return check_exit();
}
