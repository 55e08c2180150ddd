/* Clocks: the time now, in ns or seconds, from clock_gettime. Stateless; safe from any thread.
 * The one helper for the engine and the lab (CLOCK_MONOTONIC unless a caller names another). */
#ifndef HOGLAB_LIB_CLOCK_H
#define HOGLAB_LIB_CLOCK_H

#include <stdint.h>
#include <time.h>

/* clk's time in ns (CLOCK_MONOTONIC, CLOCK_REALTIME, ...). */
uint64_t clock_ns(clockid_t clk);
/* CLOCK_MONOTONIC in ns and in seconds. */
uint64_t clock_mono_ns(void);
double clock_mono_s(void);

#endif
