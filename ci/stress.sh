#!/usr/bin/env bash
# The engine under load, faults and bad input (issue 10), against private supervisors on temp
# sockets and dirs: churn, exit statuses, reaping, duplicate starts, logs under pressure,
# supervisor faults, bad socket and CLI input, a hostile rootfs, isolation. Prints one
# ok / not ok / skip line per claim and writes every figure to OUT/summary.csv.
# Usage: ci/stress.sh [--profile long|short] [--out DIR]   (make stress: long, into results/stress)
. "$(dirname "$0")/../tests/integration/engine_lib.sh"

PROFILE=long OUT=
while [ $# -gt 0 ]; do
	case $1 in
	--profile) PROFILE=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	*) echo "stress.sh: unknown argument '$1' (--profile long|short, --out DIR)" >&2; exit 2 ;;
	esac
done
case $PROFILE in
long) CLIENTS=8 CYCLES=250 LOG_MIB=256 ;;
short) CLIENTS=8 CYCLES=25 LOG_MIB=16 ;;
*) echo "stress.sh: --profile is long or short, not '$PROFILE'" >&2; exit 2 ;;
esac
[ -n "$OUT" ] || { echo "stress.sh: --out DIR is required" >&2; exit 2; }

engine_setup stress
ro_pid= full_pid=
# engine_teardown, after the temp mounts and extra supervisors of the fault section.
stress_teardown() {
	local p m
	for p in $ro_pid $full_pid; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for m in "$T/rologs" "$T/fulllogs"; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
	engine_teardown
}
trap stress_teardown EXIT
# The rootfs's log_hog is static: it runs on the host too, in every build.
PROBE=$BIN/engine_wire_probe CRASH=$BIN/engine_crash LOGHOG=$ROOTFS/log_hog
for b in "$PROBE" "$CRASH" "$LOGHOG"; do
	[ -x "$b" ] || { skip stress "no $b (make workloads runtime)"; exit 0; }
