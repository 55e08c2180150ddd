/* engine supervisor: parses the daemon's options and runs supervisor_run in the foreground;
 * its ready and warn callbacks print for the operator. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "runtime/supervisor.h"

#define LOG_BUFFER_DEFAULT_KIB  1024
#define LOG_BUFFER_MIN_KIB      64 /* one pipe read must fit */

static const char *const help =
	"usage: engine supervisor [DEFAULT_ROOTFS] [--socket PATH] [--state-dir DIR]\n"
	"                         [--log-dir DIR] [--monitor auto|kmod|cgroup|proc]\n"
	"                         [--monitor-mode scan|event] [--monitor-period-ms N]\n"
	"                         [--log-buffer-kib N]\n"
	"  Runs in the foreground until SIGINT or SIGTERM, which stop every container\n"
	"  (SIGTERM, SIGKILL 3 s later), flush the logs and remove the socket.\n"
	"  --socket      default $HOGLAB_SOCKET or " CLIENT_SOCKET_DEFAULT "\n"
	"  --state-dir   one JSON file per container (default " SUPERVISOR_STATE_DIR ")\n"
	"  --log-dir     <ID>.log per container (default " SUPERVISOR_LOG_DIR ")\n"
	"  --monitor     memory monitor backend (default auto: kmod if " "/dev/container_monitor\n"
	"                exists, else the memory cgroup controller, else proc)\n"
	"  --monitor-mode  kmod only: scan (the module's periodic scan) or event (also its\n"
	"                rss_stat probe, which checks as the container's RSS grows); default:\n"
	"                the module's own default (its mode= parameter)\n"
	"  --monitor-period-ms  sampling period of the cgroup and proc backends (default 100)\n"
	"  --log-buffer-kib  bounded log buffer size (default 1024, at least 64)\n";

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

/* The words after "supervisor" into o; exits on --help and on a bad word. */
static void daemon_parse(int argc, char **argv, struct supervisor_opts *o)
{
	static char rootfs[PATH_MAX], state[PATH_MAX], logs[PATH_MAX];
	const char *v;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (common_option(argc, argv, &i, help)) {
			continue;
		} else if (opt_value(argc, argv, &i, "--state-dir", &v)) {
			o->state_dir = abs_path(v, state, sizeof(state));
		} else if (opt_value(argc, argv, &i, "--log-dir", &v)) {
			o->log_dir = abs_path(v, logs, sizeof(logs));
		} else if (opt_value(argc, argv, &i, "--monitor", &v)) {
			if (memmon_kind_parse(v, &o->monitor))
				die(2, "--monitor: '%s' is not auto, kmod, cgroup or proc", shown(v));
		} else if (opt_value(argc, argv, &i, "--monitor-mode", &v)) {
			if (memmon_mode_parse(v, &o->monitor_mode))
				die(2, "--monitor-mode: '%s' is not scan or event", shown(v));
		} else if (opt_value(argc, argv, &i, "--monitor-period-ms", &v)) {
			o->monitor_period_ms = (unsigned)parse_long("--monitor-period-ms", v, 1, 60000);
		} else if (opt_value(argc, argv, &i, "--log-buffer-kib", &v)) {
			o->log_buffer_bytes =
				(size_t)parse_long("--log-buffer-kib", v, LOG_BUFFER_MIN_KIB, 1 << 20) *
				1024;
		} else if (w[0] == '-' && w[1]) {
			die(2, "unknown option %s (engine supervisor --help)", shown(w));
		} else if (!o->default_rootfs) {
			if (!realpath(w, rootfs))
				die(1, "default rootfs %s: %s", shown(w), strerror(errno));
			o->default_rootfs = rootfs;
		} else {
			die(2, "unexpected argument '%s' (engine supervisor --help)", shown(w));
		}
	}
}

int cmd_supervisor(int argc, char **argv)
{
	static char sock[PATH_MAX];
	struct supervisor_opts o = {
		.state_dir = SUPERVISOR_STATE_DIR,
		.log_dir = SUPERVISOR_LOG_DIR,
		.monitor = MONITOR_AUTO,
		.monitor_period_ms = MONITOR_PERIOD_DEFAULT_MS,
		.ready = supervisor_ready,
		.warn = supervisor_warn,
		.log_buffer_bytes = LOG_BUFFER_DEFAULT_KIB * 1024,
	};
	daemon_parse(argc, argv, &o);
	o.socket_path = abs_path(cli_socket_path ? cli_socket_path : client_socket_path(), sock,
				 sizeof(sock));
	supervisor_socket = o.socket_path;
	char err[512];
	if (supervisor_run(&o, err, sizeof(err)))
		die(1, "supervisor: %s", err);
	return 0;
}
