/* Small-file helpers for /proc, /sys and cgroupfs: bounded path building, one open and one
 * read or write, whole small files through kept fds. Stateless; safe from any thread.
 * Every action returns 0 (or a length or fd) on success and -errno on failure. */
#ifndef HOGLAB_LIB_FILE_H
#define HOGLAB_LIB_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* snprintf into buf that reports truncation as -ENAMETOOLONG. */
int path_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes text to an existing file (O_WRONLY) in one write: 0, -errno, -EIO if it was short.
 * The way to set a cgroup or sysfs value. */
int file_write(const char *path, const char *text);
/* The same for dir/name. */
int file_write_at(const char *dir, const char *name, const char *text);
/* open(dir/name, flags | O_CLOEXEC): the fd or -errno. */
int file_open_at(const char *dir, const char *name, int flags);

/* A small file in one read (EINTR retried), NUL-terminated: its length, or -errno. */
ssize_t file_read_text(const char *path, char *buf, size_t size);
/* A kept fd's whole text from offset 0 (pread), NUL-terminated: its length, -ENOENT for
 * fd < 0, or -errno. */
ssize_t fd_read_text(int fd, char *buf, size_t size);
/* The whole regular file dir/name (a run folder's meta, definition or log), malloc'd and
 * NUL-terminated, or NULL with errno set. The caller frees it. */
char *file_slurp_at(const char *dir, const char *name);
/* A kept fd holding one decimal number; -EBADMSG when it does not start with one. */
int fd_read_u64(int fd, uint64_t *v);

#endif
