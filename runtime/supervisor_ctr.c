/* The container lifecycle: a record from its start report to its reap, log relay and end,
 * and the memory monitor's reports. The event-loop thread owns every record; the logbuf
 * writer thread runs only ctr_log_sink, on a record's file_fd and log atomics. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "supervisor_int.h"

#define LOG_READ_MAX   (64 * 1024)

/* ---- log sink (writer thread) ---- */

/* Counts what it consumed (written or not) and, once the container is reaped, wakes the loop
 * (sink_arg: the wake-up eventfd) so that it can end the record when the log is complete. */
int ctr_log_sink(void *sink_arg, void *tag, const void *data, size_t len)
{
	struct ctr_record *c = tag;
	const char *p = data;
	size_t left = len;
	int rc = 0;
	while (left) {
		ssize_t n = write(c->file_fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			int none = 0;
			atomic_compare_exchange_strong(&c->log_errno, &none, errno);
			atomic_fetch_add(&c->log_lost, left);
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	atomic_fetch_add(&c->log_written, len);
	if (atomic_load(&c->draining)) {
		uint64_t one = 1;
		ssize_t w = write(*(const int *)sink_arg, &one, sizeof(one)); /* EAGAIN: already due */
		(void)w;
	}
	return rc;
}

/* ---- records ---- */

struct ctr_record *ctr_find(struct sv *sv, const char *id)
{
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		if (!c->failed && !strcmp(c->info.id, id))
			return c;
	return NULL;
}

bool ctr_ended(const struct ctr_record *c)
{
	return c->info.end_mono_ns != 0;
}

/* Not reaped yet: its PID is still its own, to signal and to watch. */
bool ctr_alive(const struct ctr_record *c)
{
	return !c->reaped && !ctr_ended(c);
}

/* Whether the container stays in the supervisor's memory cgroup: no memory cgroup of its own,
 * and no cpu one in the same hierarchy (v2, or v1 with cpu and memory mounted together). */
bool ctr_in_sv_memcg(const struct sv *sv, const struct ctr_record *c)
{
	return !c->box.mem_dir[0] && (!c->box.cpu_dir[0] || strcmp(sv->cg.cpu.root, sv->cg.mem.root));
}

void ctr_free(struct sv *sv, struct ctr_record *c)
{
	for (struct ctr_record **pp = &sv->containers; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	for (struct conn *k = sv->conns; k; k = k->next)
		if (k->waiting == c)
			k->waiting = NULL;
	if (c->err_fd >= 0)
		close(c->err_fd);
	cgroup_remove(&c->box); /* done at the end already, unless the supervisor is failing */
	free(c->pending);
	if (c->log_fd >= 0)
		close(c->log_fd);
	if (c->file_fd >= 0)
		close(c->file_fd);
	if (c->argv)
		for (char **a = c->argv; *a; a++)
			free(*a);
	free(c->argv);
	free(c->rootfs);
	free(c);
}

/* The peak the monitor has seen, into the record clients get. */
void ctr_peak_update(struct ctr_record *c)
{
	if (c->watch.peak_bytes >> 10 > c->info.rss_peak_kib)
		c->info.rss_peak_kib = c->watch.peak_bytes >> 10;
}

/* Forgets an ended container: its record and state file go, its log stays. */
void ctr_forget(struct sv *sv, struct ctr_record *c)
{
	char path[PROTO_PATH_MAX];
	state_path(sv, c->info.id, path, sizeof(path));
	unlink(path);
	ctr_free(sv, c);
}

/* --rm records go once ended and no holding client still has to wait for them. */
static bool ctr_forgettable(const struct ctr_record *c)
{
	return ctr_ended(c) && (c->info.flags & PROTO_START_RM) && !c->hold_conn;
}

void ctr_maybe_forget(struct sv *sv, struct ctr_record *c)
{
	if (ctr_forgettable(c))
		ctr_forget(sv, c);
}

/* ---- log relay, start report, reap and end ---- */

/* Queues a chunk without blocking. When the buffer is full the chunk waits in c->pending and
 * log_fd is not polled, so the pipe pushes back on the container, until the writer thread
 * frees room and signals wake_fd. */
static void ctr_log_push(struct sv *sv, struct ctr_record *c, const char *p, size_t n)
{
	c->log_pushed += n;
	if (logbuf_try_push(sv->log, c, p, n) != -EAGAIN)
		return;
	c->pending = malloc(n);
	if (!c->pending) {
		logbuf_push(sv->log, c, p, n); /* out of memory: waiting beats losing the log */
		return;
	}
	memcpy(c->pending, p, n);
	c->pending_len = n;
}

static void ctr_finish(struct sv *sv, struct ctr_record *c);

/* A reaped container's record ends once its pipe is at EOF and the writer has written all. */
static void ctr_maybe_finish(struct sv *sv, struct ctr_record *c)
{
	if (c->reaped && !ctr_ended(c) && c->log_fd < 0 && !c->pending &&
	    atomic_load(&c->log_written) == c->log_pushed)
		ctr_finish(sv, c);
}

/* One chunk per turn keeps the loop fair. */
void ctr_read_log(struct sv *sv, struct ctr_record *c)
{
	char buf[LOG_READ_MAX];
	while (c->log_fd >= 0 && !c->pending) {
		ssize_t n = read(c->log_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n > 0) {
			ctr_log_push(sv, c, buf, (size_t)n);
			return;
		}
		close(c->log_fd);
		c->log_fd = -1;
		ctr_maybe_finish(sv, c); /* may free c */
		return;
	}
}

/* The writer made progress: retry the waiting chunks, oldest container first, then end the
 * records of reaped containers whose logs are complete. */
void ctr_logs_resume(struct sv *sv)
{
	uint64_t v;
	while (read(sv->wake_fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	struct ctr_record *c, *next;
	for (c = sv->containers; c; c = c->next) {
		if (!c->pending)
			continue;
		if (logbuf_try_push(sv->log, c, c->pending, c->pending_len) == -EAGAIN)
			break;
		free(c->pending);
		c->pending = NULL;
	}
	for (c = sv->containers; c; c = next) {
		next = c->next;
		ctr_maybe_finish(sv, c);
	}
}

static void on_report(void *arg, struct monitor_watch *w, const struct monitor_report *r)
{
	struct sv *sv = arg;
	struct ctr_record *c = (struct ctr_record *)((char *)w - offsetof(struct ctr_record, watch));
	uint32_t type = r->type == MONITOR_REPORT_SOFT ? PROTO_EVENT_SOFT :
			r->type == MONITOR_REPORT_HARD ? PROTO_EVENT_HARD : PROTO_EVENT_OOM;
	if (type != PROTO_EVENT_SOFT)
		c->info.rss_kill_kib = r->rss_bytes >> 10;
	ctr_peak_update(c);
	event_emit(sv, c, type, r->rss_bytes, r->limit_bytes);
}

static struct monitor_watch *watch_find(void *arg, pid_t pid)
{
	struct sv *sv = arg;
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		if (c->watch.pid == pid && ctr_alive(c))
			return &c->watch;
	return NULL;
}

/* The start report: exec'd (running) or failed (reply the error, hide the record). */
void ctr_started(struct sv *sv, struct ctr_record *c)
{
	struct container_err e;
	int rc = container_spawn_result(c->err_fd, &e);
	if (rc == -EAGAIN)
		return;
	close(c->err_fd);
	c->err_fd = -1;
	struct conn *k = c->start_conn;
	c->start_conn = NULL;
	if (k)
		k->starting = false;
	if (rc == 1) {
		c->watch.pid = c->info.pid;
		int mrc = memmon_watch_start(&sv->mon, &c->watch, c->info.id);
		/* ESRCH: it has already ended, with nothing left to watch. */
		if (!mrc || mrc == -ESRCH) {
			c->info.state = PROTO_STATE_RUNNING;
			if (slice_read(c->info.pid, &c->info.se_slice_ns))
				c->info.se_slice_ns = 0;
			event_emit(sv, c, PROTO_EVENT_START, 0, 0);
			/* The client goes on while the state file is written. */
			if (k) {
				conn_reply_container(k, PROTO_START, c);
				conn_flush(k);
			}
			state_write(sv, c);
			return;
		}
		c->watch.pid = 0;
		e.err = -mrc;
		snprintf(e.msg, sizeof(e.msg), "registering with the %s memory monitor: %s",
			 memmon_kind_name(sv->mon.kind), strerror(-mrc));
	} else if (rc < 0) {
		e.err = -rc;
		snprintf(e.msg, sizeof(e.msg), "reading the start report: %s", strerror(-rc));
	}
	c->failed = true;
	c->hold_conn = NULL;
	if (!c->reaped)
		kill(c->info.pid, SIGKILL);
	if (k)
		conn_error(k, PROTO_START, -e.err, "%s", e.msg);
}

/* A container in the supervisor's memory cgroup (ctr_in_sv_memcg): its init killed by a
 * SIGKILL that neither the monitor nor a stop sent, while that cgroup's oom_kill counter rose
 * since its start, was the kernel's OOM killer (which counts before it signals). The counter
 * is shared: each rise explains one such end only. */
static void ctr_oom_check(struct sv *sv, struct ctr_record *c)
{
	uint64_t kills;
	if (!c->oom_known || c->watch.killed || c->stop_requested || !WIFSIGNALED(c->status) ||
	    WTERMSIG(c->status) != SIGKILL || cgroup_oom_kills_read(sv->oom_fd, &kills))
		return;
	uint64_t seen = c->oom_kills_at_start > sv->oom_kills_used ? c->oom_kills_at_start
								    : sv->oom_kills_used;
	if (kills <= seen)
		return;
	sv->oom_kills_used = seen + 1;
	c->watch.killed = c->watch.oom = c->watch.kill_reported = true;
	c->watch.kill_rss_bytes = c->watch.peak_bytes;
	struct monitor_report r = {.type = MONITOR_REPORT_OOM, .rss_bytes = c->watch.peak_bytes};
	on_report(sv, &c->watch, &r);
}

/* Its end is known; the record ends when the log is complete (ctr_finish). Nothing
 * here waits for the log writer, which may be slow or stuck on another container's file. */
void ctr_reaped(struct sv *sv, struct ctr_record *c, int status, const struct rusage *ru)
{
	c->reaped = true;
	c->status = status;
	c->ru = *ru;
	if (c->err_fd >= 0)
		ctr_started(sv, c);
	if (!c->failed) {
		memmon_watch_end(&sv->mon, &c->watch, on_report, sv);
		ctr_oom_check(sv, c);
		ctr_peak_update(c);
	}
	atomic_store(&c->draining, true);
	ctr_maybe_finish(sv, c);
}

static void ctr_finish(struct sv *sv, struct ctr_record *c)
{
	c->info.end_mono_ns = clock_mono_ns();
	close(c->file_fd);
	c->file_fd = -1;
	cgroup_remove(&c->box);
	if (c->failed) {
		unlink(c->log_path);
		ctr_free(sv, c);
		return;
	}
	const struct rusage *ru = &c->ru;
	c->cpu_ns = (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000ull +
		    (uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000ull;
	int status = c->status;
	struct proto_container *i = &c->info;
	if (WIFEXITED(status)) {
		i->exit_code = WEXITSTATUS(status);
		i->state = PROTO_STATE_EXITED;
	} else {
		i->term_signal = WTERMSIG(status);
		i->state = PROTO_STATE_KILLED;
	}
	/* The monitor killed it, or the kernel's memory cgroup killed one of its processes
	 * (v1 has no group kill: the init may then end by itself before our SIGKILL). */
	if (c->watch.killed)
		i->state = c->watch.oom ? PROTO_STATE_OOM : PROTO_STATE_HARD_LIMIT;
	else if (c->stop_requested)
		i->state = PROTO_STATE_STOPPED;
	c->kill_at_ns = 0;
	int log_err = atomic_load(&c->log_errno);
	if (log_err)
		supervisor_warn(sv, "container %s: %llu bytes of its output could not be written "
				"to %s: %s", i->id, (unsigned long long)atomic_load(&c->log_lost),
				c->log_path, strerror(log_err));
	event_emit(sv, c, PROTO_EVENT_EXIT, c->watch.peak_bytes,
		   i->state == PROTO_STATE_HARD_LIMIT ? c->watch.hard_bytes : 0);

	/* Replies first; the state file follows, unless the record goes in this very turn. */
	for (struct conn *k = sv->conns; k; k = k->next) {
		if (k->waiting != c)
			continue;
		conn_reply_container(k, k->waiting_type, c);
		conn_flush(k);
		k->waiting = NULL;
		if (c->hold_conn == k && k->waiting_type == PROTO_WAIT)
			c->hold_conn = NULL;
	}
	if (ctr_forgettable(c))
		ctr_forget(sv, c);
	else
		state_write(sv, c);
}

void ctr_reap_all(struct sv *sv)
{
	/* The module's records first: a HARD record explains the SIGKILL about to be reaped. */
	if (sv->mon.kind == MONITOR_KMOD)
		memmon_kmod_read(&sv->mon, watch_find, on_report, sv);
	for (;;) {
		int status;
		struct rusage ru;
		pid_t pid = wait4(-1, &status, WNOHANG, &ru);
		if (pid <= 0)
			return;
		for (struct ctr_record *c = sv->containers; c; c = c->next) {
			if (c->info.pid == pid && ctr_alive(c)) {
				ctr_reaped(sv, c, status, &ru);
				break;
			}
		}
	}
}

/* The monitor's fd is readable: kmod records, or a sampling period has passed. */
void ctr_monitor_run(struct sv *sv)
{
	if (sv->mon.kind == MONITOR_KMOD) {
		memmon_kmod_read(&sv->mon, watch_find, on_report, sv);
		return;
	}
	if (!memmon_timer_ack(&sv->mon))
		return;
	for (struct ctr_record *c = sv->containers; c; c = c->next) {
		if (!ctr_alive(c) || !c->watch.pid)
			continue;
		memmon_sample(&sv->mon, &c->watch, on_report, sv);
		ctr_peak_update(c);
	}
}
