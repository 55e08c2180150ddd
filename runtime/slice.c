/* EEVDF custom slices (slice.h). Whether the kernel supports them is decided by a probe, not
 * by its version: 6.1 (CFS) and 6.6..6.11 (EEVDF without custom slices) accept a fair task's
 * sched_runtime and ignore it, and sched_getattr reports 0 there; from 6.12 sched_getattr
 * reports the task's slice, which is the one set. A distribution's backport is judged by what
 * it does, not by its number. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/file.h"
#include "slice.h"

/* Inside the kernel's clamp (0.1..100 ms) and unlike any base slice (a multiple of 50 us in
 * every kernel so far), so reading it back cannot be a coincidence. */
#define SLICE_PROBE_NS 123457ull

/* No ASan instrumentation: the engine's container child runs this on a stack of the
 * supervisor's (container.c). */
__attribute__((no_sanitize_address)) int slice_set_self(uint64_t ns, uint64_t *got)
{
	/* PRIO_PROCESS 0 is the calling thread; -1 is a valid nice, so errno tells. */
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	if (nice == -1 && errno)
		return -errno;
	struct slice_sched_attr a = {.size = sizeof(a), .sched_policy = SCHED_OTHER,
				     .sched_nice = nice, .sched_runtime = ns};
	if (syscall(SYS_sched_setattr, 0, &a, 0))
		return -errno;
	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0))
		return -errno;
	*got = a.sched_runtime;
	return 0;
}

int slice_sched_parse(const char *text, uint64_t *ns)
{
	static const char key[] = "se.slice";
	const size_t k = sizeof(key) - 1;
	for (const char *p = text; *p;) {
		const char *eol = strchrnul(p, '\n');
		if (!strncmp(p, key, k) && (p[k] == ' ' || p[k] == ':')) {
			const char *colon = memchr(p, ':', (size_t)(eol - p));
			if (!colon)
				return -EBADMSG;
			char *end;
			errno = 0;
			unsigned long long v = strtoull(colon + 1, &end, 10);
			while (end < eol && *end == ' ')
				end++;
			if (end == colon + 1 || end != eol || errno ||
			    memchr(colon + 1, '-', (size_t)(eol - colon - 1)))
				return -EBADMSG;
			*ns = v;
			return 0;
		}
		p = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

int slice_read(pid_t pid, uint64_t *ns)
{
	char path[64], text[8192];
	snprintf(path, sizeof(path), "/proc/%d/sched", (int)pid);
	ssize_t n = file_read_text(path, text, sizeof(text));
	return n < 0 ? (int)n : slice_sched_parse(text, ns);
}

struct probe {
	int rc;           /* of slice_set_self */
	uint64_t got;     /* sched_getattr's sched_runtime after it */
	int proc_rc;      /* of reading se.slice from /proc */
	uint64_t proc_ns;
};

static void *probe_thread(void *arg)
{
	struct probe *p = arg;
	p->rc = slice_set_self(SLICE_PROBE_NS, &p->got);
	if (!p->rc) {
		char text[8192];
		ssize_t n = file_read_text("/proc/thread-self/sched", text, sizeof(text));
		p->proc_rc = n < 0 ? (int)n : slice_sched_parse(text, &p->proc_ns);
	}
	return NULL;
}

void slice_probe(struct slice_support *out)
{
	struct utsname u;
	memset(out, 0, sizeof(*out));
	snprintf(out->release, sizeof(out->release), "%s", uname(&u) ? "an unknown kernel" : u.release);
	struct probe p = {0};
	pthread_t t;
	int rc = pthread_create(&t, NULL, probe_thread, &p);
	if (rc) {
		snprintf(out->why, sizeof(out->why), "no probe thread: %s", strerror(rc));
		return;
	}
	pthread_join(t, NULL);
	if (p.rc)
		snprintf(out->why, sizeof(out->why), "sched_setattr on a probe thread: %s",
			 strerror(-p.rc));
	else if (p.got != SLICE_PROBE_NS)
		snprintf(out->why, sizeof(out->why),
			 "a slice of %llu ns set on a probe thread reads back as %" PRIu64 " ns",
			 SLICE_PROBE_NS, p.got);
	else if (!p.proc_rc && p.proc_ns != SLICE_PROBE_NS)
		snprintf(out->why, sizeof(out->why),
			 "a slice of %llu ns set on a probe thread shows as se.slice %" PRIu64 " ns",
			 SLICE_PROBE_NS, p.proc_ns);
	else
		snprintf(out->why, sizeof(out->why),
			 "a slice of %llu ns set on a probe thread reads back from sched_getattr%s",
			 SLICE_PROBE_NS, p.proc_rc ? "" : " and as se.slice in /proc");
	out->supported = !p.rc && p.got == SLICE_PROBE_NS && (p.proc_rc || p.proc_ns == SLICE_PROBE_NS);
}