done
[ -x "$ROOTFS/log_hog" ] || { skip stress "no /log_hog in $ROOTFS (make rootfs)"; exit 0; }
mkdir -p "$OUT"
SUMMARY=$OUT/summary.csv
echo "section,metric,value,limit,result" >"$SUMMARY"
{
	echo "profile=$PROFILE clients=$CLIENTS cycles=$CYCLES log_mib=$LOG_MIB"
	echo "revision=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)$(git -C "$TOP" diff --quiet 2>/dev/null || echo -dirty)"
	echo "kernel=$(uname -r) cpus=$(nproc) date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$OUT/params.txt"

# gate SECTION METRIC VALUE OP LIMIT WHAT: one CSV row and one ok / not ok line.
gate() {
	local sec=$1 metric=$2 val=$3 op=$4 lim=$5 what=$6 res=ok
	[ "$val" "$op" "$lim" ] 2>/dev/null || res=fail
	echo "$sec,$metric,$val,$op $lim,$res" >>"$SUMMARY"
	if [ $res = ok ]; then ok "$sec: $what ($metric=$val)"; else fail "$sec: $what" "$metric=$val, want $op $lim"; fi
}
# figure SECTION METRIC VALUE: a measurement with no gate.
figure() { echo "$1,$2,$3,,info" >>"$SUMMARY"; printf '# %s: %s=%s\n' "$1" "$2" "$3"; }

sv_fds() { ls "/proc/$SV_PID/fd" | wc -l; }
sv_rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SV_PID/status"; }
sv_threads() { ls "/proc/$SV_PID/task" | wc -l; }
sv_zombies() {
	local n=0 p
	for p in $(cat /proc/"$SV_PID"/task/*/children 2>/dev/null); do
		grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && n=$((n + 1))
	done
	echo $n
}
sv_children() { cat /proc/"$SV_PID"/task/*/children 2>/dev/null | wc -w; }
sv_cgroups() { find /sys/fs/cgroup/*/hoglab/sv-"$SV_PID" -mindepth 1 -type d 2>/dev/null | wc -l; }
# Host mounts on this run's dirs or the rootfs (others may mount elsewhere meanwhile).
host_mounts() { grep -c -e " $T" -e " $TOP/rootfs" /proc/self/mountinfo; }
pid_of() { ps_field "$1" pid; }
# ps_record ID STATE EXIT_CODE SIGNAL: 1 when ps --json records exactly that end, else 0.
ps_record() {
	"$ENGINE" ps --json | json_eval 'int(any(c["id"] == a[0] and c["state"] == a[1] and c["exit_code"] == int(a[2])
		and c["signal"] == int(a[3]) for c in d["containers"]))' "$@"
}
# ns_procs PIDNS: processes on the host in that PID namespace.
ns_procs() {
	local n=0 f
	for f in /proc/[0-9]*/ns/pid; do [ "$(readlink "$f" 2>/dev/null)" = "$1" ] && n=$((n + 1)); done
	echo $n
}
# one_line CMD...: rc != 0 and exactly one line on stderr.
one_line() {
	local err rc
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] && [ "$(grep -c . <<<"$err")" -eq 1 ] && return 0
	echo "rc=$rc: $err"
	return 1
}
# A scratch copy of the rootfs (the stock ones stay untouched).
scratch_rootfs() { mkdir -p "$1" && cp -a "$ROOTFS/." "$1/"; }

# In an ASAN build freed memory would sit in the quarantine and count as RSS: turn it off, so the
# RSS gate below holds the sanitizer build to the same promise as the plain one.
grep -qa __asan_init "$ENGINE" && export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
supervisor_start
"$ENGINE" ps >/dev/null
fds0=$(sv_fds) rss0=$(sv_rss_kib) threads0=$(sv_threads) mounts0=$(host_mounts)
figure supervisor fds_at_start "$fds0"
figure supervisor rss_kib_at_start "$rss0"

# ---- churn: CLIENTS clients, each CYCLES start / stop / rm --logs ----
churn_client() {
	local i=$1 j failed=0
	for ((j = 0; j < CYCLES; j++)); do
		"$ENGINE" start "churn$i-$j" "$ROOTFS" /bin/sleep 60 >/dev/null 2>>"$T/churn.err" || failed=$((failed + 1))
		"$ENGINE" stop "churn$i-$j" --timeout 0 >/dev/null 2>>"$T/churn.err" || failed=$((failed + 1))
		"$ENGINE" rm --logs "churn$i-$j" 2>>"$T/churn.err" || failed=$((failed + 1))
	done
	echo "$failed" >"$T/churn.$i"
}
t0=$(date +%s%N)
pids=()
for ((i = 0; i < CLIENTS; i++)); do churn_client "$i" & pids+=($!); done
wait "${pids[@]}"
churn_ms=$((($(date +%s%N) - t0) / 1000000))
failed=$(cat "$T"/churn.* | awk '{s += $1} END {print s}')
[ "$failed" -eq 0 ] || printf '# churn errors: %s\n' "$(sort "$T/churn.err" | uniq -c | head -3 | tr '\n' ' ')"
sleep 0.5
figure churn cycles $((CLIENTS * CYCLES))
figure churn cycles_per_s "$(awk -v n=$((CLIENTS * CYCLES)) -v ms="$churn_ms" 'BEGIN {printf "%.1f", n * 1000 / ms}')"
gate churn failed_commands "$failed" -eq 0 "every start, stop and rm of $CLIENTS x $CYCLES cycles succeeded"
gate churn records_left "$("$ENGINE" ps | grep -c '^churn')" -eq 0 "no record left"
gate churn zombies "$(sv_zombies)" -eq 0 "no zombie child of the supervisor"
gate churn children "$(sv_children)" -eq 0 "no child of the supervisor left"
gate churn fd_delta $(($(sv_fds) - fds0)) -eq 0 "supervisor fd count back to its start"
gate churn rss_delta_kib $(($(sv_rss_kib) - rss0)) -le 1024 "supervisor RSS back within 1 MiB of its start"
gate churn threads_delta $(($(sv_threads) - threads0)) -eq 0 "no log-reader or other thread left"
gate churn cgroups_left "$(sv_cgroups)" -eq 0 "no container cgroup left"
gate churn mounts_delta $(($(host_mounts) - mounts0)) -eq 0 "no mount left on the host"
gate churn logs_left "$(find "$T/logs" -name 'churn*' | wc -l)" -eq 0 "no log left after rm --logs"

# ---- exit statuses: every code 0..255, and the signals that can end a PID-namespace init ----
seq 0 255 | xargs -P 8 -I{} sh -c '"$1" run "code{}" "$2" /bin/sh -c "exit {}" >/dev/null 2>&1; echo "{} $?"' _ "$ENGINE" "$ROOTFS" >"$T/codes"
gate exit run_status_mismatches "$(awk '$1 != $2' "$T/codes" | wc -l)" -eq 0 "engine run returned each exit code 0..255 exactly"
"$ENGINE" ps --json | json_eval '"\n".join("%s %s %s" % (c["id"][4:], c["state"], c["exit_code"])
	for c in d["containers"] if c["id"].startswith("code"))' >"$T/codes.ps"
