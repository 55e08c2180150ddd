#!/usr/bin/env bash
# The scheduler-timing gate for real (root): ci/regress-sched runs the quick cases through the lab and
# the engine against the committed baseline, one ok/not ok line per case; then a small run against a
# tampered baseline must fail and re-run only the failed case, twice, through the lab.
. "$(dirname "$0")/../lib.sh"
need_root "regress-sched" || finish
for f in "$BIN/lab" "$BIN/engine" "$TOP/rootfs/base/cpu_hog"; do
	[ -x "$f" ] || { skip "regress-sched" "${f#"$TOP"/} not built (make all rootfs)"; finish; }
done
RS=$TOP/ci/regress-sched
BASE=$TOP/results/baseline/cfs-quick.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$RS" --tap --lab "$BIN/lab" --results "$tmp/res" --junit "$tmp/junit.xml" >"$tmp/out" 2>&1
rc=$?
grep -e '^ok - ' -e '^not ok - ' "$tmp/out"
grep -q '^not ok - ' "$tmp/out" && sed -n '/^  case /,/^regress-sched: /p' "$tmp/out" | sed 's/^/# /'
check "regress-sched exits 0 exactly when every case passed" \
	test "$rc" -eq "$(grep -q '^not ok - ' "$tmp/out" && echo 1 || echo 0)"
check "regress-sched closes with its count" grep -q '^regress-sched: [0-9]* passed, [0-9]* failed' "$tmp/out"
check "JUnit file has one testcase per case" \
	test "$(grep -c '<testcase ' "$tmp/junit.xml")" -eq "$(grep -c -e '^ok - ' -e '^not ok - ' "$tmp/out")"
check "the run folder keeps the lab's log beside its CSVs" test -s "$tmp/res/latest/lab.log" -a -s "$tmp/res/latest/summary.csv"

# A small definition (the nice-15 pair, the weight pair, short work) against a baseline whose nice-15 share
# is 5 points off: the case fails, is re-run alone twice, and the exit status is 1.
cat >"$tmp/small.conf" <<'DEF'
[pairs]
nice = 15
work_ms = 500
repetitions = 2
[mix]
enabled = 0
[weights]
weights = 400:100
work_ms = 200
repetitions = 2
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
enabled = 0
DEF
# Short weight-pair work moves its ratio away from the baseline's (500 ms): --ratio-tolerance 30 below.
awk -F, -v OFS=, '$1 == "mix" || $2 == "0-vs-5" || $2 == "0-vs-10" { next }
	$2 == "0-vs-15" && $8 == "share" { $12 += $5 == "b-nice15" ? 5 : -5 } 1' "$BASE" >"$tmp/tampered.csv"
"$RS" --lab "$BIN/lab" --definition "$tmp/small.conf" --results "$tmp/small" --baseline "$tmp/tampered.csv" \
	--ratio-tolerance 30 >"$tmp/out2" 2>&1
rc=$?
check "tampered baseline, real runs: exit 1" test "$rc" -eq 1
check "tampered baseline, real runs: pairs/0-vs-15 named as failed after 3 attempts" \
	grep -q '^FAIL  pairs/0-vs-15 .*(failed 3 attempts)' "$tmp/out2"
check "tampered baseline, real runs: every attempt fails the baseline comparison" \
	test "$(grep -cE '^  pairs/0-vs-15 +share b-nice15 .*FAIL (theory\+)?baseline$' "$tmp/out2")" -eq 3
check "tampered baseline, real runs: 3 lab runs, the re-runs hold only the failed case" bash -c '
	set -- "$1"/2*/runs.csv
	[ $# -eq 3 ] || exit 1
	n=0
	for f; do [ "$(awk -F, "NR > 1 { print \$4 }" "$f" | sort -u | tr "\n" " ")" = "0-vs-15 " ] && n=$((n + 1)); done
	[ "$n" -eq 2 ]' _ "$tmp/small"
sed 's/^/# /' "$tmp/out2" | grep -e 'FAIL' -e '^# regress-sched:'
finish
