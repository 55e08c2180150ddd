/* Definition parser: a line is "key = value", "[section]", a comment (#) or blank. Keys are
 * checked against a per-section table; "PROFILE.key" lines apply only under that profile and
 * win over the plain key wherever they stand. Single-threaded; no state outside the caller's struct. */
#include "labconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAB_CONF_MAX_BYTES (256 * 1024)
#define LAB_PROFILE_MAX 32

enum key_type { KEY_INT, KEY_U64, KEY_BOOL, KEY_STR, KEY_NICE_LIST, KEY_WEIGHT_LIST, KEY_INT_LIST };

/* A KEY_INT_LIST field is int[LAB_MAX_VALUES] directly followed by its int count. */
#define LIST_COUNT_FOLLOWS(f, n) \
	_Static_assert(offsetof(struct lab_section, n) == offsetof(struct lab_section, f) + \
			       sizeof(int) * LAB_MAX_VALUES, #n " follows " #f)
LIST_COUNT_FOLLOWS(period_ms, n_period_ms);
LIST_COUNT_FOLLOWS(rate, n_rate);
LIST_COUNT_FOLLOWS(count, n_count);
LIST_COUNT_FOLLOWS(window_ms, n_window_ms);
LIST_COUNT_FOLLOWS(window_reps, n_window_reps);
LIST_COUNT_FOLLOWS(demand, n_demand);
LIST_COUNT_FOLLOWS(slice_us, n_slice_us);
LIST_COUNT_FOLLOWS(win_ticks, n_win_ticks);
LIST_COUNT_FOLLOWS(pair_reps, n_pair_reps);

struct key_spec {
	const char *name;
	enum key_type type;
	long min, max;      /* value range; for lists: of each value */
	int min_count;      /* lists: fewest values */
	int max_count;      /* lists: most values */
	size_t offset;      /* in struct lab_conf (global) or struct lab_section */
	size_t size;        /* KEY_STR: buffer size */
};

#define SEC(f) offsetof(struct lab_section, f)
#define GLB(f) offsetof(struct lab_conf, f)

static const struct key_spec global_keys[] = {
	{ "sample_ms", KEY_INT, 1, 1000, 0, 0, GLB(sample_ms), 0 },
	{ "cpu", KEY_INT, 0, 1023, 0, 0, GLB(cpu), 0 },
	{ "seed", KEY_U64, 0, 0, 0, 0, GLB(seed), 0 },
	{ "rootfs", KEY_STR, 1, 0, 0, 0, GLB(rootfs), sizeof(((struct lab_conf *)0)->rootfs) },
	{ "hog", KEY_STR, 1, 0, 0, 0, GLB(hog), sizeof(((struct lab_conf *)0)->hog) },
	{ NULL, 0, 0, 0, 0, 0, 0, 0 },
};

#define K_ENABLED { "enabled", KEY_BOOL, 0, 1, 0, 0, SEC(enabled), 0 }
#define K_REPS { "repetitions", KEY_INT, 1, 100, 0, 0, SEC(repetitions), 0 }
#define K_WORK { "work_ms", KEY_INT, 10, 600000, 0, 0, SEC(work_ms), 0 }
#define K_NICE_RANGE(min, max, lo, hi) { "nice", KEY_NICE_LIST, min, max, lo, hi, SEC(nice), 0 }
#define K_NICE(lo, hi) K_NICE_RANGE(-20, 19, lo, hi)
#define K_END { NULL, 0, 0, 0, 0, 0, 0, 0 }

#define K_LIST(name, f, lo, hi, cmin, cmax) { name, KEY_INT_LIST, lo, hi, cmin, cmax, SEC(f), 0 }
/* [pairs]: one repetition count for all pairs or one per nice (a pair whose share is small needs
 * more of them to tell one nice step apart; cfs.conf). */
static const struct key_spec pairs_keys[] = {
	K_ENABLED, K_LIST("repetitions", pair_reps, 1, 100, 1, LAB_MAX_VALUES), K_WORK, K_NICE(1, LAB_MAX_VALUES), K_END,
};
static const struct key_spec mix_keys[] = { K_ENABLED, K_REPS, K_WORK, K_NICE(2, LAB_MAX_VALUES), K_END };
static const struct key_spec weights_keys[] = {
	K_ENABLED, K_REPS, K_WORK,
	{ "weights", KEY_WEIGHT_LIST, 1, 10000, 1, LAB_MAX_VALUES, SEC(weight), 0 },
	K_END,
};
static const struct key_spec autogroup_keys[] = { K_ENABLED, K_REPS, K_WORK, K_NICE(1, LAB_MAX_VALUES), K_END };
static const struct key_spec demo_keys[] = { K_ENABLED, K_REPS, K_WORK, K_NICE(1, 1), K_END };
static const struct key_spec wakeup_keys[] = {
	K_ENABLED, K_REPS, K_NICE(1, LAB_MAX_VALUES),
	{ "sleep_us", KEY_INT, 100, 1000000, 0, 0, SEC(sleep_us), 0 },
	{ "busy_us", KEY_INT, 1, 1000000, 0, 0, SEC(busy_us), 0 },
	{ "duration_ms", KEY_INT, 100, 600000, 0, 0, SEC(duration_ms), 0 },
	K_END,
};

#define K_BACKENDS { "backends", KEY_STR, 1, 0, 0, 0, SEC(backends), sizeof(((struct lab_section *)0)->backends) }
#define K_MIB(name, f) { name, KEY_INT, 1, 4096, 0, 0, SEC(f), 0 }
static const struct key_spec memdemo_keys[] = {
	K_ENABLED, K_REPS, K_BACKENDS, K_LIST("period_ms", period_ms, 1, 10000, 1, 1),
	K_LIST("rate", rate, 1, 4096, 1, 1), K_MIB("soft_mib", soft_mib), K_MIB("hard_mib", hard_mib), K_END,
};
static const struct key_spec overshoot_keys[] = {
	K_ENABLED, K_REPS, K_BACKENDS, K_LIST("period_ms", period_ms, 1, 10000, 1, LAB_MAX_VALUES),
	K_LIST("rate", rate, 1, 4096, 1, LAB_MAX_VALUES), K_MIB("soft_mib", soft_mib),
	K_MIB("hard_mib", hard_mib), K_END,
};
static const struct key_spec moncost_keys[] = {
	K_ENABLED, K_REPS, K_BACKENDS, K_LIST("period_ms", period_ms, 1, 10000, 1, 1),
	K_LIST("count", count, 1, 500, 1, LAB_MAX_VALUES),
	{ "duration_ms", KEY_INT, 100, 600000, 0, 0, SEC(duration_ms), 0 },
	K_END,
};
/* The window-length experiment: nice 0 against each (lighter) nice at each window; the fit
 * needs three windows at least (a slope and an intercept to check, with a degree of freedom
 * left) and two runs per window (each window's residual is held within its own CI). */
static const struct key_spec window_keys[] = {
	K_ENABLED, K_NICE_RANGE(1, 19, 1, LAB_MAX_VALUES), K_LIST("work_ms", window_ms, 10, 600000, 3, LAB_MAX_VALUES),
	K_LIST("repetitions", window_reps, 2, 100, 1, LAB_MAX_VALUES), K_END,
};

/* The sleeper against a hog: its demand D % of one CPU, busy D % and asleep the rest of each
 * period_us, for duration_ms. [slice] runs one demand at each custom slice (Linux 6.12+). */
#define K_PERIOD { "period_us", KEY_INT, 200, 1000000, 0, 0, SEC(period_us), 0 }
#define K_DURATION { "duration_ms", KEY_INT, 100, 600000, 0, 0, SEC(duration_ms), 0 }
static const struct key_spec sleeper_keys[] = {
	K_ENABLED, K_REPS, K_LIST("demand", demand, 1, 99, 1, LAB_MAX_VALUES), K_PERIOD, K_DURATION, K_END,
};
static const struct key_spec slice_keys[] = {
	K_ENABLED, K_REPS, K_LIST("demand", demand, 1, 99, 1, 1), K_PERIOD, K_DURATION,
	K_LIST("slice_us", slice_us, 100, 100000, 1, LAB_MAX_VALUES), K_END,
};
/* The short-window pair: nice 0 against one nice, both hogs on one CPU, read every sample_us. */
static const struct key_spec shortwin_keys[] = {
	K_ENABLED, K_REPS, K_NICE_RANGE(-20, 19, 1, 1), K_DURATION,
	K_LIST("windows", win_ticks, 1, 4096, 1, LAB_MAX_VALUES),
	{ "sample_us", KEY_INT, 100, 10000, 0, 0, SEC(sample_us), 0 }, K_END,
};

static const struct {
	const char *name;
	const struct key_spec *keys;
} sections[LAB_EXP_COUNT] = {
	[LAB_EXP_PAIRS] = { "pairs", pairs_keys },
	[LAB_EXP_MIX] = { "mix", mix_keys },
	[LAB_EXP_WEIGHTS] = { "weights", weights_keys },
	[LAB_EXP_AUTOGROUP] = { "autogroup", autogroup_keys },
	[LAB_EXP_DEMO] = { "demo", demo_keys },
	[LAB_EXP_WAKEUP] = { "wakeup", wakeup_keys },
	[LAB_EXP_WINDOW] = { "window", window_keys },
	[LAB_EXP_SLEEPER] = { "sleeper", sleeper_keys },
	[LAB_EXP_SHORTWIN] = { "shortwin", shortwin_keys },
	[LAB_EXP_SLICE] = { "slice", slice_keys },
	[LAB_EXP_MEMDEMO] = { "memdemo", memdemo_keys },
	[LAB_EXP_OVERSHOOT] = { "overshoot", overshoot_keys },
	[LAB_EXP_MONCOST] = { "moncost", moncost_keys },
};

const char *lab_exp_name(enum lab_exp e)
{
	return (unsigned)e < LAB_EXP_COUNT ? sections[e].name : "?";
}

struct parse_ctx {
	const char *name;
	int line;
	char *err;
	size_t errlen;
	int window_line[3]; /* the lines that last set [window] nice, work_ms, repetitions (0: unset) */
	int pairs_line[2];  /* the lines that last set [pairs] nice, repetitions (0: unset) */
};

static int parse_fail(struct parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int parse_fail(struct parse_ctx *c, const char *fmt, ...)
{
	int n = snprintf(c->err, c->errlen, "%s:%d: ", c->name, c->line);
	va_list ap;

	if (n < 0 || (size_t)n >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *text_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A whole token as a long in [min, max]; false when it is not one. */
static bool long_parse(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* KEY_INT_LIST: integers separated by blanks or commas, their count after LAB_MAX_VALUES ints. */
static int int_list_parse(struct parse_ctx *c, const char *key, const struct key_spec *k, char *val, char *field)
{
	int n = 0, *vals = (int *)field;
	char *save = NULL, *tok;
	long v;

	for (tok = strtok_r(val, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (n == k->max_count)
			return parse_fail(c, "key '%s': at most %d value%s", key, k->max_count,
					  k->max_count == 1 ? "" : "s");
		if (!long_parse(tok, k->min, k->max, &v))
			return parse_fail(c, "key '%s': expected integers from %ld to %ld, got '%s'", key, k->min,
					  k->max, tok);
		vals[n++] = (int)v;
	}
	if (n < k->min_count)
		return parse_fail(c, "key '%s': needs at least %d value%s", key, k->min_count,
				  k->min_count == 1 ? "" : "s");
	*(int *)(field + sizeof(int) * LAB_MAX_VALUES) = n;
	return 0;
}

/* One A:B weight pair of a KEY_WEIGHT_LIST into s->weight[n]; tok is restored on failure. */
static int weight_pair_parse(struct parse_ctx *c, const char *key, const struct key_spec *k, char *tok,
			     struct lab_section *s, int n)
{
	char *colon = strchr(tok, ':');
	long a, b;

	if (colon)
		*colon = '\0';
	if (!colon || !long_parse(tok, k->min, k->max, &a) || !long_parse(colon + 1, k->min, k->max, &b)) {
		if (colon)
			*colon = ':';
		return parse_fail(c, "key '%s': expected A:B with A and B from %ld to %ld, got '%s'", key, k->min,
				  k->max, tok);
	}
	s->weight[n][0] = (int)a;
	s->weight[n][1] = (int)b;
	return 0;
}

/* KEY_NICE_LIST (into field, count in n_nice) or KEY_WEIGHT_LIST (A:B pairs, count in n_weight). */
static int section_list_parse(struct parse_ctx *c, const char *key, const struct key_spec *k, char *val,
			      char *field, struct lab_section *s)
{
	bool pairs = k->type == KEY_WEIGHT_LIST;
	int n = 0, rc;
	char *save = NULL, *tok;
	long v;

	for (tok = strtok_r(val, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save), n++) {
		if (n == k->max_count)
			return parse_fail(c, "key '%s': at most %d values", key, k->max_count);
		if (pairs) {
			if ((rc = weight_pair_parse(c, key, k, tok, s, n)))
				return rc;
		} else if (!long_parse(tok, k->min, k->max, &v)) {
			return parse_fail(c, "key '%s': expected nice values from %ld to %ld, got '%s'", key, k->min,
					  k->max, tok);
		} else {
			((int *)field)[n] = (int)v;
		}
	}
	if (n < k->min_count)
		return parse_fail(c, "key '%s': needs at least %d value%s", key, k->min_count,
				  k->min_count == 1 ? "" : "s");
	if (pairs)
		s->n_weight = n;
	else
		s->n_nice = n;
	return 0;
}

static int value_parse(struct parse_ctx *c, const char *key, const struct key_spec *k, char *val, void *base)
{
	char *field = (char *)base + k->offset;
	long v;

	switch (k->type) {
	case KEY_INT:
		if (!long_parse(val, k->min, k->max, &v))
			return parse_fail(c, "key '%s': expected an integer from %ld to %ld, got '%s'",
					  key, k->min, k->max, val);
		*(int *)field = (int)v;
		return 0;
	case KEY_BOOL:
		if (!long_parse(val, 0, 1, &v))
			return parse_fail(c, "key '%s': expected 0 or 1, got '%s'", key, val);
		*(bool *)field = v;
		return 0;
	case KEY_U64: {
		char *end;
		unsigned long long u;

		errno = 0;
		u = strtoull(val, &end, 10);
		if (*val == '\0' || *val == '-' || errno || *end != '\0')
			return parse_fail(c, "key '%s': expected an unsigned integer, got '%s'", key, val);
		*(uint64_t *)field = u;
		return 0;
	}
	case KEY_STR:
		if (*val == '\0' || strlen(val) >= k->size)
			return parse_fail(c, "key '%s': expected a value of 1 to %zu characters", key, k->size - 1);
		memcpy(field, val, strlen(val) + 1);
		return 0;
	case KEY_INT_LIST:
		return int_list_parse(c, key, k, val, field);
	case KEY_NICE_LIST:
	case KEY_WEIGHT_LIST:
		return section_list_parse(c, key, k, val, field, base);
	}
	return -EINVAL;
}

static void conf_defaults(struct lab_conf *conf)
{
	static const int pairs[] = { 0, 1, 5, 10, 15, 19 };
	static const int mix[] = { 0, 3, 6, 9, 12, 15, 18 };
	static const int window_nice[] = { 15, 19 }, window_ms[] = { 250, 1000, 4000, 16000 };
	int e;

	memset(conf, 0, sizeof(*conf));
	conf->sample_ms = 20;
	conf->cpu = 1;
	strcpy(conf->rootfs, "rootfs/base");
	strcpy(conf->hog, "/cpu_hog");
	for (e = 0; e < LAB_EXP_COUNT; e++) {
		struct lab_section *s = &conf->exp[e];

		s->enabled = true;
		s->repetitions = 3;
		s->work_ms = 1000;
		s->nice[0] = 15;
		s->n_nice = 1;
	}
	memcpy(conf->exp[LAB_EXP_PAIRS].nice, pairs, sizeof(pairs));
	conf->exp[LAB_EXP_PAIRS].pair_reps[0] = 3;
	conf->exp[LAB_EXP_PAIRS].n_pair_reps = 1;
	conf->exp[LAB_EXP_PAIRS].n_nice = sizeof(pairs) / sizeof(pairs[0]);
	memcpy(conf->exp[LAB_EXP_MIX].nice, mix, sizeof(mix));
	conf->exp[LAB_EXP_MIX].n_nice = sizeof(mix) / sizeof(mix[0]);
	conf->exp[LAB_EXP_WEIGHTS].weight[0][0] = 200;
	conf->exp[LAB_EXP_WEIGHTS].weight[0][1] = 100;
	conf->exp[LAB_EXP_WEIGHTS].n_weight = 1;
	conf->exp[LAB_EXP_DEMO].work_ms = 10000;
	conf->exp[LAB_EXP_DEMO].repetitions = 1;
	conf->exp[LAB_EXP_WAKEUP].sleep_us = 5000;
	conf->exp[LAB_EXP_WAKEUP].busy_us = 100;
	conf->exp[LAB_EXP_WAKEUP].duration_ms = 3000;
	conf->exp[LAB_EXP_WAKEUP].repetitions = 1;
	/* Off unless a definition asks for it: the definitions that predate it (regress.conf, the
	 * tests' own) keep their run time. */
	conf->exp[LAB_EXP_WINDOW].enabled = false;
	memcpy(conf->exp[LAB_EXP_WINDOW].nice, window_nice, sizeof(window_nice));
	conf->exp[LAB_EXP_WINDOW].n_nice = sizeof(window_nice) / sizeof(window_nice[0]);
	memcpy(conf->exp[LAB_EXP_WINDOW].window_ms, window_ms, sizeof(window_ms));
	conf->exp[LAB_EXP_WINDOW].n_window_ms = sizeof(window_ms) / sizeof(window_ms[0]);
	conf->exp[LAB_EXP_WINDOW].window_reps[0] = 3;
	conf->exp[LAB_EXP_WINDOW].n_window_reps = 1;
	{
		/* Off unless a definition asks, like [window]; the defaults are cfs.conf's. */
		static const int demand[] = { 25, 50, 75 }, slices[] = { 100, 750, 3000, 12000 },
				 ticks[] = { 1, 2, 4, 8, 16, 32, 64 };
		struct lab_section *sl = &conf->exp[LAB_EXP_SLEEPER], *sc = &conf->exp[LAB_EXP_SLICE],
				   *sw = &conf->exp[LAB_EXP_SHORTWIN];

		sl->enabled = sc->enabled = sw->enabled = false;
		memcpy(sl->demand, demand, sizeof(demand));
		sl->n_demand = 3;
		sc->demand[0] = 50;
		sc->n_demand = 1;
		sl->period_us = sc->period_us = 2000;
		sl->duration_ms = sc->duration_ms = sw->duration_ms = 2000;
		memcpy(sc->slice_us, slices, sizeof(slices));
		sc->n_slice_us = 4;
		sw->nice[0] = 10;
		memcpy(sw->win_ticks, ticks, sizeof(ticks));
		sw->n_win_ticks = 7;
		sw->sample_us = 1000;
	}
	for (e = LAB_EXP_MEMDEMO; e <= LAB_EXP_MONCOST; e++) {
		struct lab_section *s = &conf->exp[e];

		strcpy(s->backends, "cgroup proc kmod");
		s->period_ms[0] = 100;
		s->n_period_ms = 1;
		s->rate[0] = 10;
		s->n_rate = 1;
		s->soft_mib = 10;
		s->hard_mib = 20;
		s->count[0] = 1;
		s->n_count = 1;
		s->duration_ms = 1000;
	}
	conf->exp[LAB_EXP_MEMDEMO].repetitions = 1;
	conf->exp[LAB_EXP_MONCOST].repetitions = 1;
}

/* One pass over the text. Pass 0 applies plain keys and checks profile keys into a scratch copy;
 * pass 1 applies the keys of the chosen profile. */
static int text_walk(struct lab_conf *conf, struct parse_ctx *c, const char *text, const char *profile, int pass)
{
	const struct key_spec *keys = global_keys;
	void *base = conf;
	int section = -1;
	const char *p = text;

	for (c->line = 1; *p; c->line++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[1024], *s, *eq, *key, *val, *dot;
		const struct key_spec *k;
		struct lab_conf scratch;
		bool apply;
		int rc;

		if (len >= sizeof(buf))
			return parse_fail(c, "line longer than %zu characters", sizeof(buf) - 1);
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = nl ? nl + 1 : p + len;
		s = strchr(buf, '#');
		if (s)
			*s = '\0';
		s = text_trim(buf);
		if (*s == '\0')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			int e;

			if (!close || text_trim(close + 1)[0] != '\0')
				return parse_fail(c, "section header '%s': expected [name]", s);
			*close = '\0';
			s = text_trim(s + 1);
			for (e = 0; e < LAB_EXP_COUNT && strcmp(s, sections[e].name); e++)
				;
			if (e == LAB_EXP_COUNT)
				return parse_fail(c, "unknown section '[%s]' (pairs, mix, weights, autogroup, demo, wakeup, window, sleeper, shortwin, slice, memdemo, overshoot, moncost)", s);
			section = e;
			keys = sections[e].keys;
			base = &conf->exp[e];
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			return parse_fail(c, "expected 'key = value', got '%s'", s);
		*eq = '\0';
		key = text_trim(s);
		val = text_trim(eq + 1);
		if (*key == '\0')
			return parse_fail(c, "missing key before '='");
		dot = strchr(key, '.');
		apply = pass == 0;
		if (dot) {
			*dot = '\0';
			if (*key == '\0' || strlen(key) >= LAB_PROFILE_MAX) {
				*dot = '.';
				return parse_fail(c, "key '%s': expected PROFILE.key", key);
			}
			apply = pass == 1 && profile && strcmp(profile, key) == 0;
			*dot = '.';
			key = dot + 1;
		} else if (pass == 1) {
			continue;
		}
		for (k = keys; k->name && strcmp(k->name, key); k++)
			;
		if (!k->name)
			return parse_fail(c, "unknown key '%s' in %s%s%s", key, section < 0 ? "the global part" : "[",
					  section < 0 ? "" : sections[section].name, section < 0 ? "" : "]");
		if (apply) {
			rc = value_parse(c, key, k, val, base);
		} else {
			/* Checked, not applied: a profile key for another profile, or pass 1's plain keys. */
			void *sbase;

			scratch = *conf;
			sbase = section < 0 ? (void *)&scratch : (void *)&scratch.exp[section];
			rc = value_parse(c, key, k, val, sbase);
		}
		if (rc)
			return rc;
		if (apply && section == LAB_EXP_WINDOW && strcmp(key, "enabled"))
			c->window_line[!strcmp(key, "nice") ? 0 : !strcmp(key, "work_ms") ? 1 : 2] = c->line;
		if (apply && section == LAB_EXP_PAIRS && (!strcmp(key, "nice") || !strcmp(key, "repetitions")))
			c->pairs_line[!strcmp(key, "repetitions")] = c->line;
	}
	return 0;
}

/* [window] across its keys: one repetition count for all windows or one per window, and no
 * window or nice twice (each would be two cases of one name). A mismatch names the later of the
 * lines that set work_ms and repetitions. */
static int window_check(struct lab_conf *conf, struct parse_ctx *c)
{
	const struct lab_section *s = &conf->exp[LAB_EXP_WINDOW];
	int i, j;

	c->line = c->window_line[2] > c->window_line[1] ? c->window_line[2] : c->window_line[1];
	if (s->n_window_reps != 1 && s->n_window_reps != s->n_window_ms)
		return parse_fail(c, "[window]: key 'repetitions': %d values for %d windows of work_ms (give one for "
				  "all, or one per window)", s->n_window_reps, s->n_window_ms);
	c->line = c->window_line[1];
	for (i = 0; i < s->n_window_ms; i++)
		for (j = 0; j < i; j++)
			if (s->window_ms[i] == s->window_ms[j])
				return parse_fail(c, "[window]: key 'work_ms': window %d given twice", s->window_ms[i]);
	c->line = c->window_line[0];
	for (i = 0; i < s->n_nice; i++)
		for (j = 0; j < i; j++)
			if (s->nice[i] == s->nice[j])
				return parse_fail(c, "[window]: key 'nice': %d given twice", s->nice[i]);
	return 0;
}

/* [pairs]: one repetition count for all pairs or one per nice; a mismatch names the later of the
 * lines that set nice and repetitions. */
static int pairs_check(struct lab_conf *conf, struct parse_ctx *c)
{
	const struct lab_section *s = &conf->exp[LAB_EXP_PAIRS];

	c->line = c->pairs_line[1] > c->pairs_line[0] ? c->pairs_line[1] : c->pairs_line[0];
	if (s->n_pair_reps != 1 && s->n_pair_reps != s->n_nice)
		return parse_fail(c, "[pairs]: key 'repetitions': %d values for %d values of nice (give one for all, "
				  "or one per nice)", s->n_pair_reps, s->n_nice);
	return 0;
}

int lab_conf_pair_reps(const struct lab_section *pairs, int i)
{
	return pairs->pair_reps[pairs->n_pair_reps == 1 ? 0 : i];
}

int lab_conf_parse(struct lab_conf *conf, const char *name, const char *text, const char *profile,
		   char *err, size_t errlen)
{
	struct parse_ctx c = { name, 0, err, errlen, { 0 }, { 0 } };
	int rc;

	if (profile && *profile == '\0')
		profile = NULL;
	conf_defaults(conf);
	rc = text_walk(conf, &c, text, profile, 0);
	if (!rc && profile)
		rc = text_walk(conf, &c, text, profile, 1);
	if (!rc)
		rc = window_check(conf, &c);
	if (!rc)
		rc = pairs_check(conf, &c);
	return rc;
}

int lab_conf_load(struct lab_conf *conf, const char *path, const char *profile, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > LAB_CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, LAB_CONF_MAX_BYTES);
		close(fd);
		return -EINVAL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size && (n = read(fd, text + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			snprintf(err, errlen, "%s: read failed: %s", path, strerror(-rc));
			free(text);
			close(fd);
			return rc;
		}
		got += (size_t)n;
	}
	close(fd);
	text[got] = '\0';
	if (strlen(text) != got) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		free(text);
		return -EINVAL;
	}
	rc = lab_conf_parse(conf, path, text, profile, err, errlen);
	free(text);
	return rc;
}
