/* /proc readers (procfs.h): schedstat and statm. One open/read/close per call, or a pread on
 * the caller's kept fd; nothing kept here. */
#include "lib/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"

static int pid_file_read(pid_t pid, const char *name, char *buf, size_t cap)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	ssize_t n = file_read_text(path, buf, cap);
	return n < 0 ? (int)n : 0;
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
	int rc = pid_file_read(pid, "schedstat", buf, sizeof(buf));

	return rc ? rc : schedstat_parse(buf, out);
}

int proc_status_parse(const char *text, struct proc_status *out)
{
	bool state = false, blk = false, cgt = false;
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, "State:", 6))
			state = sscanf(line + 6, " %c", &out->state) == 1;
		else if (!strncmp(line, "SigBlk:", 7))
			blk = sscanf(line + 7, " %" SCNx64, &out->sig_blk) == 1;
		else if (!strncmp(line, "SigCgt:", 7))
			cgt = sscanf(line + 7, " %" SCNx64, &out->sig_cgt) == 1;
	}
	return state && blk && cgt ? 0 : -EBADMSG;
}

int proc_status_read(pid_t pid, struct proc_status *out)
{
	char buf[4096];
	int rc = pid_file_read(pid, "status", buf, sizeof(buf));

	return rc ? rc : proc_status_parse(buf, out);
}

int statm_parse(const char *text, uint64_t *resident_pages)
{
	unsigned long long size, resident;

	if (sscanf(text, "%llu %llu", &size, &resident) != 2)
		return -EBADMSG;
	*resident_pages = resident;
	return 0;
}

int statm_open(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int statm_read(int fd, uint64_t *resident_pages)
{
	char buf[128];
	ssize_t n = fd_read_text(fd, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	return statm_parse(buf, resident_pages);
}

int rss_read_kib(pid_t pid, uint64_t *kib)
{
	char buf[128];
	uint64_t pages;
	int rc = pid_file_read(pid, "statm", buf, sizeof(buf));

	if (rc || (rc = statm_parse(buf, &pages)))
		return rc;
	*kib = pages * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
	return 0;
}
