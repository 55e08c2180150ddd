/* The memory monitor's place in the engine: which backend the supervisor was asked for.
 * Enforcement of --soft-mib / --hard-mib lands with the memory-limits issue (issue 4);
 * until then the supervisor stores the limits and says in inspect that none is enforced. */
#ifndef HOGLAB_MONITOR_H
#define HOGLAB_MONITOR_H

enum monitor_kind {
	MONITOR_AUTO,
	MONITOR_KMOD,
	MONITOR_CGROUP,
	MONITOR_PROC,
};

/* "auto", "kmod", "cgroup", "proc" -> kind; -EINVAL otherwise. */
int monitor_kind_parse(const char *s, enum monitor_kind *out);
const char *monitor_kind_name(enum monitor_kind k);

#endif
