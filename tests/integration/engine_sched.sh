#!/usr/bin/env bash
# Scheduling knobs have their effect: two cpu_hog containers pinned to one CPU split its time
# by nice (0 vs 10: 1024/(1024+110) = 90.3 %) and by --cpu-weight (900 vs 100: 90 %), measured
# as CPU-time deltas from /proc/PID/schedstat, so the check is a ratio, not a duration.
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-sched
supervisor_start

oncpu() { cut -d' ' -f1 "/proc/$1/schedstat"; }

# share A_ID B_ID: A's percentage of the CPU time both got over 3 s, after 0.5 s to settle.
share() {
	local pa pb a0 b0 a1 b1
	pa=$("$ENGINE" ps --json | tr '{' '\n' | grep "\"id\":\"$1\"" | grep -o '"pid":[0-9]*' | cut -d: -f2)
	pb=$("$ENGINE" ps --json | tr '{' '\n' | grep "\"id\":\"$2\"" | grep -o '"pid":[0-9]*' | cut -d: -f2)
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
check "nice 0 vs nice 10 on one CPU: nice 0 gets ${permille}/1000 (theory 903), not half" \
	test "$permille" -ge 820 -a "$permille" -le 970
check "inspect says how nice was made effective" \
	bash -c '"$1" inspect n10 | grep -q "\"nice\":10,\"nice_scope\":\"setpriority before exec"' _ "$ENGINE"
"$ENGINE" stop n0 --timeout 0 >/dev/null
"$ENGINE" stop n10 --timeout 0 >/dev/null

if ls -d /sys/fs/cgroup/cpu/ /sys/fs/cgroup/cpu.max 2>/dev/null | grep -q . ||
	grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	"$ENGINE" start w9 "$ROOTFS" --cpu-weight 900 --cpus 0 "${hog[@]}" >/dev/null
	"$ENGINE" start w1 "$ROOTFS" --cpu-weight 100 --cpus 0 "${hog[@]}" >/dev/null
	permille=$(share w9 w1)
	check "cpu-weight 900 vs 100 on one CPU: 900 gets ${permille}/1000 (theory 900)" \
		test "$permille" -ge 820 -a "$permille" -le 970
	cg=$("$ENGINE" inspect w9 | grep -o '"cpu_cgroup":"[^"]*"' | cut -d'"' -f4)
	check "the container has its own cpu cgroup holding its init" \
		grep -qx "$("$ENGINE" inspect w9 | grep -o '"pid":[0-9]*' | cut -d: -f2)" "$cg/cgroup.procs"
	"$ENGINE" stop w9 --timeout 0 >/dev/null
	"$ENGINE" stop w1 --timeout 0 >/dev/null
	check "its cgroup is removed when the container ends" test ! -d "$cg"
else
	skip "cpu-weight split" "no cpu cgroup controller on this host"
fi
finish
