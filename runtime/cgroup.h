/* The cgroups of containers: one directory per container and controller hierarchy under
 * <root>/hoglab/sv-<supervisor PID> (the hierarchies as lib/cgroupfs.h finds them), for --cpu-weight (cpu.weight / cpu.shares) and for the
 * cgroup memory monitor (memory.max / memory.limit_in_bytes), on cgroup v2 or v1, whichever
 * holds each controller. Used by the supervisor's event-loop thread only. */
#ifndef HOGLAB_CGROUP_H
#define HOGLAB_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/cgroupfs.h"

#define CGROUP_PATH_MAX 700

/* What a container needs: a weight (0 = no cpu cgroup), a memory cgroup (with a hard limit in
 * bytes, 0 = none). */
struct cgroup_want {
	unsigned cpu_weight;
	bool memory;
	uint64_t hard_bytes;
};

/* A container's cgroups. On v2 cpu and memory share one directory; then mem_dir == cpu_dir. */
struct cgroup_box {
	char cpu_dir[CGROUP_PATH_MAX]; /* "" = none */
	char mem_dir[CGROUP_PATH_MAX]; /* "" = none */
	int mem_version;
	int procs_fd[2];               /* cgroup.procs to join before exec (-1 = unused) */
	int usage_fd;                  /* memory.current / memory.usage_in_bytes */
	int peak_fd;                   /* memory.peak / memory.max_usage_in_bytes, -1 if absent */
	int events_fd;                 /* memory.events / memory.oom_control */
};

/* Removes empty hoglab/sv-<pid> directories (and their empty children) of supervisors that are
 * no longer running, in every hierarchy; returns how many sv-* directories went. */
int cgroup_reap_stale(const struct cgroup_host *h);
void cgroup_box_init(struct cgroup_box *b);
/* Creates the container's directories under each hierarchy's parent and opens the files the
 * box keeps. -ENOENT when a needed controller is not mounted. On failure nothing is left. */
int cgroup_create(const struct cgroup_host *h, const char *id, const struct cgroup_want *w,
		  struct cgroup_box *b);
/* Closes the box's fds and removes its directories (retrying while exiting tasks leave); the
 * paths stay in the box, for the record. Safe to call again. */
int cgroup_remove(struct cgroup_box *b);
/* Removes each hierarchy's supervisor parent and hoglab/ when empty. */
void cgroup_cleanup(const struct cgroup_host *h);

/* Memory readings of a box with a memory cgroup: bytes charged now, the peak (-ENOENT where
 * the kernel keeps none), and the count of OOM kills inside it. */
int cgroup_mem_usage(const struct cgroup_box *b, uint64_t *bytes);
int cgroup_mem_peak(const struct cgroup_box *b, uint64_t *bytes);
int cgroup_mem_oom_kills(const struct cgroup_box *b, uint64_t *count);
/* The OOM-kill counter of the memory cgroup this process is in (memory.oom_control on v1,
 * memory.events.local or memory.events on v2), opened read-only: the fd, or -errno (-ENOENT
 * without a memory controller, or in the v2 root, which keeps no such counter). Its
 * children without a memory cgroup of their own are counted there. */
int cgroup_self_oom_open(const struct cgroup_host *h);
/* The oom_kill count of such a file (or of a box's events_fd). */
int cgroup_oom_kills_read(int fd, uint64_t *count);
/* The PIDs in the box's cgroup (any of its directories), up to cap; *n is how many. */
int cgroup_pids(const struct cgroup_box *b, pid_t *pids, size_t cap, size_t *n);
/* The value written for a weight: "cpu.weight 100" or "cpu.shares 1024". */
void cgroup_cpu_describe(const struct cgroup_host *h, unsigned weight, char *buf, size_t size);

#endif
