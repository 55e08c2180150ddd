#!/usr/bin/env bash
# lab --summarize of a synthetic [window] run folder (no root, nothing is run): the window model's
# c is held against one turn, the longer of the base slice and the tick, both from the run's meta
# (base_slice_ns, hz): a folder summarized away from the kernel it ran on has no window container
# to read se.slice from, and this kernel's knobs are not the run's. The synthetic nice-19 pair has
# an excess of c = 2.5 ms / T: within one turn at HZ 250 (4 ms) and 100 (10 ms), beyond it at HZ
# 1000 (the 1.4 ms slice is then the longer).
. "$(dirname "$0")/../lib.sh"
. "$TOP/report/csv.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
R=$tmp/20261201-000000
mkdir -p "$R"
{
	echo "cpu = 1"
	for s in pairs mix weights autogroup demo wakeup sleeper shortwin slice; do printf '[%s]\nenabled = 0\n' "$s"; done
	printf '[window]\nenabled = 1\nnice = 19\nwork_ms = 250 1000 4000\nrepetitions = 3\n'
} >"$R/definition.conf"
awk 'BEGIN { OFS = ","
	print "run,order,experiment,case,param,rep,slot,container,nice,weight,launcher,pid,wall_s,cpu_ms,wait_ms,share,share_overlap,startup_ms,theory_share,avail_overlap,avail_after,end,ok"
	split("250 1000 4000", W, " "); th = 100 * 15 / 1039; srand(7)
	for (w = 1; w <= 3; w++) for (r = 1; r <= 3; r++) {
		run++; T = W[w] / (1 - th / 100); x = th + 100 * 2.5 / T + 0.01 * (rand() - 0.5) * 1000 / W[w]
		print run, run, "window", "0-vs-19-" W[w] "ms", 19, r, 0, "a-nice0", 0, 0, "engine", 100 + run, W[w] / 1000, W[w], 10, 100 - th, 100 - x, -2.5, 100 - th, 99, "", "exit 0", 1
		print run, run, "window", "0-vs-19-" W[w] "ms", 19, r, 1, "b-nice19", 19, 0, "engine", 200 + run, 2 * W[w] / 1000, W[w], W[w], th, x, 2.5, th, 99, 99, "exit 0", 1 } }' >"$R/runs.csv"
# c_claim FIELD: the c claim's column FIELD of claims.csv.
c_claim() { csv_awk -v f="$1" 'FNR > 1 && get("id") == "window/0-vs-19/b-nice19/c_ms" { print get(f) }' "$R/claims.csv"; }
for hz in 250 100 1000; do
	printf 'hz=%s\nbase_slice_ns=1400000\nbase_slice_source=se.slice of /proc/self/sched\nprofile=\n' "$hz" >"$R/meta"
	"$BIN/lab" --summarize "$R" >"$tmp/out" 2>&1 || fail "HZ $hz: lab --summarize" "$(tail -2 "$tmp/out")"
	turn=$(awk -v hz="$hz" 'BEGIN { t = 1000 / hz; print (t > 1.4 ? t : 1.4) }')
	want=$([ "$hz" = 1000 ] && echo false || echo true)
	kind=$(c_claim tolerance_kind) verdict=$(c_claim verdict) c=$(c_claim measured)
	check "HZ $hz: c ($c ms) is held against one turn of $turn ms ($kind)" grep -q "one turn ($turn ms)" <<<"$kind"
	check "HZ $hz: c = 2.5 ms within that turn is $want ($verdict)" test "$verdict" = "$want"
	src=$(csv_awk 'FNR > 1 { print get("slice_source"); exit }' "$R/window.csv")
	if [ "$hz" = 1000 ]; then
		check "HZ 1000: the turn is the slice from meta ($src)" grep -q "^the run's meta base_slice_ns" <<<"$src"
	else
		check "HZ $hz: the turn is the tick, the slice from meta beside it ($src)" grep -q "^the tick at HZ $hz; longer than the slice 1.4 ms (the run.s meta" <<<"$src"
	fi
done
finish
