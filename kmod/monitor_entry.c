/* The registry: validates, adds, removes and reports entries. Entries are found by the pid
 * number they have in the caller's PID namespace; numbers are unique on the list because a stale
 * entry (process gone, number reused) is retired when the new process registers. An entry leaves
 * the list and the probe's hash table under monitor_lock and is freed after an RCU grace period
 * (the probe may still be reading it; see monitor_probe.c).
 * monitor_lock (monitor.h) protects the list, monitor_entry_nr and the entries' "lock" fields. */
#include "monitor.h"

#include <linux/ctype.h>
#include <linux/pid_namespace.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

DEFINE_MUTEX(monitor_lock);
LIST_HEAD(monitor_entries);
static u32 monitor_entry_nr; /* lock; entries on monitor_entries */

/* 1..MONITOR_ID_LEN-1 printable non-space characters, so that log lines cannot be forged. */
static bool monitor_id_valid(const char *id)
{
	size_t len = strnlen(id, MONITOR_ID_LEN);
	size_t i;

	if (len == 0 || len == MONITOR_ID_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isgraph(id[i]))
			return false;
	return true;
}

static int monitor_register_validate(const struct monitor_register *req)
{
	if (req->pid <= 0 || req->mode > MONITOR_MODE_EVENT)
		return -EINVAL;
	if (req->soft_bytes && req->hard_bytes && req->soft_bytes > req->hard_bytes)
		return -EINVAL;
	if (!monitor_id_valid(req->container_id))
		return -EINVAL;
	return 0;
}

static struct monitor_entry *monitor_entry_find(pid_t nr)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct monitor_entry *e;

	lockdep_assert_held(&monitor_lock);
	list_for_each_entry(e, &monitor_entries, node)
		if (pid_nr_ns(e->pid, ns) == nr)
			return e;
	return NULL;
}

/* Takes e off the list (and the probe's table) and frees it after a grace period. */
static void monitor_entry_remove(struct monitor_entry *e)
{
	lockdep_assert_held(&monitor_lock);
	list_del(&e->node);
	if (e->mode == MONITOR_MODE_EVENT)
		monitor_probe_del(e);
	WARN_ON_ONCE(monitor_entry_nr == 0);
	monitor_entry_nr--;
	put_pid(e->pid);
	kfree_rcu(e, rcu);
}

/* Frees an entry whose container is gone, leaving an EXIT event. */
void monitor_entry_retire(struct monitor_entry *e)
{
	lockdep_assert_held(&monitor_lock);
	monitor_event_push(e, MONITOR_EVENT_EXIT, e->peak_rss_bytes, 0);
	monitor_entry_remove(e);
}

void monitor_entry_check_flagged(void)
{
	struct monitor_entry *e, *tmp;

	lockdep_assert_held(&monitor_lock);
	list_for_each_entry_safe(e, tmp, &monitor_entries, node) {
		/* Cleared first: a probe firing during the check queues the work again. */
		if (test_and_clear_bit(MONITOR_PENDING_CHECK, &e->pending) && !monitor_check_entry(e))
			monitor_entry_retire(e);
	}
}

/* The unit of a registered pid (monitor_unit.c): its namespace when it is that namespace's
 * init and the namespace is not the initial one, else NULL (the process alone). */
static struct pid_namespace *monitor_entry_unit_ns(struct pid *pid)
{
	return pid->level > 0 && pid->numbers[pid->level].nr == 1 ? ns_of_pid(pid) : NULL;
}

