/* Memory monitor backends (memmon.h). kmod: register the init with the module, which watches
 * the whole container (its PID namespace) in scan or event mode, and read its event records.
 * cgroup: the kernel enforces memory.max / memory.limit_in_bytes; sampling memory.current /
 * usage_in_bytes gives the soft warning and the oom_kill counter the kill. proc: sum statm over
 * the container's processes, each mm once (proctree.c), SIGKILL the init above the hard limit.
 * Event-loop thread only; every read is non-blocking or of a procfs/cgroupfs file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <uapi/container_monitor.h>

#include "memmon.h"

static const char *const names[] = {
	[MONITOR_AUTO] = "auto",
	[MONITOR_KMOD] = "kmod",
	[MONITOR_CGROUP] = "cgroup",
	[MONITOR_PROC] = "proc",
};

int memmon_kind_parse(const char *s, enum monitor_kind *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum monitor_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *memmon_kind_name(enum monitor_kind k)
{
	return names[k];
}

static const char *const mode_names[] = {
	[MONITOR_MODE_SCAN] = "scan",
	[MONITOR_MODE_EVENT] = "event",
};

int memmon_mode_parse(const char *s, unsigned *out)
{
	for (unsigned i = MONITOR_MODE_SCAN; i <= MONITOR_MODE_EVENT; i++) {
		if (!strcmp(s, mode_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *memmon_mode_name(unsigned mode)
{
	return mode == MONITOR_MODE_SCAN || mode == MONITOR_MODE_EVENT ? mode_names[mode] : NULL;
}

static int kmod_open(struct monitor *m, unsigned mode, char *err, size_t err_size)
{
	m->dev_fd = open(MONITOR_DEVICE_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (m->dev_fd < 0) {
		int rc = -errno;
		snprintf(err, err_size, "--monitor kmod: %s: %s (is monitor.ko loaded?)",
			 MONITOR_DEVICE_PATH, strerror(errno));
		return rc;
	}
	struct monitor_info info;
	if (ioctl(m->dev_fd, MONITOR_IOC_INFO, &info)) {
		int rc = -errno;
		snprintf(err, err_size, "--monitor kmod: MONITOR_IOC_INFO: %s", strerror(errno));
		close(m->dev_fd);
		m->dev_fd = -1;
		return rc;
	}
	if (info.abi_version != MONITOR_ABI_VERSION) {
		snprintf(err, err_size, "--monitor kmod: the module speaks ABI %u, the engine %u",
			 info.abi_version, MONITOR_ABI_VERSION);
		close(m->dev_fd);
		m->dev_fd = -1;
		return -EPROTO;
	}
	if (mode == MONITOR_MODE_EVENT && !(info.modes & (1u << MONITOR_MODE_EVENT))) {
		snprintf(err, err_size, "--monitor-mode event: the loaded monitor.ko has no event mode "
			 "here (no rss_stat tracepoint, or loaded with probe=0); use scan");
		close(m->dev_fd);
		m->dev_fd = -1;
		return -EOPNOTSUPP;
	}
	m->kmod_mode = mode ? mode : info.mode;
	m->kmod_period_ms = info.period_ms;
	snprintf(m->how, sizeof(m->how), "kmod (%s, ABI %u, %s mode%s, module scan period %u ms)",
		 MONITOR_DEVICE_PATH, info.abi_version,
		 memmon_mode_name(m->kmod_mode) ? memmon_mode_name(m->kmod_mode) : "unknown",
		 mode ? "" : ": the module's default", info.period_ms);
	return 0;
}

int memmon_open(struct monitor *m, enum monitor_kind want, unsigned kmod_mode, unsigned period_ms,
		 const struct cgroup_host *cg, char *err, size_t err_size)
{
	memset(m, 0, sizeof(*m));
	m->dev_fd = m->timer_fd = -1;
	m->period_ms = period_ms;
	const char *why = "";
	if (want == MONITOR_AUTO) {
		int rc = access(MONITOR_DEVICE_PATH, F_OK) ? -ENOENT : kmod_open(m, kmod_mode, err, err_size);
		if (!rc || rc == -EOPNOTSUPP) {
			m->kind = MONITOR_KMOD;
			return rc;
		}
		want = cg->mem.version ? MONITOR_CGROUP : MONITOR_PROC;
		why = cg->mem.version ? "auto: no " MONITOR_DEVICE_PATH ", "
				      : "auto: no " MONITOR_DEVICE_PATH " and no memory cgroup, ";
	}
	m->kind = want;
	if (want == MONITOR_KMOD)
		return kmod_open(m, kmod_mode, err, err_size);
	if (kmod_mode) {
		snprintf(err, err_size, "--monitor-mode %s: only the kmod backend has modes, and the "
			 "monitor is %s%s", memmon_mode_name(kmod_mode), names[want],
			 *why ? " (auto: no " MONITOR_DEVICE_PATH ")" : "");
		return -EINVAL;
	}
	if (want == MONITOR_CGROUP && !cg->mem.version) {
		snprintf(err, err_size, "--monitor cgroup: no memory cgroup controller is mounted");
		return -ENOENT;
	}
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timer_fd < 0) {
		int rc = -errno;
		snprintf(err, err_size, "timerfd: %s", strerror(errno));
		return rc;
	}
	if (want == MONITOR_CGROUP)
		snprintf(m->how, sizeof(m->how), "%scgroup (v%d memory controller at %s, %u ms period)",
			 why, cg->mem.version, cg->mem.root, period_ms);
	else
		snprintf(m->how, sizeof(m->how), "%sproc (/proc/<pid>/statm of every process, %u ms period)",
			 why, period_ms);
	return 0;
}

void memmon_close(struct monitor *m)
{
	if (m->dev_fd >= 0)
		close(m->dev_fd);
	if (m->timer_fd >= 0)
		close(m->timer_fd);
	m->dev_fd = m->timer_fd = -1;
}

bool memmon_wants_memcg(const struct monitor *m, uint64_t soft_bytes, uint64_t hard_bytes)
{
	return m->kind == MONITOR_CGROUP && (soft_bytes || hard_bytes);
}

/* The cgroup backend reads a container's memory cgroup; one without limits has none and is
 * sampled through statm like the proc backend's. */
