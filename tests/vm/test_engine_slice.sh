#!/bin/sh
# In-guest test of engine --slice-us on each kernel: from 6.12 (EEVDF with custom slices) a
# container started with --slice-us 3000 runs with se.slice 3000000 in /proc/PID/sched, its
# forked child too, its nice kept, and inspect shows it; below 6.12 (6.1: CFS, which accepts
# sched_runtime and ignores it) the start is refused with one line naming the kernel and starts
# nothing. What to expect is decided here from the kernel's version, not from the engine's probe.
# The initramfs root cannot be pivot_root'ed away from, so the engine runs chrooted in a tmpfs.
if [ "$1" != inner ]; then
	. "$(dirname "$0")/engine_guest.sh"
	engine_guest_enter engine-slice "$0" sleep
fi
. /engine_guest.sh
engine_guest_init engine-slice
# field JSON KEY: a string or number value of KEY in one line of JSON (the first one).
field() { echo "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1; }
# sched_of PID KEY: the value of KEY (se.slice, prio) in /proc/PID/sched.
sched_of() { awk -v k="$2" '$1 == k { print $3 }' "/proc/$1/sched"; }

sv_start slice --monitor proc

rel=$(uname -r)
major=${rel%%.*}
rest=${rel#*.}
minor=${rest%%[!0-9]*}
out=$(engine start bad - --slice-us 99 /bin/true 2>/tmp/err)
rc=$?
check "--slice-us 99 is refused with one line ($(cat /tmp/err))" \
	[ $rc -eq 2 -a -z "$out" -a "$(grep -c . /tmp/err)" -eq 1 -a "$(cat /tmp/err)" = "engine: --slice-us: 99 is out of range 100..100000" ]

if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 12 ]; }; then
	pid=$(engine start s3000 - --slice-us 3000 --nice 5 /bin/sh -c 'sleep 30 & wait' 2>/tmp/err)
	check "$rel: start --slice-us 3000 is accepted ($(cat /tmp/err))" [ -n "$pid" -a -d "/proc/$pid" ]
	check "$rel: the init's se.slice is 3000000 ns ($(sched_of "$pid" se.slice))" [ "$(sched_of "$pid" se.slice)" = 3000000 ]
	check "$rel: and its nice is still 5 (prio $(sched_of "$pid" prio))" [ "$(sched_of "$pid" prio)" = 125 ]
	kid=
	i=0
	while [ -z "$kid" ] && [ $i -lt 50 ]; do
		read -r kid _ <"/proc/$pid/task/$pid/children"
		[ -n "$kid" ] || sleep 0.1
		i=$((i + 1))
	done
	check "$rel: its forked child has se.slice 3000000 too ($(sched_of "${kid:-0}" se.slice 2>/dev/null))" \
		[ -n "$kid" -a "$(sched_of "${kid:-0}" se.slice 2>/dev/null)" = 3000000 ]
	j=$(engine inspect s3000)
	check "$rel: inspect shows slice_us 3000 and se_slice_ns 3000000 ($(field "$j" slice_us)/$(field "$j" se_slice_ns))" \
		[ "$(field "$j" slice_us)/$(field "$j" se_slice_ns)" = 3000/3000000 ]
	engine stop s3000 --timeout 0 >/dev/null
	default=$(sched_of $$ se.slice)
	pid=$(engine start plain - /bin/sleep 30)
	check "$rel: without --slice-us the init's slice is the default, $default ns ($(sched_of "$pid" se.slice))" \
		[ -n "$default" -a "$(sched_of "$pid" se.slice)" = "$default" -a "$default" != 3000000 ]
	engine stop plain --timeout 0 >/dev/null
else
	out=$(engine start s3000 - --slice-us 3000 /bin/sleep 30 2>/tmp/err)
	rc=$?
	echo "# engine-slice: $(cat /tmp/err)"
	check "$rel: --slice-us is refused with one line naming the kernel" \
		[ $rc -eq 1 -a -z "$out" -a "$(grep -c . /tmp/err)" -eq 1 ]
	check "$rel: the line says what is needed and which kernel this is" \
		grep -qF "engine: start s3000: --slice-us needs a kernel with EEVDF custom slices (6.12 or later); this is $rel (" /tmp/err
	check "$rel: and nothing was started" [ -z "$(state_of s3000)" -a ! -e /tmp/log-slice/s3000.log ]
	pid=$(engine start plain - /bin/sleep 30)
	j=$(engine inspect plain)
	check "$rel: a container without --slice-us starts, slice_us null ($(field "$j" slice_us))" [ -n "$pid" -a "$(field "$j" slice_us)" = null ]
	if [ -z "$(sched_of $$ se.slice)" ]; then
		check "$rel: its se_slice_ns is null, as this kernel shows no se.slice" [ "$(field "$j" se_slice_ns)" = null ]
	fi
	engine stop plain --timeout 0 >/dev/null
fi
sv_stop
check "the supervisor exits 0" [ $SV_RC -eq 0 ]
exit $((failures > 0))
