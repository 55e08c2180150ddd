/* The engine CLI's shared parts: one file per verb (cli/<verb>.c) plus these helpers for
 * options, messages and the connection. Single-threaded; with forked children, the only code
 * that prints or exits. Every failure is one line on stderr: what failed, on what, and why. */
#ifndef HOGLAB_CLI_H
#define HOGLAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/client.h"

#define STOP_TIMEOUT_DEFAULT_MS 5000

/* --socket PATH as given, or NULL for $HOGLAB_SOCKET or the default. */
extern const char *cli_socket_path;

/* "engine: " and the message on stderr, then exit(code). */
__attribute__((noreturn, format(printf, 2, 3))) void die(int code, const char *fmt, ...);
/* s made safe for a one-line message: control and non-ASCII bytes as \xNN, cut at 64. Two
 * results stay valid at a time. */
const char *shown(const char *s);
bool is_help(const char *w);
/* "--name VALUE" or "--name=VALUE": *val set, *i advanced. Returns false if w is not it. */
bool opt_value(int argc, char **argv, int *i, const char *name, const char **val);
/* A whole number in lo..hi, or one line and exit 2. */
long parse_long(const char *opt, const char *s, long lo, long hi);
struct client connect_or_die(void);
/* --help (prints help, exit 0) or --socket PATH at argv[*i]; false if it is neither. */
bool common_option(int argc, char **argv, int *i, const char *help);

/* "ID [flags]" of the commands that take one ID (or none); a flag counts only where help
 * mentions it. */
struct id_cli {
	const char *id;
	bool json, follow, logs;
	uint32_t timeout_ms;
};
void id_parse(int argc, char **argv, struct id_cli *a, const char *cmd, const char *help,
	      bool need_id);

/* Copies what the log fd holds beyond what was already copied to stdout. */
void log_copy(int fd);
/* Prints the log as it grows until the WAIT reply on c arrives, then the rest. With
 * forward_stop, SIGINT or SIGTERM stops the container; a second one ends this process. */
void log_follow(struct client *c, const char *id, const char *path, struct proto_container *end,
		bool forward_stop);

/* The verbs: argc/argv after the verb; the exit status. */
int cmd_supervisor(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_events(int argc, char **argv);

#endif
