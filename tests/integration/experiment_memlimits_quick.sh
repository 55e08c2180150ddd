#!/usr/bin/env bash
# Integration test of the memory-limit lab: a small definition (proc and cgroup, 10 ms and 50 ms,
# one rate, 10 repetitions so that the 50 ms claims can reach a verdict) run by memlab into a
# private results folder must leave every file of a run folder, kill every hog at its hard limit,
# and write claims.csv whose verdicts hold: every run killed, the cgroup's anonymous statm peak
# under the limit, proc's overshoot uniform over the period at 50 ms. The same folder with proc
# one tick late and the cgroup peak 3 MiB over the limit must turn those claims false. Summary round trip; report charts render; a bad definition
# stops it with one line. Columns by header name (report/csv.sh).
# test-timeout: 300
. "$(dirname "$0")/../lib.sh"
. "$TOP/report/csv.sh"
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
repetitions = 10
[moncost]
backends = proc
period_ms = 10
count = 1 3
duration_ms = 300
repetitions = 2
DEF
if "$BIN/memlab" --results "$tmp/res" "$tmp/def.conf" 2>"$tmp/err"; then ok "memlab runs a small definition"; else fail "memlab runs a small definition" "$(tail -3 "$tmp/err")"; fi
run="$tmp/res/latest"
for f in samples.csv runs.csv cost.csv summary.csv claims.csv meta definition.conf; do
	check "run folder has $f" test -s "$run/$f"
done
check "runs.csv: 41 runs (1 demo + 2 backends x 2 periods x 10 reps), all ok and killed, with kernel and monitor_mode" \
	csv_awk 'FNR > 1 { n++; bad += get("ok") != 1 || (get("state") != "hard-limit" && get("state") != "oom") || get("kernel") == "" || get("monitor_mode") != "-" }
		END { exit !(n == 41 && bad == 0) }' "$run/runs.csv"
# claim VERDICT QUANTITY BACKEND PERIOD: exactly one claims.csv row with that verdict.
claim() {
	csv_awk -v v="$1" -v q="$2" -v b="$3" -v p="$4" 'FNR > 1 && get("quantity") == q && get("backend") == b && get("period_ms") == p {
		n++; if (get("verdict") == v) hit++; else print get("verdict") ": " get("sentence") } END { exit !(n == 1 && hit == 1) }' "$5"
}
check "claims: every proc run killed" claim true killed proc -1 "$run/claims.csv"
check "claims: every cgroup run killed" claim true killed cgroup -1 "$run/claims.csv"
check "claims: cgroup's anonymous statm peak never above the limit" claim true anon_peak cgroup -1 "$run/claims.csv"
# proc at 50 ms: 20 runs, tolerance z99 x max(sd, 0.289) / sqrt(20) = 0.17 of the range; the
# supervisor's reading and the kill's delivery add a few ms of growth (2..5 ms in this lab's
# runs: 0.04..0.1 of 50 ms), inside it.
# On a machine loaded enough that the poller's ticks slip (load 10 here, other labs and guests on
# the same CPUs: 10 of 20 runs ok, sd 1.15 of the range) the claim is no-data by its own rule:
# the run cannot support a verdict, and neither can its one-tick-late copy. Said as a skip with
# the claim's sentence; on a machine that can support it both verdicts are asserted.
noisy=$(csv_awk 'FNR > 1 && get("quantity") == "overshoot" && get("backend") == "proc" && get("period_ms") == 50 &&
	get("verdict") == "no-data" && get("sentence") ~ /cannot support a verdict/ { print get("sentence") }' "$run/claims.csv")
if [ -n "$noisy" ]; then
	skip "claims: proc's overshoot at 50 ms is U(0, rate x period)" "this machine's spread leaves it no-data: $noisy"
else
	check "claims: proc's overshoot at 50 ms is U(0, rate x period)" claim true overshoot proc 50 "$run/claims.csv"
fi
cp "$run/summary.csv" "$tmp/summary.before"
check "memlab --summarize recomputes the same summary from the CSVs" \
	sh -c "'$BIN/memlab' --summarize '$run' && cmp -s '$run/summary.csv' '$tmp/summary.before'"
# A wrong result: the same runs with proc one tick late every time (a period's growth added to
# each overshoot: mean 1.5 of the range, spread unchanged) and cgroup's peak 3 MiB over.
mkdir "$tmp/wrong" && cp "$run"/{runs.csv,cost.csv,meta} "$tmp/wrong/"
csv_awk -v OFS=, 'FNR > 1 && get("backend") == "proc" { $col["overshoot_mib"] = get("overshoot_mib") + get("rate_mibs") * get("period_ms") / 1000 }
	FNR > 1 && get("backend") == "cgroup" { $col["peak_sample_kib"] = get("peak_sample_kib") + get("file_rss_kib") + 3072 } { print }' \
	"$run/runs.csv" >"$tmp/wrong/runs.csv"
"$BIN/memlab" --summarize "$tmp/wrong" 2>"$tmp/werr"
if [ -n "$noisy" ]; then
	skip "proc one tick late makes its 50 ms overshoot claim false" "the honest run was no-data already (above)"
else
	check "proc one tick late makes its 50 ms overshoot claim false" claim false overshoot proc 50 "$tmp/wrong/claims.csv"
fi
check "cgroup 3 MiB over the limit makes its claim false" claim false anon_peak cgroup -1 "$tmp/wrong/claims.csv"
if command -v gnuplot >/dev/null; then
	report/memreport.sh "$run" >"$tmp/claims" 2>"$tmp/rerr"
	check "the report renders the demo, overshoot, delay and cost charts" \
		sh -c "ls '$run'/mem_demo_host_*_proc.png >/dev/null && test -s '$run/mem_overshoot.svg' -a -s '$run/mem_delay.png' -a -s '$run/mem_cost.png'"
	check "REPORT.md holds claims.csv's cgroup claim" grep -q '^\[true\] cgroup host .*anonymous' "$run/REPORT.md"
else
	skip "memlimits report" "gnuplot not installed"
fi
printf '[overshoot]\nrate = 0\n' >"$tmp/bad.conf"
"$BIN/memlab" --results "$tmp/res" "$tmp/bad.conf" 2>"$tmp/err"
check "a bad definition stops memlab with exit 2 and one line naming the key" \
	sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$tmp/err') -eq 1 ] && grep -q \"key 'rate'\" '$tmp/err'"
finish
