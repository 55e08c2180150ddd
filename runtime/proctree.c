/* Process tree walking and sampling (proctree.h) through procfs. Keeps no state except the
 * caller's struct proctree_rss; no locking (event-loop thread only: the mm deduplication's
 * qsort reads one file-scope pointer). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "proctree.h"
#include "lib/file.h"

static bool pid_listed(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Appends the children of every thread of pid. */
static void children_add(pid_t pid, pid_t *pids, size_t cap, size_t *n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && *n < cap) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char cpath[320], buf[4096];
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%s/children", (int)pid, e->d_name);
		if (file_read_text(cpath, buf, sizeof(buf)) <= 0)
			continue;
		char *p = buf, *end;
		for (long c; *n < cap && (c = strtol(p, &end, 10)) > 0; p = end)
			if (!pid_listed(pids, *n, (pid_t)c))
				pids[(*n)++] = (pid_t)c;
	}
	closedir(d);
}

int proctree_list(pid_t init, pid_t *pids, size_t cap, size_t *n)
{
	if (cap == 0)
		return -EINVAL;
	pids[0] = init;
	*n = 1;
	for (size_t i = 0; i < *n && *n < cap; i++)
		children_add(pids[i], pids, cap, n);
	return 0;
}

int proctree_cpu_ns(const pid_t *pids, size_t n, uint64_t *ns)
{
	long tck = sysconf(_SC_CLK_TCK);
	unsigned long long ticks = 0;
	for (size_t i = 0; i < n; i++) {
		char path[64], buf[1024];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		if (file_read_text(path, buf, sizeof(buf)) <= 0)
			continue;
		/* Fields after the command name, which may hold spaces and parentheses. */
		char *p = strrchr(buf, ')');
		unsigned long long ut, st;
		long long cut, cst;
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
				&ut, &st, &cut, &cst) == 4)
			ticks += ut + st + (unsigned long long)cut + (unsigned long long)cst;
	}
	*ns = tck > 0 ? ticks * (1000000000ull / (unsigned long long)tck) : 0;
	return 0;
}

/* statm through a kept fd: resident and text pages, and whether the task has an mm at all (a
 * leader that has exited, a zombie or a kernel thread reads all zeros). */
static int statm_fields(int fd, uint64_t *resident, uint64_t *text, bool *has_mm)
{
	char buf[160];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	unsigned long long size, res, shared, txt;
	if (sscanf(buf, "%llu %llu %llu %llu", &size, &res, &shared, &txt) != 4)
		return -EBADMSG;
	*resident = res;
	*text = txt;
	*has_mm = size > 0;
	return 0;
}

static int statm_open_task(pid_t pid, pid_t tid)
{
	char path[64];
	if (pid == tid)
		snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/%d/task/%d/statm", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Points e at a task of pid that has an mm: the leader, else (its main thread called
 * pthread_exit while others run, so /proc/PID/statm reads 0, as the kernel's OOM killer's
 * find_lock_task_mm finds) the first live thread. Keeps the leader's fd when none has one
 * (a zombie). -errno when pid is gone. */
static int statm_open_live(struct proctree_fd *e, pid_t pid, bool *has_mm)
{
	int fd = statm_open_task(pid, pid);
	if (fd < 0)
		return fd;
	if (statm_fields(fd, &e->pages, &e->text, has_mm) || !*has_mm) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			long tid = strtol(de->d_name, NULL, 10);
			if (tid <= 0 || tid == pid)
				continue;
			int tfd = statm_open_task(pid, (pid_t)tid);
			if (tfd < 0)
				continue;
			if (!statm_fields(tfd, &e->pages, &e->text, has_mm) && *has_mm) {
				close(fd);
				closedir(d);
				*e = (struct proctree_fd){.pid = pid, .tid = (pid_t)tid, .fd = tfd,
							  .pages = e->pages, .text = e->text};
				return 0;
			}
			close(tfd);
		}
		if (d)
			closedir(d);
		e->pages = 0;
		*has_mm = false;
	}
	e->pid = e->tid = pid;
	e->fd = fd;
	return 0;
}

/* Reads e's task; reopens when that task is gone (an earlier process of that number, or the
 * live thread it was reading exited) or when it has no mm (its leader exited since). */
static void statm_sample(struct proctree_fd *e)
{
	bool has_mm;
	if (!statm_fields(e->fd, &e->pages, &e->text, &has_mm) && has_mm)
		return;
	pid_t pid = e->pid;
	close(e->fd);
	if (statm_open_live(e, pid, &has_mm)) {
		e->fd = -1;
		e->pages = 0;
	}
}

/* kcmp(KCMP_VM): 0 when the two tasks share one mm, 1 or 2 ordering two distinct ones (a total
 * order of the kernel's mm pointers, obfuscated but consistent), < 0 or 3 when it cannot tell. */
