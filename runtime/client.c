/* Client side of the control socket (client.h): one request, one reply, blocking. Each
 * struct client owns its fd and error text; nothing is shared, so no locking. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

static int client_fail(struct client *c, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return err;
}

const char *client_socket_path(void)
{
	const char *env = getenv("HOGLAB_SOCKET");
	return env && *env ? env : CLIENT_SOCKET_DEFAULT;
}

const char *client_error(const struct client *c)
{
	return c->error;
}

int client_connect(struct client *c, const char *sock_path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	c->fd = -1;
	c->error[0] = '\0';
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return client_fail(c, -ENAMETOOLONG, "socket path too long: %s", sock_path);
	strcpy(sa.sun_path, sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return client_fail(c, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		/* The socket (or its directory) exists but is not ours to use: a supervisor
		 * may well be running, for root only (socket 0600 in a 0700 directory). */
		if (err == EACCES || err == EPERM)
			return client_fail(c, -err,
					   "socket %s is not accessible to uid %d (%s): the supervisor "
					   "serves root only; run engine as root",
					   sock_path, (int)geteuid(), strerror(err));
		return client_fail(c, -err,
				   "no supervisor on %s (%s); start one with: engine supervisor --socket %s",
				   sock_path, strerror(err), sock_path);
	}
	c->fd = fd;
	return 0;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static int client_send(struct client *c, uint16_t type, const void *req, size_t len)
{
	struct proto_hdr h;
	proto_hdr_init(&h, type, 0, (uint32_t)len);
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)req, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	size_t total = sizeof(h) + len;
	while (total) {
		ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return client_fail(c, -errno, "sending to the supervisor: %s", strerror(errno));
		total -= (size_t)n;
		while (n > 0 && msg.msg_iovlen) {
			size_t step = (size_t)n < msg.msg_iov->iov_len ? (size_t)n : msg.msg_iov->iov_len;
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + step;
			msg.msg_iov->iov_len -= step;
			n -= (ssize_t)step;
			if (!msg.msg_iov->iov_len) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return 0;
}

/* Reads the reply to a request of type; *payload is malloc'd (NUL-terminated for text). */
static int client_recv(struct client *c, uint16_t type, void **payload, size_t *plen)
{
	struct proto_hdr h;
	int rc = read_full(c->fd, &h, sizeof(h));
	if (rc)
		return client_fail(c, rc, "reading the supervisor's reply: %s",
				   rc == -ECONNRESET ? "connection closed" : strerror(-rc));
	rc = proto_hdr_check(&h, true);
	bool refused = h.type == (PROTO_REFUSED | PROTO_REPLY);
	if (rc || (h.type != (type | PROTO_REPLY) && !refused))
		return client_fail(c, -EPROTO, "malformed reply from the supervisor");
	char *buf = malloc(h.length + 1);
	if (!buf)
		return client_fail(c, -ENOMEM, "out of memory");
	rc = read_full(c->fd, buf, h.length);
	if (rc) {
		free(buf);
		return client_fail(c, rc, "reading the supervisor's reply: %s",
				   rc == -ECONNRESET ? "connection closed" : strerror(-rc));
	}
	buf[h.length] = '\0';
	if (h.status < 0) {
		int err = h.status;
		if (proto_text_check(buf, h.length) || !h.length)
			client_fail(c, err, "%s", strerror(-err));
		else
			client_fail(c, err, "%s", buf);
		free(buf);
		return err;
	}
	*payload = buf;
	*plen = h.length;
	return 0;
}

/* A supervisor that refuses this peer sends why and closes, maybe before the request went
 * out: then the refusal is still queued here, and reading it cannot block. */
static int client_send_or_refused(struct client *c, uint16_t type, const void *req, size_t len)
{
	int rc = client_send(c, type, req, len);
	if (rc != -EPIPE && rc != -ECONNRESET)
		return rc;
	char sent_err[sizeof(c->error)];
	memcpy(sent_err, c->error, sizeof(sent_err));
	void *payload;
	size_t plen;
	int rrc = client_recv(c, type, &payload, &plen);
	if (rrc == -EACCES)
		return rrc;
	if (!rrc)
		free(payload);
	memcpy(c->error, sent_err, sizeof(sent_err));
	return rc;
}

static int client_call(struct client *c, uint16_t type, const void *req, size_t len,
		       void **payload, size_t *plen)
{
	int rc = client_send_or_refused(c, type, req, len);
	return rc ? rc : client_recv(c, type, payload, plen);
}

static int id_req_fill(struct client *c, struct proto_id_req *r, const char *id)
{
	memset(r, 0, sizeof(*r));
	if (!id_is_valid(id))
		return client_fail(c, -EINVAL,
				   "invalid ID '%s': 1-%d characters from [A-Za-z0-9_.-], not . or ..",
				   id, PROTO_ID_MAX);
	strcpy(r->id, id);
	return 0;
}

static int container_reply(struct client *c, void *buf, size_t len, struct proto_container *out,
			   char *log_path, size_t log_path_size)
{
	struct proto_container tmp;
	int rc = proto_container_decode(buf, len, out ? out : &tmp, log_path, log_path_size);
	free(buf);
	return rc ? client_fail(c, -EPROTO, "malformed reply from the supervisor") : 0;
}

int client_start(struct client *c, const struct client_start_opts *o, struct proto_container *out,
		 char *log_path, size_t log_path_size)
{
	struct proto_start_req r = {0};
	if (!o->id || !id_is_valid(o->id))
		return client_fail(c, -EINVAL,
				   "invalid ID '%s': 1-%d characters from [A-Za-z0-9_.-], not . or ..",
				   o->id ? o->id : "", PROTO_ID_MAX);
	strcpy(r.id, o->id);
	uint32_t argc = 0;
	while (o->argv && o->argv[argc] && argc <= PROTO_ARGC_MAX)
		argc++;
	if (argc == 0)
		return client_fail(c, -EINVAL, "no command given");
	if (argc > PROTO_ARGC_MAX)
		return client_fail(c, -E2BIG, "more than %d command arguments", PROTO_ARGC_MAX);
	if (o->slice_us && (o->slice_us < PROTO_SLICE_US_MIN || o->slice_us > PROTO_SLICE_US_MAX))
		return client_fail(c, -ERANGE, "--slice-us: %u is out of range %d..%d", o->slice_us,
				   PROTO_SLICE_US_MIN, PROTO_SLICE_US_MAX);
	r.argc = argc;
	r.flags = (o->has_nice ? PROTO_START_NICE : 0) | (o->rm ? PROTO_START_RM : 0) |
		  (o->hold ? PROTO_START_HOLD : 0);
	r.nice = o->has_nice ? o->nice : 0;
	r.cpu_weight = o->cpu_weight;
	r.soft_mib = o->soft_mib;
	r.hard_mib = o->hard_mib;
	r.slice_us = o->slice_us;

	size_t cap = sizeof(r) + PROTO_STRINGS_MAX;
	char *buf = malloc(cap);
	if (!buf)
		return client_fail(c, -ENOMEM, "out of memory");
	int len = proto_start_encode(buf, cap, &r, o->rootfs, o->cpus, o->argv);
	if (len < 0) {
		free(buf);
		return client_fail(c, len, "command line too long (%u bytes at most)",
				   PROTO_STRINGS_MAX);
	}
	void *reply;
	size_t rlen;
	int rc = client_call(c, PROTO_START, buf, (size_t)len, &reply, &rlen);
	free(buf);
	if (rc)
		return rc;
	return container_reply(c, reply, rlen, out, log_path, log_path_size);
}

static int client_id_call(struct client *c, uint16_t type, const char *id, uint32_t flags,
			  uint32_t timeout_ms, void **reply, size_t *rlen)
{
	struct proto_id_req r;
	int rc = id_req_fill(c, &r, id);
	if (rc)
		return rc;
	r.flags = flags;
	r.timeout_ms = timeout_ms;
	return client_call(c, type, &r, sizeof(r), reply, rlen);
}

int client_wait(struct client *c, const char *id, struct proto_container *out)
{
	void *reply;
	size_t rlen;
	int rc = client_id_call(c, PROTO_WAIT, id, 0, 0, &reply, &rlen);
	return rc ? rc : container_reply(c, reply, rlen, out, NULL, 0);
}

int client_wait_begin(struct client *c, const char *id)
{
	struct proto_id_req r;
	int rc = id_req_fill(c, &r, id);
	return rc ? rc : client_send_or_refused(c, PROTO_WAIT, &r, sizeof(r));
}

int client_wait_end(struct client *c, struct proto_container *out)
{
	void *reply;
	size_t rlen;
	int rc = client_recv(c, PROTO_WAIT, &reply, &rlen);
	return rc ? rc : container_reply(c, reply, rlen, out, NULL, 0);
}

int client_stop(struct client *c, const char *id, uint32_t timeout_ms, struct proto_container *out)
{
	void *reply;
	size_t rlen;
	int rc = client_id_call(c, PROTO_STOP, id, 0, timeout_ms, &reply, &rlen);
	return rc ? rc : container_reply(c, reply, rlen, out, NULL, 0);
}

int client_log(struct client *c, const char *id, struct proto_container *out, char *log_path,
	       size_t log_path_size)
{
	void *reply;
	size_t rlen;
	int rc = client_id_call(c, PROTO_LOG, id, 0, 0, &reply, &rlen);
	return rc ? rc : container_reply(c, reply, rlen, out, log_path, log_path_size);
}

int client_rm(struct client *c, const char *id, bool logs)
{
	void *reply;
	size_t rlen;
	int rc = client_id_call(c, PROTO_RM, id, logs ? PROTO_RM_LOGS : 0, 0, &reply, &rlen);
	if (rc)
		return rc;
	free(reply);
	return rlen ? client_fail(c, -EPROTO, "malformed reply from the supervisor") : 0;
}

int client_inspect(struct client *c, const char *id, char **json)
{
	void *reply;
	size_t rlen;
	int rc = client_id_call(c, PROTO_INSPECT, id, 0, 0, &reply, &rlen);
	if (rc)
		return rc;
	if (!rlen || proto_text_check(reply, rlen)) {
		free(reply);
		return client_fail(c, -EPROTO, "malformed reply from the supervisor");
	}
	*json = reply;
	return 0;
}

/* Hands a reply holding an array of records to the caller once decode has validated it:
 * *list is the reply itself (NULL when empty), freed by the caller. */
static int client_array_take(struct client *c, void *reply, size_t rlen,
			     int (*decode)(const void *, size_t, size_t *), void **list, size_t *count)
{
	size_t n;

	if (decode(reply, rlen, &n)) {
		free(reply);
		return client_fail(c, -EPROTO, "malformed reply from the supervisor");
	}
	if (!n) {
		free(reply);
		reply = NULL;
	}
	*list = reply;
	*count = n;
	return 0;
}

int client_ps(struct client *c, struct proto_container **list, size_t *count)
{
	void *reply;
	size_t rlen;
	int rc = client_call(c, PROTO_PS, NULL, 0, &reply, &rlen);
	if (rc)
		return rc;
	return client_array_take(c, reply, rlen, proto_list_decode, (void **)list, count);
}

int client_events(struct client *c, uint64_t after_seq, bool wait, struct proto_event **list,
		  size_t *count)
{
	struct proto_events_req r = {.after_seq = after_seq, .flags = wait ? PROTO_EVENTS_WAIT : 0};
	void *reply;
	size_t rlen;
	int rc = client_call(c, PROTO_EVENTS, &r, sizeof(r), &reply, &rlen);
	if (rc)
		return rc;
	return client_array_take(c, reply, rlen, proto_events_decode, (void **)list, count);
}

int client_stats(struct client *c, const char *id, struct proto_stats *out)
{
	void *reply;
	size_t rlen;
	int rc = client_id_call(c, PROTO_STATS, id, 0, 0, &reply, &rlen);
	if (rc)
		return rc;
	rc = proto_stats_decode(reply, rlen, out);
	free(reply);
	return rc ? client_fail(c, -EPROTO, "malformed reply from the supervisor") : 0;
}

void client_reason_format(const struct proto_container *pc, char *buf, size_t size)
{
	const char *how = pc->term_signal ? "signal" : "exit";
	int val = pc->term_signal ? pc->term_signal : pc->exit_code;
	switch (pc->state) {
	case PROTO_STATE_EXITED:
	case PROTO_STATE_KILLED:
		snprintf(buf, size, "%s %d", how, val);
		break;
	case PROTO_STATE_STOPPED:
		snprintf(buf, size, "%s (%s %d)", proto_state_name(pc->state), how, val);
		break;
	case PROTO_STATE_HARD_LIMIT:
		snprintf(buf, size, "hard-limit (%s %.1f/%u MiB)", proto_monitor_name(pc->monitor),
			 (double)pc->rss_kill_kib / 1024, pc->hard_mib);
		break;
	case PROTO_STATE_OOM:
		snprintf(buf, size, "oom (%.1f MiB)", (double)pc->rss_kill_kib / 1024);
		break;
	default:
		snprintf(buf, size, "-");
		break;
	}
}

int client_exit_status(const struct proto_container *pc)
{
	if (pc->state == PROTO_STATE_HARD_LIMIT || pc->state == PROTO_STATE_OOM)
		return 128 + SIGKILL;
	return pc->term_signal ? 128 + pc->term_signal : pc->exit_code;
}
