/* Fault injection for the gate's own tests (ci/REGRESS.md): one container of one case run one
 * nice step off its definition, while the definition, runs.csv and the theory keep the real
 * value. Allowed only with HOGLAB_TEST_FAULTS=1 in the environment. Set once by main before
 * any run, then only read (main thread). */
#ifndef HOGLAB_LABFAULT_H
#define HOGLAB_LABFAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "lab.h"

/* Whether the environment allows injection (HOGLAB_TEST_FAULTS=1). */
bool lab_fault_allowed(void);
/* Parses "EXP/CASE:CONTAINER:+1|-1" and checks it against the expanded cases of lab. 0, else
 * -EPERM (HOGLAB_TEST_FAULTS is not 1) or -EINVAL, with one line in err. */
int lab_fault_set(const struct lab *lab, const char *spec, char *err, size_t errlen);
/* The nice container ct of case c starts with: its own, or one step off where injected. */
int lab_fault_nice(const struct lab *lab, const struct lab_case *c, int slot);
/* "none", or the injection as given. */
const char *lab_fault_describe(void);

#endif
