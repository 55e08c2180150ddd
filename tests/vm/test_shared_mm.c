/* In-guest test: memory shared by threads and by a CLONE_VM process counts once. The init of a
 * new PID namespace takes 8 MiB, a second thread of it 8 MiB more, and a CLONE_VM child process
 * (its own thread group, the same mm) 8 MiB more; all then wait. The module's total for the
 * container equals the guest's own statm for that one mm (a double count would be 24 MiB more)
 * and its process count is 2 (the thread is not a process). */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define PART (8 * MIB)

static int ready_w;
static volatile int vm_child_done;

static void take(void)
{
	char *m = mmap(NULL, PART, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m != MAP_FAILED)
		memset(m, 1, PART);
}

static void *thread_fn(void *arg __attribute__((unused)))
{
	take();
	return NULL;
}

static void *thread_park(void *arg __attribute__((unused)))
{
	for (;;)
		pause();
	return NULL;
}

static int vm_child(void *arg __attribute__((unused)))
{
	take();
	vm_child_done = 1;
	for (;;)
		pause();
	return 0;
}

static int init_fn(void *arg __attribute__((unused)))
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	pthread_t th;

	take();
	if (pthread_create(&th, NULL, thread_fn, NULL) || pthread_join(th, NULL))
		_exit(2);
	/* The join waits for the thread's memory; keep a second thread alive too. */
	if (pthread_create(&th, NULL, thread_park, NULL))
		_exit(2);
	if (clone(vm_child, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL) < 0)
		_exit(3);
	while (!vm_child_done)
		usleep(1000);
	if (write(ready_w, "r", 1) != 1)
		_exit(4);
	for (;;)
		pause();
	return 0;
}

static long statm_kib(pid_t pid)
{
	char path[64];
	unsigned long size, res;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%lu %lu", &size, &res);
	fclose(f);
	return n == 2 ? (long)(res * (unsigned long)sysconf(_SC_PAGESIZE) / 1024) : -1;
}

int main(void)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	struct monitor_query q;
	int fd = mon_open(), ready[2], st;
	long statm, module_kib, tol_kib;
	char c;
	pid_t init;

	CHECK(fd >= 0, "open %s", MONITOR_DEVICE_PATH);
	if (fd < 0 || pipe(ready))
		return check_exit();
	ready_w = ready[1];
	init = clone(init_fn, stack + sizeof(stack), CLONE_NEWPID | SIGCHLD, NULL);
	close(ready[1]);
	CHECK(init > 0 && read(ready[0], &c, 1) == 1, "the container's init, thread and CLONE_VM child took 3 x 8 MiB");
	for (uint32_t mode = MONITOR_MODE_SCAN; mode <= MONITOR_MODE_EVENT; mode++) {
		CHECK(mon_register_mode(fd, init, 0, 0, "shared-mm", mode) == 0, "shared-mm %s: register the init",
		      mode_name(mode));
		statm = statm_kib(init);
		mon_query(fd, init, &q);
		module_kib = (long)(q.rss_bytes / 1024);
		/* statm reads the mm's counters as the module does; on 6.2+ it reads the percpu
		 * counters without summing (the module sums), so it lags by up to the batch, 32
		 * pages, per CPU: 2 CPUs x 32 x 4 KiB = 256 KiB. On 6.1 both read the same atomics.
		 * Nothing allocates between the two reads. A double count would be 8 MiB or more. */
		tol_kib = 2 * 32 * 4;
		printf("# shared-mm %s: module %ld KiB, statm %ld KiB, %u processes\n", mode_name(mode),
		       module_kib, statm, q.nprocs);
		CHECK(statm > 3 * (long)(PART / 1024) && labs(module_kib - statm) <= tol_kib,
		      "shared-mm %s: module total %ld KiB = statm %ld KiB within %ld KiB (one mm, counted once)",
		      mode_name(mode), module_kib, statm, tol_kib);
		CHECK(q.nprocs == 2, "shared-mm %s: 2 processes (init and CLONE_VM child; threads are not processes): %u",
		      mode_name(mode), q.nprocs);
		mon_unregister(fd, init);
	}
	kill(init, SIGKILL);
	waitpid(init, &st, 0);
	close(ready[0]);
	close(fd);
	return check_exit();
}