static int kcmp_vm(pid_t a, pid_t b)
{
	long rc = syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0);
	return rc < 0 ? -errno : (int)rc;
}

static struct proctree_rss *order_rss; /* qsort has no argument: event-loop thread only */

static int order_by_text(const void *a, const void *b)
{
	const struct proctree_fd *x = &order_rss->ent[*(const size_t *)a];
	const struct proctree_fd *y = &order_rss->ent[*(const size_t *)b];
	if (x->text != y->text)
		return x->text < y->text ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Whether e's mm is one of the group's reps, already counted; adds it there when not. reps is
 * kept sorted in kcmp's order, so each lookup is a binary search: log2(k) kcmp calls. A task
 * kcmp cannot compare (gone, or a kernel without kcmp) counts as a new mm: at worst a double
 * count, never a missed one. */
static bool mm_counted(pid_t *reps, size_t *nreps, pid_t tid)
{
	size_t lo = 0, hi = *nreps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = kcmp_vm(tid, reps[mid]);
		if (c == 0)
			return true;
		if (c == 1)
			hi = mid;
		else if (c == 2)
			lo = mid + 1;
		else
			return false;
	}
	memmove(reps + lo + 1, reps + lo, (*nreps - lo) * sizeof(*reps));
	reps[lo] = tid;
	(*nreps)++;
	return false;
}

/* The sum over the entries, each mm once. Threads are never listed twice (proctree_list lists
 * thread groups), but a CLONE_VM child (vfork, posix_spawn, clone without CLONE_THREAD) is a
 * process of its own with its parent's mm, and its statm reads the same pages: those must count
 * once. Nothing in /proc names an mm (statm, stat and maps of two such processes are equal but
 * so may be those of two forks), so the kernel is asked: kcmp(KCMP_VM) says whether two tasks
 * share an mm, and orders distinct ones. It is only needed between tasks of equal text size
 * (every task of one mm reads the same text, at any moment), so a container of different
 * programs costs no kcmp at all, and k processes of one program k log k. */
static uint64_t rss_dedup_pages(struct proctree_rss *r)
{
	if (!r->n)
		return 0;
	for (size_t i = 0; i < r->n; i++)
		r->order[i] = i;
	order_rss = r;
	qsort(r->order, r->n, sizeof(*r->order), order_by_text);
	uint64_t pages = 0;
	for (size_t i = 0; i < r->n;) {
		size_t j = i + 1;
		while (j < r->n && r->ent[r->order[j]].text == r->ent[r->order[i]].text)
			j++;
		size_t nreps = 0;
		for (size_t k = i; k < j; k++) {
			const struct proctree_fd *e = &r->ent[r->order[k]];
			if (!e->pages)
				continue;
			if (j - i == 1 || !mm_counted(r->reps, &nreps, e->tid))
				pages += e->pages;
		}
		i = j;
	}
	return pages;
}

int proctree_rss_sample(struct proctree_rss *r, const pid_t *pids, size_t n, uint64_t *bytes)
{
	/* Drop the fds of processes no longer listed. */
	for (size_t i = 0; i < r->n;) {
		if (pid_listed(pids, n, r->ent[i].pid)) {
			i++;
			continue;
		}
		close(r->ent[i].fd);
		r->ent[i] = r->ent[--r->n];
	}
	if (n > r->cap) {
		struct proctree_fd *ne = realloc(r->ent, n * sizeof(*ne));
		if (ne)
			r->ent = ne;
		size_t *no = realloc(r->order, n * sizeof(*no));
		if (no)
			r->order = no;
		pid_t *nr = realloc(r->reps, n * sizeof(*nr));
		if (nr)
			r->reps = nr;
		if (!ne || !no || !nr)
			return -ENOMEM;
		r->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		struct proctree_fd *e = NULL;
		for (size_t j = 0; j < r->n && !e; j++)
			if (r->ent[j].pid == pids[i])
				e = &r->ent[j];
		if (e) {
			statm_sample(e);
			continue;
		}
		bool has_mm;
		e = &r->ent[r->n];
		if (!statm_open_live(e, pids[i], &has_mm))
			r->n++;
	}
	/* Entries whose reopen failed hold -1: forget them. */
	for (size_t i = 0; i < r->n;) {
		if (r->ent[i].fd >= 0) {
			i++;
			continue;
		}
		r->ent[i] = r->ent[--r->n];
	}
	*bytes = rss_dedup_pages(r) * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

void proctree_rss_close(struct proctree_rss *r)
{
	for (size_t i = 0; i < r->n; i++)
		close(r->ent[i].fd);
	free(r->ent);
	free(r->order);
	free(r->reps);
	memset(r, 0, sizeof(*r));
}
