/* The cases of a definition (labcases.c): what the lab runs and the gate requires. */
#ifndef HOGLAB_LABCASES_H
#define HOGLAB_LABCASES_H

#include "lab.h"

/* lab->cases and lab->n_cases from lab->conf (and lab->autogroup for the theory); 0 or -ENOMEM. */
int lab_cases_expand(struct lab *lab);

#endif
