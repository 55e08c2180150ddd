/* engine ps: the supervisor's containers as a table, or (--json) as one JSON document written
 * through lib/json.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lib/clock.h"
#include "lib/json.h"

static void print_duration(char *buf, size_t size, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull;
	if (s < 60)
		snprintf(buf, size, "%.1fs", (double)ns / 1e9);
	else
		snprintf(buf, size, "%lum%02lus", (unsigned long)(s / 60), (unsigned long)(s % 60));
}

static uint64_t run_ns(const struct proto_container *p, uint64_t now)
{
	return (p->end_mono_ns ? p->end_mono_ns : now) - p->start_mono_ns;
}

static void ps_json_one(struct json *j, const struct proto_container *p, uint64_t now)
{
	char reason[64];
	client_reason_format(p, reason, sizeof(reason));
	json_obj_begin(j);
	json_kv_str(j, "id", p->id);
	json_kv_int(j, "pid", p->pid);
	json_kv_str(j, "state", proto_state_name(p->state));
	json_kv_str(j, "reason", reason);
	json_kv_int(j, "exit_code", p->exit_code);
	json_kv_int(j, "signal", p->term_signal);
	if (p->flags & PROTO_START_NICE)
		json_kv_int(j, "nice", p->nice);
	else
		json_kv_null(j, "nice");
	json_kv_str(j, "cpus", p->cpus);
	json_kv_uint(j, "cpu_weight", p->cpu_weight);
	if (p->slice_us)
		json_kv_uint(j, "slice_us", p->slice_us);
	else
		json_kv_null(j, "slice_us");
	if (p->se_slice_ns)
		json_kv_uint(j, "se_slice_ns", p->se_slice_ns);
	else
		json_kv_null(j, "se_slice_ns");
	json_kv_uint(j, "soft_mib", p->soft_mib);
	json_kv_uint(j, "hard_mib", p->hard_mib);
	json_kv_uint(j, "start_mono_ns", p->start_mono_ns);
	json_kv_uint(j, "end_mono_ns", p->end_mono_ns);
	json_kv_uint(j, "start_unix_ns", p->start_real_ns);
	json_kv_uint(j, "run_ms", run_ns(p, now) / 1000000);
	json_obj_end(j);
}

static void ps_json(const struct proto_container *list, size_t n, uint64_t now)
{
	struct json j;
	if (json_init(&j))
		die(1, "ps: out of memory");
	json_obj_begin(&j);
	json_str(&j, "containers");
	json_arr_begin(&j);
	for (size_t i = 0; i < n; i++)
		ps_json_one(&j, &list[i], now);
	json_arr_end(&j);
	json_obj_end(&j);
	int err;
	const char *text = json_text(&j, NULL, &err);
	if (!text)
		die(1, "ps: writing JSON: %s", strerror(-err));
	printf("%s\n", text);
	json_free(&j);
}

static void ps_table(const struct proto_container *list, size_t n, uint64_t now)
{
	printf("%-20s %8s %-10s %-30s %5s %-8s %6s %6s %6s %6s %-8s %s\n", "ID", "PID", "STATE",
	       "REASON", "NICE", "CPUS", "WEIGHT", "SLICE", "SOFT", "HARD", "STARTED", "RUNTIME");
	for (size_t i = 0; i < n; i++) {
		const struct proto_container *p = &list[i];
		char reason[64], started[16], run[32], nice[8], weight[12], slice[12], soft[12],
			hard[12];
		client_reason_format(p, reason, sizeof(reason));
		time_t t = (time_t)(p->start_real_ns / 1000000000ull);
		struct tm tm;
		strftime(started, sizeof(started), "%H:%M:%S", localtime_r(&t, &tm));
		print_duration(run, sizeof(run), run_ns(p, now));
		snprintf(nice, sizeof(nice), "%d", p->nice);
		snprintf(weight, sizeof(weight), "%u", p->cpu_weight);
		snprintf(slice, sizeof(slice), "%u", p->slice_us);
		snprintf(soft, sizeof(soft), "%u", p->soft_mib);
		snprintf(hard, sizeof(hard), "%u", p->hard_mib);
		printf("%-20s %8d %-10s %-30s %5s %-8s %6s %6s %6s %6s %-8s %s\n", p->id, p->pid,
		       proto_state_name(p->state), reason,
		       (p->flags & PROTO_START_NICE) ? nice : "-", p->cpus[0] ? p->cpus : "all",
		       p->cpu_weight ? weight : "-", p->slice_us ? slice : "-",
		       p->soft_mib ? soft : "-", p->hard_mib ? hard : "-", started, run);
	}
}

int cmd_ps(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "ps",
		 "usage: engine ps [--json] [--socket PATH]\n"
		 "  ID, host PID, state, reason, nice, CPUs, CPU weight, slice (us), memory limits, "
		 "start and run time.\n  --json prints one JSON document (se_slice_ns: the kernel's "
		 "slice of the init as it started).\n",
		 false);
	struct client c = connect_or_die();
	struct proto_container *list;
	size_t n;
	if (client_ps(&c, &list, &n))
		die(1, "ps: %s", client_error(&c));
	uint64_t now = clock_mono_ns();
	if (a.json)
		ps_json(list, n, now);
	else
		ps_table(list, n, now);
	free(list);
	client_close(&c);
	return 0;
}
