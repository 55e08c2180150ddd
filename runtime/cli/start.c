/* engine start and engine run: the same command line (ID ROOTFS CMD [ARGS...] [OPTIONS]); start
 * prints the host PID, run follows the output and exits with the container's status. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const start_help =
	"usage: engine start|run ID ROOTFS CMD [ARGS...] [OPTIONS]\n"
	"  ID       1-32 characters from [A-Za-z0-9_.-], not . or ..; also the hostname\n"
	"  ROOTFS   a directory, or - for the supervisor's default rootfs\n"
	"  CMD      the command inside the rootfs (searched in PATH there unless it has a /)\n"
	"options:\n"
	"  --nice N          -20..19, applied before exec\n"
	"  --cpus LIST       CPU affinity, e.g. 0 or 0-1,3\n"
	"  --cpu-weight W    1..10000: own cpu cgroup (v2 cpu.weight W, v1 cpu.shares W*1024/100)\n"
	"  --slice-us N      100..100000: the EEVDF slice its tasks request (sched_attr.sched_runtime\n"
	"                    N*1000 ns, set before exec, inherited by every child); Linux 6.12 or later\n"
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

struct start_cli {
	struct client_start_opts o;
	char rootfs[PATH_MAX];
};

/* One of the engine's own options at argv[*i] (its value consumed); false if w is none. */
static bool start_option(int argc, char **argv, int *i, struct start_cli *s)
{
	const char *w = argv[*i], *v;
	if (common_option(argc, argv, i, start_help)) {
		return true;
	} else if (opt_value(argc, argv, i, "--nice", &v)) {
		s->o.has_nice = true;
		s->o.nice = (int)parse_long("--nice", v, -20, 19);
	} else if (opt_value(argc, argv, i, "--cpus", &v)) {
		uint64_t mask[CPU_SETSIZE / 64];
		int rc = cpulist_parse(v, mask, CPU_SETSIZE - 1);
		if (rc)
			die(2, "--cpus: '%s' is not a CPU list such as 0 or 0-1,3%s", shown(v),
			    rc == -ERANGE ? " (CPU number too large)" : "");
		s->o.cpus = v;
	} else if (opt_value(argc, argv, i, "--cpu-weight", &v)) {
		s->o.cpu_weight = (unsigned)parse_long("--cpu-weight", v, 1, 10000);
	} else if (opt_value(argc, argv, i, "--slice-us", &v)) {
		s->o.slice_us = (unsigned)parse_long("--slice-us", v, PROTO_SLICE_US_MIN,
						     PROTO_SLICE_US_MAX);
	} else if (opt_value(argc, argv, i, "--soft-mib", &v)) {
		s->o.soft_mib = (unsigned)parse_long("--soft-mib", v, 1, 1 << 20);
	} else if (opt_value(argc, argv, i, "--hard-mib", &v)) {
		s->o.hard_mib = (unsigned)parse_long("--hard-mib", v, 1, 1 << 20);
	} else if (!strcmp(w, "--rm")) {
		s->o.rm = true;
	} else {
		return false;
	}
	return true;
}

/* The checks once every word is placed: ID, ROOTFS and CMD present and valid. */
static void start_check(struct start_cli *s, const char *const *pos, int npos, int ncmd,
			bool dashdash)
{
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
}

static void start_parse(int argc, char **argv, struct start_cli *s)
{
	static char *cmd[PROTO_ARGC_MAX + 1];
	const char *pos[2] = {NULL, NULL};
	int npos = 0, ncmd = 0;
	bool dashdash = false;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!dashdash && !strcmp(w, "--")) {
			dashdash = true;
			continue;
		}
		if (!dashdash) {
			if (start_option(argc, argv, &i, s))
				continue;
			if (npos < 2 && ncmd == 0 && w[0] == '-' && w[1])
				die(2, "unknown option %s (engine start --help)", shown(w));
		}
		if (npos < 2 && !dashdash)
			pos[npos++] = w;
		else if (ncmd < PROTO_ARGC_MAX)
			cmd[ncmd++] = (char *)w;
		else
			die(2, "more than %d command arguments", PROTO_ARGC_MAX);
	}
	start_check(s, pos, npos, ncmd, dashdash);
	cmd[ncmd] = NULL;
	s->o.argv = cmd;
}

int cmd_start(int argc, char **argv)
{
	struct start_cli s = {0};
	start_parse(argc, argv, &s);
	struct client c = connect_or_die();
	struct proto_container pc;
	if (client_start(&c, &s.o, &pc, NULL, 0))
		die(1, "start %s: %s", s.o.id, client_error(&c));
	printf("%d\n", pc.pid);
	client_close(&c);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct start_cli s = {0};
	start_parse(argc, argv, &s);
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
