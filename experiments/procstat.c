/* /proc readers for the lab's sampler: one open/read/close per call, nothing kept. */
#include "procstat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

static int proc_file_read(pid_t pid, const char *name, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

int schedstat_parse(const char *text, struct schedstat *out)
{
	uint64_t a, b, c;
	char tail;

	if (sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %c", &a, &b, &c, &tail) != 3)
		return -EINVAL;
	out->cpu_ns = a;
	out->wait_ns = b;
	out->slices = c;
	return 0;
}

int schedstat_read(pid_t pid, struct schedstat *out)
{
	char buf[128];
	int rc = proc_file_read(pid, "schedstat", buf, sizeof(buf));

	return rc ? rc : schedstat_parse(buf, out);
}

int rss_read_kib(pid_t pid, uint64_t *kib)
{
	unsigned long long size, resident;
	char buf[128];
	int rc = proc_file_read(pid, "statm", buf, sizeof(buf));

	if (rc)
		return rc;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -EINVAL;
	*kib = resident * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
	return 0;
}
