/* Units of a sweep (experiments/README.md, "Sweeps"): the pieces a definition splits into, each
 * run by one `lab --unit NAME` on one machine. A unit is one case with its repetitions
 * ("pairs/0-vs-5", "mix/mix", "autogroup/sessions-0-vs-15"), except the wake-up and window
 * experiments, which are one unit each ("wakeup", "window"): their claims span their cases.
 * Main thread only; changes only the struct lab it is given. */
#ifndef HOGLAB_LABUNIT_H
#define HOGLAB_LABUNIT_H

#include <stddef.h>
#include <stdio.h>

#include "lab.h"

/* The unit of case c into buf. */
void lab_unit_of(const struct lab_case *c, char *buf, size_t len);
/* Keeps only the cases of unit name (and turns every other section off, so the summaries of
 * other experiments see nothing to do). 0, or -ENOENT with one line in err naming the units. */
int lab_unit_select(struct lab *lab, const char *name, char *err, size_t errlen);
/* Every unit of the expanded cases, one a line, in the order of the cases. */
void lab_units_print(const struct lab *lab, FILE *out);

#endif
