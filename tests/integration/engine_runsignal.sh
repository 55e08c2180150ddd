#!/usr/bin/env bash
# Ctrl-C (SIGINT) or SIGTERM to `engine run` stops its container instead of leaving it
# running, and run still reports how it ended.
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-runsignal
supervisor_start
for sig in INT TERM; do
	id=sig-$sig
	"$ENGINE" run "$id" "$ROOTFS" /bin/sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' \
		>/dev/null 2>"$T/$id.err" &
	run_pid=$!
	wait_state "$id" running
	kill -s "$sig" "$run_pid"
	wait "$run_pid"
	rc=$?
	check "SIG$sig to run stops the container" test "$(state_of "$id")" = stopped
	check "run exits with the container's status after SIG$sig ($rc)" test "$rc" -eq 7
	check "run says how it ended ($(tr '\n' ' ' <"$T/$id.err"))" grep -q "$id stopped (exit 7)" "$T/$id.err"
done
finish
