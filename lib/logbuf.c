/* Bounded buffer (logbuf.h) as one preallocated ring of records: a header {tag, len} then the
 * bytes, 16-byte aligned, never split across the end (a record that does not fit before the end
 * starts again at offset 0, leaving a wrap mark). No allocation per chunk, so the sink writes
 * from memory that is already faulted in.
 * b->lock guards every field below it. Producers copy into free space and sleep on not_full;
 * the one writer thread takes the record at head, calls the sink on it without the lock (the
 * record keeps its space until the sink returns, so producers never touch it), then frees it. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/logbuf.h"

#define REC_ALIGN 16u
#define REC_WRAP  SIZE_MAX /* len of a wrap mark: the next record is at offset 0 */

struct rec {
	void *tag;
	size_t len;
	unsigned char data[];
};
_Static_assert(sizeof(struct rec) == 16, "a record header is 16 bytes");

struct logbuf {
	logbuf_sink_fn sink;
	void *sink_arg;
	size_t capacity;   /* bound on queued data bytes */
	size_t size;       /* bytes of ring: room for one record of capacity bytes */
	unsigned char *ring;
	pthread_t writer;

	pthread_mutex_t lock;
	pthread_cond_t not_full;
	pthread_cond_t not_empty;
	pthread_cond_t drained;
	size_t head;       /* offset of the oldest live record (or wrap mark, or end gap) */
	size_t tail;       /* where the next record goes */
	size_t live;       /* records holding space: queued + the one being written */
	size_t queued;     /* records the writer has not taken yet */
	size_t used;       /* data bytes of the live records */
	uint64_t pushed;   /* records queued so far */
	uint64_t done;     /* records the sink has returned from */
	bool closing;
	int wake_fd;       /* eventfd for try_push callers, -1 = none */
	bool wake_wanted;  /* a try_push found no room since the last wake-up */
	struct logbuf_stats st;
};

static size_t rec_size(size_t len)
{
	return (sizeof(struct rec) + len + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
}

/* Where a record of len bytes can go now, or false. Lock held. */
static bool ring_place(struct logbuf *b, size_t len, size_t *off)
{
	size_t need = rec_size(len);

	if (b->used + len > b->capacity)
		return false;
	if (b->live == 0)
		b->head = b->tail = 0;
	if (b->live && b->tail == b->head)
		return false; /* full to the byte */
	if (b->tail >= b->head) {
		if (need <= b->size - b->tail) {
			*off = b->tail;
			return true;
		}
		if (need > b->head)
			return false;
		if (b->size - b->tail >= sizeof(struct rec))
			((struct rec *)(b->ring + b->tail))->len = REC_WRAP;
		*off = 0;
		return true;
	}
	if (need > b->head - b->tail)
		return false;
	*off = b->tail;
	return true;
}

/* Copies a record in at off and queues it. Lock held. */
static void ring_put(struct logbuf *b, size_t off, void *tag, const void *data, size_t len)
{
	struct rec *r = (struct rec *)(b->ring + off);

	r->tag = tag;
	r->len = len;
	memcpy(r->data, data, len);
	b->tail = off + rec_size(len);
	if (b->tail == b->size)
		b->tail = 0;
	b->live++;
	b->queued++;
	b->used += len;
	b->pushed++;
	pthread_cond_signal(&b->not_empty);
}

/* The oldest queued record, skipping a wrap mark or a gap too small for a header. */
static struct rec *ring_oldest(struct logbuf *b)
{
	if (b->size - b->head < sizeof(struct rec) ||
	    ((struct rec *)(b->ring + b->head))->len == REC_WRAP)
		b->head = 0;
	return (struct rec *)(b->ring + b->head);
}

static void *logbuf_writer(void *arg)
{
	struct logbuf *b = arg;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->queued && !b->closing)
			pthread_cond_wait(&b->not_empty, &b->lock);
		if (!b->queued)
			break; /* closing and drained */
		struct rec *r = ring_oldest(b);
		b->queued--;
		pthread_mutex_unlock(&b->lock);

		int rc = b->sink(b->sink_arg, r->tag, r->data, r->len);

		pthread_mutex_lock(&b->lock);
		if (rc < 0)
			b->st.sink_errors++;
		b->st.bytes += r->len;
		b->st.chunks++;
		b->used -= r->len;
		b->head += rec_size(r->len);
		if (b->head == b->size)
			b->head = 0;
		b->live--;
		b->done++;
		if (b->wake_wanted && b->wake_fd >= 0) {
			uint64_t one = 1;
			b->wake_wanted = write(b->wake_fd, &one, sizeof(one)) != sizeof(one) &&
					 errno != EAGAIN;
		}
		pthread_cond_broadcast(&b->not_full);
		pthread_cond_broadcast(&b->drained);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Releases what logbuf_create set up, once no writer thread runs. */
static void logbuf_free(struct logbuf *b)
{
	pthread_cond_destroy(&b->drained);
	pthread_cond_destroy(&b->not_empty);
	pthread_cond_destroy(&b->not_full);
	pthread_mutex_destroy(&b->lock);
	munmap(b->ring, b->size);
	free(b);
}

int logbuf_create(struct logbuf **out, size_t capacity_bytes, logbuf_sink_fn sink, void *sink_arg)
{
	if (!out || !sink || capacity_bytes == 0 || capacity_bytes > SIZE_MAX / 4)
		return -EINVAL;
	struct logbuf *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->sink = sink;
	b->sink_arg = sink_arg;
	b->capacity = capacity_bytes;
	b->size = rec_size(capacity_bytes);
	/* MAP_POPULATE: the ring is touched once here, never faulted in on the write path. */
	b->ring = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (b->ring == MAP_FAILED) {
		free(b);
		return -ENOMEM;
	}
	b->wake_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->not_full, NULL);
	pthread_cond_init(&b->not_empty, NULL);
	pthread_cond_init(&b->drained, NULL);
	int rc = pthread_create(&b->writer, NULL, logbuf_writer, b);
	if (rc) {
		logbuf_free(b);
		return -rc;
	}
	*out = b;
	return 0;
}

