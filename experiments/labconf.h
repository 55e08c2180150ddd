/* Experiment definitions: parse one definition file (key = value lines grouped in [sections])
 * into a struct lab_conf, applying "PROFILE.key" overrides for the chosen profile.
 * Pure parsing: no I/O beyond reading the file, no globals, safe from any single thread. */
#ifndef HOGLAB_LABCONF_H
#define HOGLAB_LABCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_MAX_VALUES 16

enum lab_exp {
	LAB_EXP_PAIRS,
	LAB_EXP_MIX,
	LAB_EXP_WEIGHTS,
	LAB_EXP_AUTOGROUP,
	LAB_EXP_DEMO,
	LAB_EXP_WAKEUP,
	LAB_EXP_WINDOW,    /* the pairs at several windows: share(T) = theory + c / T (labwindow.c) */
	LAB_EXP_SLEEPER,   /* a sleeper wanting D % of a CPU against a nice-0 hog (labsleeper.c) */
	LAB_EXP_SHORTWIN,  /* a nice 0 / nice N pair sampled finely: share error per window (labshort.c) */
	LAB_EXP_SLICE,     /* the sleeper at each custom slice, through the engine (labsleeper.c) */
	LAB_EXP_MEMDEMO,   /* memlimits.conf, read by memlab: the soft/hard demo per backend */
	LAB_EXP_OVERSHOOT, /* backends x periods x rates: overshoot and detection delays */
	LAB_EXP_MONCOST,   /* monitor CPU per sample against idle containers watched */
	LAB_EXP_COUNT,
};

/* One [section]: which fields mean something depends on the experiment (see cfs.conf and
 * memlimits.conf). Every int list is followed by its count (the parser relies on it). */
struct lab_section {
	bool enabled;
	int repetitions;
	int work_ms;
	int nice[LAB_MAX_VALUES];
	int n_nice;
	int weight[LAB_MAX_VALUES][2];
	int n_weight;
	int sleep_us;
	int busy_us;
	int duration_ms;
	char backends[64];        /* memlab: "cgroup proc kmod" */
	int period_ms[LAB_MAX_VALUES];
	int n_period_ms;
	int rate[LAB_MAX_VALUES]; /* MiB/s */
	int n_rate;
	int count[LAB_MAX_VALUES]; /* containers */
	int n_count;
	int soft_mib;
	int hard_mib;
	int window_ms[LAB_MAX_VALUES];   /* [window]: work_ms of each window */
	int n_window_ms;
	int window_reps[LAB_MAX_VALUES]; /* [window]: repetitions, one for all windows or one each */
	int n_window_reps;
	int demand[LAB_MAX_VALUES];      /* [sleeper], [slice]: the sleeper's demand, % of a CPU */
	int n_demand;
	int period_us;                   /* [sleeper], [slice]: one busy + sleep cycle */
	int slice_us[LAB_MAX_VALUES];    /* [slice]: the sleeper's --slice-us values */
	int n_slice_us;
	int win_ticks[LAB_MAX_VALUES];   /* [shortwin]: window lengths in scheduler ticks */
	int n_win_ticks;
	int pair_reps[LAB_MAX_VALUES];   /* [pairs]: repetitions, one for all pairs or one per nice */
	int n_pair_reps;
	int sample_us;                   /* [shortwin]: how often both tasks' schedstat is read */
};

struct lab_conf {
	int sample_ms;
	int cpu;
	uint64_t seed;            /* 0: pick one from the clock */
	char rootfs[256];         /* rootfs the containers run in */
	char hog[128];            /* cpu_hog's path inside that rootfs */
	struct lab_section exp[LAB_EXP_COUNT];
};

const char *lab_exp_name(enum lab_exp e);

/* [pairs]: the repetitions of the pair of nice value i (its index in nice[]). */
int lab_conf_pair_reps(const struct lab_section *pairs, int i);

/* Parse the file at path for profile (NULL or "" for the default one). On failure returns
 * -errno and writes one line into err: "FILE:LINE: key 'K': what is wrong". */
int lab_conf_load(struct lab_conf *conf, const char *path, const char *profile, char *err, size_t errlen);

/* The same on text already in memory; name is used in messages. */
int lab_conf_parse(struct lab_conf *conf, const char *name, const char *text, const char *profile,
		   char *err, size_t errlen);

#endif
