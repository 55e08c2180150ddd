/* The engine CLI: parses a command line, then either runs the supervisor or talks to one
 * through client.h. Single-threaded; the only place besides forked children that prints
 * or exits. Every failure is one line on stderr: what failed, on what, and why. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "supervisor.h"

#define STOP_TIMEOUT_DEFAULT_MS 5000
#define LOG_BUFFER_DEFAULT_KIB  1024
#define LOG_BUFFER_MIN_KIB      64 /* one pipe read must fit */

static const char *const usage_text =
	"usage: engine COMMAND [ARGS...]   (engine COMMAND --help for details)\n"
	"  supervisor [DEFAULT_ROOTFS] [--socket PATH] [--state-dir DIR] [--log-dir DIR]\n"
	"             [--monitor auto|kmod|cgroup|proc] [--monitor-period-ms N] [--log-buffer-kib N]\n"
	"  start ID ROOTFS CMD [ARGS...] [OPTIONS]   start in the background, print the host PID\n"
	"  run ID ROOTFS CMD [ARGS...] [OPTIONS] [--rm]   run in the foreground, exit with its status\n"
	"  ps [--json]            list containers\n"
	"  logs ID [-f]           print a container's log; -f follows it until the container ends\n"
	"  stop ID [--timeout S]  SIGTERM, then SIGKILL after S seconds (default 5)\n"
	"  wait ID                wait for the end; exit with its status\n"
	"  inspect ID             everything the supervisor knows of it, as JSON\n"
	"  stats ID [--json]      current and peak RSS, CPU time\n"
	"  events [-f] [--json]   start, soft-limit, hard-limit, oom, stop and exit events\n"
	"  rm ID [--logs]         forget an ended container (and delete its log with --logs)\n"
	"Every client command takes --socket PATH (default $HOGLAB_SOCKET or "
	CLIENT_SOCKET_DEFAULT ").\n";

static const char *const start_help =
	"usage: engine start|run ID ROOTFS CMD [ARGS...] [OPTIONS]\n"
	"  ID       1-32 characters from [A-Za-z0-9_.-], not . or ..; also the hostname\n"
	"  ROOTFS   a directory, or - for the supervisor's default rootfs\n"
	"  CMD      the command inside the rootfs (searched in PATH there unless it has a /)\n"
	"options:\n"
	"  --nice N          -20..19, applied before exec\n"
	"  --cpus LIST       CPU affinity, e.g. 0 or 0-1,3\n"
	"  --cpu-weight W    1..10000: own cpu cgroup (v2 cpu.weight W, v1 cpu.shares W*1024/100)\n"
	"  --soft-mib N      memory soft limit in MiB: a soft-limit event per upward crossing\n"
	"  --hard-mib N      memory hard limit in MiB (at least 1, >= soft): the container is killed\n"
	"  --rm              forget the container when it ends (its log stays)\n"
	"  --socket PATH     the supervisor's socket\n"
	"Options may stand before ID. After CMD, words that are these option names are still the\n"
	"engine's (engine start hog r /memory_hog --hard-mib 20); every other word goes to CMD\n"
	"(engine run x r /bin/sh -c 'echo hi'). After --, every word belongs to CMD untouched.\n"
	"start prints the host PID. run prints the container's output as it comes and exits with\n"
	"its exit code, or 128+signal; SIGINT or SIGTERM to run stops the container (engine stop)\n"
	"and run still reports how it ended. A new container's log replaces the old one of its ID.\n";

