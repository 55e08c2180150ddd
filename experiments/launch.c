/* Direct launcher: fork, set session, nice, affinity and cgroup in the child, exec. A failure
 * before exec travels back over a close-on-exec pipe as {errno, step}. No shared state. */
#include "launch.h"
#include "lib/cgroupfs.h"
#include "lib/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct launch_failure {
	int err;
	char step[60];
};

static void child_fail(int fd, const char *step)
{
	struct launch_failure f = { errno, "" };

	snprintf(f.step, sizeof(f.step), "%s", step);
	if (write(fd, &f, sizeof(f)) < 0)
		_exit(127);
	_exit(127);
}

int launch_direct(const struct launch_opts *o, pid_t *pid, char *why, size_t whylen)
{
	struct launch_failure f;
	int pfd[2];
	ssize_t n;
	pid_t child;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -errno;
	}
	child = fork();
	if (child < 0) {
		int rc = -errno;

		close(pfd[0]);
		close(pfd[1]);
		snprintf(why, whylen, "fork: %s", strerror(-rc));
		return rc;
	}
	if (child == 0) {
		int null = -1;

		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (o->own_session && setsid() < 0)
			child_fail(pfd[1], "setsid");
		if (o->cgroup) {
			char path[512];

			snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroup);
			errno = 0;
			if (file_write(path, "0"))
				child_fail(pfd[1], "join cpu cgroup");
		}
		if (o->cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(o->cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0)
				child_fail(pfd[1], "sched_setaffinity");
		}
		if (setpriority(PRIO_PROCESS, 0, o->nice) < 0)
			child_fail(pfd[1], "setpriority");
		if (o->out_fd < 0 || o->stdout_only) {
			null = open("/dev/null", O_WRONLY);
			if (null < 0)
				child_fail(pfd[1], "open /dev/null");
		}
		if (dup2(o->out_fd < 0 ? null : o->out_fd, 1) < 0 ||
		    dup2(o->out_fd < 0 || o->stdout_only ? null : o->out_fd, 2) < 0)
			child_fail(pfd[1], "dup2");
		execv(o->argv[0], o->argv);
		child_fail(pfd[1], "exec");
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(f)) {
		waitpid(child, NULL, 0);
		snprintf(why, whylen, "%s %s: %s", f.step, o->argv[0], strerror(f.err));
		return f.err ? -f.err : -EIO;
	}
	*pid = child;
	return 0;
}

/* The cpu controller's mount and whether it is cgroup v2. */
static int cpu_controller(struct cgroup_host *h, const char **root, bool *v2)
{
	cgroup_detect(h);
	if (!h->cpu.version)
		return -ENOENT;
	*root = h->cpu.root;
	*v2 = h->cpu.version == 2;
	return 0;
}

int cpugroup_create(const char *name, unsigned weight, char *dir, size_t dirsize)
{
	char path[600], val[32];
	struct cgroup_host h;
	const char *root;
	bool v2;
	int rc = cpu_controller(&h, &root, &v2);

	if (rc)
		return rc;
	if (weight < 1 || weight > 10000)
		return -EINVAL;
	if ((size_t)snprintf(dir, dirsize, "%s/%s", root, name) >= dirsize)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, v2 ? "cpu.weight" : "cpu.shares");
	snprintf(val, sizeof(val), "%u", v2 ? weight : weight * 1024 / 100);
	rc = file_write(path, val);
	if (rc)
		rmdir(dir);
	return rc;
}

int cpugroup_remove(const char *dir)
{
	return rmdir(dir) < 0 ? -errno : 0;
}
