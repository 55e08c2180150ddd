/* Bounded, lossless byte buffer between any number of producer threads and one writer thread
 * that hands each chunk to a sink (the engine's container logs, the lab's CSV writer).
 * One mutex guards the queue; producers wait on not_full, the writer on not_empty. A producer
 * that must never block (an event loop) uses logbuf_try_push and polls a wake-up eventfd. */
#ifndef HOGLAB_LOGBUF_H
#define HOGLAB_LOGBUF_H

#include <stddef.h>
#include <stdint.h>

struct logbuf;

/* Called by the writer thread only, without the buffer's lock held, once per pushed chunk in
 * push order; tag is what the producer passed. Returns 0 or -errno (counted in sink_errors;
 * the chunk is then dropped and the writer carries on). */
typedef int (*logbuf_sink_fn)(void *sink_arg, void *tag, const void *data, size_t len);

struct logbuf_stats {
	uint64_t bytes;          /* passed to the sink */
	uint64_t chunks;         /* passed to the sink */
	uint64_t producer_waits; /* pushes that had to wait for room */
	uint64_t sink_errors;
};

/* Starts the writer thread. capacity_bytes bounds the bytes queued and not yet written. */
int logbuf_create(struct logbuf **out, size_t capacity_bytes, logbuf_sink_fn sink, void *sink_arg);
/* Copies data; blocks while full. -EMSGSIZE if len > capacity, -EPIPE after destroy began.
 * len 0 is a no-op. tag must stay valid until a later logbuf_flush() has returned. */
int logbuf_push(struct logbuf *b, void *tag, const void *data, size_t len);
/* logbuf_push that never waits: -EAGAIN when there is no room now. After an -EAGAIN the
 * writer adds 1 to the wake-up eventfd (if one is set) as soon as it has freed room. */
int logbuf_try_push(struct logbuf *b, void *tag, const void *data, size_t len);
/* The eventfd (owned by the caller, non-blocking) that logbuf_try_push's callers poll. */
void logbuf_wake_fd_set(struct logbuf *b, int fd);
/* Returns once everything pushed before the call has been passed to the sink. */
int logbuf_flush(struct logbuf *b);
void logbuf_stats(struct logbuf *b, struct logbuf_stats *st);
/* Drains what is queued, joins the writer, frees. No push may run concurrently. */
void logbuf_destroy(struct logbuf *b);

#endif