gate exit recorded_mismatches "$(awk '$2 != "exited" || $1 != $3' "$T/codes.ps" | wc -l)" -eq 0 \
	"ps records state exited and each code (of $(wc -l <"$T/codes.ps"))"
gate exit recorded "$(wc -l <"$T/codes.ps")" -eq 256 "256 statuses recorded"
for i in $(seq 0 255); do "$ENGINE" rm --logs "code$i"; done

"$ENGINE" start sigkill "$ROOTFS" /bin/sleep 60 >/dev/null
kill -KILL "$(pid_of sigkill)"
"$ENGINE" wait sigkill >/dev/null
rc=$?
gate signal sigkill_status "$rc" -eq 137 "SIGKILL from the host: wait exits 128+9"
gate signal sigkill_recorded "$(ps_record sigkill killed -1 9)" -eq 1 "recorded as killed, signal 9"
scratch_rootfs "$T/crashfs"
cp "$CRASH" "$T/crashfs/crash"
"$ENGINE" run segv "$T/crashfs" /crash segv >/dev/null 2>&1
rc=$?
gate signal sigsegv_status "$rc" -eq 139 "SIGSEGV (a real fault in the init): run exits 128+11"
gate signal sigsegv_recorded "$(ps_record segv killed -1 11)" -eq 1 "recorded as killed, signal 11"
# SIGTERM: the kernel drops it for a PID-namespace init without a handler (pid_namespaces(7)),
# so stop escalates to SIGKILL; an init that handles it ends as it chooses.
"$ENGINE" start sigterm "$ROOTFS" /bin/sleep 60 >/dev/null
kill -TERM "$(pid_of sigterm)"
sleep 0.5
gate signal sigterm_ignored_by_init "$([ "$(state_of sigterm)" = running ] && echo 1 || echo 0)" -eq 1 \
	"SIGTERM to an init with no handler is dropped by the kernel: still running"
"$ENGINE" stop sigterm --timeout 0.5 >/dev/null
gate signal sigterm_stop_recorded "$(ps_record sigterm stopped -1 9)" -eq 1 "stop escalates to SIGKILL: stopped, signal 9"
"$ENGINE" start termtrap "$ROOTFS" /bin/sh -c 'trap "exit 143" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.3
kill -TERM "$(pid_of termtrap)"
"$ENGINE" wait termtrap >/dev/null
rc=$?
gate signal sigterm_handled_status "$rc" -eq 143 "SIGTERM to an init that handles it: its own exit code"
for id in sigkill segv sigterm termtrap; do "$ENGINE" rm --logs $id; done

# ---- reaping: 100 orphans under an init that never reaps; 50 inits ending together ----
"$ENGINE" start orphans "$ROOTFS" /bin/sh -c \
	'i=0; while [ $i -lt 100 ]; do (sleep 0.1 &); i=$((i + 1)); done; exec sleep 2' >/dev/null