static int die(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("engine: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* s made safe for a one-line message: control and non-ASCII bytes as \xNN, cut at 64. */
static const char *shown(const char *s)
{
	static char buf[2][64 * 4 + 4];
	static int turn;
	char *out = buf[turn ^= 1], *p = out;
	for (size_t i = 0; s[i]; i++) {
		if (i == 64) {
			strcpy(p, "...");
			return out;
		}
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			p += sprintf(p, "\\x%02x", ch);
		else
			*p++ = (char)ch;
	}
	*p = '\0';
	return out;
}

static bool is_help(const char *w)
{
	return !strcmp(w, "--help") || !strcmp(w, "-h");
}

/* "--name VALUE" or "--name=VALUE": *val set, *i advanced. Returns false if w is not it. */
static bool opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *w = argv[*i];
	size_t n = strlen(name);
	if (strncmp(w, name, n))
		return false;
	if (w[n] == '=') {
		*val = w + n + 1;
		return true;
	}
	if (w[n])
		return false;
	if (*i + 1 >= argc)
		die(2, "%s needs a value", name);
	*val = argv[++*i];
	return true;
}

static long parse_long(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno)
		die(2, "%s: '%s' is not a whole number", opt, shown(s));
	if (v < lo || v > hi)
		die(2, "%s: %ld is out of range %ld..%ld", opt, v, lo, hi);
	return v;
}

static const char *socket_path = NULL;

static struct client connect_or_die(void)
{
	struct client c;
	const char *path = socket_path ? socket_path : client_socket_path();
	if (client_connect(&c, path))
		die(1, "%s", client_error(&c));
	return c;
}

/* ---- start / run ---- */

struct start_cli {
	struct client_start_opts o;
	char rootfs[PATH_MAX];
};

static void start_parse(int argc, char **argv, struct start_cli *s, bool allow_rm)
{
	static char *cmd[PROTO_ARGC_MAX + 1];
	const char *pos[2] = {NULL, NULL};
	int npos = 0, ncmd = 0;
	bool dashdash = false;
	const char *v;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!dashdash && !strcmp(w, "--")) {
			dashdash = true;
			continue;
		}
		if (!dashdash) {
			if (is_help(w)) {
				fputs(start_help, stdout);
				exit(0);
			} else if (opt_value(argc, argv, &i, "--nice", &v)) {
				s->o.has_nice = true;
				s->o.nice = (int)parse_long("--nice", v, -20, 19);
				continue;
			} else if (opt_value(argc, argv, &i, "--cpus", &v)) {
				uint64_t mask[CPU_SETSIZE / 64];
				int rc = cpulist_parse(v, mask, CPU_SETSIZE - 1);
				if (rc)
					die(2, "--cpus: '%s' is not a CPU list such as 0 or 0-1,3%s", shown(v),
					    rc == -ERANGE ? " (CPU number too large)" : "");
				s->o.cpus = v;
				continue;
			} else if (opt_value(argc, argv, &i, "--cpu-weight", &v)) {
				s->o.cpu_weight = (unsigned)parse_long("--cpu-weight", v, 1, 10000);
				continue;
			} else if (opt_value(argc, argv, &i, "--soft-mib", &v)) {
				s->o.soft_mib = (unsigned)parse_long("--soft-mib", v, 1, 1 << 20);
				continue;
			} else if (opt_value(argc, argv, &i, "--hard-mib", &v)) {
				s->o.hard_mib = (unsigned)parse_long("--hard-mib", v, 1, 1 << 20);
				continue;
			} else if (opt_value(argc, argv, &i, "--socket", &v)) {
				socket_path = v;
				continue;
			} else if (allow_rm && !strcmp(w, "--rm")) {
				s->o.rm = true;
				continue;
			} else if (npos < 2 && ncmd == 0 && w[0] == '-' && w[1]) {
				die(2, "unknown option %s (engine start --help)", shown(w));
			}
		}
		if (npos < 2 && !dashdash)
			pos[npos++] = w;
		else if (ncmd < PROTO_ARGC_MAX)
			cmd[ncmd++] = (char *)w;
		else
			die(2, "more than %d command arguments", PROTO_ARGC_MAX);
	}
	if (npos < 2 && dashdash)
		die(2, "ID and ROOTFS must come before --");
	if (npos < 1)
		die(2, "missing ID (engine start --help)");
	if (npos < 2)
		die(2, "missing ROOTFS (engine start --help)");
	if (ncmd < 1)
		die(2, "missing CMD (engine start --help)");
	if (!id_is_valid(pos[0]))
		die(2, "invalid ID '%s': 1-%d characters from [A-Za-z0-9_.-], not . or ..",
		    shown(pos[0]), PROTO_ID_MAX);
	if (s->o.soft_mib && s->o.hard_mib && s->o.soft_mib > s->o.hard_mib)
		die(2, "--soft-mib %u is above --hard-mib %u", s->o.soft_mib, s->o.hard_mib);
	s->o.id = pos[0];
	if (strcmp(pos[1], "-")) {
		if (!realpath(pos[1], s->rootfs))
			die(1, "rootfs %s: %s", shown(pos[1]), strerror(errno));
		s->o.rootfs = s->rootfs;
	}
	cmd[ncmd] = NULL;
	s->o.argv = cmd;
}

