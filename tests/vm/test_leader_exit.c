/* In-guest test: a process whose main thread has called pthread_exit() while a second thread
 * allocates stays watched and is killed at the hard limit, in scan and in event mode. The
 * leader is gone (a zombie without memory) before the registration, so both the registration
 * and every check measure the process through its live thread. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define HARD_MIB 20
#define RATE_MIB 20
#define MAX_MIB 100
#define EVENT_TIMEOUT_MS 60000

static int ready_w, gate_r;

/* 'Z' once the leader (task tgid) is a zombie, polled for up to 5 s. */
static char leader_state(pid_t tgid)
{
	char path[64], buf[256], *p;
	FILE *f;

	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", tgid, tgid);
		f = fopen(path, "r");
		if (!f)
			return '?';
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && p[2] == 'Z')
			return 'Z';
		usleep(10000);
	}
	return p ? p[2] : '?';
}

static void *allocator(void *arg __attribute__((unused)))
{
	char c = leader_state(getpid());
	struct timespec d = { 0, 1000000000L / (RATE_MIB * 4) };

	if (write(ready_w, &c, 1) != 1 || read(gate_r, &c, 1) < 0)
		_exit(3);
	/* A quarter MiB at a time at RATE_MIB; bounded by MAX_MIB, then waits to be killed. */
	for (int i = 0; i < MAX_MIB * 4; i++) {
		char *m = mmap(NULL, MIB / 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			_exit(4);
		memset(m, 1, MIB / 4);
		nanosleep(&d, NULL);
	}
	sleep(30);
	_exit(0);
}

static void run(int fd, uint32_t mode)
{
	struct monitor_event evs[8];
	const struct monitor_event *hard;
	struct monitor_query q;
	int ready[2], gate[2], st = 0, n;
	char id[MONITOR_ID_LEN], state = 0;
	pid_t pid;

	snprintf(id, sizeof(id), "leader-exit-%s", mode_name(mode));
	if (pipe(ready) || pipe(gate))
		return;
	mon_events_drain(fd);
	pid = fork();
	if (pid == 0) {
		pthread_t th;

		close(fd);
		close(ready[0]);
		close(gate[1]);
		ready_w = ready[1];
		gate_r = gate[0];
		if (pthread_create(&th, NULL, allocator, NULL))
			_exit(2);
		pthread_exit(NULL);
	}
	close(ready[1]);
	close(gate[0]);
	if (read(ready[0], &state, 1) != 1)
		state = '?';
	CHECK(state == 'Z', "%s: the leader has exited (its state '%c') while the thread lives", id, state);
	CHECK(mon_register_mode(fd, pid, 0, HARD_MIB * MIB, id, mode) == 0,
	      "%s: register the process with its leader gone (hard %d MiB)", id, HARD_MIB);
	CHECK(mon_query(fd, pid, &q) == 0 && q.nprocs == 1 && q.rss_bytes > 0 && q.mode == mode,
	      "%s: measured through the live thread: rss %llu KiB, %u process", id,
	      (unsigned long long)q.rss_bytes / 1024, q.nprocs);
	close(gate[1]);
	n = events_until_exit(fd, pid, evs, 8, EVENT_TIMEOUT_MS);
	if (n == 0 || evs[n - 1].type != MONITOR_EVENT_EXIT)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(ready[0]);
	hard = event_find(evs, n, MONITOR_EVENT_HARD);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s: killed by SIGKILL (status 0x%x)", id, st);
	CHECK(hard && hard->rss_bytes > HARD_MIB * MIB && n == 2 && evs[1].type == MONITOR_EVENT_EXIT,
	      "%s: HARD at %llu KiB, then EXIT (%d events)", id,
	      hard ? (unsigned long long)hard->rss_bytes / 1024 : 0ULL, n);
}

int main(void)
{
	struct monitor_info info;
	int fd = mon_open();

	CHECK(fd >= 0, "open %s", MONITOR_DEVICE_PATH);
	if (fd < 0)
		return check_exit();
	mon_info(fd, &info);
	run(fd, MONITOR_MODE_SCAN);
	if (info.modes & (1u << MONITOR_MODE_EVENT))
		run(fd, MONITOR_MODE_EVENT);
	else
		printf("not ok - leader-exit: event mode: no rss_stat probe on this kernel\n");
	close(fd);
	return check_exit();
}
