#!/usr/bin/env bash
# build/bin/noisestat on synthetic run folders (no root, nothing is run): noise over every
# repetition, --by-run (the noise file the claims read: the robust spread within a run and a run's
# own offset), between, and check with that file; each figure against its value by hand. Three
# folders of one pair, the nice-15 share at {3.3, 3.5}, {3.4, 3.6}, {3.2, 3.4}: all six have mean
# 3.4 and sd sqrt(0.02); each folder's variance is 0.02, so within a run the robust sd is
# sqrt(0.02 / 0.4705) (0.4705: the median of chi2(1) / 1, noise_chi2_median); the folders' means
# 3.4, 3.5, 3.3 have a median absolute deviation of 0.1, so between runs sqrt((1.4826 x 0.1)^2 -
# within^2 / 2). Then every bad input: one line and exit 2 (usage) or 1 (a file).
. "$(dirname "$0")/../lib.sh"
. "$TOP/report/csv.sh"
NS=$BIN/noisestat
[ -x "$NS" ] || { skip "noisestat" "build/bin/noisestat not built (make)"; finish; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3; do
	mkdir -p "$tmp/r$i"
	printf 'cpu = 1\n[pairs]\nnice = 15\nwork_ms = 1000\nrepetitions = 2\n' >"$tmp/r$i/definition.conf"
done
# runs_csv DIR X1 X2: two repetitions of the pair with the nice-15 share at X1 and X2.
runs_csv() {
	awk -v x1="$2" -v x2="$3" 'BEGIN { OFS = ","; th = 100 * 36 / 1060
		print "run,experiment,case,slot,container,nice,weight,wall_s,cpu_ms,share,theory_share,avail_overlap,avail_after,ok"
		split(x1 " " x2, x, " ")
		for (r = 1; r <= 2; r++) {
			print r, "pairs", "0-vs-15", 0, "a-nice0", 0, 0, 1.03, 1000, 100 - x[r], 100 - th, 99, 99, 1
			print r, "pairs", "0-vs-15", 1, "b-nice15", 15, 0, 2.0, 1000, x[r], th, 99, 99, 1 } }' >"$1/runs.csv"
}
runs_csv "$tmp/r1" 3.3 3.5
runs_csv "$tmp/r2" 3.4 3.6
runs_csv "$tmp/r3" 3.2 3.4
# row FILE FIELD: FIELD of the b-nice15 share row.
row() { csv_awk -v f="$2" 'FNR > 1 && get("container") == "b-nice15" && get("quantity") == "share" { print get(f) }' "$1"; }
near() { awk -v a="$1" -v b="$2" -v e="$3" 'BEGIN { d = a - b; exit !(a != "" && (d < 0 ? -d : d) <= e) }'; }
export -f near
w=$(awk 'BEGIN { print sqrt(0.02 / (7 / 9) ^ 3) }')
b=$(awk -v w="$w" 'BEGIN { m = 1.4826 * 0.1; print sqrt(m * m - w * w / 2) }')

"$NS" noise --out "$tmp/all.csv" "$tmp"/r1 "$tmp"/r2 "$tmp"/r3 || fail "noise" "exit $?"
check "noise: every repetition one sample (n 6, mean 3.4, sd 0.1414: $(row "$tmp/all.csv" n) $(row "$tmp/all.csv" mean) $(row "$tmp/all.csv" sd))" \
	bash -c 'near "$1" 6 0 && near "$2" 3.4 1e-9 && near "$3" 0.1414 1e-4' _ "$(row "$tmp/all.csv" n)" "$(row "$tmp/all.csv" mean)" "$(row "$tmp/all.csv" sd)"
check "noise: no between-run columns without --by-run" bash -c '! head -n 1 "$1" | grep -q rel_sd_between' _ "$tmp/all.csv"
"$NS" noise --by-run --out "$tmp/byrun.csv" "$tmp"/r1 "$tmp"/r2 "$tmp"/r3 || fail "noise --by-run" "exit $?"
check "--by-run: sd within a run $(row "$tmp/byrun.csv" sd) (by hand $w), between $(row "$tmp/byrun.csv" sd_between) (by hand $b), 3 runs of 6" \
	bash -c 'near "$1" "$3" 1e-3 && near "$2" "$4" 1e-4 && [ "$5" = 3 ] && [ "$6" = 6 ]' _ \
	"$(row "$tmp/byrun.csv" sd)" "$(row "$tmp/byrun.csv" sd_between)" "$w" "$b" "$(row "$tmp/byrun.csv" runs)" "$(row "$tmp/byrun.csv" n)"
