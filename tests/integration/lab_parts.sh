#!/usr/bin/env bash
# test-timeout: 180
# lab --part I/N and lab --join: a definition of six units (two pairs, the mix, two sleepers and
# the short-window pair, --direct) split in two parts of about equal time, each run on its own,
# then joined: the parts cover every unit once; the join holds every run once under a new id, its
# per-run files renamed alike, and the same claims as the parts (each claim stands on its own
# unit's runs); lab --summarize of a part finds its part again. Bad input is one line, exit 2,
# and leaves no folder behind.
. "$(dirname "$0")/../lib.sh"
name="lab-parts"
need_root "$name" || finish
need_bins "$name" "$BIN" lab cpu_hog wakeup_hog
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$TOP/report/csv.sh"
# claims FILE...: each claim's id, figures and verdict, one a line, sorted.
claims() { csv_awk 'FNR > 1 { print get("id") "|" get("measured") "|" get("ci95") "|" get("tolerance") "|" get("verdict") }' "$@" | sort; }
export -f csv_awk claims
export CSV_AWK_LIB
{
	echo "cpu = 0"
	printf '[pairs]\nnice = 0 5\nwork_ms = 150\nrepetitions = 2\n'
	printf '[mix]\nnice = 0 5\nwork_ms = 100\nrepetitions = 2\n'
	printf '[sleeper]\nenabled = 1\ndemand = 25 50\nperiod_us = 2000\nduration_ms = 300\nrepetitions = 2\n'
	printf '[shortwin]\nenabled = 1\nnice = 10\nduration_ms = 400\nwindows = 1 4\nrepetitions = 2\n'
	for s in weights autogroup demo wakeup slice window; do printf '[%s]\nenabled = 0\n' "$s"; done
} >"$tmp/def.conf"
L=$BIN/lab

"$L" --list-units "$tmp/def.conf" | sort >"$tmp/all"
"$L" --list-units --part 1/2 "$tmp/def.conf" >"$tmp/u1"
"$L" --list-units --part 2/2 "$tmp/def.conf" >"$tmp/u2"
check "$name: --list-units --part 1/2 and 2/2: each unit in exactly one part, none empty ($(tr '\n' ' ' <"$tmp/u1")| $(tr '\n' ' ' <"$tmp/u2"))" \
	bash -c '[ -s "$2" ] && [ -s "$3" ] && [ "$(wc -l <"$1")" -eq 6 ] && sort "$2" "$3" | cmp -s - "$1"' _ "$tmp/all" "$tmp/u1" "$tmp/u2"
check "$name: the split is the same every time" bash -c 'cmp -s <("$1" --list-units --part 1/2 "$2") "$3"' _ "$L" "$tmp/def.conf" "$tmp/u1"

for i in 1 2; do
	if (cd "$TOP" && "$L" --direct --part $i/2 --seed $i --results "$tmp/res$i" "$tmp/def.conf") 2>"$tmp/err$i"; then
		ok "$name: part $i/2 runs (--direct)"
	else
		fail "$name: part $i/2 runs (--direct)" "$(tail -3 "$tmp/err$i")"
		finish
	fi
