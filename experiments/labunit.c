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

/* Keeps the cases with keep[i] set, in their order, and turns off every section left without a
 * case, so that the summaries of those experiments see nothing to do. */
static void cases_keep(struct lab *lab, const bool *keep)
{
	bool used[LAB_EXP_COUNT] = { false };
	int i, kept = 0;

	for (i = 0; i < lab->n_cases; i++)
		if (keep[i]) {
			used[lab->cases[i].exp] = true;
			lab->cases[kept++] = lab->cases[i];
		}
	lab->n_cases = kept;
	for (i = 0; i < LAB_EXP_COUNT; i++)
		if (!used[i])
			lab->conf.exp[i].enabled = false;
}

int lab_unit_select(struct lab *lab, const char *name, char *err, size_t errlen)
{
	char unit[96], prev[96] = "", known[512] = "";
	bool keep[lab->n_cases > 0 ? lab->n_cases : 1];
	size_t used = 0;
	int i, kept = 0;

	for (i = 0; i < lab->n_cases; i++) {
		lab_unit_of(&lab->cases[i], unit, sizeof(unit));
		keep[i] = !strcmp(unit, name);
		kept += keep[i];
		if (!keep[i] && strcmp(unit, prev) && used < sizeof(known)) {
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
	cases_keep(lab, keep);
	return 0;
}

double lab_case_run_ms(const struct lab_case *c)
{
	switch (c->exp) {
	case LAB_EXP_WAKEUP:
	case LAB_EXP_SLEEPER:
	case LAB_EXP_SHORTWIN:
	case LAB_EXP_SLICE:
		return c->work_ms; /* its duration: the hog beside the sleeper runs as long */
	default:
		return (double)c->work_ms * c->n; /* one CPU, shared: each container's work in turn */
	}
}

int lab_part_select(struct lab *lab, int part, int parts, char *err, size_t errlen)
{
	int nc = lab->n_cases > 0 ? lab->n_cases : 1, n_units = 0, i, j;
	int unit_of[nc], order[nc], part_of[nc];
	char name[nc][96], unit[96];
	double cost[nc], load[parts > 0 ? parts : 1];
	bool keep[nc];

	if (parts < 1 || part < 1 || part > parts) {
		snprintf(err, errlen, "part %d of %d: want 1 <= I <= N", part, parts);
		return -ERANGE;
	}
	/* The units in the order of the cases, each with its cost: every repetition of its cases. */
	for (i = 0; i < lab->n_cases; i++) {
		lab_unit_of(&lab->cases[i], unit, sizeof(unit));
		for (j = 0; j < n_units && strcmp(name[j], unit); j++)
			;
		if (j == n_units) {
			snprintf(name[n_units], sizeof(name[0]), "%s", unit);
			cost[n_units] = 0;
			order[n_units] = n_units;
			n_units++;
		}
		unit_of[i] = j;
		cost[j] += lab_case_run_ms(&lab->cases[i]) * lab->cases[i].reps;
	}
	if (n_units < parts) {
		snprintf(err, errlen, "part %d of %d: this definition has %d unit%s, fewer than %d parts", part, parts,
			 n_units, n_units == 1 ? "" : "s", parts);
		return -ERANGE;
	}
	/* Heaviest first (ties: the earlier unit), each to the lightest part so far (ties: the lower). */
	for (i = 1; i < n_units; i++)
		for (j = i; j > 0 && cost[order[j]] > cost[order[j - 1]]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < parts; i++)
		load[i] = 0;
	for (i = 0; i < n_units; i++) {
		int best = 0;

		for (j = 1; j < parts; j++)
			if (load[j] < load[best])
				best = j;
		part_of[order[i]] = best + 1;
		load[best] += cost[order[i]];
	}
	for (i = 0; i < lab->n_cases; i++)
		keep[i] = part_of[unit_of[i]] == part;
	cases_keep(lab, keep);
	return 0;
}

void lab_units_print(const struct lab *lab, FILE *out, char sep)
{
	char unit[96], prev[96] = "";
	bool first = true;

	for (int i = 0; i < lab->n_cases; i++) {
		lab_unit_of(&lab->cases[i], unit, sizeof(unit));
		if (strcmp(unit, prev)) {
			if (!first && sep != '\n')
				fputc(sep, out);
			fprintf(out, "%s%s", unit, sep == '\n' ? "\n" : "");
			first = false;
		}
		snprintf(prev, sizeof(prev), "%s", unit);
	}
}

bool lab_part_parse(const char *text, int *part, int *parts)
{
	char tail;

	return sscanf(text, "%d/%d%c", part, parts, &tail) == 2 && *parts >= 1 && *parts <= LAB_PARTS_MAX &&
	       *part >= 1 && *part <= *parts && strspn(text, "0123456789/") == strlen(text);
}
