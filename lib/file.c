/* Small-file helpers (file.h): open, read or write once, close. No state. */
#include "lib/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int file_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int rc = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return rc;
}

int file_write_at(const char *dir, const char *name, const char *text)
{
	char path[1024];
	int rc = path_fmt(path, sizeof(path), "%s/%s", dir, name);

	return rc ? rc : file_write(path, text);
}

int file_open_at(const char *dir, const char *name, int flags)
{
	char path[1024];
	int rc = path_fmt(path, sizeof(path), "%s/%s", dir, name);

	if (rc)
		return rc;
	int fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

ssize_t file_read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

ssize_t fd_read_text(int fd, char *buf, size_t size)
{
	if (fd < 0)
		return -ENOENT;
	ssize_t n = pread(fd, buf, size - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

int fd_read_u64(int fd, uint64_t *v)
{
	char buf[64], *end;
	ssize_t n = fd_read_text(fd, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (end == buf || errno)
		return -EBADMSG;
	*v = x;
	return 0;
}

char *file_slurp_at(const char *dir, const char *name)
{
	char path[4096], *buf;
	size_t len = 0, cap = 4096;
	ssize_t n;
	int fd, e;

	if (path_fmt(path, sizeof(path), "%s/%s", dir, name)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (len + 1 == cap) {
			char *more = realloc(buf, cap * 2);

			if (!more) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = more;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			free(buf);
			buf = NULL;
			errno = e;
			break;
		}
		if (!n) {
			buf[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	e = errno;
	close(fd);
	errno = e;
	return buf;
}
