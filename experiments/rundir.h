/* A lab run's folder, shared by both runners (lab, memlab): the run id, RESULTS/<id> made like
 * mkdir -p, the definition copied in, RESULTS/latest pointed at it, and a private temp dir
 * removed with everything in it. System calls only, no shell, so any path works. The caller
 * owns its struct rundir; call from one thread (the tree removal keeps its error in a static). */
#ifndef HOGLAB_RUNDIR_H
#define HOGLAB_RUNDIR_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct rundir {
	const char *results; /* the folder of run folders, as given */
	char id[64];         /* YYYYmmdd-HHMMSS[-PROFILE] */
	char path[PATH_MAX]; /* RESULTS/ID */
	char tmp[64];        /* /tmp/hoglab-NAME.XXXXXX once made, else "" */
};

/* The id from the local time and profile (NULL: none), then RESULTS/ID and every missing
 * parent made. 0 or -errno (-ENAMETOOLONG when the path does not fit). */
int rundir_create(struct rundir *rd, const char *results, const char *profile);
/* DEF copied to RUN/definition.conf. */
int rundir_copy_definition(const struct rundir *rd, const char *def);
/* RESULTS/latest replaced by a link to ID (relative, so the folder can move). */
int rundir_link_latest(const struct rundir *rd);
/* A private dir /tmp/hoglab-NAME.XXXXXX into rd->tmp; rundir_tmp_remove removes it and all
 * it holds (0 when there is none). */
int rundir_tmp_make(struct rundir *rd, const char *name);
int rundir_tmp_remove(struct rundir *rd);

/* The calls under the above, for any path: mkdir -p (MODE before the umask), rm -rf (never
 * following a link, staying on PATH's filesystem; 0 when PATH does not exist) and cp of one
 * file's bytes (mode from the source, less the umask). */
int path_mkdir_p(const char *path, mode_t mode);
int path_remove_tree(const char *path);
int file_copy(const char *from, const char *to);

/* The value of "key=value" in a run folder's meta text into out ("" when absent). */
void rundir_meta_get(const char *meta, const char *key, char *out, size_t len);

#endif
