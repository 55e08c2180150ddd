/* EEVDF custom slices (engine --slice-us): the sched_attr of sched_setattr(2), the supervisor's
 * one probe of whether this kernel keeps a fair task's requested slice, and the kernel's
 * se.slice of a task as /proc shows it. Stateless; slice_probe makes and joins one thread. */
#ifndef HOGLAB_SLICE_H
#define HOGLAB_SLICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* struct sched_attr of the kernel's include/uapi/linux/sched/types.h at SCHED_ATTR_SIZE_VER1
 * (with the utilization clamps). Our own copy: glibc declares it only from 2.41, and
 * <linux/sched/types.h> then clashes with it. */
struct slice_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;  /* fair class, 6.12 and later: the slice requested, in ns */
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};
_Static_assert(sizeof(struct slice_sched_attr) == 56, "sched_attr is the kernel's ABI (VER1)");

struct slice_support {
	bool supported;
	char release[65]; /* uname -r */
	char why[192];    /* what the probe saw, for the refusal and for inspect */
};

/* Sets the calling thread's slice to ns (SCHED_NORMAL, its nice kept: sched_setattr would
 * otherwise reset it to sched_nice) and reads back what sched_getattr reports into *got.
 * 0 or -errno. Only system calls and no allocation: safe in the engine's CLONE_VM child. */
int slice_set_self(uint64_t ns, uint64_t *got);
/* Whether this kernel keeps a custom slice, by setting one on a throwaway thread. */
void slice_probe(struct slice_support *out);
/* se.slice in ns from the text of /proc/PID/sched: 0, or -ENOENT when it has no such line
 * (CFS kernels, or no CONFIG_SCHED_DEBUG), -EBADMSG when it is not a number. */
int slice_sched_parse(const char *text, uint64_t *ns);
/* The same, read from /proc/<pid>/sched. */
int slice_read(pid_t pid, uint64_t *ns);

#endif
