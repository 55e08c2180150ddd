/* A container's processes seen from the host: its init and every descendant, their resident
 * memory through kept /proc/<pid>/statm fds and their CPU time. Used by the supervisor's
 * event-loop thread only; a struct proctree_rss belongs to one container. */
#ifndef HOGLAB_PROCTREE_H
#define HOGLAB_PROCTREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCTREE_MAX 4096 /* processes of one container looked at */

/* init, then its descendants breadth first, from /proc/<pid>/task/<tid>/children. */
int proctree_list(pid_t init, pid_t *pids, size_t cap, size_t *n);
/* user + system time, including reaped children's, summed over pids. */
int proctree_cpu_ns(const pid_t *pids, size_t n, uint64_t *ns);

/* statm fds kept open from one sample to the next. Zero-initialise. */
struct proctree_rss {
	struct proctree_fd {
		pid_t pid;
		int fd;
	} *ent;
	size_t n, cap;
};

/* Sum of the resident sets of pids; opens statm for new PIDs, closes those of PIDs no longer
 * listed. A process that vanished between listing and reading counts 0. */
int proctree_rss_sample(struct proctree_rss *r, const pid_t *pids, size_t n, uint64_t *bytes);
void proctree_rss_close(struct proctree_rss *r);

#endif
