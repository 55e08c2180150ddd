/* The supervisor (supervisor.h): a poll loop over the listening socket, client connections,
 * a signalfd (SIGCHLD, SIGTERM, SIGINT), the memory monitor's fd (device or timer), the log
 * buffer's wake-up eventfd, and each container's start-report and log pipes. All records
 * below belong to that one thread; the logbuf writer only sees file_fd via tags, and a
 * container's log is flushed before its record or file_fd goes away. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "logbuf.h"
#include "protocol.h"
#include "supervisor.h"

#define CONTAINERS_MAX 1024 /* a ps reply of this many fits PROTO_PAYLOAD_MAX */
#define LOG_READ_MAX   (64 * 1024)
#define EVENTS_KEPT    1024 /* the newest events, for engine events */
#define CONNS_MAX      512  /* client connections; past it the longest-idle one is closed */
#define CONN_PARTIAL_MS 5000 /* a message must be complete this long after its first byte */
#define CONN_IN_STEP   4096 /* payload buffers grow with what arrives, from this size */
_Static_assert(CONTAINERS_MAX * sizeof(struct proto_container) <= PROTO_PAYLOAD_MAX, "ps fits");

struct conn;

struct container {
	struct container *next;
	struct proto_container info;
	char *rootfs;
	char **argv;
	char log_path[PROTO_PATH_MAX];
	struct cgroup_box box;      /* its cgroups (cpu for --cpu-weight, memory for the monitor) */
	struct monitor_watch watch; /* pid 0 until running */
	uint64_t cpu_ns;            /* final CPU time, from the reap */
	int err_fd;       /* start report pipe, -1 once read */
	int log_fd;       /* read end of stdout/stderr pipe, -1 at EOF */
	int file_fd;      /* the log file, written by the logbuf writer thread */
	char *pending;    /* a chunk the full log buffer refused: log_fd is not polled meanwhile */
	size_t pending_len;
	uint64_t log_pushed;           /* bytes queued in the log buffer */
	_Atomic uint64_t log_written;  /* bytes the writer thread has passed to file_fd */
	_Atomic uint64_t log_lost;     /* of those, bytes the file refused (ENOSPC, EIO...) */
	_Atomic int log_errno;         /* the first such error, 0 = none */
	_Atomic bool draining;         /* reaped: the writer signals wake_fd after each chunk */
	bool reaped;                   /* its end is known; the record ends once its log is */
	int status;                    /* from the reap */
	struct rusage ru;
	bool failed;      /* setup failed: hidden, freed at the reap */
	bool stop_requested;
	uint64_t kill_at_ns; /* SIGKILL deadline of a stop, 0 = none */
	bool oom_known;          /* without a memory cgroup of its own: the next field is valid */
	uint64_t oom_kills_at_start; /* the supervisor's memory cgroup's oom_kill before clone */
	struct conn *start_conn;
	struct conn *hold_conn;
};

struct conn {
	struct conn *next;
	int fd;
	struct proto_hdr hdr; /* received into directly */
	char *in;        /* the payload so far, in_cap bytes allocated */
	size_t in_len;   /* header and payload bytes received */
	size_t in_cap;
	uint64_t partial_since_ns; /* first byte of an incomplete message, 0 = none */
	uint64_t idle_since_ns;    /* last reply or accept, to pick whom to close when full */
	char *out;
	size_t out_len, out_off;
	struct container *waiting; /* a WAIT or STOP reply is due when this one ends */
	uint16_t waiting_type;
	bool starting;   /* a START reply is due */
	bool events_wait; /* an EVENTS reply is due once an event after events_after exists */
	uint64_t events_after;
	bool dead;
};

