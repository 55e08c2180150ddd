/* Helpers shared by the in-guest tests (see vmtest.h); no output, errors as -errno. */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mon_open(void)
{
	int fd = open(MONITOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int mon_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int mon_register(int fd, pid_t pid, uint64_t soft, uint64_t hard, const char *id)
{
	struct monitor_register req = { .pid = pid, .soft_bytes = soft, .hard_bytes = hard };

	snprintf(req.container_id, sizeof(req.container_id), "%s", id);
	return mon_ioctl(fd, MONITOR_IOC_REGISTER, &req);
}

int mon_register_mode(int fd, pid_t pid, uint64_t soft, uint64_t hard, const char *id, uint32_t mode)
{
	struct monitor_register req = { .pid = pid, .mode = mode, .soft_bytes = soft, .hard_bytes = hard };

	snprintf(req.container_id, sizeof(req.container_id), "%s", id);
	return mon_ioctl(fd, MONITOR_IOC_REGISTER, &req);
}

const char *mode_name(uint32_t mode)
{
	return mode == MONITOR_MODE_EVENT ? "event" : mode == MONITOR_MODE_SCAN ? "scan" : "default";
}

int mon_unregister(int fd, pid_t pid)
{
	struct monitor_unregister req = { .pid = pid };

	return mon_ioctl(fd, MONITOR_IOC_UNREGISTER, &req);
}

int mon_query(int fd, pid_t pid, struct monitor_query *q)
{
	memset(q, 0, sizeof(*q));
	q->pid = pid;
	return mon_ioctl(fd, MONITOR_IOC_QUERY, q);
}

int mon_info(int fd, struct monitor_info *info)
{
	memset(info, 0, sizeof(*info));
	return mon_ioctl(fd, MONITOR_IOC_INFO, info);
}

int mon_event_wait(int fd, struct monitor_event *ev, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);
	ssize_t got;

	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	got = read(fd, ev, sizeof(*ev));
	if (got < 0)
		return -errno;
	return got == sizeof(*ev) ? 1 : -EIO;
}

int mon_events_drain(int fd)
{
	struct monitor_event ev;
	int n = 0;

	while (mon_event_wait(fd, &ev, 0) == 1)
		n++;
	return n;
}

int mon_entries_wait(int fd, uint32_t want, int timeout_ms)
{
	struct monitor_info info;
	int64_t deadline = mono_ms() + timeout_ms;
	int ret;

	for (;;) {
		ret = mon_info(fd, &info);
		if (ret)
			return ret;
		if (info.entries == want)
			return 0;
		if (mono_ms() > deadline)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

int mon_period_set(unsigned int ms)
{
	FILE *f = fopen("/sys/module/monitor/parameters/period_ms", "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%u\n", ms) < 0)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

pid_t child_waiter_spawn(int *release_fd)
{
	static int read_end = -1;
	char c;
	pid_t pid;

	if (*release_fd < 0) {
		int p[2];

		if (pipe2(p, O_CLOEXEC))
			return -errno;
		if (read_end >= 0)
			close(read_end);
		read_end = p[0];
		*release_fd = p[1];
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Hold nothing else open: an inherited device fd would pin the module. */
		close_range(3, (unsigned int)read_end - 1, 0);
		close_range((unsigned int)read_end + 1, ~0U, 0);
		while (read(read_end, &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	return pid;
}

int children_reap(const pid_t *pids, int n)
{
	int ok = 0, st;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			ok++;
	return ok;
}

int klog_count(const char *needle)
{
	int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	char *buf, *line, *save;
	int n, count = 0;

	if (size <= 0)
		return -EIO;
	buf = malloc((size_t)size + 1);
	if (!buf)
		return -ENOMEM;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle))
			count++;
	free(buf);
	return count;
}

struct spawn_arg {
	char *const *argv;
	int gate_read;
};

static int spawn_child(void *p)
{
	struct spawn_arg *a = p;
	char c;

	/* Keep only the gate's read end: a write end held here (ours or a sibling's) would keep
	 * a gate shut, and a device fd would pin the module. */
	close_range(3, (unsigned int)a->gate_read - 1, 0);
	close_range((unsigned int)a->gate_read + 1, ~0U, 0);
	while (read(a->gate_read, &c, 1) < 0 && errno == EINTR)
		;
	close(a->gate_read);
	execv(a->argv[0], a->argv);
	_exit(127);
}

static pid_t spawn_gated(char *const argv[], int *gate, int flags)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct spawn_arg a = { .argv = argv };
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	a.gate_read = p[0];
	/* The child runs on its own copy of this stack (no CLONE_VM), so one buffer does. */
	pid = clone(spawn_child, stack + sizeof(stack), flags | SIGCHLD, &a);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -errno;
	}
	*gate = p[1];
	return pid;
}

pid_t container_spawn(char *const argv[], int *gate)
{
	return spawn_gated(argv, gate, CLONE_NEWPID);
}

pid_t process_spawn(char *const argv[], int *gate)
{
	return spawn_gated(argv, gate, 0);
}

void gate_release(int *gate)
{
	if (*gate >= 0)
		close(*gate);
	*gate = -1;
}

int events_until_exit(int fd, pid_t pid, struct monitor_event *evs, int max, int timeout_ms)
{
	struct monitor_event ev;
	int64_t deadline = mono_ms() + timeout_ms;
	int n = 0, left;

	while (n < max && (left = (int)(deadline - mono_ms())) > 0 && mon_event_wait(fd, &ev, left) == 1) {
		if (ev.pid != pid)
			continue;
		evs[n++] = ev;
		if (ev.type == MONITOR_EVENT_EXIT)
			break;
	}
	return n;
}

const struct monitor_event *event_find(const struct monitor_event *evs, int n, uint32_t type)
{
	for (int i = 0; i < n; i++)
		if (evs[i].type == type)
			return &evs[i];
	return NULL;
}

int module_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	return ret;
}

int module_unload(void)
{
	return syscall(SYS_delete_module, "monitor", O_NONBLOCK) ? -errno : 0;
}
