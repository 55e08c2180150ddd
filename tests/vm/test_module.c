/* In-guest test of loading and unloading monitor.ko (path in argv[1]): rmmod refused while the
 * device is open, rmmod with 50 live entries, 20 insmod/rmmod cycles, period_ms at load time.
 * Leaves the module loaded. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define LIVE_ENTRIES 50
#define LOAD_CYCLES 20

static const char *ko_path;

static void test_busy(void)
{
	int fd = mon_open();

	CHECK(fd >= 0 && module_unload() == -EWOULDBLOCK, "rmmod while the device is open: EWOULDBLOCK");
	close(fd);
}

static void test_unload_live(void)
{
	pid_t pids[LIVE_ENTRIES];
	struct monitor_info info;
	int fd, release = -1, registered = 0, alive = 0, ret;

	/* Children first: one forked while the device is open could still hold it at rmmod. */
	for (int i = 0; i < LIVE_ENTRIES; i++)
		pids[i] = child_waiter_spawn(&release);
	fd = mon_open();
	for (int i = 0; i < LIVE_ENTRIES; i++)
		registered += mon_register(fd, pids[i], 64 * MIB, 128 * MIB, "module-live") == 0;
	CHECK(registered == LIVE_ENTRIES && mon_info(fd, &info) == 0 && info.entries == LIVE_ENTRIES,
	      "%d entries live (%u)", LIVE_ENTRIES, info.entries);
	close(fd);
	ret = module_unload();
	CHECK(ret == 0, "rmmod with %d live entries: 0 (%s)", LIVE_ENTRIES, strerror(-ret));
	CHECK(access(MONITOR_DEVICE_PATH, F_OK) && errno == ENOENT, "the device node is gone");
	for (int i = 0; i < LIVE_ENTRIES; i++)
		alive += kill(pids[i], 0) == 0;
	CHECK(alive == LIVE_ENTRIES, "rmmod leaves the watched processes alone (%d alive)", alive);
	close(release);
	CHECK(children_reap(pids, LIVE_ENTRIES) == LIVE_ENTRIES, "they exit normally after");
	CHECK(module_load(ko_path, "") == 0 && (fd = mon_open()) >= 0 && mon_info(fd, &info) == 0 &&
		      info.entries == 0,
	      "insmod again: no entry carried over");
	close(fd);
}

static void test_cycles(void)
{
	int loaded = 0, used = 0, unloaded = 0, release = -1;
	pid_t child = child_waiter_spawn(&release);

	module_unload();
	for (int i = 0; i < LOAD_CYCLES; i++) {
		int fd;

		loaded += module_load(ko_path, "") == 0;
		fd = mon_open();
		used += fd >= 0 && mon_register(fd, child, 0, 0, "module-cycle") == 0;
		close(fd);
		unloaded += module_unload() == 0;
	}
	CHECK(loaded == LOAD_CYCLES && unloaded == LOAD_CYCLES,
	      "%d insmod/rmmod cycles, each with a live entry (loaded %d, used %d, unloaded %d)",
	      LOAD_CYCLES, loaded, used, unloaded);
	CHECK(used == LOAD_CYCLES, "the device works after every insmod (%d)", used);
	close(release);
	children_reap(&child, 1);
}

static void test_load_params(void)
{
	struct monitor_info info;
	int fd = -1;

	CHECK(module_load(ko_path, "period_ms=5") == -EINVAL, "insmod period_ms=5: EINVAL");
	CHECK(module_load(ko_path, "period_ms=20") == 0 && (fd = mon_open()) >= 0 && mon_info(fd, &info) == 0 &&
		      info.period_ms == 20,
	      "insmod period_ms=20 sets the period");
	if (fd >= 0)
		close(fd);
	module_unload();
	CHECK(module_load(ko_path, "") == 0, "insmod with defaults");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("not ok - test_module: usage: test_module PATH-TO-monitor.ko\n");
		return 1;
	}
	ko_path = argv[1];
	test_busy();
	test_unload_live();
	test_cycles();
	test_load_params();
	return check_exit();
}
