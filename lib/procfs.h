/* /proc readers shared by the engine and the lab: scheduler statistics (schedstat) and resident
 * memory (statm), by PID or through a kept fd. Stateless; safe from any thread; the caller owns
 * any fd it opened with statm_open. */
#ifndef HOGLAB_LIB_PROCFS_H
#define HOGLAB_LIB_PROCFS_H

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

/* What /proc/<pid>/status says of a task's run state and signals. */
struct proc_status {
	char state;        /* 'R', 'S', 'D', 'Z', ... */
	uint64_t sig_blk;  /* SigBlk: bit N-1 set when signal N is blocked */
	uint64_t sig_cgt;  /* SigCgt: bit N-1 set when signal N has a handler */
};

/* Parses one /proc/<pid>/status text; -EBADMSG unless it holds State, SigBlk and SigCgt. */
int proc_status_parse(const char *text, struct proc_status *out);
/* -ENOENT / -ESRCH once the task is gone. */
int proc_status_read(pid_t pid, struct proc_status *out);

/* Resident pages from one /proc/<pid>/statm text; -EBADMSG unless it starts with two numbers. */
int statm_parse(const char *text, uint64_t *resident_pages);
/* /proc/<pid>/statm opened read-only, to be read again and again: the fd or -errno. */
int statm_open(pid_t pid);
/* Resident pages through a kept statm fd (pread); -ESRCH once the process is gone. */
int statm_read(int fd, uint64_t *resident_pages);
/* Resident set size in KiB of pid, in one open/read/close. */
int rss_read_kib(pid_t pid, uint64_t *kib);

#endif
