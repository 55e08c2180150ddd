/* In-guest measure of the rss_stat probe's cost: memory_hog's allocation rate at its top speed
 * (128 MiB, 4 KiB pages touched one by one) in an unwatched and in a watched process, with the
 * probe attached (an event-mode entry elsewhere, so the probe does its lookups; the watched hog
 * in event mode) and without (module loaded with probe=0; the watched hog in scan mode).
 * Rounds interleave the four cases; medians per case; prints the ratios kmod/README.md quotes.
 * Also: with probe=0, event mode falls back to scan and info says so. Leaves the module loaded
 * with defaults. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define ROUNDS 11
#define HOG_MIB 128

static const char *ko_path;

/* MiB/s of one memory_hog run; watched: registered with mode before it starts. */
static double hog_rate(bool watched, uint32_t mode)
{
	char max[16];
	char *argv[] = { "/bin/memory_hog", "--rate", "0", "--max", max, "--quiet", NULL };
	int gate = -1, fd = -1, st = 0;
	int64_t t0, t1;
	pid_t pid;

	snprintf(max, sizeof(max), "%d", HOG_MIB);
	pid = process_spawn(argv, &gate);
	if (pid < 0)
		return -1;
	if (watched) {
		fd = mon_open();
		if (fd < 0 || mon_register_mode(fd, pid, 0, 900 * MIB, "cost", mode)) {
			printf("# cost: register failed\n");
		}
	}
	t0 = mono_ms();
	gate_release(&gate);
	waitpid(pid, &st, 0);
	t1 = mono_ms();
	if (fd >= 0) {
		mon_events_drain(fd);
		close(fd);
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && t1 > t0 ? HOG_MIB * 1000.0 / (double)(t1 - t0) : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	/* [probe off/on][unwatched/watched] */
	double rate[2][2][ROUNDS], med[2][2];
	struct monitor_info info;
	int release = -1, fd, ok = 1;
	pid_t idle;

	if (argc < 2) {
		printf("not ok - test_probe_cost: usage: test_probe_cost PATH-TO-monitor.ko\n");
		return 1;
	}
	ko_path = argv[1];
	idle = child_waiter_spawn(&release);
	for (int r = 0; r < ROUNDS; r++) {
		for (int probe = 0; probe < 2; probe++) {
			module_unload();
			ok &= module_load(ko_path, probe ? "" : "probe=0") == 0;
			fd = mon_open();
			if (r == 0 && probe == 0) {
				struct monitor_query q;

				CHECK(mon_info(fd, &info) == 0 && info.modes == (1u << MONITOR_MODE_SCAN),
				      "probe=0: info offers scan only (modes 0x%x)", info.modes);
				CHECK(mon_register_mode(fd, idle, 0, 0, "fallback", MONITOR_MODE_EVENT) == 0 &&
					      mon_query(fd, idle, &q) == 0 && q.mode == MONITOR_MODE_SCAN,
				      "probe=0: an event-mode registration falls back to scan");
				mon_unregister(fd, idle);
			}
			if (probe)
				mon_register_mode(fd, idle, 0, 900 * MIB, "cost-idle", MONITOR_MODE_EVENT);
			rate[probe][0][r] = hog_rate(false, 0);
			rate[probe][1][r] = hog_rate(true, probe ? MONITOR_MODE_EVENT : MONITOR_MODE_SCAN);
			close(fd);
		}
	}
	module_unload();
	ok &= module_load(ko_path, "") == 0;
	close(release);
	children_reap(&idle, 1);
	CHECK(ok, "insmod/rmmod with and without the probe, %d rounds", ROUNDS);
	for (int p = 0; p < 2; p++) {
		for (int w = 0; w < 2; w++) {
			qsort(rate[p][w], ROUNDS, sizeof(double), cmp_double);
			med[p][w] = rate[p][w][ROUNDS / 2];
			printf("# probe cost: %s, %s: median %.0f MiB/s (min %.0f, max %.0f, %d runs of %d MiB)\n",
			       p ? "probe attached" : "no probe", w ? "watched" : "unwatched", med[p][w],
			       rate[p][w][0], rate[p][w][ROUNDS - 1], ROUNDS, HOG_MIB);
		}
	}
	printf("# probe cost ratios (attached / none): unwatched %.3f, watched %.3f; watched+probe / unwatched+none %.3f\n",
	       med[1][0] / med[0][0], med[1][1] / med[0][1], med[1][1] / med[0][0]);
	CHECK(med[0][0] > 0 && med[1][0] > 0 && med[0][1] > 0 && med[1][1] > 0, "every hog run finished");
	/* The goal is 0.95 (kmod/README.md quotes the ratios). The gate is looser because of the
	 * noise under TCG on a shared host: single runs of one case spread from 152 to 391 MiB/s,
	 * and the medians of two cases the probe cannot tell apart (no probe, unwatched vs watched
	 * in scan mode) differed by up to 12% (317 vs 356 MiB/s on 6.12, 11 rounds), while every
	 * measured ratio was 0.97..1.19 (two runs per kernel); a fresh-clone CI run then measured
	 * 0.850 for the unwatched process on 6.1 (a path the probe only passes through), so the
	 * noise of one ratio reaches 15 %. 0.80 keeps that noise from failing the test and still
	 * fails a probe that costs 20 % or more; kmod/README.md quotes the measured ratios. */
	CHECK(med[1][0] / med[0][0] >= 0.80, "probe cost, unwatched process: rate ratio %.3f >= 0.80",
	      med[1][0] / med[0][0]);
	CHECK(med[1][1] / med[0][1] >= 0.80, "probe cost, watched process: rate ratio %.3f >= 0.80",
	      med[1][1] / med[0][1]);
	return check_exit();
}
