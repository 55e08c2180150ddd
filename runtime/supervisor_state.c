/* A container record as JSON: the inspect reply and <state-dir>/<id>.json, the same text.
 * Called from the event-loop thread only; reads the record's log atomics, which the writer
 * thread updates, and owns nothing beyond the document it returns (through lib/json). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uapi/container_monitor.h>

#include "lib/clock.h"
#include "lib/json.h"
#include "supervisor_int.h"

/* How the container's memory is watched, for inspect. */
static void state_memory_enforcement(struct sv *sv, const struct ctr_record *c, char *how, size_t size)
{
	const struct proto_container *i = &c->info;
	if (i->monitor == PROTO_MONITOR_KMOD && c->watch.mode == MONITOR_MODE_EVENT)
		snprintf(how, size, "monitor.ko watches the whole container (every process of its "
			 "PID namespace, each mm once), event mode: a check as its RSS grows (the "
			 "kernel's rss_stat tracepoint) and a scan every %u ms; soft: one event per "
			 "upward crossing; hard: the module sends SIGKILL to its init",
			 sv->mon.kmod_period_ms);
	else if (i->monitor == PROTO_MONITOR_KMOD)
		snprintf(how, size, "monitor.ko watches the whole container (every process of its "
			 "PID namespace, each mm once), scan mode: its total RSS every %u ms; soft: "
			 "one event per upward crossing; hard: the module sends SIGKILL to its init",
			 sv->mon.kmod_period_ms);
	else if (i->monitor == PROTO_MONITOR_CGROUP && !c->box.mem_dir[0])
		snprintf(how, size, "no memory limit, so no memory cgroup: statm of every "
			 "process of the container every %u ms, for RSS and its peak%s",
			 sv->mon.period_ms, ctr_in_sv_memcg(sv, c) && sv->oom_fd >= 0 ?
			 "; a kernel OOM kill is seen in the oom_kill counter of the supervisor's "
			 "memory cgroup, which it shares" : "");
	else if (i->monitor == PROTO_MONITOR_CGROUP)
		snprintf(how, size, "memory cgroup: the kernel enforces the hard limit (%s); "
			 "usage sampled every %u ms for the soft limit; kills seen in oom_kill",
			 c->box.mem_version == 2 ? "memory.max" : "memory.limit_in_bytes",
			 sv->mon.period_ms);
	else
		snprintf(how, size, "statm of every process of the container every %u ms; "
			 "soft: one event per upward crossing; hard: SIGKILL to its init",
			 sv->mon.period_ms);
}

/* The slice asked for, how, and the one the kernel reports for the init: read now while it
 * runs, else as it was once it had exec'd its command. */
static void state_json_slice(struct sv *sv, const struct ctr_record *c, struct json *j)
{
	const struct proto_container *i = &c->info;
	char how[400];
	uint64_t ns = i->se_slice_ns;
	if (ctr_alive(c) && i->state == PROTO_STATE_RUNNING && slice_read(i->pid, &ns))
		ns = i->se_slice_ns;
	if (i->slice_us) {
		json_kv_uint(j, "slice_us", i->slice_us);
		snprintf(how, sizeof(how), "sched_setattr before exec: SCHED_NORMAL, sched_runtime %llu "
			 "ns, its nice kept; every process it forks inherits it",
			 (unsigned long long)i->slice_us * 1000);
	} else {
		json_kv_null(j, "slice_us");
		snprintf(how, sizeof(how), "the kernel's default slice (no --slice-us); custom slices "
			 "%s on %s: %s", sv->slice.supported ? "work" : "do not work",
			 sv->slice.release, sv->slice.why);
	}
	json_kv_str(j, "slice_setting", how);
	if (ns)
		json_kv_uint(j, "se_slice_ns", ns);
	else
		json_kv_null(j, "se_slice_ns");
}

/* What it runs and how: rootfs, argv, namespaces, nice and its scope, CPUs and weight. */
static void state_json_setup(struct sv *sv, const struct ctr_record *c, struct json *j)
{
	const struct proto_container *i = &c->info;
	json_kv_str(j, "rootfs", c->rootfs);
	json_str(j, "argv");
	json_arr_begin(j);
	for (char **a = c->argv; *a; a++)
		json_str(j, *a);
	json_arr_end(j);
	json_kv_str(j, "hostname", i->id);
	json_str(j, "namespaces");
	json_arr_begin(j);
	json_str(j, "pid");
	json_str(j, "uts");
	json_str(j, "mnt");
	json_arr_end(j);
	json_kv_str(j, "root", "pivot_root, old root detached");
	if (i->flags & PROTO_START_NICE)
		json_kv_int(j, "nice", i->nice);
	else
		json_kv_null(j, "nice");
	char scope[900];
	if (c->box.cpu_dir[0])
		snprintf(scope, sizeof(scope),
			 "setpriority before exec; ranks only among this container's own tasks, "
			 "as it has its own cpu cgroup %s",
			 c->box.cpu_dir);
	json_kv_str(j, "nice_scope", c->box.cpu_dir[0] ? scope : sv->nice_scope);
	json_kv_str(j, "cpus", i->cpus[0] ? i->cpus : "all");
	if (i->cpu_weight) {
		char desc[64];
		cgroup_cpu_describe(&sv->cg, i->cpu_weight, desc, sizeof(desc));
		json_kv_uint(j, "cpu_weight", i->cpu_weight);
		json_kv_str(j, "cpu_cgroup", c->box.cpu_dir);
		json_kv_str(j, "cpu_cgroup_setting", desc);
	} else {
		json_kv_null(j, "cpu_weight");
		json_kv_null(j, "cpu_cgroup");
	}
	state_json_slice(sv, c, j);
}

