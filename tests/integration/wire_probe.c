/* Helper of engine_wire.sh and ci/stress.sh: speaks bad protocol to the supervisor on
 * $HOGLAB_SOCKET and prints what the supervisor did: "closed" (it dropped the connection),
 * "reply STATUS" (it answered), or for the timed modes how long it took. Single-threaded.
 * Usage: engine_wire_probe magic|version|oversize|type|truncated|badpayload|nonul
 *        engine_wire_probe empty          sends nothing, then EOF: "closed after N ms" once the
 *                                         supervisor closes its end, "open after 5000 ms" if not
 *        engine_wire_probe slow|stalled   one byte a second / a header promising a huge payload
 *        engine_wire_probe idle N         holds N idle connections until stdin ends, then
 *                                         prints how many the supervisor closed meanwhile
 *        engine_wire_probe hangup ID      a start request for ID, closed before the reply */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runtime/protocol.h"

static int probe_connect(void)
{
	const char *path = getenv("HOGLAB_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* What the supervisor answered on fd: a reply header, or a close. */
static void probe_outcome(int fd)
{
	struct proto_hdr reply;
	ssize_t n = read(fd, &reply, sizeof(reply));
	/* A close with our unread bytes still queued reaches us as a reset. */
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		printf("closed\n");
	else if (n == (ssize_t)sizeof(reply))
		printf("reply %d\n", reply.status);
	else
		printf("error\n");
}

/* A start request whose last string has no NUL. */
static int probe_nonul(int fd)
{
	struct {
		struct proto_hdr h;
		struct proto_start_req r;
		char s[8];
	} m = {0};
	proto_hdr_init(&m.h, PROTO_START, 0, sizeof(m.r) + sizeof(m.s));
	strcpy(m.r.id, "nonul");
	m.r.argc = 1;
	memcpy(m.s, "\0\0/bin/sh", sizeof(m.s)); /* rootfs "", cpus "", then "/bin/s" unended */
	if (write(fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		return 1;
	probe_outcome(fd);
	return 0;
}

/* Sends a valid ps request one byte a second until the supervisor hangs up. */
static int probe_slow(int fd)
{
	struct proto_hdr h;
	proto_hdr_init(&h, PROTO_PS, 0, 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < sizeof(h); i++) {
		if (send(fd, (char *)&h + i, 1, MSG_NOSIGNAL) != 1)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1000) > 0)
			break;
	}
	char b;
	ssize_t n = read(fd, &b, 1);
	printf("%s after %ld ms\n", n <= 0 ? "closed" : "answered", ms_since(&t0));
	return 0;
}

/* No byte at all, then our EOF: the supervisor must close its end (a read of 0 here) within
 * 5 s, however it polls. */
static int probe_empty(int fd)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (shutdown(fd, SHUT_WR))
		return 1;
	long left;
	while ((left = 5000 - ms_since(&t0)) > 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		char b;
		ssize_t n = read(fd, &b, 1);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			printf("closed after %ld ms\n", ms_since(&t0));
			return 0;
		}
		printf("%s\n", n > 0 ? "answered" : "error");
		return 0;
	}
	printf("open after %ld ms\n", ms_since(&t0));
	return 0;
}

/* A header promising PROTO_PAYLOAD_MAX bytes, then a few, then nothing. */
static int probe_stalled(int fd)
{
	struct proto_hdr h;
	proto_hdr_init(&h, PROTO_START, 0, PROTO_PAYLOAD_MAX);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char some[100] = {0};
	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || write(fd, some, sizeof(some)) < 0)
		return 1;
	char b;
	ssize_t n = read(fd, &b, 1);
	printf("%s after %ld ms\n", n <= 0 ? "closed" : "answered", ms_since(&t0));
	return 0;
}

static int probe_idle(int count)
{
	int *fds = calloc((size_t)count, sizeof(int));
	int open_n = 0;
	for (int i = 0; fds && i < count; i++)
		if ((fds[i] = probe_connect()) >= 0)
			open_n++;
	printf("open %d\n", open_n);
	fflush(stdout);
	char b;
	while (read(0, &b, 1) > 0)
		;
	int closed = 0;
	for (int i = 0; fds && i < count; i++) {
		if (fds[i] < 0)
			continue;
		struct pollfd p = {.fd = fds[i], .events = POLLIN};
		if (poll(&p, 1, 0) > 0 && read(fds[i], &b, 1) <= 0)
			closed++;
		close(fds[i]);
	}
	printf("closed %d\n", closed);
	free(fds);
	return 0;
}

static int probe_hangup(int fd, const char *id)
{
	char buf[sizeof(struct proto_hdr) + sizeof(struct proto_start_req) + 64];
	struct proto_start_req r = {.argc = 2};
	snprintf(r.id, sizeof(r.id), "%s", id);
	char *argv[] = {"/bin/sleep", "1", NULL};
	int len = proto_start_encode(buf + sizeof(struct proto_hdr), sizeof(buf) - sizeof(struct proto_hdr),
				     &r, "", "", argv);
	if (len < 0)
		return 1;
	proto_hdr_init((struct proto_hdr *)buf, PROTO_START, 0, (uint32_t)len);
	size_t total = sizeof(struct proto_hdr) + (size_t)len;
	if (write(fd, buf, total) != (ssize_t)total)
		return 1;
	printf("hung up\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *how = argv[1];
	if (!strcmp(how, "idle") && argc == 3)
		return probe_idle(atoi(argv[2]));
	int fd = probe_connect();
	if (fd < 0)
		return 1;
	int rc = 0;
	if (!strcmp(how, "empty"))
		rc = probe_empty(fd);
	else if (!strcmp(how, "nonul"))
		rc = probe_nonul(fd);
	else if (!strcmp(how, "slow"))
		rc = probe_slow(fd);
	else if (!strcmp(how, "stalled"))
		rc = probe_stalled(fd);
	else if (!strcmp(how, "hangup") && argc == 3)
		rc = probe_hangup(fd, argv[2]);
	else {
		struct {
			struct proto_hdr h;
			struct proto_id_req r;
		} m = {0};
		proto_hdr_init(&m.h, PROTO_INSPECT, 0, sizeof(m.r));
		strcpy(m.r.id, "x");
		size_t len = sizeof(m);
		if (!strcmp(how, "magic"))
			m.h.magic = 0xdeadbeef;
		else if (!strcmp(how, "version"))
			m.h.version = 99;
		else if (!strcmp(how, "oversize"))
			m.h.length = PROTO_PAYLOAD_MAX + 1;
		else if (!strcmp(how, "type"))
			m.h.type = 0x0177;
		else if (!strcmp(how, "truncated"))
			len = sizeof(m) - 5;
		else if (!strcmp(how, "badpayload"))
			strcpy(m.r.id, "../x");
		else
			return 2;
		if (write(fd, &m, len) != (ssize_t)len)
			return 1;
		if (!strcmp(how, "truncated"))
			shutdown(fd, SHUT_WR);
		probe_outcome(fd);
	}
	close(fd);
	return rc;
}
