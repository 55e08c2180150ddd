/* The lab runner's shared types: the cases a definition expands into, the runs (one case, one
 * repetition) and what each container of a run measured. Owned and used by the runner's main
 * thread only (labrun.c, labsum.c, lab.c); the CSV writer thread sees only formatted rows. */
#ifndef HOGLAB_LAB_H
#define HOGLAB_LAB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/client.h"
#include "claims.h"
#include "csvout.h"
#include "labconf.h"
#include "labwindow.h"
#include "labshort.h"

#define LAB_CT_MAX 8

struct lab_ct {
	char label[24];
	int nice;
	unsigned weight;   /* cgroup weight, 0: none */
	bool own_session;  /* started by the runner itself with setsid, outside the engine */
	bool sleeper;      /* the wake-up workload instead of cpu_hog */
};

struct lab_case {
	enum lab_exp exp;
	char name[48];
	int param;         /* what the charts put on their x axis: nice, weight ratio x100, ... */
	int n;
	struct lab_ct ct[LAB_CT_MAX];
	int work_ms;
	int reps;
	double theory_share[LAB_CT_MAX]; /* percent; NaN where the case has no share theory */
	double theory_wall_s[LAB_CT_MAX];
	int demand;        /* [sleeper], [slice]: the sleeper's demand, % of one CPU */
};

struct lab_result {
	pid_t pid;
	double share;      /* percent: the rate at which it got the CPU its case's containers got during
			    * the overlap (stats_rate_shares: least-squares slope of its CPU on theirs) */
	double share_overlap; /* percent of their CPU time it got from the release to the first end */
	double startup_ms; /* CPU it got in the overlap beyond its rate: the start-up term */
	double wall_s;     /* start (clone) to end (reap) */
	double cpu_ms;
	double wait_ms;    /* run-queue wait */
	double avail_after; /* percent of one CPU it got after the first container ended; NaN for that one */
	char end[32];      /* "exit 0", "signal 9", ... */
	bool ok;
};

/* Where a wake-up's run-queue delay came from. */
enum lab_delay_src {
	LAB_DELAY_PERF,      /* perf sched timehist, "sch delay" of each switch-in */
	LAB_DELAY_SCHEDSTAT, /* the sleeper's own /proc/self/schedstat run_delay, per wake-up */
	LAB_DELAY_COUNT,
};

struct lab_delays {
	double *us;
	size_t n, cap;
};

struct lab_run {
	int case_idx;
	int rep;
	int order;         /* position in the shuffled sequence */
	bool ok;
	double overlap_s;     /* from the first sample with all running to the first end */
	double avail_overlap; /* percent of one CPU all containers together got during the overlap */
	struct lab_result r[LAB_CT_MAX];
	struct lab_delays delays[LAB_DELAY_COUNT]; /* wake-up experiment only */
	struct shortwin_point *sw; /* [shortwin]: both tasks' CPU at each fine sample; owned */
	size_t n_sw;
};

/* Set by SIGTERM, SIGINT or SIGHUP to its number (lab.c): the current run's containers are
 * stopped, no further run starts, and the run folder is closed as on any other path. */
extern volatile sig_atomic_t lab_stopping;

struct lab {
	struct lab_conf conf;
	const char *profile;
	const char *run_dir;
	char bin_dir[512];       /* where cpu_hog, wakeup_hog and engine live */
	char rootfs[1024];       /* absolute */
	bool direct;             /* every container outside the engine */
	struct client client;
	bool have_client;
	uint64_t iter_per_ms;    /* cpu_hog calibration */
	double iter_per_ms_exact;
	bool autogroup;
	enum lab_delay_src delay_src; /* the wake-up delays the summary and charts use */
	struct lab_case *cases;
	int n_cases;
	struct lab_run *runs;
	int n_runs;
	struct csvout *csv;
	struct csv_table *t_samples, *t_runs, *t_wakeup;
	struct csv_table *t_shortwin; /* shortwin_samples.csv, where [shortwin] runs */
	char noise_path[1024];   /* the machine kind's noise file (--noise, else the tree's) */
	bool have_noise;         /* noise holds it; false: absent, the claims use the flat band */
	struct noise_table noise;
	struct window_slice window_slice; /* [window]: the base slice c is held against */
	bool window_slice_varied;
	char slice_skip[320];    /* [slice]: why this kernel or launcher runs no custom slice ("": it does) */
	struct shortwin_kernel shortwin; /* [shortwin]: the tick and the lag scale the report states */
};

