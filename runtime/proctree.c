/* Process tree walking and sampling (proctree.h) through procfs. Keeps no state except the
 * caller's struct proctree_rss; no locking. statm is read through lib/procfs.h. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proctree.h"
#include "lib/file.h"
#include "lib/procfs.h"

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
		if (!ne)
			return -ENOMEM;
		r->ent = ne;
		r->cap = n;
	}
	uint64_t total = 0, page = (uint64_t)sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < n; i++) {
		struct proctree_fd *e = NULL;
		for (size_t j = 0; j < r->n && !e; j++)
			if (r->ent[j].pid == pids[i])
				e = &r->ent[j];
		uint64_t pages = 0;
		/* A kept fd of an earlier process of that number reads as gone: reopen once. */
		if (e && statm_read(e->fd, &pages)) {
			close(e->fd);
			e->fd = statm_open(pids[i]);
			if (e->fd < 0 || statm_read(e->fd, &pages))
				pages = 0;
		} else if (!e) {
			int fd = statm_open(pids[i]);
			if (fd < 0)
				continue;
			r->ent[r->n++] = (struct proctree_fd){pids[i], fd};
			if (statm_read(fd, &pages))
				pages = 0;
		}
		total += pages * page;
	}
	/* Entries whose reopen failed hold -1: forget them. */
	for (size_t i = 0; i < r->n;) {
		if (r->ent[i].fd >= 0) {
			i++;
			continue;
		}
		r->ent[i] = r->ent[--r->n];
	}
	*bytes = total;
	return 0;
}

void proctree_rss_close(struct proctree_rss *r)
{
	for (size_t i = 0; i < r->n; i++)
		close(r->ent[i].fd);
	free(r->ent);
	memset(r, 0, sizeof(*r));
}
