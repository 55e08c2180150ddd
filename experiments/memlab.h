/* The memory-limit lab's shared types: the plan (groups: one supervisor each, for an experiment
 * on one backend at one period; their runs), the runner's state, and the calls between its
 * parts: memplan.c (plan), memrun.c (runs), memsum.c (summary), memlab.c (main). Everything is
 * owned by the runner's main thread; csvout's writer thread sees only formatted rows. */
#ifndef HOGLAB_MEMLAB_H
#define HOGLAB_MEMLAB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "runtime/client.h"
#include "csvout.h"
#include "labconf.h"
#include "rundir.h"

#define KMOD_PERIOD_PARAM "/sys/module/monitor/parameters/period_ms"
#define KMOD_PERIOD_MIN_MS 10

enum mem_exp { MEM_DEMO, MEM_OVERSHOOT, MEM_COST };

/* The name in runs.csv's experiment column, and the definition's section. */
static inline const char *mem_exp_name(enum mem_exp e)
{
	static const char *const names[] = { "demo", "overshoot", "cost" };

	return names[e];
}

static inline enum lab_exp mem_exp_section(enum mem_exp e)
{
	static const enum lab_exp sections[] = { LAB_EXP_MEMDEMO, LAB_EXP_OVERSHOOT, LAB_EXP_MONCOST };

	return sections[e];
}

/* kmod's two modes (supervisor --monitor-mode); other backends have none ("-" in the CSVs). */
enum mem_mode { MEM_MODE_NONE, MEM_MODE_SCAN, MEM_MODE_EVENT, MEM_MODE_COUNT };

static inline const char *mem_mode_name(unsigned m)
{
	static const char *const names[] = { "-", "scan", "event" };

	return m < MEM_MODE_COUNT ? names[m] : "-";
}

/* One supervisor's worth of work: an experiment on one backend (and kmod mode) at one period. */
struct mem_group {
	enum mem_exp exp;
	uint32_t backend;  /* enum proto_monitor */
	unsigned mode;     /* enum mem_mode: MEM_MODE_NONE unless kmod */
	int period_ms;
	int first, n;      /* its runs in the plan */
	int order;
};

struct mem_run {
	int rate;          /* MiB/s asked of memory_hog; moncost: containers */
	int rep;
};

struct memlab {
	struct lab_conf conf;
	const char *profile, *machine, *run_dir;
	char kernel[65];   /* uname -r of the machine the runs ran on: the kernel column */
	bool kmod_mode[MEM_MODE_COUNT]; /* kmod's modes to run (--kmod-modes; default scan and event) */
	char bin_dir[PATH_MAX - 32];
	char rootfs[PATH_MAX];
	struct rundir rd;  /* run_dir is rd.path; the supervisors' private dirs go in rd.tmp */
	int run_base;
	bool want[PROTO_MONITOR_COUNT];   /* backends asked for (conf or --backends) */
	char why_not[PROTO_MONITOR_COUNT][160]; /* asked for but not available here */
	struct mem_group *groups;
	int n_groups;
	struct mem_run *runs;
	int n_runs;
	struct csvout *csv;
	struct csv_table *t_samples, *t_runs, *t_cost;
	struct client client;
	pid_t sup;
	uint64_t last_seq;
	uint64_t rng;     /* start jitter */
	int done, failed, floor_skips;
	double t0;
	bool tty;
};

/* memplan.c: backend names, what each lacks here, and the shuffled plan of groups and runs
 * (-EINVAL with the reason in err for a bad backend list or limits, or -ENOMEM). */
int memlab_backend_parse(const char *s, uint32_t *out);
void memlab_backend_check(uint32_t m, char *why, size_t len);
int memlab_plan(struct memlab *L, const char *override, uint64_t seed, char *err, size_t errlen);
/* "scan event" -> L->kmod_mode; -EINVAL naming the bad word in err. */
int memlab_modes_parse(struct memlab *L, const char *list, char *err, size_t errlen);

/* memrun.c: every group in its shuffled order, each through a private supervisor, rows into
 * the open tables; failures are counted in L->failed and said on stderr as they happen. */
void memlab_run_all(struct memlab *L);
double memlab_elapsed_s(const struct memlab *L);

/* memsum.c: DIR/summary.csv from DIR/runs.csv and DIR/cost.csv; 0, or 1 after saying why. */
int memlab_summarize(const char *dir);

#endif
