/* The memory lab's plan (memlab.h): which backends can run here, and the groups and runs a
 * definition expands into, shuffled from the seed (the same seed gives the same order). Main
 * thread only; the plan lives in struct memlab until the runner exits. */
#include "memlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labstats.h"
#include "lib/cgroupfs.h"

int memlab_backend_parse(const char *s, uint32_t *out)
{
	for (uint32_t m = PROTO_MONITOR_KMOD; m < PROTO_MONITOR_COUNT; m++)
		if (!strcmp(s, proto_monitor_name(m))) {
			*out = m;
			return 0;
		}
	return -EINVAL;
}

/* "cgroup proc" -> mask; -EINVAL naming the bad word in bad. */
static int backends_parse(const char *list, bool *mask, char *bad, size_t badlen)
{
	char buf[128], *save = NULL, *tok;
	uint32_t m;

	snprintf(buf, sizeof(buf), "%s", list);
	memset(mask, 0, sizeof(bool) * PROTO_MONITOR_COUNT);
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (memlab_backend_parse(tok, &m)) {
			snprintf(bad, badlen, "%s", tok);
			return -EINVAL;
		}
		mask[m] = true;
	}
	return 0;
}

/* Why a backend cannot run here, or "" when it can. */
void memlab_backend_check(uint32_t m, char *why, size_t len)
{
	struct cgroup_host h;

	why[0] = '\0';
	if (m == PROTO_MONITOR_KMOD && access("/dev/container_monitor", F_OK))
		snprintf(why, len, "no /dev/container_monitor (monitor.ko is not loaded; VM=1 runs it in QEMU)");
	else if (m == PROTO_MONITOR_KMOD && access(KMOD_PERIOD_PARAM, W_OK))
		snprintf(why, len, "%s is not writable", KMOD_PERIOD_PARAM);
	if (m != PROTO_MONITOR_CGROUP)
		return;
	cgroup_detect(&h);
	if (h.mem.version)
		return;
	snprintf(why, len, "no memory cgroup controller (v1 or v2) is mounted");
}

int memlab_modes_parse(struct memlab *L, const char *list, char *err, size_t errlen)
{
	char buf[64], *save = NULL, *tok;
	bool any = false;

	snprintf(buf, sizeof(buf), "%s", list);
	memset(L->kmod_mode, 0, sizeof(L->kmod_mode));
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (strcmp(tok, "scan") && strcmp(tok, "event")) {
			snprintf(err, errlen, "--kmod-modes: '%s' is not scan or event", tok);
			return -EINVAL;
		}
		L->kmod_mode[strcmp(tok, "scan") ? MEM_MODE_EVENT : MEM_MODE_SCAN] = true;
		any = true;
	}
	if (!any) {
		snprintf(err, errlen, "--kmod-modes: empty (scan, event or both)");
		return -EINVAL;
	}
	return 0;
}

static int group_add(struct memlab *L, enum mem_exp e, uint32_t b, unsigned mode, int period)
{
	struct mem_group *g = realloc(L->groups, sizeof(*g) * (size_t)(L->n_groups + 1));

	if (!g)
		return -ENOMEM;
	L->groups = g;
	g[L->n_groups++] = (struct mem_group){ e, b, mode, period, L->n_runs, 0, 0 };
	return 0;
}

static int run_add(struct memlab *L, int rate, int rep)
{
	struct mem_run *r = realloc(L->runs, sizeof(*r) * (size_t)(L->n_runs + 1));

	if (!r)
		return -ENOMEM;
	L->runs = r;
	r[L->n_runs++] = (struct mem_run){ rate, rep };
	L->groups[L->n_groups - 1].n++;
	return 0;
}

/* The groups of one backend and mode, a period each, and their runs. */
static int plan_periods(struct memlab *L, enum mem_exp e, uint32_t b, unsigned mode)
{
	const struct lab_section *s = &L->conf.exp[mem_exp_section(e)];
	int rc = 0;

	for (int p = 0; p < s->n_period_ms; p++) {
		if (b == PROTO_MONITOR_KMOD && s->period_ms[p] < KMOD_PERIOD_MIN_MS) {
			L->floor_skips++;
			continue;
		}
		rc = group_add(L, e, b, mode, s->period_ms[p]);
		for (int r = 0; !rc && r < s->repetitions; r++) {
			if (e == MEM_COST) {
				rc = run_add(L, 0, r + 1);
				continue;
			}
			for (int k = 0; !rc && k < s->n_rate; k++)
				rc = run_add(L, s->rate[k], r + 1);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* One section's groups (a backend, mode and period each) and their runs, in definition order. */
static int plan_section(struct memlab *L, enum mem_exp e, const char *override, char *err, size_t errlen)
{
	const struct lab_section *s = &L->conf.exp[mem_exp_section(e)];
	bool mask[PROTO_MONITOR_COUNT];
	char bad[64];
	int rc = 0;

	if (!s->enabled)
		return 0;
	if (backends_parse(override ? override : s->backends, mask, bad, sizeof(bad))) {
		snprintf(err, errlen, "%s: '%s' is not kmod, cgroup or proc", override ? "--backends" : "key 'backends'", bad);
		return -EINVAL;
	}
	if (e != MEM_COST && s->soft_mib >= s->hard_mib) {
		snprintf(err, errlen, "[%s]: soft_mib %d must be below hard_mib %d", lab_exp_name(mem_exp_section(e)),
			 s->soft_mib, s->hard_mib);
		return -EINVAL;
	}
	for (uint32_t b = PROTO_MONITOR_KMOD; b < PROTO_MONITOR_COUNT; b++) {
		if (!mask[b])
			continue;
		L->want[b] = true;
		if (L->why_not[b][0])
			continue;
		for (unsigned mode = MEM_MODE_NONE; mode < MEM_MODE_COUNT; mode++) {
			if (b == PROTO_MONITOR_KMOD ? !L->kmod_mode[mode] : mode != MEM_MODE_NONE)
				continue;
			rc = plan_periods(L, e, b, mode);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Groups in a shuffled order; inside each, its runs shuffled too (cost runs stay in order). */
static int plan_shuffle(struct memlab *L, uint64_t seed)
{
	uint64_t st = seed;
	int *order = malloc(sizeof(int) * (size_t)(L->n_groups + L->n_runs + 1));

	if (!order)
		return -ENOMEM;
	for (int i = 0; i < L->n_groups; i++)
		order[i] = i;
	stats_shuffle(order, (size_t)L->n_groups, &st);
	for (int i = 0; i < L->n_groups; i++)
		L->groups[order[i]].order = i;
	for (int i = 0; i < L->n_groups; i++) {
		struct mem_group *g = &L->groups[i];
		struct mem_run *tmp = malloc(sizeof(*tmp) * (size_t)(g->n ? g->n : 1));

		if (!tmp) {
			free(order);
			return -ENOMEM;
		}
		for (int k = 0; k < g->n; k++)
			order[k] = k;
		if (g->exp != MEM_COST)
			stats_shuffle(order, (size_t)g->n, &st);
		for (int k = 0; k < g->n; k++)
			tmp[k] = L->runs[g->first + order[k]];
		memcpy(&L->runs[g->first], tmp, sizeof(*tmp) * (size_t)g->n);
		free(tmp);
	}
	free(order);
	return 0;
}

int memlab_plan(struct memlab *L, const char *override, uint64_t seed, char *err, size_t errlen)
{
	int rc = 0;

	for (int e = MEM_DEMO; !rc && e <= MEM_COST; e++)
		rc = plan_section(L, (enum mem_exp)e, override, err, errlen);
	return rc ? rc : plan_shuffle(L, seed);
}
