/* libFuzzer target: the supervisor's view of a received message. The first 16 bytes are a
 * header, the rest a payload; every decoder must reject or accept it without reading outside
 * it, and an accepted start request or container reply must encode back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/protocol.h"

static void check_start(const uint8_t *p, size_t len)
{
	struct proto_start_view v;
	static uint8_t again[PROTO_PAYLOAD_MAX];

	if (proto_start_decode(p, len, &v) < 0)
		return;
	if (!id_is_valid(v.req.id))
		abort();
	int n = proto_start_encode(again, sizeof(again), &v.req, v.rootfs, v.cpus, (char *const *)v.argv);
	if (n < 0 || (size_t)n != len || memcmp(again, p, len))
		abort();
}

static void check_container(const uint8_t *p, size_t len)
{
	struct proto_container c;
	char path[PROTO_PATH_MAX];
	static uint8_t again[PROTO_PAYLOAD_MAX];

	if (proto_container_decode(p, len, &c, path, sizeof(path)) < 0)
		return;
	if (memchr(path, '\0', sizeof(path)) == NULL)
		abort();
	int n = proto_container_encode(again, sizeof(again), &c, path);
	if (n < 0 || (size_t)n != len || memcmp(again, p, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_hdr h;
	struct proto_id_req id;
	struct proto_events_req er;
	struct proto_stats st;
	size_t count;
	uint64_t mask[4];
	char text[128];

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	proto_hdr_check(&h, false);
	proto_hdr_check(&h, true);

	/* An exact-size copy, so that any read past the payload is caught. */
	size_t len = size - sizeof(h);
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		return 0;
	memcpy(p, data + sizeof(h), len);
	check_start(p, len);
	check_container(p, len);
	proto_id_decode(p, len, h.type, &id);
	proto_list_decode(p, len, &count);
	proto_events_req_decode(p, len, &er);
	proto_events_decode(p, len, &count);
	proto_stats_decode(p, len, &st);
	proto_text_check(p, len);

	size_t t = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
	memcpy(text, p, t);
	text[t] = '\0';
	id_is_valid(text);
	cpulist_parse(text, mask, 255);
	free(p);
	return 0;
}
