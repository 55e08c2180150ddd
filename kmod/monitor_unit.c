/* The container: what one registration watches, and how a check walks and measures it.
 *
 * The unit. When the registered process is the init (pid 1) of a PID namespace other than the
 * initial one, the container is every process that has a number in that namespace: processes
 * started later, orphans re-parented to the init, and processes of nested namespaces included.
 * Otherwise (a plain process registered from the host, as the ABI tests do) it is that one
 * process: the initial namespace is never a container, so registering a host process can never
 * make the module count, or kill, the whole machine. The container is gone when its init (or
 * its process) has no live thread with memory; when an init dies the kernel kills the rest of
 * its namespace, so the hard limit sends SIGKILL to the init only.
 *
 * The walk. Under rcu_read_lock: the namespace's pid IDR in number order (find_ge_pid, as
 * /proc's readdir does), each number that names a thread group (pid_task(PIDTYPE_TGID)); for a
 * plain process, its own thread group. A group counts through the first of its threads that
 * still has an mm, taken under that thread's task_lock, as the OOM killer's find_lock_task_mm
 * does: a group whose leader called pthread_exit() (its mm is NULL) is measured through a live
 * thread, and a group with none (a zombie) is not a process with memory and is skipped.
 *
 * Locking, and why there is no mmget. Nothing here sleeps between rcu_read_lock and
 * rcu_read_unlock: task_lock is a spinlock; t->mm cannot be freed while task_lock is held
 * (exit_mm clears it under task_lock before its mmput), so the RSS is read right there with the
 * counters' own lock-free or spinlocked reads, and no mm_users reference (mmget/mmput, whose put
 * may sleep) is ever taken. What outlives the lock is the mm's identity, for deduplication and
 * for the probe's snapshot: mmgrab (mm_count, an atomic increment, legal under a spinlock) keeps
 * the mm_struct's memory, so no other mm can get its address while the snapshot holds it; the
 * matching mmdrop runs in process context, after the walk (duplicates) or when a snapshot is
 * replaced or its entry freed (monitor_snap_release), never under RCU.
 *
 * Deduplication and its bound. Threads of a group share one mm and count once by construction
 * (one thread per group); CLONE_VM processes (vfork, posix_spawn, explicit clone) share it across
 * groups. The mms found go into one array, sorted by address and made unique, so each counts
 * once. The array is sized before the walk from the namespace's pid_allocated (every pid in the
 * namespace, threads included, hence at least the number of distinct mms) plus a spare of 16
 * for processes started during the walk, capped at MONITOR_MM_MAX (65,536 mms, 1 MiB of array).
 * A walk that finds more groups than that room is redone once with room for what it found; if
 * it overflows again (a fork storm, or a namespace beyond the cap), the groups past the room are
 * added without deduplication (so a shared mm among them counts once per sharer: the error can
 * only make a limit bite early) and the snapshot is marked partial.
 *
 * RSS semantics. 6.1 keeps each mm's counters in atomics, with up to 63 unsynced page changes
 * per thread in task-local counters (SPLIT_RSS_COUNTING): get_mm_rss is what everyone sees.
 * 6.2 and later use percpu_counters; a check sums them exactly (percpu_counter_sum), while the
 * probe uses the cheap read, which lags by at most the batch (32 pages) per CPU. */
#include "monitor.h"

#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/version.h>

#define MONITOR_MM_MAX 65536
#define MONITOR_MM_SPARE 16

struct monitor_walk {
	struct monitor_snap *snap; /* mms[0..snap->n) found so far, room for cap */
	u32 cap;
	u32 overflow;              /* groups found without room */
	u32 nprocs;
	unsigned long extra_pages; /* RSS of the overflowing groups, not deduplicated */
	bool init_alive;
};

/* The RSS of mm in pages; caller holds the task_lock of a thread using it. */
static unsigned long monitor_mm_pages(struct mm_struct *mm)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return percpu_counter_sum_positive(&mm->rss_stat[MM_FILEPAGES]) +
	       percpu_counter_sum_positive(&mm->rss_stat[MM_ANONPAGES]) +
	       percpu_counter_sum_positive(&mm->rss_stat[MM_SHMEMPAGES]);
#else
	return get_mm_rss(mm);
#endif
}

/* find_lock_task_mm's rule: the first thread of p's group that has an mm, returned with its
 * task_lock held; NULL when none has one. Caller holds rcu_read_lock. */
static struct task_struct *monitor_lock_task_mm(struct task_struct *p)
{
	struct task_struct *t;

	for_each_thread(p, t) {
		task_lock(t);
		if (likely(t->mm))
			return t;
		task_unlock(t);
	}
	return NULL;
}

