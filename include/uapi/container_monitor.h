/* The ABI of /dev/container_monitor (kmod/), shared by the module and the engine's kmod backend.
 * Fixed-width fields with explicit padding, identical on 32- and 64-bit user space; any change to
 * a struct or a command bumps MONITOR_ABI_VERSION. Reserved fields must be zero on input.
 * MONITOR_IOC_INFO keeps its number and layout across versions, so that a client of any version
 * can read abi_version and refuse a module of another one with one clear line.
 *
 * Version 2: the unit watched is the container (see MONITOR_IOC_REGISTER), RSS is its total;
 * register.reserved became mode (0 keeps version 1's meaning: the module's default mode);
 * query and event records carry nprocs and mode; info.reserved became mode and modes. */
#ifndef _UAPI_CONTAINER_MONITOR_H
#define _UAPI_CONTAINER_MONITOR_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MONITOR_ABI_VERSION 2
#define MONITOR_DEVICE_NAME "container_monitor"
#define MONITOR_DEVICE_PATH "/dev/container_monitor"
/* Read-only count of live entries, for users and shell tests. */
#define MONITOR_SYSFS_ENTRIES "/sys/class/misc/container_monitor/entries"
/* Container id: 1..31 bytes, NUL-terminated within the array. */
#define MONITOR_ID_LEN 32

/* How a registration detects a crossing. SCAN: the periodic scan (period_ms) only, so RSS can
 * pass a limit by up to rate x period. EVENT: the scan, plus a probe on the kernel's rss_stat
 * tracepoint that queues an immediate check when the container may have crossed a limit (see
 * kmod/README.md for the bound on 6.1 and on 6.2+). EVENT on a kernel without the tracepoint
 * falls back to SCAN; query and events say which mode is in effect. */
enum monitor_mode {
	MONITOR_MODE_DEFAULT = 0, /* register only: the module's parameter mode= (info.mode) */
	MONITOR_MODE_SCAN = 1,
	MONITOR_MODE_EVENT = 2,
};

/* MONITOR_IOC_REGISTER: watch the container of process pid (a thread-group id in the caller's
 * PID namespace). When pid is the init (pid 1) of a PID namespace other than the initial one,
 * the container is every process of that namespace, later ones and orphans re-parented to its
 * init included; otherwise it is that one process. RSS is the container's total, each memory
 * map (mm) counted once however many threads or CLONE_VM processes share it; a process whose
 * main thread has exited is measured through a live thread. A limit of 0 means "none". RSS
 * above soft_bytes gives one SOFT event per upward crossing; RSS above hard_bytes sends SIGKILL
 * to pid (a namespace init's death ends its namespace) and one HARD event. Errors: EINVAL
 * (pid <= 0, soft > hard with both set, id empty or not NUL-terminated, mode unknown), ESRCH
 * (no such process, or no live thread of it has memory: a kernel thread or a zombie), EEXIST
 * (already registered), ENOMEM. */
struct monitor_register {
	__s32 pid;
	__u32 mode; /* enum monitor_mode; version 1's reserved (0) */
	__u64 soft_bytes;
	__u64 hard_bytes;
	char container_id[MONITOR_ID_LEN];
};

/* MONITOR_IOC_UNREGISTER: stop watching pid, no event. Errors: EINVAL, ENOENT. */
struct monitor_unregister {
	__s32 pid;
	__u32 reserved;
};

#define MONITOR_FLAG_SOFT_WARNED (1u << 0) /* above the soft limit since the last crossing */
#define MONITOR_FLAG_KILLED (1u << 1)      /* SIGKILL sent for the hard limit */
#define MONITOR_FLAG_NAMESPACE (1u << 2)   /* the unit is the init's whole PID namespace */

/* MONITOR_IOC_QUERY: pid in, the rest out (the container's RSS and process count as of the last
 * check: a scan, an event-mode check or the registration). Errors: EINVAL, ENOENT. */
struct monitor_query {
	__s32 pid;
	__u32 flags;
	__u64 rss_bytes;
	__u64 peak_rss_bytes;
	__u64 soft_bytes;
	__u64 hard_bytes;
	__u32 nprocs; /* processes (thread groups with memory) in the container */
	__u32 mode;   /* enum monitor_mode in effect: SCAN or EVENT */
};

/* MONITOR_IOC_INFO: the module's state, all out. */
struct monitor_info {
	__u32 abi_version;     /* MONITOR_ABI_VERSION of the loaded module */
	__u32 entries;         /* live entries */
	__u32 events_queued;   /* records waiting for read() */
	__u32 period_ms;       /* scan period (module parameter period_ms) */
	__u32 events_capacity; /* records the queue holds before it drops */
	__u16 mode;            /* MONITOR_MODE_* a registration with mode 0 gets (after fallback) */
	__u16 modes;           /* bit (1 << MONITOR_MODE_x) per mode this kernel supports */
	__u64 events_dropped;  /* records lost because the queue was full, since load */
};

enum monitor_event_type {
	MONITOR_EVENT_SOFT = 1, /* rss_bytes crossed limit_bytes (the soft limit) upwards */
	MONITOR_EVENT_HARD = 2, /* rss_bytes crossed limit_bytes (the hard limit); SIGKILL sent */
	MONITOR_EVENT_EXIT = 3, /* the registered process (a namespace's init: the container) is gone,
				 * entry freed; rss_bytes = peak, limit_bytes = 0 */
};

/* One record of read() on the device: read() returns whole records only, a buffer smaller than
 * one record gets EINVAL. poll() reports POLLIN while records are queued. The queue is one per
 * module (events_capacity records): with several readers, each record goes to one of them. A
 * process killed at its hard limit leaves HARD, then EXIT once it is gone. */
struct monitor_event {
	__u32 type;            /* enum monitor_event_type */
	__s32 pid;             /* as registered */
	char container_id[MONITOR_ID_LEN];
	__u64 rss_bytes;
	__u64 limit_bytes;
	__u64 timestamp_ns;    /* CLOCK_MONOTONIC */
	__u32 nprocs;          /* processes in the container at the check (EXIT: at the last one) */
	__u32 mode;            /* enum monitor_mode of the entry: SCAN or EVENT */
};

#define MONITOR_IOC_MAGIC 'M'
#define MONITOR_IOC_REGISTER _IOW(MONITOR_IOC_MAGIC, 1, struct monitor_register)
#define MONITOR_IOC_UNREGISTER _IOW(MONITOR_IOC_MAGIC, 2, struct monitor_unregister)
#define MONITOR_IOC_QUERY _IOWR(MONITOR_IOC_MAGIC, 3, struct monitor_query)
#define MONITOR_IOC_INFO _IOR(MONITOR_IOC_MAGIC, 4, struct monitor_info)

#ifndef __cplusplus
_Static_assert(sizeof(struct monitor_register) == 56, "monitor_register layout");
_Static_assert(sizeof(struct monitor_unregister) == 8, "monitor_unregister layout");
_Static_assert(sizeof(struct monitor_query) == 48, "monitor_query layout");
_Static_assert(sizeof(struct monitor_info) == 32, "monitor_info layout");
_Static_assert(sizeof(struct monitor_event) == 72, "monitor_event layout");
#endif

#endif /* _UAPI_CONTAINER_MONITOR_H */
