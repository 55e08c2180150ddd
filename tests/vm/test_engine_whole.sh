#!/bin/sh
# In-guest test: through the engine, every backend limits the whole container. A hog that is a
# child of sh, one a shell started in the background and waits for, a grandchild orphaned to
# the container's init, and a hog whose main thread called pthread_exit while a second thread
# allocates (memory_hog --leader-exit) all end hard-limit at --hard-mib 20 under kmod in scan
# and in event mode (engine supervisor --monitor-mode), proc and cgroup v2; two threads and a
# CLONE_VM child (one mm) are counted once. inspect says which kmod mode enforced the limit.
# The initramfs root cannot be pivot_root'ed away from, so the engine runs chrooted in a tmpfs.
if [ "$1" != inner ]; then
	. "$(dirname "$0")/engine_guest.sh"
	engine_guest_enter engine-whole "$0" sleep
fi
. /engine_guest.sh
engine_guest_init engine-whole
# field JSON KEY: a string or number value of KEY in one line of JSON (the first one).
field() { echo "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1; }

# Every hog stops at --max 48 MiB: a monitor that misses it ends the container "exited".
hard_case() { # hard_case LABEL MONITOR MODE NAME COMMAND...: ends hard-limit at --hard-mib 20
	l=$1 m=$2 mode=$3 cid=$1-$4
	shift 4
	engine run "$cid" - "$@" --soft-mib 10 --hard-mib 20 >/dev/null 2>/tmp/run.err
	rc=$?
	check "$l: $cid ends hard-limit, run exits 137 ($(cat /tmp/run.err))" [ "$(state_of "$cid")" = hard-limit -a $rc -eq 137 ]
	engine inspect "$cid" >/tmp/ins
	kib=$(field "$(cat /tmp/ins)" rss_kib_at_kill)
	echo "# engine-whole $cid: RSS at kill ${kib} KiB for a 20480 KiB limit"
	check "$l: $cid: RSS at kill >= the limit" [ "${kib:-0}" -ge 20480 ]
	check "$l: $cid: inspect: killed by $m" grep -q "\"killed_by\":{\"monitor\":\"$m\"" /tmp/ins
	if [ "$m" = kmod ]; then
		check "$l: $cid: inspect: the $mode mode enforced it" \
			sh -c "grep -q '\"memory_monitor_mode\":\"$mode\"' /tmp/ins && grep -q '\"killed_by\":{[^}]*\"mode\":\"$mode\"}' /tmp/ins"
		check "$l: $cid: the module logged HARD LIMIT with the container's process count" \
			sh -c "dmesg | grep 'container_monitor: HARD LIMIT container=$cid ' | grep -q 'procs=[1-9][0-9]* mode=$mode'"
	fi
}

cases() { # cases LABEL MONITOR MODE
	hard_case "$1" "$2" "$3" child /bin/sh -c '/memory_hog --rate 40 --max 48 --quiet; exit 3'
	hard_case "$1" "$2" "$3" background /bin/sh -c '/memory_hog --rate 40 --max 48 --quiet & wait'
	hard_case "$1" "$2" "$3" orphan /bin/sh -c '( /memory_hog --rate 40 --max 48 --quiet & ); sleep 30'
	hard_case "$1" "$2" "$3" leader-exit /memory_hog --rate 40 --max 48 --leader-exit --quiet
	# One mm of 30 MiB under a 40 MiB hard limit: a double count (about 60 MiB) would kill it.
	engine run "$1-shared" - /memory_hog --rate 60 --max 30 --hold-s 1 --threads 2 --clone-vm --quiet \
		--hard-mib 40 >/dev/null 2>/tmp/run.err
	rc=$?
	check "$1: two threads and a CLONE_VM child, 30 MiB in one mm, under a 40 MiB limit end exited 0 ($(cat /tmp/run.err))" \
		[ "$(state_of "$1-shared")" = exited -a $rc -eq 0 ]
}

# --- kmod, scan and event ---
if [ -c /dev/container_monitor ]; then
	for mode in scan event; do
		sv_start kmod-$mode --monitor kmod --monitor-period-ms 50 --monitor-mode $mode
		check "kmod-$mode: the start line names the mode" grep -q "memory monitor: kmod (.*, $mode mode" /tmp/sv.out
		engine start probe-$mode - /bin/sh -c 'sleep 5' --hard-mib 64 >/dev/null
		engine inspect probe-$mode >/tmp/ins
		check "kmod-$mode: inspect of a running container: mode $mode, the whole container" \
			sh -c "grep -q '\"memory_monitor_mode\":\"$mode\"' /tmp/ins && grep -q 'watches the whole container (every process of its PID namespace' /tmp/ins"
		engine stop probe-$mode >/dev/null
		cases kmod-$mode kmod $mode
		check "kmod-$mode: no entry left in the module" [ "$(cat /sys/class/misc/container_monitor/entries)" -eq 0 ]
		sv_stop
	done
	sv_start kmod-default --monitor kmod --monitor-period-ms 50
	check "kmod without --monitor-mode: the module's default ($(cat /sys/module/monitor/parameters/mode))" \
		grep -q "kmod (.*, $(cat /sys/module/monitor/parameters/mode) mode: the module's default" /tmp/sv.out
	sv_stop
else
	echo "skip - engine-whole: kmod: no /dev/container_monitor (insmod failed)"
fi

# --- proc ---
sv_start proc --monitor proc --monitor-period-ms 50
cases proc proc -
sv_stop

# --- cgroup v2 ---
mkdir -p /sys/fs/cgroup
if mount -t cgroup2 none /sys/fs/cgroup && echo "+memory +cpu" >/sys/fs/cgroup/cgroup.subtree_control; then
	sv_start cgroup --monitor cgroup --monitor-period-ms 50
	cases cgroup cgroup -
	sv_stop
	umount /sys/fs/cgroup
else
	echo "skip - engine-whole: cgroup v2: mounting cgroup2 with +memory +cpu failed"
fi
exit $((failures > 0))