static int cmd_start(int argc, char **argv)
{
	struct start_cli s = {0};
	start_parse(argc, argv, &s, true);
	struct client c = connect_or_die();
	struct proto_container pc;
	if (client_start(&c, &s.o, &pc, NULL, 0))
		die(1, "start %s: %s", s.o.id, client_error(&c));
	printf("%d\n", pc.pid);
	client_close(&c);
	return 0;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(1, "writing output: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Copies what the log holds beyond what was already copied. */
static void log_copy(int fd)
{
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(1, "reading the log: %s", strerror(errno));
		if (n == 0)
			return;
		write_all(1, buf, (size_t)n);
	}
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* engine stop ID on a second connection; the WAIT on the first then reports the end. */
static void stop_forward(const char *id)
{
	struct client s = connect_or_die();
	struct proto_container pc;
	int rc = client_stop(&s, id, STOP_TIMEOUT_DEFAULT_MS, &pc);
	if (rc && rc != -ESRCH) /* ESRCH: it ended meanwhile */
		fprintf(stderr, "engine: stop %s: %s\n", id, client_error(&s));
	client_close(&s);
}

/* Prints the log as it grows until the WAIT reply on c arrives, then the rest. With
 * forward_stop, SIGINT or SIGTERM stops the container; a second one ends this process. */
static void log_follow(struct client *c, const char *id, const char *path,
		       struct proto_container *end, bool forward_stop)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(1, "log %s: %s", path, strerror(errno));
	if (client_wait_begin(c, id))
		die(1, "wait %s: %s", id, client_error(c));
	struct sigaction sa = {.sa_handler = on_stop_signal}, old_int, old_term;
	if (forward_stop) {
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	for (;;) {
		log_copy(fd);
		if (stop_signal && forward_stop) {
			fprintf(stderr, "engine: %s, stopping %s\n", strsignal(stop_signal), id);
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			forward_stop = false;
			stop_forward(id);
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, 50);
		if (r < 0 && errno != EINTR)
			die(1, "poll: %s", strerror(errno));
		if (r > 0)
			break;
	}
	if (forward_stop) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (client_wait_end(c, end))
		die(1, "wait %s: %s", id, client_error(c));
	log_copy(fd);
	close(fd);
}

static int cmd_run(int argc, char **argv)
{
	struct start_cli s = {0};
	start_parse(argc, argv, &s, true);
	s.o.hold = true;
	struct client c = connect_or_die();
	struct proto_container pc;
	char log_path[PROTO_PATH_MAX];
	if (client_start(&c, &s.o, &pc, log_path, sizeof(log_path)))
		die(1, "run %s: %s", s.o.id, client_error(&c));
	log_follow(&c, s.o.id, log_path, &pc, true);
	client_close(&c);
	if (pc.state != PROTO_STATE_EXITED) {
		char reason[64];
		client_reason_format(&pc, reason, sizeof(reason));
		fprintf(stderr, "engine: %s %s\n", s.o.id, reason);
	}
	return client_exit_status(&pc);
}

/* ---- the other client commands ---- */

/* Parses "ID [flags]" for commands taking one ID; flag words are matched by the caller. */
struct id_cli {
	const char *id;
	bool json, follow, logs;
	uint32_t timeout_ms;
};

static void id_parse(int argc, char **argv, struct id_cli *a, const char *cmd, const char *help,
		     bool need_id)
{
	const char *v;
	a->timeout_ms = STOP_TIMEOUT_DEFAULT_MS;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (is_help(w)) {
			fputs(help, stdout);
			exit(0);
		} else if (opt_value(argc, argv, &i, "--socket", &v)) {
			socket_path = v;
		} else if (strstr(help, "--json") && !strcmp(w, "--json")) {
			a->json = true;
		} else if (strstr(help, "-f") && (!strcmp(w, "-f") || !strcmp(w, "--follow"))) {
			a->follow = true;
		} else if (strstr(help, "--logs") && !strcmp(w, "--logs")) {
			a->logs = true;
		} else if (strstr(help, "--timeout") && opt_value(argc, argv, &i, "--timeout", &v)) {
			char *end;
			errno = 0;
			double sec = strtod(v, &end);
			if (!*v || *end || errno || !(sec >= 0 && sec <= 86400))
				die(2, "--timeout: '%s' is not a number of seconds (0..86400)", shown(v));
			a->timeout_ms = (uint32_t)(sec * 1000 + 0.5);
		} else if (w[0] == '-' && w[1]) {
			die(2, "unknown option %s (engine %s --help)", shown(w), cmd);
		} else if (!a->id && need_id) {
			a->id = w;
		} else {
			die(2, "unexpected argument '%s' (engine %s --help)", shown(w), cmd);
		}
	}
	if (need_id && !a->id)
		die(2, "missing ID (engine %s --help)", cmd);
	if (need_id && !id_is_valid(a->id))
		die(2, "invalid ID '%s': 1-%d characters from [A-Za-z0-9_.-], not . or ..",
		    shown(a->id), PROTO_ID_MAX);
}

static void print_duration(char *buf, size_t size, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull;
	if (s < 60)
		snprintf(buf, size, "%.1fs", (double)ns / 1e9);
	else
		snprintf(buf, size, "%lum%02lus", (unsigned long)(s / 60), (unsigned long)(s % 60));
}

static uint64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmd_ps(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "ps",
		 "usage: engine ps [--json] [--socket PATH]\n"
		 "  ID, host PID, state, reason, nice, CPUs, CPU weight, memory limits, start and run "
		 "time.\n  --json prints one JSON document.\n",
		 false);
	struct client c = connect_or_die();
	struct proto_container *list;
	size_t n;
	if (client_ps(&c, &list, &n))
		die(1, "ps: %s", client_error(&c));
	uint64_t now = mono_now();
	if (a.json)
		printf("{\"containers\":[");
	else
		printf("%-20s %8s %-10s %-30s %5s %-8s %6s %6s %6s %-8s %s\n", "ID", "PID", "STATE",
		       "REASON", "NICE", "CPUS", "WEIGHT", "SOFT", "HARD", "STARTED", "RUNTIME");
	for (size_t i = 0; i < n; i++) {
		const struct proto_container *p = &list[i];
		char reason[64], started[16], run[32], nice[8];
		client_reason_format(p, reason, sizeof(reason));
		uint64_t run_ns = (p->end_mono_ns ? p->end_mono_ns : now) - p->start_mono_ns;
		time_t t = (time_t)(p->start_real_ns / 1000000000ull);
		struct tm tm;
		strftime(started, sizeof(started), "%H:%M:%S", localtime_r(&t, &tm));
		if (a.json) {
			printf("%s{\"id\":\"%s\",\"pid\":%d,\"state\":\"%s\",\"reason\":\"%s\","
			       "\"exit_code\":%d,\"signal\":%d,",
			       i ? "," : "", p->id, p->pid, proto_state_name(p->state), reason,
			       p->exit_code, p->term_signal);
			if (p->flags & PROTO_START_NICE)
				printf("\"nice\":%d,", p->nice);
			else
				printf("\"nice\":null,");
			printf("\"cpus\":\"%s\",\"cpu_weight\":%u,\"soft_mib\":%u,\"hard_mib\":%u,"
			       "\"start_mono_ns\":%llu,\"end_mono_ns\":%llu,\"start_unix_ns\":%llu,"
			       "\"run_ms\":%llu}",
			       p->cpus, p->cpu_weight, p->soft_mib, p->hard_mib,
			       (unsigned long long)p->start_mono_ns, (unsigned long long)p->end_mono_ns,
			       (unsigned long long)p->start_real_ns,
			       (unsigned long long)(run_ns / 1000000));
			continue;
		}
		print_duration(run, sizeof(run), run_ns);
		snprintf(nice, sizeof(nice), "%d", p->nice);
		char weight[12], soft[12], hard[12];
		snprintf(weight, sizeof(weight), "%u", p->cpu_weight);
		snprintf(soft, sizeof(soft), "%u", p->soft_mib);
		snprintf(hard, sizeof(hard), "%u", p->hard_mib);
		printf("%-20s %8d %-10s %-30s %5s %-8s %6s %6s %6s %-8s %s\n", p->id, p->pid,
		       proto_state_name(p->state), reason,
		       (p->flags & PROTO_START_NICE) ? nice : "-", p->cpus[0] ? p->cpus : "all",
		       p->cpu_weight ? weight : "-", p->soft_mib ? soft : "-", p->hard_mib ? hard : "-",
		       started, run);
	}
	if (a.json)
		printf("]}\n");
	free(list);
	client_close(&c);
	return 0;
}

