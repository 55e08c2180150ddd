/* Creating one container process: clone into new PID, UTS and mount namespaces, set up its
 * root, then exec. Called from the supervisor's event-loop thread only; keeps no state. */
#ifndef HOGLAB_CONTAINER_H
#define HOGLAB_CONTAINER_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONTAINER_ERR_MSG 248

struct container_spec {
	const char *id;       /* also the hostname */
	const char *rootfs;   /* absolute path of a directory */
	char *const *argv;
	bool has_nice;
	int nice;
	bool has_cpus;
	cpu_set_t cpus;
	uint64_t slice_ns;    /* EEVDF custom slice (sched_runtime) after nice, 0 = the kernel's */
	int cgroup_procs_fd[2]; /* cgroup.procs files (or -1): the child moves itself there first */
	int log_fd;           /* becomes the child's stdout and stderr */
	int parent_pidfd;     /* pidfd of the supervisor (or -1): the child ends if it is gone */
};

/* Errors before exec, written by the child to the close-on-exec pipe. */
struct container_err {
	int err;
	char msg[CONTAINER_ERR_MSG];
};

/* Clones the child and returns once it has exec'd or exited: the calling thread is suspended
 * while the child sets up the container (mounts under the rootfs, pivot_root). On success *pid
 * is its host PID and *err_fd the pipe's read end (close-on-exec, non-blocking): EOF means the
 * command was exec'd, a container_err that it was not; either is there at once or very soon
 * (exec closes the pipe just after it releases the caller). The child is the caller's, to
 * reap. */
int container_spawn(const struct container_spec *s, pid_t *pid, int *err_fd);
/* Reads the pipe: 1 when the command was exec'd, 0 with *e filled when setup failed,
 * -EAGAIN when the child has not got that far yet. */
int container_spawn_result(int err_fd, struct container_err *e);

#endif
