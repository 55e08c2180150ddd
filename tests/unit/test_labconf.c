/* Unit tests of the lab's definition parser: good files parse with profile overrides, and each
 * kind of bad definition gives one line naming the file, the line and the key. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "experiments/labconf.h"

static int parse(struct lab_conf *c, const char *text, const char *profile, char *err)
{
	err[0] = '\0';
	return lab_conf_parse(c, "t.conf", text, profile, err, 256);
}

/* The error names the line and the key, and is one line. */
static void bad(const char *text, const char *want, const char *what)
{
	struct lab_conf c;
	char err[256];
	int rc = parse(&c, text, NULL, err);

	CHECK(rc < 0 && strstr(err, want) && !strchr(err, '\n'), "%s: '%s'", what, err);
}

int main(void)
{
	struct lab_conf c;
	char err[256];
	const char *good =
		"# comment\n"
		"sample_ms = 10\n"
		"cpu = 0\n"
		"[pairs]\n"
		"quick.nice = 0 15   # before the plain key: still wins under quick\n"
		"nice = 0, 1, 5 10 15 19\n"
		"work_ms = 1500\n"
		"quick.work_ms = 300\n"
		"[weights]\n"
		"weights = 200:100 400:100\n"
		"[wakeup]\n"
		"enabled = 1\n"
		"quick.enabled = 0\n";

	CHECK(parse(&c, good, NULL, err) == 0, "a good definition parses (%s)", err);
	CHECK(c.sample_ms == 10 && c.cpu == 0, "global keys are read");
	CHECK(c.exp[LAB_EXP_PAIRS].n_nice == 6 && c.exp[LAB_EXP_PAIRS].nice[5] == 19, "a nice list is read");
	CHECK(c.exp[LAB_EXP_PAIRS].work_ms == 1500, "plain keys apply without a profile");
	CHECK(c.exp[LAB_EXP_WEIGHTS].n_weight == 2 && c.exp[LAB_EXP_WEIGHTS].weight[1][0] == 400 &&
		      c.exp[LAB_EXP_WEIGHTS].weight[1][1] == 100, "a weight list is read");
	CHECK(c.exp[LAB_EXP_WAKEUP].enabled, "wakeup enabled by default profile");
	CHECK(parse(&c, good, "quick", err) == 0, "the quick profile parses (%s)", err);
	CHECK(c.exp[LAB_EXP_PAIRS].work_ms == 300 && c.exp[LAB_EXP_PAIRS].n_nice == 2,
	      "profile keys override plain ones wherever they stand");
	CHECK(!c.exp[LAB_EXP_WAKEUP].enabled, "a profile can disable an experiment");
	CHECK(parse(&c, "", NULL, err) == 0 && c.sample_ms == 20 && c.exp[LAB_EXP_MIX].n_nice == 7,
	      "an empty file gives the documented defaults");

	bad("[pairs]\nwork_ms = abc\n", "t.conf:2: key 'work_ms'", "a non-number names the key and line");
	bad("[pairs]\n\nwork_ms = 5\n", "t.conf:3: key 'work_ms': expected an integer from 10", "out of range");
	bad("[pairs]\nwrok_ms = 500\n", "t.conf:2: unknown key 'wrok_ms' in [pairs]", "an unknown key");
	bad("sample_ms = 20\nweights = 1:2\n", "t.conf:2: unknown key 'weights' in the global part", "a key in the wrong section");
	bad("[pairs]\nnice = 0 20\n", "t.conf:2: key 'nice': expected nice values from -20 to 19, got '20'", "nice out of range");
	bad("[mix]\nnice = 5\n", "t.conf:2: key 'nice': needs at least 2 values", "too few values");
	bad("[weights]\nweights = 200-100\n", "t.conf:2: key 'weights': expected A:B", "a malformed pair");
	bad("[pairs]\nquick.work_ms = x\n", "t.conf:2: key 'work_ms'", "a bad key of another profile is still caught");
	bad("[nope]\n", "t.conf:1: unknown section '[nope]'", "an unknown section");
	bad("[pairs]\nwork_ms 500\n", "t.conf:2: expected 'key = value'", "a line without '='");
	bad("[demo]\nnice = 15 10\n", "t.conf:2: key 'nice': at most 1 values", "demo takes one nice");
	CHECK(lab_conf_load(&c, "/nonexistent/cfs.conf", NULL, err, sizeof(err)) == -ENOENT &&
		      strstr(err, "/nonexistent/cfs.conf: cannot open"), "a missing file is named: '%s'", err);
	return check_exit();
}
