/* Starting a workload as a plain child process of the runner, outside the engine: for the
 * autogroup demonstration (each in a session of its own, as a naive runtime would), the
 * wake-up experiment and --direct runs. Also the CPU cgroups --direct needs for weights.
 * The caller owns the child: it reaps it (waitpid) and removes the cgroups it made. */
#ifndef HOGLAB_LAUNCH_H
#define HOGLAB_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct launch_opts {
	char *const *argv;     /* argv[0]: a path on the host */
	int nice;
	int cpu;               /* pinned to this CPU; -1: not pinned */
	bool own_session;      /* setsid() first: a new autogroup where autogroup is on */
	const char *cgroup;    /* join this CPU cgroup directory, or NULL */
	int out_fd;            /* stdout and stderr, or -1 for /dev/null */
	bool stdout_only;      /* out_fd takes stdout only; stderr goes to /dev/null */
};

/* Forks and execs; returns once exec succeeded, else -errno with the failed step in why. */
int launch_direct(const struct launch_opts *o, pid_t *pid, char *why, size_t whylen);

/* A CPU cgroup NAME under the cpu controller (v2 cpu.weight = weight, v1 cpu.shares =
 * weight * 1024 / 100); its path into dir. */
int cpugroup_create(const char *name, unsigned weight, char *dir, size_t dirsize);
int cpugroup_remove(const char *dir);

#endif