/* labrun.c: carries out one run, writing samples.csv / runs.csv / wakeup.csv rows. */
int lab_run_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen);
const char *lab_delay_src_name(enum lab_delay_src s);
/* labsum.c: theory of the cases, then the summary table. */
void lab_case_theory(struct lab_case *c, bool autogroup);
int lab_summary_write(struct lab *lab, const char *path);
/* labsum.c: claims.csv, one share claim per container of every pairs, mix, weights, demo and
 * autogroup engine case of the definition (no-data where its runs are missing). */
int lab_claims_write(struct lab *lab, const char *path);
/* labwindow.c: the [window] cases (after the others), a window container's se.slice, window.csv
 * in the run folder and the model's claims into claims.csv; each does nothing when it is off. */
int lab_window_cases(struct lab *lab);
void lab_window_slice_note(struct lab *lab, pid_t pid);
int lab_window_write(struct lab *lab);
int lab_window_claims(struct lab *lab, struct csv_table *claims);

/* labsum.c: one summary.csv row and one claims.csv row, for the cases' own writers. */
int lab_summary_row(struct lab *lab, struct csv_table *t, const struct lab_case *c, int slot, const char *metric,
		    const char *unit, size_t n, double theory, double mean, double ci, const char *err_unit);
int lab_claim_row(struct lab *lab, struct csv_table *t, const struct claim *cl);
/* labsum.c: p50, p99 and max (prefix_p50, ...) of case ci's pooled delays from src; the CDF into
 * cdf where it is not NULL. */
int lab_wakeup_rows(struct lab *lab, struct csv_table *t, struct csv_table *cdf, int ci, enum lab_delay_src src,
		    const char *prefix);
/* labsleeper.c: the [sleeper] and [slice] cases, one run of either (the slice through the engine:
 * -EOPNOTSUPP with the engine's line in err where the kernel keeps no custom slice), their
 * summary rows and claims. */
int lab_sleeper_cases(struct lab *lab);
/* The start barrier of every run (cpu_hog and wakeup_hog --wait-start, in containers or as the
 * runner's own tasks): lab_barrier_wait returns once each of the n tasks sleeps with SIGUSR1
 * caught (else -errno with one line in err naming name[i], or "task PID" where name is NULL:
 * -ESRCH when one ended, -ETIMEDOUT after LAB_BARRIER_WAIT_S, -ECANCELED when lab_stopping);
 * the caller reads their CPU then, and lab_barrier_go releases them together. */
#define LAB_BARRIER_WAIT_S 10
int lab_barrier_wait(const pid_t *pid, const char *const *name, int n, char *err, size_t errlen);
int lab_barrier_go(const pid_t *pid, int n, char *err, size_t errlen);
bool lab_is_sleeper_case(const struct lab_case *c);
int lab_sleeper_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen);
int lab_sleeper_summary(struct lab *lab, struct csv_table *t);
int lab_sleeper_claims(struct lab *lab, struct csv_table *t);
/* labshort.c: the [shortwin] case, one run of it (fine samples into run->sw, and into
 * shortwin_samples.csv when lab->t_shortwin is open), shortwin.csv and its summary rows.
 * lab_short_read (lab --summarize): the samples of dir/shortwin_samples.csv back into the runs
 * (matched by run id, order + 1) and the tick and lag from meta; 0 without the file (a folder from
 * before it: shortwin.csv is then left as it is), else -errno with one line on stderr. */
int lab_short_cases(struct lab *lab);
int lab_short_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen);
int lab_short_write(struct lab *lab, struct csv_table *t);
/* The short window's claims (claim_lag_bound): per window of 2 ticks or more, the p95 of the
 * niced task's CPU off its share of the pair's against the kernel's lag scale. */
int lab_short_claims(struct lab *lab, struct csv_table *t);
int lab_short_read(struct lab *lab, const char *dir, const char *meta);

#endif
