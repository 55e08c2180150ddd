/* The memory-limit lab's arithmetic: when an RSS series crossed a level, how fast it grew,
 * what a monitor backend should overshoot in theory, and which of the supervisor's events
 * belong to one container's run. Pure functions over the caller's arrays; no state. */
#ifndef HOGLAB_MEMCALC_H
#define HOGLAB_MEMCALC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/protocol.h"

/* The first time the series (t_ms ascending, kib) reaches level_kib, interpolated linearly
 * between the samples around it. When it never does, extrapolated from its growth over the
 * fit_ms before its peak (*extrapolated = true). -ENODATA with fewer than two
 * samples, or when it neither reached the level nor grew. */
int mem_cross_time(const double *t_ms, const double *kib, size_t n, double level_kib, double fit_ms,
		   double *t_cross_ms, bool *extrapolated);

/* Growth in MiB/s from the first sample at or above lo_kib to the last one below hi_kib
 * (a least-squares slope over those samples). -ENODATA with fewer than two such samples. */
int mem_growth_rate(const double *t_ms, const double *kib, size_t n, double lo_kib, double hi_kib,
		    double *mib_per_s);

/* What a backend should do past a limit: the overshoot of RSS at the kill over the hard limit
 * (MiB) and the delay from the crossing to the monitor's verdict (ms), mean and upper end.
 * A sampling backend (proc, kmod; cgroup for its soft event) sees the crossing at its next
 * sample, uniform over one period: overshoot U(0, rate x period), delay U(0, period). The
 * cgroup hard limit is the kernel's own charge: overshoot 0 and no delay. */
struct mem_theory {
	double overshoot_mean_mib, overshoot_max_mib;
	double delay_mean_ms, delay_max_ms;
};
void mem_theory_hard(uint32_t monitor, double rate_mib_s, double period_ms, struct mem_theory *out);
void mem_theory_soft(double period_ms, struct mem_theory *out);

/* kmod in event mode: the check runs when the kernel's rss_stat tracepoint fires, so RSS at the
 * kill passes the limit by at most the counters' sync granularity, whatever the period: on a
 * kernel before 6.2 (SPLIT_RSS_COUNTING) a thread's faults reach the mm every 64 faults, 64
 * pages per thread; from 6.2 every change fires, and the probe's cheap percpu_counter read lags
 * by under the batch of 32 pages per CPU. Returns that bound in KiB (the mean taken as half of
 * it), 0 delay, for a kernel release such as "6.1.0-57-amd64"; -EINVAL for one it cannot read. */
int mem_event_granularity_kib(const char *release, int threads, int cpus, double page_kib, double *kib);
void mem_theory_event(double granularity_kib, struct mem_theory *out);

/* One container's events, times in ms since its start (real_ns - start_real_ns). */
struct mem_pair {
	bool have_soft, have_kill, have_exit;
	double soft_ms, kill_ms, exit_ms;
	uint64_t soft_rss_kib, kill_rss_kib, kill_limit_kib;
	uint32_t kill_type; /* PROTO_EVENT_HARD or PROTO_EVENT_OOM */
	uint32_t end_state; /* from the exit event */
	int soft_count;     /* soft-limit events: one per upward crossing */
};
/* Pairs the events of id among n (any order, others' mixed in). -ENOENT when none is its;
 * -EPROTO when they contradict each other: a soft or kill event after the exit, two kills. */
int mem_events_pair(const struct proto_event *ev, size_t n, const char *id, uint64_t start_real_ns,
		    struct mem_pair *out);

#endif
