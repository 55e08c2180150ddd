/* The supervisor (supervisor.h): a poll loop over the listening socket, client connections,
 * a signalfd (SIGCHLD, SIGTERM, SIGINT), and each container's start-report and log pipes.
 * All records below belong to that one thread; the logbuf writer only sees log_fd via tags,
 * and a container's log is flushed before its record or log_fd goes away. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
_Static_assert(CONTAINERS_MAX * sizeof(struct proto_container) <= PROTO_PAYLOAD_MAX, "ps fits");

struct conn;

struct container {
	struct container *next;
	struct proto_container info;
	char *rootfs;
	char **argv;
	char log_path[PROTO_PATH_MAX];
	char cgroup[700]; /* "" when it has no cgroup of its own */
	int err_fd;       /* start report pipe, -1 once read */
	int log_fd;       /* read end of stdout/stderr pipe, -1 at EOF */
	int file_fd;      /* the log file, written by the logbuf writer thread */
	bool failed;      /* setup failed: hidden, freed at the reap */
	bool stop_requested;
	uint64_t kill_at_ns; /* SIGKILL deadline of a stop, 0 = none */
	struct conn *start_conn;
	struct conn *hold_conn;
};

struct conn {
	struct conn *next;
	int fd;
	struct proto_hdr hdr;
	char *in;        /* header, then payload once hdr is known */
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	struct container *waiting; /* a WAIT or STOP reply is due when this one ends */
	uint16_t waiting_type;
	bool starting;   /* a START reply is due */
	bool dead;
};

