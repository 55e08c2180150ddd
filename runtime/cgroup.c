/* Container cgroups (cgroup.h): create one directory per container and hierarchy, read the
 * memory controller's counters through kept fds, remove everything after the reap. No state
 * beyond the structs the caller owns. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "lib/file.h"

/* <root>/hoglab/sv-<our PID>: this supervisor's parent directory in tree t. */
static int parent_fmt(const struct cgroup_tree *t, char *buf, size_t size)
{
	return path_fmt(buf, size, "%s/hoglab/sv-%d", t->root, (int)getpid());
}

/* Empty child directories of dir, then dir itself; 0 when dir is gone. */
static int dir_remove_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		char sub[1024];
		if (e->d_type == DT_DIR && e->d_name[0] != '.' &&
		    !path_fmt(sub, sizeof(sub), "%s/%s", dir, e->d_name))
			rmdir(sub);
	}
	closedir(d);
	return rmdir(dir) ? -errno : 0;
}

static int tree_reap_stale(const struct cgroup_tree *t)
{
	char dir[512];
	if (!t->version || path_fmt(dir, sizeof(dir), "%s/hoglab", t->root))
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end, sub[1024];
		if (strncmp(e->d_name, "sv-", 3))
			continue;
		long pid = strtol(e->d_name + 3, &end, 10);
		if (*end || pid <= 0 || pid == getpid() || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		if (!path_fmt(sub, sizeof(sub), "%s/%s", dir, e->d_name) && !dir_remove_empty(sub))
			removed++;
	}
	closedir(d);
	return removed;
}

int cgroup_reap_stale(const struct cgroup_host *h)
{
	int n = tree_reap_stale(&h->cpu);
	if (h->mem.version && strcmp(h->mem.root, h->cpu.root))
		n += tree_reap_stale(&h->mem);
	return n;
}

void cgroup_box_init(struct cgroup_box *b)
{
	memset(b, 0, sizeof(*b));
	b->procs_fd[0] = b->procs_fd[1] = -1;
	b->usage_fd = b->peak_fd = b->events_fd = -1;
}

/* On v2 a directory offers its children only the controllers in its subtree_control. */
static int dir_make(const char *path, int version, const char *controllers)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return version == 2 ? file_write_at(path, "cgroup.subtree_control", controllers) : 0;
}

/* Creates <parent>/<id> in tree t; a leftover of this supervisor's own earlier container of
 * that ID is empty and is replaced. */
static int box_dir_make(const struct cgroup_tree *t, const char *id, const char *controllers,
			char *path, size_t size)
{
	char buf[512], parent[512];
	int rc;
	if ((t->version == 2 && (rc = file_write_at(t->root, "cgroup.subtree_control", controllers))) ||
	    (rc = path_fmt(buf, sizeof(buf), "%s/hoglab", t->root)) ||
	    (rc = dir_make(buf, t->version, controllers)) ||
	    (rc = parent_fmt(t, parent, sizeof(parent))) ||
	    (rc = dir_make(parent, t->version, controllers)) ||
	    (rc = path_fmt(path, size, "%s/%s", parent, id)))
		return rc;
	if (mkdir(path, 0755) && (errno != EEXIST || rmdir(path) || mkdir(path, 0755))) {
		rc = -errno;
		path[0] = '\0';
		return rc;
	}
	return 0;
}

static int mem_setup(struct cgroup_box *b, int version, uint64_t hard)
{
	const char *dir = b->mem_dir;
	char value[32];
	int rc;
	snprintf(value, sizeof(value), "%llu", (unsigned long long)hard);
	if (version == 2) {
		if (hard && (rc = file_write_at(dir, "memory.max", value)))
			return rc;
		/* Best effort: no swap to hide in, and an OOM kill takes the whole container. */
		file_write_at(dir, "memory.swap.max", "0");
		file_write_at(dir, "memory.oom.group", "1");
	} else {
		if (hard && (rc = file_write_at(dir, "memory.limit_in_bytes", value)))
			return rc;
		if (hard)
			file_write_at(dir, "memory.memsw.limit_in_bytes", value);
	}
	b->mem_version = version;
	b->usage_fd = file_open_at(dir, version == 2 ? "memory.current" : "memory.usage_in_bytes",
				O_RDONLY);
	b->peak_fd = file_open_at(dir, version == 2 ? "memory.peak" : "memory.max_usage_in_bytes",
			       O_RDONLY);
	b->events_fd = file_open_at(dir, version == 2 ? "memory.events" : "memory.oom_control",
				 O_RDONLY);
	if (b->usage_fd < 0)
		return b->usage_fd;
	if (b->events_fd < 0)
		return b->events_fd;
	return 0;
}

