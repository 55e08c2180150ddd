/* The periodic scan: a delayed_work (process context, may sleep) that every period_ms checks each
 * entry: measures its container (monitor_unit.c), warns on a soft-limit crossing, kills on the
 * hard limit and retires entries whose container is gone. The same check runs at once for an
 * event-mode entry the probe flagged (monitor_probe.c); for those it also publishes the new
 * snapshot the probe compares against. It holds monitor_lock (monitor.h) for the whole pass over the list;
 * monitor_scan_running is also under monitor_lock, so a period_ms write never re-arms the work
 * before module init has started it or after module exit has stopped it.
 *
 * Schedule: passes keep an absolute timetable in nanoseconds, each deadline the previous one plus
 * period_ms, so neither a pass's own length nor the rounding of a delay to whole jiffies (4 ms at
 * HZ=250) accumulates: a pass runs within a jiffy of its deadline and the mean period is period_ms.
 * Deadlines already past when a pass ends are skipped, never run back to back. The timetable
 * (monitor_scan_next_ns) is under monitor_lock; a period_ms write restarts it from the write. */
#include "monitor.h"

#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#define MONITOR_PERIOD_MIN_MS 10
#define MONITOR_PERIOD_MAX_MS 10000

static unsigned int monitor_period_ms = 100; /* written by the parameter setter, read by the scan */
static bool monitor_scan_running;            /* lock */
static u64 monitor_scan_next_ns;             /* lock; the next pass's deadline, 0 = restart now */

static void monitor_scan_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(monitor_scan_work, monitor_scan_fn);

static int monitor_period_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret = kstrtouint(val, 0, &ms);

	if (ret)
		return ret;
	if (ms < MONITOR_PERIOD_MIN_MS || ms > MONITOR_PERIOD_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	mutex_lock(&monitor_lock);
	monitor_scan_next_ns = 0;
	if (monitor_scan_running)
		mod_delayed_work(system_wq, &monitor_scan_work, 0);
	mutex_unlock(&monitor_lock);
	return 0;
}

static const struct kernel_param_ops monitor_period_ops = {
	.set = monitor_period_set,
	.get = param_get_uint,
};
module_param_cb(period_ms, &monitor_period_ops, &monitor_period_ms, 0644);
MODULE_PARM_DESC(period_ms, "scan period in milliseconds, 10..10000 (default 100); a write scans at once and sets the next period");

unsigned int monitor_scan_period_ms(void)
{
	return READ_ONCE(monitor_period_ms);
}

u64 monitor_check_target(const struct monitor_entry *e)
{
	if (e->flags & MONITOR_FLAG_KILLED)
		return 0;
	if (e->soft_bytes && !(e->flags & MONITOR_FLAG_SOFT_WARNED))
		return e->soft_bytes;
	return e->hard_bytes;
}

void monitor_check_apply(struct monitor_entry *e, struct monitor_measure *m)
{
	u64 rss = m->rss_bytes;

	e->rss_bytes = rss;
	e->nprocs = m->nprocs;
	if (rss > e->peak_rss_bytes)
		e->peak_rss_bytes = rss;
	if (!(e->flags & MONITOR_FLAG_KILLED)) {
		if (e->soft_bytes && rss <= e->soft_bytes) {
			e->flags &= ~MONITOR_FLAG_SOFT_WARNED;
		} else if (e->soft_bytes && !(e->flags & MONITOR_FLAG_SOFT_WARNED)) {
			e->flags |= MONITOR_FLAG_SOFT_WARNED;
			pr_warn("SOFT LIMIT container=%s pid=%d rss=%llu limit=%llu procs=%u mode=%s\n",
				e->id, e->nr, rss, e->soft_bytes, e->nprocs, monitor_mode_name(e->mode));
			monitor_event_push(e, MONITOR_EVENT_SOFT, rss, e->soft_bytes);
		}
		if (e->hard_bytes && rss > e->hard_bytes) {
			/* To a namespace's init, whose death ends the namespace; forced (priv), as
			 * the kernel's own signals are, so an init's immunity does not apply. */
			kill_pid(e->pid, SIGKILL, 1);
			e->flags |= MONITOR_FLAG_KILLED;
			pr_warn("HARD LIMIT container=%s pid=%d rss=%llu limit=%llu procs=%u mode=%s\n",
				e->id, e->nr, rss, e->hard_bytes, e->nprocs, monitor_mode_name(e->mode));
			monitor_event_push(e, MONITOR_EVENT_HARD, rss, e->hard_bytes);
		}
	}
	if (e->mode == MONITOR_MODE_EVENT)
		monitor_probe_publish(e, m->snap);
	m->snap = NULL;
}

bool monitor_check_entry(struct monitor_entry *e)
{
	struct monitor_measure m;
	int ret;

	lockdep_assert_held(&monitor_lock);
	ret = monitor_unit_measure(e, &m, e->mode == MONITOR_MODE_EVENT);
	if (ret < 0)
		return true; /* no memory: keep the last figures, try again at the next check */
	if (!ret)
		return false;
	monitor_check_apply(e, &m);
	return true;
}

/* The delay in jiffies to the next deadline of the timetable, rounded up; caller holds monitor_lock. */
static unsigned long monitor_scan_delay(void)
{
	u64 period = (u64)monitor_scan_period_ms() * NSEC_PER_MSEC, now = ktime_get_ns();

	if (!monitor_scan_next_ns)
		monitor_scan_next_ns = now;
	monitor_scan_next_ns += period;
	if (monitor_scan_next_ns <= now)
		monitor_scan_next_ns += (div64_u64(now - monitor_scan_next_ns, period) + 1) * period;
	return (unsigned long)DIV_ROUND_UP_ULL(monitor_scan_next_ns - now, TICK_NSEC);
}

/* Each container is looked up through its entry's struct pid at every pass: a process that has
 * been reaped no longer resolves, so a later process given the same number is never touched.
 * Returns the delay to the next pass. */
static unsigned long monitor_scan_all(void)
{
	unsigned long delay;
	struct monitor_entry *e, *tmp;

	mutex_lock(&monitor_lock);
	list_for_each_entry_safe(e, tmp, &monitor_entries, node) {
		if (!monitor_check_entry(e))
			monitor_entry_retire(e);
	}
	delay = monitor_scan_delay();
	mutex_unlock(&monitor_lock);
	return delay;
}

static void monitor_scan_fn(struct work_struct *work)
{
	schedule_delayed_work(&monitor_scan_work, monitor_scan_all());
}

void monitor_scan_start(void)
{
	mutex_lock(&monitor_lock);
	monitor_scan_running = true;
	monitor_scan_next_ns = 0;
	mutex_unlock(&monitor_lock);
	schedule_delayed_work(&monitor_scan_work, msecs_to_jiffies(monitor_scan_period_ms()));
}

/* Waits for a running pass and defeats its re-arming. */
void monitor_scan_stop(void)
{
	mutex_lock(&monitor_lock);
	monitor_scan_running = false;
	mutex_unlock(&monitor_lock);
	cancel_delayed_work_sync(&monitor_scan_work);
}