check "--by-run: rel_sd_between is sd_between over the theory, the mean the runs' means'" \
	bash -c 'near "$1" "$(awk -v b="$2" "BEGIN { print b / (100 * 36 / 1060) }")" 1e-5 && near "$3" 3.4 1e-9' _ \
	"$(row "$tmp/byrun.csv" rel_sd_between)" "$(row "$tmp/byrun.csv" sd_between)" "$(row "$tmp/byrun.csv" mean)"
"$NS" noise --by-run --out "$tmp/one.csv" "$tmp"/r1 || fail "noise --by-run of one folder" "exit $?"
check "--by-run of one folder: 1 run, its plain sd (sqrt(0.02)), no between-run term measured" \
	bash -c '[ "$1" = 1 ] && near "$2" 0.1414 1e-4 && [ "$3" = 0 ]' _ "$(row "$tmp/one.csv" runs)" "$(row "$tmp/one.csv" sd)" "$(row "$tmp/one.csv" sd_between)"
"$NS" between --out "$tmp/between.csv" "$tmp"/r1 "$tmp"/r2 "$tmp"/r3 || fail "between" "exit $?"
check "between: pooled sd within the runs sqrt(0.02) and 3 runs" \
	bash -c 'near "$1" 0.1414 1e-4 && [ "$2" = 3 ]' _ "$(row "$tmp/between.csv" sd_within)" "$(row "$tmp/between.csv" runs)"
# check against the --by-run file: the mean of each folder alone (batches of 2) against the rule
# with the between-run term; the honest folders are within, a folder 0.5 pp off is not.
"$NS" check --noise "$tmp/byrun.csv" --calibrated --batch 2 --out "$tmp/check.csv" "$tmp"/r1 "$tmp"/r2 "$tmp"/r3
check "check: each of the three honest folders is within the band (exit $?)" \
	test "$(csv_awk 'FNR > 1 && get("container") == "b-nice15" && get("verdict") == "true" { n++ } END { print n + 0 }' "$tmp/check.csv")" -eq 3
mkdir -p "$tmp/off" && cp "$tmp/r1/definition.conf" "$tmp/off/" && runs_csv "$tmp/off" 4.3 4.5
"$NS" check --noise "$tmp/byrun.csv" --calibrated --out "$tmp/off.csv" "$tmp/off"
rc=$?
tol=$(csv_awk 'FNR > 1 && get("container") == "b-nice15" { print get("tolerance") }' "$tmp/off.csv")
check "check: a folder 1 pp off is outside (exit $rc, tolerance $tol = 4 x sqrt(w^2 / n_eff + b^2) + |bias|)" \
	bash -c '[ "$1" = 1 ] && near "$2" "$(awk -v w="$3" -v b="$4" "BEGIN { ne = 1 / (1 / 2 + 1 / 6); print 4 * sqrt(w * w / ne + b * b) + (3.4 - 100 * 36 / 1060) }")" 1e-3' _ \
	"$rc" "$tol" "$w" "$b"
"$NS" steps --noise "$tmp/byrun.csv" --n 5 >"$tmp/steps.csv" || fail "steps" "exit $?"
# A mean of 5 against a 0.514 pp band (sd of that mean 0.097, its offset included): nice 14
# (+0.813 pp) clears it by 3.1 sd, detected; nice 16 (-0.642 pp) by 1.3, not (2 needed).
steps() { csv_awk -v s="$1" 'FNR > 1 && get("slot") == 1 && get("step") == s { print get("detected") }' "$tmp/steps.csv"; }
check "steps: the nice-15 container at 14 detected ($(steps -1)), at 16 not ($(steps +1)) on this wide noise" \
	test "$(steps -1)" = 1 -a "$(steps +1)" = 0

# Bad inputs: one line each.
bad() { # DESC WANT_RC ARGS...: exit WANT_RC and one line on stderr
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$NS" "$@" 2>&1 >/dev/null)
	rc=$?
	check "$desc: exit $want, one line ($rc: $out)" test "$rc" -eq "$want" -a "$(printf '%s\n' "$out" | grep -c .)" -eq 1
}
bad "an unknown subcommand" 2 nois "$tmp/r1"
bad "no run folder" 2 noise --by-run
bad "check without --noise" 2 check "$tmp/r1"
bad "--batch 0" 2 check --noise "$tmp/byrun.csv" --batch 0 "$tmp/r1"
bad "--k -1 (named in its line)" 2 check --noise "$tmp/byrun.csv" --k -1 "$tmp/r1"
bad "a folder without runs.csv" 1 noise "$tmp"
printf 'a,b\n1,2\n' >"$tmp/notnoise.csv"
bad "check with a file that is no noise file" 1 check --noise "$tmp/notnoise.csv" "$tmp/r1"
check "--help: usage on stdout, exit 0" bash -c '"$1" --help | grep -q "^usage: noisestat noise  \[--by-run\]"' _ "$NS"
finish
