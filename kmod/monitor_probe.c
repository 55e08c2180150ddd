/* Event mode: a probe on the kernel's rss_stat tracepoint and the check work it queues.
 *
 * The tracepoint. mm/memory.c fires rss_stat from add_mm_counter() and friends, so from page
 * faults, unmaps, fork's page-table copy and exit, in the task that changes the counter, with
 * preemption disabled (the tracepoint's RCU-sched read side) and often under the page-table
 * spinlock. It is not exported, so the module finds it by name (for_each_kernel_tracepoint) and
 * attaches with tracepoint_probe_register, both exported to GPL modules on 6.1 and 6.12. The
 * prototype differs: 6.1 passes (mm, member, count), 6.2 and later (mm, member).
 *   6.1 (SPLIT_RSS_COUNTING): a fault by the mm's own task counts in task-local counters, which
 *   are added to the mm (firing the event) only every 64 faults (TASK_RSS_EVENTS_THRESH) and at
 *   some syscalls; so the mm's counters, what every reader sees, lag by up to 63 pages per
 *   thread, and so does the probe. Huge-page faults add to the mm at once.
 *   6.2 and later: the counters are percpu_counters and every change fires the event; a cheap
 *   read lags by at most the batch (32 pages) per CPU.
 *
 * The probe (must not sleep, must be cheap). It returns at once when no event-mode entry exists
 * or the mm is not the current task's own (another process's counters: reclaim, fork's copy
 * into the child, exit of a borrowed mm; growth from outside is left to the scan) or the
 * counter is swap entries. Otherwise it looks up the current task's thread-group struct pid and
 * each PID namespace its pid has a number in (beyond the initial one) in a small hash table of
 * event-mode entries, under rcu_read_lock. For each entry found it bisects the entry's snapshot
 * (monitor.h: the mms of the last check, each with its pages then, and the slack per mm) for
 * this mm; when the mm has grown past its pages plus the slack, or is not in the snapshot (a
 * process started since), it sets the entry's pending bit and, if it was clear, queues the
 * check work. If the total has crossed the next limit, then some mm has grown by more than the
 * headroom divided by the number of mms, so no crossing is missed; below that no work is queued.
 *
 * The check work (process context, on a WQ_HIGHPRI workqueue, so that it preempts the growing
 * task soon) takes monitor_lock and checks every flagged entry as the scan does: measure, warn,
 * kill, publish a new snapshot.
 *
 * Lifetime. An entry is put in the hash table and taken out under monitor_lock and freed with
 * kfree_rcu; its snapshot is replaced with rcu_replace_pointer and freed with kvfree_rcu; so a
 * probe that found either reads valid memory until its rcu_read_unlock. The mms of a replaced
 * snapshot are dropped before the grace period ends: the probe only compares their addresses.
 * Module exit detaches the probe and waits (tracepoint_synchronize_unregister) for every probe
 * still running before it cancels the work and frees entries. */
#include "monitor.h"

#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#define MONITOR_PROBE_HASH_BITS 8

static struct tracepoint *monitor_tp;      /* set while the probe is attached */
static atomic_t monitor_probe_nr = ATOMIC_INIT(0); /* event-mode entries in the hash table */
static DEFINE_HASHTABLE(monitor_probe_hash, MONITOR_PROBE_HASH_BITS); /* lock for writers */
static struct workqueue_struct *monitor_wq;

static void monitor_check_fn(struct work_struct *work);
static DECLARE_WORK(monitor_check_work, monitor_check_fn);

/* The mode= parameter: the mode of a registration that does not ask for one. */
static u32 monitor_mode_param = MONITOR_MODE_SCAN;

const char *monitor_mode_name(u32 mode)
{
	return mode == MONITOR_MODE_EVENT ? "event" : "scan";
}

static int monitor_mode_set(const char *val, const struct kernel_param *kp)
{
	if (sysfs_streq(val, "scan"))
		WRITE_ONCE(monitor_mode_param, MONITOR_MODE_SCAN);
	else if (sysfs_streq(val, "event"))
		WRITE_ONCE(monitor_mode_param, MONITOR_MODE_EVENT);
	else
		return -EINVAL;
	return 0;
}

static int monitor_mode_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n", monitor_mode_name(READ_ONCE(monitor_mode_param)));
}

static const struct kernel_param_ops monitor_mode_ops = {
	.set = monitor_mode_set,
	.get = monitor_mode_get,
};
module_param_cb(mode, &monitor_mode_ops, NULL, 0644);
MODULE_PARM_DESC(mode, "scan or event (default scan): the mode of a registration that names none; event falls back to scan without the rss_stat tracepoint");

/* probe=0 at load leaves the tracepoint alone (event mode then falls back to scan): for
 * measuring the probe's cost and testing the fallback. */
static bool monitor_probe_enable = true;
module_param_named(probe, monitor_probe_enable, bool, 0444);
MODULE_PARM_DESC(probe, "attach the rss_stat probe at load (default Y; N: event mode falls back to scan)");

bool monitor_probe_attached(void)
{
	return READ_ONCE(monitor_tp) != NULL;
}