int monitor_entry_register(const struct monitor_register *req)
{
	struct monitor_measure m;
	struct monitor_entry *e, *old;
	int ret;

	ret = monitor_register_validate(req);
	if (ret)
		return ret;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->pid = find_get_pid(req->pid);
	if (!e->pid) {
		ret = -ESRCH;
		goto free_entry;
	}
	e->ns = monitor_entry_unit_ns(e->pid);
	e->key = e->ns ? (void *)e->ns : (void *)e->pid;
	if (e->ns)
		e->flags |= MONITOR_FLAG_NAMESPACE;
	e->mode = req->mode ? req->mode : monitor_mode_default();
	if (e->mode == MONITOR_MODE_EVENT && !monitor_probe_attached())
		e->mode = MONITOR_MODE_SCAN;
	e->nr = req->pid;
	e->soft_bytes = req->soft_bytes;
	e->hard_bytes = req->hard_bytes;
	strscpy(e->id, req->container_id, sizeof(e->id));
	/* A thread id that is not a thread group's has no PIDTYPE_TGID task: ESRCH, as before. */
	ret = monitor_unit_measure(e, &m, e->mode == MONITOR_MODE_EVENT);
	if (ret <= 0) {
		ret = ret ? ret : -ESRCH;
		goto put_pid;
	}
	e->rss_bytes = e->peak_rss_bytes = m.rss_bytes;
	e->nprocs = m.nprocs;

	mutex_lock(&monitor_lock);
	old = monitor_entry_find(req->pid);
	if (old && old->pid == e->pid) {
		ret = -EEXIST;
		goto unlock;
	}
	if (old)
		monitor_entry_retire(old);
	list_add_tail(&e->node, &monitor_entries);
	monitor_entry_nr++;
	if (e->mode == MONITOR_MODE_EVENT)
		monitor_probe_add(e);
	/* The limits apply from now: a container already past one is handled at once. */
	monitor_check_apply(e, &m);
	mutex_unlock(&monitor_lock);
	return 0;

unlock:
	mutex_unlock(&monitor_lock);
	monitor_snap_release(m.snap);
put_pid:
	put_pid(e->pid);
free_entry:
	kfree(e);
	return ret;
}

int monitor_entry_unregister(const struct monitor_unregister *req)
{
	struct monitor_entry *e;

	if (req->pid <= 0 || req->reserved)
		return -EINVAL;
	mutex_lock(&monitor_lock);
	e = monitor_entry_find(req->pid);
	if (e)
		monitor_entry_remove(e);
	mutex_unlock(&monitor_lock);
	return e ? 0 : -ENOENT;
}

int monitor_entry_query(struct monitor_query *q)
{
	struct monitor_entry *e;
	int ret = 0;

	if (q->pid <= 0)
		return -EINVAL;
	mutex_lock(&monitor_lock);
	e = monitor_entry_find(q->pid);
	if (e) {
		q->flags = e->flags;
		q->rss_bytes = e->rss_bytes;
		q->peak_rss_bytes = e->peak_rss_bytes;
		q->soft_bytes = e->soft_bytes;
		q->hard_bytes = e->hard_bytes;
		q->nprocs = e->nprocs;
		q->mode = e->mode;
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&monitor_lock);
	return ret;
}

void monitor_entry_info(struct monitor_info *info)
{
	memset(info, 0, sizeof(*info));
	info->abi_version = MONITOR_ABI_VERSION;
	info->period_ms = monitor_scan_period_ms();
	info->events_capacity = MONITOR_EVENT_QUEUE_LEN;
	info->mode = (u16)monitor_mode_default();
	info->modes = (1u << MONITOR_MODE_SCAN) | (monitor_probe_attached() ? 1u << MONITOR_MODE_EVENT : 0);
	mutex_lock(&monitor_lock);
	info->entries = monitor_entry_nr;
	info->events_queued = monitor_event_queued();
	info->events_dropped = monitor_event_dropped();
	mutex_unlock(&monitor_lock);
}

u32 monitor_entry_count(void)
{
	u32 nr;

	mutex_lock(&monitor_lock);
	nr = monitor_entry_nr;
	mutex_unlock(&monitor_lock);
	return nr;
}

/* Module exit: the device is gone, the probe detached and waited for, the work and the scan
 * stopped, so nobody else can reach the list. */
void monitor_entry_free_all(void)
{
	struct monitor_entry *e, *tmp;

	mutex_lock(&monitor_lock);
	list_for_each_entry_safe(e, tmp, &monitor_entries, node)
		monitor_entry_remove(e);
	WARN_ON_ONCE(monitor_entry_nr != 0);
	mutex_unlock(&monitor_lock);
}
