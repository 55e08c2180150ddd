#!/usr/bin/env bash
# Memory limits through the engine on the host's backends (cgroup: v1 here, and proc): a hog
# killed at the hard limit after exactly one soft event, one that crosses only the soft limit,
# one under both; events, stats, inspect; no cgroup left behind, stale ones of dead supervisors
# removed. The cgroup backend runs on whichever version holds the memory controller here (v1 on
# this machine kind); the kmod backend and cgroup v2 are also tested in the QEMU guest (tests/vm).
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-limits

# events_of ID TYPE: how many TYPE events the container has in events --json (one JSON a line).
events_of() { "$ENGINE" events --json | json_eval --lines 'sum(e["container"] == a[0] and e["event"] == a[1] for e in d)' "$1" "$2"; }
# seq_of ID TYPE: seq of its first TYPE event (nothing when it has none).
seq_of() { "$ENGINE" events --json | json_eval --lines 'next(e["seq"] for e in d if e["container"] == a[0] and e["event"] == a[1])' "$1" "$2"; }

# --- (c) a stale, empty sv-<pid> dir of a dead supervisor is removed at start ---
sh -c 'exit 0' &
dead=$!
wait "$dead"
stale=()
for h in /sys/fs/cgroup/memory /sys/fs/cgroup/cpu; do
	if [ -d "$h" ] && mkdir -p "$h/hoglab/sv-$dead/old" 2>/dev/null; then stale+=("$h/hoglab/sv-$dead"); fi
done

