/* The connection layer: accepting clients (peer uid check, a cap with idle eviction), reading
 * length-framed requests into each connection's buffer, and queueing and flushing replies.
 * Every conn belongs to the event-loop thread; a complete request goes to request_dispatch. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "supervisor_int.h"

#define CONNS_MAX      512  /* client connections; past it the longest-idle one is closed */
#define CONN_IN_STEP   4096 /* payload buffers grow with what arrives, from this size */

void conn_queue(struct conn *k, uint16_t type, int32_t status, const void *p, size_t len)
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

void conn_error(struct conn *k, uint16_t type, int err, const char *fmt, ...)
{
	char msg[PROTO_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conn_queue(k, type, err, msg, strlen(msg) + 1);
}

void conn_reply_container(struct conn *k, uint16_t type, const struct ctr_record *c)
{
	char buf[sizeof(struct proto_container) + PROTO_PATH_MAX];
	int len = proto_container_encode(buf, sizeof(buf), &c->info, c->log_path);
	if (len < 0)
		conn_error(k, type, len, "log path too long");
	else
		conn_queue(k, type, 0, buf, (size_t)len);
}

void conn_flush(struct conn *k)
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
		k->idle_since_ns = clock_mono_ns();
	}
}

void conn_close(struct sv *sv, struct conn *k)
{
	for (struct conn **pp = &sv->conns; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	struct ctr_record *c = sv->containers, *next;
	for (; c; c = next) {
		next = c->next;
		if (c->start_conn == k)
			c->start_conn = NULL;
		if (c->hold_conn == k) {
			c->hold_conn = NULL;
			ctr_maybe_forget(sv, c);
		}
	}
	close(k->fd);
	free(k->in);
	free(k->out);
	free(k);
	sv->nconns--;
}

/* A reply is due or still being sent: the next request waits, so that a client that never
 * reads cannot make its replies pile up. */
bool conn_busy(const struct conn *k)
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
void conn_read(struct sv *sv, struct conn *k)
{
	const size_t hl = sizeof(struct proto_hdr);
	while (!conn_busy(k) && !k->dead) {
		if (k->in_len >= hl && k->in_len - hl == k->hdr.length) {
			request_dispatch(sv, k);
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
			k->partial_since_ns = clock_mono_ns();
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

void conn_accept(struct sv *sv)
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
	k->idle_since_ns = clock_mono_ns();
	k->next = sv->conns;
	sv->conns = k;
	sv->nconns++;
}
