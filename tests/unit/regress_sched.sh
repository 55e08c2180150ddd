#!/usr/bin/env bash
# ci/regress-sched on synthetic lab runs (no root, nothing is run): a run that matches passes; a
# share 5 points off, a stretched completion-time ratio, a tampered baseline and a missing case fail
# with exit 1 and the case named; an outlier that passes on its re-run is reported as retried.
. "$(dirname "$0")/../lib.sh"
RS=$TOP/ci/regress-sched
BASE=$TOP/results/baseline/cfs-quick.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check "the committed baseline has its provenance (revision, kernel, definition)" bash -c \
	'grep -q "^git_revision=." "$1" && grep -q "^kernel=." "$1" && grep -q "^definition_sha256=." "$1"' _ "${BASE%.csv}.meta"
mkdir "$tmp/self" && cp "$BASE" "$tmp/self/summary.csv"
check "the committed baseline compared with itself passes" "$RS" --baseline "$BASE" --against "$tmp/self"

# ideal DIR: a run folder whose every mean equals theory (ci95 0.3 for shares), built from the
# baseline's rows, on an idle machine (no load-corrected ratio theory).
ideal() {
	mkdir -p "$1"
	awk -F, -v OFS=, '$8 == "wall_ratio_avail" { next } NR > 1 { $12 = $11; $13 = $8 == "share" ? 0.3 : 0.02; $14 = 0 } 1' "$BASE" >"$1/summary.csv"
}
# shift DIR CASE CONTAINER METRIC BY: adds BY to one mean (a pair's other share moves the other way).
shift_mean() {
	awk -F, -v OFS=, -v c="$2" -v ct="$3" -v m="$4" -v by="$5" '
		$2 == c && $8 == m && $5 == ct { $12 += by }
		$2 == c && $8 == m && m == "share" && $5 != ct && $1 != "mix" { $12 -= by } 1' "$1/summary.csv" >"$1/s.new" &&
		mv "$1/s.new" "$1/summary.csv"
}
ideal "$tmp/good"
cp "$tmp/good/summary.csv" "$tmp/ideal.csv"

out=$("$RS" --baseline "$tmp/ideal.csv" --against "$tmp/good" --tap 2>&1)
rc=$?
check "an ideal run passes (exit 0)" test "$rc" -eq 0
check "every case passes and is counted" grep -q '^regress-sched: 5 passed, 0 failed' <<<"$out"
check "--tap prints one ok line per case" test "$(grep -c '^ok - regress-sched ' <<<"$out")" -eq 5
check "the table has theory, baseline, now, delta, verdict columns" \
	grep -Eq '^  pairs/0-vs-15 +share b-nice15 +3\.40 +3\.40±0\.30 +3\.40±0\.30 +\+0\.00 pp +pass$' <<<"$out"

# The nice-15 share off by 5 points, in every attempt: a regression.
ideal "$tmp/off"
shift_mean "$tmp/off" 0-vs-15 b-nice15 share 5
out=$("$RS" --baseline "$tmp/ideal.csv" --against "$tmp/off" --against "$tmp/off" --against "$tmp/off" \
	--tap --junit "$tmp/junit.xml" 2>&1)
rc=$?
check "nice-15 share 5 points off: exit 1" test "$rc" -eq 1
check "nice-15 share 5 points off: the failing case is named with its reason" \
	grep -q '^FAIL  pairs/0-vs-15 .*share b-nice15 8\.40 is +5\.00 pp from theory 3\.40 (tolerance 1\.5 pp) (failed 3 attempts)' <<<"$out"
check "nice-15 share 5 points off: the table marks theory and baseline" \
	grep -Eq '^  pairs/0-vs-15 +share b-nice15 .*FAIL theory\+baseline$' <<<"$out"
check "nice-15 share 5 points off: it was re-run twice" grep -q '^re-run 2 of 2: ' <<<"$out"
check "nice-15 share 5 points off: closing line" grep -q '^regress-sched: 4 passed, 1 failed' <<<"$out"
check "nice-15 share 5 points off: --tap names the case" \
	grep -q '^not ok - regress-sched pairs/0-vs-15: share b-nice15' <<<"$out"
