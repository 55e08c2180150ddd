/* A lab run's folder and temp dir (rundir.h), by system calls: a mkdirat walk for mkdir -p,
 * nftw for rm -rf, copy_file_range for cp. No state beyond the caller's struct rundir, apart
 * from the first error of a tree removal (a static: one thread at a time). */
#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int path_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p, *next;
	int dir, sub, rc = 0;

	if (!*path)
		return -ENOENT;
	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return -ENAMETOOLONG;
	dir = open(buf[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	/* One component at a time, each made (or found) in the one before: links are followed,
	 * as mkdir -p does. */
	for (p = buf; *p; p = next) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		next = p + strcspn(p, "/");
		if (*next)
			*next++ = '\0';
		if (mkdirat(dir, p, mode) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		sub = openat(dir, p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0) {
			rc = -errno;
			break;
		}
		close(dir);
		dir = sub;
	}
	close(dir);
	return rc;
}

static int remove_err;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int r = type == FTW_DP || type == FTW_DNR ? rmdir(path) : unlink(path);

	(void)st;
	(void)ftw;
	if (r < 0 && errno != ENOENT && !remove_err)
		remove_err = -errno;
	return 0;
}

int path_remove_tree(const char *path)
{
	remove_err = 0;
	/* Children before their folder; a link is removed, never followed; another filesystem
	 * mounted inside is left alone (its mount point then fails to go, and says so). */
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return errno == ENOENT ? 0 : -errno;
	return remove_err;
}

/* The plain loop, where copy_file_range cannot serve this pair of files. */
static int copy_rw(int in, int out)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		for (ssize_t off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return -errno;
		}
	}
}

int file_copy(const char *from, const char *to)
{
	struct stat st;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;

	if (in < 0)
		return -errno;
	if (fstat(in, &st) < 0 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777)) < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
			rc = copy_rw(in, out); /* another filesystem, a pipe, an old kernel */
		else if (n < 0)
			rc = -errno;
		break;
	}
	if (close(out) < 0 && !rc)
		rc = -errno;
	close(in);
	return rc;
}

int rundir_create(struct rundir *rd, const char *results, const char *profile)
{
	time_t t = time(NULL);
	struct tm tm;

	memset(rd, 0, sizeof(*rd));
	rd->results = results;
	strftime(rd->id, sizeof(rd->id), "%Y%m%d-%H%M%S", localtime_r(&t, &tm));
	if (profile)
		snprintf(rd->id + strlen(rd->id), sizeof(rd->id) - strlen(rd->id), "-%s", profile);
	if ((size_t)snprintf(rd->path, sizeof(rd->path), "%s/%s", results, rd->id) >= sizeof(rd->path))
		return -ENAMETOOLONG;
	return path_mkdir_p(rd->path, 0777);
}

int rundir_copy_definition(const struct rundir *rd, const char *def)
{
	char to[PATH_MAX + 32];

	snprintf(to, sizeof(to), "%s/definition.conf", rd->path);
	return file_copy(def, to);
}

int rundir_link_latest(const struct rundir *rd)
{
	char path[PATH_MAX + 16];

	if ((size_t)snprintf(path, sizeof(path), "%s/latest", rd->results) >= sizeof(path))
		return -ENAMETOOLONG;
	unlink(path);
	return symlink(rd->id, path) < 0 ? -errno : 0;
}

int rundir_tmp_make(struct rundir *rd, const char *name)
{
	if ((size_t)snprintf(rd->tmp, sizeof(rd->tmp), "/tmp/hoglab-%s.XXXXXX", name) >= sizeof(rd->tmp)) {
		rd->tmp[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(rd->tmp)) {
		rd->tmp[0] = '\0';
		return -errno;
	}
	return 0;
}

int rundir_tmp_remove(struct rundir *rd)
{
	int rc;

	if (!rd->tmp[0])
		return 0;
	rc = path_remove_tree(rd->tmp);
	if (!rc)
		rd->tmp[0] = '\0';
	return rc;
}

void rundir_meta_get(const char *meta, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p;

	out[0] = '\0';
	for (p = meta; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(out, len, "%.*s", (int)strcspn(p + kl + 1, "\n"), p + kl + 1);
			return;
		}
}