opid=$(pid_of orphans)
ons=$(readlink "/proc/$opid/ns/pid")
sleep 1
zomb=0
for f in /proc/[0-9]*/ns/pid; do
	[ "$(readlink "$f" 2>/dev/null)" = "$ons" ] || continue
	p=${f#/proc/}; p=${p%%/*}
	grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && zomb=$((zomb + 1))
done
figure reap orphan_zombies_while_running "$zomb"
"$ENGINE" wait orphans >/dev/null
rc=$?
gate reap orphans_status "$rc" -eq 0 "the init of 100 exited orphans ends with its own status"
gate reap orphans_left "$(ns_procs "$ons")" -eq 0 "all 100 orphans reaped once the init ended (none left in its PID namespace)"
gate reap zombies_after_orphans "$(sv_zombies)" -eq 0 "no zombie child of the supervisor"
"$ENGINE" rm --logs orphans

scratch_rootfs "$T/gatefs"
mkfifo "$T/gatefs/gate"
exec 3<>"$T/gatefs/gate"
pids=()
for i in $(seq 1 50); do
	"$ENGINE" start "gate$i" "$T/gatefs" /bin/sh -c 'read x </gate; exit $1' sh $((100 + i)) >/dev/null &
	pids+=($!)
done
wait "${pids[@]}"
blocked=0
for _ in $(seq 200); do
	blocked=0
	for i in $(seq 1 50); do
		p=$(pid_of "gate$i")
		[ -n "$p" ] && readlink "/proc/$p/fd/0" 2>/dev/null | grep -q gate && blocked=$((blocked + 1))
	done
	[ "$blocked" -eq 50 ] && break
	sleep 0.05
done
figure reap inits_waiting_at_the_gate "$blocked"
exec 3>&- # every reader sees EOF at once: 50 inits end within the same few ms
for _ in $(seq 200); do
	[ "$("$ENGINE" ps | grep -c '^gate[0-9]* .* running')" -eq 0 ] && break
	sleep 0.05
done
"$ENGINE" ps --json | json_eval '"\n".join("%s %s %s %s" % (c["id"][4:], c["state"], c["exit_code"], c["end_mono_ns"])
	for c in d["containers"] if c["id"].startswith("gate"))' >"$T/gate.ps"
right=$(awk '$2 == "exited" && $3 == $1 + 100' "$T/gate.ps" | wc -l)
gate reap simultaneous_statuses "$right" -eq 50 "50 inits ending together: 50 exit statuses recorded, each its own"
figure reap simultaneous_reap_spread_ms "$(awk '{ print $4 }' "$T/gate.ps" | sort -n | awk 'NR == 1 {a = $1} {b = $1} END {printf "%.1f", (b - a) / 1e6}')"
for i in $(seq 1 50); do "$ENGINE" rm --logs "gate$i"; done

# ---- duplicate race: 100 parallel starts of one ID ----
seq 1 100 | xargs -P 100 -I{} sh -c '"$1" start dup "$2" /bin/sleep 60 >/dev/null 2>"$3/dup.{}"; echo $?' _ "$ENGINE" "$ROOTFS" "$T" >"$T/dup.rc"
gate duplicate successes "$(grep -cx 0 "$T/dup.rc")" -eq 1 "100 parallel starts of one ID: exactly one succeeds"
gate duplicate clear_errors "$(cat "$T"/dup.[0-9]* | grep -c '^engine: start dup: container dup already exists')" -eq 99 "the 99 others get one clear line each"
"$ENGINE" stop dup --timeout 0 >/dev/null
"$ENGINE" rm --logs dup

# ---- logs under pressure: 4 containers writing LOG_MIB MiB each at full speed together ----
"$LOGHOG" --bytes "${LOG_MIB}M" >"$T/expected.log"
t0=$(date +%s%N)
for i in 1 2 3 4; do "$ENGINE" start "hog$i" "$ROOTFS" /log_hog --bytes "${LOG_MIB}M" >/dev/null; done
for i in 1 2 3 4; do "$ENGINE" wait "hog$i" >/dev/null; done
log_ms=$((($(date +%s%N) - t0) / 1000000))
same=0
for i in 1 2 3 4; do cmp -s "$T/expected.log" "$T/logs/hog$i.log" && same=$((same + 1)); done
gate logs identical_logs "$same" -eq 4 "4 x $LOG_MIB MiB written together: every log byte-identical"
figure logs mib_per_s "$(awk -v m=$((4 * LOG_MIB)) -v ms="$log_ms" 'BEGIN {printf "%.0f", m * 1000 / ms}')"
for i in 1 2 3 4; do "$ENGINE" rm --logs "hog$i"; done
rm -f "$T/expected.log"

