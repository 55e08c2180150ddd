/* Unit tests of the scheduler description: release strings of the kernels the lab meets (6.1
 * CFS, 6.6 and 6.12 EEVDF, the host's 6.18) and bad ones, the active model of debugfs
 * sched/preempt, the model and HZ a config selects, and a /proc/PID/sched field; then the probe
 * of this machine's kernel, which must name its scheduler and say where each value came from. */
#include <string.h>
#include <sys/utsname.h>

#include "check.h"
#include "experiments/schedinfo.h"

int main(void)
{
	char out[16];
	int a = -1, b = -1;
	struct schedinfo si;
	struct utsname u;
	const char *cfg = "# CONFIG_PREEMPT_NONE is not set\nCONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_PREEMPT_DYNAMIC=y\n"
			  "CONFIG_PREEMPT_COUNT=y\nCONFIG_HZ_250=y\nCONFIG_HZ=250\n";
	const char *sched = "cpu_hog (42, #threads: 1)\n---------\nse.exec_start   :  1.5\n"
			    "se.slice_max    :  7\nse.slice                                     :              1400000\n";

	CHECK(!schedinfo_parse_release("6.1.0-57-amd64", &a, &b) && a == 6 && b == 1, "6.1.0-57-amd64 is 6.1");
	CHECK(!strcmp(schedinfo_scheduler(a, b), "CFS"), "6.1 runs CFS");
	CHECK(!schedinfo_parse_release("6.12.117+deb12-amd64", &a, &b) && a == 6 && b == 12, "6.12.117+deb12 is 6.12");
	CHECK(!strcmp(schedinfo_scheduler(a, b), "EEVDF"), "6.12 runs EEVDF");
	CHECK(!strcmp(schedinfo_scheduler(6, 5), "CFS") && !strcmp(schedinfo_scheduler(6, 6), "EEVDF"),
	      "EEVDF from 6.6 exactly: 6.5 CFS, 6.6 EEVDF");
	CHECK(!strcmp(schedinfo_scheduler(5, 15), "CFS") && !strcmp(schedinfo_scheduler(7, 0), "EEVDF"), "5.15 CFS, 7.0 EEVDF");
	CHECK(schedinfo_parse_release("", &a, &b) < 0 && schedinfo_parse_release("6", &a, &b) < 0 &&
		      schedinfo_parse_release("x.1", &a, &b) < 0 && schedinfo_parse_release("6.x", &a, &b) < 0,
	      "empty, major only and non-numeric releases are refused");

	CHECK(!schedinfo_parse_preempt("none voluntary (full) lazy\n", out, sizeof(out)) && !strcmp(out, "full"),
	      "sched/preempt: the model in parentheses (got %s)", out);
	CHECK(!schedinfo_parse_preempt("(none) voluntary full\n", out, sizeof(out)) && !strcmp(out, "none"),
	      "sched/preempt: the first one");
	CHECK(schedinfo_parse_preempt("none voluntary full\n", out, sizeof(out)) < 0 &&
		      schedinfo_parse_preempt("()", out, sizeof(out)) < 0,
	      "sched/preempt without an active model is refused");

	CHECK(!schedinfo_config_preempt(cfg, out, sizeof(out)) && !strcmp(out, "voluntary"),
	      "config: CONFIG_PREEMPT_VOLUNTARY=y is voluntary, the unset NONE line ignored (got %s)", out);
	CHECK(!schedinfo_config_preempt("CONFIG_PREEMPT=y\nCONFIG_PREEMPT_COUNT=y\n", out, sizeof(out)) && !strcmp(out, "full"),
	      "config: CONFIG_PREEMPT=y is full, not fooled by CONFIG_PREEMPT_COUNT");
	CHECK(schedinfo_config_preempt("CONFIG_PREEMPT_COUNT=y\n", out, sizeof(out)) < 0, "config without a model: none found");
	CHECK(schedinfo_config_hz(cfg) == 250, "CONFIG_HZ=250, not CONFIG_HZ_250");
	CHECK(schedinfo_config_hz("CONFIG_HZ_1000=y\n") == 0, "no CONFIG_HZ line: 0");

	CHECK(schedinfo_sched_field(sched, "se.slice") == 1400000, "se.slice, not se.slice_max");
	CHECK(schedinfo_sched_field(sched, "se.vruntime") == -1, "a field that is not there: -1");

	uname(&u);
	schedinfo_probe(&si);
	CHECK(!strcmp(si.release, u.release) && strcmp(si.scheduler, "unknown"), "this kernel (%s) runs %s", si.release,
	      si.scheduler);
	CHECK(si.hz_source[0] && si.preempt_source[0] && si.slice_source[0],
	      "every value says its source (hz: %s; preempt: %s; slice: %s)", si.hz_source, si.preempt_source,
	      si.slice_source);
	return check_exit();
}
