/* lab's verbs (labverb.h): found from the lab binary's own path (build/bin or build/asan/bin
 * of a tree), so they run the same tree's driver whatever the working directory. */
#include "labverb.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* dir of /proc/self/exe, then `up` levels above it, into buf; 0 or -errno. */
static int exe_dir(char *buf, size_t len, int up)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	buf[n] = '\0';
	for (int i = 0; i <= up; i++) {
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return -ENOENT;
		*slash = '\0';
	}
	return 0;
}

int lab_verb_exec(int argc, char **argv)
{
	char path[PATH_MAX + 32] = "", dir[PATH_MAX];
	const char *verb = argc > 1 ? argv[1] : "";
	int up;

	if (strcmp(verb, "sweep") && strcmp(verb, "merge"))
		return -1;
	errno = ENOENT;
	if (!strcmp(verb, "merge")) {
		if (exe_dir(dir, sizeof(dir), 0) == 0)
			snprintf(path, sizeof(path), "%s/labmerge", dir);
	} else {
		/* build/bin/lab or build/asan/bin/lab: the tree is two or three levels up. */
		for (up = 2; up <= 3 && exe_dir(dir, sizeof(dir), up) == 0; up++) {
			snprintf(path, sizeof(path), "%s/ci/sweep.sh", dir);
			if (access(path, X_OK) == 0)
				break;
		}
	}
	if (path[0]) {
		argv[1] = path;
		execv(path, argv + 1);
	}
	fprintf(stderr, "lab %s: cannot run %s: %s\n", verb, path[0] ? path : "its program", strerror(errno));
	return 1;
}
