/* Encoders and validating decoders of the control protocol (protocol.h), plus the ID and
 * CPU-list validators both ends share. Pure functions: no state, no locking, no I/O. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocol.h"
#include "lib/json.h"

static const char *const state_names[PROTO_STATE_COUNT] = {
	[PROTO_STATE_UNKNOWN] = "unknown",     [PROTO_STATE_STARTING] = "starting",
	[PROTO_STATE_RUNNING] = "running",     [PROTO_STATE_EXITED] = "exited",
	[PROTO_STATE_KILLED] = "killed",       [PROTO_STATE_HARD_LIMIT] = "hard-limit",
	[PROTO_STATE_OOM] = "oom",             [PROTO_STATE_STOPPED] = "stopped",
};

const char *proto_state_name(uint32_t state)
{
	return state < PROTO_STATE_COUNT ? state_names[state] : "invalid";
}

static const char *const monitor_names[PROTO_MONITOR_COUNT] = {
	[PROTO_MONITOR_NONE] = "none", [PROTO_MONITOR_KMOD] = "kmod",
	[PROTO_MONITOR_CGROUP] = "cgroup", [PROTO_MONITOR_PROC] = "proc",
};

const char *proto_monitor_name(uint32_t monitor)
{
	return monitor < PROTO_MONITOR_COUNT ? monitor_names[monitor] : "invalid";
}

static const char *const event_names[PROTO_EVENT_COUNT] = {
	[0] = "invalid", [PROTO_EVENT_START] = "start", [PROTO_EVENT_SOFT] = "soft-limit",
	[PROTO_EVENT_HARD] = "hard-limit", [PROTO_EVENT_OOM] = "oom", [PROTO_EVENT_STOP] = "stop",
	[PROTO_EVENT_EXIT] = "exit",
};

const char *proto_event_name(uint32_t type)
{
	return type < PROTO_EVENT_COUNT ? event_names[type] : "invalid";
}

bool proto_type_is_request(uint16_t type)
{
	return type >= PROTO_START && type <= PROTO_STATS;
}

void proto_hdr_init(struct proto_hdr *h, uint16_t type, int32_t status, uint32_t length)
{
	h->magic = PROTO_MAGIC;
	h->version = PROTO_VERSION;
	h->type = type;
	h->length = length;
	h->status = status;
}

int proto_hdr_check(const struct proto_hdr *h, bool want_reply)
{
	if (h->magic != PROTO_MAGIC)
		return -EBADMSG;
	if (h->version != PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (h->length > PROTO_PAYLOAD_MAX)
		return -EMSGSIZE;
	bool is_reply = h->type & PROTO_REPLY;
	if (want_reply && h->type == (PROTO_REFUSED | PROTO_REPLY))
		return h->status < 0 && h->status >= -4095 ? 0 : -EBADMSG;
	if (is_reply != want_reply || !proto_type_is_request(h->type & ~PROTO_REPLY))
		return -EBADMSG;
	if (!want_reply && h->status != 0)
		return -EBADMSG;
	if (want_reply && (h->status > 0 || h->status < -4095))
		return -EBADMSG;
	return 0;
}

bool id_is_valid(const char *id)
{
	size_t n = strnlen(id, PROTO_ID_MAX + 1);
	if (n == 0 || n > PROTO_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

/* A fixed, NUL-padded ID field: a valid ID followed only by NULs. */
static bool id_field_is_valid(const char field[PROTO_ID_SIZE])
{
	size_t n = strnlen(field, PROTO_ID_SIZE);
	if (n == PROTO_ID_SIZE || !id_is_valid(field))
		return false;
	for (size_t i = n; i < PROTO_ID_SIZE; i++)
		if (field[i])
			return false;
	return true;
}

