/* Where this host's cgroup controllers are: the one discovery (from /proc/self/mounts) that the
 * engine's container cgroups and the lab's own CPU groups and meta files use, on cgroup v2 or
 * v1, whichever holds each controller. Stateless; the caller owns the struct it fills. */
#ifndef HOGLAB_LIB_CGROUPFS_H
#define HOGLAB_LIB_CGROUPFS_H

/* One controller's hierarchy. */
struct cgroup_tree {
	int version;               /* 1 or 2; 0 = controller not mounted */
	char root[256];            /* its mount point */
};

struct cgroup_host {
	struct cgroup_tree cpu;
	struct cgroup_tree mem;
};

/* Finds the cpu and memory hierarchies (either may be missing: version 0). A controller that is
 * listed in a cgroup2 mount's cgroup.controllers is taken from there, else from the cgroup v1
 * mount with that option. */
void cgroup_detect(struct cgroup_host *h);

#endif
