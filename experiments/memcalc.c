/* The memory-limit lab's arithmetic (memcalc.h): crossings, growth rates, theory, event
 * pairing. Pure functions; nothing here allocates, prints or keeps state. */
#include "memcalc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int mem_cross_time(const double *t_ms, const double *kib, size_t n, double level_kib, double fit_ms,
		   double *t_cross_ms, bool *extrapolated)
{
	size_t i, j, m;

	if (n < 2)
		return -ENODATA;
	for (i = 0; i < n; i++) {
		if (kib[i] < level_kib)
			continue;
		*extrapolated = false;
		if (i == 0 || kib[i] == kib[i - 1]) {
			*t_cross_ms = t_ms[i];
			return 0;
		}
		*t_cross_ms = t_ms[i - 1] + (t_ms[i] - t_ms[i - 1]) * (level_kib - kib[i - 1]) / (kib[i] - kib[i - 1]);
		return 0;
	}
	/* Never reached: extrapolate the growth up to the peak (a killed task's RSS falls after it). */
	for (i = 1, m = 0; i < n; i++)
		if (kib[i] >= kib[m])
			m = i;
	for (j = m; j > 0 && t_ms[m] - t_ms[j - 1] <= fit_ms; j--)
		;
	if (j == m || kib[m] <= kib[j] || t_ms[m] <= t_ms[j])
		return -ENODATA;
	*extrapolated = true;
	*t_cross_ms = t_ms[m] + (level_kib - kib[m]) * (t_ms[m] - t_ms[j]) / (kib[m] - kib[j]);
	return 0;
}

int mem_growth_rate(const double *t_ms, const double *kib, size_t n, double lo_kib, double hi_kib,
		    double *mib_per_s)
{
	double st = 0, sk = 0, stt = 0, stk = 0, m = 0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		if (kib[i] < lo_kib)
			continue;
		if (kib[i] >= hi_kib)
			break;
		st += t_ms[i];
		sk += kib[i];
		stt += t_ms[i] * t_ms[i];
		stk += t_ms[i] * kib[i];
		m++;
	}
	d = m * stt - st * st;
	if (m < 2 || d <= 0)
		return -ENODATA;
	/* KiB per ms -> MiB per s. */
	*mib_per_s = (m * stk - st * sk) / d * 1000.0 / 1024.0;
	return 0;
}

void mem_theory_hard(uint32_t monitor, double rate_mib_s, double period_ms, struct mem_theory *out)
{
	memset(out, 0, sizeof(*out));
	if (monitor == PROTO_MONITOR_CGROUP)
		return;
	out->overshoot_max_mib = rate_mib_s * period_ms / 1000.0;
	out->overshoot_mean_mib = out->overshoot_max_mib / 2;
	out->delay_max_ms = period_ms;
	out->delay_mean_ms = period_ms / 2;
}

void mem_theory_soft(double period_ms, struct mem_theory *out)
{
	memset(out, 0, sizeof(*out));
	out->delay_max_ms = period_ms;
	out->delay_mean_ms = period_ms / 2;
}

int mem_event_granularity_kib(const char *release, int threads, int cpus, double page_kib, double *kib)
{
	int major, minor;

	if (sscanf(release, "%d.%d", &major, &minor) != 2 || major < 2 || minor < 0 || threads < 1 || cpus < 1)
		return -EINVAL;
	if (major < 6 || (major == 6 && minor < 2))
		*kib = 64.0 * threads * page_kib;
	else
		*kib = 32.0 * cpus * page_kib;
	return 0;
}

void mem_theory_event(double granularity_kib, struct mem_theory *out)
{
	memset(out, 0, sizeof(*out));
	out->overshoot_max_mib = granularity_kib / 1024.0;
	out->overshoot_mean_mib = out->overshoot_max_mib / 2;
}

int mem_events_pair(const struct proto_event *ev, size_t n, const char *id, uint64_t start_real_ns,
		    struct mem_pair *out)
{
	bool any = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		const struct proto_event *e = &ev[i];
		double t = ((double)e->real_ns - (double)start_real_ns) / 1e6;

		if (strncmp(e->id, id, sizeof(e->id)))
			continue;
		any = true;
		switch (e->type) {
		case PROTO_EVENT_SOFT:
			out->soft_count++;
			if (!out->have_soft || t < out->soft_ms) {
				out->have_soft = true;
				out->soft_ms = t;
				out->soft_rss_kib = e->rss_kib;
			}
			break;
		case PROTO_EVENT_HARD:
		case PROTO_EVENT_OOM:
			if (out->have_kill)
				return -EPROTO;
			out->have_kill = true;
			out->kill_ms = t;
			out->kill_type = e->type;
			out->kill_rss_kib = e->rss_kib;
			out->kill_limit_kib = e->limit_kib;
			break;
		case PROTO_EVENT_EXIT:
			out->have_exit = true;
			out->exit_ms = t;
			out->end_state = e->state;
			break;
		default:
			break;
		}
	}
	if (!any)
		return -ENOENT;
	if (out->have_exit && ((out->have_soft && out->soft_ms > out->exit_ms) ||
			       (out->have_kill && out->kill_ms > out->exit_ms)))
		return -EPROTO;
	return 0;
}
