/* Units of a sweep (labunit.h): named from the expanded cases, selected in place before the
 * runs are planned. */
#include "labunit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Whether experiment e's claims span its cases, so that it is one unit as a whole. */
static bool exp_whole(enum lab_exp e)
{
	return e == LAB_EXP_WAKEUP || e == LAB_EXP_WINDOW;
}

void lab_unit_of(const struct lab_case *c, char *buf, size_t len)
{
	if (exp_whole(c->exp))
		snprintf(buf, len, "%s", lab_exp_name(c->exp));
	else
		snprintf(buf, len, "%s/%s", lab_exp_name(c->exp), c->name);
}

int lab_unit_select(struct lab *lab, const char *name, char *err, size_t errlen)
{
	char unit[96], prev[96] = "", known[512] = "";
	size_t used = 0;
	int i, kept = 0, e = -1;

	for (i = 0; i < lab->n_cases; i++) {
		lab_unit_of(&lab->cases[i], unit, sizeof(unit));
		if (!strcmp(unit, name)) {
			e = (int)lab->cases[i].exp;
			lab->cases[kept++] = lab->cases[i];
		} else if (strcmp(unit, prev) && used < sizeof(known)) {
			int n = snprintf(known + used, sizeof(known) - used, "%s%s", used ? " " : "", unit);

			used = n < 0 ? sizeof(known) : used + (size_t)n;
		}
		snprintf(prev, sizeof(prev), "%s", unit);
	}
	if (!kept) {
		snprintf(err, errlen, "no unit '%s' in this definition (its units: %s%s)", name,
			 used ? known : "none", used >= sizeof(known) ? " ..." : "");
		return -ENOENT;
	}
	lab->n_cases = kept;
	for (i = 0; i < LAB_EXP_COUNT; i++)
		if (i != e)
			lab->conf.exp[i].enabled = false;
	return 0;
}

void lab_units_print(const struct lab *lab, FILE *out)
{
	char unit[96], prev[96] = "";

	for (int i = 0; i < lab->n_cases; i++) {
		lab_unit_of(&lab->cases[i], unit, sizeof(unit));
		if (strcmp(unit, prev))
			fprintf(out, "%s\n", unit);
		snprintf(prev, sizeof(prev), "%s", unit);
	}
}