static int cmd_logs(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "logs",
		 "usage: engine logs ID [-f] [--socket PATH]\n"
		 "  Prints the container's log (stdout and stderr); -f follows it until it ends.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_container pc;
	char path[PROTO_PATH_MAX];
	if (client_log(&c, a.id, &pc, path, sizeof(path)))
		die(1, "logs %s: %s", a.id, client_error(&c));
	bool live = pc.state == PROTO_STATE_STARTING || pc.state == PROTO_STATE_RUNNING;
	if (a.follow && live) {
		log_follow(&c, a.id, path, &pc, false);
	} else {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(1, "logs %s: %s: %s", a.id, path, strerror(errno));
		log_copy(fd);
		close(fd);
	}
	client_close(&c);
	return 0;
}

static int cmd_stop(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "stop",
		 "usage: engine stop ID [--timeout S] [--socket PATH]\n"
		 "  SIGTERM to the container's init, SIGKILL after S seconds (default 5; 0 = at once).\n"
		 "  Returns once it has ended; its state becomes stopped.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_container pc;
	if (client_stop(&c, a.id, a.timeout_ms, &pc))
		die(1, "stop %s: %s", a.id, client_error(&c));
	char reason[64];
	client_reason_format(&pc, reason, sizeof(reason));
	printf("%s %s\n", a.id, reason);
	client_close(&c);
	return 0;
}

