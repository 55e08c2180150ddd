/* Helper of engine_wire.sh: sends one malformed message to the supervisor on $HOGLAB_SOCKET
 * and prints "closed" if the supervisor closed that connection, "reply STATUS" if it answered.
 * Usage: engine_wire_probe magic|version|oversize|type|truncated|badpayload */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "protocol.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	const char *how = argv[1], *path = getenv("HOGLAB_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return 1;
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
	struct proto_hdr reply;
	ssize_t n = read(fd, &reply, sizeof(reply));
	/* A close with our unread bytes still queued reaches us as a reset. */
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		printf("closed\n");
	else if (n == (ssize_t)sizeof(reply))
		printf("reply %d\n", reply.status);
	else
		printf("error\n");
	close(fd);
	return 0;
}
