#!/usr/bin/env bash
# Engine lifecycle as a user sees it: two containers at once, isolation inside, logs,
# exit codes, stop, bad inputs leaving nothing behind, and a clean supervisor shutdown.
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-basic
supervisor_start

# --- two containers at once ---
pa=$("$ENGINE" start alpha "$ROOTFS" /bin/sleep 60)
pb=$("$ENGINE" start beta "$ROOTFS" /bin/sleep 60)
ps_out=$("$ENGINE" ps)
check "ps shows alpha running with its host PID" \
	grep -Eq "^alpha +$pa +running" <<<"$ps_out"
check "ps shows beta running with its host PID" \
	grep -Eq "^beta +$pb +running" <<<"$ps_out"
check "host PIDs from start are live processes" test -d "/proc/$pa" -a -d "/proc/$pb"
ps_json=$("$ENGINE" ps --json)
check "ps --json is one JSON document listing exactly alpha and beta, running, with their PIDs" \
	test "$(json_eval 'sorted((c["id"], c["state"], c["pid"]) for c in d["containers"])' <<<"$ps_json")" = \
	"[[\"alpha\", \"running\", $pa], [\"beta\", \"running\", $pb]]"
if json_eval d <<<"${ps_json%?}" >/dev/null 2>&1; then
	fail "a truncated ps --json fails the parser the tests read it with" "json_eval accepted ${ps_json%?}"
else
	ok "a truncated ps --json fails the parser the tests read it with"
fi
dup=$("$ENGINE" start alpha "$ROOTFS" /bin/true 2>&1); rc=$?
check "a live duplicate ID is refused with one line ($dup)" \
	test "$rc" -ne 0 -a "$(wc -l <<<"$dup")" -eq 1

# --- inside: hostname, PID 1, no host processes, fds ---
check "hostname inside prints the ID" test "$("$ENGINE" run inside "$ROOTFS" /bin/hostname)" = inside
cmdline=$("$ENGINE" run pid1 "$ROOTFS" /bin/cat /proc/1/cmdline | tr '\0' ' ')
check "PID 1 inside is the command ($cmdline)" test "$cmdline" = "/bin/cat /proc/1/cmdline "
nproc_in=$("$ENGINE" run nproc "$ROOTFS" /bin/sh -c 'ls /proc | grep -c "^[0-9]"')
check "inside sees only its own processes ($nproc_in), none of the host's" test "$nproc_in" -le 3
fds=$("$ENGINE" run fds "$ROOTFS" /bin/ls /proc/1/fd | tr '\n' ' ')
check "PID 1 has only fds 0-2 open, plus the one ls opens to list them ($fds)" test "$fds" = "0 1 2 3 "
minfo=$("$ENGINE" run mnt "$ROOTFS" /bin/cat /proc/self/mountinfo)
check "the old root is detached: only the rootfs, /dev and /proc are mounted inside" \
	bash -c '[ "$(grep -c . <<<"$1")" -le 10 ] && ! grep -q " /sys" <<<"$1" && grep -Eq "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / " <<<"$1"' _ "$minfo"
check "/proc inside is a fresh procfs" grep -q " /proc .* - proc " <<<"$minfo"
ps_in=$("$ENGINE" run psin "$ROOTFS" /bin/ps)
check "ps inside lists PID 1 as the command and nothing of the host" \
	bash -c '[ "$(grep -c . <<<"$1")" -le 3 ] && grep -Eq "^ +1 .*/bin/ps" <<<"$1"' _ "$ps_in"

# --- logs hold exactly what was printed ---
"$ENGINE" run hello "$ROOTFS" /bin/sh -c 'echo out; echo err >&2' >"$T/hello.run"
check "run prints the container's output" test "$(cat "$T/hello.run")" = "$(printf 'out\nerr')"
check "logs prints the same bytes" cmp -s "$T/hello.run" <("$ENGINE" logs hello)
mkdir -p "$T/big"
cp -a "$ROOTFS/." "$T/big/"
head -c $((50 << 20)) /dev/urandom >"$T/big/blob"
"$ENGINE" run big "$T/big" /bin/cat /blob >"$T/big.run"
check "a 50 MiB log is byte-identical to what the container printed" cmp -s "$T/big/blob" "$T/logs/big.log"
check "run streamed the same 50 MiB" cmp -s "$T/big/blob" "$T/big.run"
"$ENGINE" start follow "$ROOTFS" /bin/sh -c 'for i in 1 2 3; do echo line$i; sleep 0.2; done' >/dev/null
check "logs -f follows until the end" test "$("$ENGINE" logs follow -f | tr '\n' ' ')" = "line1 line2 line3 "

