/* Bounded buffer of malloc'd chunks (logbuf.h). b->lock guards every field below it;
 * producers sleep on not_full, the writer on not_empty, flushers on drained. The writer pops
 * a chunk, unlocks, calls the sink, then relocks to release the chunk's bytes. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logbuf.h"

struct chunk {
	struct chunk *next;
	void *tag;
	size_t len;
	unsigned char data[];
};

struct logbuf {
	logbuf_sink_fn sink;
	void *sink_arg;
	size_t capacity;
	pthread_t writer;

	pthread_mutex_t lock;
	pthread_cond_t not_full;
	pthread_cond_t not_empty;
	pthread_cond_t drained;
	struct chunk *head, *tail;
	size_t used;       /* bytes queued or being written */
	uint64_t pushed;   /* chunks queued so far */
	uint64_t done;     /* chunks the sink has returned from */
	bool closing;
	int wake_fd;       /* eventfd for try_push callers, -1 = none */
	bool wake_wanted;  /* a try_push found no room since the last wake-up */
	struct logbuf_stats st;
};

static void *logbuf_writer(void *arg)
{
	struct logbuf *b = arg;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->head && !b->closing)
			pthread_cond_wait(&b->not_empty, &b->lock);
		struct chunk *c = b->head;
		if (!c)
			break; /* closing and drained */
		b->head = c->next;
		if (!b->head)
			b->tail = NULL;
		pthread_mutex_unlock(&b->lock);

		int rc = b->sink(b->sink_arg, c->tag, c->data, c->len);

		pthread_mutex_lock(&b->lock);
		if (rc < 0)
			b->st.sink_errors++;
		b->st.bytes += c->len;
		b->st.chunks++;
		b->used -= c->len;
		b->done++;
		free(c);
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

int logbuf_create(struct logbuf **out, size_t capacity_bytes, logbuf_sink_fn sink, void *sink_arg)
{
	if (!out || !sink || capacity_bytes == 0)
		return -EINVAL;
	struct logbuf *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->sink = sink;
	b->sink_arg = sink_arg;
	b->capacity = capacity_bytes;
	b->wake_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->not_full, NULL);
	pthread_cond_init(&b->not_empty, NULL);
	pthread_cond_init(&b->drained, NULL);
	int rc = pthread_create(&b->writer, NULL, logbuf_writer, b);
	if (rc) {
		pthread_cond_destroy(&b->drained);
		pthread_cond_destroy(&b->not_empty);
		pthread_cond_destroy(&b->not_full);
		pthread_mutex_destroy(&b->lock);
		free(b);
		return -rc;
	}
	*out = b;
	return 0;
}

static struct chunk *chunk_new(void *tag, const void *data, size_t len)
{
	struct chunk *c = malloc(sizeof(*c) + len);
	if (!c)
		return NULL;
	c->next = NULL;
	c->tag = tag;
	c->len = len;
	memcpy(c->data, data, len);
	return c;
}

/* Queues c; the lock is held and there is room. */
static void chunk_queue(struct logbuf *b, struct chunk *c)
{
	if (b->tail)
		b->tail->next = c;
	else
		b->head = c;
	b->tail = c;
	b->used += c->len;
	b->pushed++;
	pthread_cond_signal(&b->not_empty);
}

int logbuf_push(struct logbuf *b, void *tag, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (len > b->capacity)
		return -EMSGSIZE;
	struct chunk *c = chunk_new(tag, data, len);
	if (!c)
		return -ENOMEM;

	pthread_mutex_lock(&b->lock);
	if (!b->closing && b->used + len > b->capacity) {
		b->st.producer_waits++;
		while (!b->closing && b->used + len > b->capacity)
			pthread_cond_wait(&b->not_full, &b->lock);
	}
	if (b->closing) {
		pthread_mutex_unlock(&b->lock);
		free(c);
		return -EPIPE;
	}
	chunk_queue(b, c);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int logbuf_try_push(struct logbuf *b, void *tag, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (len > b->capacity)
		return -EMSGSIZE;
	struct chunk *c = chunk_new(tag, data, len);
	if (!c)
		return -ENOMEM;
	int rc = 0;
	pthread_mutex_lock(&b->lock);
	if (b->closing) {
		rc = -EPIPE;
	} else if (b->used + len > b->capacity) {
		b->st.producer_waits++;
		b->wake_wanted = true;
		rc = -EAGAIN;
	} else {
		chunk_queue(b, c);
		c = NULL;
	}
	pthread_mutex_unlock(&b->lock);
	free(c);
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
	pthread_cond_destroy(&b->drained);
	pthread_cond_destroy(&b->not_empty);
	pthread_cond_destroy(&b->not_full);
	pthread_mutex_destroy(&b->lock);
	free(b);
}
