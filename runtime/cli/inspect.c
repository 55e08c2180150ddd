/* engine inspect: the supervisor's JSON document on one container, printed as it comes. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "inspect",
		 "usage: engine inspect ID [--socket PATH]\n"
		 "  Everything the supervisor knows of the container, as one JSON document.\n",
		 true);
	struct client c = connect_or_die();
	char *json;
	if (client_inspect(&c, a.id, &json))
		die(1, "inspect %s: %s", a.id, client_error(&c));
	fputs(json, stdout);
	free(json);
	client_close(&c);
	return 0;
}