static int cmd_wait(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "wait",
		 "usage: engine wait ID [--socket PATH]\n"
		 "  Waits until the container has ended and its log is complete, prints how it\n"
		 "  ended and exits with its exit code, or 128+signal.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_container pc;
	if (client_wait(&c, a.id, &pc))
		die(1, "wait %s: %s", a.id, client_error(&c));
	char reason[64];
	client_reason_format(&pc, reason, sizeof(reason));
	printf("%s %s\n", a.id, reason);
	client_close(&c);
	return client_exit_status(&pc);
}

static int cmd_inspect(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "inspect",
		 "usage: engine inspect ID [--socket PATH]\n"
		 "  Everything the supervisor knows of the container, as one JSON document.\n",
		 true);
	struct client c = connect_or_die();
	char *json;
	if (client_inspect(&c, a.id, &json))
		die(1, "inspect %s: %s", a.id, client_error(&c));
	fputs(json, stdout);
	free(json);
	client_close(&c);
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "rm",
		 "usage: engine rm ID [--logs] [--socket PATH]\n"
		 "  Forgets an ended container. Its log stays unless --logs.\n",
		 true);
	struct client c = connect_or_die();
	if (client_rm(&c, a.id, a.logs))
		die(1, "rm %s: %s", a.id, client_error(&c));
	client_close(&c);
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "stats",
		 "usage: engine stats ID [--json] [--socket PATH]\n"
		 "  Current RSS (0 once ended), peak RSS as the memory monitor saw it, and CPU time\n"
		 "  (user + system) of all the container's processes.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_stats st;
	if (client_stats(&c, a.id, &st))
		die(1, "stats %s: %s", a.id, client_error(&c));
	if (a.json)
		printf("{\"id\":\"%s\",\"state\":\"%s\",\"monitor\":\"%s\",\"rss_kib\":%llu,"
		       "\"rss_peak_kib\":%llu,\"cpu_ms\":%llu,\"run_ms\":%llu}\n",
		       a.id, proto_state_name(st.state), proto_monitor_name(st.monitor),
		       (unsigned long long)st.rss_kib, (unsigned long long)st.rss_peak_kib,
		       (unsigned long long)(st.cpu_ns / 1000000), (unsigned long long)(st.run_ns / 1000000));
	else
		printf("%-20s %-10s %-7s %10s %10s %10s %10s\n%-20s %-10s %-7s %10.1f %10.1f %10.1f %10.1f\n",
		       "ID", "STATE", "MONITOR", "RSS_MiB", "PEAK_MiB", "CPU_s", "RUN_s", a.id,
		       proto_state_name(st.state), proto_monitor_name(st.monitor),
		       (double)st.rss_kib / 1024, (double)st.rss_peak_kib / 1024, (double)st.cpu_ns / 1e9,
		       (double)st.run_ns / 1e9);
	client_close(&c);
	return 0;
}

