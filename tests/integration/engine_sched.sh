#!/usr/bin/env bash
# Scheduling knobs have their effect: two cpu_hog containers pinned to one CPU split its time
# by nice (0 vs 10: 1024/(1024+110) = 90.3 %) and by --cpu-weight (900 vs 100: 90 %), measured
# as CPU-time deltas from /proc/PID/schedstat, so the check is a ratio, not a duration.
# Noise, measured with share() below, 10 times each on this machine (2 cores, shared, busy):
# nice 0 vs 10 902.3 +- 0.7 (sd) permille, 901..903; weight 900 vs 100 899.3 +- 0.7, 898..900
# (permille rounds down: -0.5 on average). One step off: nice 9 881.2 +- 0.6 (theory 882), nice 11
# 921.4 +- 0.5 (theory 922). Each window is 5 sd around the measured mean, rounded outwards.
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-sched
supervisor_start

oncpu() { cut -d' ' -f1 "/proc/$1/schedstat"; }

# share A_ID B_ID: A's permille of the CPU time both got over 3 s, after 0.5 s to settle.
share() {
	local pa pb a0 b0 a1 b1
	pa=$(ps_field "$1" pid) pb=$(ps_field "$2" pid)
	sleep 0.5
	a0=$(oncpu "$pa") b0=$(oncpu "$pb")
	sleep 3
	a1=$(oncpu "$pa") b1=$(oncpu "$pb")
	echo $(((a1 - a0) * 1000 / ((a1 - a0) + (b1 - b0))))
}

hog=(/cpu_hog --iterations 100000000 --quiet)
"$ENGINE" start n0 "$ROOTFS" --nice 0 --cpus 0 "${hog[@]}" >/dev/null
"$ENGINE" start n10 "$ROOTFS" --nice 10 --cpus 0 "${hog[@]}" >/dev/null
permille=$(share n0 n10)
check "nice 0 vs nice 10 on one CPU: nice 0 gets ${permille}/1000, 898..906 (theory 903; nice 9 882, 11 922)" \
	test "$permille" -ge 898 -a "$permille" -le 906
check "inspect says how nice was made effective" \
	test "$("$ENGINE" inspect n10 | json_eval '[d["nice"], d["nice_scope"].startswith("setpriority before exec")]')" = "[10, true]"
"$ENGINE" stop n0 --timeout 0 >/dev/null
"$ENGINE" stop n10 --timeout 0 >/dev/null

if ls -d /sys/fs/cgroup/cpu/ /sys/fs/cgroup/cpu.max 2>/dev/null | grep -q . ||
	grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	"$ENGINE" start w9 "$ROOTFS" --cpu-weight 900 --cpus 0 "${hog[@]}" >/dev/null
	"$ENGINE" start w1 "$ROOTFS" --cpu-weight 100 --cpus 0 "${hog[@]}" >/dev/null
	permille=$(share w9 w1)
	check "cpu-weight 900 vs 100 on one CPU: 900 gets ${permille}/1000, 895..903 (theory 900; 800 889, 1000 909)" \
		test "$permille" -ge 895 -a "$permille" -le 903
	cg=$("$ENGINE" inspect w9 | json_eval 'd["cpu_cgroup"]')
	check "the container has its own cpu cgroup holding its init" \
		grep -qx "$(ps_field w9 pid)" "$cg/cgroup.procs"
	"$ENGINE" stop w9 --timeout 0 >/dev/null
	"$ENGINE" stop w1 --timeout 0 >/dev/null
	check "its cgroup ($cg) is removed when the container ends" test "${cg#/sys/fs/cgroup/}" != "$cg" -a ! -d "$cg"
else
	skip "cpu-weight split" "no cpu cgroup controller on this host"
fi
finish
