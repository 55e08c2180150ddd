/* In-guest test of unloading monitor.ko with the rss_stat probe attached and event-mode entries
 * live while their processes fault: three hogs allocate at their top rate, each the init of a
 * registered container, as rmmod runs (stopped for it under software emulation: see main); five
 * cycles. rmmod must succeed, leave the hogs alone and the kernel log clean (init.sh checks dmesg).
 * Leaves the module loaded with defaults. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define HOGS 3
#define CYCLES 5

static const char *ko_path;
static bool tcg;

/* Whether the kernel command line holds word. */
static bool cmdline_has(const char *word)
{
	char buf[1024] = "";
	FILE *f = fopen("/proc/cmdline", "re");
	bool found = false;

	if (f) {
		found = fgets(buf, sizeof(buf), f) && strstr(buf, word);
		fclose(f);
	}
	return found;
}

int main(int argc, char **argv)
{
	/* Grows to 120 MiB quickly, holds, then is killed; a new one each cycle, so that the
	 * probe fires throughout the rmmod. */
	char *hog_argv[] = { "/bin/memory_hog", "--rate", "0", "--step", "0.25", "--max", "120", "--hold-s", "60", "--quiet", NULL };
	int unloaded = 0, reloaded = 0, alive = 0, registered = 0;
	struct monitor_info info;

	if (argc < 2) {
		printf("not ok - test_event_rmmod: usage: test_event_rmmod PATH-TO-monitor.ko\n");
		return 1;
	}
	ko_path = argv[1];
	/* Under software emulation the kernel's text patching of the rss_stat sites (the probe's
	 * attach and detach) while another vCPU runs them Oopsed on int3 on 6.12 (kmod/README.md):
	 * there the hogs stay registered and alive but are stopped while the module goes. */
	tcg = cmdline_has("hoglab.accel=tcg");
	printf("# test_event_rmmod: hogs %s during rmmod (%s)\n", tcg ? "stopped" : "faulting",
	       tcg ? "software emulation" : "hardware virtualisation or bare metal");
	for (int c = 0; c < CYCLES; c++) {
		pid_t hogs[HOGS];
		int gates[HOGS], fd, ret;

		/* Children first: one cloned while the device is open does not hold it (the gate
		 * closes every other fd), but keep the order of test_module anyway. */
		for (int i = 0; i < HOGS; i++)
			hogs[i] = container_spawn(hog_argv, &gates[i]);
		fd = mon_open();
		for (int i = 0; i < HOGS; i++)
			registered += fd >= 0 && mon_register_mode(fd, hogs[i], 0, 900 * MIB, "rmmod-live",
								   MONITOR_MODE_EVENT) == 0;
		if (c == 0)
			CHECK(mon_info(fd, &info) == 0 && info.entries == HOGS && (info.modes & (1u << MONITOR_MODE_EVENT)),
			      "%d event-mode entries live, probe attached (%u entries, modes 0x%x)", HOGS,
			      info.entries, info.modes);
		close(fd);
		for (int i = 0; i < HOGS; i++)
			gate_release(&gates[i]);
		usleep(20000 * (c + 1)); /* rmmod at a different point of the growth each cycle */
		if (tcg)
			for (int i = 0; i < HOGS; i++)
				kill(hogs[i], SIGSTOP);
		ret = module_unload();
		unloaded += ret == 0;
		if (tcg)
			for (int i = 0; i < HOGS; i++)
				kill(hogs[i], SIGCONT);
		for (int i = 0; i < HOGS; i++)
			alive += kill(hogs[i], 0) == 0;
		for (int i = 0; i < HOGS; i++) {
			kill(hogs[i], SIGKILL);
			waitpid(hogs[i], NULL, 0);
		}
		/* Loaded again with nothing faulting: attaching the probe while other vCPUs run the
		 * rss_stat site Oopsed on int3 in 4 of 4 boots of 6.12 under TCG (kmod/README.md). */
		reloaded += module_load(ko_path, "") == 0;
	}
	CHECK(registered == HOGS * CYCLES, "every cycle registered its %d hogs in event mode (%d)", HOGS, registered);
	CHECK(unloaded == CYCLES, "rmmod with the probe attached and entries live while they fault: 0, %d times (%d)",
	      CYCLES, unloaded);
	CHECK(alive == HOGS * CYCLES, "rmmod leaves the watched processes alone (%d alive)", alive);
	CHECK(reloaded == CYCLES, "insmod again after each rmmod (%d)", reloaded);
	return check_exit();
}
