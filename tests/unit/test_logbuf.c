/* Unit test of lib/logbuf: 8 producer threads push 64 MiB through a small buffer to one
 * sink, which checks every producer's stream byte for byte, in order; plus flush, oversize
 * and sink-error behaviour. The sink runs on the writer thread and owns struct stream. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lib/logbuf.h"

#define PRODUCERS  8
#define PER_PROD   (8u << 20) /* 8 x 8 MiB = 64 MiB */
#define CAPACITY   (64u << 10)

struct stream {
	uint64_t received;   /* bytes of this producer seen by the sink */
	uint64_t mismatches; /* bytes that differed from what the producer sent */
	uint64_t sum;        /* Fletcher-style checksum of what arrived */
};

static struct stream streams[PRODUCERS];
static uint64_t sent_sum[PRODUCERS];

/* The byte a producer sends at a given offset of its stream. */
static unsigned char pattern(unsigned prod, uint64_t off)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ull ^ (prod + 1) * 0xbf58476d1ce4e5b9ull;
	return (unsigned char)(x >> 29);
}

static int check_sink(void *arg, void *tag, const void *data, size_t len)
{
	(void)arg;
	unsigned prod = (unsigned)(uintptr_t)tag;
	struct stream *s = &streams[prod];
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		s->mismatches += p[i] != pattern(prod, s->received + i);
		s->sum = s->sum * 31 + p[i];
	}
	s->received += len;
	return 0;
}

struct producer {
	struct logbuf *b;
	unsigned id;
	int rc;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	unsigned char buf[16384];
	uint64_t off = 0, sum = 0;
	unsigned seed = p->id * 7919 + 1;
	while (off < PER_PROD) {
		size_t len = 1 + (size_t)rand_r(&seed) % sizeof(buf);
		if (len > PER_PROD - off)
			len = PER_PROD - off;
		for (size_t i = 0; i < len; i++) {
			buf[i] = pattern(p->id, off + i);
			sum = sum * 31 + buf[i];
		}
		int rc = logbuf_push(p->b, (void *)(uintptr_t)p->id, buf, len);
		if (rc) {
			p->rc = rc;
			return NULL;
		}
		off += len;
	}
	sent_sum[p->id] = sum;
	return NULL;
}

static void test_many_producers(void)
{
	struct logbuf *b;
	CHECK(logbuf_create(&b, CAPACITY, check_sink, NULL) == 0, "logbuf_create");
	pthread_t th[PRODUCERS];
	struct producer prod[PRODUCERS];
	for (unsigned i = 0; i < PRODUCERS; i++) {
		prod[i] = (struct producer){.b = b, .id = i};
		pthread_create(&th[i], NULL, producer_main, &prod[i]);
	}
	int push_errors = 0;
	for (unsigned i = 0; i < PRODUCERS; i++) {
		pthread_join(th[i], NULL);
		push_errors += prod[i].rc != 0;
	}
	CHECK(push_errors == 0, "every push of 8 producers succeeded");
	logbuf_flush(b);
	struct logbuf_stats st;
	logbuf_stats(b, &st);
	logbuf_destroy(b);

	uint64_t total = 0, bad = 0;
	int sums_ok = 1;
	for (unsigned i = 0; i < PRODUCERS; i++) {
		total += streams[i].received;
		bad += streams[i].mismatches;
		sums_ok &= streams[i].sum == sent_sum[i] && streams[i].received == PER_PROD;
	}
	CHECK(total == (uint64_t)PRODUCERS * PER_PROD, "sink received %llu bytes of 64 MiB",
	      (unsigned long long)total);
	CHECK(bad == 0, "every byte in order per producer (%llu mismatches)", (unsigned long long)bad);
	CHECK(sums_ok, "per-producer checksums match what was sent");
	CHECK(st.bytes == total && st.sink_errors == 0, "stats: %llu bytes in %llu chunks, 0 errors",
	      (unsigned long long)st.bytes, (unsigned long long)st.chunks);
	CHECK(st.producer_waits > 0, "a 64 KiB buffer made producers wait (%llu waits), not drop",
	      (unsigned long long)st.producer_waits);
}

/* A slow sink: flush must not return before the sink has seen everything pushed. */
static uint64_t slow_seen;
static int slow_sink(void *arg, void *tag, const void *data, size_t len)
{
	(void)arg;
	(void)tag;
	(void)data;
	usleep(2000);
	__atomic_add_fetch(&slow_seen, len, __ATOMIC_SEQ_CST);
	return 0;
}

static void test_flush(void)
{
	struct logbuf *b;
	char buf[100] = {0};
	logbuf_create(&b, 1 << 20, slow_sink, NULL);
	for (int i = 0; i < 50; i++)
		logbuf_push(b, NULL, buf, sizeof(buf));
	logbuf_flush(b);
	CHECK(__atomic_load_n(&slow_seen, __ATOMIC_SEQ_CST) == 5000,
	      "flush returns only after the sink saw all 5000 bytes");
	CHECK(logbuf_push(b, NULL, buf, (1 << 20) + 1) == -EMSGSIZE,
	      "a push larger than the capacity is refused with -EMSGSIZE");
	CHECK(logbuf_push(b, NULL, buf, 0) == 0, "an empty push is a no-op");
	logbuf_destroy(b);
}

static int failing_sink(void *arg, void *tag, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return tag ? -EIO : 0;
}

static void test_sink_errors(void)
{
	struct logbuf *b;
	char buf[10] = {0};
	logbuf_create(&b, 1024, failing_sink, NULL);
	logbuf_push(b, (void *)1, buf, sizeof(buf));
	logbuf_push(b, NULL, buf, sizeof(buf));
	logbuf_push(b, (void *)1, buf, sizeof(buf));
	logbuf_flush(b);
	struct logbuf_stats st;
	logbuf_stats(b, &st);
	CHECK(st.sink_errors == 2 && st.chunks == 3, "sink errors counted (%llu of %llu chunks)",
	      (unsigned long long)st.sink_errors, (unsigned long long)st.chunks);
	logbuf_destroy(b);
	CHECK(logbuf_create(&b, 0, failing_sink, NULL) == -EINVAL, "capacity 0 is refused");
}

int main(void)
{
	test_many_producers();
	test_flush();
	test_sink_errors();
	return check_exit();
}
