/* Units of a sweep (experiments/README.md, "Sweeps"): the pieces a definition splits into, each
 * run by one `lab --unit NAME` on one machine. A unit is one case with its repetitions
 * ("pairs/0-vs-5", "mix/mix", "autogroup/sessions-0-vs-15"), except the wake-up and window
 * experiments, which are one unit each ("wakeup", "window"): their claims span their cases.
 * Main thread only; changes only the struct lab it is given. */
#ifndef HOGLAB_LABUNIT_H
#define HOGLAB_LABUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lab.h"

/* The unit of case c into buf. */
void lab_unit_of(const struct lab_case *c, char *buf, size_t len);
/* Keeps only the cases of unit name (and turns every other section off, so the summaries of
 * other experiments see nothing to do). 0, or -ENOENT with one line in err naming the units. */
int lab_unit_select(struct lab *lab, const char *name, char *err, size_t errlen);
/* Expected wall time of one run of case c, in ms: its containers' work in turn on one CPU, or
 * the duration of a sleeper, wake-up or short-window run. The progress line's estimate, and
 * the weight of a unit in lab_part_select. */
double lab_case_run_ms(const struct lab_case *c);
/* Keeps only the units of part `part` (1..parts) of the definition split into `parts` parts of
 * about equal time: the units, heaviest first (lab_case_run_ms x repetitions, summed over their
 * cases), each to the part with the least time so far. It depends on the definition and profile
 * alone, so every machine splits them alike and `lab --summarize` finds the same part again.
 * 0, or -ERANGE with one line in err (part out of range, fewer units than parts). */
int lab_part_select(struct lab *lab, int part, int parts, char *err, size_t errlen);
/* Every unit of the expanded cases in the order of the cases: one a line (sep '\n'), or
 * separated by sep on one line with no newline. */
void lab_units_print(const struct lab *lab, FILE *out, char sep);

#define LAB_PARTS_MAX 64
/* "I/N" (digits only) into *part and *parts: true when 1 <= I <= N <= LAB_PARTS_MAX. */
bool lab_part_parse(const char *text, int *part, int *parts);

#endif
