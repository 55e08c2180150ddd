#!/usr/bin/env bash
# ci/regress-sched end to end without root: a stand-in lab writes run folders from synthetic
# runs.csv files and has the real `lab --summarize` derive summary.csv and claims.csv from them
# (tolerances from the committed noise file); the real regress-gate judges. Honest runs pass; a
# one-step shift fails after its re-runs; a shift that a re-run clears is flaky (summary, TAP,
# JUnit); a lab failure and a run short of its repetitions fail and are never re-run or recorded;
# --update-baseline counts provenance first; every gate run adds history rows; bad input is one line.
. "$(dirname "$0")/../lib.sh"
RS=$TOP/ci/regress-sched
DEF=$TOP/experiments/regress.conf
NOISE=$TOP/experiments/noise/c.csv
for f in "$BIN/lab" "$BIN/regress-gate"; do
	[ -x "$f" ] || { skip "regress-sched" "${f#"$TOP"/} not built (make)"; finish; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# runs_csv OUT [SHIFT_CASE SHIFT_CT PP [REPS [ONLY_CASE]]]: a runs.csv of regress.conf's cases
# (pairs 1000 ms, mix 1200 ms, weights 1000 ms of work, as the definition says) whose shares are the
# noise file's theory plus its mean offset scaled to the work (inside the claims' band), each
# repetition off by -1, 0, +1 half noise sd (mean on the reference); SHIFT_CT of SHIFT_CASE gets
# PP more (its pair partner PP less); REPS repetitions (default 3); only ONLY_CASE if given.
runs_csv() {
	awk -F, -v OFS=, -v sc="${2:-}" -v st="${3:-}" -v pp="${4:-0}" -v reps="${5:-3}" -v only="${6:-}" '
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["quantity"] != "share" { next }
	{
		e = $c["experiment"]; k = $c["case"]
		want = (e == "pairs" && (k == "0-vs-5" || k == "0-vs-10" || k == "0-vs-15")) || e == "mix" ||
		       (e == "weights" && k == "400-vs-100")
		if (!want || (only != "" && e "/" k != only)) next
		work = e == "mix" ? 1200 : 1000
		v = $c["theory"] + $c["bias"] * $c["work_ms"] / work
		if (e "/" k == sc) v += ($c["container"] == st ? pp : -pp)
		sd = $c["rel_sd"] * $c["theory"] * $c["work_ms"] / work
		key = e "/" k
		if (!(key in id)) { id[key] = ++ncase; name[ncase] = key }
		row[key, $c["slot"]] = e "," k "," $c["nice"] "," $c["slot"] "," $c["container"] "," $c["nice"] "," $c["weight"]
		share[key, $c["slot"]] = v; spread[key, $c["slot"]] = sd; theory[key, $c["slot"]] = $c["theory"]
		if ($c["slot"] + 1 > slots[key]) slots[key] = $c["slot"] + 1
	}
	END {
		print "run,order,experiment,case,param,rep,slot,container,nice,weight,launcher,pid,wall_s,cpu_ms,wait_ms,share,theory_share,avail_overlap,avail_after,end,ok"
		run = 0
		for (i = 1; i <= ncase; i++)
			for (r = 1; r <= reps; r++) {
				run++
				for (s = 0; s < slots[name[i]]; s++) {
					split(row[name[i], s], f, ",")
					print run, run - 1, f[1], f[2], f[3], r, s, f[5], f[6], f[7], "engine", 100 + s, 1, 500, 0,
					      share[name[i], s] + (r - 2) * 0.5 * spread[name[i], s], theory[name[i], s], 100, 100, "exit 0", 1
				}
			}
	}' "$NOISE" >"$1"
}

# A stand-in for build/bin/lab: attempt N copies $FAKE/N/runs.csv into a run folder with the
# definition it was given and a meta, lets the real lab summarize it, and exits $FAKE/N/exit.
mkdir -p "$tmp/bin"
ln -s "$BIN/regress-gate" "$tmp/bin/regress-gate"
cat >"$tmp/bin/lab" <<EOF
#!/usr/bin/env bash
profile=default results= noise= inject=none
while [ \$# -gt 1 ]; do
	case \$1 in
	--profile) profile=\$2 ;; --results) results=\$2 ;; --noise) noise=\$2 ;; --inject-nice-step) inject=\$2 ;;
	esac
	shift 2