static bool watch_by_cgroup(const struct monitor *m, const struct monitor_watch *w)
{
	return m->kind == MONITOR_CGROUP && w->box && w->box->mem_dir[0];
}

int memmon_fd(const struct monitor *m)
{
	if (m->dev_fd >= 0)
		return m->dev_fd;
	return m->timer_armed ? m->timer_fd : -1;
}

void memmon_timer_set(struct monitor *m, bool on)
{
	if (m->timer_fd < 0 || on == m->timer_armed)
		return;
	struct timespec p = {.tv_sec = m->period_ms / 1000, .tv_nsec = (m->period_ms % 1000) * 1000000L};
	struct itimerspec its = {0};
	if (on)
		its = (struct itimerspec){.it_interval = p, .it_value = p};
	if (!timerfd_settime(m->timer_fd, 0, &its, NULL))
		m->timer_armed = on;
}

bool memmon_timer_ack(struct monitor *m)
{
	uint64_t expiries;
	return m->timer_fd >= 0 && read(m->timer_fd, &expiries, sizeof(expiries)) == sizeof(expiries);
}

int memmon_watch_start(struct monitor *m, struct monitor_watch *w, const char *id)
{
	if (m->kind != MONITOR_KMOD)
		return 0;
	struct monitor_register r = {.pid = w->pid, .mode = m->kmod_mode,
				     .soft_bytes = w->soft_bytes, .hard_bytes = w->hard_bytes};
	snprintf(r.container_id, sizeof(r.container_id), "%s", id);
	if (ioctl(m->dev_fd, MONITOR_IOC_REGISTER, &r))
		return -errno;
	/* The mode in effect: event falls back to scan where the tracepoint is gone. */
	struct monitor_query q = {.pid = w->pid};
	w->mode = ioctl(m->dev_fd, MONITOR_IOC_QUERY, &q) ? m->kmod_mode : q.mode;
	return 0;
}

static void report(struct monitor_watch *w, enum monitor_report_type type, uint64_t rss,
		   uint64_t limit, monitor_report_fn fn, void *arg)
{
	struct monitor_report r = {.type = type, .rss_bytes = rss, .limit_bytes = limit};
	fn(arg, w, &r);
}

/* The soft warning of the sampling backends: once per upward crossing. */
static void soft_check(struct monitor_watch *w, uint64_t rss, monitor_report_fn fn, void *arg)
{
	if (!w->soft_bytes || w->killed)
		return;
	if (rss <= w->soft_bytes) {
		w->soft_above = false;
	} else if (!w->soft_above) {
		w->soft_above = true;
		report(w, MONITOR_REPORT_SOFT, rss, w->soft_bytes, fn, arg);
	}
}

static void rss_seen(struct monitor_watch *w, uint64_t rss)
{
	w->rss_bytes = rss;
	if (rss > w->peak_bytes)
		w->peak_bytes = rss;
}

/* A rise of the cgroup's oom_kill counter: our hard limit, or the kernel's OOM killer. The
 * kernel killed one process; for our hard limit the whole container goes, as with the other
 * backends (live: the init is not reaped yet, so its PID is still its own). */
static void cgroup_oom_check(struct monitor_watch *w, bool live, monitor_report_fn fn, void *arg)
{
	uint64_t kills, peak;
	if (cgroup_mem_oom_kills(w->box, &kills) || kills <= w->oom_kills)
		return;
	w->oom_kills = kills;
	if (!cgroup_mem_peak(w->box, &peak))
		rss_seen(w, peak);
	if (w->kill_reported)
		return;
	w->killed = w->kill_reported = true;
	w->oom = !w->hard_bytes;
	w->kill_rss_bytes = w->peak_bytes;
	if (live && !w->oom)
		kill(w->pid, SIGKILL);
	report(w, w->oom ? MONITOR_REPORT_OOM : MONITOR_REPORT_HARD, w->kill_rss_bytes,
	       w->hard_bytes, fn, arg);
}

