/* A container record as JSON: the inspect reply and <state-dir>/<id>.json, the same text.
 * Called from the event-loop thread only; reads the record's log atomics, which the writer
 * thread updates, and owns nothing beyond the buffer it fills. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "supervisor_int.h"

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0 || b->oom)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

static void sb_json_str(struct sbuf *b, const char *s)
{
	sb_add(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			sb_add(b, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			sb_add(b, "\\u%04x", ch);
		else
			sb_add(b, "%c", ch);
	}
	sb_add(b, "\"");
}

/* Its nice and CPU settings: nice, nice_scope, cpus, cpu_weight and its cgroup. */
static void state_json_cpu(struct sv *sv, const struct ctr_record *c, struct sbuf *b)
{
	const struct proto_container *i = &c->info;
	if (i->flags & PROTO_START_NICE)
		sb_add(b, "\"nice\":%d,", i->nice);
	else
		sb_add(b, "\"nice\":null,");
	sb_add(b, "\"nice_scope\":");
	if (c->box.cpu_dir[0]) {
		char scope[900];
		snprintf(scope, sizeof(scope),
			 "setpriority before exec; ranks only among this container's own tasks, "
			 "as it has its own cpu cgroup %s",
			 c->box.cpu_dir);
		sb_json_str(b, scope);
	} else {
		sb_json_str(b, sv->nice_scope);
	}
	sb_add(b, ",\"cpus\":\"%s\",", i->cpus[0] ? i->cpus : "all");
	if (i->cpu_weight) {
		char desc[64];
		cgroup_cpu_describe(&sv->cg, i->cpu_weight, desc, sizeof(desc));
		sb_add(b, "\"cpu_weight\":%u,\"cpu_cgroup\":", i->cpu_weight);
		sb_json_str(b, c->box.cpu_dir);
		sb_add(b, ",\"cpu_cgroup_setting\":\"%s\",", desc);
	} else {
		sb_add(b, "\"cpu_weight\":null,\"cpu_cgroup\":null,");
	}
}

/* Its memory limits, how they are enforced, its RSS and what killed it. */
static void state_json_memory(struct sv *sv, const struct ctr_record *c, struct sbuf *b)
{
	const struct proto_container *i = &c->info;
	sb_add(b, "\"soft_mib\":%u,\"hard_mib\":%u,\"memory_monitor\":\"%s\",", i->soft_mib,
	       i->hard_mib, proto_monitor_name(i->monitor));
	char how[300];
	if (i->monitor == PROTO_MONITOR_KMOD)
		snprintf(how, sizeof(how), "monitor.ko scans the init's RSS; soft: one event per "
			 "upward crossing; hard: the module sends SIGKILL");
	else if (i->monitor == PROTO_MONITOR_CGROUP && !c->box.mem_dir[0])
		snprintf(how, sizeof(how), "no memory limit, so no memory cgroup: statm of every "
			 "process of the container every %u ms, for RSS and its peak%s",
			 sv->mon.period_ms, ctr_in_sv_memcg(sv, c) && sv->oom_fd >= 0 ?
			 "; a kernel OOM kill is seen in the oom_kill counter of the supervisor's "
			 "memory cgroup, which it shares" : "");
	else if (i->monitor == PROTO_MONITOR_CGROUP)
		snprintf(how, sizeof(how), "memory cgroup: the kernel enforces the hard limit (%s); "
			 "usage sampled every %u ms for the soft limit; kills seen in oom_kill",
			 c->box.mem_version == 2 ? "memory.max" : "memory.limit_in_bytes",
			 sv->mon.period_ms);
	else
		snprintf(how, sizeof(how), "statm of every process of the container every %u ms; "
			 "soft: one event per upward crossing; hard: SIGKILL to its init",
			 sv->mon.period_ms);
	sb_add(b, "\"memory_enforcement\":");
	sb_json_str(b, how);
	sb_add(b, ",\"memory_cgroup\":");
	if (c->box.mem_dir[0])
		sb_json_str(b, c->box.mem_dir);
	else
		sb_add(b, "null");
	sb_add(b, ",\"rss_kib\":%llu,\"rss_peak_kib\":%llu,",
	       (unsigned long long)(c->watch.rss_bytes >> 10), (unsigned long long)i->rss_peak_kib);
	if (i->state == PROTO_STATE_HARD_LIMIT || i->state == PROTO_STATE_OOM)
		sb_add(b, "\"killed_by\":{\"monitor\":\"%s\",\"rss_kib_at_kill\":%llu,"
		       "\"limit_kib\":%llu},",
		       i->state == PROTO_STATE_OOM ? "kernel oom killer" : proto_monitor_name(i->monitor),
		       (unsigned long long)i->rss_kill_kib, (unsigned long long)i->hard_mib << 10);
}

void state_json(struct sv *sv, const struct ctr_record *c, struct sbuf *b)
{
	const struct proto_container *i = &c->info;
	uint64_t end = ctr_ended(c) ? i->end_mono_ns : now_ns(CLOCK_MONOTONIC);
	sb_add(b, "{\"id\":\"%s\",\"pid\":%d,\"state\":\"%s\",", i->id, i->pid,
	       proto_state_name(i->state));
	sb_add(b, "\"exit_code\":%d,\"signal\":%d,\"stop_requested\":%s,", i->exit_code,
	       i->term_signal, c->stop_requested ? "true" : "false");
	sb_add(b, "\"rootfs\":");
	sb_json_str(b, c->rootfs);
	sb_add(b, ",\"argv\":[");
	for (char **a = c->argv; *a; a++) {
		sb_add(b, a == c->argv ? "" : ",");
		sb_json_str(b, *a);
	}
	sb_add(b, "],\"hostname\":\"%s\",\"namespaces\":[\"pid\",\"uts\",\"mnt\"],", i->id);
	sb_add(b, "\"root\":\"pivot_root, old root detached\",");
	state_json_cpu(sv, c, b);
	state_json_memory(sv, c, b);
	if (ctr_ended(c))
		sb_add(b, "\"cpu_ms\":%llu,", (unsigned long long)(c->cpu_ns / 1000000));
	sb_add(b, "\"log_path\":");
	sb_json_str(b, c->log_path);
	int log_err = atomic_load(&c->log_errno);
	sb_add(b, ",\"log_bytes_lost\":%llu,\"log_error\":",
	       (unsigned long long)atomic_load(&c->log_lost));
	if (log_err)
		sb_json_str(b, strerror(log_err));
	else
		sb_add(b, "null");
	sb_add(b, ",\"start_mono_ns\":%llu,\"end_mono_ns\":%llu,\"start_unix_ns\":%llu,",
	       (unsigned long long)i->start_mono_ns, (unsigned long long)i->end_mono_ns,
	       (unsigned long long)i->start_real_ns);
	sb_add(b, "\"run_ms\":%llu,\"rm_when_ended\":%s}\n",
	       (unsigned long long)((end - i->start_mono_ns) / 1000000),
	       (i->flags & PROTO_START_RM) ? "true" : "false");
}

void state_path(struct sv *sv, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.json", sv->o->state_dir, id);
}

/* <state-dir>/<id>.json mirrors inspect for tools that read files; best effort. */
void state_write(struct sv *sv, const struct ctr_record *c)
{
	struct sbuf b = {0};
	char path[PROTO_PATH_MAX], tmp[PROTO_PATH_MAX + 8];
	state_json(sv, c, &b);
	state_path(sv, c->info.id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		bool ok = !b.oom && write(fd, b.p, b.len) == (ssize_t)b.len;
		close(fd);
		if (!ok || rename(tmp, path))
			unlink(tmp);
	}
	free(b.p);
}
