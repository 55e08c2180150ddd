/* The memory monitor: one interface over three backends that enforce --soft-mib (warn once per
 * upward crossing) and --hard-mib (kill): kmod (/dev/container_monitor), cgroup (the memory
 * controller's own limit and counters) and proc (a /proc/<pid>/statm poller that kills by
 * itself). Owned and used by the supervisor's event-loop thread only; nothing here blocks:
 * sampling backends run from a timerfd, kmod from its device fd, both in the caller's poll.
 * Functions are memmon_*: monitor_* names the kernel module's own (kmod/). */
#ifndef HOGLAB_MEMMON_H
#define HOGLAB_MEMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "proctree.h"
#include "protocol.h"

/* Values match enum proto_monitor; AUTO only before memmon_open resolves it. */
enum monitor_kind {
	MONITOR_AUTO = PROTO_MONITOR_NONE,
	MONITOR_KMOD = PROTO_MONITOR_KMOD,
	MONITOR_CGROUP = PROTO_MONITOR_CGROUP,
	MONITOR_PROC = PROTO_MONITOR_PROC,
};

#define MONITOR_PERIOD_DEFAULT_MS 100

struct monitor {
	enum monitor_kind kind;
	unsigned period_ms;  /* sampling period of cgroup and proc; kmod has its own */
	unsigned kmod_mode;  /* kmod: MONITOR_MODE_* each container registers with (scan, event) */
	unsigned kmod_period_ms; /* kmod: the module's scan period when it was opened */
	int dev_fd;          /* kmod: the device, non-blocking; else -1 */
	int timer_fd;        /* cgroup, proc: periodic timerfd; else -1 */
	bool timer_armed;
	char how[480];       /* which backend and why, for the start line */
};

/* One container's watch, embedded in the supervisor's record. */
struct monitor_watch {
	pid_t pid;              /* the container's init, 0 = not watched (yet) */
	uint64_t soft_bytes;    /* 0 = none */
	uint64_t hard_bytes;    /* 0 = none */
	struct cgroup_box *box; /* the container's cgroups (memory one for the cgroup backend) */
	struct proctree_rss rss_fds;
	bool soft_above;        /* above the soft limit since the last upward crossing */
	bool killed;            /* the monitor (or the kernel's memory cgroup) killed it */
	bool oom;               /* ... and it was the kernel's OOM killer without our hard limit */
	bool kill_reported;
	uint64_t rss_bytes;     /* last sample */
	uint64_t peak_bytes;
	uint64_t kill_rss_bytes;
	uint64_t oom_kills;     /* cgroup's oom_kill counter when last read */
	unsigned mode;          /* kmod: MONITOR_MODE_* in effect as the module last said (query,
				 * event: after any fallback to scan); 0 = not known, or not kmod */
};

/* What a backend saw, for the supervisor's events. */
enum monitor_report_type { MONITOR_REPORT_SOFT, MONITOR_REPORT_HARD, MONITOR_REPORT_OOM };
struct monitor_report {
	enum monitor_report_type type;
	uint64_t rss_bytes;
	uint64_t limit_bytes;
};
typedef void (*monitor_report_fn)(void *arg, struct monitor_watch *w,
				  const struct monitor_report *r);

/* "auto", "kmod", "cgroup", "proc" -> kind; -EINVAL otherwise. */
int memmon_kind_parse(const char *s, enum monitor_kind *out);
const char *memmon_kind_name(enum monitor_kind k);
/* kmod's detection modes: "scan", "event" -> MONITOR_MODE_*; -EINVAL otherwise. */
int memmon_mode_parse(const char *s, unsigned *out);
/* "scan", "event", or NULL for 0 (not known) and anything else. */
const char *memmon_mode_name(unsigned mode);

/* Resolves auto (kmod if the device exists, else a memory cgroup controller, else proc) and
 * opens the backend's fd. A backend asked for by name that cannot work fails with a reason.
 * kmod_mode: MONITOR_MODE_SCAN or _EVENT, or 0 for the module's default (its info.mode); a
 * mode other than 0 needs the kmod backend, and event a module whose kernel supports it. */
int memmon_open(struct monitor *m, enum monitor_kind want, unsigned kmod_mode, unsigned period_ms,
		 const struct cgroup_host *cg, char *err, size_t err_size);
void memmon_close(struct monitor *m);
/* Whether a container with these limits (0 = none) needs a memory cgroup of its own: with the
 * cgroup backend and a limit. Without one it is sampled through statm, as by proc, and stays
 * in the supervisor's memory cgroup, whose oom_kill counter shows a kernel OOM kill of it. */
bool memmon_wants_memcg(const struct monitor *m, uint64_t soft_bytes, uint64_t hard_bytes);
/* The fd to poll for POLLIN (device or timer), -1 when there is nothing to poll. */
int memmon_fd(const struct monitor *m);
/* Runs the sampling timer only while some container is watched. */
void memmon_timer_set(struct monitor *m, bool on);

/* Starts watching w->pid (set by the caller, with limits and box) once its command runs. */
int memmon_watch_start(struct monitor *m, struct monitor_watch *w, const char *id);
/* The last look after the reap: peak, and whether the kernel's memory cgroup killed it. */
void memmon_watch_end(struct monitor *m, struct monitor_watch *w, monitor_report_fn fn, void *arg);

/* Timer (cgroup, proc): acknowledge the expiry, then sample each watch. */
bool memmon_timer_ack(struct monitor *m);
void memmon_sample(struct monitor *m, struct monitor_watch *w, monitor_report_fn fn, void *arg);
/* kmod: reads the queued records; find(pid) maps a record to its watch (NULL: not ours). */
void memmon_kmod_read(struct monitor *m, struct monitor_watch *(*find)(void *arg, pid_t pid),
		       monitor_report_fn fn, void *arg);

/* Current RSS of a watched container, asked for now (stats). */
int memmon_rss_now(struct monitor *m, struct monitor_watch *w, uint64_t *bytes);
/* The container's processes: its cgroup's cgroup.procs when it has one, else the tree. */
int memmon_pids(const struct monitor_watch *w, pid_t *pids, size_t cap, size_t *n);

#endif
