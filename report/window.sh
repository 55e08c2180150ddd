#!/usr/bin/env bash
# The window-length section of a CFS run's REPORT.md: renders plots/window.gp (PNG and SVG)
# into the run folder and appends the section (the model, the fitted c beside one turn,
# each window against the corrected theory, the chart) to REPORT.md. Called by report/report.sh
# after it has written REPORT.md; does nothing for a run without window.csv. Every number is the
# lab's (window.csv, claims.csv: experiments/labwindow.c); this only lays them out.
# Usage: report/window.sh RUN_DIR   (run from the tree's top)
set -euo pipefail
dir=${1:?usage: report/window.sh RUN_DIR}
[ -f "$dir/window.csv" ] || exit 0
[ -f "$dir/claims.csv" ] || { echo "report: $dir/claims.csv: no such file (the lab writes it with window.csv)" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. report/csv.sh

nices=$(csv_awk 'FNR > 1 && !s[get("nice")]++ { printf "%s ", get("nice") }' "$dir/window.csv")
[ -n "$nices" ] || { echo "report: $dir/window.csv has no rows" >&2; exit 2; }
chart=1
for f in png svg; do
	gnuplot -e "dir='$dir'; fmt='$f'; out='$dir/window.$f'; nices='$nices'" plots/window.gp 2>"$dir/window.gnuplot.log" ||
		{ echo "report: plots/window.gp failed (see $dir/window.gnuplot.log)" >&2; chart=0; break; }
done
[ "$chart" = 1 ] && rm -f "$dir/window.gnuplot.log"

{
	echo
	echo "## window"
	echo
	echo "The model: a pair on one CPU, nice 0 against nice N, each with W ms of CPU work. The niced"
	echo "container's share while both run is the weight table's theory plus a start-up term of fixed CPU"
	echo "time c, spread over the window T (the pair's CPU while both ran, W / s0):"
	echo
	echo '    share(T) = theory + c / T'
	echo
	echo "c is at most one turn: a task that joins the run queue with zero lag gets its first turn at"
	echo "once and stays at most one turn ahead of its fluid share, so 0 <= c <= one turn. A turn is the"
	echo "longer of the base slice and the tick: a task past its slice runs on to the next tick unless"
	echo "something else on its CPU makes the kernel look sooner. The lab fits c per nice by weighted"
	echo "least squares (each run a point, weight T^2: the spread is a jitter of fixed CPU time), checks"
	echo "a free intercept (an excess that stays as T grows is not c / T) and holds each window's mean"
	echo "against theory + c / T. The claims of a run are one family: each interval is widened (Student"
	echo "t, Bonferroni) so that all of them hold together at 99 %. Claims: claims.csv rows window/...;"
	echo "rows: window.csv."
	echo
	# One line per pair from its claims' verdicts: explained when all are true.
	csv_awk 'FNR > 1 && get("experiment") == "window" {
			pair = get("case"); sub(/-[0-9]+ms$/, "", pair)
			if (!(pair in n)) order[++k] = pair
			n[pair]++
			if (get("verdict") != "true") {
				q = get("quantity")
				what = q == "c_ms" ? "c not within 0..one turn" : q == "intercept_pp" ? "the free intercept not zero" : "the window " get("case")
				bad[pair] = bad[pair] (bad[pair] == "" ? "" : "; ") what " (" get("verdict") ")"
			} }
		END { for (i = 1; i <= k; i++) { p = order[i]
			if (bad[p] == "") printf "- **%s: explained.** The excess follows c / T at every window and c is within one turn (%d claims true).\n", p, n[p]
			else printf "- **%s: not explained by c / T here.** %s.\n", p, bad[p] } }' "$dir/claims.csv"
	echo
	echo "| pair | c (ms of CPU), 95 % CI | chi2 / df | free fit: intercept (pp) | free fit: c (ms) | one turn (ms) |"
	echo "|---|---|---|---|---|---|"
	csv_awk 'FNR > 1 && !s[get("nice")]++ {
		printf "| 0 vs %s | %.3f +-%.3f | %.1f / %s | %+.4f +-%.4f | %.3f +-%.3f | %s |\n", get("nice"), get("c_ms"), get("c_ci95_ms"),
			get("chi2"), get("df"), get("free_a_pp"), get("free_a_ci95_pp"), get("free_c_ms"), get("free_c_ci95_ms"),
			get("slice_ms") == "" ? "-" : sprintf("%.3f", get("slice_ms")) }' "$dir/window.csv"
	echo
	echo "One turn from: $(csv_awk 'FNR == 2 { print get("slice_source") }' "$dir/window.csv")."
	echo
	echo "| case | T (ms) | n | measured share | 95 % CI | theory | theory + c / T | residual (pp) | within its 95 % CI | claim (99 % family-wise) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	csv_awk 'FILENAME == ARGV[1] { if (FNR > 1 && get("experiment") == "window" && get("quantity") == "share") v[get("case")] = get("verdict"); next }
		FNR > 1 { printf "| %s | %.0f | %s | %.4f %% | +-%.4f | %.4f %% | %.4f %% | %+.4f | %s | %s |\n", get("case"), get("T_ms"),
		get("n"), get("mean"), get("ci95"), get("theory"), get("fit"), get("residual_pp"), get("residual_in_ci") == 1 ? "yes" : "no",
		get("case") in v ? (v[get("case")] == "true" ? "true" : "**" v[get("case")] "**") : "-" }' \
		"$dir/claims.csv" "$dir/window.csv"
	if [ "$chart" = 1 ]; then
		echo
		echo "![window](window.png) ([SVG](window.svg))"
	fi
} >>"$dir/REPORT.md"