# ---- bad input on the socket ----
# empty: no byte, then EOF; the probe waits up to 5 s for the supervisor to close its end.
r=$("$PROBE" empty)
gate socket empty_closed "$(grep -Eq '^closed after [0-9]+ ms$' <<<"$r" && echo 1 || echo 0)" -eq 1 "empty: the supervisor closes a connection that sent nothing within 5 s ($r)"
for how in magic version oversize type truncated; do
	r=$("$PROBE" $how)
	gate socket "${how}_handled" "$([ "$r" = closed ] && echo 1 || echo 0)" -eq 1 "$how: connection dropped ($r)"
done
gate socket nonul_answered "$([ "$("$PROBE" nonul)" = "reply -22" ] && echo 1 || echo 0)" -eq 1 "a string without its NUL gets an EINVAL reply"
gate socket badid_answered "$([ "$("$PROBE" badpayload)" = "reply -22" ] && echo 1 || echo 0)" -eq 1 "an ID ../x gets an EINVAL reply"
timeout -k 2 30 "$PROBE" slow >"$T/slow.out" &
slow=$!
timeout -k 2 30 "$PROBE" stalled >"$T/stalled.out" &
stalled=$!
# Each probe is bounded: a supervisor that never drops a client fails its gate, it does not hang.
coproc IDLE { timeout -k 2 60 "$PROBE" idle 1000; }
read -r -t 30 _ n_open <&"${IDLE[0]}"
figure socket idle_connections_opened "$n_open"
t0=$(date +%s%N)
ans=$(timeout 5 "$ENGINE" run idlecheck "$ROOTFS" /bin/echo served)
gate socket served_past_idle "$([ "$ans" = served ] && echo 1 || echo 0)" -eq 1 "with $n_open idle, a slow and a stalled client, a run is still served ($((($(date +%s%N) - t0) / 1000000)) ms)"
gate socket fds_bounded "$(sv_fds)" -le $((fds0 + 520)) "supervisor fds stay bounded (at most 512 connections)"
exec {IDLE[1]}>&-
read -r -t 30 _ n_closed <&"${IDLE[0]}"
figure socket idle_connections_closed_by_supervisor "$n_closed"
wait "$slow" "$stalled"
slow_ms=$(awk '{print $3}' "$T/slow.out")
gate socket slow_client_dropped "$(grep -c '^closed' "$T/slow.out")" -eq 1 "a client sending one byte a second is dropped (after $slow_ms ms)"
gate socket stalled_client_dropped "$(grep -c '^closed' "$T/stalled.out")" -eq 1 "a header promising 256 KiB then silence is dropped ($(cat "$T/stalled.out"))"
"$PROBE" hangup hungup >/dev/null
wait_state hungup exited
gate socket hangup_survived "$(kill -0 "$SV_PID" && "$ENGINE" ps >/dev/null && echo 1 || echo 0)" -eq 1 "a client hanging up before its reply: the supervisor carries on"
"$ENGINE" rm --logs hungup 2>/dev/null
"$ENGINE" rm --logs idlecheck
sleep 0.2
gate socket fd_delta $(($(sv_fds) - fds0)) -eq 0 "all those connections closed: supervisor fd count back to its start"

