#!/usr/bin/env bash
# test-timeout: 300
# Integration test of `make sweep SWEEP=local` (ci/sweep.sh through `lab sweep`): a tiny
# definition of three units (two pairs and the mix, 2 repetitions of 100..200 ms on CPU 0) run one
# after another into <sweep>/<host>/<unit>/, collected per host and merged: every unit present and
# tagged with this host, its claims computed, the report's tables and chart; an injected unit
# whose definition the lab refuses is named failed with exit code 2 while the others still merge;
# `lab merge` is labmerge; bad input is one line each.
. "$(dirname "$0")/../lib.sh"
name="sweep-local"
need_root "$name" || finish
B=$TOP/build/bin # the sweep runs the tree's plain build, whatever BIN is
need_bins "$name" "$B" lab labmerge sweepmerge engine cpu_hog
[ -d "$TOP/rootfs/base" ] || { fail "$name" "rootfs/base is missing (make rootfs)"; finish; }
command -v gnuplot >/dev/null || { skip "$name" "gnuplot not installed (make deps)"; finish; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/def.conf" <<'DEF'
cpu = 0
rootfs = rootfs/base
[pairs]
nice = 0 5
work_ms = 150
repetitions = 2
[mix]
nice = 0 5
work_ms = 100
repetitions = 2
[weights]
enabled = 0
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
enabled = 0
[window]
enabled = 0
DEF
host=$(hostname -s)
units="pairs/0-vs-0 pairs/0-vs-5 mix/mix"

check "$name: lab --list-units names the three units" test "$("$B/lab" --list-units "$tmp/def.conf" | tr '\n' ' ')" = "$units "

"$B/lab" sweep --results "$tmp/res" "$tmp/def.conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
d=$(readlink -f "$tmp/res/latest")
check "$name: lab sweep ran the three units and merged them (exit 0)" bash -c '[ "$1" -eq 0 ] && [ -f "$2/merge.exit" ] || { echo "exit $1"; tail -5 "$3"; exit 1; }' _ "$rc" "$d" "$tmp/err"
# csv COLUMN FILTER_COLUMN VALUE FILE: the column's values where FILTER_COLUMN is VALUE.
csv() { awk -F, -v c="$1" -v k="$2" -v v="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h[k] == v { print $h[c] }' "$4"; }
export -f csv
check "$name: tasks.csv: every unit completed on $host, exit 0, merged" bash -c '
	[ "$(awk -F, "NR > 1 { print \$2 \"/\" \$3 \"/\" \$4 \"/\" \$5 \"/\" \$6 }" "$1/tasks.csv" | tr "\n" " ")" = \
	  "pairs/0-vs-0/$2/completed/0/yes pairs/0-vs-5/$2/completed/0/yes mix/mix/$2/completed/0/yes " ] || cat "$1/tasks.csv"' _ "$d" "$host"
check "$name: each unit's run folder is at <host>/<unit>/ and its meta names the unit" bash -c '
	for u in $2; do grep -qx "unit=$u" "$1/$3/$u/meta" || { echo "$1/$3/$u"; exit 1; }; done' _ "$d" "$units" "$host"
check "$name: the merged summary has rows of all three units, every row tagged with host $host" bash -c '
	for u in $2; do csv host case "${u#*/}" "$1/summary.csv" | grep -q . || { echo "no rows of $u"; exit 1; }; done
	[ "$(awk -F, "NR > 1 && \$2 != \"$3\"" "$1/summary.csv" | wc -l)" -eq 0 ]' _ "$d" "$units" "$host"
# Two share claims per unit (both containers): six, each with a measured mean and a verdict.
check "$name: claims computed: the six share claims have a measured value and a verdict" bash -c '
	n=$(awk -F, "NR == 1 { for (i = 1; i <= NF; i++) h[\$i] = i; next }
		\$h[\"quantity\"] == \"share\" && \$h[\"measured\"] ~ /^[0-9.]+\$/ && \$h[\"verdict\"] ~ /^(true|false|no-data)\$/ { n++ }
		END { print n + 0 }" "$1/claims.csv")
	[ "$n" -eq 6 ] || echo "$n share claims with data"' _ "$d"
check "$name: shares_by_host.csv lists the six shares under this host" bash -c '
	[ "$(head -1 "$1/shares_by_host.csv")" = "id,theory,$2,$2_ci95" ] && [ "$(($(wc -l <"$1/shares_by_host.csv") - 1))" -eq 6 ]' _ "$d" "$host"
check "$name: REPORT.md has the units, the host, the shares and the chart" bash -c '
	grep -q "^| 2 | mix/mix | $2 | completed | 0 | yes |" "$1/REPORT.md" && grep -q "^| $2 | " "$1/REPORT.md" &&
	grep -q "^| pairs/0-vs-5/b-nice5/share | 24.65" "$1/REPORT.md" && [ -s "$1/sweep.png" ] && [ -s "$1/sweep.svg" ]' _ "$d" "$host"
check "$name: --status says 3 completed and the merge done" bash -c '
	out=$("$1/ci/sweep.sh" --status "$2") && echo "$out" | grep -q "^units: 3 completed$" && echo "$out" | grep -q "^merge: done (exit 0)" || echo "$out"' _ "$TOP" "$d"
check "$name: lab merge is labmerge" bash -c '"$1/lab" merge "$2/again" "$3/per-host/$4" | grep -q "^labmerge: 1 runs into"' _ "$B" "$tmp" "$d" "$host"

# A unit whose definition the lab refuses: failed with its exit code, the others merged.
HOGLAB_TEST_FAULTS=1 "$TOP/ci/sweep.sh" --inject-refused-unit --units "pairs/0-vs-5" --results "$tmp/res2" "$tmp/def.conf" >/dev/null 2>"$tmp/err2"
rc=$?
d2=$(readlink -f "$tmp/res2/latest")
check "$name: with a refused unit the sweep exits 1 and still merges the other" bash -c '
	[ "$1" -eq 1 ] && [ "$(cat "$2/merge.exit")" = 1 ] && [ "$(csv merged unit pairs/0-vs-5 "$2/tasks.csv")" = yes ] || { echo "exit $1"; cat "$3"; }' _ "$rc" "$d2" "$tmp/err2"
check "$name: the refused unit is failed with exit code 2 in tasks.csv and REPORT.md, with the lab's line" bash -c '
	[ "$(csv state unit injected/refused-definition "$1/tasks.csv")/$(csv exit_code unit injected/refused-definition "$1/tasks.csv")" = failed/2 ] &&
	grep -q "^- task 1, unit injected/refused-definition, host .*: failed, exit code 2" "$1/REPORT.md" &&
	grep -q "^lab: .*inject-refused.conf:1: key .cpu.: expected an integer" "$1/REPORT.md"' _ "$d2"

check "$name: an unknown --units word is one line, exit 2" bash -c '
	out=$("$1/ci/sweep.sh" --units pairs/0-vs-7 --results "$2/res3" "$2/def.conf" 2>&1); rc=$?
	[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "no unit .pairs/0-vs-7." && [ ! -d "$2/res3/latest" ]' _ "$TOP" "$tmp"
check "$name: --mode other than local or slurm is one line, exit 2" bash -c '
	out=$("$1/ci/sweep.sh" --mode pbs "$2/def.conf" 2>&1); [ $? -eq 2 ] && [ "$out" = "sweep: --mode '"'"'pbs'"'"': local or slurm" ]' _ "$TOP" "$tmp"
check "$name: --inject-refused-unit without HOGLAB_TEST_FAULTS=1 is refused" bash -c '
	out=$(env -u HOGLAB_TEST_FAULTS "$1/ci/sweep.sh" --inject-refused-unit "$2/def.conf" 2>&1); [ $? -eq 2 ] && echo "$out" | grep -q "for tests only"' _ "$TOP" "$tmp"
check "$name: lab --unit of no unit is one line naming the units, exit 2" bash -c '
	out=$("$1/lab" --unit mix/other --results "$2/res4" "$2/def.conf" 2>&1); [ $? -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] &&
	echo "$out" | grep -q "no unit .mix/other. in this definition (its units: pairs/0-vs-0 pairs/0-vs-5 mix/mix)"' _ "$B" "$tmp"
check "$name: sweepmerge of a folder that is no sweep is one line, exit 2" bash -c '
	out=$("$1/sweepmerge" "$2" 2>&1); [ $? -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "not a sweep folder"' _ "$B" "$tmp"
check "$name: no task folder or temp run folder is left in the sweep" bash -c '! ls -d "$1"/*/.task-* "$2"/*/.task-* 2>/dev/null | grep -q .' _ "$d" "$d2"
finish
