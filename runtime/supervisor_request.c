/* The request handlers: start (validate, build the record, launch), ps, stats, events and
 * the requests naming one container (inspect, log, rm, stop, wait). Event-loop thread only;
 * a started record joins sv->containers, and each reply is queued on its conn. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "supervisor_int.h"

#define CONTAINERS_MAX 1024 /* a ps reply of this many fits PROTO_PAYLOAD_MAX */
_Static_assert(CONTAINERS_MAX * sizeof(struct proto_container) <= PROTO_PAYLOAD_MAX, "ps fits");

static int argv_copy(struct ctr_record *c, const struct proto_start_view *v)
{
	c->rootfs = strdup(v->rootfs);
	c->argv = calloc(v->req.argc + 1, sizeof(char *));
	if (!c->rootfs || !c->argv)
		return -ENOMEM;
	for (uint32_t i = 0; i < v->req.argc; i++)
		if (!(c->argv[i] = strdup(v->argv[i])))
			return -ENOMEM;
	return 0;
}

/* Checks a start request before anything is made: a new id, room for it, and a rootfs that
 * is a directory other than /. The container is set up on the resolved path, so that no
 * symlink in it is followed later: rootfs (PATH_MAX bytes) receives it and v->rootfs points
 * there. 0, or -1 with the error queued on k. */
static int start_validate(struct sv *sv, struct conn *k, const void *p, size_t len,
			  struct proto_start_view *v, char *rootfs)
{
	if (proto_start_decode(p, len, v)) {
		conn_error(k, PROTO_START, -EINVAL, "invalid start request");
		return -1;
	}
	const struct proto_start_req *r = &v->req;
	struct ctr_record *old = ctr_find(sv, r->id);
	if (old) {
		conn_error(k, PROTO_START, -EEXIST, "container %s already exists (%s)%s", r->id,
			   proto_state_name(old->info.state),
			   ctr_ended(old) ? "; remove it with: engine rm" : "");
		return -1;
	}
	if (r->slice_us && !sv->slice.supported) {
		conn_error(k, PROTO_START, -EOPNOTSUPP,
			   "--slice-us needs a kernel with EEVDF custom slices (6.12 or later); this "
			   "is %s (%s)", sv->slice.release, sv->slice.why);
		return -1;
	}
	if (sv->shutting_down) {
		conn_error(k, PROTO_START, -ESHUTDOWN, "the supervisor is shutting down");
		return -1;
	}
	size_t n = 0;
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		n++;
	if (n >= CONTAINERS_MAX) {
		conn_error(k, PROTO_START, -EMFILE, "%d containers known already; rm some first",
			   CONTAINERS_MAX);
		return -1;
	}
	if (!v->rootfs[0]) {
		if (!sv->o->default_rootfs) {
			conn_error(k, PROTO_START, -EINVAL,
				   "no rootfs given and the supervisor was started without a default");
			return -1;
		}
		v->rootfs = sv->o->default_rootfs;
	}
	if (!realpath(v->rootfs, rootfs)) {
		conn_error(k, PROTO_START, -errno, "rootfs %s: %s", v->rootfs, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(rootfs, &st)) {
		conn_error(k, PROTO_START, -errno, "rootfs %s: %s", rootfs, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		conn_error(k, PROTO_START, -ENOTDIR, "rootfs %s is not a directory", rootfs);
		return -1;
	}
	if (!strcmp(rootfs, "/")) {
		conn_error(k, PROTO_START, -EINVAL, "rootfs %s is the host's root directory", v->rootfs);
		return -1;
	}
	v->rootfs = rootfs;
	return 0;
}

/* The CPU list into spec's affinity: 0, or -1 with the error queued on k. */
static int start_cpus_parse(struct conn *k, const char *cpus, struct container_spec *spec)
{
	uint64_t mask[CPU_SETSIZE / 64];
	if (cpulist_parse(cpus, mask, CPU_SETSIZE - 1)) {
		conn_error(k, PROTO_START, -EINVAL, "invalid CPU list '%s'", cpus);
		return -1;
	}
	spec->has_cpus = true;
	CPU_ZERO(&spec->cpus);
	for (unsigned i = 0; i < CPU_SETSIZE; i++)
		if (mask[i / 64] & (1ull << (i % 64)))
			CPU_SET(i, &spec->cpus);
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	for (long i = ncpu > 0 ? ncpu : CPU_SETSIZE; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &spec->cpus)) {
			conn_error(k, PROTO_START, -EINVAL,
				   "CPU list '%s' names CPU %ld; this machine has CPUs 0-%ld",
				   cpus, i, ncpu - 1);
			return -1;
		}
	}
	return 0;
}