# --- exit codes ---
for code in 0 1 42 255; do
	"$ENGINE" run "code$code" "$ROOTFS" /bin/sh -c "exit $code" >/dev/null
	rc=$?
	check "run returns exit code $code" test "$rc" -eq "$code"
done
"$ENGINE" run killed "$ROOTFS" /bin/sleep 60 >/dev/null &
run_pid=$!
wait_state killed running
kill -9 "$("$ENGINE" inspect killed | json_eval 'd["pid"]')"
wait "$run_pid"
rc=$?
check "run returns 128+9 for a killed container" test "$rc" -eq 137
check "the killed container's state is killed" test "$(state_of killed)" = killed
check "wait on an ended container returns its status" bash -c '"$1" wait code42 >/dev/null; [ $? -eq 42 ]' _ "$ENGINE"
"$ENGINE" run --rm gone "$ROOTFS" /bin/true
check "run --rm forgets the container" test "$(state_of gone)" = none
check "run --rm keeps its log" test -f "$T/logs/gone.log"

# --- run and wait do not block other clients ---
"$ENGINE" run slow "$ROOTFS" /bin/sleep 3 >/dev/null &
slow_pid=$!
wait_state slow running
t0=$(date +%s%N)
"$ENGINE" ps >/dev/null
t1=$(date +%s%N)
check "ps answers while a run is waiting (took $(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1500

# --- stop ---
t0=$(date +%s%N)
"$ENGINE" stop alpha --timeout 1 >/dev/null
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "stop turns running into stopped" test "$(state_of alpha)" = stopped
check "stop of an sh-like init that ignores SIGTERM ends within grace + 1 s ($ms ms)" test "$ms" -lt 2000
check "stopped container's host process is gone" test ! -e "/proc/$pa"
check "rm of a running container is refused" bash -c '! "$1" rm beta 2>/dev/null' _ "$ENGINE"
"$ENGINE" rm alpha
check "rm forgets an ended container" test "$(state_of alpha)" = none
check "rm keeps the log" test -f "$T/logs/alpha.log"
"$ENGINE" rm code0 --logs
check "rm --logs removes the log" test ! -e "$T/logs/code0.log"

