/* cpu cgroup handling (cgroup.h): find the hierarchy in /proc/self/mounts, create one
 * directory per container, remove it after the reap. No state beyond struct cgroup_cpu. */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

/* snprintf that reports truncation as -ENAMETOOLONG. */
static __attribute__((format(printf, 3, 4))) int path_fmt(char *buf, size_t size,
							   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int file_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : (size_t)n == strlen(text) ? 0 : -EIO;
	close(fd);
	return err;
}

static bool v2_has_cpu(const char *root)
{
	char path[512], buf[512];
	if (path_fmt(path, sizeof(path), "%s/cgroup.controllers", root))
		return false;
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	if (fgets(buf, sizeof(buf), f))
		for (char *save, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
			found |= !strcmp(t, "cpu");
	fclose(f);
	return found;
}

int cgroup_cpu_detect(struct cgroup_cpu *cg)
{
	memset(cg, 0, sizeof(*cg));
	FILE *f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return -errno;
	struct mntent *m;
	while ((m = getmntent(f))) {
		if (strlen(m->mnt_dir) >= sizeof(cg->root))
			continue;
		if (!strcmp(m->mnt_type, "cgroup2") && v2_has_cpu(m->mnt_dir)) {
			cg->version = 2;
			strcpy(cg->root, m->mnt_dir);
			break;
		}
		if (!strcmp(m->mnt_type, "cgroup") && hasmntopt(m, "cpu") && !cg->version) {
			cg->version = 1;
			strcpy(cg->root, m->mnt_dir);
		}
	}
	endmntent(f);
	if (!cg->version)
		return -ENOENT;
	snprintf(cg->parent, sizeof(cg->parent), "%s/hoglab/sv-%d", cg->root, (int)getpid());
	return 0;
}

static int dir_make(const char *path, bool enable_cpu)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	if (!enable_cpu)
		return 0;
	char ctl[1024];
	int rc = path_fmt(ctl, sizeof(ctl), "%s/cgroup.subtree_control", path);
	return rc ? rc : file_write(ctl, "+cpu");
}

int cgroup_cpu_create(struct cgroup_cpu *cg, const char *id, unsigned weight, char *path,
		      size_t path_size, int *procs_fd)
{
	char buf[1024];
	int rc;
	if (!cg->version)
		return -ENOENT;
	bool v2 = cg->version == 2;
	if (v2 && ((rc = path_fmt(buf, sizeof(buf), "%s/cgroup.subtree_control", cg->root)) ||
		   (rc = file_write(buf, "+cpu"))))
		return rc;
	if ((rc = path_fmt(buf, sizeof(buf), "%s/hoglab", cg->root)) || (rc = dir_make(buf, v2)) ||
	    (rc = dir_make(cg->parent, v2)))
		return rc;
	if ((rc = path_fmt(path, path_size, "%s/%s", cg->parent, id)))
		return rc;
	/* A leftover of this supervisor's own earlier container of that ID is empty. */
	if (mkdir(path, 0755) && (errno != EEXIST || rmdir(path) || mkdir(path, 0755)))
		return -errno;
	char value[32];
	snprintf(value, sizeof(value), "%u", v2 ? weight : weight * 1024 / 100);
	if ((rc = path_fmt(buf, sizeof(buf), "%s/%s", path, v2 ? "cpu.weight" : "cpu.shares")) ||
	    (rc = file_write(buf, value)) ||
	    (rc = path_fmt(buf, sizeof(buf), "%s/cgroup.procs", path)))
		goto out_rmdir;
	*procs_fd = open(buf, O_WRONLY | O_CLOEXEC);
	if (*procs_fd < 0) {
		rc = -errno;
		goto out_rmdir;
	}
	return 0;
out_rmdir:
	rmdir(path);
	return rc;
}

int cgroup_cpu_remove(const char *path)
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

void cgroup_cpu_cleanup(struct cgroup_cpu *cg)
{
	char buf[1024];
	if (!cg->version)
		return;
	rmdir(cg->parent);
	if (!path_fmt(buf, sizeof(buf), "%s/hoglab", cg->root))
		rmdir(buf);
}

void cgroup_cpu_describe(const struct cgroup_cpu *cg, unsigned weight, char *buf, size_t size)
{
	if (cg->version == 2)
		snprintf(buf, size, "cpu.weight %u", weight);
	else
		snprintf(buf, size, "cpu.shares %u", weight * 1024 / 100);
}
