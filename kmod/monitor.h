/* monitor.ko internals shared by its files. Object model: one global list of entries (one per
 * registration, each watching a container: a PID namespace held through its init's struct pid,
 * or one process; see monitor_unit.c) and one global bounded queue of event records that read()
 * consumes; entries outlive the fd that registered them and rmmod frees them.
 *
 * Contexts and locking:
 * - monitor_lock, a mutex, is taken only in process context (ioctl, read, sysfs, the scan's
 *   delayed_work, the event-mode check work). Checks sleep under it (allocations, mmdrop), hence
 *   a mutex. It protects monitor_entries, monitor_entry_nr, the fields of each entry marked
 *   "lock" below, the probe's hash table for writers, and the whole event queue
 *   (monitor_event.c). Fields marked "const" are set before the entry is published and never
 *   change. Under monitor_lock the module takes rcu_read_lock, task_lock (the walk), the signal
 *   locks (kill_pid), the workqueue and wait-queue locks.
 * - The rss_stat probe (monitor_probe.c) runs in the faulting task with preemption disabled,
 *   often under the page-table spinlock. It takes no lock: it reads entries of the hash table
 *   under rcu_read_lock, the entry's snapshot (an RCU-published, immutable array) and sets a bit
 *   plus queue_work(). Entries and snapshots are freed with kfree_rcu/kvfree_rcu after being
 *   unpublished, so a probe that still sees one reads valid memory; rmmod detaches the probe and
 *   waits for running probes (tracepoint_synchronize_unregister) before it frees anything. */
#ifndef HOGLAB_KMOD_MONITOR_H
#define HOGLAB_KMOD_MONITOR_H

#define pr_fmt(fmt) "container_monitor: " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "uapi/container_monitor.h"

struct mm_struct;
struct pid_namespace;

/* One memory map of a container at a check: identity (held by mmgrab, so the address cannot be
 * reused while the snapshot holds it) and its RSS in pages then. */
struct monitor_mm {
	struct mm_struct *mm;
	unsigned long pages;
};

/* What a check measured; for event-mode entries also what the probe compares against. Immutable
 * once published; sorted by mm pointer (the probe bisects). slack_pages: how far any one mm may
 * grow past its pages before the container may have reached its next limit (the headroom to it,
 * divided by n: if the total grew by more than the headroom, one mm grew by more than its
 * share). partial: the walk found more mms than it had room for; an mm not in the array then
 * triggers a check, as a new mm always does. */
struct monitor_snap {
	struct rcu_head rcu;
	u32 n;
	bool partial;
	unsigned long slack_pages;
	struct monitor_mm mms[];
};

struct monitor_entry {
	struct list_head node;   /* lock */
	struct hlist_node hnode; /* lock for writers; the probe reads it under RCU (event mode only) */
	struct rcu_head rcu;
	void *key;               /* const; what the probe looks the faulting task up by: ns or pid */
	struct pid *pid;         /* const; one reference, dropped when the entry is freed */
	struct pid_namespace *ns;/* const; the unit is this namespace (pid is its init), or NULL */
	pid_t nr;                /* const; the pid number as registered, for events and logs */
	u32 mode;                /* const; MONITOR_MODE_SCAN or MONITOR_MODE_EVENT */
	u64 soft_bytes;          /* const; 0 = none */
	u64 hard_bytes;          /* const; 0 = none */
	u64 rss_bytes;           /* lock; as of the last check */
	u64 peak_rss_bytes;      /* lock */
	u32 nprocs;              /* lock; processes at the last check */
	u32 flags;               /* lock; MONITOR_FLAG_* */
	unsigned long pending;   /* atomic bits: MONITOR_PENDING_CHECK, set by the probe */
	struct monitor_snap __rcu *snap; /* lock for writers; event mode only, NULL when disarmed */
	char id[MONITOR_ID_LEN]; /* const; NUL-terminated, zero-padded */
};

#define MONITOR_PENDING_CHECK 0

extern struct mutex monitor_lock;
extern struct list_head monitor_entries; /* lock */

/* monitor_entry.c: the registry. Each function takes monitor_lock itself unless it says so. */
int monitor_entry_register(const struct monitor_register *req);
int monitor_entry_unregister(const struct monitor_unregister *req);
int monitor_entry_query(struct monitor_query *q);
void monitor_entry_info(struct monitor_info *info);
u32 monitor_entry_count(void);
void monitor_entry_retire(struct monitor_entry *e); /* caller holds monitor_lock */
void monitor_entry_free_all(void);
/* Checks every entry the probe flagged; caller holds monitor_lock. */
void monitor_entry_check_flagged(void);

/* monitor_event.c: the bounded event queue and the wait queue read() and poll() sleep on. */
#define MONITOR_EVENT_QUEUE_LEN 256
extern wait_queue_head_t monitor_event_wq;
void monitor_event_push(const struct monitor_entry *e, u32 type, u64 rss_bytes,
			u64 limit_bytes); /* caller holds monitor_lock */
bool monitor_event_pop(struct monitor_event *ev);
u32 monitor_event_queued(void);
u64 monitor_event_dropped(void); /* caller holds monitor_lock */
void monitor_event_lose(void);

/* monitor_unit.c: the container, its walk and its measure. */
struct monitor_measure {
	u64 rss_bytes;
	u32 nprocs;
	struct monitor_snap *snap; /* the mms found, each grabbed; NULL when the container is gone */
};
/* Measures e's container (e's pid, e's ns): 1, or 0 when it is gone (its init, or its process,
 * has no live thread with memory), or -ENOMEM (nothing measured). With keep, m->snap is returned
 * for publishing; else it is released here. Process context, may sleep; caller holds
 * monitor_lock or owns e alone. */
int monitor_unit_measure(const struct monitor_entry *e, struct monitor_measure *m, bool keep);
/* Drops the mms of a snapshot that is no longer published (or never was) and frees it after a
 * grace period. NULL is allowed. */
void monitor_snap_release(struct monitor_snap *snap);

/* monitor_scan.c: the periodic scan, its period_ms parameter, and the check (measure, warn,
 * kill) that the scan and the event-mode work share. */
void monitor_scan_start(void);
void monitor_scan_stop(void);
unsigned int monitor_scan_period_ms(void);
/* Checks one entry; false when its container is gone (the caller retires it). Caller holds
 * monitor_lock. */
bool monitor_check_entry(struct monitor_entry *e);
/* The target of the next upward crossing, in bytes (0: none left to watch); lock held. */
u64 monitor_check_target(const struct monitor_entry *e);
/* Applies a measure to e (peak, soft, hard, and for event mode the new snapshot); caller holds
 * monitor_lock. */
void monitor_check_apply(struct monitor_entry *e, struct monitor_measure *m);

/* monitor_probe.c: the rss_stat probe and the event-mode check work. */
int monitor_probe_start(void);  /* attaches the probe when the tracepoint exists; 0 or -errno */
void monitor_probe_stop(void);  /* detaches it, waits for running probes and the check work */
bool monitor_probe_attached(void);
u32 monitor_mode_default(void); /* the mode= parameter after fallback */
void monitor_probe_add(struct monitor_entry *e);  /* caller holds monitor_lock */
void monitor_probe_del(struct monitor_entry *e);  /* caller holds monitor_lock */
/* Publishes snap (may be NULL: disarmed) as e's snapshot with its slack computed, releasing the
 * one it replaces; caller holds monitor_lock. */
void monitor_probe_publish(struct monitor_entry *e, struct monitor_snap *snap);

const char *monitor_mode_name(u32 mode);

#endif
