/* Control protocol between the engine's clients (client.c) and its supervisor: a fixed,
 * versioned header, then a bounded payload whose layout is set by the type. The receiver
 * validates every field with the decoders below; they keep no state and take no locks. */
#ifndef HOGLAB_PROTOCOL_H
#define HOGLAB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC       0x484f474cu /* "HOGL" */
#define PROTO_VERSION     1
#define PROTO_PAYLOAD_MAX (256u * 1024) /* any message, either direction */
#define PROTO_ID_MAX      32            /* characters of a container ID, without the NUL */
#define PROTO_ID_SIZE     40            /* its field: NUL-terminated and NUL-padded */
#define PROTO_CPUS_SIZE   64            /* a CPU list such as "0-1,3", NUL-terminated */
#define PROTO_STRINGS_MAX (16u * 1024)  /* rootfs, CPU list and argv of a start request */
#define PROTO_ARGC_MAX    256
#define PROTO_ERR_MAX     256           /* an error reply's message, with its NUL */
#define PROTO_PATH_MAX    4096

/* Requests are 0x01xx; the reply to a request has the same type with PROTO_REPLY set. */
enum proto_type {
	PROTO_START   = 0x0101, /* proto_start_req + strings -> proto_container + log path */
	PROTO_WAIT    = 0x0102, /* proto_id_req -> proto_container + log path, once it has ended */
	PROTO_STOP    = 0x0103, /* proto_id_req (timeout_ms) -> proto_container + log path, once ended */
	PROTO_RM      = 0x0104, /* proto_id_req (PROTO_RM_LOGS) -> empty */
	PROTO_PS      = 0x0105, /* empty -> proto_container[N] */
	PROTO_INSPECT = 0x0106, /* proto_id_req -> JSON text with its NUL */
	PROTO_LOG     = 0x0107, /* proto_id_req -> proto_container (state UNKNOWN if forgotten) + log path */
	PROTO_REPLY   = 0x8000,
};

/* Every message starts with this. status is 0 in requests; in replies 0 or -errno, and an
 * error reply's payload is a NUL-terminated one-line message (possibly empty). */
struct proto_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t length; /* payload bytes that follow, <= PROTO_PAYLOAD_MAX */
	int32_t status;
};
_Static_assert(sizeof(struct proto_hdr) == 16, "proto_hdr is wire format");

enum proto_start_flags {
	PROTO_START_NICE = 1u << 0, /* nice is set; otherwise the supervisor's nice is inherited */
	PROTO_START_RM   = 1u << 1, /* forget the container when it ends (its log stays) */
	PROTO_START_HOLD = 1u << 2, /* keep an --rm record until this connection has waited or closed */
	PROTO_START_ALL  = 0x7,
};

/* Followed by exactly 2 + argc NUL-terminated strings, PROTO_STRINGS_MAX bytes at most:
 * the rootfs (absolute path, or "" for the supervisor's default), the CPU list ("" = any),
 * then argv. Limits in MiB, 0 = none; cpu_weight 1..10000 (cgroup v2 units), 0 = none. */
struct proto_start_req {
	char id[PROTO_ID_SIZE];
	uint32_t flags;
	int32_t nice; /* -20..19 */
	uint32_t cpu_weight;
	uint32_t soft_mib;
	uint32_t hard_mib;
	uint32_t argc; /* 1..PROTO_ARGC_MAX */
};
_Static_assert(sizeof(struct proto_start_req) == 64, "proto_start_req is wire format");

enum proto_id_flags {
	PROTO_RM_LOGS = 1u << 0, /* rm: delete the log file too */
	PROTO_ID_ALL  = 0x1,
};

struct proto_id_req {
	char id[PROTO_ID_SIZE];
	uint32_t flags;
	uint32_t timeout_ms; /* stop: grace period between SIGTERM and SIGKILL */
};
_Static_assert(sizeof(struct proto_id_req) == 48, "proto_id_req is wire format");

enum proto_state {
	PROTO_STATE_UNKNOWN    = 0, /* not (or no longer) known to the supervisor */
	PROTO_STATE_STARTING   = 1,
	PROTO_STATE_RUNNING    = 2,
	PROTO_STATE_EXITED     = 3, /* exit_code */
	PROTO_STATE_KILLED     = 4, /* term_signal */
	PROTO_STATE_HARD_LIMIT = 5, /* killed by the memory monitor */
	PROTO_STATE_OOM        = 6, /* killed by the kernel's memory cgroup */
	PROTO_STATE_STOPPED    = 7, /* by engine stop; exit_code or term_signal says how it went */
	PROTO_STATE_COUNT,
};

/* What the supervisor knows of one container. Times are the supervisor's clocks: monotonic
 * from just before clone to the reap (end 0 while running), and the wall clock at start. */
struct proto_container {
	char id[PROTO_ID_SIZE];
	int32_t pid;         /* host PID of the container's init */
	uint32_t state;      /* enum proto_state */
	int32_t exit_code;   /* -1 unless it exited */
	int32_t term_signal; /* 0 unless a signal ended it */
	int32_t nice;
	uint32_t cpu_weight;
	uint32_t soft_mib;
	uint32_t hard_mib;
	uint64_t start_mono_ns;
	uint64_t end_mono_ns;
	uint64_t start_real_ns;
	uint64_t rss_peak_kib; /* 0 until a memory monitor reports one */
	uint32_t flags;        /* proto_start_flags it was started with */
	uint32_t pad;
	char cpus[PROTO_CPUS_SIZE];
};
_Static_assert(sizeof(struct proto_container) == 176, "proto_container is wire format");

/* A start request once decoded: pointers into the received payload. */
struct proto_start_view {
	struct proto_start_req req;
	const char *rootfs;
	const char *cpus;
	const char *argv[PROTO_ARGC_MAX + 1]; /* NULL-terminated */
};

bool proto_type_is_request(uint16_t type);
/* Checks magic, version, type, length and status of a received header. */
int proto_hdr_check(const struct proto_hdr *h, bool want_reply);
void proto_hdr_init(struct proto_hdr *h, uint16_t type, int32_t status, uint32_t length);

/* Encoders return the payload length written into buf (at most cap) or -errno. */
int proto_start_encode(void *buf, size_t cap, const struct proto_start_req *req,
		       const char *rootfs, const char *cpus, char *const *argv);
int proto_start_decode(const void *buf, size_t len, struct proto_start_view *v);
int proto_id_decode(const void *buf, size_t len, uint16_t type, struct proto_id_req *out);
/* A container reply: the fixed struct then the log path with its NUL. */
int proto_container_encode(void *buf, size_t cap, const struct proto_container *c,
			   const char *log_path);
int proto_container_decode(const void *buf, size_t len, struct proto_container *c,
			   char *log_path, size_t log_path_size);
/* A ps reply: a whole number of structs, each validated. */
int proto_list_decode(const void *buf, size_t len, size_t *count);
int proto_container_check(const struct proto_container *c);
/* Text payloads (errors, JSON): exactly one NUL, at the end; len 0 is the empty string. */
int proto_text_check(const void *buf, size_t len);

/* Validators shared by the CLI and the supervisor. */
bool id_is_valid(const char *id);
/* "0-1,3" -> bit i of mask[i / 64]; -EINVAL on syntax, -ERANGE past max_cpu. */
int cpulist_parse(const char *s, uint64_t *mask, unsigned max_cpu);
const char *proto_state_name(uint32_t state);

#endif