int logbuf_push(struct logbuf *b, void *tag, const void *data, size_t len)
{
	size_t off;

	if (len == 0)
		return 0;
	if (len > b->capacity)
		return -EMSGSIZE;
	pthread_mutex_lock(&b->lock);
	if (!b->closing && !ring_place(b, len, &off)) {
		b->st.producer_waits++;
		while (!b->closing && !ring_place(b, len, &off))
			pthread_cond_wait(&b->not_full, &b->lock);
	}
	if (b->closing) {
		pthread_mutex_unlock(&b->lock);
		return -EPIPE;
	}
	ring_put(b, off, tag, data, len);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int logbuf_try_push(struct logbuf *b, void *tag, const void *data, size_t len)
{
	size_t off;
	int rc = 0;

	if (len == 0)
		return 0;
	if (len > b->capacity)
		return -EMSGSIZE;
	pthread_mutex_lock(&b->lock);
	if (b->closing) {
		rc = -EPIPE;
	} else if (!ring_place(b, len, &off)) {
		b->st.producer_waits++;
		b->wake_wanted = true;
		rc = -EAGAIN;
	} else {
		ring_put(b, off, tag, data, len);
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

void logbuf_wake_fd_set(struct logbuf *b, int fd)
{
	pthread_mutex_lock(&b->lock);
	b->wake_fd = fd;
	pthread_mutex_unlock(&b->lock);
}

int logbuf_flush(struct logbuf *b)
{
	pthread_mutex_lock(&b->lock);
	uint64_t target = b->pushed;
	while (b->done < target)
		pthread_cond_wait(&b->drained, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

void logbuf_stats(struct logbuf *b, struct logbuf_stats *st)
{
	pthread_mutex_lock(&b->lock);
	*st = b->st;
	pthread_mutex_unlock(&b->lock);
}

void logbuf_destroy(struct logbuf *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->closing = true;
	pthread_cond_broadcast(&b->not_empty);
	pthread_cond_broadcast(&b->not_full);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->writer, NULL);
	logbuf_free(b);
}