# ---- bad input on the CLI: one line each, nothing left behind ----
touch "$T/regular"
bad=(
	"id-empty|start||$ROOTFS|/bin/true" "id-dot|start|.|$ROOTFS|/bin/true" "id-dotdot|start|..|$ROOTFS|/bin/true"
	"id-dotdot-x|start|../x|$ROOTFS|/bin/true" "id-slash|start|a/b|$ROOTFS|/bin/true"
	"id-33|start|$(printf 'a%.0s' $(seq 33))|$ROOTFS|/bin/true" "id-nonprint|start|$(printf 'a\001b')|$ROOTFS|/bin/true"
	"rootfs-missing|start|b1|$T/nope|/bin/true" "rootfs-file|start|b2|$T/regular|/bin/true" "rootfs-root|start|b3|/|/bin/true"
	"cmd-missing|start|b4|$ROOTFS" "cmd-not-found|start|b5|$ROOTFS|/no/such"
	"hard-negative|start|b6|$ROOTFS|/bin/true|--hard-mib|-1" "hard-zero|start|b7|$ROOTFS|/bin/true|--hard-mib|0"
	"hard-huge|start|b8|$ROOTFS|/bin/true|--hard-mib|99999999999" "soft-above-hard|start|b9|$ROOTFS|/bin/true|--soft-mib|30|--hard-mib|20"
	"weight-zero|start|b10|$ROOTFS|/bin/true|--cpu-weight|0" "nice-low|start|b11|$ROOTFS|/bin/true|--nice|-21"
	"nice-high|start|b12|$ROOTFS|/bin/true|--nice|20" "cpus-absent|start|b13|$ROOTFS|/bin/true|--cpus|$(nproc)"
	"cpus-huge|start|b14|$ROOTFS|/bin/true|--cpus|99999" "cpus-syntax|start|b15|$ROOTFS|/bin/true|--cpus|1-0"
)
fds_before=$(sv_fds)
for spec in "${bad[@]}"; do
	IFS='|' read -r -a words <<<"$spec"
	name=${words[0]}
	if out=$(one_line "$ENGINE" "${words[@]:1}"); then
		echo "cli,${name}_one_line,1,-eq 1,ok" >>"$SUMMARY"
		ok "cli: $name refused with one line: $("$ENGINE" "${words[@]:1}" 2>&1 | cut -c1-110)"
	else
		echo "cli,${name}_one_line,0,-eq 1,fail" >>"$SUMMARY"
		fail "cli: $name refused with one line" "$out"
	fi
done
if out=$(one_line "$ENGINE" start "$(printf 'a\nb')" "$ROOTFS" /bin/true); then
	echo "cli,id-newline_one_line,1,-eq 1,ok" >>"$SUMMARY"
	ok "cli: id-newline refused with one line: $("$ENGINE" start "$(printf 'a\nb')" "$ROOTFS" /bin/true 2>&1)"
else
	echo "cli,id-newline_one_line,0,-eq 1,fail" >>"$SUMMARY"
	fail "cli: id-newline refused with one line" "$out"
fi
gate cli records_left "$("$ENGINE" ps | grep -c '^b[0-9]* ')" -eq 0 "no record left by refused starts"
gate cli logs_left "$(find "$T/logs" -name 'b[0-9]*' | wc -l)" -eq 0 "no log left by refused starts"
gate cli fd_delta $(($(sv_fds) - fds_before)) -eq 0 "no fd left in the supervisor"
gate cli cgroups_left "$(sv_cgroups)" -eq 0 "no cgroup left"

# ---- hostile rootfs: planted symlinks lead nowhere outside the rootfs and the log dir ----
mkdir -p "$T/host/dev" "$T/host/proc" "$T/host/tmp" "$T/host/victim"
echo canary >"$T/host/victim/file"
snapshot() { find "$T/host" -printf '%p %y %s %T@ %m\n' | sort; }
snapshot >"$T/host.before"
scratch_rootfs "$T/evil"
rm -rf "$T/evil/dev" "$T/evil/proc" "$T/evil/tmp"
ln -s "$T/host/dev" "$T/evil/dev"
ln -s "$T/host/proc" "$T/evil/proc"
ln -s "$T/host/tmp" "$T/evil/tmp"
out=$(one_line "$ENGINE" run evil "$T/evil" /bin/true) && r=1 || r=0
gate hostile dev_proc_symlinks_refused "$r" -eq 1 "a rootfs whose /dev and /proc are symlinks to host dirs is refused with one line"
rm "$T/evil/dev" "$T/evil/proc" "$T/evil/tmp"
mkdir "$T/evil/dev" "$T/evil/proc"
# /tmp -> a host dir outside /tmp (one under $T, itself under /tmp, would loop inside the rootfs
# and prove nothing): the container's write must land at that path inside the rootfs.
vt=$(mktemp -d /var/tmp/hoglab-stress.XXXXXX)
trap 'rm -rf "$vt"; stress_teardown' EXIT
ln -s "$vt" "$T/evil/tmp"
mkdir -p "$T/evil$vt"
evil2=$("$ENGINE" run evil2 "$T/evil" /bin/sh -c 'echo x >/tmp/planted && ls /tmp/' 2>&1)
gate hostile tmp_symlink_run_status $? -eq 0 "a rootfs whose /tmp is a symlink to a host dir runs ($evil2)"
gate hostile tmp_symlink_stays_inside "$([ "$(cat "$T/evil$vt/planted" 2>/dev/null)" = x ] && [ -z "$(ls -A "$vt")" ] && echo 1 || echo 0)" -eq 1 \
	"/tmp -> a host dir resolves inside the rootfs: the file is there, the host dir stays empty"
