/* What the running kernel's fair scheduler is, for the meta of every lab run: its name (CFS
 * below Linux 6.6, EEVDF from 6.6), HZ, the preemption model and the base slice, each with the
 * source it was read from, since none has one interface on every kernel. The parsers are pure;
 * schedinfo_probe() reads /proc, /sys and the kernel's config, and may fork one short child to
 * read debugfs in a private mount namespace. No shared state. */
#ifndef HOGLAB_SCHEDINFO_H
#define HOGLAB_SCHEDINFO_H

#include <stdio.h>
#include <stddef.h>

struct schedinfo {
	char release[72];
	int major, minor;
	const char *scheduler;   /* "CFS", "EEVDF" or "unknown" */
	int hz;                  /* 0: unknown */
	char hz_source[64];
	char preempt[16];        /* none, voluntary, full, lazy, rt; "" unknown */
	char preempt_source[96];
	long slice_ns;           /* base slice (EEVDF) or minimum granularity (CFS); 0: unknown */
	char slice_source[96];
};

/* 0 with the major and minor of a release string such as "6.12.117+deb12-amd64"; -EINVAL. */
int schedinfo_parse_release(const char *release, int *major, int *minor);
/* The fair class of that version: EEVDF replaced CFS in Linux 6.6. */
const char *schedinfo_scheduler(int major, int minor);
/* The active model of debugfs sched/preempt ("none voluntary (full) lazy"): the word in
 * parentheses into out; -EINVAL when there is none. */
int schedinfo_parse_preempt(const char *text, char *out, size_t outlen);
/* The model a kernel config selects (CONFIG_PREEMPT_RT, _LAZY, CONFIG_PREEMPT, _VOLUNTARY,
 * _NONE: "=y" lines of text, one per line); -ENOENT when none is set. */
int schedinfo_config_preempt(const char *config, char *out, size_t outlen);
/* CONFIG_HZ of a config text, or 0. */
int schedinfo_config_hz(const char *config);
/* The value of "key : value" in a /proc/PID/sched text (e.g. "se.slice"), or -1. */
long schedinfo_sched_field(const char *text, const char *key);

/* Fills si for the running kernel; what cannot be read stays unknown with the reason in its
 * source field. Never fails. */
void schedinfo_probe(struct schedinfo *si);
/* The meta lines: scheduler=, hz=, preempt=, base_slice_ns= and their sources. */
void schedinfo_meta(FILE *f, const struct schedinfo *si);

#endif
