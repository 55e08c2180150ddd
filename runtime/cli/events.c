/* engine events: the supervisor's newest events, one line each (text, or JSON as events.jsonl
 * holds them, both from proto_event_format); -f keeps asking for the next ones. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_events(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "events",
		 "usage: engine events [-f] [--json] [--socket PATH]\n"
		 "  The supervisor's events (the newest 1024): start, soft-limit, hard-limit, oom, stop,\n"
		 "  exit, each with time, container, PID, RSS and limit. -f keeps following them.\n"
		 "  --json prints one JSON object per line, as <state-dir>/events.jsonl holds them.\n",
		 false);
	struct client c = connect_or_die();
	uint64_t after = 0;
	bool wait = false;
	do {
		struct proto_event *list;
		size_t n;
		if (client_events(&c, after, wait, &list, &n))
			die(1, "events: %s", client_error(&c));
		for (size_t i = 0; i < n; i++) {
			char line[512];
			if (proto_event_format(&list[i], a.json, line, sizeof(line)) > 0)
				puts(line);
			after = list[i].seq;
		}
		free(list);
		fflush(stdout);
		wait = true;
	} while (a.follow);
	client_close(&c);
	return 0;
}