done
n=\$((\$(cat "\$FAKE/count" 2>/dev/null || echo 0) + 1))
echo "\$n" >"\$FAKE/count"
dir=\$results/fake-\$n
mkdir -p "\$dir"
cp "\$FAKE/\$n/runs.csv" "\$dir/" && cp "\$1" "\$dir/definition.conf" || exit 1
printf 'date=2026-01-0%dT00:00:00+0000\ngit_revision=test\nprofile=%s\nautogroup=1\nlauncher=fake\nfault_injection=%s\n' "\$n" "\$profile" "\$inject" >"\$dir/meta"
"$BIN/lab" --summarize "\$dir" --noise "\$noise" 2>/dev/null || exit 1
rc=\$(cat "\$FAKE/\$n/exit" 2>/dev/null || echo 0)
[ "\$rc" -eq 0 ] && echo "lab: done: \$dir" >&2 || echo "lab: 1 run failed; see \$dir" >&2
exit "\$rc"
EOF
chmod +x "$tmp/bin/lab"

# scenario NAME: a fresh $FAKE for the attempts that follow (made with runs_csv into $FAKE/N).
scenario() { export FAKE=$tmp/$1; mkdir -p "$FAKE/1" "$FAKE/2" "$FAKE/3"; }
gate() { "$RS" --lab "$tmp/bin/lab" --results "$FAKE/res" --history "$tmp/history.csv" "$@"; }

# The baseline: an honest run recorded by --update-baseline (provenance counted before writing).
scenario base
runs_csv "$FAKE/1/runs.csv"
before=$(git -C "$TOP" status --porcelain --untracked-files=no | wc -l)
out=$(gate --update-baseline --baseline "$tmp/base.csv" 2>&1)
rc=$?
check "update-baseline of a complete honest run: exit 0 and the baseline written" \
	test "$rc" -eq 0 -a -s "$tmp/base.csv" -a -s "$tmp/base.meta"
check "the baseline holds the 15 share rows of the run's summary" \
	test "$(grep -c ',share,' "$tmp/base.csv")" -eq 15
check "its .meta: uncommitted files as counted before anything was written ($before), kernel, noise" bash -c \
	'grep -qx "uncommitted_files=$2" "$1" && grep -q "^kernel=." "$1" && grep -q "^noise_sha256=[0-9a-f]\{64\}$" "$1" &&
	 grep -q "^definition_sha256=." "$1" && grep -q "^source_run=" "$1"' _ "$tmp/base.meta" "$before"

# Honest: every case passes at once.
scenario honest
runs_csv "$FAKE/1/runs.csv"
out=$(gate --baseline "$tmp/base.csv" --tap --junit "$tmp/honest.xml" 2>&1)
rc=$?
check "an honest run passes (exit 0, one lab run)" test "$rc" -eq 0 -a "$(cat "$FAKE/count")" -eq 1
check "every case passes and is counted" grep -q '^regress-gate: 5 passed, 0 flaky, 0 failed' <<<"$out"
check "--tap prints one ok line per case" test "$(grep -c '^ok - regress-sched ' <<<"$out")" -eq 5
check "the table shows theory, reference, measured, n, and the distances in tolerances" \
	grep -Eq '^  pairs/0-vs-15 +a-nice0 +96\.604 +96\.604 +96\.56[0-9]±[0-9.]+ +3 +-0\.0[0-9] ' <<<"$out"
check "JUnit: 5 tests, no failure, no flaky" bash -c \
	'grep -q "tests=\"5\" failures=\"0\"" "$1" && grep -q "name=\"flaky\" value=\"0\"" "$1" && ! grep -q "<failure\|flakyFailure" "$1"' _ "$tmp/honest.xml"

# One nice step: the nice-15 share of the 0-vs-15 pair at its nice-16 value (2.754 % instead of
# 3.396 %, -0.642 pp; 2.795 % with the noise file's offset) in every attempt: re-run twice, then a
# failure, pooled over 9 repetitions (-5.15 tolerances of 0.117 pp).
scenario step
for n in 1 2 3; do runs_csv "$FAKE/$n/runs.csv" pairs/0-vs-15 b-nice15 -0.642 3 "$([ "$n" -eq 1 ] || echo pairs/0-vs-15)"; done
out=$(gate --baseline "$tmp/base.csv" --tap --junit "$tmp/step.xml" 2>&1)
rc=$?
check "one nice step: exit 1 after 3 lab runs" test "$rc" -eq 1 -a "$(cat "$FAKE/count")" -eq 3
check "one nice step: the case fails, named with its claim" \
	grep -q '^FAIL  pairs/0-vs-15 .*share b-nice15 2\.79[0-9]% is -5\.[0-9]* tolerances from its reference 3\.396% .*attempts pooled) (attempt 3)' <<<"$out"
check "one nice step: the re-runs held only that case" bash -c \
	'[ "$(awk -F, "NR > 1 { print \$3 \"/\" \$4 }" "$1"/res/fake-2/runs.csv | sort -u)" = pairs/0-vs-15 ] &&
	 grep -q "^retry.nice = 15$" "$1"/res/fake-2/definition.conf' _ "$FAKE"
