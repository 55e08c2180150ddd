#!/usr/bin/env bash
# Integration test of the memory-limit lab: a small definition (proc and cgroup, 10 ms and 50 ms,
# one rate) run by memlab into a private results folder must leave every file of a run folder,
# kill every hog at its hard limit, keep the cgroup's RSS at kill within the limit, put the proc
# overshoot between 0 and a few periods' worth, and survive a summary round trip; report charts
# render; a bad definition stops it with one line.
. "$(dirname "$0")/../lib.sh"
need_root "memlimits quick run" || finish
[ -x "$BIN/memlab" ] && [ -x "$BIN/engine" ] || { skip "memlimits quick run" "build/bin/memlab or engine not built"; finish; }
[ -x rootfs/base/memory_hog ] || { skip "memlimits quick run" "rootfs/base/memory_hog missing (make rootfs)"; finish; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/def.conf" <<'DEF'
sample_ms = 1
rootfs = rootfs/base
[memdemo]
backends = proc
period_ms = 50
rate = 40
soft_mib = 10
hard_mib = 20
[overshoot]
backends = proc cgroup
period_ms = 10 50
rate = 200
soft_mib = 16
hard_mib = 32
repetitions = 2
[moncost]
backends = proc
period_ms = 10
count = 1 3
duration_ms = 300
DEF
if "$BIN/memlab" --results "$tmp/res" "$tmp/def.conf" 2>"$tmp/err"; then ok "memlab runs a small definition"; else fail "memlab runs a small definition" "$(tail -3 "$tmp/err")"; fi
run="$tmp/res/latest"
for f in samples.csv runs.csv cost.csv summary.csv meta definition.conf; do
	check "run folder has $f" test -s "$run/$f"
done
check "runs.csv: 9 runs (1 demo + 2 backends x 2 periods x 2 reps), all ok and killed" \
	awk -F, 'NR > 1 { n++; bad += $28 != 1 || ($11 != "hard-limit" && $11 != "oom") } END { exit !(n == 9 && bad == 0) }' "$run/runs.csv"
check "cgroup: RSS at kill never above the hard limit" \
	awk -F, 'NR > 1 && $5 == "cgroup" { n++; if ($24 > 0) bad++ } END { exit !(n == 4 && bad == 0) }' "$run/runs.csv"
check "proc: overshoot between 0 and 3 periods of allocation at the measured rate" \
	awk -F, 'NR > 1 && $5 == "proc" && $4 == "overshoot" { n++; if ($24 < 0 || $24 > 3 * $12 * $6 / 1000 + 1) bad++ } END { exit !(n == 4 && bad == 0) }' "$run/runs.csv"
# One soft event per proc run, timed near the crossing the runner saw: the two sample RSS on
# their own clocks, so a few ms either side is sampling, not a wrong event; a busy shared
# machine can delay the supervisor's tick by tens of ms, hence the slack above 3 periods.
check "proc: one soft event per run, from 5 ms before to 3 periods + 50 ms after the crossing" \
	awk -F, 'NR > 1 && $5 == "proc" { n++; if ($17 != 1 || $15 == "" || $15 < -5 || $15 > 3 * $6 + 50) { bad++; print "run " $2 ": " $17 " soft events, delay " $15 " ms at " $6 " ms" } } END { exit !(n == 5 && bad == 0) }' "$run/runs.csv"
check "samples.csv holds RSS growing to the hard limit for the demo run" \
	awk -F, '$2 == 1 && $4 > m { m = $4 } END { exit !(m >= 20 * 1024) }' "$run/samples.csv"
check "cost.csv: CPU per tick measured for 1 and 3 containers" \
	awk -F, 'NR > 1 && $9 > 0 { n++ } END { exit !(n == 2) }' "$run/cost.csv"
cp "$run/summary.csv" "$tmp/summary.before"
check "memlab --summarize recomputes the same summary from the CSVs" \
	sh -c "'$BIN/memlab' --summarize '$run' && cmp -s '$run/summary.csv' '$tmp/summary.before'"
if command -v gnuplot >/dev/null; then
	report/memreport.sh "$run" >"$tmp/claims" 2>"$tmp/rerr"
	check "the report renders the demo, overshoot, delay and cost charts" \
		test -s "$run/mem_demo_host_proc.png" -a -s "$run/mem_overshoot.svg" -a -s "$run/mem_delay.png" -a -s "$run/mem_cost.png"
	check "REPORT.md holds the cgroup claim" grep -q '^\[true\] cgroup hard limit (host)' "$run/REPORT.md"
else
	skip "memlimits report" "gnuplot not installed"
fi
printf '[overshoot]\nrate = 0\n' >"$tmp/bad.conf"
"$BIN/memlab" --results "$tmp/res" "$tmp/bad.conf" 2>"$tmp/err"
check "a bad definition stops memlab with exit 2 and one line naming the key" \
	sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$tmp/err') -eq 1 ] && grep -q \"key 'rate'\" '$tmp/err'"
finish