static int parse_uint(const char **p, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	while (*s >= '0' && *s <= '9') {
		if (v > 100000)
			return -ERANGE;
		v = v * 10 + (unsigned)(*s - '0');
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int cpulist_parse(const char *s, uint64_t *mask, unsigned max_cpu)
{
	memset(mask, 0, ((max_cpu + 64) / 64) * sizeof(*mask));
	if (!*s || strlen(s) >= PROTO_CPUS_SIZE)
		return -EINVAL;
	while (*s) {
		unsigned lo, hi;
		int rc = parse_uint(&s, &lo);
		if (rc)
			return rc;
		hi = lo;
		if (*s == '-') {
			s++;
			rc = parse_uint(&s, &hi);
			if (rc)
				return rc;
		}
		if (hi < lo)
			return -EINVAL;
		if (hi > max_cpu)
			return -ERANGE;
		for (unsigned i = lo; i <= hi; i++)
			mask[i / 64] |= 1ull << (i % 64);
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -EINVAL;
	}
	return 0;
}

int proto_text_check(const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	const char *s = buf;
	return memchr(s, '\0', len) == s + len - 1 ? 0 : -EBADMSG;
}

/* Splits exactly n NUL-terminated strings filling all of len bytes. */
static int strings_split(const char *p, size_t len, size_t n, const char **out)
{
	const char *end = p + len;
	for (size_t i = 0; i < n; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			return -EBADMSG;
		out[i] = p;
		p = nul + 1;
	}
	return p == end ? 0 : -EBADMSG;
}

int proto_start_encode(void *buf, size_t cap, const struct proto_start_req *req,
		       const char *rootfs, const char *cpus, char *const *argv)
{
	size_t need = sizeof(*req), strings = 0;
	const char *fixed[2] = {rootfs ? rootfs : "", cpus ? cpus : ""};
	for (int i = 0; i < 2; i++)
		strings += strlen(fixed[i]) + 1;
	for (uint32_t i = 0; i < req->argc; i++)
		strings += strlen(argv[i]) + 1;
	if (strings > PROTO_STRINGS_MAX)
		return -E2BIG;
	need += strings;
	if (need > cap)
		return -EMSGSIZE;
	char *p = buf;
	memcpy(p, req, sizeof(*req));
	p += sizeof(*req);
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(fixed[i]) + 1;
		memcpy(p, fixed[i], n);
		p += n;
	}
	for (uint32_t i = 0; i < req->argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(p, argv[i], n);
		p += n;
	}
	return (int)need;
}

int proto_start_decode(const void *buf, size_t len, struct proto_start_view *v)
{
	if (len < sizeof(v->req) || len - sizeof(v->req) > PROTO_STRINGS_MAX)
		return -EBADMSG;
	memcpy(&v->req, buf, sizeof(v->req));
	const struct proto_start_req *r = &v->req;
	if (!id_field_is_valid(r->id))
		return -EINVAL;
	if (r->flags & ~(uint32_t)PROTO_START_ALL)
		return -EINVAL;
	if ((r->flags & PROTO_START_NICE) ? (r->nice < -20 || r->nice > 19) : r->nice != 0)
		return -EINVAL;
	if (r->cpu_weight > 10000)
		return -EINVAL;
	if (r->slice_us && (r->slice_us < PROTO_SLICE_US_MIN || r->slice_us > PROTO_SLICE_US_MAX))
		return -ERANGE;
	if (r->pad)
		return -EINVAL;
	if ((r->hard_mib && r->soft_mib > r->hard_mib) || r->hard_mib > (1u << 20) ||
	    r->soft_mib > (1u << 20))
		return -EINVAL;
	if (r->argc == 0 || r->argc > PROTO_ARGC_MAX)
		return -EINVAL;
	const char *strs[PROTO_ARGC_MAX + 2];
	int rc = strings_split((const char *)buf + sizeof(v->req), len - sizeof(v->req), r->argc + 2,
			       strs);
	if (rc)
		return rc;
	v->rootfs = strs[0];
	v->cpus = strs[1];
	if (v->rootfs[0] && v->rootfs[0] != '/')
		return -EINVAL;
	if (strlen(v->rootfs) >= PROTO_PATH_MAX || strlen(v->cpus) >= PROTO_CPUS_SIZE)
		return -ENAMETOOLONG;
	if (!strs[2][0])
		return -EINVAL;
	for (uint32_t i = 0; i < r->argc; i++)
		v->argv[i] = strs[2 + i];
	v->argv[r->argc] = NULL;
	return 0;
}

int proto_id_decode(const void *buf, size_t len, uint16_t type, struct proto_id_req *out)
{
	if (len != sizeof(*out))
		return -EBADMSG;
	memcpy(out, buf, sizeof(*out));
	if (!id_field_is_valid(out->id))
		return -EINVAL;
	if (out->flags & ~(uint32_t)PROTO_ID_ALL)
		return -EINVAL;
	if (out->flags && type != PROTO_RM)
		return -EINVAL;
	if (out->timeout_ms && type != PROTO_STOP)
		return -EINVAL;
	return 0;
}

int proto_container_check(const struct proto_container *c)
{
	if (!id_field_is_valid(c->id) || c->state >= PROTO_STATE_COUNT || c->pid < 0 ||
	    c->flags & ~(uint32_t)PROTO_START_ALL || c->monitor >= PROTO_MONITOR_COUNT ||
	    (c->slice_us && (c->slice_us < PROTO_SLICE_US_MIN || c->slice_us > PROTO_SLICE_US_MAX)) ||
	    c->pad ||
	    strnlen(c->cpus, PROTO_CPUS_SIZE) == PROTO_CPUS_SIZE)
		return -EBADMSG;
	return 0;
}

int proto_container_encode(void *buf, size_t cap, const struct proto_container *c,
			   const char *log_path)
{
	size_t n = strlen(log_path) + 1;
	if (n > PROTO_PATH_MAX)
		return -ENAMETOOLONG;
	if (sizeof(*c) + n > cap)
		return -EMSGSIZE;
	memcpy(buf, c, sizeof(*c));
	memcpy((char *)buf + sizeof(*c), log_path, n);
	return (int)(sizeof(*c) + n);
}

int proto_container_decode(const void *buf, size_t len, struct proto_container *c,
			   char *log_path, size_t log_path_size)
{
	if (len <= sizeof(*c) || len - sizeof(*c) > PROTO_PATH_MAX)
		return -EBADMSG;
	memcpy(c, buf, sizeof(*c));
	if (proto_container_check(c))
		return -EBADMSG;
	const char *path = (const char *)buf + sizeof(*c);
	size_t plen = len - sizeof(*c);
	if (proto_text_check(path, plen))
		return -EBADMSG;
	if (log_path) {
		if (plen > log_path_size)
			return -ENAMETOOLONG;
		memcpy(log_path, path, plen);
	}
	return 0;
}

int proto_list_decode(const void *buf, size_t len, size_t *count)
{
	if (len % sizeof(struct proto_container))
		return -EBADMSG;
	size_t n = len / sizeof(struct proto_container);
	for (size_t i = 0; i < n; i++) {
		struct proto_container c;
		memcpy(&c, (const char *)buf + i * sizeof(c), sizeof(c));
		if (proto_container_check(&c))
			return -EBADMSG;
	}
	*count = n;
	return 0;
}

int proto_events_req_decode(const void *buf, size_t len, struct proto_events_req *out)
{
	if (len != sizeof(*out))
		return -EBADMSG;
	memcpy(out, buf, sizeof(*out));
	if (out->flags & ~(uint32_t)PROTO_EVENTS_ALL || out->pad)
		return -EINVAL;
	return 0;
}

int proto_events_decode(const void *buf, size_t len, size_t *count)
{
	if (len % sizeof(struct proto_event))
		return -EBADMSG;
	size_t n = len / sizeof(struct proto_event);
	for (size_t i = 0; i < n; i++) {
		struct proto_event e;
		memcpy(&e, (const char *)buf + i * sizeof(e), sizeof(e));
		if (!e.seq || !e.type || e.type >= PROTO_EVENT_COUNT || !id_field_is_valid(e.id) ||
		    e.pid < 0 || e.state >= PROTO_STATE_COUNT || e.monitor >= PROTO_MONITOR_COUNT)
			return -EBADMSG;
	}
	*count = n;
	return 0;
}

int proto_stats_decode(const void *buf, size_t len, struct proto_stats *out)
{
	if (len != sizeof(*out))
		return -EBADMSG;
	memcpy(out, buf, sizeof(*out));
	if (!id_field_is_valid(out->id) || out->state >= PROTO_STATE_COUNT ||
	    out->monitor >= PROTO_MONITOR_COUNT)
		return -EBADMSG;
	return 0;
}

/* One event as a JSON object into buf: its length, or -ENOSPC / -ENOMEM. */
static int event_json(const struct proto_event *e, const char *when, const char *id, char *buf,
		      size_t size)
{
	struct json j;
	if (json_init(&j))
		return -ENOMEM;
	json_obj_begin(&j);
	json_kv_uint(&j, "seq", e->seq);
	json_kv_str(&j, "time", when);
	json_kv_uint(&j, "unix_ns", e->real_ns);
	json_kv_str(&j, "event", proto_event_name(e->type));
	json_kv_str(&j, "container", id);
	json_kv_int(&j, "pid", e->pid);
	json_kv_uint(&j, "rss_kib", e->rss_kib);
	json_kv_uint(&j, "limit_kib", e->limit_kib);
	json_kv_str(&j, "state", proto_state_name(e->state));
	json_kv_int(&j, "exit_code", e->exit_code);
	json_kv_int(&j, "signal", e->term_signal);
	json_kv_str(&j, "monitor", proto_monitor_name(e->monitor));
	json_obj_end(&j);
	size_t len;
	int err;
	const char *text = json_text(&j, &len, &err);
	int n = err ? err : len >= size ? -ENOSPC : (int)len;
	if (n >= 0)
		memcpy(buf, text, len + 1);
	json_free(&j);
	return n;
}

int proto_event_format(const struct proto_event *e, bool json, char *buf, size_t size)
{
	time_t t = (time_t)(e->real_ns / 1000000000ull);
	struct tm tm;
	char when[40];
	gmtime_r(&t, &tm);
	size_t w = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + w, sizeof(when) - w, ".%03uZ", (unsigned)(e->real_ns / 1000000 % 1000));
	char id[PROTO_ID_SIZE];
	snprintf(id, sizeof(id), "%.*s", PROTO_ID_MAX, e->id);
	int n;
	if (json)
		n = event_json(e, when, id, buf, size);
	else
		n = snprintf(buf, size, "%s %-10s %-20s pid=%d rss=%lluKiB limit=%lluKiB state=%s "
			     "exit_code=%d signal=%d monitor=%s",
			     when, proto_event_name(e->type), id, e->pid,
			     (unsigned long long)e->rss_kib, (unsigned long long)e->limit_kib,
			     proto_state_name(e->state), e->exit_code, e->term_signal,
			     proto_monitor_name(e->monitor));
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}
