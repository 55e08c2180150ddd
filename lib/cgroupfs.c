/* Cgroup controller discovery (cgroupfs.h): one pass over /proc/self/mounts. No state. */
#include "lib/cgroupfs.h"

#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/file.h"

static bool v2_has(const char *root, const char *ctl)
{
	char path[512], buf[512];

	if (path_fmt(path, sizeof(path), "%s/cgroup.controllers", root) ||
	    file_read_text(path, buf, sizeof(buf)) < 0)
		return false;
	bool found = false;
	for (char *save, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		found |= !strcmp(t, ctl);
	return found;
}

static void tree_set(struct cgroup_tree *t, int version, const char *root)
{
	t->version = version;
	snprintf(t->root, sizeof(t->root), "%s", root);
}

void cgroup_detect(struct cgroup_host *h)
{
	memset(h, 0, sizeof(*h));
	FILE *f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return;
	struct mntent *m;
	while ((m = getmntent(f))) {
		if (strlen(m->mnt_dir) >= sizeof(h->cpu.root))
			continue;
		bool v2 = !strcmp(m->mnt_type, "cgroup2"), v1 = !strcmp(m->mnt_type, "cgroup");
		/* v2 wins over v1 for a controller: a controller is active in one of them only. */
		if (v2 && v2_has(m->mnt_dir, "cpu") && h->cpu.version != 2)
			tree_set(&h->cpu, 2, m->mnt_dir);
		if (v2 && v2_has(m->mnt_dir, "memory") && h->mem.version != 2)
			tree_set(&h->mem, 2, m->mnt_dir);
		if (v1 && hasmntopt(m, "cpu") && !h->cpu.version)
			tree_set(&h->cpu, 1, m->mnt_dir);
		if (v1 && hasmntopt(m, "memory") && !h->mem.version)
			tree_set(&h->mem, 1, m->mnt_dir);
	}
	endmntent(f);
}