/* Memory limits, the monitor, RSS, the kill, the log and the times. */
static void state_json_run(struct sv *sv, const struct ctr_record *c, struct json *j)
{
	const struct proto_container *i = &c->info;
	uint64_t end = ctr_ended(c) ? i->end_mono_ns : clock_mono_ns();
	char how[400];
	json_kv_uint(j, "soft_mib", i->soft_mib);
	json_kv_uint(j, "hard_mib", i->hard_mib);
	json_kv_str(j, "memory_monitor", proto_monitor_name(i->monitor));
	state_memory_enforcement(sv, c, how, sizeof(how));
	json_kv_str(j, "memory_enforcement", how);
	json_kv_str(j, "memory_monitor_mode", i->monitor == PROTO_MONITOR_KMOD ?
						  memmon_mode_name(c->watch.mode) : NULL);
	json_kv_str(j, "memory_cgroup", c->box.mem_dir[0] ? c->box.mem_dir : NULL);
	json_kv_uint(j, "rss_kib", c->watch.rss_bytes >> 10);
	json_kv_uint(j, "rss_peak_kib", i->rss_peak_kib);
	if (i->state == PROTO_STATE_HARD_LIMIT || i->state == PROTO_STATE_OOM) {
		json_str(j, "killed_by");
		json_obj_begin(j);
		json_kv_str(j, "monitor", i->state == PROTO_STATE_OOM ? "kernel oom killer"
								     : proto_monitor_name(i->monitor));
		json_kv_uint(j, "rss_kib_at_kill", i->rss_kill_kib);
		json_kv_uint(j, "limit_kib", (unsigned long long)i->hard_mib << 10);
		if (i->state == PROTO_STATE_HARD_LIMIT && i->monitor == PROTO_MONITOR_KMOD)
			json_kv_str(j, "mode", memmon_mode_name(c->watch.mode));
		json_obj_end(j);
	}
	if (ctr_ended(c))
		json_kv_uint(j, "cpu_ms", c->cpu_ns / 1000000);
	json_kv_str(j, "log_path", c->log_path);
	int log_err = atomic_load(&c->log_errno);
	json_kv_uint(j, "log_bytes_lost", atomic_load(&c->log_lost));
	json_kv_str(j, "log_error", log_err ? strerror(log_err) : NULL);
	json_kv_uint(j, "start_mono_ns", i->start_mono_ns);
	json_kv_uint(j, "end_mono_ns", i->end_mono_ns);
	json_kv_uint(j, "start_unix_ns", i->start_real_ns);
	json_kv_uint(j, "run_ms", (end - i->start_mono_ns) / 1000000);
	json_kv_bool(j, "rm_when_ended", i->flags & PROTO_START_RM);
}

char *state_json(struct sv *sv, const struct ctr_record *c, size_t *len, int *err)
{
	const struct proto_container *i = &c->info;
	struct json j;
	if ((*err = json_init(&j)))
		return NULL;
	json_obj_begin(&j);
	json_kv_str(&j, "id", i->id);
	json_kv_int(&j, "pid", i->pid);
	json_kv_str(&j, "state", proto_state_name(i->state));
	json_kv_int(&j, "exit_code", i->exit_code);
	json_kv_int(&j, "signal", i->term_signal);
	json_kv_bool(&j, "stop_requested", c->stop_requested);
	state_json_setup(sv, c, &j);
	state_json_run(sv, c, &j);
	json_obj_end(&j);
	char *doc = json_line(&j, len, err);
	json_free(&j);
	return doc;
}

void state_path(struct sv *sv, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.json", sv->o->state_dir, id);
}

/* <state-dir>/<id>.json mirrors inspect for tools that read files; best effort. */
void state_write(struct sv *sv, const struct ctr_record *c)
{
	size_t len;
	int err;
	char path[PROTO_PATH_MAX], tmp[PROTO_PATH_MAX + 8];
	char *doc = state_json(sv, c, &len, &err);
	if (!doc)
		return;
	state_path(sv, c->info.id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		bool ok = write(fd, doc, len) == (ssize_t)len;
		close(fd);
		if (!ok || rename(tmp, path))
			unlink(tmp);
	}
	free(doc);
}