struct sv {
	const struct supervisor_opts *o;
	int listen_fd;
	int sig_fd;
	struct logbuf *log;
	struct cgroup_cpu cg;
	char nice_scope[256];
	struct container *containers;
	struct conn *conns;
	bool shutting_down;
	uint64_t shutdown_kill_at_ns;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

static int log_sink(void *sink_arg, void *tag, const void *data, size_t len)
{
	(void)sink_arg;
	const struct container *c = tag;
	const char *p = data;
	while (len) {
		ssize_t n = write(c->file_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
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
	if (c->cgroup[0]) {
		char scope[900];
		snprintf(scope, sizeof(scope),
			 "setpriority before exec; ranks only among this container's own tasks, "
			 "as it has its own cpu cgroup %s",
			 c->cgroup);
		sb_json_str(b, scope);
	} else {
		sb_json_str(b, sv->nice_scope);
	}
	sb_add(b, ",\"cpus\":\"%s\",", i->cpus[0] ? i->cpus : "all");
	if (i->cpu_weight) {
		char desc[64];
		cgroup_cpu_describe(&sv->cg, i->cpu_weight, desc, sizeof(desc));
		sb_add(b, "\"cpu_weight\":%u,\"cpu_cgroup\":", i->cpu_weight);
		sb_json_str(b, c->cgroup);
		sb_add(b, ",\"cpu_cgroup_setting\":\"%s\",", desc);
	} else {
		sb_add(b, "\"cpu_weight\":null,\"cpu_cgroup\":null,");
	}
	sb_add(b, "\"soft_mib\":%u,\"hard_mib\":%u,\"memory_monitor\":\"%s\",", i->soft_mib,
	       i->hard_mib, monitor_kind_name(sv->o->monitor));
	sb_add(b, "\"memory_enforcement\":\"none: limits are stored, not enforced (issue 4)\",");
	sb_add(b, "\"rss_peak_kib\":%llu,\"log_path\":", (unsigned long long)i->rss_peak_kib);
	sb_json_str(b, c->log_path);
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
	if (k->out_off == k->out_len) {
		free(k->out);
		k->out = NULL;
		k->out_len = k->out_off = 0;
	}
}

/* --rm records go once ended and no holding client still has to wait for them. */
static void container_maybe_forget(struct sv *sv, struct container *c)
{
	if (container_ended(c) && (c->info.flags & PROTO_START_RM) && !c->hold_conn)
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
	struct stat st;
	if (stat(v.rootfs, &st)) {
		conn_error(k, PROTO_START, -errno, "rootfs %s: %s", v.rootfs, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		conn_error(k, PROTO_START, -ENOTDIR, "rootfs %s is not a directory", v.rootfs);
		return;
	}
	struct container_spec spec = {.id = r->id, .rootfs = v.rootfs, .argv = (char *const *)v.argv,
				      .has_nice = r->flags & PROTO_START_NICE, .nice = r->nice,
				      .cgroup_procs_fd = -1};
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
	}

	struct container *c = calloc(1, sizeof(*c));
	if (!c) {
		conn_error(k, PROTO_START, -ENOMEM, "out of memory");
		return;
	}
	c->err_fd = c->log_fd = c->file_fd = -1;
	struct proto_container *i = &c->info;
	memcpy(i->id, r->id, PROTO_ID_SIZE);
	i->state = PROTO_STATE_STARTING;
	i->exit_code = -1;
	i->nice = r->nice;
	i->cpu_weight = r->cpu_weight;
	i->soft_mib = r->soft_mib;
	i->hard_mib = r->hard_mib;
	i->flags = r->flags;
	snprintf(i->cpus, sizeof(i->cpus), "%s", v.cpus);
	snprintf(c->log_path, sizeof(c->log_path), "%s/%s.log", sv->o->log_dir, r->id);
	int log_pipe[2] = {-1, -1}, rc;
	if ((rc = argv_copy(c, &v))) {
		conn_error(k, PROTO_START, rc, "out of memory");
		goto out_free;
	}
	c->file_fd = open(c->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC |
				       O_NOFOLLOW, 0640);
	if (c->file_fd < 0) {
		rc = -errno;
		conn_error(k, PROTO_START, rc, "log file %s: %s", c->log_path, strerror(errno));
		goto out_free;
	}
	if (r->cpu_weight) {
		rc = cgroup_cpu_create(&sv->cg, r->id, r->cpu_weight, c->cgroup, sizeof(c->cgroup),
				       &spec.cgroup_procs_fd);
		if (rc) {
			conn_error(k, PROTO_START, rc, "cpu cgroup for --cpu-weight: %s%s",
				   strerror(-rc), sv->cg.version ? "" : " (no cpu controller mounted)");
			c->cgroup[0] = '\0';
			goto out_unlink;
		}
	}
	if (pipe2(log_pipe, O_CLOEXEC)) {
		rc = -errno;
		conn_error(k, PROTO_START, rc, "pipe: %s", strerror(errno));
		goto out_cgroup;
	}
	fcntl(log_pipe[0], F_SETFL, O_NONBLOCK);
	spec.log_fd = log_pipe[1];
	i->start_real_ns = now_ns(CLOCK_REALTIME);
	i->start_mono_ns = now_ns(CLOCK_MONOTONIC);
	pid_t pid;
	rc = container_spawn(&spec, &pid, &c->err_fd);
	close(log_pipe[1]);
	if (spec.cgroup_procs_fd >= 0)
		close(spec.cgroup_procs_fd);
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
	return;

out_cgroup:
	if (c->cgroup[0])
		cgroup_cpu_remove(c->cgroup);
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
			struct container tmp = {.info = {.exit_code = -1}};
			memcpy(tmp.info.id, r.id, PROTO_ID_SIZE);
			snprintf(tmp.log_path, sizeof(tmp.log_path), "%s/%s.log", sv->o->log_dir,
				 r.id);
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
		if (!c->stop_requested) {
			c->stop_requested = true;
			uint64_t now = now_ns(CLOCK_MONOTONIC);
			c->kill_at_ns = now + (uint64_t)r.timeout_ms * 1000000ull;
			kill(c->info.pid, r.timeout_ms ? SIGTERM : SIGKILL);
		}
		k->waiting = c;
		k->waiting_type = type;
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
	const char *p = k->in + sizeof(struct proto_hdr);
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
	default:
		handle_id(sv, k, k->hdr.type, p, len);
		break;
	}
}

static bool conn_busy(const struct conn *k)
{
	return k->waiting || k->starting;
}

/* Reads what is there; a malformed, truncated or oversized message kills this connection. */
static void conn_read(struct sv *sv, struct conn *k)
{
	for (;;) {
		if (conn_busy(k) || k->dead)
			return;
		size_t want = sizeof(struct proto_hdr);
		if (k->in_len >= want)
			want += k->hdr.length;
		if (!k->in) {
			k->in = malloc(sizeof(struct proto_hdr) + PROTO_PAYLOAD_MAX);
			if (!k->in) {
				k->dead = true;
				return;
			}
		}
		if (k->in_len < want) {
			ssize_t n = recv(k->fd, k->in + k->in_len, want - k->in_len, MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return;
			if (n <= 0) {
				k->dead = true;
				return;
			}
			k->in_len += (size_t)n;
			if (k->in_len == sizeof(struct proto_hdr)) {
				memcpy(&k->hdr, k->in, sizeof(k->hdr));
				if (proto_hdr_check(&k->hdr, false)) {
					k->dead = true;
					return;
				}
			}
			if (k->in_len < sizeof(struct proto_hdr) ||
			    k->in_len < sizeof(struct proto_hdr) + k->hdr.length)
				continue;
		}
		conn_dispatch(sv, k);
		k->in_len = 0;
	}
}

static void conn_accept(struct sv *sv)
{
	int fd = accept4(sv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		close(fd);
		return;
	}
	struct conn *k = calloc(1, sizeof(*k));
	if (!k) {
		close(fd);
		return;
	}
	k->fd = fd;
	k->next = sv->conns;
	sv->conns = k;
}

/* ---- container events ---- */

static void container_read_log(struct sv *sv, struct container *c, bool to_eof)
{
	char buf[LOG_READ_MAX];
	while (c->log_fd >= 0) {
		ssize_t n = read(c->log_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && !to_eof)
			return;
		if (n <= 0) {
			close(c->log_fd);
			c->log_fd = -1;
			return;
		}
		logbuf_push(sv->log, c, buf, (size_t)n);
		if (!to_eof)
			return; /* one chunk per turn keeps the loop fair */
	}
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
		c->info.state = PROTO_STATE_RUNNING;
		if (k)
			conn_reply_container(k, PROTO_START, c);
		state_write(sv, c);
		return;
	}
	if (rc < 0) {
		e.err = -rc;
		snprintf(e.msg, sizeof(e.msg), "reading the start report: %s", strerror(-rc));
	}
	c->failed = true;
	c->hold_conn = NULL;
	kill(c->info.pid, SIGKILL);
	if (k)
		conn_error(k, PROTO_START, -e.err, "%s", e.msg);
}

static void container_reaped(struct sv *sv, struct container *c, int status)
{
	c->info.end_mono_ns = now_ns(CLOCK_MONOTONIC);
	if (c->err_fd >= 0)
		container_started(sv, c);
	if (c->failed) {
		if (c->cgroup[0])
			cgroup_cpu_remove(c->cgroup);
		unlink(c->log_path);
		container_free(sv, c);
		return;
	}
	/* Every writer of the pipe is gone with the PID namespace: read it to EOF, then make
	 * the file complete before anyone hears of the end. */
	container_read_log(sv, c, true);
	logbuf_flush(sv->log);
	close(c->file_fd);
	c->file_fd = -1;
	if (c->cgroup[0])
		cgroup_cpu_remove(c->cgroup);

	struct proto_container *i = &c->info;
	if (WIFEXITED(status)) {
		i->exit_code = WEXITSTATUS(status);
		i->state = PROTO_STATE_EXITED;
	} else {
		i->term_signal = WTERMSIG(status);
		i->state = PROTO_STATE_KILLED;
	}
	if (c->stop_requested)
		i->state = PROTO_STATE_STOPPED;
	c->kill_at_ns = 0;
	state_write(sv, c);

	for (struct conn *k = sv->conns; k; k = k->next) {
		if (k->waiting != c)
			continue;
		conn_reply_container(k, k->waiting_type, c);
		k->waiting = NULL;
		if (c->hold_conn == k && k->waiting_type == PROTO_WAIT)
			c->hold_conn = NULL;
	}
	container_maybe_forget(sv, c);
}

static void reap_all(struct sv *sv)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			return;
		for (struct container *c = sv->containers; c; c = c->next) {
			if (c->info.pid == pid && !container_ended(c)) {
				container_reaped(sv, c, status);
				break;
			}
		}
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
		if (container_ended(c))
			continue;
		c->stop_requested = !c->failed;
		kill(c->info.pid, SIGTERM);
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
		if (container_ended(c))
			continue;
		if (shut_due || (c->kill_at_ns && now >= c->kill_at_ns)) {
			kill(c->info.pid, SIGKILL);
			c->kill_at_ns = 0;
		}
	}
	if (shut_due)
		sv->shutdown_kill_at_ns = UINT64_MAX; /* sent once; the reaps end the loop */
}

