#!/usr/bin/env bash
# A full log buffer never stalls the supervisor: while a container writes faster than its log
# can be written (a 64 KiB buffer; a log file that is a FIFO nobody reads yet), other clients
# are still answered, and the log stays lossless (byte-identical to the generator's output).
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-backpressure
if [ ! -x "$ROOTFS/log_hog" ]; then
	skip engine-backpressure "no log_hog in $ROOTFS (make rootfs)"
	exit 0
fi
supervisor_start --log-buffer-kib 64
"$ROOTFS/log_hog" --bytes 64M >"$T/expected" # static: runs on the host in every build

# answers NAME ARGS...: the client command finishes within 5 s (generous: it is a local socket).
answers() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	if timeout 5 "$ENGINE" "$@" >/dev/null; then
		t1=$(date +%s%N)
		ok "$name (took $(((t1 - t0) / 1000000)) ms)"
	else
		fail "$name" "no answer within 5 s"
	fi
}

# --- the writer is stuck: the log file is a FIFO with no reader draining it ---
mkfifo "$T/logs/stuck.log"
exec 3<>"$T/logs/stuck.log"
"$ENGINE" start stuck "$ROOTFS" /log_hog --bytes 64M >/dev/null
sleep 1
answers "ps is answered while the log writer is stuck and the buffer full" ps
answers "stats is answered meanwhile" stats stuck
answers "a second container starts meanwhile" run other "$ROOTFS" /bin/true
check "the stuck container is still running (held back by its pipe)" test "$(state_of stuck)" = running
# Bounded, so that a writer that never drains fails the checks below instead of hanging the suite.
timeout 60 head -c $((64 << 20)) <&3 >"$T/stuck.out"
timeout 30 "$ENGINE" wait stuck >/dev/null
exec 3<&-
check "once drained, its 64 MiB log is byte-identical" cmp -s "$T/expected" "$T/stuck.out"

# --- a plain file: a fast writer into a tiny buffer, polled by another client ---
"$ENGINE" start fast "$ROOTFS" /log_hog --bytes 64M >/dev/null
worst=0 polls=0
while [ "$(state_of fast)" = running ] && [ $((polls += 1)) -le 2000 ]; do
	t0=$(date +%s%N)
	timeout 5 "$ENGINE" ps >/dev/null || { worst=999999; break; }
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$worst" ] && worst=$ms
done
check "ps answered every time while the fast writer ran (slowest $worst ms)" test "$worst" -lt 5000
timeout 60 "$ENGINE" wait fast >/dev/null
check "the fast writer's 64 MiB log is byte-identical" cmp -s "$T/expected" "$T/logs/fast.log"
finish
