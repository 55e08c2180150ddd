/* The cpu cgroup behind --cpu-weight: one cgroup per container under hoglab/sv-<supervisor
 * PID>, on cgroup v2 (cpu.weight) or v1 (cpu.shares), whichever has the cpu controller.
 * Used by the supervisor's event-loop thread only. */
#ifndef HOGLAB_CGROUP_H
#define HOGLAB_CGROUP_H

#include <stddef.h>

struct cgroup_cpu {
	int version;      /* 1 or 2; 0 = no cpu controller found */
	char root[256];   /* mount point of the hierarchy holding the cpu controller */
	char parent[512]; /* <root>/hoglab/sv-<pid>, created on first use */
};

/* Finds the hierarchy; -ENOENT when the host has no cpu controller mounted. */
int cgroup_cpu_detect(struct cgroup_cpu *cg);
/* Creates <parent>/<id> with the weight set (v1: shares = weight * 1024 / 100) and opens its
 * cgroup.procs for writing (close-on-exec) into *procs_fd. */
int cgroup_cpu_create(struct cgroup_cpu *cg, const char *id, unsigned weight, char *path,
		      size_t path_size, int *procs_fd);
/* Removes an (empty) container cgroup. */
int cgroup_cpu_remove(const char *path);
/* Removes the supervisor's parent and hoglab/ when empty. */
void cgroup_cpu_cleanup(struct cgroup_cpu *cg);
/* The value written: "cpu.weight 100" or "cpu.shares 1024". */
void cgroup_cpu_describe(const struct cgroup_cpu *cg, unsigned weight, char *buf, size_t size);

#endif
