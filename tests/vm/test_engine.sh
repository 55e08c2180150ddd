#!/bin/sh
# In-guest test of the engine's memory limits with the kmod backend (monitor.ko, loaded by
# init.sh) and the cgroup v2 backend: a hog killed at the hard limit after one soft event, one
# crossing only the soft limit, one under both; ps shows hard-limit; the module logs HARD LIMIT.
# The initramfs root cannot be pivot_root'ed away from, so the engine runs chrooted in a tmpfs.
if [ "$1" != inner ]; then
	. "$(dirname "$0")/engine_guest.sh"
	engine_guest_enter engine "$0"
fi
. /engine_guest.sh
engine_guest_init engine
events_of() { engine events --json | grep -c "\"event\":\"$2\",\"container\":\"$1\""; }
seq_of() { engine events --json | grep "\"event\":\"$2\",\"container\":\"$1\"" | head -1 | sed 's/^{"seq":\([0-9]*\),.*/\1/'; }

three_cases() { # three_cases MONITOR
	m=$1
	engine run hard-$m - /memory_hog --rate 20 --quiet --soft-mib 10 --hard-mib 20 >/dev/null 2>/tmp/run.err
	rc=$?
	check "$m: soft 10 / hard 20 ends hard-limit ($(cat /tmp/run.err))" [ "$(state_of hard-$m)" = hard-limit ]
	check "$m: run exits 137" [ $rc -eq 137 ]
	check "$m: exactly one soft-limit event" [ "$(events_of hard-$m soft-limit)" -eq 1 ]
	check "$m: exactly one hard-limit event" [ "$(events_of hard-$m hard-limit)" -eq 1 ]
	check "$m: the soft event comes before the hard one" [ "$(seq_of hard-$m soft-limit)" -lt "$(seq_of hard-$m hard-limit)" ]
	kib=$(engine inspect hard-$m | sed -n 's/.*"rss_kib_at_kill":\([0-9]*\).*/\1/p')
	echo "# engine $m: RSS at kill ${kib} KiB for a 20480 KiB limit (overshoot $((kib - 20480)) KiB)"
	check "$m: ps shows hard-limit" sh -c "engine ps | grep -Eq '^hard-$m .*hard-limit +hard-limit \\($m '"
	engine run soft-$m - /memory_hog --rate 40 --max 30 --quiet --soft-mib 10 --hard-mib 200 >/dev/null
	rc=$?
	check "$m: soft 10 / hard 200 / --max 30 ends exited 0" [ "$(state_of soft-$m)" = exited -a $rc -eq 0 ]
	check "$m: with exactly one soft-limit event" [ "$(events_of soft-$m soft-limit)" -eq 1 ]
	check "$m: and no hard-limit event" [ "$(events_of soft-$m hard-limit)" -eq 0 ]
	engine run under-$m - /memory_hog --max 4 --quiet --soft-mib 10 --hard-mib 20 >/dev/null
	rc=$?
	check "$m: a container under its limits ends exited 0" [ "$(state_of under-$m)" = exited -a $rc -eq 0 ]
	check "$m: with no soft-limit, hard-limit or oom event" \
		[ $(($(events_of under-$m soft-limit) + $(events_of under-$m hard-limit) + $(events_of under-$m oom))) -eq 0 ]
}

# --- kmod ---
if [ -c /dev/container_monitor ]; then
	sv_start auto --monitor auto --monitor-period-ms 50
	check "auto picks kmod where /dev/container_monitor exists" grep -q "memory monitor: kmod" /tmp/sv.out
	sv_stop
	sv_start kmod --monitor kmod --monitor-period-ms 50
	three_cases kmod
	check "kmod: the module logged HARD LIMIT for the container" sh -c "dmesg | grep -q 'container_monitor: HARD LIMIT container=hard-kmod '"
	check "kmod: and SOFT LIMIT once" [ "$(dmesg | grep -c 'container_monitor: SOFT LIMIT container=hard-kmod ')" -eq 1 ]
	dmesg | grep 'container_monitor: HARD LIMIT container=hard-kmod ' | sed 's/^/# /'
	check "kmod: no entry left in the module" [ "$(cat /sys/class/misc/container_monitor/entries)" -eq 0 ]
	sv_stop
else
	echo "skip - engine: kmod: no /dev/container_monitor (insmod failed)"
fi

# --- cgroup v2 ---
mkdir -p /sys/fs/cgroup
if mount -t cgroup2 none /sys/fs/cgroup && echo "+memory +cpu" >/sys/fs/cgroup/cgroup.subtree_control; then
	sv_start cgroup --monitor cgroup --monitor-period-ms 50
	check "cgroup: the supervisor uses the v2 memory controller" grep -q "cgroup (v2 memory controller" /tmp/sv.out
	engine start probe - /bin/sh -c 'sleep 2' --hard-mib 64 >/dev/null
	check "cgroup: the container's memory.max is the hard limit" \
		[ "$(cat /sys/fs/cgroup/hoglab/sv-$SV/probe/memory.max)" -eq $((64 << 20)) ]
	engine wait probe >/dev/null
	three_cases cgroup
	check "cgroup: no container cgroup left once they ended" [ -z "$(ls -d /sys/fs/cgroup/hoglab/sv-$SV/*/ 2>/dev/null)" ]
	sv=$SV
	sv_stop
	check "cgroup: no cgroup of the supervisor left after it exits" [ ! -e /sys/fs/cgroup/hoglab/sv-$sv ]
	umount /sys/fs/cgroup
else
	echo "skip - engine: cgroup v2: mounting cgroup2 with +memory +cpu failed"
fi
exit $((failures > 0))
