/* What the lab samples of a running task from /proc: scheduler statistics and resident memory.
 * Stateless readers; safe from any thread. */
#ifndef HOGLAB_PROCSTAT_H
#define HOGLAB_PROCSTAT_H

#include <stdint.h>
#include <sys/types.h>

struct schedstat {
	uint64_t cpu_ns;   /* time spent on a CPU */
	uint64_t wait_ns;  /* time spent runnable on a run queue, waiting */
	uint64_t slices;   /* times it was switched in */
};

/* Parses one /proc/<pid>/schedstat text; -EINVAL unless it holds three numbers. */
int schedstat_parse(const char *text, struct schedstat *out);
/* -ENOENT / -ESRCH once the task is gone. */
int schedstat_read(pid_t pid, struct schedstat *out);
/* Resident set size in KiB from /proc/<pid>/statm. */
int rss_read_kib(pid_t pid, uint64_t *kib);

#endif
