#!/usr/bin/env bash
# The proc backend limits the whole container, each memory map once: a hog that is a child of
# sh, one started in the background by a shell that waits, and a grandchild orphaned to the
# container's init are killed at the hard limit; so is a hog whose main thread has called
# pthread_exit while a second thread allocates (memory_hog --leader-exit: the leader's own
# statm reads 0); two threads and a CLONE_VM child process (memory_hog --threads 2 --clone-vm)
# count their one mm once. Bad --monitor-mode values are refused with one line. The kmod
# backend's side of the same is tested in the QEMU guest (tests/vm/test_engine_whole.sh).
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-memwhole

# --- --monitor-mode: one line for a bad value, and for a backend without modes ---
for bad in "--monitor-mode fast" "--monitor-mode" "--monitor proc --monitor-mode event" \
	"--monitor cgroup --monitor-mode scan"; do
	# shellcheck disable=SC2086
	err=$(timeout 10 "$ENGINE" supervisor --state-dir "$T/state" --log-dir "$T/logs" $bad 2>&1 >/dev/null)
	rc=$?
	check "supervisor '$bad' refused with one line ($err)" \
		test "$rc" -ne 0 -a "$rc" -ne 124 -a "$(grep -c . <<<"$err")" -eq 1
done
check "supervisor --help names --monitor-mode" bash -c '"$1" supervisor --help | grep -q -- "--monitor-mode scan|event"' _ "$ENGINE"

supervisor_start --monitor proc --monitor-period-ms 50

# Every hog stops at --max 48 MiB, so a monitor that misses it ends the container "exited"
# (and the check fails) rather than letting it grow without end.
hard_case() { # hard_case NAME COMMAND...: --soft-mib 10 --hard-mib 20 ends hard-limit
	local name=$1
	shift
	"$ENGINE" run "$name" "$ROOTFS" "$@" --soft-mib 10 --hard-mib 20 >/dev/null 2>"$T/run.err"
	local rc=$? ins
	ins=$("$ENGINE" inspect "$name")
	check "proc: $name ends hard-limit, run exits 137 ($(head -1 "$T/run.err"))" \
		test "$(state_of "$name")" = hard-limit -a "$rc" -eq 137
	check "proc: $name killed with RSS at kill >= the 20480 KiB limit" \
		test "$(json_eval '[d["killed_by"]["monitor"], d["killed_by"]["rss_kib_at_kill"] >= 20480]' <<<"$ins")" = '["proc", true]'
	echo "# proc $name: RSS at kill $(json_eval 'd["killed_by"]["rss_kib_at_kill"]' <<<"$ins") KiB"
}
hard_case child /bin/sh -c '/memory_hog --rate 40 --max 48 --quiet; exit 3'
hard_case background /bin/sh -c '/memory_hog --rate 40 --max 48 --quiet & wait'
# The subshell ends at once; the hog is re-parented to the container's init, the outer sh.
hard_case orphan /bin/sh -c '( /memory_hog --rate 40 --max 48 --quiet & ); sleep 30'
hard_case leader-exit /memory_hog --rate 40 --max 48 --leader-exit --quiet

# --- two threads and a CLONE_VM child: one mm, counted once ---
# 30 MiB held 3 s under a 40 MiB hard limit: a double count (about 62 MiB) kills it.
"$ENGINE" start shared "$ROOTFS" /memory_hog --rate 60 --max 30 --hold-s 3 --threads 2 --clone-vm \
	--quiet --hard-mib 40 >/dev/null
sleep 1.5
pid=$(ps_field shared pid)
tasks=$(ls /proc/"$pid"/task 2>/dev/null | wc -l)
kids=$(pgrep -c -P "$pid")
own_kib=$(awk -v p="$(getconf PAGESIZE)" '{ print $2 * p / 1024 }' /proc/"$pid"/statm 2>/dev/null)
own_kib=${own_kib:-0}
st=$("$ENGINE" stats shared --json)
eng_kib=$(json_eval 'd["rss_kib"]' <<<"$st")
eng_kib=${eng_kib:-0}
echo "# proc shared: engine ${eng_kib} KiB, the mm's own statm ${own_kib} KiB, $tasks threads, $kids CLONE_VM child"
check "shared: the hog runs 2 threads and 1 child process while it holds (threads $tasks, children $kids)" \
	test "$tasks" -eq 2 -a "$kids" -eq 1
# Held memory does not move: 3 runs gave the engine's figure equal to the mm's statm (0 KiB
# apart) at about 31.3 MiB; 1 MiB allows for a sample taken as the stack or libc grows.
check "shared: the engine's RSS is the one mm's ($eng_kib KiB vs $own_kib KiB, within 1024)" \
	test "$own_kib" -ge 30720 -a "$eng_kib" -ge $((own_kib - 1024)) -a "$eng_kib" -le $((own_kib + 1024))
"$ENGINE" wait shared >/dev/null
check "shared: 30 MiB in one mm under a 40 MiB hard limit ends exited 0" \
	test "$(state_of shared)" = exited -a "$(ps_field shared exit_code)" -eq 0
supervisor_stop
finish
