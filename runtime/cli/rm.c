/* engine rm: forgets an ended container (and, with --logs, deletes its log). */
#include "cli.h"

int cmd_rm(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "rm",
		 "usage: engine rm ID [--logs] [--socket PATH]\n"
		 "  Forgets an ended container. Its log stays unless --logs.\n",
		 true);
	struct client c = connect_or_die();
	if (client_rm(&c, a.id, a.logs))
		die(1, "rm %s: %s", a.id, client_error(&c));
	client_close(&c);
	return 0;
}
