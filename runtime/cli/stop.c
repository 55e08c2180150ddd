/* engine stop: SIGTERM, SIGKILL after the timeout; prints how the container ended. */
#include <stdio.h>

#include "cli.h"

int cmd_stop(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "stop",
		 "usage: engine stop ID [--timeout S] [--socket PATH]\n"
		 "  SIGTERM to the container's init, SIGKILL after S seconds (default 5; 0 = at once).\n"
		 "  Returns once it has ended; its state becomes stopped.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_container pc;
	if (client_stop(&c, a.id, a.timeout_ms, &pc))
		die(1, "stop %s: %s", a.id, client_error(&c));
	char reason[64];
	client_reason_format(&pc, reason, sizeof(reason));
	printf("%s %s\n", a.id, reason);
	client_close(&c);
	return 0;
}
