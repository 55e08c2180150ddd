/* The supervisor: one event-loop thread owning every container and client connection, plus
 * the logbuf writer thread, which touches only log files. Entered from the CLI's main. */
#ifndef HOGLAB_SUPERVISOR_H
#define HOGLAB_SUPERVISOR_H

#include <stddef.h>

#include "memmon.h"

#define SUPERVISOR_STATE_DIR "/run/hoglab/state"
#define SUPERVISOR_LOG_DIR   "/var/log/hoglab"
#define SUPERVISOR_SHUTDOWN_GRACE_MS 3000

struct supervisor_opts {
	const char *socket_path;
	const char *state_dir;
	const char *log_dir;
	const char *default_rootfs; /* absolute, or NULL */
	enum monitor_kind monitor;
	unsigned monitor_mode;      /* kmod: MONITOR_MODE_SCAN or _EVENT; 0 = the module's default */
	unsigned monitor_period_ms; /* sampling period of the cgroup and proc backends */
	size_t log_buffer_bytes;
	/* Called once the socket listens: the memory monitor chosen (and why), and how many
	 * empty cgroup directories of dead supervisors were removed. */
	void (*ready)(const char *monitor, int stale_cgroups);
	/* Called from the event loop with one line on trouble it keeps serving through: a log
	 * dir that cannot be written, a container's output lost to a full disk. May be NULL. */
	void (*warn)(const char *line);
};

/* Runs until SIGTERM/SIGINT and a clean shutdown (0), or fails to start (-errno with a
 * one-line reason in err). */
int supervisor_run(const struct supervisor_opts *o, char *err, size_t err_size);

#endif