/* The record of a validated request, with its log file open: NULL with the error queued on
 * k. */
static struct ctr_record *start_build(struct sv *sv, struct conn *k,
				      const struct proto_start_view *v)
{
	const struct proto_start_req *r = &v->req;
	struct ctr_record *c = calloc(1, sizeof(*c));
	if (!c) {
		conn_error(k, PROTO_START, -ENOMEM, "out of memory");
		return NULL;
	}
	c->err_fd = c->log_fd = c->file_fd = -1;
	cgroup_box_init(&c->box);
	c->watch.box = &c->box;
	c->watch.soft_bytes = (uint64_t)r->soft_mib << 20;
	c->watch.hard_bytes = (uint64_t)r->hard_mib << 20;
	struct proto_container *i = &c->info;
	memcpy(i->id, r->id, PROTO_ID_SIZE);
	i->state = PROTO_STATE_STARTING;
	i->exit_code = -1;
	i->nice = r->nice;
	i->cpu_weight = r->cpu_weight;
	i->slice_us = r->slice_us;
	i->soft_mib = r->soft_mib;
	i->hard_mib = r->hard_mib;
	i->flags = r->flags;
	i->monitor = sv->mon.kind;
	snprintf(i->cpus, sizeof(i->cpus), "%s", v->cpus);
	snprintf(c->log_path, sizeof(c->log_path), "%s/%s.log", sv->o->log_dir, r->id);
	int rc;
	if ((rc = argv_copy(c, v))) {
		conn_error(k, PROTO_START, rc, "out of memory");
		ctr_free(sv, c);
		return NULL;
	}
	/* Never through a symlink planted in the log dir; O_NONBLOCK: a FIFO without a reader
	 * fails (ENXIO) instead of blocking the loop. */
	c->file_fd = open(c->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC |
				       O_NOFOLLOW | O_NONBLOCK, 0640);
	if (c->file_fd < 0) {
		rc = -errno;
		conn_error(k, PROTO_START, rc, "log file %s: %s", c->log_path,
			   rc == -ELOOP ? "is a symbolic link, refusing to follow it" : strerror(-rc));
		ctr_free(sv, c);
		return NULL;
	}
	fcntl(c->file_fd, F_SETFL, O_APPEND);
	return c;
}

/* Its cgroups, its log pipe and the clone: the record joins sv->containers, or goes with its
 * log file and cgroups, the error queued on k. */
static void start_launch(struct sv *sv, struct conn *k, struct ctr_record *c,
			 const struct proto_start_req *r, struct container_spec *spec)
{
	struct proto_container *i = &c->info;
	int log_pipe[2] = {-1, -1}, rc;
	struct cgroup_want want = {.cpu_weight = r->cpu_weight,
				   .memory = memmon_wants_memcg(&sv->mon, c->watch.soft_bytes,
								 c->watch.hard_bytes),
				   .hard_bytes = c->watch.hard_bytes};
	if (want.cpu_weight || want.memory) {
		rc = cgroup_create(&sv->cg, r->id, &want, &c->box);
		if (rc) {
			bool no_cpu = want.cpu_weight && !sv->cg.cpu.version;
			conn_error(k, PROTO_START, rc, "%s cgroup: %s%s",
				   want.memory ? "memory" : "cpu (--cpu-weight)", strerror(-rc),
				   no_cpu ? " (no cpu controller mounted)" : "");
			goto out_unlink;
		}
		spec->cgroup_procs_fd[0] = c->box.procs_fd[0];
		spec->cgroup_procs_fd[1] = c->box.procs_fd[1];
	}
	if (pipe2(log_pipe, O_CLOEXEC)) {
		rc = -errno;
		conn_error(k, PROTO_START, rc, "pipe: %s", strerror(errno));
		goto out_cgroup;
	}
	fcntl(log_pipe[0], F_SETFL, O_NONBLOCK);
	spec->log_fd = log_pipe[1];
	if (ctr_in_sv_memcg(sv, c) && sv->oom_fd >= 0)
		c->oom_known = !cgroup_oom_kills_read(sv->oom_fd, &c->oom_kills_at_start);
	i->start_real_ns = clock_ns(CLOCK_REALTIME);
	i->start_mono_ns = clock_mono_ns();
	pid_t pid;
	rc = container_spawn(spec, &pid, &c->err_fd);
	close(log_pipe[1]);
	for (int f = 0; f < 2; f++) {
		if (c->box.procs_fd[f] >= 0)
			close(c->box.procs_fd[f]);
		c->box.procs_fd[f] = -1;
	}
	if (rc) {
		close(log_pipe[0]);
		conn_error(k, PROTO_START, rc, "clone: %s", strerror(-rc));
		goto out_cgroup;
	}
	i->pid = pid;
	c->log_fd = log_pipe[0];
	c->start_conn = k;
	k->starting = true;
	if (r->flags & PROTO_START_HOLD)
		c->hold_conn = k;
	c->next = sv->containers;
	sv->containers = c;
	ctr_started(sv, c); /* the report is mostly there already: reply in this turn */
	return;

out_cgroup:
	cgroup_remove(&c->box);
out_unlink:
	unlink(c->log_path);
	ctr_free(sv, c);
}

