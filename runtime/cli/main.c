/* The engine CLI's entry: the usage text and the dispatch to one file per verb (cli/<verb>.c,
 * cli/daemon.c for the supervisor). Single-threaded; with the verbs, the only place besides
 * forked children that prints or exits. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
