#!/usr/bin/env bash
# test-timeout: 120
# Integration test of the lab stopped by a signal (SIGTERM from a cancelled Slurm task, SIGINT
# from Ctrl-C): the running containers are stopped, no further run starts, the private
# supervisor and its temp dir are gone, the run folder is closed (runs.csv, latest) and the lab
# exits 128 + the signal's number with one line saying so.
. "$(dirname "$0")/../lib.sh"
name="lab-signal"
need_root "$name" || finish
need_bins "$name" "$BIN" lab engine cpu_hog
[ -d "$TOP/rootfs/base" ] || { fail "$name" "rootfs/base is missing (make rootfs)"; finish; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/def.conf" <<'DEF'
cpu = 0
rootfs = rootfs/base
[pairs]
nice = 0
work_ms = 2000
repetitions = 20
[mix]
enabled = 0
[weights]
enabled = 0
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
enabled = 0
[window]
enabled = 0
DEF
for sig in TERM INT; do
	before=$(ls -d /tmp/hoglab-lab.* 2>/dev/null | sort)
	(cd "$TOP" && exec "$BIN"/lab --results "$tmp/res-$sig" "$tmp/def.conf") 2>"$tmp/err-$sig" &
	pid=$!
	# Wait for the first run to start (its progress line says the run count), then a little more.
	for _ in $(seq 1 100); do grep -q ' runs of ' "$tmp/err-$sig" && break; sleep 0.1; done
	sleep 1
	kill -"$sig" "$pid"
	rc=0
	timeout 30 tail --pid="$pid" -f /dev/null || kill -9 "$pid"
	wait "$pid" || rc=$?
	num=$(kill -l "$sig")
	check "SIG$sig: the lab exits $((128 + num)) (exit $rc)" test "$rc" -eq $((128 + num))
	check "SIG$sig: one line says it stopped" grep -q "^lab: stopped by signal $num after [0-9]* of 20 runs" "$tmp/err-$sig"
	check "SIG$sig: the run folder is closed: runs.csv written and latest linked" \
		test -s "$tmp/res-$sig/latest/runs.csv"
	check "SIG$sig: fewer than the 20 runs ran" test "$(grep -c ',a-nice0,' "$tmp/res-$sig/latest/runs.csv")" -lt 20
	after=$(ls -d /tmp/hoglab-lab.* 2>/dev/null | sort)
	check "SIG$sig: no temp dir of the lab is left" test "$before" = "$after"
	# Every container the lab started, the stopped run's too, is in runs.csv with its PID.
	check "SIG$sig: no container of the lab is left running" bash -c '
		pids=$(awk -F, "NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"pid\") c = i; next } { print \$c }" "$1")
		[ -n "$pids" ] || exit 1
		for p in $pids; do [ "$p" -gt 0 ] && kill -0 "$p" 2>/dev/null && exit 1; done; exit 0' _ "$tmp/res-$sig/latest/runs.csv"
done
finish
