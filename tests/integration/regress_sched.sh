#!/usr/bin/env bash
# The scheduler-timing gate for real (root): ci/regress-sched runs the quick cases through the lab and
# the engine against the committed baseline, and on a correct kernel every case must pass (its own
# per-case lines are shown as comments); then a small run against a tampered baseline must fail that
# case only and re-run it, twice, through the lab.
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
sed 's/^/# /' "$tmp/out" | grep -e '^# ok - ' -e '^# not ok - ' -e '^# FAIL'
grep -q '^not ok - ' "$tmp/out" && sed -n '/^  case /,/^regress-sched: /p' "$tmp/out" | sed 's/^/# /'
# The cases of experiments/regress.conf; a correct kernel passes each against the committed baseline.
cases="mix pairs/0-vs-10 pairs/0-vs-15 pairs/0-vs-5 weights/400-vs-100"
check "committed baseline: regress-sched exits 0 (exit $rc)" test "$rc" -eq 0
check "committed baseline: every case of regress.conf passes, and only those are reported" \
	test "$(sed -n 's/^ok - regress-sched //p' "$tmp/out" | sort | tr '\n' ' ')" = "$cases " -a \
	"$(grep -c -e '^ok - ' -e '^not ok - ' "$tmp/out")" -eq 5
check "committed baseline: all 15 checks of the table (6 pairs, 7 mix, 2 weights) say pass" \
	test "$(grep -cE '^  (pairs|mix|weights)[^ ]* +(share|time) .* pass$' "$tmp/out")" -eq 15 -a \
	"$(grep -cE '^  (pairs|mix|weights)[^ ]* +(share|time) .* FAIL' "$tmp/out")" -eq 0
check "committed baseline: it closes with 5 passed, 0 failed" grep -q '^regress-sched: 5 passed, 0 failed' "$tmp/out"
check "committed baseline: JUnit has 5 testcases and no failure" \
	test "$(grep -c '<testcase ' "$tmp/junit.xml")" -eq 5 -a "$(grep -c '<failure' "$tmp/junit.xml")" -eq 0
# The pass verdicts, recomputed from the lab's own rows: in some attempt (the first or a re-run),
# every CPU share of the case lies within the gate's 1.5 pp of theory.
check "committed baseline: the lab's shares agree with the pass verdicts (within 1.5 pp of theory)" \
	test "$(awk -F, '$8 == "share" { k = ($1 == "mix" ? "mix" : $1 "/" $2); seen[FILENAME, k] = 1; cases[k] = 1
		if ($14 > 1.5 || $14 < -1.5) bad[FILENAME, k] = 1 }
		END { for (c in cases) for (fk in seen) { split(fk, p, SUBSEP); if (p[2] == c && !((fk) in bad)) { print c; break } } }' \
		"$tmp"/res/2*/summary.csv | sort | tr '\n' ' ')" = "$cases "
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
check "tampered baseline, real runs: exit 1 (exit $rc)" test "$rc" -eq 1
check "tampered baseline, real runs: pairs/0-vs-15 named as failed after 3 attempts" \
	grep -q '^FAIL  pairs/0-vs-15 .*(failed 3 attempts)' "$tmp/out2"
check "tampered baseline, real runs: every attempt fails the baseline comparison" \
	test "$(grep -cE '^  pairs/0-vs-15 +share b-nice15 .*FAIL (theory\+)?baseline$' "$tmp/out2")" -eq 3
check "tampered baseline, real runs: the untampered weight pair still passes" grep -q '^pass  weights/400-vs-100' "$tmp/out2"
check "tampered baseline, real runs: it closes with 1 passed, 1 failed" grep -q '^regress-sched: 1 passed, 1 failed' "$tmp/out2"
check "tampered baseline, real runs: 3 lab runs, the re-runs hold only the failed case" bash -c '
	set -- "$1"/2*/runs.csv
	[ $# -eq 3 ] || exit 1
	n=0
	for f; do [ "$(awk -F, "NR > 1 { print \$4 }" "$f" | sort -u | tr "\n" " ")" = "0-vs-15 " ] && n=$((n + 1)); done
	[ "$n" -eq 2 ]' _ "$tmp/small"
sed 's/^/# /' "$tmp/out2" | grep -e 'FAIL' -e '^# regress-sched:'
finish
