/* The event ring: the newest EVENTS_KEPT events in struct sv, each also appended to
 * <state-dir>/events.jsonl, and the replies to clients waiting for one. Event-loop thread
 * only; sv owns the ring, the file and its seq counter. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "supervisor_int.h"

/* The kept events after seq `after`, oldest first. */
void event_reply(struct sv *sv, struct conn *k, uint64_t after)
{
	uint64_t first = sv->event_seq > EVENTS_KEPT ? sv->event_seq - EVENTS_KEPT + 1 : 1;
	if (after + 1 > first)
		first = after + 1;
	size_t n = first <= sv->event_seq ? (size_t)(sv->event_seq - first + 1) : 0;
	struct proto_event *list = malloc(n ? n * sizeof(*list) : 1);
	if (!list) {
		conn_error(k, PROTO_EVENTS, -ENOMEM, "out of memory");
		return;
	}
	for (size_t j = 0; j < n; j++)
		list[j] = sv->events[(first + j) % EVENTS_KEPT];
	conn_queue(k, PROTO_EVENTS, 0, list, n * sizeof(*list));
	free(list);
}

/* Records an event: the ring, events.jsonl, and every client waiting for one. */
void event_emit(struct sv *sv, const struct ctr_record *c, uint32_t type, uint64_t rss,
		       uint64_t limit)
{
	const struct proto_container *i = &c->info;
	uint64_t seq = ++sv->event_seq;
	struct proto_event *e = &sv->events[seq % EVENTS_KEPT];
	*e = (struct proto_event){.seq = seq, .real_ns = clock_ns(CLOCK_REALTIME), .type = type,
				  .pid = i->pid, .rss_kib = rss >> 10, .limit_kib = limit >> 10,
				  .exit_code = i->exit_code, .term_signal = i->term_signal,
				  .state = i->state, .monitor = i->monitor};
	memcpy(e->id, i->id, PROTO_ID_SIZE);
	if (sv->events_file >= 0) {
		char line[512];
		int n = proto_event_format(e, true, line, sizeof(line) - 1);
		if (n > 0) {
			line[n++] = '\n';
			ssize_t w = write(sv->events_file, line, (size_t)n); /* best effort */
			(void)w;
		}
	}
	for (struct conn *k = sv->conns; k; k = k->next) {
		if (k->events_wait && k->events_after < seq) {
			k->events_wait = false;
			event_reply(sv, k, k->events_after);
		}
	}
}
