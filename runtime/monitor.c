/* Monitor backend names (monitor.h). Pure functions, no state. */
#include <errno.h>
#include <string.h>

#include "monitor.h"

static const char *const names[] = {
	[MONITOR_AUTO] = "auto",
	[MONITOR_KMOD] = "kmod",
	[MONITOR_CGROUP] = "cgroup",
	[MONITOR_PROC] = "proc",
};

int monitor_kind_parse(const char *s, enum monitor_kind *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum monitor_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *monitor_kind_name(enum monitor_kind k)
{
	return names[k];
}
