/* Compatibility for runtime/supervisor.[ch] only, until they include "memmon.h" and call the
 * memory monitor by its memmon_* names (see memmon.h); delete this file with that change.
 * Maps the old function names onto the new ones; nothing else. */
#ifndef HOGLAB_MONITOR_COMPAT_H
#define HOGLAB_MONITOR_COMPAT_H

#include "memmon.h"

#define monitor_kind_parse memmon_kind_parse
#define monitor_kind_name memmon_kind_name
#define monitor_open memmon_open
#define monitor_close memmon_close
#define monitor_wants_memcg memmon_wants_memcg
#define monitor_fd memmon_fd
#define monitor_timer_set memmon_timer_set
#define monitor_watch_start memmon_watch_start
#define monitor_watch_end memmon_watch_end
#define monitor_timer_ack memmon_timer_ack
#define monitor_sample memmon_sample
#define monitor_kmod_read memmon_kmod_read
#define monitor_rss_now memmon_rss_now
#define monitor_pids memmon_pids

#endif
