#!/usr/bin/env bash
# engine start|run --slice-us N: the container's init and every process it forks run with the
# EEVDF slice N us (se.slice N*1000 in /proc/PID/sched, as the kernel itself reports it) and keep
# their nice; inspect and ps --json show it; without the option the slice is the kernel's
# default; bad values are one line each and start nothing. Whether this kernel should accept the
# option is decided here from its version (custom slices for the fair class exist from 6.12),
# not from the engine's own probe, so a wrong probe fails this test either way.
. "$(dirname "$0")/engine_lib.sh"
engine_setup engine-slice
supervisor_start

# refused NAME RC PATTERN ARGS...: engine ARGS exits RC with nothing on stdout and exactly one
# line on stderr that matches the extended regex PATTERN.
refused() {
	local name=$1 want=$2 pat=$3 out err rc
	shift 3
	out=$(timeout 20 "$ENGINE" "$@" 2>"$T/refused.err")
	rc=$?
	err=$(cat "$T/refused.err")
	if [ "$rc" -eq "$want" ] && [ -z "$out" ] && [ "$(grep -c . <<<"$err")" -eq 1 ] &&
		grep -Eq -- "$pat" <<<"$err"; then
		ok "$name ($err)"
	else
		fail "$name" "rc=$rc (want $want) stdout='$out' stderr='$err'"
	fi
}
# nothing_of ID: no record and no log file of ID.
nothing_of() { [ "$(state_of "$1")" = none ] && [ ! -e "$T/logs/$1.log" ]; }
# sched_of PID KEY: the value of KEY (se.slice, prio) in /proc/PID/sched.
sched_of() { awk -v k="$2" '$1 == k { print $3 }' "/proc/$1/sched"; }
# child_of PID: its first child's PID, polled until there is one (at most 5 s).
child_of() {
	local c
	for _ in $(seq 100); do
		read -r c _ <"/proc/$1/task/$1/children" 2>/dev/null
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.05
	done
	return 1
}

# --------------------------------------------------------------- bad values, on any kernel
for v in 0 99 100001 -5 3000x abc ''; do
	refused "--slice-us '$v' is one line" 2 "^engine: --slice-us: ('$v' is not a whole number|$v is out of range 100\.\.100000)$" \
		start bad "$ROOTFS" --slice-us "$v" /bin/true
	check "--slice-us '$v' started nothing (no record, no log)" nothing_of bad
done
refused "--slice-us without a value is one line" 2 "^engine: --slice-us needs a value$" start bad "$ROOTFS" /bin/true --slice-us
refused "run --slice-us=99 is one line" 2 "^engine: --slice-us: 99 is out of range 100\.\.100000$" run bad "$ROOTFS" --slice-us=99 /bin/true
check "and started nothing" nothing_of bad

