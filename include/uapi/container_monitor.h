/* The ABI of /dev/container_monitor (kmod/), shared by the module and the engine's kmod backend.
 * Fixed-width fields with explicit padding, identical on 32- and 64-bit user space; any change to
 * a struct or a command bumps MONITOR_ABI_VERSION. Reserved fields must be zero on input. */
#ifndef _UAPI_CONTAINER_MONITOR_H
#define _UAPI_CONTAINER_MONITOR_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MONITOR_ABI_VERSION 1
#define MONITOR_DEVICE_NAME "container_monitor"
#define MONITOR_DEVICE_PATH "/dev/container_monitor"
/* Read-only count of live entries, for users and shell tests. */
#define MONITOR_SYSFS_ENTRIES "/sys/class/misc/container_monitor/entries"
/* Container id: 1..31 bytes, NUL-terminated within the array. */
#define MONITOR_ID_LEN 32

/* MONITOR_IOC_REGISTER: watch process pid (a thread-group id in the caller's PID namespace).
 * A limit of 0 means "none". RSS above soft_bytes gives one SOFT event per upward crossing;
 * RSS above hard_bytes sends SIGKILL and one HARD event. Errors: EINVAL (pid <= 0, soft > hard
 * with both set, id empty or not NUL-terminated, reserved not 0), ESRCH (no such process, or it
 * has no memory: a kernel thread or a zombie), EEXIST (already registered), ENOMEM. */
struct monitor_register {
	__s32 pid;
	__u32 reserved;
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

/* MONITOR_IOC_QUERY: pid in, the rest out (RSS as of the last scan or the registration).
 * Errors: EINVAL, ENOENT. */
struct monitor_query {
	__s32 pid;
	__u32 flags;
	__u64 rss_bytes;
	__u64 peak_rss_bytes;
	__u64 soft_bytes;
	__u64 hard_bytes;
};

/* MONITOR_IOC_INFO: the module's state, all out. */
struct monitor_info {
	__u32 abi_version;     /* MONITOR_ABI_VERSION of the loaded module */
	__u32 entries;         /* live entries */
	__u32 events_queued;   /* records waiting for read() */
	__u32 period_ms;       /* scan period (module parameter period_ms) */
	__u32 events_capacity; /* records the queue holds before it drops */
	__u32 reserved;
	__u64 events_dropped;  /* records lost because the queue was full, since load */
};

enum monitor_event_type {
	MONITOR_EVENT_SOFT = 1, /* rss_bytes crossed limit_bytes (the soft limit) upwards */
	MONITOR_EVENT_HARD = 2, /* rss_bytes crossed limit_bytes (the hard limit); SIGKILL sent */
	MONITOR_EVENT_EXIT = 3, /* the process is gone, entry freed; rss_bytes = peak, limit_bytes = 0 */
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
};

#define MONITOR_IOC_MAGIC 'M'
#define MONITOR_IOC_REGISTER _IOW(MONITOR_IOC_MAGIC, 1, struct monitor_register)
#define MONITOR_IOC_UNREGISTER _IOW(MONITOR_IOC_MAGIC, 2, struct monitor_unregister)
#define MONITOR_IOC_QUERY _IOWR(MONITOR_IOC_MAGIC, 3, struct monitor_query)
#define MONITOR_IOC_INFO _IOR(MONITOR_IOC_MAGIC, 4, struct monitor_info)

#ifndef __cplusplus
_Static_assert(sizeof(struct monitor_register) == 56, "monitor_register layout");
_Static_assert(sizeof(struct monitor_unregister) == 8, "monitor_unregister layout");
_Static_assert(sizeof(struct monitor_query) == 40, "monitor_query layout");
_Static_assert(sizeof(struct monitor_info) == 32, "monitor_info layout");
_Static_assert(sizeof(struct monitor_event) == 64, "monitor_event layout");
#endif

#endif /* _UAPI_CONTAINER_MONITOR_H */
