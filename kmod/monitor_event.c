/* The bounded queue of event records that read() and poll() on the device consume: a ring of
 * MONITOR_EVENT_QUEUE_LEN records; a record that finds it full is dropped and counted.
 * The ring, its head, count and dropped counter are protected by monitor_lock (monitor.h). */
#include "monitor.h"

#include <linux/string.h>
#include <linux/timekeeping.h>

DECLARE_WAIT_QUEUE_HEAD(monitor_event_wq);

static struct monitor_event monitor_event_ring[MONITOR_EVENT_QUEUE_LEN]; /* lock */
static unsigned int monitor_event_head;  /* lock; index of the oldest record */
static unsigned int monitor_event_count; /* lock for writers; read locklessly as a hint */
static u64 monitor_event_drop_count;     /* lock */

void monitor_event_push(const struct monitor_entry *e, u32 type, u64 rss_bytes, u64 limit_bytes)
{
	struct monitor_event *ev;

	lockdep_assert_held(&monitor_lock);
	if (monitor_event_count == MONITOR_EVENT_QUEUE_LEN) {
		monitor_event_drop_count++;
		return;
	}
	ev = &monitor_event_ring[(monitor_event_head + monitor_event_count) % MONITOR_EVENT_QUEUE_LEN];
	ev->type = type;
	ev->pid = e->nr;
	memcpy(ev->container_id, e->id, sizeof(ev->container_id));
	ev->rss_bytes = rss_bytes;
	ev->limit_bytes = limit_bytes;
	ev->timestamp_ns = ktime_get_ns();
	ev->nprocs = e->nprocs;
	ev->mode = e->mode;
	WRITE_ONCE(monitor_event_count, monitor_event_count + 1);
	wake_up_interruptible(&monitor_event_wq);
}

/* Takes the oldest record into *ev; false when the queue is empty. */
bool monitor_event_pop(struct monitor_event *ev)
{
	bool popped = false;

	mutex_lock(&monitor_lock);
	if (monitor_event_count) {
		*ev = monitor_event_ring[monitor_event_head];
		monitor_event_head = (monitor_event_head + 1) % MONITOR_EVENT_QUEUE_LEN;
		WRITE_ONCE(monitor_event_count, monitor_event_count - 1);
		popped = true;
	}
	mutex_unlock(&monitor_lock);
	return popped;
}

/* A lockless snapshot for wait conditions and poll(); the reader re-checks under the lock. */
u32 monitor_event_queued(void)
{
	return READ_ONCE(monitor_event_count);
}

u64 monitor_event_dropped(void)
{
	lockdep_assert_held(&monitor_lock);
	return monitor_event_drop_count;
}

/* Counts a popped record that never reached user space (read() hit a bad buffer). */
void monitor_event_lose(void)
{
	mutex_lock(&monitor_lock);
	monitor_event_drop_count++;
	mutex_unlock(&monitor_lock);
}
