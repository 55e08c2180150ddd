#!/usr/bin/env bash
# test-timeout: 600
# Integration test of `make experiment-kernels` (ci/experiment-kernels.sh), reduced to the 0-vs-15
# pair and one small run of each case that tells the schedulers apart (sleeper, short window, wake-up,
# custom slices) on the host and in QEMU guests booting 6.1 and 6.12. Asserts that both guests
# ran, every row is tagged, each kernel's scheduler is named right (CFS below 6.6, EEVDF from
# 6.6), the cross-kernel claims compare the two guests (same machine kind) and not the host, the
# chart and the report exist; on two CPUs each guest's run is split in two parts (each its own
# boot) and joined, so that the third kernel does not run alone; a kernel that is not installed
# fails its run while the others still merge; a bad KERNELS word is one line; each kernel has the
# sleeper's claims, the short-window table and the wake-up rows; the slice sweep ran on 6.12 and
# says skip naming 6.1 there.
. "$(dirname "$0")/../lib.sh"
name="experiment-kernels"
need_root "$name" || finish
B=$TOP/build/bin # the guests need the static plain build, whatever BIN is
need_bins "$name" "$B" lab labmerge engine cpu_hog wakeup_hog
command -v qemu-system-x86_64 >/dev/null || { skip "$name" "qemu-system-x86_64 not installed"; finish; }
. "$TOP/tests/vm/vmlib.sh"
vm_find_kernels "6.1 6.12" || { skip "$name" "$vm_why"; finish; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/def.conf" <<'DEF'
cpu = 0
rootfs = rootfs/base
[pairs]
nice = 15
work_ms = 500
repetitions = 2
[mix]
enabled = 0
[weights]
enabled = 0
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
nice = 0
duration_ms = 300
repetitions = 1
[sleeper]
enabled = 1
demand = 50
duration_ms = 400
repetitions = 3
[shortwin]
enabled = 1
duration_ms = 500
windows = 1 4 16
repetitions = 1
[slice]
enabled = 1
slice_us = 100 3000
duration_ms = 300
repetitions = 1
DEF
if RESULTS=$tmp/res KERNELS="host 6.1 6.12" "$TOP/ci/experiment-kernels.sh" "$tmp/def.conf" >"$tmp/out" 2>"$tmp/err"; then
	ok "$name: host, 6.1 and 6.12 ran and merged ($(grep -o 'in [0-9]* s' "$tmp/err" | tail -1))"
else
	fail "$name: host, 6.1 and 6.12 ran and merged" "$(tail -5 "$tmp/err" | tr '\n' ' ')"
fi
d=$tmp/res/latest
parts=$([ $((3 % $(nproc))) -ne 0 ] && nproc || echo 1)
check "$name: three kernels on $(nproc) CPUs: each guest ran in $parts part(s), joined into one run folder" bash -c '
	for k in 6.1 6.12; do
		if [ "$2" -gt 1 ]; then
			grep -qx "joined=$2 parts (lab --join)" "$1/$k/meta" && grep -q "^join_part_$2=" "$1/$k/meta" &&
				grep -q "^- $k ran as $2 parts, each its own boot" "$1/REPORT.md" || exit 1
		else ! grep -q "^joined=" "$1/$k/meta" || exit 1; fi
	done
	[ ! -e "$1/.parts" ]' _ "$(readlink -f "$d")" "$parts"
src() { awk -F, -v r="$1" -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["run"] == r { print $c[k] }' "$d/sources.csv"; }
hv=$(uname -r)
hs=$(awk -v v="$hv" 'BEGIN { split(v, a, "."); print (a[1] > 6 || (a[1] == 6 && a[2] + 0 >= 6)) ? "EEVDF" : "CFS" }')
check "$name: 6.1 is named CFS, 6.12 EEVDF, the host ($hv) $hs" \
	test "$(src 6.1 scheduler) $(src 6.12 scheduler) $(src host scheduler)" = "CFS EEVDF $hs"
check "$name: the guests' rows are tagged qemu-*, the host's host" bash -c \
	'[[ $1 == qemu-* && $2 == qemu-* && $3 == host ]]' _ "$(src 6.1 machine)" "$(src 6.12 machine)" "$(src host machine)"
check "$name: each kernel's rows carry its kernel release" bash -c '
	grep -q "^6.1,[^,]*,6.1.0-[^,]*,CFS,qemu-" "$1/summary.csv" && grep -q "^6.12,[^,]*,6.12.[^,]*,EEVDF,qemu-" "$1/summary.csv" &&
	grep -q "^host,[^,]*,$2,$3,host," "$1/summary.csv"' _ "$d" "$hv" "$hs"
# A guest's noise under tcg can be too wide to tell one nice step apart at this short window
# (experiments/README.md: one step resolved, or no verdict): its claim then says so.
check "$name: every kernel has its share claims, with data (true, false, or no verdict that says why)" bash -c '
	for r in host 6.1 6.12; do
		[ "$(grep -c "^$r,.*,pairs/0-vs-15/.*,share,[0-9.]*,.*,\(true\|false\|no-data,.*cannot tell one step apart\)" "$1/claims.csv")" -eq 2 ] || exit 1
	done' _ "$d"
check "$name: the cross-kernel claims compare 6.1 with 6.12, and not the host" bash -c '
	[ "$(grep -c "^6.1~6.12,.*,across/6.1~6.12/pairs/0-vs-15/" "$1/claims.csv")" -eq 2 ] && ! grep -q "^host~\|~host," "$1/claims.csv"' _ "$d"
check "$name: the chart is rendered" bash -c '[ -s "$1/kernels.png" ] && [ -s "$1/kernels.svg" ]' _ "$d"
check "$name: the report names each kernel's scheduler and renders every claim" bash -c '
	grep -q "^| 6.1 | 6.1.0-.* | CFS | qemu-" "$1/REPORT.md" && grep -q "^| 6.12 | 6.12.* | EEVDF | qemu-" "$1/REPORT.md" &&
	[ "$(grep -c "^\[\(true\|false\)\] " "$1/REPORT.md")" -eq "$(($(wc -l <"$1/claims.csv") - 1))" ]' _ "$d"
check "$name: every kernel has the sleeper's two claims at demand 50 (its demand, no credit), with data" bash -c '
	for r in host 6.1 6.12; do
		[ "$(grep -c "^$r,.*,sleeper/demand-50/sleeper/share_\(demand\|nocredit\),[^,]*,[^,]*,[^,]*,[^,]*,[0-9][0-9.]*," "$1/claims.csv")" -eq 2 ] || exit 1
	done' _ "$d"
check "$name: every kernel has its short-window errors at 1, 4 and 16 ticks" bash -c '
	for r in host 6.1 6.12; do [ "$(grep -c "^$r,.*,0-vs-10,10,\(1\|4\|16\),[0-9.]*,[1-9]" "$1/shortwin.csv")" -eq 3 ] || exit 1; done' _ "$d"
check "$name: every kernel has its wake-up delay rows" bash -c '
	for r in host 6.1 6.12; do grep -q "^$r,.*,wakeup,sleeper-nice0,.*,delay_p99," "$1/summary.csv" || exit 1; done' _ "$d"
check "$name: the slice sweep ran on 6.12 and says skip on 6.1, naming the kernel" bash -c '
	grep -q "^6.12,.*,slice,slice-100us,.*,delay_p99," "$1/summary.csv" && grep -q "^6.1,.*,skip: .*6\.1\.0-" "$1/sources.csv" &&
	! grep -q "^6.1,.*,slice,slice-100us,.*,share," "$1/summary.csv" && grep -q "^- 6.1: skip: " "$1/REPORT.md"' _ "$d"
check "$name: the new cases' charts are rendered" bash -c '
	for c in kernels_wakeup kernels_sleeper kernels_shortwin wakeup-6.1 wakeup-6.12; do [ -s "$1/$c.png" ] || exit 1; done' _ "$d"
check "$name: two kernels ran side by side (KERNELS_JOBS defaults to the $(nproc) CPUs)" bash -c '
	[ "$(nproc)" -lt 2 ] && exit 0
	awk "!started && /^experiment-kernels: 6.1: running/ { started = NR } /^experiment-kernels: host: finished/ { done = NR }
		END { exit !(started && done && started < done) }" "$1"' _ "$tmp/err"
# Where this machine kind has a guest's noise file, that guest's claims stand on it.
for k in 6.1 6.12; do
	m=$(src "$k" machine) series=$(src "$k" kernel | cut -d. -f1-2)
	f=experiments/noise/c-$m-$series.csv
	if [ -f "$TOP/$f" ]; then
		check "$name: $k's share claims stand on $f" bash -c '
			[ "$(grep -c "^$2,.*,pairs/0-vs-15/.*,share,.*,noise:$3 " "$1/claims.csv")" -eq 2 ]' _ "$d" "$k" "c-$m-$series"
	else
		check "$name: $k has no noise file ($f) and the run says so" grep -q "^experiment-kernels: $k: no noise file $f" "$tmp/err"
	fi
done
check "$name: progress lines name the kernel that runs" bash -c 'grep -q "^vm-lab: 6.12[^:]*: lab: \[1/[0-9]*\]" "$1" && grep -q "^experiment-kernels: host: lab: \[1/[0-9]*\]" "$1"' _ "$tmp/err"

RESULTS=$tmp/res2 KERNELS="host 9.99" "$TOP/ci/experiment-kernels.sh" "$tmp/def.conf" >/dev/null 2>"$tmp/err2"
rc=$?
check "$name: a kernel that is not installed fails the run (exit 1), naming it" bash -c \
	'[ $1 -eq 1 ] && grep -q "9.99: the guest run failed" "$2" && grep -q "no installed kernel with headers matches .9.99." "$2"' _ $rc "$tmp/err2"
check "$name: the other kernels still merge and render" bash -c '[ -s "$1/REPORT.md" ] && grep -q "^host," "$1/summary.csv"' _ "$tmp/res2/latest"
out=$(KERNELS="host bogus" "$TOP/ci/experiment-kernels.sh" "$tmp/def.conf" 2>&1)
check "$name: a bad KERNELS word is one line, exit 2" bash -c '[ $1 -eq 2 ] && [ $(wc -l <<<"$2") -eq 1 ] && grep -q "bogus" <<<"$2"' _ $? "$out"
finish