int cgroup_create(const struct cgroup_host *h, const char *id, const struct cgroup_want *w,
		  struct cgroup_box *b)
{
	cgroup_box_init(b);
	bool cpu = w->cpu_weight, shared = cpu && w->memory && h->cpu.version == 2 &&
					 h->mem.version == 2 && !strcmp(h->cpu.root, h->mem.root);
	int rc = 0;
	if ((cpu && !h->cpu.version) || (w->memory && !h->mem.version))
		return -ENOENT;
	if (cpu) {
		const char *ctl = shared ? "+cpu +memory" : "+cpu";
		char value[32];
		bool v2 = h->cpu.version == 2;
		snprintf(value, sizeof(value), "%u", v2 ? w->cpu_weight : w->cpu_weight * 1024 / 100);
		if ((rc = box_dir_make(&h->cpu, id, ctl, b->cpu_dir, sizeof(b->cpu_dir))) ||
		    (rc = file_write_at(b->cpu_dir, v2 ? "cpu.weight" : "cpu.shares", value)))
			goto out_remove;
		if (shared)
			snprintf(b->mem_dir, sizeof(b->mem_dir), "%s", b->cpu_dir);
	}
	if (w->memory && !shared &&
	    (rc = box_dir_make(&h->mem, id, "+memory", b->mem_dir, sizeof(b->mem_dir))))
		goto out_remove;
	if (w->memory && (rc = mem_setup(b, h->mem.version, w->hard_bytes)))
		goto out_remove;
	int n = 0;
	const char *dirs[2] = {b->cpu_dir, shared ? "" : b->mem_dir};
	for (int i = 0; i < 2; i++) {
		if (!dirs[i][0])
			continue;
		b->procs_fd[n] = file_open_at(dirs[i], "cgroup.procs", O_WRONLY);
		if (b->procs_fd[n] < 0) {
			rc = b->procs_fd[n];
			b->procs_fd[n] = -1;
			goto out_remove;
		}
		n++;
	}
	return 0;
out_remove:
	cgroup_remove(b);
	return rc;
}

static int dir_rmdir(const char *path)
{
	/* An exiting task may leave the cgroup a moment after its reap. */
	for (int i = 0; i < 100; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		usleep(1000);
	}
	return -EBUSY;
}

int cgroup_remove(struct cgroup_box *b)
{
	int fds[] = {b->procs_fd[0], b->procs_fd[1], b->usage_fd, b->peak_fd, b->events_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	int rc = 0;
	if (b->cpu_dir[0])
		rc = dir_rmdir(b->cpu_dir);
	if (b->mem_dir[0] && strcmp(b->mem_dir, b->cpu_dir)) {
		int r2 = dir_rmdir(b->mem_dir);
		rc = rc ? rc : r2;
	}
	b->procs_fd[0] = b->procs_fd[1] = -1;
	b->usage_fd = b->peak_fd = b->events_fd = -1;
	return rc;
}

static void tree_cleanup(const struct cgroup_tree *t)
{
	char buf[512];
	if (!t->version)
		return;
	if (!parent_fmt(t, buf, sizeof(buf)))
		rmdir(buf);
	if (!path_fmt(buf, sizeof(buf), "%s/hoglab", t->root))
		rmdir(buf);
}

void cgroup_cleanup(const struct cgroup_host *h)
{
	tree_cleanup(&h->cpu);
	tree_cleanup(&h->mem);
}

int cgroup_mem_usage(const struct cgroup_box *b, uint64_t *bytes)
{
	return fd_read_u64(b->usage_fd, bytes);
}

int cgroup_mem_peak(const struct cgroup_box *b, uint64_t *bytes)
{
	return fd_read_u64(b->peak_fd, bytes);
}

int cgroup_oom_kills_read(int fd, uint64_t *count)
{
	char buf[512];
	ssize_t len = fd_read_text(fd, buf, sizeof(buf));
	if (len < 0)
		return (int)len;
	/* Both memory.events (v2) and memory.oom_control (v1, 4.13+) have an "oom_kill N" line. */
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long long n;
		if (sscanf(line, "oom_kill %llu", &n) == 1) {
			*count = n;
			return 0;
		}
	}
	return -ENOENT;
}

int cgroup_mem_oom_kills(const struct cgroup_box *b, uint64_t *count)
{
	return cgroup_oom_kills_read(b->events_fd, count);
}

int cgroup_self_oom_open(const struct cgroup_host *h)
{
	if (!h->mem.version)
		return -ENOENT;
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	char line[1024], path[512] = "";
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!p)
			continue;
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if (h->mem.version == 2) {
			found = ctl[1] == '\0';
		} else {
			for (char *save, *t = strtok_r(ctl + 1, ",", &save); t && !found;
			     t = strtok_r(NULL, ",", &save))
				found = !strcmp(t, "memory");
		}
		if (found)
			snprintf(path, sizeof(path), "%s", p);
	}
	fclose(f);
	if (!found)
		return -ENOENT;
	char dir[1024];
	int rc = path_fmt(dir, sizeof(dir), "%s%s", h->mem.root, strcmp(path, "/") ? path : "");
	if (rc)
		return rc;
	if (h->mem.version == 1)
		return file_open_at(dir, "memory.oom_control", O_RDONLY);
	/* v2: the local counter leaves out the descendants; older kernels have only the other. */
	int fd = file_open_at(dir, "memory.events.local", O_RDONLY);
	return fd >= 0 ? fd : file_open_at(dir, "memory.events", O_RDONLY);
}

int cgroup_pids(const struct cgroup_box *b, pid_t *pids, size_t cap, size_t *n)
{
	const char *dir = b->mem_dir[0] ? b->mem_dir : b->cpu_dir;
	*n = 0;
	if (!dir[0])
		return -ENOENT;
	int fd = file_open_at(dir, "cgroup.procs", O_RDONLY);
	if (fd < 0)
		return fd;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	long pid;
	while (*n < cap && fscanf(f, "%ld", &pid) == 1)
		pids[(*n)++] = (pid_t)pid;
	fclose(f);
	return 0;
}

void cgroup_cpu_describe(const struct cgroup_host *h, unsigned weight, char *buf, size_t size)
{
	if (h->cpu.version == 2)
		snprintf(buf, size, "cpu.weight %u", weight);
	else
		snprintf(buf, size, "cpu.shares %u", weight * 1024 / 100);
}
