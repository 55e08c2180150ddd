/* Control protocol between the engine's clients (client.c) and its supervisor: a fixed,
 * versioned header, then a bounded payload whose layout is set by the type. The receiver
 * validates every field with the decoders below; they keep no state and take no locks. */
#ifndef HOGLAB_PROTOCOL_H
#define HOGLAB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC       0x484f474cu /* "HOGL" */
#define PROTO_VERSION     3 /* 3: slice_us in start requests and container records */
#define PROTO_PAYLOAD_MAX (256u * 1024) /* any message, either direction */
#define PROTO_ID_MAX      32            /* characters of a container ID, without the NUL */
#define PROTO_ID_SIZE     40            /* its field: NUL-terminated and NUL-padded */
#define PROTO_CPUS_SIZE   64            /* a CPU list such as "0-1,3", NUL-terminated */
#define PROTO_STRINGS_MAX (16u * 1024)  /* rootfs, CPU list and argv of a start request */
#define PROTO_ARGC_MAX    256
#define PROTO_ERR_MAX     256           /* an error reply's message, with its NUL */
#define PROTO_PATH_MAX    4096
/* An EEVDF custom slice (sched_attr.sched_runtime of a fair task), in microseconds: the
 * kernel clamps the fair class's request to 0.1..100 ms, so anything outside is refused. */
#define PROTO_SLICE_US_MIN 100
#define PROTO_SLICE_US_MAX 100000

