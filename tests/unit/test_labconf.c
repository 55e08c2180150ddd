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
	/* [window]: the window-length experiment. */
	const char *win =
		"[window]\n"
		"enabled = 1\n"
		"nice = 15 19\n"
		"work_ms = 250 1000 4000 16000\n"
		"repetitions = 6 4 3 2\n"
		"quick.work_ms = 250 1000 4000\n"
		"quick.repetitions = 2\n";
	const struct lab_section *w = &c.exp[LAB_EXP_WINDOW];

	CHECK(parse(&c, "", NULL, err) == 0 && !w->enabled && w->n_window_ms == 4 && w->window_ms[3] == 16000 &&
		      w->n_window_reps == 1 && w->n_nice == 2 && w->nice[1] == 19,
	      "[window] is off by default, with the documented windows and nices");
	CHECK(parse(&c, win, NULL, err) == 0 && w->enabled && w->n_window_ms == 4 && w->window_ms[1] == 1000 &&
		      w->n_window_reps == 4 && w->window_reps[0] == 6 && w->window_reps[3] == 2,
	      "[window] reads its windows and one repetition count per window (%s)", err);
	CHECK(parse(&c, win, "quick", err) == 0 && w->n_window_ms == 3 && w->n_window_reps == 1 && w->window_reps[0] == 2,
	      "[window] under quick: fewer windows, one count for all (%s)", err);
	CHECK(strcmp(lab_exp_name(LAB_EXP_WINDOW), "window") == 0, "the section is named window");
	bad("[window]\nnice = 0 15\n", "t.conf:2: key 'nice': expected nice values from 1 to 19, got '0'",
	    "[window] holds nice 0 against a lighter nice only");
	bad("[window]\nwork_ms = 250 1000\n", "t.conf:2: key 'work_ms': needs at least 3 values",
	    "[window] needs three windows to check the fit");
	bad("[window]\nwork_ms = 250 1000 5\n", "t.conf:2: key 'work_ms': expected integers from 10 to 600000, got '5'",
	    "[window] window out of range");
	bad("[window]\nrepetitions = 1\n", "t.conf:2: key 'repetitions': expected integers from 2 to 100, got '1'",
	    "[window] needs two runs per window for its weight");
	bad("[window]\nwork_ms = 250 1000 4000\nrepetitions = 4 2\n",
	    "t.conf:3: [window]: key 'repetitions': 2 values for 3 windows of work_ms", "[window] counts that do not match the windows");
	/* [pairs]: one repetition count for all pairs, or one per nice. */
	CHECK(parse(&c, "[pairs]\nnice = 0 15 19\nrepetitions = 5\n", NULL, err) == 0 &&
		      lab_conf_pair_reps(&c.exp[LAB_EXP_PAIRS], 0) == 5 && lab_conf_pair_reps(&c.exp[LAB_EXP_PAIRS], 2) == 5,
	      "[pairs] one repetition count for every pair (%s)", err);
	CHECK(parse(&c, "[pairs]\nnice = 0 15 19\nrepetitions = 5 5 12\nquick.nice = 0 15\nquick.repetitions = 2\n",
		    NULL, err) == 0 &&
		      lab_conf_pair_reps(&c.exp[LAB_EXP_PAIRS], 1) == 5 && lab_conf_pair_reps(&c.exp[LAB_EXP_PAIRS], 2) == 12,
	      "[pairs] one repetition count per nice (%s)", err);
	CHECK(parse(&c, "[pairs]\nnice = 0 15 19\nrepetitions = 5 5 12\nquick.nice = 0 15\nquick.repetitions = 2\n",
		    "quick", err) == 0 && c.exp[LAB_EXP_PAIRS].n_nice == 2 && lab_conf_pair_reps(&c.exp[LAB_EXP_PAIRS], 1) == 2,
	      "[pairs] a profile's own nice and repetitions (%s)", err);
	CHECK(parse(&c, "", NULL, err) == 0 && lab_conf_pair_reps(&c.exp[LAB_EXP_PAIRS], 3) == 3,
	      "[pairs] 3 repetitions each by default");
	bad("[pairs]\nnice = 0 15 19\n\nrepetitions = 5 12\n",
	    "t.conf:4: [pairs]: key 'repetitions': 2 values for 3 values of nice (give one for all, or one per nice)",
	    "[pairs] repetitions that do not match the nice values");
	bad("[pairs]\nrepetitions = 5 0\n", "t.conf:2: key 'repetitions': expected integers from 1 to 100, got '0'",
	    "[pairs] a repetition count out of range");
	CHECK(parse(&c, "[pairs]\nnice = 0 15 19\nrepetitions = 5 5 12\nquick.nice = 0 15\n", "quick", err) < 0 &&
		      strstr(err, "t.conf:4: [pairs]: key 'repetitions': 3 values for 2 values of nice") && !strchr(err, '\n'),
	      "a profile's nice list that no longer matches the counts names the profile's line: '%s'", err);
	bad("[window]\nwork_ms = 250 250 4000\n", "t.conf:2: [window]: key 'work_ms': window 250 given twice",
	    "[window] a window twice");
	bad("[window]\n\nnice = 15 15\n", "t.conf:3: [window]: key 'nice': 15 given twice", "[window] a nice twice");
	CHECK(parse(&c, "[window]\nwork_ms = 250 1000 4000\nrepetitions = 4 3 2\nquick.work_ms = 250 1000 4000 8000\n",
		    "quick", err) < 0 && strstr(err, "t.conf:4: [window]: key 'repetitions': 3 values for 4 windows") &&
		      !strchr(err, '\n'),
	      "a profile's windows that no longer match the counts name the profile's line: '%s'", err);
	/* The cases that tell CFS from EEVDF: off by default, with the documented values. */
	CHECK(parse(&c, "", NULL, err) == 0 && !c.exp[LAB_EXP_SLEEPER].enabled && !c.exp[LAB_EXP_SHORTWIN].enabled &&
		      !c.exp[LAB_EXP_SLICE].enabled && c.exp[LAB_EXP_SLEEPER].n_demand == 3 &&
		      c.exp[LAB_EXP_SLEEPER].demand[1] == 50 && c.exp[LAB_EXP_SLEEPER].period_us == 2000 &&
		      c.exp[LAB_EXP_SLICE].n_slice_us == 4 && c.exp[LAB_EXP_SLICE].slice_us[3] == 12000 &&
		      c.exp[LAB_EXP_SHORTWIN].n_win_ticks == 7 && c.exp[LAB_EXP_SHORTWIN].win_ticks[6] == 64 &&
		      c.exp[LAB_EXP_SHORTWIN].nice[0] == 10 && c.exp[LAB_EXP_SHORTWIN].sample_us == 1000,
	      "[sleeper], [shortwin], [slice] are off by default with the documented values");
	CHECK(parse(&c, "[sleeper]\nenabled = 1\ndemand = 30 60\nquick.demand = 50\n[slice]\nslice_us = 100 3000\n"
		    "[shortwin]\nnice = 5\nwindows = 1 4 16\nsample_us = 500\n", "quick", err) == 0 &&
		      c.exp[LAB_EXP_SLEEPER].enabled && c.exp[LAB_EXP_SLEEPER].n_demand == 1 &&
		      c.exp[LAB_EXP_SLICE].n_slice_us == 2 && c.exp[LAB_EXP_SHORTWIN].n_win_ticks == 3 &&
		      c.exp[LAB_EXP_SHORTWIN].nice[0] == 5 && c.exp[LAB_EXP_SHORTWIN].sample_us == 500,
	      "their keys are read, profile keys win (%s)", err);
	bad("[sleeper]\ndemand = 0 50\n", "t.conf:2: key 'demand': expected integers from 1 to 99, got '0'",
	    "[sleeper] a demand out of range");
	bad("[slice]\ndemand = 25 50\n", "t.conf:2: key 'demand': at most 1 value", "[slice] sweeps one demand");
	bad("[slice]\nslice_us = 50\n", "t.conf:2: key 'slice_us': expected integers from 100 to 100000, got '50'",
	    "[slice] a slice below the kernel's bound");
	bad("[shortwin]\nnice = 5 10\n", "t.conf:2: key 'nice': at most 1 values", "[shortwin] one pair");
	bad("[shortwin]\nsample_us = 50\n", "t.conf:2: key 'sample_us': expected an integer from 100", "[shortwin] sampling too fast");
	bad("[sleeper]\nperiod_us = 100\n", "t.conf:2: key 'period_us': expected an integer from 200", "[sleeper] a period too short");
	CHECK(lab_conf_load(&c, "/nonexistent/cfs.conf", NULL, err, sizeof(err)) == -ENOENT &&
		      strstr(err, "/nonexistent/cfs.conf: cannot open"), "a missing file is named: '%s'", err);
	return check_exit();
}
