#!/usr/bin/env bash
# ci/measure-falsealarm.sh: honest default-profile runs of experiments/cfs.conf, one after another,
# and each one's false and no-data claims (experiments/noise/README.md, the issue's goal: none
# false in 20 consecutive runs). Writes experiments/noise/KIND-falsealarm.csv (run, load1 at its
# end, wall_s, claims, false, no_data, the false claims' ids) and .meta (provenance, the load).
# A run takes 4..8 minutes here. Run as root from the tree (or a copy of it with a REVISION
# file, so that edits during the runs change nothing), after `make && make rootfs`.
# The sleeper's claims are three expectations of which at most one can hold (experiments/README.md),
# so their false ones are counted apart (false_expectations), not as false alarms. --recount DIR
# re-summarizes every run folder under DIR with this tree's lab and noise file (lab --summarize),
# rewrites the table, for a claims engine changed after the runs, and writes KIND-between.csv:
# each quantity's spread within the runs and between them (noisestat between).
# Usage: ci/measure-falsealarm.sh [--kind K] [--runs N] [--results DIR] [--profile NAME] [--recount DIR]
set -eu
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/build/bin}
kind=c runs=20 results=results/falsealarm profile= recount=
die() { printf 'measure-falsealarm: %s\n' "$*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--kind) [ $# -ge 2 ] || die "--kind needs a value"; kind=$2; shift 2 ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a value"; case $2 in '' | *[!0-9]* | 0) die "--runs: not a count: $2" ;; esac
		runs=$2; shift 2 ;;
	--results) [ $# -ge 2 ] || die "--results needs a folder"; results=$2; shift 2 ;;
	--profile) [ $# -ge 2 ] || die "--profile needs a name"; profile=$2; shift 2 ;;
	--recount) [ $# -ge 2 ] || die "--recount needs a folder"; [ -d "$2" ] || die "--recount $2: no such folder"
		recount=$(cd "$2" && pwd); shift 2 ;;
	-h | --help) sed -n '2,13p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -x "$BIN/lab" ] || die "$BIN/lab missing (make && make rootfs)"
cd "$TOP"
out=experiments/noise/$kind-falsealarm.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$results"
echo "run,load1,wall_s,claims,false,no_data,false_expectations,false_ids" >"$tmp/rows"
# count RUN_DIR LOAD WALL: one row of the table from the run's claims.csv. Its sentences hold no
# comma (tests/unit/test_claims.c), so columns can be taken by their header names.
count() {
	awk -F, -v run="$(basename "$1")" -v load="$2" -v wall="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ n++; v = $col["verdict"]; q = $col["quantity"]
		  if (v == "false" && q ~ /^share_(demand|fair|nocredit)$/) fe++
		  else if (v == "false") { f++; ids = ids (ids ? " " : "") $col["id"] }
		  else if (v == "no-data") nd++ }
		END { printf "%s,%s,%s,%d,%d,%d,%d,%s\n", run, load, wall, n, f, nd, fe, ids }' "$1/claims.csv"
}
if [ -n "$recount" ]; then
	old=$out
	[ -f "$old" ] || die "$old missing: nothing to recount"
	for run in "$recount"/2*/; do
		run=${run%/}
		row=$(grep "^$(basename "$run")," "$old" || :)
		[ -n "$row" ] || continue
		"$BIN"/lab --summarize "$run" --noise "experiments/noise/$kind.csv" 2>/dev/null ||
			die "lab --summarize $run failed"
		count "$run" "$(cut -d, -f2 <<<"$row")" "$(cut -d, -f3 <<<"$row")" >>"$tmp/rows"
	done
	cp "$tmp/rows" "$out"
	sed -i "s/^recount=.*//; /^$/d" "${out%.csv}.meta" 2>/dev/null || :
	echo "recount=$(date -Iseconds): every run re-summarized with revision $(git rev-parse --short HEAD 2>/dev/null || echo unknown) (lab --summarize)" >>"${out%.csv}.meta"
	awk -F, 'NR > 1 { n++; if ($5 == 0) clean++ } END { printf "measure-falsealarm: %d of %d runs with no false claim\n", clean, n }' "$out" >&2
	# The runs' noise as these runs saw it: within each run and between them (noisestat between).
	"$BIN"/noisestat between --out "experiments/noise/$kind-between.csv" "$recount"/2*/ ||
		die "noisestat between failed"
	exit 0
fi
for i in $(seq 1 "$runs"); do
	t0=$(date +%s)
	timeout -k 10 1800 "$BIN"/lab ${profile:+--profile "$profile"} --noise "experiments/noise/$kind.csv" \
		--results "$results" experiments/cfs.conf \
		2>"$tmp/lab.log" || { tail -n 3 "$tmp/lab.log" >&2; echo "measure-falsealarm: run $i: the lab failed" >&2; }
	run=$(readlink -f "$results/latest")
	count "$run" "$(cut -d' ' -f1 /proc/loadavg)" $(($(date +%s) - t0)) >>"$tmp/rows"
	tail -n 1 "$tmp/rows" | awk -F, -v i="$i" -v n="$runs" '{ printf "measure-falsealarm: [%d/%d] %s: %d false (%d of the sleeper'"'"'s expectations), %d no-data of %d claims, load %s %s\n", i, n, $1, $5, $7, $6, $4, $2, $8 }' >&2
	cp "$tmp/rows" "$out"
done
{
	echo "what=honest default-profile runs of experiments/cfs.conf, one after another, on machine kind $kind; one row per run: its false and no-data claims"
	echo "date=$(date -Iseconds)"
	echo "kernel=$(uname -sr)"
	echo "git_revision=$(git rev-parse --short HEAD 2>/dev/null || cat REVISION 2>/dev/null || echo unknown)"
	echo "command=ci/measure-falsealarm.sh --kind $kind --runs $runs${profile:+ --profile $profile}"
	echo "noise=experiments/noise/$kind.csv sha256 $(sha256sum experiments/noise/$kind.csv | cut -d' ' -f1)"
	echo "load1=the 1-minute load average when each run ended"
	awk -F, 'NR > 1 { n++; if ($5 == 0) clean++ } END { printf "result=%d of %d runs with no false claim\n", clean, n }' "$out"
} >"${out%.csv}.meta"