check "one nice step: 4 passed, 0 flaky, 1 failed" grep -q '^regress-gate: 4 passed, 0 flaky, 1 failed' <<<"$out"
check "one nice step: --tap names the case" grep -q '^not ok - regress-sched pairs/0-vs-15: share b-nice15' <<<"$out"
check "one nice step: JUnit has the failure" bash -c \
	'grep -q "failures=\"1\"" "$1" && grep -A1 "name=\"pairs/0-vs-15\"" "$1" | grep -q "<failure message=\"share b-nice15"' _ "$tmp/step.xml"

# Flaky: the first attempt 0.25 pp below the fake's mean (-1.3 tolerances of 0.16 pp from theory),
# its re-run honest: pooled over 6 repetitions (tolerance 0.13 pp) the mean is 0.08 pp off, within;
# a pass on a re-run, reported as flaky.
scenario flaky
runs_csv "$FAKE/1/runs.csv" pairs/0-vs-15 b-nice15 -0.25
runs_csv "$FAKE/2/runs.csv" "" "" 0 3 pairs/0-vs-15
out=$(gate --baseline "$tmp/base.csv" --tap --junit "$tmp/flaky.xml" 2>&1)
rc=$?
check "flaky: exit 0 after 2 lab runs" test "$rc" -eq 0 -a "$(cat "$FAKE/count")" -eq 2
check "flaky: reported as flaky with the first attempt's reason, not as a pass" \
	grep -q '^flaky pairs/0-vs-15 .*passed on attempt 2 of 2; attempt 1: share b-nice15' <<<"$out"
check "flaky: counted apart" grep -q '^regress-gate: 4 passed, 1 flaky, 0 failed' <<<"$out"
check "flaky: --tap says so" grep -q '^ok - regress-sched pairs/0-vs-15 (flaky: passed on a re-run)' <<<"$out"
check "flaky: JUnit flakyFailure and the flaky count" bash -c \
	'grep -q "name=\"flaky\" value=\"1\"" "$1" && grep -A1 "name=\"pairs/0-vs-15\"" "$1" | grep -q "<flakyFailure message=\"share b-nice15"' _ "$tmp/flaky.xml"

# A lab failure (exit 1 with a run folder): a failure, no re-run.
scenario labfail
runs_csv "$FAKE/1/runs.csv"
echo 1 >"$FAKE/1/exit"
out=$(gate --baseline "$tmp/base.csv" 2>&1)
rc=$?
check "lab exit 1: exit 1, no re-run, every case failed with the reason" test "$rc" -eq 1 -a "$(cat "$FAKE/count")" -eq 1 -a \
	"$(grep -c '^FAIL .*the lab exited 1' <<<"$out")" -eq 5
# A lab that fails before it has a folder: the gate is not reached; exit 1 with the lab's line.
mkdir -p "$tmp/bin2"
ln -s "$BIN/regress-gate" "$tmp/bin2/regress-gate"
printf '#!/bin/sh\necho "lab: calibrating cpu_hog: no" >&2\nexit 1\n' >"$tmp/bin2/lab"
chmod +x "$tmp/bin2/lab"
out=$("$RS" --lab "$tmp/bin2/lab" --results "$tmp/res2" --baseline "$tmp/base.csv" --no-history 2>&1)
rc=$?
check "lab failing before its run folder: exit 1, its line shown" \
	test "$rc" -eq 1 -a -n "$(grep -F 'the lab failed (exit 1) before it had a run folder: lab: calibrating cpu_hog: no' <<<"$out")"

# An incomplete run: the mix with 2 repetitions of 3. A failure, never re-run, never a baseline.
scenario short
runs_csv "$tmp/all.csv"
runs_csv "$tmp/mix2.csv" "" "" 0 2 mix/mix
{ grep -v ',mix,mix,' "$tmp/all.csv"; tail -n +2 "$tmp/mix2.csv" | awk -F, -v OFS=, '{ $1 += 100; $2 += 100 } 1'; } >"$FAKE/1/runs.csv"
out=$(gate --baseline "$tmp/base.csv" 2>&1)
rc=$?
check "2 of 3 repetitions of the mix: exit 1, no re-run" test "$rc" -eq 1 -a "$(cat "$FAKE/count")" -eq 1
check "2 of 3 repetitions: the mix fails saying so, the rest pass" bash -c \
	'grep -q "^FAIL  mix/mix .*n=2 of the definition.s 3 repetitions" <<<"$1" && grep -q "^regress-gate: 4 passed, 0 flaky, 1 failed" <<<"$1"' _ "$out"