for mon in cgroup proc; do
	if [ "$mon" = cgroup ] && ! grep -q ' cgroup .*memory' /proc/self/mounts &&
		! awk '$3 == "cgroup2" { print $2 "/cgroup.controllers" }' /proc/self/mounts | xargs -r grep -qw memory 2>/dev/null; then
		skip "cgroup backend" "no memory controller, neither in a v1 hierarchy nor in a cgroup2 mount"
		continue
	fi
	supervisor_start --monitor "$mon" --monitor-period-ms 50
	check "$mon: the supervisor says which monitor it uses" grep -q "memory monitor: $mon" "$T/supervisor.out"
	if [ "$mon" = cgroup ] && [ ${#stale[@]} -gt 0 ]; then
		check "a dead supervisor's empty cgroup dirs are removed at start" \
			bash -c 'for d in "$@"; do [ ! -e "$d" ] || exit 1; done' _ "${stale[@]}"
		check "the start line says so" grep -Eq "removed [0-9]+ empty cgroup" "$T/supervisor.out"
	fi

	# hard: the hog is a child of sh, so the monitor must see the container's other processes.
	"$ENGINE" run "hard-$mon" "$ROOTFS" /bin/sh -c '/memory_hog --rate 20 --quiet; exit 3' \
		--soft-mib 10 --hard-mib 20 >/dev/null 2>"$T/run.err"
	rc=$?
	check "$mon: soft 10 / hard 20 ends hard-limit" test "$(state_of "hard-$mon")" = hard-limit
	check "$mon: run exits 137 and says why ($(cat "$T/run.err"))" \
		bash -c '[ "$1" -eq 137 ] && grep -q "hard-limit ('"$mon"'" "$2"' _ "$rc" "$T/run.err"
	check "$mon: exactly one soft-limit event" test "$(events_of "hard-$mon" soft-limit)" -eq 1
	check "$mon: exactly one hard-limit event" test "$(events_of "hard-$mon" hard-limit)" -eq 1
	check "$mon: the soft event comes before the hard one" \
		test "$(seq_of "hard-$mon" soft-limit)" -lt "$(seq_of "hard-$mon" hard-limit)"
	ins=$("$ENGINE" inspect "hard-$mon")
	kill_kib=$(json_eval 'd["killed_by"]["rss_kib_at_kill"]' <<<"$ins")
	echo "# $mon: RSS at kill ${kill_kib} KiB for a 20480 KiB limit (overshoot $((kill_kib - 20480)) KiB)"
	check "$mon: inspect gives the backend, RSS at kill >= limit and the limit" \
		test "$(json_eval '[d["memory_monitor"], d["killed_by"]["monitor"], d["killed_by"]["limit_kib"], d["killed_by"]["rss_kib_at_kill"] >= 20480]' <<<"$ins")" = \
		"[\"$mon\", \"$mon\", 20480, true]"
	check "$mon: ps shows hard-limit with the backend" \
		bash -c '"$1" ps | grep -Eq "^hard-'"$mon"' .*hard-limit +hard-limit \('"$mon"' "' _ "$ENGINE"

	# soft only: crosses 10, stays under 200, exits 0.
	"$ENGINE" run "soft-$mon" "$ROOTFS" /memory_hog --rate 40 --max 30 --hold-s 0.3 --quiet \
		--soft-mib 10 --hard-mib 200 >/dev/null
	rc=$?
	check "$mon: soft 10 / hard 200 / --max 30 ends exited 0" \
		test "$(state_of "soft-$mon")" = exited -a "$rc" -eq 0
	check "$mon: with exactly one soft-limit event" test "$(events_of "soft-$mon" soft-limit)" -eq 1
	check "$mon: and no hard-limit event" test "$(events_of "soft-$mon" hard-limit)" -eq 0
	st=$("$ENGINE" stats "soft-$mon" --json)
	check "$mon: stats gives its peak RSS above 30 MiB and its CPU time ($st)" \
		test "$(json_eval '[d["id"], d["state"], d["rss_peak_kib"] >= 30720, type(d["cpu_ms"]) is int and d["cpu_ms"] >= 0]' "soft-$mon" <<<"$st")" = \
		"[\"soft-$mon\", \"exited\", true, true]"

	# under both: no memory event at all.
	"$ENGINE" start "under-$mon" "$ROOTFS" /memory_hog --max 4 --hold-s 1 --quiet \
		--soft-mib 10 --hard-mib 20 >/dev/null
	sleep 0.5
	st=$("$ENGINE" stats "under-$mon" --json)
	check "$mon: stats of a running container gives its current RSS ($st)" \
		test "$(json_eval 'd["rss_kib"]' <<<"$st")" -ge 4096
	"$ENGINE" wait "under-$mon" >/dev/null
	check "$mon: a container under its limits ends exited 0" test "$(state_of "under-$mon")" = exited
	check "$mon: with no soft-limit, hard-limit or oom event" \
		test "$(("$(events_of "under-$mon" soft-limit)" + "$(events_of "under-$mon" hard-limit)" + "$(events_of "under-$mon" oom)"))" -eq 0
	check "$mon: start and exit events for every container" \
		test "$("$ENGINE" events --json | json_eval --lines 'sorted((e["event"], e["container"]) for e in d if e["event"] in ("start", "exit")) ==
			sorted((t, c + "-" + a[0]) for t in ("start", "exit") for c in ("hard", "soft", "under"))' "$mon")" = true
	check "$mon: events.jsonl holds the same events" \
		cmp -s "$T/state/events.jsonl" <("$ENGINE" events --json)
	sv=$SV_PID
	check "$mon: no container cgroup left once they ended" \
		bash -c '! ls -d /sys/fs/cgroup/*/hoglab/sv-"$1"/*-'"$mon"' 2>/dev/null | grep -q .' _ "$sv"
	supervisor_stop
	check "$mon: no cgroup of the supervisor left after it exits" \
		bash -c '! ls -d /sys/fs/cgroup/*/hoglab/sv-"$1" 2>/dev/null | grep -q .' _ "$sv"
	rm -f "$T/state/events.jsonl"
done

# --- events -f follows, and bad limits are refused with one line ---
supervisor_start --monitor proc
"$ENGINE" events -f --json >"$T/follow" &
fpid=$!
"$ENGINE" run f1 "$ROOTFS" /bin/true
f1_exit='[e["event"] for e in d if e["container"] == "f1"] == ["start", "exit"]'
for _ in $(seq 100); do [ "$(json_eval --lines "$f1_exit" <"$T/follow" 2>/dev/null)" = true ] && break; sleep 0.05; done
kill "$fpid"; wait "$fpid" 2>/dev/null
check "events -f prints events as they happen (f1's start and exit)" test "$(json_eval --lines "$f1_exit" <"$T/follow")" = true
for bad in "--soft-mib x" "--hard-mib -1" "--hard-mib 0" "--hard-mib 0.5" "--soft-mib 30 --hard-mib 20"; do
	# shellcheck disable=SC2086
	err=$("$ENGINE" start bad "$ROOTFS" /bin/true $bad 2>&1 >/dev/null)
	check "'$bad' refused with one line ($err)" test $? -ne 0 -a "$(grep -c . <<<"$err")" -eq 1
done
finish