static int cmd_events(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "events",
		 "usage: engine events [-f] [--json] [--socket PATH]\n"
		 "  The supervisor's events (the newest 1024): start, soft-limit, hard-limit, oom, stop,\n"
		 "  exit, each with time, container, PID, RSS and limit. -f keeps following them.\n"
		 "  --json prints one JSON object per line, as <state-dir>/events.jsonl holds them.\n",
		 false);
	struct client c = connect_or_die();
	uint64_t after = 0;
	bool wait = false;
	do {
		struct proto_event *list;
		size_t n;
		if (client_events(&c, after, wait, &list, &n))
			die(1, "events: %s", client_error(&c));
		for (size_t i = 0; i < n; i++) {
			char line[512];
			if (proto_event_format(&list[i], a.json, line, sizeof(line)) > 0)
				puts(line);
			after = list[i].seq;
		}
		free(list);
		fflush(stdout);
		wait = true;
	} while (a.follow);
	client_close(&c);
	return 0;
}

/* ---- supervisor ---- */

static const char *abs_path(const char *p, char *buf, size_t size)
{
	if (p[0] == '/')
		return p;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		die(1, "getcwd: %s", strerror(errno));
	if ((size_t)snprintf(buf, size, "%s/%s", cwd, p) >= size)
		die(2, "path too long: %s", p);
	return buf;
}

static const char *supervisor_socket;

static void supervisor_ready(const char *monitor, int stale_cgroups)
{
	printf("engine: supervisor %d on %s, memory monitor: %s\n", (int)getpid(), supervisor_socket,
	       monitor);
	if (stale_cgroups)
		printf("engine: removed %d empty cgroup director%s of dead supervisors\n",
		       stale_cgroups, stale_cgroups == 1 ? "y" : "ies");
	fflush(stdout);
}

static void supervisor_warn(const char *line)
{
	fprintf(stderr, "engine: supervisor: %s\n", line);
}