rm -rf "$vt"
trap stress_teardown EXIT
ln -s "$T/host/victim/file" "$T/logs/planted.log"
out=$(one_line "$ENGINE" run planted "$ROOTFS" /bin/echo overwritten) && r=1 || r=0
gate hostile log_symlink_refused "$r" -eq 1 "a log path planted as a symlink is refused with one line"
snapshot >"$T/host.after"
gate hostile host_changes "$(diff "$T/host.before" "$T/host.after" | grep -c '^[<>]')" -eq 0 "nothing outside the rootfs and log dir created, changed or deleted"
gate hostile canary_intact "$(grep -cx canary "$T/host/victim/file")" -eq 1 "the symlinked log's target is untouched"
gate hostile mounts_delta $(($(host_mounts) - mounts0)) -eq 0 "no mount left on the host"
"$ENGINE" rm --logs evil2 2>/dev/null

# ---- isolation ----
fds_in=$("$ENGINE" run iso1 "$ROOTFS" /bin/sh -c 'ls /proc/1/fd; true' | tr '\n' ' ')
gate isolation pid1_fds "$([ "$fds_in" = "0 1 2 " ] && echo 1 || echo 0)" -eq 1 "/proc/1/fd holds only 0-2 ($fds_in)"
cwd_in=$("$ENGINE" run iso2 "$ROOTFS" /bin/sh -c 'readlink /proc/1/cwd; true')
gate isolation pid1_cwd "$([ "$cwd_in" = / ] && echo 1 || echo 0)" -eq 1 "/proc/1/cwd is / ($cwd_in)"
seen=$("$ENGINE" run iso3 "$ROOTFS" /bin/sh -c 'ls -d /proc/[0-9]* | wc -l; cat /proc/[0-9]*/cmdline | tr "\0" " "')
gate isolation processes_seen "$(head -1 <<<"$seen")" -le 3 "only the container's own processes are visible"
gate isolation supervisor_visible "$(tail -n +2 <<<"$seen" | grep -c supervisor)" -eq 0 "the supervisor is not visible inside"
sock_in=$("$ENGINE" run iso4 "$ROOTFS" /bin/sh -c "test -e '$HOGLAB_SOCKET' && echo path; find / -xdev -type s 2>/dev/null; ls -l /proc/1/fd | grep -c socket; true")
gate isolation socket_reachable "$(grep -c -e path -e / <<<"$sock_in")" -eq 0 "the control socket (or any socket file) cannot be reached inside"
gate isolation socket_fds "$(tail -1 <<<"$sock_in")" -eq 0 "the init holds no socket fd"
for i in 1 2 3 4; do "$ENGINE" rm --logs "iso$i"; done

# ---- supervisor faults ----
# An unwritable log dir: a read-only bind mount, then a full tmpfs.
mkdir -p "$T/rologs"
mount --bind "$T/rologs" "$T/rologs" && mount -o remount,bind,ro "$T/rologs"
sv_main=$SV_PID sock_main=$HOGLAB_SOCKET
export HOGLAB_SOCKET=$T/ro.sock
"$ENGINE" supervisor --state-dir "$T/rostate" --log-dir "$T/rologs" >"$T/ro.out" 2>"$T/ro.err" &
ro_pid=$!
# Its warnings come before its ready line (the socket exists a little earlier).
for _ in $(seq 100); do grep -q '^engine: supervisor' "$T/ro.out" && break; sleep 0.05; done
gate faults ro_warned "$(grep -c 'not writable.*Read-only' "$T/ro.err")" -eq 1 "a read-only log dir is reported at start"
out=$(one_line "$ENGINE" run ro1 "$ROOTFS" /bin/true) && r=1 || r=0
gate faults ro_start_refused "$r" -eq 1 "a start then fails with one line ($(grep -o 'Read-only.*' <<<"$("$ENGINE" run ro1 "$ROOTFS" /bin/true 2>&1)"))"
gate faults ro_keeps_serving "$("$ENGINE" ps >/dev/null && echo 1 || echo 0)" -eq 1 "and the supervisor keeps serving"
kill -TERM "$ro_pid"; wait "$ro_pid"; ro_pid=
umount "$T/rologs"