done
P1=$(readlink -f "$tmp/res1/latest") P2=$(readlink -f "$tmp/res2/latest")
check "$name: each part's meta says part=I/2 and lists its units" bash -c '
	for i in 1 2; do d=$1; [ $i = 2 ] && d=$2
		grep -qx "part=$i/2" "$d/meta" && [ "$(sed -n "s/^part_units=//p" "$d/meta")" = "$(tr "\n" " " <"$3/u$i" | sed "s/ $//")" ] || exit 1
	done' _ "$P1" "$P2" "$tmp"
check "$name: a part ran only its own units" bash -c '
	[ "$(csv_awk "FNR > 1 { print get(\"experiment\") \"/\" get(\"case\") }" "$1/runs.csv" | sort -u)" = "$(sort "$2")" ]' _ "$P1" "$tmp/u1"
n1=$(csv_awk 'FNR > 1 { print get("run") }' "$P1/runs.csv" | sort -un | wc -l)
n2=$(csv_awk 'FNR > 1 { print get("run") }' "$P2/runs.csv" | sort -un | wc -l)

# lab --summarize of a part splits the definition again: the same claims and verdicts. (Their
# figures are recomputed from runs.csv's 6 significant digits, as for any run folder.)
ids() { csv_awk 'FNR > 1 { print get("id") "|" get("verdict") }' "$@" | sort; }
export -f ids
for P in "$P1" "$P2"; do
	ids "$P/claims.csv" >"$tmp/ids-before"
	"$L" --summarize "$P" >/dev/null 2>"$tmp/serr"
	check "$name: lab --summarize of part ${P##*/} finds its units again: the same claims and verdicts" \
		bash -c '[ $1 -eq 0 ] && [ -s "$2" ] && cmp -s "$2" <(ids "$3")' _ $? "$tmp/ids-before" "$P/claims.csv"
done

J=$tmp/joined
"$L" --join "$J" "$P2" "$P1" >"$tmp/jout" 2>"$tmp/jerr"
check "$name: lab --join of the two parts (given in either order) exits 0 and summarizes ($(tail -1 "$tmp/jerr"))" \
	bash -c '[ $1 -eq 0 ] && [ -f "$2/summary.csv" ] && [ -f "$2/claims.csv" ] && [ -f "$2/shortwin.csv" ]' _ $? "$J"
check "$name: the join's runs.csv has runs 1..$((n1 + n2)), part 1's first, each run once" bash -c '
	[ "$(csv_awk "FNR > 1 { print get(\"run\") }" "$1/runs.csv" | sort -un | tr "\n" " ")" = "$(seq -s " " 1 $(($2 + $3))) " ] &&
	[ "$(csv_awk "FNR > 1 && get(\"run\") <= $2 { print get(\"experiment\") \"/\" get(\"case\") }" "$1/runs.csv" | sort -u)" = "$(sort "$4")" ]' \
	_ "$J" "$n1" "$n2" "$tmp/u1"
check "$name: the short-window samples moved with their runs, and no sample row is lost" bash -c '
	s=$(csv_awk "FNR > 1 && get(\"experiment\") == \"shortwin\" { print get(\"run\") }" "$1/runs.csv" | sort -un)
	[ -n "$s" ] && [ "$s" = "$(csv_awk "FNR > 1 { print get(\"run\") }" "$1/shortwin_samples.csv" | sort -un)" ] || exit 1
	for t in samples shortwin_samples; do
		[ "$(cat "$2/$t.csv" "$3/$t.csv" 2>/dev/null | grep -vc "^run,")" -eq "$(grep -vc "^run," "$1/$t.csv")" ] || exit 1
	done' _ "$J" "$P1" "$P2"
check "$name: each sleeper run's output file is there under its new run id" bash -c '
	want=$(csv_awk "FNR > 1 && get(\"experiment\") == \"sleeper\" && get(\"slot\") == 1 { print \"sleeper-\" get(\"run\") \".out\" }" "$1/runs.csv" | sort)
	[ -n "$want" ] && [ "$want" = "$(cd "$1" && ls sleeper-*.out | sort)" ]' _ "$J"
check "$name: every engine log of both parts is kept" bash -c '
	[ "$(ls "$1/engine-logs" 2>/dev/null | wc -l)" -eq "$(($(ls "$2/engine-logs" 2>/dev/null | wc -l) + $(ls "$3/engine-logs" 2>/dev/null | wc -l)))" ]' \
	_ "$J" "$P1" "$P2"
# Each claim stands on its own unit's runs: the join's claims are the (summarized) parts' claims,
# figure for figure.
claims "$J/claims.csv" >"$tmp/cj"
claims "$P1/claims.csv" "$P2/claims.csv" >"$tmp/cp"
check "$name: the join's claims are the two parts' claims, each with the same figures and verdict ($(wc -l <"$tmp/cj") claims)" \
	bash -c '[ -s "$1" ] && cmp -s "$1" "$2"' _ "$tmp/cj" "$tmp/cp"
check "$name: the join's meta: unit=all, both parts named with their runs and seeds" bash -c '
	grep -qx "unit=all" "$1/meta" && ! grep -q "^part=" "$1/meta" && grep -q "^join_part_1=$2: runs 1\.\.$4, .*seed 1," "$1/meta" &&
	grep -q "^join_part_2=$3: runs $(($4 + 1))\.\.$(($4 + $5)), .*seed 2," "$1/meta"' _ "$J" "$P1" "$P2" "$n1" "$n2"
check "$name: lab.log holds both parts' logs" bash -c '[ "$(grep -c "^# lab --join: part" "$1/lab.log")" -eq 2 ] || [ ! -f "$2/lab.log" ]' _ "$J" "$P1"

# Bad input: one line on stderr, exit 2, no folder left.
bad() { # bad LABEL PATTERN OUT ARGS...
	local label=$1 pat=$2 out=$3
	shift 3
	"$L" "$@" >/dev/null 2>"$tmp/bad"
	local rc=$?
	check "$name: $label: one line, exit 2, nothing written ($(head -1 "$tmp/bad"))" \
		bash -c '[ $1 -eq 2 ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q -- "$3" "$2" && { [ -z "$4" ] || [ ! -e "$4" ]; }' _ $rc "$tmp/bad" "$pat" "$out"
}
bad "--join with one part of two" "part 1 of 2, but 1 folders were given" "$tmp/j1" --join "$tmp/j1" "$P1"
bad "--join with the same part twice" "part 1/2 given twice" "$tmp/j2" --join "$tmp/j2" "$P1" "$P1"
bad "--join of a folder that is no part" "no part=I/N" "$tmp/j3" --join "$tmp/j3" "$J" "$P2"
bad "--join into a folder that exists" "exists already" "" --join "$J" "$P1" "$P2"
cp -a "$P2" "$tmp/other"
echo "# another definition" >>"$tmp/other/definition.conf"
bad "--join of parts of different definitions" "different definitions" "$tmp/j4" --join "$tmp/j4" "$P1" "$tmp/other"
cp -a "$P2" "$tmp/other2"
sed -i 's/^kernel=.*/kernel=Linux 0.0.1/' "$tmp/other2/meta"
bad "--join of parts from different kernels" "different kernel" "$tmp/j5" --join "$tmp/j5" "$P1" "$tmp/other2"
bad "--join with no part folder" "takes the part folders" "" --join "$tmp/j6"
bad "--part 0/2" "invalid --part '0/2'" "" --part 0/2 --list-units "$tmp/def.conf"
bad "--part 2" "invalid --part '2'" "" --part 2 --list-units "$tmp/def.conf"
bad "--part 1/7 of six units" "6 units, fewer than 7 parts" "" --part 1/7 --list-units "$tmp/def.conf"
bad "--part with --unit" "exclude each other" "" --part 1/2 --unit mix/mix "$tmp/def.conf"
finish
