/* Container creation (container.h). The child runs in the supervisor's own memory
 * (CLONE_VM | CLONE_VFORK: no copy of the address space to make and tear down) on the one
 * child stack below, while the calling thread is suspended until it execs or exits: spawns
 * are for one thread only. It uses only what the parent prepared, writes nothing of the
 * parent's but environ (restored by the parent) and calls no allocator: the log writer thread
 * runs on and could hold malloc's lock. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "container.h"
#include "slice.h"

#define CHILD_STACK (256 * 1024)

/* Code run by the child. No ASan stack instrumentation: the child's frames live in an array
 * of the parent's, and their poisoned shadow would outlive them in the shared memory. */
#define CHILD_CODE __attribute__((no_sanitize_address))

struct child_args {
	const struct container_spec *s;
	int err_w;
	char *const *envp;
};

static const struct {
	const char *name;
	unsigned major, minor;
} dev_nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
		 {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

/* Reports a setup failure to the supervisor and ends the child. */
static CHILD_CODE __attribute__((noreturn, format(printf, 3, 4))) void
child_fail(int err_w, int err, const char *fmt, ...)
{
	struct container_err e = {.err = err};
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(e.msg) - 2)
		snprintf(e.msg + n, sizeof(e.msg) - (size_t)n, ": %s", strerror(err));
	ssize_t w = write(err_w, &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* The rootfs's own directory `name` (created if missing) as an O_PATH fd, refusing a symlink
 * or anything else that is not a directory: a planted /dev -> /etc must not lead the mounts
 * below out of the rootfs. mkdirat and O_NOFOLLOW never follow the last component. */
static CHILD_CODE int child_rootfs_dir(int err_w, int root_fd, const char *root, const char *name,
			    mode_t mode)
{
	if (mkdirat(root_fd, name, mode) && errno != EEXIST)
		child_fail(err_w, errno, "mkdir %s/%s", root, name);
	int fd = openat(root_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		child_fail(err_w, errno == ENOTDIR || errno == ELOOP ? ELOOP : errno,
			   "rootfs %s: /%s is a symlink or not a directory, refusing it", root, name);
	return fd;
}

/* mount(2) on the very directory or file fd refers to, not on a path that could be swapped. */
static CHILD_CODE int mount_on_fd(const char *src, int fd, const char *type, unsigned long flags,
		       const char *data)
{
	char target[32];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	return mount(src, target, type, flags, data);
}

/* A tmpfs /dev holding the harmless character devices, made with mknod (the child is root
 * in the host's user namespace; a node is far cheaper than a bind mount of the host's).
 * Everything is reached through fds from the rootfs's directory fd, so nothing outside it is
 * touched. */
static CHILD_CODE void child_setup_dev(int err_w, int root_fd, const char *root)
{
	int under = child_rootfs_dir(err_w, root_fd, root, "dev", 0755);
	if (mount_on_fd("tmpfs", under, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k"))
		child_fail(err_w, errno, "mount tmpfs on %s/dev", root);
	close(under);
	/* The same name now leads into the fresh tmpfs. */
	int dev = openat(root_fd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0)
		child_fail(err_w, errno, "open %s/dev", root);
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		const char *name = dev_nodes[i].name;
		/* fchmodat: the mode must not depend on the supervisor's umask. */
		if (mknodat(dev, name, S_IFCHR | 0666, makedev(dev_nodes[i].major, dev_nodes[i].minor)) ||
		    fchmodat(dev, name, 0666, 0))
			child_fail(err_w, errno, "mknod %s/dev/%s", root, name);
	}
	static const char *const links[][2] = {{"/proc/self/fd", "fd"},
					       {"/proc/self/fd/0", "stdin"},
					       {"/proc/self/fd/1", "stdout"},
					       {"/proc/self/fd/2", "stderr"}};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dev, links[i][1]))
			child_fail(err_w, errno, "symlink %s/dev/%s", root, links[i][1]);
	close(dev);
}

static CHILD_CODE int child_main(void *arg)
{
	const struct child_args *a = arg;
	const struct container_spec *s = a->s;
	int err_w = a->err_w;

	/* The supervisor blocks these for its signalfd and ignores SIGPIPE; both would
	 * survive exec. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		child_fail(err_w, errno, "prctl(PR_SET_PDEATHSIG)");
	/* A supervisor that died before the prctl sends no signal: never run unsupervised. */
	struct pollfd parent = {.fd = s->parent_pidfd, .events = POLLIN};
	if (s->parent_pidfd >= 0 && poll(&parent, 1, 0) != 0)
		_exit(127);
	for (int i = 0; i < 2; i++)
		if (s->cgroup_procs_fd[i] >= 0 && write(s->cgroup_procs_fd[i], "0", 1) != 1)
			child_fail(err_w, errno, "joining the container's cgroup");

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		child_fail(err_w, errno, "making mounts private");
	if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL))
		child_fail(err_w, errno, "bind-mounting rootfs %s", s->rootfs);
	int root_fd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		child_fail(err_w, errno, "open rootfs %s", s->rootfs);
	close(child_rootfs_dir(err_w, root_fd, s->rootfs, "proc", 0555));
	child_setup_dev(err_w, root_fd, s->rootfs);
	close(root_fd);

	if (chdir(s->rootfs))
		child_fail(err_w, errno, "chdir %s", s->rootfs);
	if (syscall(SYS_pivot_root, ".", "."))
		child_fail(err_w, errno, "pivot_root into %s", s->rootfs);
	if (umount2(".", MNT_DETACH))
		child_fail(err_w, errno, "detaching the old root");
	if (chdir("/"))
		child_fail(err_w, errno, "chdir /");

	/* Inside the new root: /proc was checked to be a directory of the rootfs. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		child_fail(err_w, errno, "mounting /proc");
	struct statfs sfs;
	if (statfs("/proc", &sfs))
		child_fail(err_w, errno, "statfs /proc");
	if (sfs.f_type != PROC_SUPER_MAGIC)
		child_fail(err_w, EXDEV, "/proc is not procfs after mounting it");

	if (sethostname(s->id, strlen(s->id)))
		child_fail(err_w, errno, "sethostname %s", s->id);
	if (s->has_nice && setpriority(PRIO_PROCESS, 0, s->nice))
		child_fail(err_w, errno, "setpriority %d", s->nice);
	if (s->has_cpus && sched_setaffinity(0, sizeof(s->cpus), &s->cpus))
		child_fail(err_w, errno, "setting CPU affinity");
	/* After setpriority: the slice keeps the nice. Without SCHED_FLAG_RESET_ON_FORK every
	 * process the command forks inherits both. */
	if (s->slice_ns) {
		uint64_t got = 0;
		int rc = slice_set_self(s->slice_ns, &got);
		if (rc)
			child_fail(err_w, -rc, "sched_setattr (slice %" PRIu64 " ns)", s->slice_ns);
		if (got != s->slice_ns)
			child_fail(err_w, EOPNOTSUPP, "the kernel reports slice %" PRIu64 " ns after "
				   "setting %" PRIu64 " ns", got, s->slice_ns);
	}

	int null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0)
		child_fail(err_w, errno, "open /dev/null");
	if (dup2(null_fd, 0) < 0 || dup2(s->log_fd, 1) < 0 || dup2(s->log_fd, 2) < 0)
		child_fail(err_w, errno, "dup2");
	if ((err_w > 3 && close_range(3, (unsigned)err_w - 1, 0)) ||
	    close_range((unsigned)err_w + 1, ~0u, 0))
		child_fail(err_w, errno, "closing inherited fds");

	extern char **environ;
	environ = (char **)a->envp;
	execvp(s->argv[0], s->argv);
	child_fail(err_w, errno, "exec %s in %s", s->argv[0], s->rootfs);
}