u32 monitor_mode_default(void)
{
	u32 mode = READ_ONCE(monitor_mode_param);

	return mode == MONITOR_MODE_EVENT && monitor_probe_attached() ? MONITOR_MODE_EVENT
								      : MONITOR_MODE_SCAN;
}

/* True when mm may have taken the container past its next limit (see the opening comment). */
static bool monitor_snap_crossed(const struct monitor_snap *s, struct mm_struct *mm)
{
	u32 lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->mms[mid].mm == mm)
			return get_mm_rss(mm) > s->mms[mid].pages + s->slack_pages;
		if ((unsigned long)s->mms[mid].mm < (unsigned long)mm)
			lo = mid + 1;
		else
			hi = mid;
	}
	return true;
}

static void monitor_probe_key(const void *key, struct mm_struct *mm)
{
	struct monitor_entry *e;
	struct monitor_snap *s;

	hash_for_each_possible_rcu(monitor_probe_hash, e, hnode, (unsigned long)key) {
		if (e->key != key || test_bit(MONITOR_PENDING_CHECK, &e->pending))
			continue;
		s = rcu_dereference(e->snap);
		if (!s || !monitor_snap_crossed(s, mm))
			continue;
		if (!test_and_set_bit(MONITOR_PENDING_CHECK, &e->pending))
			queue_work(monitor_wq, &monitor_check_work);
	}
}

static void monitor_probe_hit(struct mm_struct *mm, int member)
{
	struct task_struct *t = current;
	struct pid *pid;
	unsigned int level;

	if (!atomic_read(&monitor_probe_nr) || mm != t->mm || member == MM_SWAPENTS)
		return;
	rcu_read_lock();
	monitor_probe_key(task_tgid(t), mm);
	pid = task_pid(t);
	for (level = 1; level <= pid->level; level++)
		monitor_probe_key(pid->numbers[level].ns, mm);
	rcu_read_unlock();
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static void monitor_probe(void *data, struct mm_struct *mm, int member)
{
	monitor_probe_hit(mm, member);
}
#else
static void monitor_probe(void *data, struct mm_struct *mm, int member, long count)
{
	monitor_probe_hit(mm, member);
}
#endif

void monitor_probe_publish(struct monitor_entry *e, struct monitor_snap *snap)
{
	u64 target = monitor_check_target(e);
	unsigned long limit_pages, total = 0;
	u32 i;

	lockdep_assert_held(&monitor_lock);
	if (snap && !target) {
		monitor_snap_release(snap);
		snap = NULL;
	}
	if (snap) {
		for (i = 0; i < snap->n; i++)
			total += snap->mms[i].pages;
		limit_pages = (unsigned long)(target >> PAGE_SHIFT);
		snap->slack_pages = limit_pages > total ? (limit_pages - total) / max(snap->n, 1u) : 0;
	}
	monitor_snap_release(rcu_replace_pointer(e->snap, snap, lockdep_is_held(&monitor_lock)));
}

void monitor_probe_add(struct monitor_entry *e)
{
	lockdep_assert_held(&monitor_lock);
	hash_add_rcu(monitor_probe_hash, &e->hnode, (unsigned long)e->key);
	atomic_inc(&monitor_probe_nr);
}

void monitor_probe_del(struct monitor_entry *e)
{
	lockdep_assert_held(&monitor_lock);
	hash_del_rcu(&e->hnode);
	atomic_dec(&monitor_probe_nr);
	monitor_snap_release(rcu_replace_pointer(e->snap, NULL, lockdep_is_held(&monitor_lock)));
}

static void monitor_check_fn(struct work_struct *work)
{
	mutex_lock(&monitor_lock);
	monitor_entry_check_flagged();
	mutex_unlock(&monitor_lock);
}

static void monitor_tp_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "rss_stat"))
		*(struct tracepoint **)priv = tp;
}

int monitor_probe_start(void)
{
	struct tracepoint *tp = NULL;
	int ret;

	monitor_wq = alloc_workqueue("container_monitor", WQ_HIGHPRI, 0);
	if (!monitor_wq)
		return -ENOMEM;
	if (!monitor_probe_enable)
		return 0;
	for_each_kernel_tracepoint(monitor_tp_find, &tp);
	if (!tp) {
		pr_info("no rss_stat tracepoint: event mode falls back to scan\n");
		return 0;
	}
	ret = tracepoint_probe_register(tp, (void *)monitor_probe, NULL);
	if (ret) {
		pr_info("rss_stat probe not attached (%d): event mode falls back to scan\n", ret);
		return 0;
	}
	WRITE_ONCE(monitor_tp, tp);
	return 0;
}

void monitor_probe_stop(void)
{
	struct tracepoint *tp = monitor_tp;

	if (tp) {
		WARN_ON_ONCE(tracepoint_probe_unregister(tp, (void *)monitor_probe, NULL));
		/* Every probe that started before the unregister has returned after this. */
		tracepoint_synchronize_unregister();
		WRITE_ONCE(monitor_tp, NULL);
	}
	if (monitor_wq) {
		cancel_work_sync(&monitor_check_work);
		destroy_workqueue(monitor_wq);
		monitor_wq = NULL;
	}
}
