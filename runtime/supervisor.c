/* The supervisor (supervisor.h): a poll loop over the listening socket, client connections,
 * a signalfd (SIGCHLD, SIGTERM, SIGINT), the memory monitor's fd (device or timer), the log
 * buffer's wake-up eventfd, and each container's start-report and log pipes; the deadlines
 * of stops, shutdown and partial messages; setup and teardown. All records (supervisor_int.h)
 * belong to that one thread; the logbuf writer only sees file_fd via tags, and a
 * container's log is flushed before its record or file_fd goes away. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "lib/logbuf.h"
#include "protocol.h"
#include "supervisor.h"
#include "supervisor_int.h"

/* One line for the supervisor's operator (supervisor_opts.warn), if anyone listens. */
void supervisor_warn(struct sv *sv, const char *fmt, ...)
{
	if (!sv->o->warn)
		return;
	char line[PROTO_ERR_MAX + PROTO_PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sv->o->warn(line);
}

static int fail(char *err, size_t size, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return rc;
}

static void shutdown_begin(struct sv *sv)
{
	if (sv->shutting_down) {
		sv->shutdown_kill_at_ns = 1; /* a second signal: kill now */
		return;
	}
	sv->shutting_down = true;
	close(sv->listen_fd);
	sv->listen_fd = -1;
	unlink(sv->o->socket_path);
	sv->shutdown_kill_at_ns =
		clock_mono_ns() + SUPERVISOR_SHUTDOWN_GRACE_MS * 1000000ull;
	for (struct ctr_record *c = sv->containers; c; c = c->next) {
		if (!ctr_alive(c))
			continue;
		c->stop_requested = !c->failed;
		kill(c->info.pid, SIGTERM);
		if (!c->failed)
			event_emit(sv, c, PROTO_EVENT_STOP, c->watch.rss_bytes, 0);
	}
}

static void signals_read(struct sv *sv)
{
	struct signalfd_siginfo si;
	bool chld = false;
	while (read(sv->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			chld = true;
		else
			shutdown_begin(sv);
	}
	if (chld)
		ctr_reap_all(sv);
}

static void deadlines_run(struct sv *sv, uint64_t now)
{
	bool shut_due = sv->shutting_down && now >= sv->shutdown_kill_at_ns;
	for (struct ctr_record *c = sv->containers; c; c = c->next) {
		if (!ctr_alive(c))
			continue;
		if (shut_due || (c->kill_at_ns && now >= c->kill_at_ns)) {
			kill(c->info.pid, SIGKILL);
			c->kill_at_ns = 0;
		}
	}
	if (shut_due)
		sv->shutdown_kill_at_ns = UINT64_MAX; /* sent once; the reaps end the loop */
	for (struct conn *k = sv->conns; k; k = k->next)
		if (k->partial_since_ns && now >= k->partial_since_ns + CONN_PARTIAL_MS * 1000000ull)
			k->dead = true;
}

static int poll_timeout_ms(struct sv *sv, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		if (ctr_alive(c) && c->kill_at_ns && c->kill_at_ns < next)
			next = c->kill_at_ns;
	if (sv->shutting_down && sv->shutdown_kill_at_ns < next)
		next = sv->shutdown_kill_at_ns;
	for (struct conn *k = sv->conns; k; k = k->next)
		if (k->partial_since_ns && k->partial_since_ns + CONN_PARTIAL_MS * 1000000ull < next)
			next = k->partial_since_ns + CONN_PARTIAL_MS * 1000000ull;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

static bool any_watched(struct sv *sv)
{
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		if (ctr_alive(c) && c->watch.pid)
			return true;
	return false;
}

static bool any_running(struct sv *sv)
{
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		if (!ctr_ended(c))
			return true;
	return false;
}

enum slot_kind { SLOT_LISTEN, SLOT_SIGNAL, SLOT_MONITOR, SLOT_WAKE, SLOT_CONN, SLOT_START, SLOT_LOG };

/* The poll set of one turn: pfd[i] is watched for slot[i], n of cap used. */
struct loop {
	struct pollfd *pfd;
	struct slot {
		enum slot_kind kind;
		void *obj;
	} *slot;
	size_t cap, n;
};

/* This turn's fds; -ENOMEM when the set cannot grow. */
static int loop_fill(struct sv *sv, struct loop *l)
{
	size_t need = 4;
	for (struct conn *k = sv->conns; k; k = k->next)
		need++;
	for (struct ctr_record *c = sv->containers; c; c = c->next)
		need++;
	if (need > l->cap) {
		l->cap = need * 2;
		struct pollfd *np = realloc(l->pfd, l->cap * sizeof(*l->pfd));
		if (!np)
			return -ENOMEM;
		l->pfd = np;
		struct slot *ns = realloc(l->slot, l->cap * sizeof(*l->slot));
		if (!ns)
			return -ENOMEM;
		l->slot = ns;
	}
	struct pollfd *pfd = l->pfd;
	struct slot *slot = l->slot;
	size_t n = 0;
#define SLOT(fd_, ev_, kind_, obj_) \
	(pfd[n] = (struct pollfd){.fd = (fd_), .events = (ev_)}, slot[n++] = (struct slot){(kind_), (obj_)})
	SLOT(sv->sig_fd, POLLIN, SLOT_SIGNAL, NULL);
	if (sv->listen_fd >= 0)
		SLOT(sv->listen_fd, POLLIN, SLOT_LISTEN, NULL);
	memmon_timer_set(&sv->mon, any_watched(sv));
	if (memmon_fd(&sv->mon) >= 0)
		SLOT(memmon_fd(&sv->mon), POLLIN, SLOT_MONITOR, NULL);
	SLOT(sv->wake_fd, POLLIN, SLOT_WAKE, NULL);
	for (struct conn *k = sv->conns; k; k = k->next)
		SLOT(k->fd, (conn_busy(k) ? 0 : POLLIN) | (k->out_len ? POLLOUT : 0),
		     SLOT_CONN, k);
	for (struct ctr_record *c = sv->containers; c; c = c->next) {
		if (c->err_fd >= 0)
			SLOT(c->err_fd, POLLIN, SLOT_START, c);
		else if (c->log_fd >= 0 && !c->pending)
			SLOT(c->log_fd, POLLIN, SLOT_LOG, c);
	}
#undef SLOT
	l->n = n;
	return 0;
}

/* One slot with events (but the signalfd, read before all others). */
static void loop_slot_run(struct sv *sv, const struct pollfd *pfd, const struct slot *slot)
{
	switch (slot->kind) {
	case SLOT_LISTEN:
		if (sv->listen_fd >= 0)
			conn_accept(sv);
		break;
	case SLOT_CONN: {
		struct conn *k = slot->obj;
		if (pfd->revents & (POLLHUP | POLLERR) && !(pfd->revents & POLLIN))
			k->dead = true;
		if (pfd->revents & POLLIN)
			conn_read(sv, k);
		break;
	}
	case SLOT_START:
	case SLOT_LOG: {
		struct ctr_record *c;
		for (c = sv->containers; c && c != slot->obj; c = c->next)
			;
		if (!c)
			break; /* freed by a reap in this turn */
		if (slot->kind == SLOT_START && c->err_fd == pfd->fd)
			ctr_started(sv, c);
		else if (slot->kind == SLOT_LOG && c->log_fd == pfd->fd)
			ctr_read_log(sv, c);
		break;
	}
	case SLOT_MONITOR:
		ctr_monitor_run(sv);
		break;
	case SLOT_WAKE:
		ctr_logs_resume(sv);
		break;
	case SLOT_SIGNAL:
		break;
	}
}

static int loop_run(struct sv *sv)
{
	struct loop l = {0};
	int rc = 0;

	while (!sv->shutting_down || any_running(sv)) {
		rc = loop_fill(sv, &l);
		if (rc)
			break;
		uint64_t now = clock_mono_ns();
		int r = poll(l.pfd, l.n, poll_timeout_ms(sv, now));
		if (r < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		deadlines_run(sv, clock_mono_ns());
		/* Signals first: a reap may free records other slots point to. */
		if (r > 0 && (l.pfd[0].revents & POLLIN))
			signals_read(sv);
		for (size_t s = 1; r > 0 && s < l.n; s++)
			if (l.pfd[s].revents)
				loop_slot_run(sv, &l.pfd[s], &l.slot[s]);
		struct conn *k = sv->conns, *next;
		for (; k; k = next) {
			next = k->next;
			conn_flush(k);
			if (k->dead)
				conn_close(sv, k);
		}
	}
	free(l.pfd);
	free(l.slot);
	return rc;
}

/* ---- setup and teardown ---- */

static int socket_open(struct sv *sv, char *err, size_t err_size)
{
	const char *path = sv->o->socket_path;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, err_size, -ENAMETOOLONG, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);

	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return fail(err, err_size, -errno, "creating %s: %s", dir, strerror(errno));
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, err_size, -errno, "socket: %s", strerror(errno));
	struct stat st;
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return fail(err, err_size, -EEXIST, "%s exists and is not a socket", path);
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa));
		if (probe >= 0)
			close(probe);
		if (live) {
			close(fd);
			return fail(err, err_size, -EADDRINUSE,
				    "a supervisor is already running on %s", path);
		}
		unlink(path); /* stale: nobody listens */
	}
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || listen(fd, 64)) {
		rc = -errno;
		close(fd);
		return fail(err, err_size, rc, "binding %s: %s", path, strerror(-rc));
	}
	sv->listen_fd = fd;
	return 0;
}

