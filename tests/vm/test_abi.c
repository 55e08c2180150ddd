/* In-guest test of monitor.ko's ABI: every errno of open, the ioctls, read and poll, the EXIT
 * event of a process that ends normally, the live-entry count (ioctl and sysfs) and period_ms.
 * Runs as root in the QEMU guest with the module loaded; one ok/not ok line per assertion. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "vmtest.h"

#define EVENT_TIMEOUT_MS 10000

/* An address no process has mapped, hidden from the compiler's bounds checks. */
static void *volatile bad_ptr = (void *)8;

static int sysfs_entries(void)
{
	FILE *f = fopen(MONITOR_SYSFS_ENTRIES, "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* Opens the device in a child with CAP_SYS_ADMIN dropped (uid stays 0) or as user nobody;
 * returns the errno open failed with, 0 if it succeeded. */
static int open_errno_in_child(bool as_nobody)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (as_nobody) {
			if (setgid(65534) || setuid(65534))
				_exit(100);
		} else {
			struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
			struct __user_cap_data_struct data[2];

			if (syscall(SYS_capget, &hdr, data))
				_exit(101);
			data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
			if (syscall(SYS_capset, &hdr, data))
				_exit(102);
		}
		int fd = mon_open();
		_exit(fd < 0 ? -fd : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void *thread_park(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	pause();
	return NULL;
}

static void test_open(void)
{
	int e = open_errno_in_child(false);

	CHECK(e == EPERM, "open without CAP_SYS_ADMIN: EPERM (got %s)", strerror(e));
	e = open_errno_in_child(true);
	CHECK(e == EACCES || e == EPERM, "open as user nobody: EACCES or EPERM (got %s)", strerror(e));
}

static void test_register_errors(int fd)
{
	struct monitor_register req;
	pthread_t th;
	pid_t pid, tid = 0;
	siginfo_t si;

	CHECK(mon_register(fd, 0, 0, 0, "abi") == -EINVAL, "register pid 0: EINVAL");
	CHECK(mon_register(fd, -5, 0, 0, "abi") == -EINVAL, "register pid -5: EINVAL");
	CHECK(mon_register(fd, getpid(), 20 * MIB, 10 * MIB, "abi") == -EINVAL,
	      "register soft > hard: EINVAL");
	memset(&req, 0, sizeof(req));
	req.pid = getpid();
	memset(req.container_id, 'a', sizeof(req.container_id));
	CHECK(mon_ioctl(fd, MONITOR_IOC_REGISTER, &req) == -EINVAL,
	      "register id without NUL in 32 bytes: EINVAL");
	CHECK(mon_register(fd, getpid(), 0, 0, "") == -EINVAL, "register empty id: EINVAL");
	CHECK(mon_register(fd, getpid(), 0, 0, "a\nb") == -EINVAL, "register id with newline: EINVAL");
	memset(&req, 0, sizeof(req));
	req.pid = getpid();
	req.mode = MONITOR_MODE_EVENT + 1;
	strcpy(req.container_id, "abi");
	CHECK(mon_ioctl(fd, MONITOR_IOC_REGISTER, &req) == -EINVAL, "register an unknown mode: EINVAL");

	pid = fork();
	if (pid == 0)
		_exit(0);
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	CHECK(mon_register(fd, pid, 0, 0, "abi") == -ESRCH, "register a zombie: ESRCH");
	waitpid(pid, NULL, 0);
	CHECK(mon_register(fd, pid, 0, 0, "abi") == -ESRCH, "register a reaped pid: ESRCH");
	CHECK(mon_register(fd, 2, 0, 0, "abi") == -ESRCH, "register kthreadd (pid 2, no mm): ESRCH");
	if (pthread_create(&th, NULL, thread_park, &tid) == 0) {
		while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
			usleep(1000);
		CHECK(mon_register(fd, tid, 0, 0, "abi") == -ESRCH,
		      "register a thread id that is not a process: ESRCH");
		pthread_cancel(th);
		pthread_join(th, NULL);
	}
	CHECK(mon_ioctl(fd, MONITOR_IOC_REGISTER, NULL) == -EFAULT, "register NULL pointer: EFAULT");
	CHECK(mon_ioctl(fd, MONITOR_IOC_REGISTER, bad_ptr) == -EFAULT, "register bad pointer: EFAULT");
}

static void test_register_query_unregister(int fd)
{
	struct monitor_query q;
	struct monitor_info info;
	struct monitor_unregister un = { .pid = getpid(), .reserved = 1 };
	uint32_t base;

	mon_info(fd, &info);
	base = info.entries;
	CHECK(mon_register(fd, getpid(), 64 * MIB, 128 * MIB, "abi-self") == 0, "register self: 0");
	CHECK(mon_register(fd, getpid(), 64 * MIB, 128 * MIB, "abi-self") == -EEXIST,
	      "register self again: EEXIST");
	CHECK(mon_register(fd, getpid(), 0, 0, "abi-other") == -EEXIST,
	      "register self again with other limits and id: EEXIST");
	CHECK(mon_info(fd, &info) == 0 && info.entries == base + 1, "info counts the entry (%u)",
	      info.entries);
	CHECK(sysfs_entries() == (int)base + 1, "sysfs entries counts the entry (%d)", sysfs_entries());
	CHECK(mon_query(fd, getpid(), &q) == 0, "query self: 0");
	CHECK(q.rss_bytes > 0 && q.peak_rss_bytes >= q.rss_bytes,
	      "query: rss %llu > 0, peak %llu >= rss", (unsigned long long)q.rss_bytes,
	      (unsigned long long)q.peak_rss_bytes);
	CHECK(q.soft_bytes == 64 * MIB && q.hard_bytes == 128 * MIB && q.flags == 0,
	      "query: limits as registered, no flags (a host process is its own unit, not a namespace)");
	CHECK(q.nprocs == 1 && q.mode == MONITOR_MODE_SCAN, "query: 1 process, mode scan by default (%u, %u)",
	      q.nprocs, q.mode);
	CHECK(mon_query(fd, 0, &q) == -EINVAL, "query pid 0: EINVAL");
	CHECK(mon_query(fd, 1, &q) == -ENOENT, "query an unregistered pid: ENOENT");
	CHECK(mon_ioctl(fd, MONITOR_IOC_QUERY, NULL) == -EFAULT, "query NULL pointer: EFAULT");
	CHECK(mon_ioctl(fd, MONITOR_IOC_INFO, NULL) == -EFAULT, "info NULL pointer: EFAULT");
	CHECK(mon_ioctl(fd, MONITOR_IOC_UNREGISTER, &un) == -EINVAL, "unregister reserved != 0: EINVAL");
	CHECK(mon_unregister(fd, -1) == -EINVAL, "unregister pid -1: EINVAL");
	CHECK(mon_ioctl(fd, MONITOR_IOC_UNREGISTER, NULL) == -EFAULT, "unregister NULL pointer: EFAULT");
	CHECK(mon_unregister(fd, getpid()) == 0, "unregister self: 0");
	CHECK(mon_unregister(fd, getpid()) == -ENOENT, "unregister self again: ENOENT");
	CHECK(mon_query(fd, getpid(), &q) == -ENOENT, "query after unregister: ENOENT");
	CHECK(sysfs_entries() == (int)base, "sysfs entries back to %u", base);

	CHECK(mon_register(fd, getpid(), 0, 0, "abi-none") == 0 && mon_unregister(fd, getpid()) == 0,
	      "register with no limits (monitor only): 0");
	CHECK(mon_register(fd, getpid(), 8 * MIB, 0, "abi-soft") == 0 && mon_unregister(fd, getpid()) == 0,
	      "register with a soft limit only: 0");
	CHECK(mon_register(fd, getpid(), 8 * MIB, 8 * MIB, "abi-eq") == 0 &&
		      mon_unregister(fd, getpid()) == 0,
	      "register with soft == hard: 0");
}

static void test_unknown_commands(int fd)
{
	int arg = 0;

	CHECK(mon_ioctl(fd, _IO(MONITOR_IOC_MAGIC, 99), NULL) == -ENOTTY, "unknown command nr: ENOTTY");
	CHECK(mon_ioctl(fd, _IOW(MONITOR_IOC_MAGIC, 1, char[8]), &arg) == -ENOTTY,
	      "register number with a wrong size: ENOTTY");
	CHECK(mon_ioctl(fd, _IOR('x', 1, int), &arg) == -ENOTTY, "foreign ioctl type: ENOTTY");
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct release_after {
	int fd;
	int delay_ms;
};

static void *release_later(void *arg)
{
	struct release_after *r = arg;

	usleep((useconds_t)r->delay_ms * 1000);
	close(r->fd);
	return NULL;
}

static void test_events(int fd)
{
	struct monitor_event ev, evs[3];
	struct monitor_info before, after;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int release = -1, nbfd;
	pid_t pid, pids[3];
	int64_t t_before, t_after;
	ssize_t n;
	char small[sizeof(ev) - 1];

	mon_events_drain(fd);
	CHECK(read(fd, small, sizeof(small)) < 0 && errno == EINVAL, "read into %zu bytes: EINVAL",
	      sizeof(small));
	nbfd = open(MONITOR_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(read(nbfd, &ev, sizeof(ev)) < 0 && errno == EAGAIN, "non-blocking read, no event: EAGAIN");
	CHECK(poll(&p, 1, 0) == 0, "poll with no event: not ready");

	/* A registered process that exits normally: one EXIT event, no entry left. */
	mon_info(fd, &before);
	pid = child_waiter_spawn(&release);
	CHECK(mon_register(fd, pid, 0, 0, "abi-exit") == 0, "register a child: 0");
	t_before = now_ns();
	close(release);
	release = -1;
	CHECK(children_reap(&pid, 1) == 1, "child exits 0");
	CHECK(poll(&p, 1, EVENT_TIMEOUT_MS) == 1 && (p.revents & POLLIN), "poll: POLLIN after the exit");
	CHECK(read(fd, &ev, sizeof(ev)) == sizeof(ev), "read one record of %zu bytes", sizeof(ev));
	t_after = now_ns();
	CHECK(ev.type == MONITOR_EVENT_EXIT && ev.pid == pid && strcmp(ev.container_id, "abi-exit") == 0,
	      "EXIT event for the child (type %u pid %d id %.32s)", ev.type, ev.pid, ev.container_id);
	CHECK(ev.rss_bytes > 0 && ev.limit_bytes == 0, "EXIT event: peak rss %llu > 0, limit 0",
	      (unsigned long long)ev.rss_bytes);
	CHECK((int64_t)ev.timestamp_ns >= t_before && (int64_t)ev.timestamp_ns <= t_after,
	      "EXIT event timestamp is CLOCK_MONOTONIC between release and read");
	CHECK(mon_query(fd, pid, &(struct monitor_query){ 0 }) == -ENOENT, "query after exit: ENOENT");
	CHECK(mon_info(fd, &after) == 0 && after.entries == before.entries,
	      "no entry left after the exit (%u)", after.entries);

	/* Whole records only: a buffer of 2.5 records gets 2, the next read the third. */
	for (int i = 0; i < 3; i++) {
		char id[MONITOR_ID_LEN];

		pids[i] = child_waiter_spawn(&release);
		snprintf(id, sizeof(id), "abi-multi-%d", i);
		mon_register(fd, pids[i], 0, 0, id);
	}
	close(release);
	release = -1;
	children_reap(pids, 3);
	mon_entries_wait(fd, before.entries, EVENT_TIMEOUT_MS);
	n = read(fd, evs, sizeof(ev) * 5 / 2);
	CHECK(n == 2 * (ssize_t)sizeof(ev), "read with room for 2.5 records returns 2 (%zd bytes)", n);
	n = read(fd, evs, sizeof(evs));
	CHECK(n == (ssize_t)sizeof(ev), "the next read returns the third (%zd bytes)", n);

	/* A blocking read sleeps until the event comes. */
	pthread_t th;
	struct release_after r;

	pid = child_waiter_spawn(&release);
	mon_register(fd, pid, 0, 0, "abi-block");
	r = (struct release_after){ .fd = release, .delay_ms = 300 };
	release = -1;
	pthread_create(&th, NULL, release_later, &r);
	n = read(fd, &ev, sizeof(ev));
	CHECK(n == sizeof(ev) && ev.type == MONITOR_EVENT_EXIT && ev.pid == pid,
	      "blocking read wakes with the EXIT event");
	pthread_join(th, NULL);
	children_reap(&pid, 1);

	/* A bad buffer: EFAULT, and the record counts as dropped. */
	pid = child_waiter_spawn(&release);
	mon_register(fd, pid, 0, 0, "abi-fault");
	close(release);
	release = -1;
	children_reap(&pid, 1);
	mon_info(fd, &before);
	poll(&p, 1, EVENT_TIMEOUT_MS);
	CHECK(read(fd, bad_ptr, sizeof(ev)) < 0 && errno == EFAULT, "read into a bad pointer: EFAULT");
	CHECK(mon_info(fd, &after) == 0 && after.events_dropped == before.events_dropped + 1,
	      "the record lost to EFAULT counts as dropped");
	close(nbfd);
}

static void test_period(int fd)
{
	struct monitor_info info;
	unsigned int orig;

	mon_info(fd, &info);
	orig = info.period_ms;
	CHECK(orig == 100, "period_ms defaults to 100 (%u)", orig);
	CHECK(mon_period_set(5) == -EINVAL, "period_ms=5 (below 10): EINVAL");
	CHECK(mon_period_set(100000) == -EINVAL, "period_ms=100000 (above 10000): EINVAL");
	CHECK(mon_period_set(50) == 0 && mon_info(fd, &info) == 0 && info.period_ms == 50,
	      "period_ms=50 is taken (%u)", info.period_ms);
	mon_period_set(orig);
}

int main(void)
{
	struct monitor_info info;
	int fd = mon_open();

	CHECK(fd >= 0, "open %s as root: %s", MONITOR_DEVICE_PATH, fd < 0 ? strerror(-fd) : "ok");
	if (fd < 0)
		return check_exit();
	CHECK(mon_info(fd, &info) == 0 && info.abi_version == MONITOR_ABI_VERSION,
	      "info: ABI version %u", info.abi_version);
	CHECK(info.events_capacity > 0, "info: event queue capacity %u", info.events_capacity);
	CHECK(info.mode == MONITOR_MODE_SCAN && (info.modes & (1u << MONITOR_MODE_SCAN)),
	      "info: default mode scan (%u), modes 0x%x", info.mode, info.modes);
	CHECK(info.modes & (1u << MONITOR_MODE_EVENT), "info: event mode available (rss_stat probe attached)");
	test_open();
	test_register_errors(fd);
	test_register_query_unregister(fd);
	test_unknown_commands(fd);
	test_events(fd);
	test_period(fd);
	close(fd);
	return check_exit();
}
