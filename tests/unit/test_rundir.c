/* Unit tests of the labs' run folder (experiments/rundir.c): mkdir -p, rm -rf and cp done by
 * system calls, on paths with spaces and quotes that the shell commands they replace broke on.
 * Works in a private temp dir; no root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "experiments/rundir.h"

static char top[64];

static bool is_dir(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int file_put(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

static bool file_is(const char *path, const char *s)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(s) && !memcmp(buf, s, (size_t)n);
}

static void test_mkdir_p(void)
{
	char p[PATH_MAX], f[PATH_MAX];

	snprintf(p, sizeof(p), "%s/with space/it's \"quoted\"//deep/", top);
	CHECK(path_mkdir_p(p, 0777) == 0 && is_dir(p), "mkdir -p makes every level of a path with spaces and quotes");
	CHECK(path_mkdir_p(p, 0777) == 0, "mkdir -p of a folder that exists succeeds");
	snprintf(f, sizeof(f), "%s/plain", top);
	file_put(f, "x", 0644);
	snprintf(p, sizeof(p), "%s/plain/below", top);
	CHECK(path_mkdir_p(p, 0777) == -ENOTDIR, "mkdir -p below a file fails with ENOTDIR");
	CHECK(path_mkdir_p("", 0777) == -ENOENT, "mkdir -p of an empty path fails with ENOENT");
}

static void test_copy(void)
{
	char from[PATH_MAX], to[PATH_MAX], big[3000];
	struct stat st;
	int pfd[2];

	snprintf(from, sizeof(from), "%s/with space/src 'def'.conf", top);
	snprintf(to, sizeof(to), "%s/with space/it's \"quoted\"/definition.conf", top);
	memset(big, 'k', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	file_put(from, big, 0640);
	CHECK(file_copy(from, to) == 0 && file_is(to, big), "cp copies every byte between quoted paths");
	CHECK(stat(to, &st) == 0 && (st.st_mode & 0777) == 0640, "cp gives the copy the source's mode (%o)",
	      (unsigned)(st.st_mode & 0777));
	file_put(from, "short\n", 0640);
	CHECK(file_copy(from, to) == 0 && file_is(to, "short\n"), "cp over a longer file truncates it");
	snprintf(from, sizeof(from), "%s/none", top);
	CHECK(file_copy(from, to) == -ENOENT, "cp of a missing file fails with ENOENT");
	/* A pipe: copy_file_range refuses it, the read/write loop takes over. */
	if (pipe(pfd) == 0) {
		if (write(pfd[1], "piped\n", 6) != 6)
			perror("write");
		close(pfd[1]);
		snprintf(from, sizeof(from), "/proc/self/fd/%d", pfd[0]);
		CHECK(file_copy(from, to) == 0 && file_is(to, "piped\n"), "cp from a pipe falls back to read and write");
		close(pfd[0]);
	}
}

static void test_remove(void)
{
	char p[PATH_MAX], keep[PATH_MAX], link[PATH_MAX];

	snprintf(keep, sizeof(keep), "%s/keep", top);
	mkdir(keep, 0755);
	snprintf(p, sizeof(p), "%s/keep/file", top);
	file_put(p, "kept\n", 0644);
	snprintf(p, sizeof(p), "%s/gone it's/a/b", top);
	path_mkdir_p(p, 0777);
	snprintf(p, sizeof(p), "%s/gone it's/a/b/file", top);
	file_put(p, "x", 0644);
	snprintf(link, sizeof(link), "%s/gone it's/a/outside", top);
	CHECK(symlink(keep, link) == 0, "a link out of the tree is made");
	snprintf(p, sizeof(p), "%s/gone it's/a/b/ro", top);
	file_put(p, "x", 0444);
	snprintf(p, sizeof(p), "%s/gone it's", top);
	CHECK(path_remove_tree(p) == 0 && !exists(p), "rm -rf removes a tree of folders, files and links");
	snprintf(p, sizeof(p), "%s/keep/file", top);
	CHECK(file_is(p, "kept\n"), "rm -rf removes a link, never what it points to");
	snprintf(p, sizeof(p), "%s/never was", top);
	CHECK(path_remove_tree(p) == 0, "rm -rf of a missing path succeeds");
	snprintf(p, sizeof(p), "%s/plain", top);
	CHECK(path_remove_tree(p) == 0 && !exists(p), "rm -rf of a plain file removes it");
}

static void test_rundir(void)
{
	char results[PATH_MAX], def[PATH_MAX], p[PATH_MAX + 64], got[128] = "", tmp[64];
	struct rundir rd;
	ssize_t n;

	snprintf(results, sizeof(results), "%s/res \"x\"/it's mem", top);
	snprintf(def, sizeof(def), "%s/my def.conf", top);
	file_put(def, "[overshoot]\nrate = 10\n", 0644);
	CHECK(rundir_create(&rd, results, "quick") == 0 && is_dir(rd.path), "a run folder is made under a quoted results path");
	CHECK(strlen(rd.id) == 21 && !strcmp(rd.id + 15, "-quick") && rd.id[8] == '-',
	      "the run id is the local time and the profile (%s)", rd.id);
	CHECK(rundir_copy_definition(&rd, def) == 0, "the definition is copied in");
	snprintf(p, sizeof(p), "%s/definition.conf", rd.path);
	CHECK(file_is(p, "[overshoot]\nrate = 10\n"), "definition.conf holds the definition");
	CHECK(rundir_link_latest(&rd) == 0 && rundir_link_latest(&rd) == 0, "latest is linked, and relinked over itself");
	snprintf(p, sizeof(p), "%s/latest", results);
	n = readlink(p, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	CHECK(!strcmp(got, rd.id), "latest points at the run id, relative (%s)", got);
	snprintf(p, sizeof(p), "%s/latest/definition.conf", results);
	CHECK(exists(p), "the run's files are found through latest");
	CHECK(rundir_tmp_make(&rd, "test-rundir") == 0 && is_dir(rd.tmp) && !strncmp(rd.tmp, "/tmp/hoglab-test-rundir.", 24),
	      "a private temp dir is made (%s)", rd.tmp);
	snprintf(tmp, sizeof(tmp), "%s", rd.tmp);
	snprintf(p, sizeof(p), "%s/state", rd.tmp);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/state/engine.sock", rd.tmp);
	file_put(p, "", 0600);
	CHECK(rundir_tmp_remove(&rd) == 0 && !exists(tmp) && !rd.tmp[0], "the temp dir is removed with what it holds");
	CHECK(rundir_tmp_remove(&rd) == 0, "removing no temp dir succeeds");
	memset(p, 'a', sizeof(p) - 1);
	p[sizeof(p) - 1] = '\0';
	CHECK(rundir_create(&rd, p, NULL) == -ENAMETOOLONG, "a results path too long for a run folder is refused");
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/hoglab-test-rundir-top.XXXXXX");
	umask(022);
	if (!mkdtemp(top)) {
		printf("not ok - mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_mkdir_p();
	test_copy();
	test_remove();
	test_rundir();
	CHECK(path_remove_tree(top) == 0 && !exists(top), "the test's own folder is removed");
	return check_exit();
}