static void monitor_walk_group(struct task_struct *p, struct monitor_walk *w, bool is_init)
{
	struct monitor_snap *s = w->snap;
	struct task_struct *t;

	if (p->flags & PF_KTHREAD)
		return;
	t = monitor_lock_task_mm(p);
	if (!t)
		return;
	w->nprocs++;
	w->init_alive |= is_init;
	if (s->n < w->cap) {
		mmgrab(t->mm);
		s->mms[s->n].mm = t->mm;
		s->mms[s->n].pages = monitor_mm_pages(t->mm);
		s->n++;
	} else {
		w->overflow++;
		w->extra_pages += monitor_mm_pages(t->mm);
	}
	task_unlock(t);
}

static void monitor_walk_run(const struct monitor_entry *e, struct monitor_walk *w)
{
	struct task_struct *p;
	struct pid *pid;
	int nr = 1;

	rcu_read_lock();
	if (!e->ns) {
		p = pid_task(e->pid, PIDTYPE_TGID);
		if (p)
			monitor_walk_group(p, w, true);
	} else {
		while ((pid = find_ge_pid(nr, e->ns))) {
			nr = pid_nr_ns(pid, e->ns) + 1;
			p = pid_task(pid, PIDTYPE_TGID);
			if (p)
				monitor_walk_group(p, w, pid == e->pid);
		}
	}
	rcu_read_unlock();
}

static int monitor_mm_cmp(const void *a, const void *b)
{
	unsigned long x = (unsigned long)((const struct monitor_mm *)a)->mm;
	unsigned long y = (unsigned long)((const struct monitor_mm *)b)->mm;

	return x < y ? -1 : x > y;
}

static struct monitor_snap *monitor_snap_alloc(u32 cap)
{
	struct monitor_snap *s = kvmalloc(struct_size(s, mms, cap), GFP_KERNEL);

	if (s) {
		s->n = 0;
		s->partial = false;
		s->slack_pages = 0;
	}
	return s;
}

static void monitor_snap_drop_mms(struct monitor_snap *s)
{
	u32 i;

	for (i = 0; i < s->n; i++)
		mmdrop(s->mms[i].mm);
	s->n = 0;
}

void monitor_snap_release(struct monitor_snap *snap)
{
	if (!snap)
		return;
	monitor_snap_drop_mms(snap);
	kvfree_rcu(snap, rcu);
}

/* Room for the walk: a plain process has one group; a namespace at most pid_allocated. */
static u32 monitor_walk_room(const struct monitor_entry *e)
{
	u32 n;

	if (!e->ns)
		return 1;
	n = (READ_ONCE(e->ns->pid_allocated) & ~PIDNS_ADDING) + MONITOR_MM_SPARE;
	return min_t(u32, n, MONITOR_MM_MAX);
}

int monitor_unit_measure(const struct monitor_entry *e, struct monitor_measure *m, bool keep)
{
	struct monitor_walk w;
	unsigned long pages;
	u32 i, j, cap = monitor_walk_room(e);
	int attempt;

	memset(m, 0, sizeof(*m));
	for (attempt = 0;; attempt++) {
		memset(&w, 0, sizeof(w));
		w.cap = cap;
		w.snap = monitor_snap_alloc(cap);
		if (!w.snap)
			return -ENOMEM;
		monitor_walk_run(e, &w);
		if (!w.overflow || attempt > 0 || cap >= MONITOR_MM_MAX)
			break;
		cap = min_t(u32, w.snap->n + w.overflow + MONITOR_MM_SPARE, MONITOR_MM_MAX);
		monitor_snap_release(w.snap);
	}
	if (!w.init_alive) {
		monitor_snap_release(w.snap);
		return 0;
	}
	sort(w.snap->mms, w.snap->n, sizeof(w.snap->mms[0]), monitor_mm_cmp, NULL);
	pages = w.extra_pages;
	for (i = 0, j = 0; i < w.snap->n; i++) {
		if (j && w.snap->mms[j - 1].mm == w.snap->mms[i].mm) {
			mmdrop(w.snap->mms[i].mm);
			continue;
		}
		w.snap->mms[j++] = w.snap->mms[i];
		pages += w.snap->mms[i].pages;
	}
	w.snap->n = j;
	w.snap->partial = w.overflow > 0;
	m->rss_bytes = (u64)pages << PAGE_SHIFT;
	m->nprocs = w.nprocs;
	if (keep) {
		m->snap = w.snap;
	} else {
		monitor_snap_drop_mms(w.snap);
		kvfree(w.snap);
	}
	return 1;
}
