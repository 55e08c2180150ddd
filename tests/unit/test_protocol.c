/* Unit test of runtime/protocol: encode/decode round trips, every truncation and bad length
 * rejected, every field validated; ID and CPU-list validation. Single-threaded. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "runtime/protocol.h"

static char buf[sizeof(struct proto_start_req) + PROTO_STRINGS_MAX + 64];

static struct proto_start_req start_req(void)
{
	struct proto_start_req r = {0};
	strcpy(r.id, "alpha-1");
	r.flags = PROTO_START_NICE | PROTO_START_RM;
	r.nice = 10;
	r.cpu_weight = 200;
	r.soft_mib = 10;
	r.hard_mib = 20;
	r.argc = 3;
	r.slice_us = 3000;
	return r;
}

static char *const argv3[] = {"/bin/sh", "-c", "echo hi", NULL};

/* Breaks one field of an encoded start request; the cases are named in test_start(). */
static void start_mutate(int i, struct proto_start_req *q)
{
	switch (i) {
	case 0: strcpy(q->id, "a/b"); break;
	case 1: memset(q->id, 'a', PROTO_ID_SIZE); break;
	case 2: q->id[PROTO_ID_SIZE - 1] = 'z'; break;
	case 3: q->flags |= 0x100; break;
	case 4: q->nice = 20; break;
	case 5: q->nice = -21; break;
	case 6: q->flags &= ~(uint32_t)PROTO_START_NICE; break;
	case 7: q->cpu_weight = 10001; break;
	case 8: q->soft_mib = 30; break;
	case 9: q->argc = 0; break;
	case 10: q->argc = 4; break;
	case 11: q->argc = 2; break;
	case 12: q->argc = 0xffffffffu; break;
	case 13: q->slice_us = PROTO_SLICE_US_MIN - 1; break;
	case 14: q->slice_us = PROTO_SLICE_US_MAX + 1; break;
	case 15: q->slice_us = 0xffffffffu; break;
	case 16: q->pad = 1; break;
	}
}

static void test_start(void)
{
	struct proto_start_req r = start_req();
	int len = proto_start_encode(buf, sizeof(buf), &r, "/srv/rootfs", "0-1", argv3);
	struct proto_start_view v;
	CHECK(len > 0 && proto_start_decode(buf, (size_t)len, &v) == 0, "start request round-trips");
	CHECK(!strcmp(v.req.id, "alpha-1") && v.req.nice == 10 && v.req.cpu_weight == 200 &&
		      v.req.soft_mib == 10 && v.req.hard_mib == 20 && v.req.slice_us == 3000 &&
		      !strcmp(v.rootfs, "/srv/rootfs") &&
		      !strcmp(v.cpus, "0-1") && !strcmp(v.argv[0], "/bin/sh") &&
		      !strcmp(v.argv[2], "echo hi") && v.argv[3] == NULL,
	      "start request fields survive the round trip");

	int bad = 0;
	for (int n = 0; n < len; n++)
		bad += proto_start_decode(buf, (size_t)n, &v) == 0;
	CHECK(bad == 0, "all %d truncations of a start request are rejected", len);
	buf[len] = 'x';
	CHECK(proto_start_decode(buf, (size_t)len + 1, &v) != 0, "a trailing byte is rejected");
	buf[len - 1] = 'x';
	CHECK(proto_start_decode(buf, (size_t)len, &v) != 0, "a missing final NUL is rejected");

	static const char *const cases[] = {
		"bad ID", "unterminated ID", "garbage after the ID's NUL", "unknown flag", "nice 20",
		"nice -21", "nice without its flag", "weight 10001", "soft above hard", "argc 0",
		"argc above the strings", "argc below the strings", "argc huge", "slice 99 us",
		"slice 100001 us", "slice huge", "non-zero padding",
	};
	for (int i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		struct proto_start_req q = start_req();
		len = proto_start_encode(buf, sizeof(buf), &q, "/srv/rootfs", "0-1", argv3);
		start_mutate(i, (struct proto_start_req *)buf);
		CHECK(proto_start_decode(buf, (size_t)len, &v) != 0, "start request with %s rejected",
		      cases[i]);
	}
	static const uint32_t slices_ok[] = {0, PROTO_SLICE_US_MIN, PROTO_SLICE_US_MAX};
	int accepted = 0;
	for (int i = 0; i < 3; i++) {
		r = start_req();
		r.slice_us = slices_ok[i];
		len = proto_start_encode(buf, sizeof(buf), &r, "", "", argv3);
		accepted += proto_start_decode(buf, (size_t)len, &v) == 0 && v.req.slice_us == slices_ok[i];
	}
	CHECK(accepted == 3, "slice 0 (default), %d and %d us accepted", PROTO_SLICE_US_MIN,
	      PROTO_SLICE_US_MAX);
	r = start_req();
	len = proto_start_encode(buf, sizeof(buf), &r, "relative/rootfs", "", argv3);
	CHECK(proto_start_decode(buf, (size_t)len, &v) != 0, "relative rootfs rejected");
	char *const empty_cmd[] = {"", NULL};
	r.argc = 1;
	len = proto_start_encode(buf, sizeof(buf), &r, "", "", empty_cmd);
	CHECK(proto_start_decode(buf, (size_t)len, &v) != 0, "empty command rejected");

	static char big[PROTO_STRINGS_MAX];
	memset(big, 'a', sizeof(big) - 1);
	char *const big_argv[] = {big, NULL};
	CHECK(proto_start_encode(buf, sizeof(buf), &r, "", "", big_argv) == -E2BIG,
	      "strings over PROTO_STRINGS_MAX are refused by the encoder");
}