/* Requests are 0x01xx; the reply to a request has the same type with PROTO_REPLY set. */
enum proto_type {
	PROTO_START   = 0x0101, /* proto_start_req + strings -> proto_container + log path */
	PROTO_WAIT    = 0x0102, /* proto_id_req -> proto_container + log path, once it has ended */
	PROTO_STOP    = 0x0103, /* proto_id_req (timeout_ms) -> proto_container + log path, once ended */
	PROTO_RM      = 0x0104, /* proto_id_req (PROTO_RM_LOGS) -> empty */
	PROTO_PS      = 0x0105, /* empty -> proto_container[N] */
	PROTO_INSPECT = 0x0106, /* proto_id_req -> JSON text with its NUL */
	PROTO_LOG     = 0x0107, /* proto_id_req -> proto_container (state UNKNOWN if forgotten) + log path;
				 * -ENOENT when neither the container nor its log exists */
	PROTO_EVENTS  = 0x0108, /* proto_events_req -> proto_event[N], oldest first */
	PROTO_STATS   = 0x0109, /* proto_id_req -> proto_stats */
	/* Never a request: sent as PROTO_REFUSED | PROTO_REPLY, status -EACCES, with a one-line
	 * message, as the first and only message to a peer the supervisor refuses (SO_PEERCRED);
	 * then it closes. A client takes it in place of the reply to whatever it sent. */
	PROTO_REFUSED = 0x01ff,
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
 * then argv. Limits in MiB, 0 = none; cpu_weight 1..10000 (cgroup v2 units), 0 = none;
 * slice_us PROTO_SLICE_US_MIN..PROTO_SLICE_US_MAX, 0 = the kernel's default slice. */
struct proto_start_req {
	char id[PROTO_ID_SIZE];
	uint32_t flags;
	int32_t nice; /* -20..19 */
	uint32_t cpu_weight;
	uint32_t soft_mib;
	uint32_t hard_mib;
	uint32_t argc; /* 1..PROTO_ARGC_MAX */
	uint32_t slice_us;
	uint32_t pad; /* 0 */
};
_Static_assert(sizeof(struct proto_start_req) == 72, "proto_start_req is wire format");

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

/* The memory monitor backend that watched a container (supervisor --monitor). */
enum proto_monitor {
	PROTO_MONITOR_NONE   = 0,
	PROTO_MONITOR_KMOD   = 1, /* /dev/container_monitor */
	PROTO_MONITOR_CGROUP = 2, /* memory cgroup, v1 or v2 */
	PROTO_MONITOR_PROC   = 3, /* /proc/<pid>/statm poller */
	PROTO_MONITOR_COUNT,
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
	uint64_t rss_peak_kib; /* highest RSS the memory monitor has seen, 0 before its first look */
	uint64_t rss_kill_kib; /* hard-limit / oom: RSS the monitor saw at the kill */
	uint32_t flags;        /* proto_start_flags it was started with */
	uint32_t monitor;      /* enum proto_monitor */
	uint32_t slice_us;     /* as requested (--slice-us), 0 = the kernel's default */
	uint32_t pad;          /* 0 */
	uint64_t se_slice_ns;  /* the kernel's se.slice of the init (/proc/PID/sched) once it ran
				* its command; 0 where the kernel does not show one */
	char cpus[PROTO_CPUS_SIZE];
};
_Static_assert(sizeof(struct proto_container) == 200, "proto_container is wire format");

enum proto_events_flags {
	PROTO_EVENTS_WAIT = 1u << 0, /* hold the reply until an event newer than after_seq exists */
	PROTO_EVENTS_ALL  = 0x1,
};

/* The reply holds the kept events with seq > after_seq (all of them for 0). */
struct proto_events_req {
	uint64_t after_seq;
	uint32_t flags;
	uint32_t pad;
};
_Static_assert(sizeof(struct proto_events_req) == 16, "proto_events_req is wire format");

enum proto_event_type {
	PROTO_EVENT_START = 1, /* running: the command was exec'd */
	PROTO_EVENT_SOFT  = 2, /* RSS crossed the soft limit upwards; limit_kib = soft */
	PROTO_EVENT_HARD  = 3, /* the monitor killed it at the hard limit; limit_kib = hard */
	PROTO_EVENT_OOM   = 4, /* the kernel's memory cgroup killed a process of it, no hard limit */
	PROTO_EVENT_STOP  = 5, /* engine stop (or supervisor shutdown) asked it to end */
	PROTO_EVENT_EXIT  = 6, /* it ended: state, exit_code, term_signal say how */
	PROTO_EVENT_COUNT,
};

struct proto_event {
	uint64_t seq;     /* 1, 2, ... per supervisor */
	uint64_t real_ns; /* wall clock */
	uint32_t type;    /* enum proto_event_type */
	int32_t pid;      /* host PID of the container's init */
	char id[PROTO_ID_SIZE];
	uint64_t rss_kib;   /* as the monitor last saw it (0 = not known) */
	uint64_t limit_kib; /* the limit crossed, else 0 */
	int32_t exit_code;  /* EXIT: as in proto_container */
	int32_t term_signal;
	uint32_t state;     /* the container's state after the event */
	uint32_t monitor;   /* enum proto_monitor */
};
_Static_assert(sizeof(struct proto_event) == 96, "proto_event is wire format");

/* Resource use of one container: now while it runs, final once ended. */
struct proto_stats {
	char id[PROTO_ID_SIZE];
	uint32_t state;
	uint32_t monitor;
	uint64_t rss_kib;      /* current (0 once ended) */
	uint64_t rss_peak_kib;
	uint64_t cpu_ns;       /* user + system time of all its processes */
	uint64_t run_ns;
};
_Static_assert(sizeof(struct proto_stats) == 80, "proto_stats is wire format");

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
int proto_events_req_decode(const void *buf, size_t len, struct proto_events_req *out);
/* An events reply: a whole number of records, each validated. */
int proto_events_decode(const void *buf, size_t len, size_t *count);
int proto_stats_decode(const void *buf, size_t len, struct proto_stats *out);
/* One event as a line without its newline: JSON, or text for people. Returns the length or
 * -ENOSPC. */
int proto_event_format(const struct proto_event *e, bool json, char *buf, size_t size);
/* Text payloads (errors, JSON): exactly one NUL, at the end; len 0 is the empty string. */
int proto_text_check(const void *buf, size_t len);

/* Validators shared by the CLI and the supervisor. */
bool id_is_valid(const char *id);
/* "0-1,3" -> bit i of mask[i / 64]; -EINVAL on syntax, -ERANGE past max_cpu. */
int cpulist_parse(const char *s, uint64_t *mask, unsigned max_cpu);
const char *proto_state_name(uint32_t state);
const char *proto_monitor_name(uint32_t monitor);
const char *proto_event_name(uint32_t type);

#endif