int memmon_pids(const struct monitor_watch *w, pid_t *pids, size_t cap, size_t *n)
{
	if (w->box && (w->box->mem_dir[0] || w->box->cpu_dir[0]))
		return cgroup_pids(w->box, pids, cap, n);
	return proctree_list(w->pid, pids, cap, n);
}

void memmon_sample(struct monitor *m, struct monitor_watch *w, monitor_report_fn fn, void *arg)
{
	uint64_t rss;
	if (!w->pid)
		return;
	if (watch_by_cgroup(m, w)) {
		if (cgroup_mem_usage(w->box, &rss))
			return;
		rss_seen(w, rss);
		soft_check(w, rss, fn, arg);
		cgroup_oom_check(w, true, fn, arg);
		return;
	}
	if (m->kind != MONITOR_PROC && m->kind != MONITOR_CGROUP)
		return;
	static pid_t pids[PROCTREE_MAX];
	size_t n;
	if (memmon_pids(w, pids, PROCTREE_MAX, &n) || proctree_rss_sample(&w->rss_fds, pids, n, &rss))
		return;
	rss_seen(w, rss);
	soft_check(w, rss, fn, arg);
	if (w->hard_bytes && rss > w->hard_bytes && !w->killed) {
		/* SIGKILL to a PID namespace's init ends every process in it. */
		kill(w->pid, SIGKILL);
		w->killed = w->kill_reported = true;
		w->kill_rss_bytes = rss;
		report(w, MONITOR_REPORT_HARD, rss, w->hard_bytes, fn, arg);
	}
}

void memmon_kmod_read(struct monitor *m, struct monitor_watch *(*find)(void *arg, pid_t pid),
		       monitor_report_fn fn, void *arg)
{
	struct monitor_event ev[16];
	for (;;) {
		ssize_t n = read(m->dev_fd, ev, sizeof(ev));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			struct monitor_watch *w = find(arg, ev[i].pid);
			if (!w)
				continue;
			/* rss_bytes is the container's total (every mm of its PID namespace once);
			 * an EXIT record carries the peak instead. */
			if (ev[i].type == MONITOR_EVENT_EXIT) {
				if (ev[i].rss_bytes > w->peak_bytes)
					w->peak_bytes = ev[i].rss_bytes;
				continue;
			}
			rss_seen(w, ev[i].rss_bytes);
			w->mode = ev[i].mode;
			if (ev[i].type == MONITOR_EVENT_SOFT) {
				report(w, MONITOR_REPORT_SOFT, ev[i].rss_bytes, ev[i].limit_bytes, fn, arg);
			} else if (ev[i].type == MONITOR_EVENT_HARD && !w->kill_reported) {
				w->killed = w->kill_reported = true;
				w->kill_rss_bytes = ev[i].rss_bytes;
				report(w, MONITOR_REPORT_HARD, ev[i].rss_bytes, ev[i].limit_bytes, fn, arg);
			}
		}
	}
}

void memmon_watch_end(struct monitor *m, struct monitor_watch *w, monitor_report_fn fn, void *arg)
{
	if (!w->pid)
		return;
	if (m->kind == MONITOR_KMOD) {
		/* The module's verdict, in case its HARD record was not read yet. */
		struct monitor_query q = {.pid = w->pid};
		if (!ioctl(m->dev_fd, MONITOR_IOC_QUERY, &q)) {
			rss_seen(w, q.peak_rss_bytes);
			w->mode = q.mode;
			if ((q.flags & MONITOR_FLAG_KILLED) && !w->kill_reported) {
				w->killed = w->kill_reported = true;
				w->kill_rss_bytes = q.rss_bytes;
				report(w, MONITOR_REPORT_HARD, q.rss_bytes, q.hard_bytes, fn, arg);
			}
			struct monitor_unregister u = {.pid = w->pid};
			ioctl(m->dev_fd, MONITOR_IOC_UNREGISTER, &u);
		}
	} else if (watch_by_cgroup(m, w)) {
		uint64_t peak;
		if (!cgroup_mem_peak(w->box, &peak))
			rss_seen(w, peak);
		cgroup_oom_check(w, false, fn, arg);
	}
	proctree_rss_close(&w->rss_fds);
	w->rss_bytes = 0;
}

int memmon_rss_now(struct monitor *m, struct monitor_watch *w, uint64_t *bytes)
{
	if (m->kind == MONITOR_KMOD && w->pid) {
		struct monitor_query q = {.pid = w->pid};
		if (ioctl(m->dev_fd, MONITOR_IOC_QUERY, &q))
			return -errno;
		rss_seen(w, q.rss_bytes);
		w->mode = q.mode;
		if (q.peak_rss_bytes > w->peak_bytes)
			w->peak_bytes = q.peak_rss_bytes;
	}
	*bytes = w->rss_bytes;
	return 0;
}