static void handle_start(struct sv *sv, struct conn *k, const void *p, size_t len)
{
	struct proto_start_view v;
	char rootfs[PATH_MAX];
	if (start_validate(sv, k, p, len, &v, rootfs))
		return;
	const struct proto_start_req *r = &v.req;
	struct container_spec spec = {.id = r->id, .rootfs = v.rootfs, .argv = (char *const *)v.argv,
				      .has_nice = r->flags & PROTO_START_NICE, .nice = r->nice,
				      .slice_ns = (uint64_t)r->slice_us * 1000,
				      .cgroup_procs_fd = {-1, -1}, .parent_pidfd = sv->self_pidfd};
	if (v.cpus[0] && start_cpus_parse(k, v.cpus, &spec))
		return;
	struct ctr_record *c = start_build(sv, k, &v);
	if (c)
		start_launch(sv, k, c, r, &spec);
}

static void reply_ps(struct sv *sv, struct conn *k)
{
	size_t n = 0;
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		n += !c->failed;
	struct proto_container *list = calloc(n ? n : 1, sizeof(*list));
	if (!list) {
		conn_error(k, PROTO_PS, -ENOMEM, "out of memory");
		return;
	}
	/* Oldest first: the list is kept newest first. */
	size_t j = n;
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		if (!c->failed)
			list[--j] = c->info;
	conn_queue(k, PROTO_PS, 0, list, n * sizeof(*list));
	free(list);
}

static void reply_stats(struct sv *sv, struct conn *k, struct ctr_record *c)
{
	struct proto_stats st = {.state = c->info.state, .monitor = c->info.monitor};
	memcpy(st.id, c->info.id, PROTO_ID_SIZE);
	uint64_t now = clock_mono_ns();
	if (c->info.start_mono_ns)
		st.run_ns = (ctr_ended(c) ? c->info.end_mono_ns : now) - c->info.start_mono_ns;
	if (ctr_ended(c)) {
		st.cpu_ns = c->cpu_ns;
	} else if (ctr_alive(c) && c->watch.pid) {
		static pid_t pids[PROCTREE_MAX];
		size_t n;
		uint64_t rss;
		if (!memmon_rss_now(&sv->mon, &c->watch, &rss))
			st.rss_kib = rss >> 10;
		if (!memmon_pids(&c->watch, pids, PROCTREE_MAX, &n))
			proctree_cpu_ns(pids, n, &st.cpu_ns);
	}
	ctr_peak_update(c);
	st.rss_peak_kib = c->info.rss_peak_kib;
	conn_queue(k, PROTO_STATS, 0, &st, sizeof(st));
}

static void handle_events(struct sv *sv, struct conn *k, const void *p, size_t len)
{
	struct proto_events_req r;
	if (proto_events_req_decode(p, len, &r)) {
		conn_error(k, PROTO_EVENTS, -EINVAL, "invalid events request");
		return;
	}
	if ((r.flags & PROTO_EVENTS_WAIT) && r.after_seq >= sv->event_seq) {
		k->events_wait = true;
		k->events_after = r.after_seq;
		return;
	}
	event_reply(sv, k, r.after_seq);
}

