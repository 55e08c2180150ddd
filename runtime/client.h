/* Client side of the engine's control socket, used by the CLI and the lab's runner: one
 * blocking call per request, each returning 0 or -errno with the supervisor's one-line
 * message in client_error(). A struct client is one connection; use it from one thread. */
#ifndef HOGLAB_CLIENT_H
#define HOGLAB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define CLIENT_SOCKET_DEFAULT "/run/hoglab/engine.sock"

struct client {
	int fd;
	char error[PROTO_ERR_MAX + PROTO_PATH_MAX]; /* why the last call failed, one line */
};

/* What to start. Zero-initialise, then set what you need: 0 / NULL / false mean "not set". */
struct client_start_opts {
	const char *id;
	const char *rootfs;   /* absolute path; NULL or "" for the supervisor's default */
	char *const *argv;    /* NULL-terminated; argv[0] is the command inside the rootfs */
	bool has_nice;
	int nice;             /* -20..19, applied before exec */
	const char *cpus;     /* CPU list for affinity, e.g. "0" or "0-1,3" */
	unsigned cpu_weight;  /* 1..10000 (cgroup v2 units; v1 cpu.shares = W * 1024 / 100) */
	unsigned soft_mib;    /* memory limits in MiB, enforced by the supervisor's monitor */
	unsigned hard_mib;
	unsigned slice_us;    /* EEVDF custom slice, PROTO_SLICE_US_MIN..MAX us (Linux 6.12 and later) */
	bool rm;              /* forget the record when it ends; the log stays */
	bool hold;            /* with rm: keep the record until this connection waits or closes */
};

/* The socket path to use: $HOGLAB_SOCKET if set, else CLIENT_SOCKET_DEFAULT. */
const char *client_socket_path(void);
int client_connect(struct client *c, const char *sock_path);
void client_close(struct client *c);
const char *client_error(const struct client *c);

/* Returns once the command has been exec'd (or failed to be: then -errno and the reason). */
int client_start(struct client *c, const struct client_start_opts *o, struct proto_container *out,
		 char *log_path, size_t log_path_size);
/* Blocks until the container has ended and its log is complete on disk. */
int client_wait(struct client *c, const char *id, struct proto_container *out);
/* client_wait in two halves, so a caller can poll c->fd (readable = the reply is there)
 * while it does other work, or wait on many connections at once. */
int client_wait_begin(struct client *c, const char *id);
int client_wait_end(struct client *c, struct proto_container *out);
/* SIGTERM, SIGKILL after timeout_ms; returns once it has ended (state PROTO_STATE_STOPPED). */
int client_stop(struct client *c, const char *id, uint32_t timeout_ms, struct proto_container *out);
int client_rm(struct client *c, const char *id, bool logs);
/* *json is malloc'd; the caller frees it. */
int client_inspect(struct client *c, const char *id, char **json);
/* *list is malloc'd (NULL when *count is 0); the caller frees it. */
int client_ps(struct client *c, struct proto_container **list, size_t *count);
/* The log path of an ID, and the container if still known (else state PROTO_STATE_UNKNOWN);
 * -ENOENT ("no container ID") when neither the container nor its log exists. */
int client_log(struct client *c, const char *id, struct proto_container *out, char *log_path,
	       size_t log_path_size);

/* The supervisor's events with seq > after_seq, oldest first (*list malloc'd, NULL when
 * *count is 0). With wait, blocks until there is at least one. */
int client_events(struct client *c, uint64_t after_seq, bool wait, struct proto_event **list,
		  size_t *count);
/* Current and peak RSS and CPU time of a container. */
int client_stats(struct client *c, const char *id, struct proto_stats *out);

/* "exit 0", "signal 9", "stopped (signal 9)", "hard-limit (proc 20.3/20 MiB)", "running" ...
 * into buf. */
void client_reason_format(const struct proto_container *pc, char *buf, size_t size);
/* The shell-style status of an ended container: its exit code, or 128 + signal; 128 + SIGKILL
 * for hard-limit and oom, even when the kernel killed a child and the init ended by itself. */
int client_exit_status(const struct proto_container *pc);

#endif