static void nice_scope_probe(struct sv *sv)
{
	char line[256] = "", cpu_path[200] = "/";
	FILE *f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		bool v1cpu = false;
		for (char *save, *t = strtok_r(ctl + 1, ",", &save); t; t = strtok_r(NULL, ",", &save))
			v1cpu |= !strcmp(t, "cpu");
		if (v1cpu || (sv->cg.cpu.version == 2 && ctl[1] == '\0'))
			snprintf(cpu_path, sizeof(cpu_path), "%s", path);
	}
	if (f)
		fclose(f);
	int autogroup = 0;
	f = fopen("/proc/sys/kernel/sched_autogroup_enabled", "re");
	if (f) {
		if (fscanf(f, "%d", &autogroup) != 1)
			autogroup = 0;
		fclose(f);
	}
	if (strcmp(cpu_path, "/"))
		snprintf(sv->nice_scope, sizeof(sv->nice_scope),
			 "setpriority before exec; all containers without --cpu-weight share the "
			 "supervisor's cpu cgroup %s, so nice ranks them against each other",
			 cpu_path);
	else if (autogroup)
		snprintf(sv->nice_scope, sizeof(sv->nice_scope),
			 "setpriority before exec; containers stay in the supervisor's session "
			 "(no setsid), so they share its autogroup and nice ranks them against "
			 "each other");
	else
		snprintf(sv->nice_scope, sizeof(sv->nice_scope),
			 "setpriority before exec; autogroup is off, so nice ranks all tasks "
			 "in the root cpu group");
}