mkdir -p "$T/fulllogs"
mount -t tmpfs -o size=256k tmpfs "$T/fulllogs"
export HOGLAB_SOCKET=$T/full.sock
"$ENGINE" supervisor --state-dir "$T/fullstate" --log-dir "$T/fulllogs" >/dev/null 2>"$T/full.err" &
full_pid=$!
for _ in $(seq 100); do [ -S "$HOGLAB_SOCKET" ] && break; sleep 0.05; done
"$ENGINE" run full1 "$ROOTFS" /log_hog --bytes 4M >/dev/null 2>&1
rc=$?
gate faults enospc_run_status "$rc" -eq 0 "a container whose log fills the disk still runs to its end (exit $rc)"
gate faults enospc_warned "$(grep -c 'full1: .* bytes of its output could not be written.*No space left' "$T/full.err")" -eq 1 "the lost bytes are reported by the supervisor"
gate faults enospc_inspect "$("$ENGINE" inspect full1 | grep -c '"log_error":"No space left on device"')" -eq 1 "and by inspect"
ans=$("$ENGINE" run full2 "$ROOTFS" /bin/echo hi 2>&1)
gate faults enospc_keeps_serving "$("$ENGINE" ps | grep -c '^full')" -eq 2 "and the supervisor keeps serving ($ans)"
kill -TERM "$full_pid"; wait "$full_pid"; full_pid=
umount "$T/fulllogs"

# SIGKILL to the supervisor while containers run (one with a hard memory limit): they die with
# it (PR_SET_PDEATHSIG to each init, which takes its PID namespace along); a new supervisor
# takes over the stale socket and removes the dead one's empty cgroups.
export HOGLAB_SOCKET=$sock_main
SV_PID=$sv_main
"$ENGINE" start k1 "$ROOTFS" /bin/sleep 60 >/dev/null
"$ENGINE" start k2 "$ROOTFS" /cpu_hog --work-ms 60000 >/dev/null
"$ENGINE" start k3 "$ROOTFS" /memory_hog --rate 5 --max 30 --hold-s 60 --hard-mib 64 >/dev/null
"$ENGINE" start k4 "$ROOTFS" /bin/sh -c 'sleep 60 & sleep 60 & wait' >/dev/null
nss=()
for id in k1 k2 k3 k4; do nss+=("$(readlink "/proc/$(pid_of $id)/ns/pid")"); done
old_sv=$SV_PID
kill -KILL "$SV_PID"
wait "$SV_PID" 2>/dev/null
SV_PID=
left=0
for _ in $(seq 100); do
	left=0
	for ns in "${nss[@]}"; do left=$((left + $(ns_procs "$ns"))); done
	[ "$left" -eq 0 ] && break
	sleep 0.05
done
gate faults sigkill_left_running "$left" -eq 0 "SIGKILL to the supervisor: no process of its 4 containers left running"
gate faults stale_socket "$([ -S "$HOGLAB_SOCKET" ] && echo 1 || echo 0)" -eq 1 "the dead supervisor left a stale socket"
supervisor_start
gate faults restart_clean "$("$ENGINE" ps --json | json_eval 'int(d["containers"] == [])')" -eq 1 "a new supervisor starts cleanly over it"
gate faults stale_cgroups "$(find /sys/fs/cgroup/*/hoglab/sv-"$old_sv" -maxdepth 0 2>/dev/null | wc -l)" -eq 0 "the dead supervisor's cgroups are removed ($(grep -o 'removed.*' "$T/supervisor.out"))"
gate faults restart_serves "$("$ENGINE" run after "$ROOTFS" /bin/echo ok 2>&1 | grep -cx ok)" -eq 1 "and serves"

printf '# summary: %s\n' "$SUMMARY"
finish
