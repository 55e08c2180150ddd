/* monitor.ko internals shared by its files. Object model: one global list of entries (one per
 * registered process, held by struct pid *) and one global bounded queue of event records that
 * read() consumes; entries outlive the fd that registered them and rmmod frees them.
 *
 * Locking: one mutex, monitor_lock. Everything that takes it runs in process context (ioctl,
 * read, sysfs, the scan's delayed_work), and the scan needs to sleep under it (mmput), hence a
 * mutex. It protects monitor_entries, monitor_entry_nr, the fields of each entry marked "lock"
 * below, and the whole event queue (monitor_event.c). Fields marked "const" are set before the
 * entry is published on the list and never change. Under monitor_lock the module takes only
 * task_lock (inside get_task_mm), the signal locks (send_sig) and the wait-queue lock. */
#ifndef HOGLAB_KMOD_MONITOR_H
#define HOGLAB_KMOD_MONITOR_H

#define pr_fmt(fmt) "container_monitor: " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "uapi/container_monitor.h"

struct monitor_entry {
	struct list_head node;   /* lock */
	struct pid *pid;         /* const; one reference, dropped when the entry is freed */
	pid_t nr;                /* const; the pid number as registered, for events and logs */
	u64 soft_bytes;          /* const; 0 = none */
	u64 hard_bytes;          /* const; 0 = none */
	u64 rss_bytes;           /* lock; as of the last scan */
	u64 peak_rss_bytes;      /* lock */
	u32 flags;               /* lock; MONITOR_FLAG_* */
	char id[MONITOR_ID_LEN]; /* const; NUL-terminated, zero-padded */
};

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

/* monitor_event.c: the bounded event queue and the wait queue read() and poll() sleep on. */
#define MONITOR_EVENT_QUEUE_LEN 256
extern wait_queue_head_t monitor_event_wq;
void monitor_event_push(const struct monitor_entry *e, u32 type, u64 rss_bytes,
			u64 limit_bytes); /* caller holds monitor_lock */
bool monitor_event_pop(struct monitor_event *ev);
u32 monitor_event_queued(void);
u64 monitor_event_dropped(void); /* caller holds monitor_lock */
void monitor_event_lose(void);

/* monitor_scan.c: the periodic scan, its period_ms parameter and the RSS measurement it and the
 * registry share. The scan uses the registry (retire); the registry uses only these three. */
void monitor_scan_start(void);
void monitor_scan_stop(void);
unsigned int monitor_scan_period_ms(void);
bool monitor_scan_rss(struct task_struct *task, u64 *rss_bytes);

#endif