static void test_id_req(void)
{
	struct proto_id_req r = {0}, out;
	strcpy(r.id, "b_2.x");
	r.timeout_ms = 5000;
	CHECK(proto_id_decode(&r, sizeof(r), PROTO_STOP, &out) == 0 && out.timeout_ms == 5000,
	      "stop request round-trips");
	int bad = 0;
	for (size_t n = 0; n < sizeof(r); n++)
		bad += proto_id_decode(&r, n, PROTO_STOP, &out) == 0;
	CHECK(bad == 0, "all truncations of an ID request are rejected");
	CHECK(proto_id_decode(&r, sizeof(r), PROTO_WAIT, &out) != 0, "timeout outside stop rejected");
	r.timeout_ms = 0;
	r.flags = PROTO_RM_LOGS;
	CHECK(proto_id_decode(&r, sizeof(r), PROTO_RM, &out) == 0, "rm --logs accepted");
	CHECK(proto_id_decode(&r, sizeof(r), PROTO_INSPECT, &out) != 0, "rm flag outside rm rejected");
	r.flags = 2;
	CHECK(proto_id_decode(&r, sizeof(r), PROTO_RM, &out) != 0, "unknown rm flag rejected");
}

static void test_container(void)
{
	struct proto_container c = {0}, out;
	strcpy(c.id, "gamma");
	c.pid = 4242;
	c.state = PROTO_STATE_KILLED;
	c.term_signal = 9;
	c.exit_code = -1;
	c.start_mono_ns = 123456789;
	c.slice_us = 750;
	c.se_slice_ns = 750000;
	strcpy(c.cpus, "0");
	char path[PROTO_PATH_MAX];
	int len = proto_container_encode(buf, sizeof(buf), &c, "/var/log/hoglab/gamma.log");
	CHECK(len > 0 && proto_container_decode(buf, (size_t)len, &out, path, sizeof(path)) == 0 &&
		      !memcmp(&c, &out, sizeof(c)) && !strcmp(path, "/var/log/hoglab/gamma.log"),
	      "container reply round-trips");
	int bad = 0;
	for (int n = 0; n < len; n++)
		bad += proto_container_decode(buf, (size_t)n, &out, path, sizeof(path)) == 0;
	CHECK(bad == 0, "all %d truncations of a container reply are rejected", len);
	((struct proto_container *)buf)->state = PROTO_STATE_COUNT;
	CHECK(proto_container_decode(buf, (size_t)len, &out, path, sizeof(path)) != 0,
	      "unknown state rejected");
	static const uint32_t bad_slices[] = {PROTO_SLICE_US_MIN - 1, PROTO_SLICE_US_MAX + 1};
	for (int i = 0; i < 2; i++) {
		proto_container_encode(buf, sizeof(buf), &c, "/l");
		((struct proto_container *)buf)->slice_us = bad_slices[i];
		CHECK(proto_container_decode(buf, 3 + sizeof(c), &out, NULL, 0) != 0,
		      "container reply with slice %u us rejected", bad_slices[i]);
	}
	proto_container_encode(buf, sizeof(buf), &c, "/l");
	((struct proto_container *)buf)->pad = 1;
	CHECK(proto_container_decode(buf, 3 + sizeof(c), &out, NULL, 0) != 0,
	      "container reply with non-zero padding rejected");

	struct proto_container list[3] = {c, c, c};
	size_t n;
	CHECK(proto_list_decode(list, sizeof(list), &n) == 0 && n == 3, "ps list of 3 decodes");
	CHECK(proto_list_decode(list, sizeof(list) - 1, &n) != 0, "ps list with a partial entry rejected");
	list[1].monitor = PROTO_MONITOR_COUNT;
	CHECK(proto_list_decode(list, sizeof(list), &n) != 0, "ps entry with an unknown monitor rejected");
}

