/* The cases a definition expands into (one per pair, weight pair, autogroup pair, the mix, the
 * demo, each sleeper), with their containers, work, repetitions and theory: shared by the lab
 * runner and the regression gate, which must name the same cases. Main thread only. */
#include "labcases.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lab_delay_src_name(enum lab_delay_src s)
{
	return s == LAB_DELAY_PERF ? "perf" : "schedstat";
}

static int case_add(struct lab *lab, enum lab_exp e, int param, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int case_add(struct lab *lab, enum lab_exp e, int param, const char *fmt, ...)
{
	struct lab_case *n = realloc(lab->cases, sizeof(*n) * (size_t)(lab->n_cases + 1)), *c;
	va_list ap;

	if (!n)
		return -ENOMEM;
	lab->cases = n;
	c = &n[lab->n_cases++];
	memset(c, 0, sizeof(*c));
	c->exp = e;
	c->param = param;
	c->work_ms = lab->conf.exp[e].work_ms;
	c->reps = lab->conf.exp[e].repetitions;
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	return 0;
}

static void ct_set(struct lab_case *c, const char *label, int nice, unsigned weight, bool own, bool sleeper)
{
	struct lab_ct *ct = &c->ct[c->n++];

	snprintf(ct->label, sizeof(ct->label), "%s", label);
	ct->nice = nice;
	ct->weight = weight;
	ct->own_session = own;
	ct->sleeper = sleeper;
}

int lab_cases_expand(struct lab *lab)
{
	const struct lab_section *s = lab->conf.exp;
	char label[24];
	int i, rc = 0;

	if (s[LAB_EXP_PAIRS].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_PAIRS].n_nice; i++) {
			int n = s[LAB_EXP_PAIRS].nice[i];

			rc = case_add(lab, LAB_EXP_PAIRS, n, "0-vs-%d", n);
			if (rc)
				break;
			lab->cases[lab->n_cases - 1].reps = lab_conf_pair_reps(&s[LAB_EXP_PAIRS], i);
			ct_set(&lab->cases[lab->n_cases - 1], "a-nice0", 0, 0, false, false);
			snprintf(label, sizeof(label), "b-nice%d", n);
			ct_set(&lab->cases[lab->n_cases - 1], label, n, 0, false, false);
		}
	if (!rc && s[LAB_EXP_MIX].enabled) {
		rc = case_add(lab, LAB_EXP_MIX, 0, "mix");
		for (i = 0; !rc && i < s[LAB_EXP_MIX].n_nice && i < LAB_CT_MAX; i++) {
			snprintf(label, sizeof(label), "nice%d", s[LAB_EXP_MIX].nice[i]);
			ct_set(&lab->cases[lab->n_cases - 1], label, s[LAB_EXP_MIX].nice[i], 0, false, false);
		}
	}
	if (!rc && s[LAB_EXP_WEIGHTS].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_WEIGHTS].n_weight; i++) {
			int a = s[LAB_EXP_WEIGHTS].weight[i][0], b = s[LAB_EXP_WEIGHTS].weight[i][1];

			rc = case_add(lab, LAB_EXP_WEIGHTS, a * 100 / b, "%d-vs-%d", a, b);
			if (rc)
				break;
			snprintf(label, sizeof(label), "a-w%d", a);
			ct_set(&lab->cases[lab->n_cases - 1], label, 0, (unsigned)a, false, false);
			snprintf(label, sizeof(label), "b-w%d", b);
			ct_set(&lab->cases[lab->n_cases - 1], label, 0, (unsigned)b, false, false);
		}
	if (!rc && s[LAB_EXP_AUTOGROUP].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_AUTOGROUP].n_nice; i++) {
			int n = s[LAB_EXP_AUTOGROUP].nice[i], own;

			for (own = 0; !rc && own < 2; own++) {
				rc = case_add(lab, LAB_EXP_AUTOGROUP, n, "%s-0-vs-%d", own ? "sessions" : "engine", n);
				if (rc)
					break;
				ct_set(&lab->cases[lab->n_cases - 1], "a-nice0", 0, 0, own, false);
				snprintf(label, sizeof(label), "b-nice%d", n);
				ct_set(&lab->cases[lab->n_cases - 1], label, n, 0, own, false);
			}
		}
	if (!rc && s[LAB_EXP_DEMO].enabled) {
		rc = case_add(lab, LAB_EXP_DEMO, s[LAB_EXP_DEMO].nice[0], "demo");
		if (!rc) {
			ct_set(&lab->cases[lab->n_cases - 1], "cn-normal", 0, 0, false, false);
			ct_set(&lab->cases[lab->n_cases - 1], "cn-nice", s[LAB_EXP_DEMO].nice[0], 0, false, false);
		}
	}
	if (!rc && s[LAB_EXP_WAKEUP].enabled)
		for (i = 0; !rc && i < s[LAB_EXP_WAKEUP].n_nice; i++) {
			int n = s[LAB_EXP_WAKEUP].nice[i];

			rc = case_add(lab, LAB_EXP_WAKEUP, n, "sleeper-nice%d", n);
			if (rc)
				break;
			lab->cases[lab->n_cases - 1].work_ms = s[LAB_EXP_WAKEUP].duration_ms;
			ct_set(&lab->cases[lab->n_cases - 1], "sleeper", n, 0, false, true);
			ct_set(&lab->cases[lab->n_cases - 1], "hog", 0, 0, false, false);
		}
	if (!rc)
		rc = lab_window_cases(lab);
	if (!rc)
		rc = lab_sleeper_cases(lab);
	if (!rc)
		rc = lab_short_cases(lab);
	for (i = 0; !rc && i < lab->n_cases; i++)
		lab_case_theory(&lab->cases[i], lab->autogroup);
	return rc;
}