static int poll_timeout_ms(struct sv *sv, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (struct container *c = sv->containers; c; c = c->next)
		if (!container_ended(c) && c->kill_at_ns && c->kill_at_ns < next)
			next = c->kill_at_ns;
	if (sv->shutting_down && sv->shutdown_kill_at_ns < next)
		next = sv->shutdown_kill_at_ns;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

static bool any_running(struct sv *sv)
{
	for (struct container *c = sv->containers; c; c = c->next)
		if (!container_ended(c))
			return true;
	return false;
}

enum slot_kind { SLOT_LISTEN, SLOT_SIGNAL, SLOT_CONN, SLOT_START, SLOT_LOG };

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
		size_t need = 2;
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
		for (struct conn *k = sv->conns; k; k = k->next)
			SLOT(k->fd, (conn_busy(k) ? 0 : POLLIN) | (k->out_len ? POLLOUT : 0),
			     SLOT_CONN, k);
		for (struct container *c = sv->containers; c; c = c->next) {
			if (c->err_fd >= 0)
				SLOT(c->err_fd, POLLIN, SLOT_START, c);
			else if (c->log_fd >= 0)
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
					container_read_log(sv, c, false);
				break;
			}
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
		if (v1cpu || (sv->cg.version == 2 && ctl[1] == '\0'))
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
	struct sv sv = {.o = o, .listen_fd = -1, .sig_fd = -1};
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
	cgroup_cpu_detect(&sv.cg);
	nice_scope_probe(&sv);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sv.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sv.sig_fd < 0)
		return fail(err, err_size, -errno, "signalfd: %s", strerror(errno));
	int rc = socket_open(&sv, err, err_size);
	if (rc) {
		close(sv.sig_fd);
		return rc;
	}
	rc = logbuf_create(&sv.log, o->log_buffer_bytes, log_sink, NULL);
	if (rc) {
		close(sv.listen_fd);
		unlink(o->socket_path);
		close(sv.sig_fd);
		return fail(err, err_size, rc, "starting the log writer: %s", strerror(-rc));
	}

	rc = loop_run(&sv);
	if (rc) {
		fail(err, err_size, rc, "event loop: %s", strerror(-rc));
		/* Nothing may outlive us: kill and reap what is left. */
		struct container *c = sv.containers, *next;
		for (; c; c = next) {
			next = c->next; /* the reap may free c */
			if (container_ended(c))
				continue;
			kill(c->info.pid, SIGKILL);
			int st;
			if (waitpid(c->info.pid, &st, 0) == c->info.pid)
				container_reaped(&sv, c, st);
		}
	}
	while (sv.conns) {
		conn_flush(sv.conns);
		conn_close(&sv, sv.conns);
	}
	logbuf_destroy(sv.log);
	while (sv.containers)
		container_forget(&sv, sv.containers);
	cgroup_cpu_cleanup(&sv.cg);
	if (sv.listen_fd >= 0) {
		close(sv.listen_fd);
		unlink(o->socket_path);
	}
	close(sv.sig_fd);
	return rc;
}