static void test_hdr(void)
{
	struct proto_hdr h;
	proto_hdr_init(&h, PROTO_PS, 0, 0);
	CHECK(proto_hdr_check(&h, false) == 0, "valid request header accepted");
	CHECK(proto_hdr_check(&h, true) != 0, "request header refused where a reply is due");
	h.magic ^= 1;
	CHECK(proto_hdr_check(&h, false) == -EBADMSG, "bad magic rejected");
	proto_hdr_init(&h, PROTO_PS, 0, 0);
	h.version = PROTO_VERSION + 1;
	CHECK(proto_hdr_check(&h, false) == -EPROTONOSUPPORT, "other version rejected");
	proto_hdr_init(&h, PROTO_PS, 0, PROTO_PAYLOAD_MAX + 1);
	CHECK(proto_hdr_check(&h, false) == -EMSGSIZE, "oversized length rejected");
	proto_hdr_init(&h, 0x0199, 0, 0);
	CHECK(proto_hdr_check(&h, false) != 0, "unknown type rejected");
	proto_hdr_init(&h, PROTO_PS, -1, 0);
	CHECK(proto_hdr_check(&h, false) != 0, "status in a request rejected");
	proto_hdr_init(&h, PROTO_PS | PROTO_REPLY, -ENOENT, 0);
	CHECK(proto_hdr_check(&h, true) == 0, "error reply accepted");
	proto_hdr_init(&h, PROTO_PS | PROTO_REPLY, 1, 0);
	CHECK(proto_hdr_check(&h, true) != 0, "positive reply status rejected");
	CHECK(proto_text_check("ab", 3) == 0 && proto_text_check("ab", 2) != 0 &&
		      proto_text_check("a\0b", 4) != 0,
	      "text payloads need exactly one NUL, at the end");
}

static void test_ids(void)
{
	const char *good[] = {"a", "alpha", "A-b_c.9", "..a", "-", "12345678901234567890123456789012"};
	const char *bad[] = {"", ".", "..", "a/b", "a b", "ä", "123456789012345678901234567890123",
			     "a\n", "*"};
	int ok = 0;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok += id_is_valid(good[i]);
	CHECK(ok == sizeof(good) / sizeof(good[0]), "valid IDs (up to 32 characters) accepted");
	int wrong = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (id_is_valid(bad[i])) {
			printf("# accepted: '%s'\n", bad[i]);
			wrong++;
		}
	CHECK(wrong == 0, "empty, ., .., 33 characters and characters outside [A-Za-z0-9_.-] rejected");
}

static void test_cpulist(void)
{
	uint64_t m[2];
	CHECK(cpulist_parse("0-1,3", m, 127) == 0 && m[0] == 0xb, "0-1,3 -> CPUs 0, 1, 3");
	CHECK(cpulist_parse("70", m, 127) == 0 && m[1] == 1ull << 6, "70 lands in the second word");
	const char *bad[] = {"", "a", "1-", "-1", "3-1", "1,", ",1", "1,,2", "0 1"};
	int wrong = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		wrong += cpulist_parse(bad[i], m, 127) == 0;
	CHECK(wrong == 0, "malformed CPU lists rejected");
	CHECK(cpulist_parse("128", m, 127) == -ERANGE, "a CPU past the maximum is -ERANGE");
}

int main(void)
{
	test_start();
	test_id_req();
	test_container();
	test_hdr();
	test_ids();
	test_cpulist();
	return check_exit();
}