int container_spawn(const struct container_spec *s, pid_t *pid, int *err_fd)
{
	int p[2];
	/* Non-blocking: the report is one atomic write of less than PIPE_BUF. */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	/* err_w must not be 0-2, which the child replaces. */
	if (p[1] <= 2) {
		int moved = fcntl(p[1], F_DUPFD_CLOEXEC, 3);
		int err = errno;
		close(p[1]);
		if (moved < 0) {
			close(p[0]);
			return -err;
		}
		p[1] = moved;
	}
	/* One stack for every child: each is done with it when clone returns. Unmapping a
	 * fresh one each time cost a TLB-shootdown IPI to the log writer's CPU. */
	static char stack[CHILD_STACK] __attribute__((aligned(64)));
	char hostname[64];
	snprintf(hostname, sizeof(hostname), "HOSTNAME=%s", s->id);
	char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			      "HOME=/", hostname, "container=hoglab", NULL};
	struct child_args a = {.s = s, .err_w = p[1], .envp = envp};

	/* Returns once the child has exec'd or exited: its stack is free, and environ, which it
	 * set for execvp in this shared memory, is ours again. */
	extern char **environ;
	char **own_env = environ;
	pid_t child = clone(child_main, stack + CHILD_STACK,
			    CLONE_VM | CLONE_VFORK | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS | SIGCHLD,
			    &a);
	int err = errno;
	environ = own_env;
	close(p[1]);
	if (child < 0) {
		close(p[0]);
		return -err;
	}
	*pid = child;
	*err_fd = p[0];
	return 0;
}

int container_spawn_result(int err_fd, struct container_err *e)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = read(err_fd, (char *)e + got, sizeof(*e) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == sizeof(*e))
			break;
	}
	if (got == 0)
		return 1;
	if (got < sizeof(*e)) {
		e->err = EPROTO;
		snprintf(e->msg, sizeof(e->msg), "container setup ended with a partial error report");
		return 0;
	}
	e->msg[sizeof(e->msg) - 1] = '\0';
	if (e->err <= 0 || e->err > 4095)
		e->err = EPROTO;
	return 0;
}
