/* Minimal assertion helpers for C unit tests: one "ok - " / "not ok - " line per check,
 * counted by tests/run.sh. Single-threaded use only; check_exit() returns the status. */
#ifndef HOGLAB_TEST_CHECK_H
#define HOGLAB_TEST_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			printf("ok - ");                                     \
		} else {                                                     \
			printf("not ok - %s:%d: (%s) ", __FILE__, __LINE__, #cond); \
			check_failures++;                                    \
		}                                                            \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		fflush(stdout);                                              \
	} while (0)

static inline int check_exit(void) { return check_failures ? 1 : 0; }

#endif