static int cmd_supervisor(int argc, char **argv)
{
	static const char *const help =
		"usage: engine supervisor [DEFAULT_ROOTFS] [--socket PATH] [--state-dir DIR]\n"
		"                         [--log-dir DIR] [--monitor auto|kmod|cgroup|proc]\n"
		"                         [--monitor-period-ms N] [--log-buffer-kib N]\n"
		"  Runs in the foreground until SIGINT or SIGTERM, which stop every container\n"
		"  (SIGTERM, SIGKILL 3 s later), flush the logs and remove the socket.\n"
		"  --socket      default $HOGLAB_SOCKET or " CLIENT_SOCKET_DEFAULT "\n"
		"  --state-dir   one JSON file per container (default " SUPERVISOR_STATE_DIR ")\n"
		"  --log-dir     <ID>.log per container (default " SUPERVISOR_LOG_DIR ")\n"
		"  --monitor     memory monitor backend (default auto: kmod if " "/dev/container_monitor\n"
		"                exists, else the memory cgroup controller, else proc)\n"
		"  --monitor-period-ms  sampling period of the cgroup and proc backends (default 100)\n"
		"  --log-buffer-kib  bounded log buffer size (default 1024, at least 64)\n";
	static char rootfs[PATH_MAX], state[PATH_MAX], logs[PATH_MAX], sock[PATH_MAX];
	struct supervisor_opts o = {
		.state_dir = SUPERVISOR_STATE_DIR,
		.log_dir = SUPERVISOR_LOG_DIR,
		.monitor = MONITOR_AUTO,
		.monitor_period_ms = MONITOR_PERIOD_DEFAULT_MS,
		.ready = supervisor_ready,
		.warn = supervisor_warn,
		.log_buffer_bytes = LOG_BUFFER_DEFAULT_KIB * 1024,
	};
	const char *v;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (is_help(w)) {
			fputs(help, stdout);
			return 0;
		} else if (opt_value(argc, argv, &i, "--socket", &v)) {
			socket_path = v;
		} else if (opt_value(argc, argv, &i, "--state-dir", &v)) {
			o.state_dir = abs_path(v, state, sizeof(state));
		} else if (opt_value(argc, argv, &i, "--log-dir", &v)) {
			o.log_dir = abs_path(v, logs, sizeof(logs));
		} else if (opt_value(argc, argv, &i, "--monitor", &v)) {
			if (monitor_kind_parse(v, &o.monitor))
				die(2, "--monitor: '%s' is not auto, kmod, cgroup or proc", shown(v));
		} else if (opt_value(argc, argv, &i, "--monitor-period-ms", &v)) {
			o.monitor_period_ms = (unsigned)parse_long("--monitor-period-ms", v, 1, 60000);
		} else if (opt_value(argc, argv, &i, "--log-buffer-kib", &v)) {
			o.log_buffer_bytes =
				(size_t)parse_long("--log-buffer-kib", v, LOG_BUFFER_MIN_KIB, 1 << 20) *
				1024;
		} else if (w[0] == '-' && w[1]) {
			die(2, "unknown option %s (engine supervisor --help)", shown(w));
		} else if (!o.default_rootfs) {
			if (!realpath(w, rootfs))
				die(1, "default rootfs %s: %s", shown(w), strerror(errno));
			o.default_rootfs = rootfs;
		} else {
			die(2, "unexpected argument '%s' (engine supervisor --help)", shown(w));
		}
	}
	o.socket_path = abs_path(socket_path ? socket_path : client_socket_path(), sock, sizeof(sock));
	supervisor_socket = o.socket_path;
	char err[512];
	int rc = supervisor_run(&o, err, sizeof(err));
	if (rc)
		die(1, "supervisor: %s", err);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"supervisor", cmd_supervisor}, {"start", cmd_start}, {"run", cmd_run},
		{"ps", cmd_ps},                 {"logs", cmd_logs},   {"stop", cmd_stop},
		{"wait", cmd_wait},             {"inspect", cmd_inspect}, {"rm", cmd_rm},
		{"stats", cmd_stats},           {"events", cmd_events},
	};
	if (argc < 2 || is_help(argv[1])) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	die(2, "unknown command '%s' (engine --help)", argv[1]);
}