release=$(uname -r)
series=$(sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p' <<<"$release")
if [ "$(printf '%s\n' 6.12 "$series" | sort -V | head -n 1)" != 6.12 ]; then
	# A kernel without custom slices: the engine must say so, naming it, and start nothing.
	refused "--slice-us on $release is refused naming the kernel" 1 \
		"^engine: start s1: --slice-us needs a kernel with EEVDF custom slices \(6\.12 or later\); this is ${release//./\\.} " \
		start s1 "$ROOTFS" --slice-us 3000 /bin/true
	check "and started nothing" nothing_of s1
	finish
fi
if [ -z "$(sched_of $$ se.slice)" ]; then
	skip "slice checks" "$release shows no se.slice in /proc/PID/sched (CONFIG_SCHED_DEBUG off)"
	finish
fi

# --------------------------------------------------------------- a 6.12+ kernel: accepted
pid=$("$ENGINE" start s3000 "$ROOTFS" --slice-us 3000 --nice 5 /bin/sh -c 'sleep 60 & wait' 2>"$T/start.err")
check "start --slice-us 3000 --nice 5 prints the init's PID ($(cat "$T/start.err"))" test -n "$pid" -a -d "/proc/$pid"
check "the init's se.slice is 3000000 ns ($(sched_of "$pid" se.slice))" test "$(sched_of "$pid" se.slice)" = 3000000
check "and its nice is still 5 (prio $(sched_of "$pid" prio), 120 + nice)" test "$(sched_of "$pid" prio)" = 125
kid=$(child_of "$pid")
check "the process it forked has se.slice 3000000 too ($(sched_of "${kid:-0}" se.slice 2>&1)) and prio 125" \
	test "$(sched_of "$kid" se.slice)/$(sched_of "$kid" prio)" = 3000000/125
check "inspect: slice_us 3000, se_slice_ns 3000000, set by sched_setattr" \
	test "$("$ENGINE" inspect s3000 | json_eval '[d["slice_us"], d["se_slice_ns"], d["slice_setting"].startswith("sched_setattr before exec")]')" = "[3000, 3000000, true]"
check "ps --json: slice_us 3000, se_slice_ns 3000000" \
	test "$(ps_field s3000 slice_us)/$(ps_field s3000 se_slice_ns)" = 3000/3000000

# The kernel's bounds are ours: neither end is clamped or refused.
for v in 100 100000; do
	p=$("$ENGINE" start "b$v" "$ROOTFS" --slice-us "$v" /bin/sleep 60)
	check "--slice-us $v: se.slice $((v * 1000)) ns ($(sched_of "$p" se.slice))" test "$(sched_of "$p" se.slice)" = $((v * 1000))
	"$ENGINE" stop "b$v" --timeout 0 >/dev/null
done

# After the command, --slice-us is still the engine's option, not the command's argument.
p=$("$ENGINE" start tail "$ROOTFS" /bin/sleep 60 --slice-us=500)
check "--slice-us=500 after the command: se.slice 500000 ns ($(sched_of "$p" se.slice)), sleep got only 60" \
	test "$(sched_of "$p" se.slice)/$(tr '\0' ' ' <"/proc/$p/cmdline")" = "500000//bin/sleep 60 "
"$ENGINE" stop tail --timeout 0 >/dev/null

# Without the option: the kernel's default, the slice this test's own shell has.
default=$(sched_of $$ se.slice)
p=$("$ENGINE" start plain "$ROOTFS" /bin/sleep 60)
check "without --slice-us the init's se.slice is the default, $default ns ($(sched_of "$p" se.slice))" \
	test "$(sched_of "$p" se.slice)" = "$default"
check "inspect: slice_us null, se_slice_ns the default" \
	test "$("$ENGINE" inspect plain | json_eval '[d["slice_us"], d["se_slice_ns"]]')" = "[null, $default]"
check "ps --json: slice_us null" test "$(ps_field plain slice_us)" = null
sv_slices=$(for t in /proc/"$SV_PID"/task/*; do awk '$1 == "se.slice" { print $3 }' "$t/sched"; done | sort -u | tr '\n' ' ')
check "every thread of the supervisor kept the default slice after its probe ($sv_slices)" test "$sv_slices" = "$default "
check "the default is not the probe's or a custom value (sanity: $default is neither 3000000 nor 123457)" \
	test "$default" != 3000000 -a "$default" != 123457

# run, and what a process inside sees of itself in the container's own /proc.
out=$("$ENGINE" run r750 "$ROOTFS" --slice-us 750 /bin/sh -c 'grep se.slice /proc/self/sched' 2>&1)
check "run --slice-us 750: a process inside reads se.slice 750000 of itself ($out)" \
	bash -c 'awk "{ print \$3 }" <<<"$1" | grep -qx 750000' _ "$out"
check "ps SLICE column: 3000 and - without" test "$("$ENGINE" ps | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "SLICE") c = i; next } $1 == "s3000" || $1 == "plain" { printf "%s ", $c }')" = "3000 - "

"$ENGINE" stop s3000 --timeout 0 >/dev/null
"$ENGINE" stop plain --timeout 0 >/dev/null
check "an ended container keeps slice_us and the se.slice it ran with" \
	test "$("$ENGINE" inspect s3000 | json_eval '[d["state"], d["slice_us"], d["se_slice_ns"]]')" = '["stopped", 3000, 3000000]'
supervisor_stop
check "the supervisor exited 0 with nothing on its stderr ($(head -c 300 "$T/supervisor.err"))" \
	test "$SV_RC" -eq 0 -a ! -s "$T/supervisor.err"
finish