check "JUnit: 5 tests, 1 failure on pairs/0-vs-15" bash -c \
	'grep -q "<testsuite name=\"regress-sched\" tests=\"5\" failures=\"1\"" "$1" &&
	 grep -A1 "name=\"pairs/0-vs-15\"" "$1" | grep -q "<failure message=\"share b-nice15"' _ "$tmp/junit.xml"

# A tampered baseline (nice-15 share moved 5 points) fails an ideal run on the baseline check alone.
ideal "$tmp/tb"
shift_mean "$tmp/tb" 0-vs-15 b-nice15 share 5
out=$("$RS" --baseline "$tmp/tb/summary.csv" --against "$tmp/good" 2>&1)
rc=$?
check "tampered baseline: exit 1" test "$rc" -eq 1
check "tampered baseline: the case fails against the baseline, not theory" \
	grep -q '^FAIL  pairs/0-vs-15 .*share b-nice15 3\.40 outside the baseline 8\.40±0\.30 widened to 6\.60\.\.10\.20' <<<"$out"
check "tampered baseline: only that case fails" grep -q '^regress-sched: 4 passed, 1 failed' <<<"$out"

# One noisy outlier that passes on its re-run: retried, not failed; only the failed case is re-read.
cp -r "$tmp/off" "$tmp/outlier"
shift_mean "$tmp/outlier" 400-vs-100 b-w100 share -3
mkdir -p "$tmp/rerun"
grep -e '^experiment,' -e ',0-vs-15,' "$tmp/good/summary.csv" >"$tmp/rerun/summary.csv"
out=$("$RS" --baseline "$tmp/ideal.csv" --against "$tmp/outlier" --against "$tmp/rerun" --against "$tmp/good" \
	--tap --junit "$tmp/junit.xml" 2>&1)
rc=$?
check "outlier that passes on re-run: exit 0" test "$rc" -eq 0
check "outlier that passes on re-run: reported as retried with the first failure" \
	grep -q '^pass  pairs/0-vs-15 .*retried: passed on attempt 2; attempt 1: share b-nice15 8\.40 is +5\.00 pp' <<<"$out"
check "a second outlier passes on the third attempt" \
	grep -q '^pass  weights/400-vs-100 .*retried: passed on attempt 3; attempt 1: share b-w100 17\.00' <<<"$out"
check "outlier: closing line counts the retried cases as passed" \
	grep -q '^regress-sched: 5 passed, 0 failed (2 retried)' <<<"$out"
check "outlier: --tap says ok and retried" grep -q '^ok - regress-sched pairs/0-vs-15 (retried: ' <<<"$out"
check "outlier: JUnit records the retry" grep -q '<system-out>retried: passed on attempt 2' "$tmp/junit.xml"

# The completion-time ratio is gated too: slower/faster 20 % longer than theory.
ideal "$tmp/slow"
shift_mean "$tmp/slow" 0-vs-5 b-nice5 wall_ratio 0.3
out=$("$RS" --baseline "$tmp/ideal.csv" --against "$tmp/slow" 2>&1)
rc=$?
check "ratio 20 % off: exit 1 naming the case and the ratio" \
	test "$rc" -eq 1 -a -n "$(grep '^FAIL  pairs/0-vs-5 .*time b-nice5/a-nice0 1\.807 is +19\.91 %' <<<"$out")"
check "a ratio 20 % off passes under --ratio-tolerance 25" \
	"$RS" --baseline "$tmp/ideal.csv" --against "$tmp/slow" --ratio-tolerance 25

# Where the run has the lab's load-corrected ratio theory (wall_ratio_avail), the ratio is held
# against that: the same stretched ratio passes when the machine's load predicts it.
awk -F, -v OFS=, '1; $2 == "0-vs-5" && $8 == "wall_ratio" && $5 == "b-nice5" { $8 = "wall_ratio_avail"; $11 = $12; print }' \
	"$tmp/slow/summary.csv" >"$tmp/slow/s" && mv "$tmp/slow/s" "$tmp/slow/summary.csv"