# --- bad inputs: one line, nothing left behind ---
wait "$slow_pid" # its end would change the supervisor's fd count below
fds_before=$(ls "/proc/$SV_PID/fd" | wc -l)
mounts_before=$(wc -l </proc/self/mountinfo)
touch "$T/notadir"
mkdir -p "$T/noexec"
cp -a "$ROOTFS/." "$T/noexec/"
printf 'plain text\n' >"$T/noexec/script"
chmod 644 "$T/noexec/script"
bad() { # bad NAME ARGS...: fails with exactly one line on stderr
	local name=$1 err rc
	shift
	err=$("$ENGINE" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(grep -c . <<<"$err")" -eq 1 ]; then ok "$name: $err"; else fail "$name" "rc=$rc: $err"; fi
}
bad "missing rootfs refused" start b1 "$T/nope" /bin/true
bad "rootfs not a directory refused" start b2 "$T/notadir" /bin/true
bad "missing command refused" start b3 "$ROOTFS" /no/such/cmd
bad "non-executable command refused" start b4 "$T/noexec" /script
bad "missing command refused with a cpu cgroup" start b5 "$ROOTFS" /no/such/cmd --cpu-weight 50
bad "bad ID refused" start 'a/b' "$ROOTFS" /bin/true
bad "ID . refused" start . "$ROOTFS" /bin/true
bad "33-character ID refused" start 123456789012345678901234567890123 "$ROOTFS" /bin/true
bad "non-numeric --soft-mib refused" start b6 "$ROOTFS" /bin/true --soft-mib abc
bad "negative --hard-mib refused" start b7 "$ROOTFS" /bin/true --hard-mib -5
bad "--soft-mib above --hard-mib refused" start b8 "$ROOTFS" /bin/true --soft-mib 30 --hard-mib 20
bad "--hard-mib 0 refused" start b9 "$ROOTFS" /bin/true --hard-mib 0
bad "--nice 20 refused" start b10 "$ROOTFS" /bin/true --nice 20
bad "bad --cpus refused" start b11 "$ROOTFS" /bin/true --cpus 1-x
bad "unknown option before the command refused" start --frobnicate b12 "$ROOTFS" /bin/true
bad "stop of an unknown ID refused" stop nobody
sleep 0.2
left=$("$ENGINE" ps | grep -Ec '^b[0-9]+ ')
check "no record left by failed starts" test "$left" -eq 0
check "no log left by failed starts" bash -c '! ls "$1"/b[0-9]*.log 2>/dev/null | grep -q .' _ "$T/logs"
check "no fd left in the supervisor" test "$(ls "/proc/$SV_PID/fd" | wc -l)" -eq "$fds_before"
check "no mount left on the host" test "$(wc -l </proc/self/mountinfo)" -eq "$mounts_before"
check "no cpu cgroup left" bash -c '! ls -d /sys/fs/cgroup/*/hoglab/sv-"$1"/b5 2>/dev/null | grep -q .' _ "$SV_PID"
check "no zombie child of the supervisor" \
	bash -c '! grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null | xargs -r grep -l "^State:[[:space:]]*Z" | grep -q .' _ "$SV_PID"
"$ENGINE" start opts --nice 5 "$ROOTFS" /bin/sh -c 'exit 0' --soft-mib 10 --hard-mib 20 >/dev/null
check "options before the ID and after the command are the engine's" \
	test "$("$ENGINE" inspect opts | json_eval '[d["nice"], d["soft_mib"], d["hard_mib"], d["argv"]]')" = \
	'[5, 10, 20, ["/bin/sh", "-c", "exit 0"]]'
"$ENGINE" run args "$ROOTFS" -- /bin/sh -c 'echo "$1"' x --nice >"$T/args.out"
check "after --, engine option names go to the command" test "$(cat "$T/args.out")" = "--nice"
"$ENGINE" run args2 "$ROOTFS" /bin/sh -c 'echo "$0"' -x >"$T/args2.out"
check "after the command, non-engine words go to it" test "$(cat "$T/args2.out")" = "-x"
check "every command has --help" bash -c 'for c in supervisor start run ps logs stop wait inspect rm; do "$1" $c --help | grep -q usage || exit 1; done' _ "$ENGINE"
msg=$(HOGLAB_SOCKET=$T/none.sock "$ENGINE" ps 2>&1)
check "a missing supervisor gives one line naming the socket and how to start one" \
	bash -c '[ "$(grep -c . <<<"$1")" -eq 1 ] && grep -q "none.sock.*engine supervisor" <<<"$1"' _ "$msg"
second=$("$ENGINE" supervisor --state-dir "$T/state2" --log-dir "$T/logs2" 2>&1)
check "a second supervisor on a live socket refuses to start" grep -q "already running" <<<"$second"
check "the socket is 0600 in a 0700 dir" \
	test "$(stat -c %a "$HOGLAB_SOCKET")" = 600 -a "$(stat -c %a "$(dirname "$HOGLAB_SOCKET")")" = 700

# --- SIGTERM: everything stopped, socket gone, exit 0 ---
kill -TERM "$SV_PID"
wait "$SV_PID"
rc=$?
check "supervisor exits 0 on SIGTERM" test "$rc" -eq 0
check "its containers are gone" test ! -e "/proc/$pb"
check "the socket is removed" test ! -e "$HOGLAB_SOCKET"
check "no process of the supervisor is left" bash -c '! grep -ql "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null' _ "$SV_PID"
check "no cpu cgroup of the supervisor is left" bash -c '! ls -d /sys/fs/cgroup/*/hoglab/sv-"$1" 2>/dev/null | grep -q .' _ "$SV_PID"
SV_PID=
finish
