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

/* statm fds kept open from one sample to the next, one per process. Zero-initialise. */
struct proctree_rss {
	struct proctree_fd {
		pid_t pid;      /* the process (thread group) */
		pid_t tid;      /* the task whose statm fd reads: pid, or a live thread of it when
				 * its leader has exited (pthread_exit in main) */
		int fd;
		uint64_t pages; /* resident pages at the last sample */
		uint64_t text;  /* its mm's text pages: equal for every task of one mm */
	} *ent;
	size_t n, cap;
	size_t *order;  /* scratch of the mm deduplication, cap entries each */
	pid_t *reps;
};

/* Sum of the resident sets of pids, each memory map (mm) once: threads are not listed (a
 * process is one thread group) and CLONE_VM processes sharing one mm count once (kcmp, see
 * proctree.c). A process whose leader has exited is read through a live thread. Opens statm
 * for new PIDs, closes those of PIDs no longer listed. A process that vanished between listing
 * and reading counts 0. */
int proctree_rss_sample(struct proctree_rss *r, const pid_t *pids, size_t n, uint64_t *bytes);
void proctree_rss_close(struct proctree_rss *r);

#endif
