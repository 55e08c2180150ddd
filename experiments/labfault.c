/* Test-only nice-step injection (labfault.h): the one injected container, kept in statics that
 * main sets before the first run. */
#include "labfault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	int case_idx, slot, step;
	char spec[128];
} fault = { -1, -1, 0, "none" };

bool lab_fault_allowed(void)
{
	const char *env = getenv("HOGLAB_TEST_FAULTS");

	return env && !strcmp(env, "1");
}

int lab_fault_set(const struct lab *lab, const char *spec, char *err, size_t errlen)
{
	char cs[96], ct[32], step[8], extra;
	int i, s;

	if (!lab_fault_allowed()) {
		snprintf(err, errlen, "--inject-nice-step is for tests only: set HOGLAB_TEST_FAULTS=1 to allow it");
		return -EPERM;
	}
	if (sscanf(spec, "%95[^:]:%31[^:]:%7[^:]%c", cs, ct, step, &extra) != 3 ||
	    (strcmp(step, "+1") && strcmp(step, "-1"))) {
		snprintf(err, errlen, "--inject-nice-step '%s': expected EXP/CASE:CONTAINER:+1 or -1", spec);
		return -EINVAL;
	}
	for (i = 0; i < lab->n_cases; i++) {
		const struct lab_case *c = &lab->cases[i];
		char id[96];

		snprintf(id, sizeof(id), "%s/%s", lab_exp_name(c->exp), c->name);
		if (strcmp(id, cs))
			continue;
		for (s = 0; s < c->n; s++)
			if (!strcmp(c->ct[s].label, ct))
				break;
		if (s == c->n) {
			snprintf(err, errlen, "--inject-nice-step '%s': case %s has no container %s", spec, cs, ct);
			return -EINVAL;
		}
		if (c->exp == LAB_EXP_WAKEUP || c->ct[s].weight) {
			snprintf(err, errlen, "--inject-nice-step '%s': %s is not a nice-weighted cpu_hog", spec, ct);
			return -EINVAL;
		}
		if (c->ct[s].nice + atoi(step) < -20 || c->ct[s].nice + atoi(step) > 19) {
			snprintf(err, errlen, "--inject-nice-step '%s': nice %d%s is out of -20..19", spec, c->ct[s].nice,
				 step);
			return -EINVAL;
		}
		fault.case_idx = i;
		fault.slot = s;
		fault.step = atoi(step);
		snprintf(fault.spec, sizeof(fault.spec), "%s", spec);
		return 0;
	}
	snprintf(err, errlen, "--inject-nice-step '%s': no case %s in the definition", spec, cs);
	return -EINVAL;
}

int lab_fault_nice(const struct lab *lab, const struct lab_case *c, int slot)
{
	bool hit = fault.step && c == &lab->cases[fault.case_idx] && slot == fault.slot;

	return c->ct[slot].nice + (hit ? fault.step : 0);
}

const char *lab_fault_describe(void)
{
	return fault.spec;
}
