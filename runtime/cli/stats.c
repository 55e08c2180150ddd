/* engine stats: one container's current and peak RSS and CPU time, as a table or (--json) one
 * JSON object written through lib/json.h. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lib/json.h"

static void stats_json(const char *id, const struct proto_stats *st)
{
	struct json j;
	if (json_init(&j))
		die(1, "stats %s: out of memory", id);
	json_obj_begin(&j);
	json_kv_str(&j, "id", id);
	json_kv_str(&j, "state", proto_state_name(st->state));
	json_kv_str(&j, "monitor", proto_monitor_name(st->monitor));
	json_kv_uint(&j, "rss_kib", st->rss_kib);
	json_kv_uint(&j, "rss_peak_kib", st->rss_peak_kib);
	json_kv_uint(&j, "cpu_ms", st->cpu_ns / 1000000);
	json_kv_uint(&j, "run_ms", st->run_ns / 1000000);
	json_obj_end(&j);
	int err;
	const char *text = json_text(&j, NULL, &err);
	if (!text)
		die(1, "stats %s: writing JSON: %s", id, strerror(-err));
	printf("%s\n", text);
	json_free(&j);
}

int cmd_stats(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "stats",
		 "usage: engine stats ID [--json] [--socket PATH]\n"
		 "  Current RSS (0 once ended), peak RSS as the memory monitor saw it, and CPU time\n"
		 "  (user + system) of all the container's processes.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_stats st;
	if (client_stats(&c, a.id, &st))
		die(1, "stats %s: %s", a.id, client_error(&c));
	if (a.json)
		stats_json(a.id, &st);
	else
		printf("%-20s %-10s %-7s %10s %10s %10s %10s\n%-20s %-10s %-7s %10.1f %10.1f %10.1f %10.1f\n",
		       "ID", "STATE", "MONITOR", "RSS_MiB", "PEAK_MiB", "CPU_s", "RUN_s", a.id,
		       proto_state_name(st.state), proto_monitor_name(st.monitor),
		       (double)st.rss_kib / 1024, (double)st.rss_peak_kib / 1024, (double)st.cpu_ns / 1e9,
		       (double)st.run_ns / 1e9);
	client_close(&c);
	return 0;
}
