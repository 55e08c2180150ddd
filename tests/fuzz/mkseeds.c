/* Writes the protocol fuzzer's first seeds: one well-formed message of each kind, built with
 * the real encoders, so the fuzzer starts from valid framing. Usage: mkseeds DIR */
#include <stdio.h>
#include <string.h>

#include "runtime/protocol.h"

static int seed_write(const char *dir, const char *name, uint16_t type, const void *payload, int len)
{
	char path[512];
	struct proto_hdr h;
	FILE *f;

	if (len < 0)
		return -1;
	proto_hdr_init(&h, type, 0, (uint32_t)len);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fwrite(&h, sizeof(h), 1, f);
	fwrite(payload, 1, (size_t)len, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	static char buf[8192];
	char *const args[] = { "/cpu_hog", "--work-ms", "100", NULL };
	struct proto_start_req req = { .id = "alpha", .flags = PROTO_START_NICE, .nice = 5,
				       .cpu_weight = 100, .soft_mib = 10, .hard_mib = 20, .argc = 3 };
	struct proto_id_req id = { .id = "beta", .timeout_ms = 5000 };
	struct proto_container c = { .id = "gamma", .pid = 42, .state = PROTO_STATE_EXITED,
				     .cpus = "0-1" };
	struct proto_events_req er = { .after_seq = 3, .flags = PROTO_EVENTS_WAIT };
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	rc |= seed_write(argv[1], "start", PROTO_START, buf,
			 proto_start_encode(buf, sizeof(buf), &req, "/srv/rootfs", "1", args));
	rc |= seed_write(argv[1], "stop", PROTO_STOP, &id, sizeof(id));
	rc |= seed_write(argv[1], "ps", PROTO_PS, buf, 0);
	rc |= seed_write(argv[1], "container", PROTO_WAIT | PROTO_REPLY, buf,
			 proto_container_encode(buf, sizeof(buf), &c, "/var/log/hoglab/gamma.log"));
	rc |= seed_write(argv[1], "events", PROTO_EVENTS, &er, sizeof(er));
	rc |= seed_write(argv[1], "error", PROTO_START | PROTO_REPLY, "no such rootfs", 15);
	if (rc)
		perror("mkseeds");
	return rc ? 1 : 0;
}
