/* `lab sweep ...` and `lab merge ...`: verbs of the lab that other programs carry out (the
 * sweep driver ci/sweep.sh of the tree the binary was built in, and labmerge beside it). */
#ifndef HOGLAB_LABVERB_H
#define HOGLAB_LABVERB_H

/* When argv[1] is a verb, execs its program with the remaining words and returns only when
 * that failed (the exit status, after one line on stderr); -1 when argv[1] is no verb. */
int lab_verb_exec(int argc, char **argv);

#endif