struct sv {
	const struct supervisor_opts *o;
	int listen_fd;
	int sig_fd;
	struct logbuf *log;
	int wake_fd;          /* eventfd the log writer signals when it frees room */
	struct cgroup_host cg;
	struct monitor mon;
	int oom_fd;           /* oom_kill counter of our own memory cgroup, -1 = none */
	uint64_t oom_kills_used; /* that counter's kills already taken as some container's end */
	int events_file;      /* <state-dir>/events.jsonl, append only; -1 if it cannot be opened */
	struct proto_event events[EVENTS_KEPT]; /* ring of the newest events */
	uint64_t event_seq;   /* seq of the newest event */
	char nice_scope[256];
	struct container *containers;
	struct conn *conns;
	size_t nconns;
	int spare_fd;         /* closed to accept (and drop) a client when out of fds */
	int self_pidfd;       /* containers check it: their supervisor must still be alive */
	bool shutting_down;
	uint64_t shutdown_kill_at_ns;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One line for the supervisor's operator (supervisor_opts.warn), if anyone listens. */
static __attribute__((format(printf, 2, 3))) void warn(struct sv *sv, const char *fmt, ...)
{
	if (!sv->o->warn)
		return;
	char line[PROTO_ERR_MAX + PROTO_PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sv->o->warn(line);
}

static int fail(char *err, size_t size, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- log sink (writer thread) ---- */

/* Counts what it consumed (written or not) and, once the container is reaped, wakes the loop
 * (sink_arg: the wake-up eventfd) so that it can end the record when the log is complete. */
static int log_sink(void *sink_arg, void *tag, const void *data, size_t len)
{
	struct container *c = tag;
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

/* ---- a growable text buffer for JSON ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0 || b->oom)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

static void sb_json_str(struct sbuf *b, const char *s)
{
	sb_add(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			sb_add(b, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			sb_add(b, "\\u%04x", ch);
		else
			sb_add(b, "%c", ch);
	}
	sb_add(b, "\"");
}

/* ---- containers ---- */

static struct container *container_find(struct sv *sv, const char *id)
{
	for (struct container *c = sv->containers; c; c = c->next)
		if (!c->failed && !strcmp(c->info.id, id))
			return c;
	return NULL;
}

static bool container_ended(const struct container *c)
{
	return c->info.end_mono_ns != 0;
}

/* Not reaped yet: its PID is still its own, to signal and to watch. */
static bool container_alive(const struct container *c)
{
	return !c->reaped && !container_ended(c);
}

/* Whether the container stays in the supervisor's memory cgroup: no memory cgroup of its own,
 * and no cpu one in the same hierarchy (v2, or v1 with cpu and memory mounted together). */
static bool container_in_sv_memcg(const struct sv *sv, const struct container *c)
{
	return !c->box.mem_dir[0] && (!c->box.cpu_dir[0] || strcmp(sv->cg.cpu.root, sv->cg.mem.root));
}

static void container_json(struct sv *sv, const struct container *c, struct sbuf *b)
{
	const struct proto_container *i = &c->info;
	uint64_t end = container_ended(c) ? i->end_mono_ns : now_ns(CLOCK_MONOTONIC);
	sb_add(b, "{\"id\":\"%s\",\"pid\":%d,\"state\":\"%s\",", i->id, i->pid,
	       proto_state_name(i->state));
	sb_add(b, "\"exit_code\":%d,\"signal\":%d,\"stop_requested\":%s,", i->exit_code,
	       i->term_signal, c->stop_requested ? "true" : "false");
	sb_add(b, "\"rootfs\":");
	sb_json_str(b, c->rootfs);
	sb_add(b, ",\"argv\":[");
	for (char **a = c->argv; *a; a++) {
		sb_add(b, a == c->argv ? "" : ",");
		sb_json_str(b, *a);
	}
	sb_add(b, "],\"hostname\":\"%s\",\"namespaces\":[\"pid\",\"uts\",\"mnt\"],", i->id);
	sb_add(b, "\"root\":\"pivot_root, old root detached\",");
	if (i->flags & PROTO_START_NICE)
		sb_add(b, "\"nice\":%d,", i->nice);
	else
		sb_add(b, "\"nice\":null,");
	sb_add(b, "\"nice_scope\":");
	if (c->box.cpu_dir[0]) {
		char scope[900];
		snprintf(scope, sizeof(scope),
			 "setpriority before exec; ranks only among this container's own tasks, "
			 "as it has its own cpu cgroup %s",
			 c->box.cpu_dir);
		sb_json_str(b, scope);
	} else {
		sb_json_str(b, sv->nice_scope);
	}
	sb_add(b, ",\"cpus\":\"%s\",", i->cpus[0] ? i->cpus : "all");
	if (i->cpu_weight) {
		char desc[64];
		cgroup_cpu_describe(&sv->cg, i->cpu_weight, desc, sizeof(desc));
		sb_add(b, "\"cpu_weight\":%u,\"cpu_cgroup\":", i->cpu_weight);
		sb_json_str(b, c->box.cpu_dir);
		sb_add(b, ",\"cpu_cgroup_setting\":\"%s\",", desc);
	} else {
		sb_add(b, "\"cpu_weight\":null,\"cpu_cgroup\":null,");
	}
	sb_add(b, "\"soft_mib\":%u,\"hard_mib\":%u,\"memory_monitor\":\"%s\",", i->soft_mib,
	       i->hard_mib, proto_monitor_name(i->monitor));
	char how[300];
	if (i->monitor == PROTO_MONITOR_KMOD)
		snprintf(how, sizeof(how), "monitor.ko scans the init's RSS; soft: one event per "
			 "upward crossing; hard: the module sends SIGKILL");
	else if (i->monitor == PROTO_MONITOR_CGROUP && !c->box.mem_dir[0])
		snprintf(how, sizeof(how), "no memory limit, so no memory cgroup: statm of every "
			 "process of the container every %u ms, for RSS and its peak%s",
			 sv->mon.period_ms, container_in_sv_memcg(sv, c) && sv->oom_fd >= 0 ?
			 "; a kernel OOM kill is seen in the oom_kill counter of the supervisor's "
			 "memory cgroup, which it shares" : "");
	else if (i->monitor == PROTO_MONITOR_CGROUP)
		snprintf(how, sizeof(how), "memory cgroup: the kernel enforces the hard limit (%s); "
			 "usage sampled every %u ms for the soft limit; kills seen in oom_kill",
			 c->box.mem_version == 2 ? "memory.max" : "memory.limit_in_bytes",
			 sv->mon.period_ms);
	else
		snprintf(how, sizeof(how), "statm of every process of the container every %u ms; "
			 "soft: one event per upward crossing; hard: SIGKILL to its init",
			 sv->mon.period_ms);
	sb_add(b, "\"memory_enforcement\":");
	sb_json_str(b, how);
	sb_add(b, ",\"memory_cgroup\":");
	if (c->box.mem_dir[0])
		sb_json_str(b, c->box.mem_dir);
	else
		sb_add(b, "null");
	sb_add(b, ",\"rss_kib\":%llu,\"rss_peak_kib\":%llu,",
	       (unsigned long long)(c->watch.rss_bytes >> 10), (unsigned long long)i->rss_peak_kib);
	if (i->state == PROTO_STATE_HARD_LIMIT || i->state == PROTO_STATE_OOM)
		sb_add(b, "\"killed_by\":{\"monitor\":\"%s\",\"rss_kib_at_kill\":%llu,"
		       "\"limit_kib\":%llu},",
		       i->state == PROTO_STATE_OOM ? "kernel oom killer" : proto_monitor_name(i->monitor),
		       (unsigned long long)i->rss_kill_kib, (unsigned long long)i->hard_mib << 10);
	if (container_ended(c))
		sb_add(b, "\"cpu_ms\":%llu,", (unsigned long long)(c->cpu_ns / 1000000));
	sb_add(b, "\"log_path\":");
	sb_json_str(b, c->log_path);
	int log_err = atomic_load(&c->log_errno);
	sb_add(b, ",\"log_bytes_lost\":%llu,\"log_error\":",
	       (unsigned long long)atomic_load(&c->log_lost));
	if (log_err)
		sb_json_str(b, strerror(log_err));
	else
		sb_add(b, "null");
	sb_add(b, ",\"start_mono_ns\":%llu,\"end_mono_ns\":%llu,\"start_unix_ns\":%llu,",
	       (unsigned long long)i->start_mono_ns, (unsigned long long)i->end_mono_ns,
	       (unsigned long long)i->start_real_ns);
	sb_add(b, "\"run_ms\":%llu,\"rm_when_ended\":%s}\n",
	       (unsigned long long)((end - i->start_mono_ns) / 1000000),
	       (i->flags & PROTO_START_RM) ? "true" : "false");
}

static void state_path(struct sv *sv, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.json", sv->o->state_dir, id);
}

/* <state-dir>/<id>.json mirrors inspect for tools that read files; best effort. */
static void state_write(struct sv *sv, const struct container *c)
{
	struct sbuf b = {0};
	char path[PROTO_PATH_MAX], tmp[PROTO_PATH_MAX + 8];
	container_json(sv, c, &b);
	state_path(sv, c->info.id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		bool ok = !b.oom && write(fd, b.p, b.len) == (ssize_t)b.len;
		close(fd);
		if (!ok || rename(tmp, path))
			unlink(tmp);
	}
	free(b.p);
}

static void container_free(struct sv *sv, struct container *c)
{
	for (struct container **pp = &sv->containers; *pp; pp = &(*pp)->next) {
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
static void container_peak_update(struct container *c)
{
	if (c->watch.peak_bytes >> 10 > c->info.rss_peak_kib)
		c->info.rss_peak_kib = c->watch.peak_bytes >> 10;
}

/* Forgets an ended container: its record and state file go, its log stays. */
static void container_forget(struct sv *sv, struct container *c)
{
	char path[PROTO_PATH_MAX];
	state_path(sv, c->info.id, path, sizeof(path));
	unlink(path);
	container_free(sv, c);
}

/* ---- connections ---- */

static void conn_queue(struct conn *k, uint16_t type, int32_t status, const void *p, size_t len)
{
	if (k->dead)
		return;
	struct proto_hdr h;
	proto_hdr_init(&h, type | PROTO_REPLY, status, (uint32_t)len);
	char *out = realloc(k->out, k->out_len + sizeof(h) + len);
	if (!out) {
		k->dead = true;
		return;
	}
	memcpy(out + k->out_len, &h, sizeof(h));
	if (len)
		memcpy(out + k->out_len + sizeof(h), p, len);
	k->out = out;
	k->out_len += sizeof(h) + len;
}

static __attribute__((format(printf, 4, 5))) void
conn_error(struct conn *k, uint16_t type, int err, const char *fmt, ...)
{
	char msg[PROTO_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conn_queue(k, type, err, msg, strlen(msg) + 1);
}

static void conn_reply_container(struct conn *k, uint16_t type, const struct container *c)
{
	char buf[sizeof(struct proto_container) + PROTO_PATH_MAX];
	int len = proto_container_encode(buf, sizeof(buf), &c->info, c->log_path);
	if (len < 0)
		conn_error(k, type, len, "log path too long");
	else
		conn_queue(k, type, 0, buf, (size_t)len);
}

/* ---- events ---- */

/* The kept events after seq `after`, oldest first. */
static void reply_events(struct sv *sv, struct conn *k, uint64_t after)
{
	uint64_t first = sv->event_seq > EVENTS_KEPT ? sv->event_seq - EVENTS_KEPT + 1 : 1;
	if (after + 1 > first)
		first = after + 1;
	size_t n = first <= sv->event_seq ? (size_t)(sv->event_seq - first + 1) : 0;
	struct proto_event *list = malloc(n ? n * sizeof(*list) : 1);
	if (!list) {
		conn_error(k, PROTO_EVENTS, -ENOMEM, "out of memory");
		return;
	}
	for (size_t j = 0; j < n; j++)
		list[j] = sv->events[(first + j) % EVENTS_KEPT];
	conn_queue(k, PROTO_EVENTS, 0, list, n * sizeof(*list));
	free(list);
}

/* Records an event: the ring, events.jsonl, and every client waiting for one. */
static void event_emit(struct sv *sv, const struct container *c, uint32_t type, uint64_t rss,
		       uint64_t limit)
{
	const struct proto_container *i = &c->info;
	uint64_t seq = ++sv->event_seq;
	struct proto_event *e = &sv->events[seq % EVENTS_KEPT];
	*e = (struct proto_event){.seq = seq, .real_ns = now_ns(CLOCK_REALTIME), .type = type,
				  .pid = i->pid, .rss_kib = rss >> 10, .limit_kib = limit >> 10,
				  .exit_code = i->exit_code, .term_signal = i->term_signal,
				  .state = i->state, .monitor = i->monitor};
	memcpy(e->id, i->id, PROTO_ID_SIZE);
	if (sv->events_file >= 0) {
		char line[512];
		int n = proto_event_format(e, true, line, sizeof(line) - 1);
		if (n > 0) {
			line[n++] = '\n';
			ssize_t w = write(sv->events_file, line, (size_t)n); /* best effort */
			(void)w;
		}
	}
	for (struct conn *k = sv->conns; k; k = k->next) {
		if (k->events_wait && k->events_after < seq) {
			k->events_wait = false;
			reply_events(sv, k, k->events_after);
		}
	}
}

static void conn_flush(struct conn *k)
{
	while (!k->dead && k->out_off < k->out_len) {
		ssize_t n = send(k->fd, k->out + k->out_off, k->out_len - k->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			k->dead = true;
			return;
		}
		k->out_off += (size_t)n;
	}
	if (k->out_len && k->out_off == k->out_len) {
		free(k->out);
		k->out = NULL;
		k->out_len = k->out_off = 0;
		k->idle_since_ns = now_ns(CLOCK_MONOTONIC);
	}
}

/* --rm records go once ended and no holding client still has to wait for them. */
static bool container_forgettable(const struct container *c)
{
	return container_ended(c) && (c->info.flags & PROTO_START_RM) && !c->hold_conn;
}

static void container_maybe_forget(struct sv *sv, struct container *c)
{
	if (container_forgettable(c))
		container_forget(sv, c);
}

static void conn_close(struct sv *sv, struct conn *k)
{
	for (struct conn **pp = &sv->conns; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	struct container *c = sv->containers, *next;
	for (; c; c = next) {
		next = c->next;
		if (c->start_conn == k)
			c->start_conn = NULL;
		if (c->hold_conn == k) {
			c->hold_conn = NULL;
			container_maybe_forget(sv, c);
		}
	}
	close(k->fd);
	free(k->in);
	free(k->out);
	free(k);
	sv->nconns--;
}

/* ---- requests ---- */

static int argv_copy(struct container *c, const struct proto_start_view *v)
{
	c->rootfs = strdup(v->rootfs);
	c->argv = calloc(v->req.argc + 1, sizeof(char *));
	if (!c->rootfs || !c->argv)
		return -ENOMEM;
	for (uint32_t i = 0; i < v->req.argc; i++)
		if (!(c->argv[i] = strdup(v->argv[i])))
			return -ENOMEM;
	return 0;
}

static void container_started(struct sv *sv, struct container *c);

static void handle_start(struct sv *sv, struct conn *k, const void *p, size_t len)
{
	struct proto_start_view v;
	if (proto_start_decode(p, len, &v)) {
		conn_error(k, PROTO_START, -EINVAL, "invalid start request");
		return;
	}
	const struct proto_start_req *r = &v.req;
	struct container *old = container_find(sv, r->id);
	if (old) {
		conn_error(k, PROTO_START, -EEXIST, "container %s already exists (%s)%s", r->id,
			   proto_state_name(old->info.state),
			   container_ended(old) ? "; remove it with: engine rm" : "");
		return;
	}
	if (sv->shutting_down) {
		conn_error(k, PROTO_START, -ESHUTDOWN, "the supervisor is shutting down");
		return;
	}
	size_t n = 0;
	for (struct container *c = sv->containers; c; c = c->next)
		n++;
	if (n >= CONTAINERS_MAX) {
		conn_error(k, PROTO_START, -EMFILE, "%d containers known already; rm some first",
			   CONTAINERS_MAX);
		return;
	}
	if (!v.rootfs[0]) {
		if (!sv->o->default_rootfs) {
			conn_error(k, PROTO_START, -EINVAL,
				   "no rootfs given and the supervisor was started without a default");
			return;
		}
		v.rootfs = sv->o->default_rootfs;
	}
	/* The container is set up on the resolved path: no symlink in it is followed later. */
	char rootfs[PATH_MAX];
	if (!realpath(v.rootfs, rootfs)) {
		conn_error(k, PROTO_START, -errno, "rootfs %s: %s", v.rootfs, strerror(errno));
		return;
	}
	struct stat st;
	if (stat(rootfs, &st)) {
		conn_error(k, PROTO_START, -errno, "rootfs %s: %s", rootfs, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		conn_error(k, PROTO_START, -ENOTDIR, "rootfs %s is not a directory", rootfs);
		return;
	}
	if (!strcmp(rootfs, "/")) {
		conn_error(k, PROTO_START, -EINVAL, "rootfs %s is the host's root directory", v.rootfs);
		return;
	}
	v.rootfs = rootfs;
	struct container_spec spec = {.id = r->id, .rootfs = v.rootfs, .argv = (char *const *)v.argv,
				      .has_nice = r->flags & PROTO_START_NICE, .nice = r->nice,
				      .cgroup_procs_fd = {-1, -1}, .parent_pidfd = sv->self_pidfd};
	if (v.cpus[0]) {
		uint64_t mask[CPU_SETSIZE / 64];
		if (cpulist_parse(v.cpus, mask, CPU_SETSIZE - 1)) {
			conn_error(k, PROTO_START, -EINVAL, "invalid CPU list '%s'", v.cpus);
			return;
		}
		spec.has_cpus = true;
		CPU_ZERO(&spec.cpus);
		for (unsigned i = 0; i < CPU_SETSIZE; i++)
			if (mask[i / 64] & (1ull << (i % 64)))
				CPU_SET(i, &spec.cpus);
		long ncpu = sysconf(_SC_NPROCESSORS_CONF);
		for (long i = ncpu > 0 ? ncpu : CPU_SETSIZE; i < CPU_SETSIZE; i++) {
			if (CPU_ISSET(i, &spec.cpus)) {
				conn_error(k, PROTO_START, -EINVAL,
					   "CPU list '%s' names CPU %ld; this machine has CPUs 0-%ld",
					   v.cpus, i, ncpu - 1);
				return;
			}
		}
	}

	struct container *c = calloc(1, sizeof(*c));
	if (!c) {
		conn_error(k, PROTO_START, -ENOMEM, "out of memory");
		return;
	}
	c->err_fd = c->log_fd = c->file_fd = -1;
	cgroup_box_init(&c->box);
	c->watch.box = &c->box;
	c->watch.soft_bytes = (uint64_t)r->soft_mib << 20;
	c->watch.hard_bytes = (uint64_t)r->hard_mib << 20;
	struct proto_container *i = &c->info;
	memcpy(i->id, r->id, PROTO_ID_SIZE);
	i->state = PROTO_STATE_STARTING;
	i->exit_code = -1;
	i->nice = r->nice;
	i->cpu_weight = r->cpu_weight;
	i->soft_mib = r->soft_mib;
	i->hard_mib = r->hard_mib;
	i->flags = r->flags;
	i->monitor = sv->mon.kind;
	snprintf(i->cpus, sizeof(i->cpus), "%s", v.cpus);
	snprintf(c->log_path, sizeof(c->log_path), "%s/%s.log", sv->o->log_dir, r->id);
	int log_pipe[2] = {-1, -1}, rc;
	if ((rc = argv_copy(c, &v))) {
		conn_error(k, PROTO_START, rc, "out of memory");
		goto out_free;
	}
	/* Never through a symlink planted in the log dir; O_NONBLOCK: a FIFO without a reader
	 * fails (ENXIO) instead of blocking the loop. */
	c->file_fd = open(c->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC |
				       O_NOFOLLOW | O_NONBLOCK, 0640);
	if (c->file_fd < 0) {
		rc = -errno;
		conn_error(k, PROTO_START, rc, "log file %s: %s", c->log_path,
			   rc == -ELOOP ? "is a symbolic link, refusing to follow it" : strerror(-rc));
		goto out_free;
	}
	fcntl(c->file_fd, F_SETFL, O_APPEND);
	struct cgroup_want want = {.cpu_weight = r->cpu_weight,
				   .memory = monitor_wants_memcg(&sv->mon, c->watch.soft_bytes,
								 c->watch.hard_bytes),
				   .hard_bytes = c->watch.hard_bytes};
	if (want.cpu_weight || want.memory) {
		rc = cgroup_create(&sv->cg, r->id, &want, &c->box);
		if (rc) {
			bool no_cpu = want.cpu_weight && !sv->cg.cpu.version;
			conn_error(k, PROTO_START, rc, "%s cgroup: %s%s",
				   want.memory ? "memory" : "cpu (--cpu-weight)", strerror(-rc),
				   no_cpu ? " (no cpu controller mounted)" : "");
			goto out_unlink;
		}
		spec.cgroup_procs_fd[0] = c->box.procs_fd[0];
		spec.cgroup_procs_fd[1] = c->box.procs_fd[1];
	}
	if (pipe2(log_pipe, O_CLOEXEC)) {
		rc = -errno;
		conn_error(k, PROTO_START, rc, "pipe: %s", strerror(errno));
		goto out_cgroup;
	}
	fcntl(log_pipe[0], F_SETFL, O_NONBLOCK);
	spec.log_fd = log_pipe[1];
	if (container_in_sv_memcg(sv, c) && sv->oom_fd >= 0)
		c->oom_known = !cgroup_oom_kills_read(sv->oom_fd, &c->oom_kills_at_start);
	i->start_real_ns = now_ns(CLOCK_REALTIME);
	i->start_mono_ns = now_ns(CLOCK_MONOTONIC);
	pid_t pid;
	rc = container_spawn(&spec, &pid, &c->err_fd);
	close(log_pipe[1]);
	for (int f = 0; f < 2; f++) {
		if (c->box.procs_fd[f] >= 0)
			close(c->box.procs_fd[f]);
		c->box.procs_fd[f] = -1;
	}
	if (rc) {
		close(log_pipe[0]);
		conn_error(k, PROTO_START, rc, "clone: %s", strerror(-rc));
		goto out_cgroup;
	}
	i->pid = pid;
	c->log_fd = log_pipe[0];
	c->start_conn = k;
	k->starting = true;
	if (r->flags & PROTO_START_HOLD)
		c->hold_conn = k;
	c->next = sv->containers;
	sv->containers = c;
	container_started(sv, c); /* the report is mostly there already: reply in this turn */
	return;

out_cgroup:
	cgroup_remove(&c->box);
out_unlink:
	unlink(c->log_path);
out_free:
	container_free(sv, c);
}

static void reply_ps(struct sv *sv, struct conn *k)
{
	size_t n = 0;
	for (struct container *c = sv->containers; c; c = c->next)
		n += !c->failed;
	struct proto_container *list = calloc(n ? n : 1, sizeof(*list));
	if (!list) {
		conn_error(k, PROTO_PS, -ENOMEM, "out of memory");
		return;
	}
	/* Oldest first: the list is kept newest first. */
	size_t j = n;
	for (struct container *c = sv->containers; c; c = c->next)
		if (!c->failed)
			list[--j] = c->info;
	conn_queue(k, PROTO_PS, 0, list, n * sizeof(*list));
	free(list);
}

static void reply_stats(struct sv *sv, struct conn *k, struct container *c)
{
	struct proto_stats st = {.state = c->info.state, .monitor = c->info.monitor};
	memcpy(st.id, c->info.id, PROTO_ID_SIZE);
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	if (c->info.start_mono_ns)
		st.run_ns = (container_ended(c) ? c->info.end_mono_ns : now) - c->info.start_mono_ns;
	if (container_ended(c)) {
		st.cpu_ns = c->cpu_ns;
	} else if (container_alive(c) && c->watch.pid) {
		static pid_t pids[PROCTREE_MAX];
		size_t n;
		uint64_t rss;
		if (!monitor_rss_now(&sv->mon, &c->watch, &rss))
			st.rss_kib = rss >> 10;
		if (!monitor_pids(&c->watch, pids, PROCTREE_MAX, &n))
			proctree_cpu_ns(pids, n, &st.cpu_ns);
	}
	container_peak_update(c);
	st.rss_peak_kib = c->info.rss_peak_kib;
	conn_queue(k, PROTO_STATS, 0, &st, sizeof(st));
}

static void handle_events(struct sv *sv, struct conn *k, const void *p, size_t len)
{
	struct proto_events_req r;
	if (proto_events_req_decode(p, len, &r)) {
		conn_error(k, PROTO_EVENTS, -EINVAL, "invalid events request");
		return;
	}
	if ((r.flags & PROTO_EVENTS_WAIT) && r.after_seq >= sv->event_seq) {
		k->events_wait = true;
		k->events_after = r.after_seq;
		return;
	}
	reply_events(sv, k, r.after_seq);
}

static void handle_id(struct sv *sv, struct conn *k, uint16_t type, const void *p, size_t len)
{
	struct proto_id_req r;
	if (proto_id_decode(p, len, type, &r)) {
		conn_error(k, type, -EINVAL, "invalid request");
		return;
	}
	struct container *c = container_find(sv, r.id);
	if (type == PROTO_LOG) {
		if (c) {
			conn_reply_container(k, type, c);
		} else {
			/* Forgotten (rm, --rm): its log may stay; without one it is unknown. */
			struct container tmp = {.info = {.exit_code = -1}};
			memcpy(tmp.info.id, r.id, PROTO_ID_SIZE);
			snprintf(tmp.log_path, sizeof(tmp.log_path), "%s/%s.log", sv->o->log_dir,
				 r.id);
			if (access(tmp.log_path, F_OK) && errno == ENOENT)
				conn_error(k, type, -ENOENT, "no container %s", r.id);
			else
				conn_reply_container(k, type, &tmp);
		}
		return;
	}
	if (!c) {
		conn_error(k, type, -ENOENT, "no container %s", r.id);
		return;
	}
	switch (type) {
	case PROTO_INSPECT: {
		struct sbuf b = {0};
		container_json(sv, c, &b);
		if (b.oom)
			conn_error(k, type, -ENOMEM, "out of memory");
		else
			conn_queue(k, type, 0, b.p, b.len + 1);
		free(b.p);
		break;
	}
	case PROTO_RM:
		if (!container_ended(c)) {
			conn_error(k, type, -EBUSY, "container %s is %s; stop it first", r.id,
				   proto_state_name(c->info.state));
			break;
		}
		if ((r.flags & PROTO_RM_LOGS) && unlink(c->log_path) && errno != ENOENT) {
			conn_error(k, type, -errno, "removing %s: %s", c->log_path, strerror(errno));
			break;
		}
		container_forget(sv, c);
		conn_queue(k, type, 0, NULL, 0);
		break;
	case PROTO_STOP:
		if (container_ended(c)) {
			char why[64];
			snprintf(why, sizeof(why), "%s", proto_state_name(c->info.state));
			conn_error(k, type, -ESRCH, "container %s is not running (%s)", r.id, why);
			break;
		}
		if (!c->stop_requested && container_alive(c)) {
			c->stop_requested = true;
			uint64_t now = now_ns(CLOCK_MONOTONIC);
			c->kill_at_ns = now + (uint64_t)r.timeout_ms * 1000000ull;
			kill(c->info.pid, r.timeout_ms ? SIGTERM : SIGKILL);
			event_emit(sv, c, PROTO_EVENT_STOP, c->watch.rss_bytes, 0);
		}
		k->waiting = c;
		k->waiting_type = type;
		break;
	case PROTO_STATS:
		reply_stats(sv, k, c);
		break;
	case PROTO_WAIT:
		if (container_ended(c)) {
			conn_reply_container(k, type, c);
			if (c->hold_conn == k) {
				c->hold_conn = NULL;
				container_maybe_forget(sv, c);
			}
		} else {
			k->waiting = c;
			k->waiting_type = type;
		}
		break;
	}
}

static void conn_dispatch(struct sv *sv, struct conn *k)
{
	const char *p = k->in;
	size_t len = k->hdr.length;
	switch (k->hdr.type) {
	case PROTO_START:
		handle_start(sv, k, p, len);
		break;
	case PROTO_PS:
		if (len)
			k->dead = true;
		else
			reply_ps(sv, k);
		break;
	case PROTO_EVENTS:
		handle_events(sv, k, p, len);
		break;
	default:
		handle_id(sv, k, k->hdr.type, p, len);
		break;
	}
}

/* A reply is due or still being sent: the next request waits, so that a client that never
 * reads cannot make its replies pile up. */
static bool conn_busy(const struct conn *k)
{
	return k->waiting || k->starting || k->events_wait || k->out_len;
}

/* Room for the next payload bytes: the buffer grows with what really arrives, so a header
 * promising PROTO_PAYLOAD_MAX costs nothing until the bytes come. */
static int conn_in_grow(struct conn *k, size_t got)
{
	if (got < k->in_cap)
		return 0;
	size_t cap = k->in_cap ? k->in_cap * 2 : CONN_IN_STEP;
	if (cap > k->hdr.length)
		cap = k->hdr.length;
	char *p = realloc(k->in, cap);
	if (!p)
		return -ENOMEM;
	k->in = p;
	k->in_cap = cap;
	return 0;
}

/* Reads what is there, one message at a time. A malformed or oversized header, or a message
 * still incomplete CONN_PARTIAL_MS after its first byte (deadlines_run), closes this
 * connection only. */
static void conn_read(struct sv *sv, struct conn *k)
{
	const size_t hl = sizeof(struct proto_hdr);
	while (!conn_busy(k) && !k->dead) {
		if (k->in_len >= hl && k->in_len - hl == k->hdr.length) {
			conn_dispatch(sv, k);
			free(k->in);
			k->in = NULL;
			k->in_len = k->in_cap = 0;
			k->partial_since_ns = 0;
			continue;
		}
		char *dst;
		size_t want;
		if (k->in_len < hl) {
			dst = (char *)&k->hdr + k->in_len;
			want = hl - k->in_len;
		} else {
			size_t got = k->in_len - hl;
			if (conn_in_grow(k, got)) {
				k->dead = true;
				return;
			}
			dst = k->in + got;
			want = k->in_cap - got;
		}
		ssize_t n = recv(k->fd, dst, want, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			k->dead = true;
			return;
		}
		if (!k->in_len)
			k->partial_since_ns = now_ns(CLOCK_MONOTONIC);
		k->in_len += (size_t)n;
		if (k->in_len == hl && proto_hdr_check(&k->hdr, false)) {
			k->dead = true;
			return;
		}
	}
}

/* The connection that has been idle longest (nothing received, due or unsent), or NULL. */
static struct conn *conn_idlest(struct sv *sv)
{
	struct conn *best = NULL;
	for (struct conn *k = sv->conns; k; k = k->next)
		if (!k->dead && !k->in_len && !conn_busy(k) &&
		    (!best || k->idle_since_ns < best->idle_since_ns))
			best = k;
	return best;
}

/* One line for a peer we do not serve, so that it learns why instead of reading a closed
 * connection. Best effort: a fresh socket's buffer holds it, and nothing here may block. */
static void conn_refuse(int fd, uid_t uid)
{
	struct {
		struct proto_hdr h;
		char msg[PROTO_ERR_MAX];
	} m;
	uid_t own = geteuid();
	int n;
	if (own == 0)
		n = snprintf(m.msg, sizeof(m.msg),
			     "refused by the supervisor: it serves root only, not uid %u", (unsigned)uid);
	else
		n = snprintf(m.msg, sizeof(m.msg),
			     "refused by the supervisor: it serves root and uid %u only, not uid %u",
			     (unsigned)own, (unsigned)uid);
	if (n < 0 || (size_t)n >= sizeof(m.msg))
		n = (int)strlen(m.msg);
	proto_hdr_init(&m.h, PROTO_REFUSED | PROTO_REPLY, -EACCES, (uint32_t)n + 1);
	ssize_t w = send(fd, &m, sizeof(m.h) + (size_t)n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
}

static void conn_accept(struct sv *sv)
{
	int fd = accept4(sv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && sv->spare_fd >= 0) {
		/* Out of fds: take the client off the queue and close it, or the listening
		 * socket stays readable and the loop spins. */
		close(sv->spare_fd);
		fd = accept4(sv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		sv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return;
	}
	if (fd < 0)
		return;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl)) {
		close(fd);
		return;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		conn_refuse(fd, cred.uid);
		close(fd);
		return;
	}
	if (sv->nconns >= CONNS_MAX) {
		struct conn *idle = conn_idlest(sv);
		if (!idle) {
			close(fd);
			return;
		}
		idle->dead = true; /* closed at the end of this turn, before anyone polls it */
	}
	struct conn *k = calloc(1, sizeof(*k));
	if (!k) {
		close(fd);
		return;
	}
	k->fd = fd;
	k->idle_since_ns = now_ns(CLOCK_MONOTONIC);
	k->next = sv->conns;
	sv->conns = k;
	sv->nconns++;
}

/* ---- container events ---- */

/* Queues a chunk without blocking. When the buffer is full the chunk waits in c->pending and
 * log_fd is not polled, so the pipe pushes back on the container, until the writer thread
 * frees room and signals wake_fd. */
static void container_log_push(struct sv *sv, struct container *c, const char *p, size_t n)
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

static void container_finish(struct sv *sv, struct container *c);

/* A reaped container's record ends once its pipe is at EOF and the writer has written all. */
static void container_maybe_finish(struct sv *sv, struct container *c)
{
	if (c->reaped && !container_ended(c) && c->log_fd < 0 && !c->pending &&
	    atomic_load(&c->log_written) == c->log_pushed)
		container_finish(sv, c);
}

/* One chunk per turn keeps the loop fair. */
static void container_read_log(struct sv *sv, struct container *c)
{
	char buf[LOG_READ_MAX];
	while (c->log_fd >= 0 && !c->pending) {
		ssize_t n = read(c->log_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n > 0) {
			container_log_push(sv, c, buf, (size_t)n);
			return;
		}
		close(c->log_fd);
		c->log_fd = -1;
		container_maybe_finish(sv, c); /* may free c */
		return;
	}
}

/* The writer made progress: retry the waiting chunks, oldest container first, then end the
 * records of reaped containers whose logs are complete. */
static void logs_resume(struct sv *sv)
{
	uint64_t v;
	while (read(sv->wake_fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	struct container *c, *next;
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
		container_maybe_finish(sv, c);
	}
}

static void on_report(void *arg, struct monitor_watch *w, const struct monitor_report *r)
{
	struct sv *sv = arg;
	struct container *c = (struct container *)((char *)w - offsetof(struct container, watch));
	uint32_t type = r->type == MONITOR_REPORT_SOFT ? PROTO_EVENT_SOFT :
			r->type == MONITOR_REPORT_HARD ? PROTO_EVENT_HARD : PROTO_EVENT_OOM;
	if (type != PROTO_EVENT_SOFT)
		c->info.rss_kill_kib = r->rss_bytes >> 10;
	container_peak_update(c);
	event_emit(sv, c, type, r->rss_bytes, r->limit_bytes);
}

static struct monitor_watch *watch_find(void *arg, pid_t pid)
{
	struct sv *sv = arg;
	for (struct container *c = sv->containers; c; c = c->next)
		if (c->watch.pid == pid && container_alive(c))
			return &c->watch;
	return NULL;
}

/* The start report: exec'd (running) or failed (reply the error, hide the record). */
static void container_started(struct sv *sv, struct container *c)
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
		int mrc = monitor_watch_start(&sv->mon, &c->watch, c->info.id);
		/* ESRCH: it has already ended, with nothing left to watch. */
		if (!mrc || mrc == -ESRCH) {
			c->info.state = PROTO_STATE_RUNNING;
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
			 monitor_kind_name(sv->mon.kind), strerror(-mrc));
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

/* A container in the supervisor's memory cgroup (container_in_sv_memcg): its init killed by a
 * SIGKILL that neither the monitor nor a stop sent, while that cgroup's oom_kill counter rose
 * since its start, was the kernel's OOM killer (which counts before it signals). The counter
 * is shared: each rise explains one such end only. */
static void container_oom_check(struct sv *sv, struct container *c)
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

/* Its end is known; the record ends when the log is complete (container_finish). Nothing
 * here waits for the log writer, which may be slow or stuck on another container's file. */
static void container_reaped(struct sv *sv, struct container *c, int status,
			     const struct rusage *ru)
{
	c->reaped = true;
	c->status = status;
	c->ru = *ru;
	if (c->err_fd >= 0)
		container_started(sv, c);
	if (!c->failed) {
		monitor_watch_end(&sv->mon, &c->watch, on_report, sv);
		container_oom_check(sv, c);
		container_peak_update(c);
	}
	atomic_store(&c->draining, true);
	container_maybe_finish(sv, c);
}

static void container_finish(struct sv *sv, struct container *c)
{
	c->info.end_mono_ns = now_ns(CLOCK_MONOTONIC);
	close(c->file_fd);
	c->file_fd = -1;
	cgroup_remove(&c->box);
	if (c->failed) {
		unlink(c->log_path);
		container_free(sv, c);
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
		warn(sv, "container %s: %llu bytes of its output could not be written to %s: %s",
		     i->id, (unsigned long long)atomic_load(&c->log_lost), c->log_path,
		     strerror(log_err));
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
	if (container_forgettable(c))
		container_forget(sv, c);
	else
		state_write(sv, c);
}

static void reap_all(struct sv *sv)
{
	/* The module's records first: a HARD record explains the SIGKILL about to be reaped. */
	if (sv->mon.kind == MONITOR_KMOD)
		monitor_kmod_read(&sv->mon, watch_find, on_report, sv);
	for (;;) {
		int status;
		struct rusage ru;
		pid_t pid = wait4(-1, &status, WNOHANG, &ru);
		if (pid <= 0)
			return;
		for (struct container *c = sv->containers; c; c = c->next) {
			if (c->info.pid == pid && container_alive(c)) {
				container_reaped(sv, c, status, &ru);
				break;
			}
		}
	}
}

/* The monitor's fd is readable: kmod records, or a sampling period has passed. */
static void monitor_run(struct sv *sv)
{
	if (sv->mon.kind == MONITOR_KMOD) {
		monitor_kmod_read(&sv->mon, watch_find, on_report, sv);
		return;
	}
	if (!monitor_timer_ack(&sv->mon))
		return;
	for (struct container *c = sv->containers; c; c = c->next) {
		if (!container_alive(c) || !c->watch.pid)
			continue;
		monitor_sample(&sv->mon, &c->watch, on_report, sv);
		container_peak_update(c);
	}
}

static void shutdown_begin(struct sv *sv)
{
	if (sv->shutting_down) {
		sv->shutdown_kill_at_ns = 1; /* a second signal: kill now */
		return;
	}
	sv->shutting_down = true;
	close(sv->listen_fd);
	sv->listen_fd = -1;
	unlink(sv->o->socket_path);
	sv->shutdown_kill_at_ns =
		now_ns(CLOCK_MONOTONIC) + SUPERVISOR_SHUTDOWN_GRACE_MS * 1000000ull;
	for (struct container *c = sv->containers; c; c = c->next) {
		if (!container_alive(c))
			continue;
		c->stop_requested = !c->failed;
		kill(c->info.pid, SIGTERM);
		if (!c->failed)
			event_emit(sv, c, PROTO_EVENT_STOP, c->watch.rss_bytes, 0);
	}
}

static void signals_read(struct sv *sv)
{
	struct signalfd_siginfo si;
	bool chld = false;
	while (read(sv->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			chld = true;
		else
			shutdown_begin(sv);
	}
	if (chld)
		reap_all(sv);
}

static void deadlines_run(struct sv *sv, uint64_t now)
{
	bool shut_due = sv->shutting_down && now >= sv->shutdown_kill_at_ns;
	for (struct container *c = sv->containers; c; c = c->next) {
		if (!container_alive(c))
			continue;
		if (shut_due || (c->kill_at_ns && now >= c->kill_at_ns)) {
			kill(c->info.pid, SIGKILL);
			c->kill_at_ns = 0;
		}
	}
	if (shut_due)
		sv->shutdown_kill_at_ns = UINT64_MAX; /* sent once; the reaps end the loop */
	for (struct conn *k = sv->conns; k; k = k->next)
		if (k->partial_since_ns && now >= k->partial_since_ns + CONN_PARTIAL_MS * 1000000ull)
			k->dead = true;
}

static int poll_timeout_ms(struct sv *sv, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (struct container *c = sv->containers; c; c = c->next)
		if (container_alive(c) && c->kill_at_ns && c->kill_at_ns < next)
			next = c->kill_at_ns;
	if (sv->shutting_down && sv->shutdown_kill_at_ns < next)
		next = sv->shutdown_kill_at_ns;
	for (struct conn *k = sv->conns; k; k = k->next)
		if (k->partial_since_ns && k->partial_since_ns + CONN_PARTIAL_MS * 1000000ull < next)
			next = k->partial_since_ns + CONN_PARTIAL_MS * 1000000ull;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

static bool any_watched(struct sv *sv)
{
	for (struct container *c = sv->containers; c; c = c->next)
		if (container_alive(c) && c->watch.pid)
			return true;
	return false;
}

static bool any_running(struct sv *sv)
{
	for (struct container *c = sv->containers; c; c = c->next)
		if (!container_ended(c))
			return true;
	return false;
}

enum slot_kind { SLOT_LISTEN, SLOT_SIGNAL, SLOT_MONITOR, SLOT_WAKE, SLOT_CONN, SLOT_START, SLOT_LOG };

static int loop_run(struct sv *sv)
{
	struct pollfd *pfd = NULL;
	struct slot {
		enum slot_kind kind;
		void *obj;
	} *slot = NULL;
	size_t cap = 0;
	int rc = 0;

	while (!sv->shutting_down || any_running(sv)) {
		size_t need = 4;
		for (struct conn *k = sv->conns; k; k = k->next)
			need++;
		for (struct container *c = sv->containers; c; c = c->next)
			need++;
		if (need > cap) {
			cap = need * 2;
			struct pollfd *np = realloc(pfd, cap * sizeof(*pfd));
			if (!np) {
				rc = -ENOMEM;
				break;
			}
			pfd = np;
			struct slot *ns = realloc(slot, cap * sizeof(*slot));
			if (!ns) {
				rc = -ENOMEM;
				break;
			}
			slot = ns;
		}
		size_t n = 0;
#define SLOT(fd_, ev_, kind_, obj_) \
	(pfd[n] = (struct pollfd){.fd = (fd_), .events = (ev_)}, slot[n++] = (struct slot){(kind_), (obj_)})
		SLOT(sv->sig_fd, POLLIN, SLOT_SIGNAL, NULL);
		if (sv->listen_fd >= 0)
			SLOT(sv->listen_fd, POLLIN, SLOT_LISTEN, NULL);
		monitor_timer_set(&sv->mon, any_watched(sv));
		if (monitor_fd(&sv->mon) >= 0)
			SLOT(monitor_fd(&sv->mon), POLLIN, SLOT_MONITOR, NULL);
		SLOT(sv->wake_fd, POLLIN, SLOT_WAKE, NULL);
		for (struct conn *k = sv->conns; k; k = k->next)
			SLOT(k->fd, (conn_busy(k) ? 0 : POLLIN) | (k->out_len ? POLLOUT : 0),
			     SLOT_CONN, k);
		for (struct container *c = sv->containers; c; c = c->next) {
			if (c->err_fd >= 0)
				SLOT(c->err_fd, POLLIN, SLOT_START, c);
			else if (c->log_fd >= 0 && !c->pending)
				SLOT(c->log_fd, POLLIN, SLOT_LOG, c);
		}
#undef SLOT
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		int r = poll(pfd, n, poll_timeout_ms(sv, now));
		if (r < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		deadlines_run(sv, now_ns(CLOCK_MONOTONIC));
		/* Signals first: a reap may free records other slots point to. */
		if (r > 0 && (pfd[0].revents & POLLIN))
			signals_read(sv);
		for (size_t s = 1; r > 0 && s < n; s++) {
			if (!pfd[s].revents)
				continue;
			switch (slot[s].kind) {
			case SLOT_LISTEN:
				if (sv->listen_fd >= 0)
					conn_accept(sv);
				break;
			case SLOT_CONN: {
				struct conn *k = slot[s].obj;
				if (pfd[s].revents & (POLLHUP | POLLERR) && !(pfd[s].revents & POLLIN))
					k->dead = true;
				if (pfd[s].revents & POLLIN)
					conn_read(sv, k);
				break;
			}
			case SLOT_START:
			case SLOT_LOG: {
				struct container *c;
				for (c = sv->containers; c && c != slot[s].obj; c = c->next)
					;
				if (!c)
					break; /* freed by a reap in this turn */
				if (slot[s].kind == SLOT_START && c->err_fd == pfd[s].fd)
					container_started(sv, c);
				else if (slot[s].kind == SLOT_LOG && c->log_fd == pfd[s].fd)
					container_read_log(sv, c);
				break;
			}
			case SLOT_MONITOR:
				monitor_run(sv);
				break;
			case SLOT_WAKE:
				logs_resume(sv);
				break;
			case SLOT_SIGNAL:
				break;
			}
		}
		struct conn *k = sv->conns, *next;
		for (; k; k = next) {
			next = k->next;
			conn_flush(k);
			if (k->dead)
				conn_close(sv, k);
		}
	}
	free(pfd);
	free(slot);
	return rc;
}

/* ---- setup and teardown ---- */

static int socket_open(struct sv *sv, char *err, size_t err_size)
{
	const char *path = sv->o->socket_path;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, err_size, -ENAMETOOLONG, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);

	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return fail(err, err_size, -errno, "creating %s: %s", dir, strerror(errno));
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, err_size, -errno, "socket: %s", strerror(errno));
	struct stat st;
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return fail(err, err_size, -EEXIST, "%s exists and is not a socket", path);
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa));
		if (probe >= 0)
			close(probe);
		if (live) {
			close(fd);
			return fail(err, err_size, -EADDRINUSE,
				    "a supervisor is already running on %s", path);
		}
		unlink(path); /* stale: nobody listens */
	}
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || listen(fd, 64)) {
		rc = -errno;
		close(fd);
		return fail(err, err_size, rc, "binding %s: %s", path, strerror(-rc));
	}
	sv->listen_fd = fd;
	return 0;
}

static void nice_scope_probe(struct sv *sv)
{
	char line[256] = "", cpu_path[200] = "/";
	FILE *f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		bool v1cpu = false;
		for (char *save, *t = strtok_r(ctl + 1, ",", &save); t; t = strtok_r(NULL, ",", &save))
			v1cpu |= !strcmp(t, "cpu");
		if (v1cpu || (sv->cg.cpu.version == 2 && ctl[1] == '\0'))
			snprintf(cpu_path, sizeof(cpu_path), "%s", path);
	}
	if (f)
		fclose(f);
	int autogroup = 0;
	f = fopen("/proc/sys/kernel/sched_autogroup_enabled", "re");
	if (f) {
		if (fscanf(f, "%d", &autogroup) != 1)
			autogroup = 0;
		fclose(f);
	}
	if (strcmp(cpu_path, "/"))
		snprintf(sv->nice_scope, sizeof(sv->nice_scope),
			 "setpriority before exec; all containers without --cpu-weight share the "
			 "supervisor's cpu cgroup %s, so nice ranks them against each other",
			 cpu_path);
	else if (autogroup)
		snprintf(sv->nice_scope, sizeof(sv->nice_scope),
			 "setpriority before exec; containers stay in the supervisor's session "
			 "(no setsid), so they share its autogroup and nice ranks them against "
			 "each other");
	else
		snprintf(sv->nice_scope, sizeof(sv->nice_scope),
			 "setpriority before exec; autogroup is off, so nice ranks all tasks "
			 "in the root cpu group");
}

int supervisor_run(const struct supervisor_opts *o, char *err, size_t err_size)
{
	struct sv sv = {.o = o, .listen_fd = -1, .sig_fd = -1, .wake_fd = -1, .events_file = -1,
			.spare_fd = -1, .self_pidfd = -1, .oom_fd = -1};
	const char *dirs[] = {o->state_dir, o->log_dir};
	for (int i = 0; i < 2; i++) {
		char tmp[PROTO_PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s", dirs[i]);
		for (char *p = tmp + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return fail(err, err_size, -errno, "creating %s: %s", tmp, strerror(errno));
	}
	/* Containers hold several fds each and clients one: use all the fds we may. */
	struct rlimit nofile;
	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	cgroup_detect(&sv.cg);
	int stale = cgroup_reap_stale(&sv.cg);
	nice_scope_probe(&sv);
	int rc = monitor_open(&sv.mon, o->monitor, o->monitor_period_ms, &sv.cg, err, err_size);
	if (rc)
		return rc;
	sv.oom_fd = cgroup_self_oom_open(&sv.cg); /* none: kernel OOM kills read as SIGKILL */

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sv.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sv.sig_fd < 0) {
		rc = fail(err, err_size, -errno, "signalfd: %s", strerror(errno));
		goto out_monitor;
	}
	sv.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sv.wake_fd < 0) {
		rc = fail(err, err_size, -errno, "eventfd: %s", strerror(errno));
		goto out_signals;
	}
	char path[PROTO_PATH_MAX];
	snprintf(path, sizeof(path), "%s/events.jsonl", o->state_dir);
	sv.events_file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sv.events_file < 0) {
		rc = fail(err, err_size, -errno, "events file %s: %s", path, strerror(errno));
		goto out_wake;
	}
	sv.self_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	sv.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	rc = socket_open(&sv, err, err_size);
	if (rc)
		goto out_events;
	rc = logbuf_create(&sv.log, o->log_buffer_bytes, log_sink, &sv.wake_fd);
	if (rc) {
		fail(err, err_size, rc, "starting the log writer: %s", strerror(-rc));
		goto out_socket;
	}
	logbuf_wake_fd_set(sv.log, sv.wake_fd);
	if (o->ready)
		o->ready(sv.mon.how, stale);
	if (access(o->log_dir, W_OK))
		warn(&sv, "log dir %s is not writable (%s): starts will fail until it is", o->log_dir,
		     strerror(errno));

	rc = loop_run(&sv);
	if (rc) {
		fail(err, err_size, rc, "event loop: %s", strerror(-rc));
		/* Nothing may outlive us: kill and reap what is left. */
		struct container *c = sv.containers, *next;
		for (; c; c = next) {
			next = c->next; /* the reap may free c */
			if (!container_alive(c))
				continue;
			kill(c->info.pid, SIGKILL);
			int st;
			struct rusage ru;
			if (wait4(c->info.pid, &st, 0, &ru) == c->info.pid)
				container_reaped(&sv, c, st, &ru);
		}
	}
	while (sv.conns) {
		conn_flush(sv.conns);
		conn_close(&sv, sv.conns);
	}
	logbuf_destroy(sv.log);
	while (sv.containers)
		container_forget(&sv, sv.containers);
	cgroup_cleanup(&sv.cg);
out_socket:
	if (sv.listen_fd >= 0) {
		close(sv.listen_fd);
		unlink(o->socket_path);
	}
out_events:
	if (sv.self_pidfd >= 0)
		close(sv.self_pidfd);
	if (sv.spare_fd >= 0)
		close(sv.spare_fd);
	close(sv.events_file);
out_wake:
	close(sv.wake_fd);
out_signals:
	close(sv.sig_fd);
out_monitor:
	monitor_close(&sv.mon);
	if (sv.oom_fd >= 0)
		close(sv.oom_fd);
	return rc;
}
