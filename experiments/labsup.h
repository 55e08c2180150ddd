/* What the lab's runners (lab, memlab) share around a run: a private engine supervisor of
 * their own (started, connected to, stopped) and the machine half of a run's meta file.
 * The caller owns the supervisor's PID and the client; call from one thread. */
#ifndef HOGLAB_LABSUP_H
#define HOGLAB_LABSUP_H

#include <stdio.h>
#include <sys/types.h>

#include "runtime/client.h"

struct labsup_opts {
	const char *engine;    /* the engine binary */
	const char *tmp;       /* a private dir for its socket and state */
	const char *log_dir;   /* container logs; the supervisor's own output goes to log_file */
	const char *log_file;
	char *const *extra;    /* more supervisor arguments (NULL-terminated), or NULL */
};

/* Starts the supervisor and connects c to it within 10 s; its socket path into sock. Returns
 * 0 with *pid set, or -errno with the reason in err (nothing left running). */
int labsup_start(const struct labsup_opts *o, struct client *c, pid_t *pid, char *sock, size_t socklen,
		 char *err, size_t errlen);
/* SIGTERM, SIGKILL after 5 s; always reaps it. */
void labsup_stop(pid_t pid);

/* date, kernel, cpu_model, cpu_count, autogroup and git_revision lines, key=value. */
void labsup_meta_machine(FILE *f);

#endif
