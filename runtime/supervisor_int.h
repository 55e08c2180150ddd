/* The supervisor's internals, shared by its files: the container record (struct ctr_record),
 * the client connection (struct conn) and the supervisor (struct sv). All of them belong to
 * the event-loop thread; the logbuf writer thread touches only the log_* atomics and file_fd
 * of a record, through log tags (supervisor_ctr.c). */
#ifndef HOGLAB_SUPERVISOR_INT_H
#define HOGLAB_SUPERVISOR_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#include "cgroup.h"
#include "lib/clock.h"
#include "lib/logbuf.h"
#include "protocol.h"
#include "slice.h"
#include "supervisor.h"

#define EVENTS_KEPT    1024 /* the newest events, for engine events */
#define CONN_PARTIAL_MS 5000 /* a message must be complete this long after its first byte */

struct conn;

/* A container the supervisor knows: running, or ended and not yet forgotten. */
struct ctr_record {
	struct ctr_record *next;
	struct proto_container info;
	char *rootfs;
	char **argv;
	char log_path[PROTO_PATH_MAX];
	struct cgroup_box box;      /* its cgroups (cpu for --cpu-weight, memory for the monitor) */
	struct monitor_watch watch; /* pid 0 until running */
	uint64_t cpu_ns;            /* final CPU time, from the reap */
	int err_fd;       /* start report pipe, -1 once read */
	int log_fd;       /* read end of stdout/stderr pipe, -1 at EOF */
	int file_fd;      /* the log file, written by the logbuf writer thread */
	char *pending;    /* a chunk the full log buffer refused: log_fd is not polled meanwhile */
	size_t pending_len;
	uint64_t log_pushed;           /* bytes queued in the log buffer */
	_Atomic uint64_t log_written;  /* bytes the writer thread has passed to file_fd */
	_Atomic uint64_t log_lost;     /* of those, bytes the file refused (ENOSPC, EIO...) */
	_Atomic int log_errno;         /* the first such error, 0 = none */
	_Atomic bool draining;         /* reaped: the writer signals wake_fd after each chunk */
	bool reaped;                   /* its end is known; the record ends once its log is */
	int status;                    /* from the reap */
	struct rusage ru;
	bool failed;      /* setup failed: hidden, freed at the reap */
	bool stop_requested;
	uint64_t kill_at_ns; /* SIGKILL deadline of a stop, 0 = none */
	bool oom_known;          /* without a memory cgroup of its own: the next field is valid */
	uint64_t oom_kills_at_start; /* the supervisor's memory cgroup's oom_kill before clone */
	struct conn *start_conn;
	struct conn *hold_conn;
};

struct conn {
	struct conn *next;
	int fd;
	struct proto_hdr hdr; /* received into directly */
	char *in;        /* the payload so far, in_cap bytes allocated */
	size_t in_len;   /* header and payload bytes received */
	size_t in_cap;
	uint64_t partial_since_ns; /* first byte of an incomplete message, 0 = none */
	uint64_t idle_since_ns;    /* last reply or accept, to pick whom to close when full */
	char *out;
	size_t out_len, out_off;
	struct ctr_record *waiting; /* a WAIT or STOP reply is due when this one ends */
	uint16_t waiting_type;
	bool starting;   /* a START reply is due */
	bool events_wait; /* an EVENTS reply is due once an event after events_after exists */
	uint64_t events_after;
	bool dead;
};

struct sv {
	const struct supervisor_opts *o;
	int listen_fd;
	int sig_fd;
	struct logbuf *log;
	int wake_fd;          /* eventfd the log writer signals when it frees room */
	struct cgroup_host cg;
	struct monitor mon;
	int oom_fd;           /* oom_kill counter of our own memory cgroup, -1 = none */
	uint64_t oom_kills_used; /* that counter's kills already taken as some container's end */
	int events_file;      /* <state-dir>/events.jsonl, append only; -1 if it cannot be opened */
	struct proto_event events[EVENTS_KEPT]; /* ring of the newest events */
	uint64_t event_seq;   /* seq of the newest event */
	char nice_scope[256];
	struct slice_support slice; /* whether --slice-us can work here, probed once at start */
	struct ctr_record *containers;
	struct conn *conns;
	size_t nconns;
	int spare_fd;         /* closed to accept (and drop) a client when out of fds */
	int self_pidfd;       /* containers check it: their supervisor must still be alive */
	bool shutting_down;
	uint64_t shutdown_kill_at_ns;
};

/* supervisor.c: the loop, deadlines, shutdown and setup. */
__attribute__((format(printf, 2, 3))) void supervisor_warn(struct sv *sv, const char *fmt, ...);

/* supervisor_conn.c: the connection layer. */
void conn_queue(struct conn *k, uint16_t type, int32_t status, const void *p, size_t len);
__attribute__((format(printf, 4, 5))) void conn_error(struct conn *k, uint16_t type, int err,
						      const char *fmt, ...);
void conn_reply_container(struct conn *k, uint16_t type, const struct ctr_record *c);
void conn_flush(struct conn *k);
void conn_close(struct sv *sv, struct conn *k);
bool conn_busy(const struct conn *k);
void conn_read(struct sv *sv, struct conn *k);
void conn_accept(struct sv *sv);

/* supervisor_request.c: one complete request of k, to its handler. */
void request_dispatch(struct sv *sv, struct conn *k);

/* supervisor_ctr.c: the container lifecycle. */
struct ctr_record *ctr_find(struct sv *sv, const char *id);
bool ctr_ended(const struct ctr_record *c);
bool ctr_alive(const struct ctr_record *c);
bool ctr_in_sv_memcg(const struct sv *sv, const struct ctr_record *c);
void ctr_free(struct sv *sv, struct ctr_record *c);
void ctr_peak_update(struct ctr_record *c);
void ctr_forget(struct sv *sv, struct ctr_record *c);
void ctr_maybe_forget(struct sv *sv, struct ctr_record *c);
int ctr_log_sink(void *sink_arg, void *tag, const void *data, size_t len);
void ctr_read_log(struct sv *sv, struct ctr_record *c);
void ctr_logs_resume(struct sv *sv);
void ctr_started(struct sv *sv, struct ctr_record *c);
void ctr_reaped(struct sv *sv, struct ctr_record *c, int status, const struct rusage *ru);
void ctr_reap_all(struct sv *sv);
void ctr_monitor_run(struct sv *sv);

/* supervisor_event.c: the event ring and events.jsonl. */
void event_reply(struct sv *sv, struct conn *k, uint64_t after);
void event_emit(struct sv *sv, const struct ctr_record *c, uint32_t type, uint64_t rss,
		uint64_t limit);

/* supervisor_state.c: a record as JSON (inspect), and its state file. */
/* The record as one JSON document and a newline (malloc'd; *len counts the newline, not the
 * NUL), or NULL with -errno in *err. */
char *state_json(struct sv *sv, const struct ctr_record *c, size_t *len, int *err);
void state_path(struct sv *sv, const char *id, char *buf, size_t size);
void state_write(struct sv *sv, const struct ctr_record *c);

#endif