/* The log of a known container, or of a forgotten one (rm, --rm): its log may stay; without
 * one it is unknown. */
static void reply_log(struct sv *sv, struct conn *k, const struct ctr_record *c,
		      const struct proto_id_req *r)
{
	const uint16_t type = PROTO_LOG;
	if (c) {
		conn_reply_container(k, type, c);
		return;
	}
	struct ctr_record tmp = {.info = {.exit_code = -1}};
	memcpy(tmp.info.id, r->id, PROTO_ID_SIZE);
	snprintf(tmp.log_path, sizeof(tmp.log_path), "%s/%s.log", sv->o->log_dir, r->id);
	if (access(tmp.log_path, F_OK) && errno == ENOENT)
		conn_error(k, type, -ENOENT, "no container %s", r->id);
	else
		conn_reply_container(k, type, &tmp);
}

/* SIGTERM (SIGKILL with no timeout) once, and the reply when it has ended. */
static void handle_stop(struct sv *sv, struct conn *k, struct ctr_record *c,
			const struct proto_id_req *r)
{
	const uint16_t type = PROTO_STOP;
	if (ctr_ended(c)) {
		char why[64];
		snprintf(why, sizeof(why), "%s", proto_state_name(c->info.state));
		conn_error(k, type, -ESRCH, "container %s is not running (%s)", r->id, why);
		return;
	}
	if (!c->stop_requested && ctr_alive(c)) {
		c->stop_requested = true;
		uint64_t now = clock_mono_ns();
		c->kill_at_ns = now + (uint64_t)r->timeout_ms * 1000000ull;
		kill(c->info.pid, r->timeout_ms ? SIGTERM : SIGKILL);
		event_emit(sv, c, PROTO_EVENT_STOP, c->watch.rss_bytes, 0);
	}
	k->waiting = c;
	k->waiting_type = type;
}

static void handle_id(struct sv *sv, struct conn *k, uint16_t type, const void *p, size_t len)
{
	struct proto_id_req r;
	if (proto_id_decode(p, len, type, &r)) {
		conn_error(k, type, -EINVAL, "invalid request");
		return;
	}
	struct ctr_record *c = ctr_find(sv, r.id);
	if (type == PROTO_LOG) {
		reply_log(sv, k, c, &r);
		return;
	}
	if (!c) {
		conn_error(k, type, -ENOENT, "no container %s", r.id);
		return;
	}
	switch (type) {
	case PROTO_INSPECT: {
		size_t len;
		int err;
		char *doc = state_json(sv, c, &len, &err);
		if (!doc)
			conn_error(k, type, err, "inspect: %s", strerror(-err));
		else
			conn_queue(k, type, 0, doc, len + 1);
		free(doc);
		break;
	}
	case PROTO_RM:
		if (!ctr_ended(c)) {
			conn_error(k, type, -EBUSY, "container %s is %s; stop it first", r.id,
				   proto_state_name(c->info.state));
			break;
		}
		if ((r.flags & PROTO_RM_LOGS) && unlink(c->log_path) && errno != ENOENT) {
			conn_error(k, type, -errno, "removing %s: %s", c->log_path, strerror(errno));
			break;
		}
		ctr_forget(sv, c);
		conn_queue(k, type, 0, NULL, 0);
		break;
	case PROTO_STOP:
		handle_stop(sv, k, c, &r);
		break;
	case PROTO_STATS:
		reply_stats(sv, k, c);
		break;
	case PROTO_WAIT:
		if (ctr_ended(c)) {
			conn_reply_container(k, type, c);
			if (c->hold_conn == k) {
				c->hold_conn = NULL;
				ctr_maybe_forget(sv, c);
			}
		} else {
			k->waiting = c;
			k->waiting_type = type;
		}
		break;
	}
}

void request_dispatch(struct sv *sv, struct conn *k)
{
	const char *p = k->in;
	size_t len = k->hdr.length;
	switch (k->hdr.type) {
	case PROTO_START:
		handle_start(sv, k, p, len);
		break;
	case PROTO_PS:
		if (len)
			k->dead = true;
		else
			reply_ps(sv, k);
		break;
	case PROTO_EVENTS:
		handle_events(sv, k, p, len);
		break;
	default:
		handle_id(sv, k, k->hdr.type, p, len);
		break;
	}
}
