/* engine wait: blocks until the container has ended and its log is complete; exits with its
 * status. */
#include <stdio.h>

#include "cli.h"

int cmd_wait(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "wait",
		 "usage: engine wait ID [--socket PATH]\n"
		 "  Waits until the container has ended and its log is complete, prints how it\n"
		 "  ended and exits with its exit code, or 128+signal.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_container pc;
	if (client_wait(&c, a.id, &pc))
		die(1, "wait %s: %s", a.id, client_error(&c));
	char reason[64];
	client_reason_format(&pc, reason, sizeof(reason));
	printf("%s %s\n", a.id, reason);
	client_close(&c);
	return client_exit_status(&pc);
}