/* The state and log dirs, and their parents: 0, or -errno with the reason in err. */
static int dirs_make(const struct supervisor_opts *o, char *err, size_t err_size)
{
	const char *dirs[] = {o->state_dir, o->log_dir};
	for (int i = 0; i < 2; i++) {
		char tmp[PROTO_PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s", dirs[i]);
		for (char *p = tmp + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return fail(err, err_size, -errno, "creating %s: %s", tmp, strerror(errno));
	}
	return 0;
}

/* Containers hold several fds each and clients one: use all the fds we may. */
static void nofile_raise(void)
{
	struct rlimit nofile;
	if (!getrlimit(RLIMIT_NOFILE, &nofile) && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
}

/* The loop until shutdown, then the end of every connection, of the log writer (once it has
 * written all) and of every record, with the cgroups. */
static int serve(struct sv *sv, char *err, size_t err_size)
{
	int rc = loop_run(sv);
	if (rc) {
		fail(err, err_size, rc, "event loop: %s", strerror(-rc));
		/* Nothing may outlive us: kill and reap what is left. */
		struct ctr_record *c = sv->containers, *next;
		for (; c; c = next) {
			next = c->next; /* the reap may free c */
			if (!ctr_alive(c))
				continue;
			kill(c->info.pid, SIGKILL);
			int st;
			struct rusage ru;
			if (wait4(c->info.pid, &st, 0, &ru) == c->info.pid)
				ctr_reaped(sv, c, st, &ru);
		}
	}
	while (sv->conns) {
		conn_flush(sv->conns);
		conn_close(sv, sv->conns);
	}
	logbuf_destroy(sv->log);
	while (sv->containers)
		ctr_forget(sv, sv->containers);
	cgroup_cleanup(&sv->cg);
	return rc;
}

int supervisor_run(const struct supervisor_opts *o, char *err, size_t err_size)
{
	struct sv sv = {.o = o, .listen_fd = -1, .sig_fd = -1, .wake_fd = -1, .events_file = -1,
			.spare_fd = -1, .self_pidfd = -1, .oom_fd = -1};
	int rc = dirs_make(o, err, err_size);
	if (rc)
		return rc;
	nofile_raise();
	cgroup_detect(&sv.cg);
	int stale = cgroup_reap_stale(&sv.cg);
	nice_scope_probe(&sv);
	slice_probe(&sv.slice);
	rc = memmon_open(&sv.mon, o->monitor, o->monitor_mode, o->monitor_period_ms, &sv.cg, err, err_size);
	if (rc)
		return rc;
	sv.oom_fd = cgroup_self_oom_open(&sv.cg); /* none: kernel OOM kills read as SIGKILL */

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sv.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sv.sig_fd < 0) {
		rc = fail(err, err_size, -errno, "signalfd: %s", strerror(errno));
		goto out_monitor;
	}
	sv.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sv.wake_fd < 0) {
		rc = fail(err, err_size, -errno, "eventfd: %s", strerror(errno));
		goto out_signals;
	}
	char path[PROTO_PATH_MAX];
	snprintf(path, sizeof(path), "%s/events.jsonl", o->state_dir);
	sv.events_file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sv.events_file < 0) {
		rc = fail(err, err_size, -errno, "events file %s: %s", path, strerror(errno));
		goto out_wake;
	}
	sv.self_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	sv.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	rc = socket_open(&sv, err, err_size);
	if (rc)
		goto out_events;
	rc = logbuf_create(&sv.log, o->log_buffer_bytes, ctr_log_sink, &sv.wake_fd);
	if (rc) {
		fail(err, err_size, rc, "starting the log writer: %s", strerror(-rc));
		goto out_socket;
	}
	logbuf_wake_fd_set(sv.log, sv.wake_fd);
	/* Everything the supervisor has to say about its start comes before it says it is ready. */
	if (access(o->log_dir, W_OK))
		supervisor_warn(&sv, "log dir %s is not writable (%s): starts will fail until it is",
				o->log_dir, strerror(errno));
	if (o->ready)
		o->ready(sv.mon.how, stale);

	rc = serve(&sv, err, err_size);
out_socket:
	if (sv.listen_fd >= 0) {
		close(sv.listen_fd);
		unlink(o->socket_path);
	}
out_events:
	if (sv.self_pidfd >= 0)
		close(sv.self_pidfd);
	if (sv.spare_fd >= 0)
		close(sv.spare_fd);
	close(sv.events_file);
out_wake:
	close(sv.wake_fd);
out_signals:
	close(sv.sig_fd);
out_monitor:
	memmon_close(&sv.mon);
	if (sv.oom_fd >= 0)
		close(sv.oom_fd);
	return rc;
}