scenario shortbase
cp "$tmp/short/1/runs.csv" "$FAKE/1/runs.csv"
cp "$tmp/base.csv" "$tmp/base2.csv"
out=$(gate --update-baseline --baseline "$tmp/base2.csv" 2>&1)
rc=$?
check "--update-baseline refuses the incomplete run (exit 1, baseline untouched)" \
	test "$rc" -eq 1 -a -n "$(grep 'baseline not written: an incomplete run' <<<"$out")" -a -z "$(cmp "$tmp/base.csv" "$tmp/base2.csv")"
scenario stepbase
runs_csv "$FAKE/1/runs.csv" pairs/0-vs-15 b-nice15 -0.5
out=$(gate --update-baseline --baseline "$tmp/base2.csv" 2>&1)
rc=$?
check "--update-baseline refuses a run with a false claim" test "$rc" -eq 1 -a -z "$(cmp "$tmp/base.csv" "$tmp/base2.csv")"

# The history: one row per claim of each gate run so far (base is not a gate run), numbered.
check "history: 15 rows for each of the 5 gate runs, seq 1..5" bash -c \
	'[ "$(grep -c . "$1")" -eq 76 ] && [ "$(cut -d, -f1 "$1" | sort -un | tr "\n" " ")" = "seq 1 2 3 4 5 " ]' _ "$tmp/history.csv"
check "history: the stepped claim with its ratio to theory and verdict" \
	grep -q '^2,[^,]*,test,fake-1,pairs/0-vs-15,b-nice15,3,2\.79[0-9]*,3\.39623,0\.82[0-9]*,3\.39623,0\.1[0-9]*,false,fail$' "$tmp/history.csv"
if command -v gnuplot >/dev/null; then
	check "the trend chart is drawn beside the history" test -s "$tmp/history.png"
else
	skip "the trend chart" "gnuplot not installed"
fi

# The gate on its own: bad input gives one line and exit 2.
bad() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	check "$name" test "$rc" -eq 2 -a "$(printf '%s\n' "$out" | wc -l)" -eq 1 -a -n "$(grep -F -e "$want" <<<"$out")"
}
G=$BIN/regress-gate
run1=$tmp/honest/res/fake-1
bad "regress-sched: unknown option" "unknown argument '--fast'" "$RS" --fast
bad "regress-sched: --retries out of range" "--retries '9': expected 0..3" "$RS" --retries 9
bad "regress-sched: --against a missing folder" "no such folder" "$RS" --against "$tmp/none"
bad "regress-sched: missing baseline" "not found (make baseline writes it)" "$RS" --baseline "$tmp/none.csv" --against "$run1"
bad "regress-sched: injection without HOGLAB_TEST_FAULTS" "set HOGLAB_TEST_FAULTS=1" env -u HOGLAB_TEST_FAULTS "$RS" --inject-nice-step pairs/0-vs-15:b-nice15:+1
bad "lab: injection without HOGLAB_TEST_FAULTS" "set HOGLAB_TEST_FAULTS=1" env -u HOGLAB_TEST_FAULTS "$BIN/lab" --inject-nice-step pairs/0-vs-15:b-nice15:+1 "$DEF"
bad "lab --summarize with a definition" "takes no definition" "$BIN/lab" --summarize "$run1" "$DEF"
bad "lab --summarize of a folder without meta" "no meta there" "$BIN/lab" --summarize "$tmp"
bad "lab: unknown option" "unknown option '--fast'" "$BIN/lab" --fast "$DEF"
bad "gate: no --definition" "--definition FILE is required" "$G" --baseline "$tmp/base.csv" "$run1"
bad "gate: no run folder" "no RUN_DIR given" "$G" --definition "$DEF" --baseline "$tmp/base.csv"
bad "gate: bad --retries-left" "--retries-left 'x'" "$G" --definition "$DEF" --baseline "$tmp/base.csv" --retries-left x "$run1"
bad "gate: --update-baseline without --provenance" "--provenance FILE" "$G" --definition "$DEF" --update-baseline "$tmp/b.csv" "$run1"
bad "gate: missing baseline" "not found (make baseline writes it)" "$G" --definition "$DEF" --baseline "$tmp/none.csv" "$run1"
cp "$tmp/base.csv" "$tmp/old.csv"
sed 's/^definition_sha256=.*/definition_sha256=0000000000000000/' "$tmp/base.meta" >"$tmp/old.meta"
bad "regress-sched: a baseline of another regress.conf" "was recorded with another experiments/regress.conf" \
	"$RS" --baseline "$tmp/old.csv" --against "$run1"
printf 'a,b\n1,2\n' >"$tmp/junk.csv"
bad "gate: a baseline that is not a summary" "not a lab summary.csv" "$G" --definition "$DEF" --baseline "$tmp/junk.csv" "$run1"
bad "gate: a history that is not one" "not the gate's history" "$G" --definition "$DEF" --baseline "$tmp/base.csv" --history "$tmp/junk.csv" "$run1"
finish