out=$("$RS" --baseline "$tmp/slow/summary.csv" --against "$tmp/slow" 2>&1)
rc=$?
check "a ratio the load-corrected theory predicts passes, marked as corrected" test "$rc" -eq 0 -a \
	-n "$(grep -E '^  pairs/0-vs-5 +time b-nice5/a-nice0 +1\.807\* .* pass$' <<<"$out")" -a -n "$(grep '^  \* theory corrected' <<<"$out")"

# A baseline recorded on a loaded day (ratio 1.9, predicted 1.9 for that load) still holds for an
# idle run (ratio 1.6, predicted 1.6): each is compared relative to its own corrected theory.
avail_row() { # DIR RATIO: sets the weight pair's measured ratio and its corrected theory to RATIO
	awk -F, -v OFS=, -v r="$2" '$2 == "400-vs-100" && $8 == "wall_ratio" && $5 == "b-w100" { $12 = r; print; $8 = "wall_ratio_avail"; $11 = r } 1' \
		"$1/summary.csv" >"$1/s" && mv "$1/s" "$1/summary.csv"
}
ideal "$tmp/loaded" && avail_row "$tmp/loaded" 1.9
ideal "$tmp/idle" && avail_row "$tmp/idle" 1.6
check "a loaded-day baseline ratio holds for an idle run (both load-corrected)" \
	"$RS" --baseline "$tmp/loaded/summary.csv" --against "$tmp/idle"
grep -v wall_ratio_avail "$tmp/loaded/summary.csv" >"$tmp/loaded-raw.csv"
out=$("$RS" --baseline "$tmp/loaded-raw.csv" --against "$tmp/idle" 2>&1)
check "without the baseline's correction the raw ratios are compared (and differ)" \
	grep -q '^FAIL  weights/400-vs-100 .*time b-w100/a-w400 1\.600 outside the baseline 1\.900' <<<"$out"

# --tolerance is honoured: a 1-point shift passes at the default and fails at 0.5.
ideal "$tmp/one"
shift_mean "$tmp/one" mix nice3 share 1
check "a 1-point shift in the mix passes at the default tolerance" \
	"$RS" --baseline "$tmp/ideal.csv" --against "$tmp/one"
out=$("$RS" --baseline "$tmp/ideal.csv" --against "$tmp/one" --tolerance 0.5 2>&1)
rc=$?
check "a 1-point shift fails at --tolerance 0.5, naming the mix" \
	test "$rc" -eq 1 -a -n "$(grep '^FAIL  mix .*share nice3 26\.25 is +1\.00 pp' <<<"$out")"

# A case missing from the run fails rather than passing unnoticed.
ideal "$tmp/nomix"
awk -F, '$1 != "mix"' "$tmp/nomix/summary.csv" >"$tmp/nomix/s" && mv "$tmp/nomix/s" "$tmp/nomix/summary.csv"
out=$("$RS" --baseline "$tmp/ideal.csv" --against "$tmp/nomix" 2>&1)
rc=$?
check "a case missing from the run fails" \
	test "$rc" -eq 1 -a -n "$(grep '^FAIL  mix .*not measured in this run' <<<"$out")"

# Bad input: one line on stderr, exit 2.
bad() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$RS" "$@" 2>&1 >/dev/null)
	rc=$?
	check "$name" test "$rc" -eq 2 -a "$(printf '%s\n' "$out" | wc -l)" -eq 1 -a -n "$(grep -F -e "$want" <<<"$out")"
}
bad "bad --tolerance" "--tolerance 'x': expected a positive number" --tolerance x --against "$tmp/good"
bad "zero --ratio-tolerance" "--ratio-tolerance '0'" --ratio-tolerance 0 --against "$tmp/good"
bad "--against without a run" "no summary.csv there" --against "$tmp/none"
bad "four --against runs" "at most 3" --against "$tmp/good" --against "$tmp/good" --against "$tmp/good" --against "$tmp/good"
bad "missing baseline" "not found (make baseline writes it)" --baseline "$tmp/none.csv" --against "$tmp/good"
bad "unknown option" "unknown argument '--fast'" --fast
printf 'a,b\n1,2\n' >"$tmp/junk.csv"
bad "a baseline that is not a summary" "junk.csv: not a lab summary.csv" --baseline "$tmp/junk.csv" --against "$tmp/good"
finish
