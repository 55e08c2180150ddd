#!/usr/bin/env bash
# The window-length section of a CFS run's REPORT.md: renders plots/window.gp (PNG and SVG)
# into the run folder and appends the section (the model, the fitted c beside the base slice,
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
	echo "c is of the order of one base slice: a task that joins the run queue with zero lag gets its"
	echo "first slice at once and stays at most one slice ahead of its fluid share, so 0 <= c <= slice."
	echo "The lab fits c per nice by weighted least squares (each run a point, weight T^2: the spread is"
	echo "a jitter of fixed CPU time), checks a free intercept (an excess that stays as T grows is not"
	echo "c / T) and holds each window's mean within its own 95 % CI of theory + c / T. Claims:"
	echo "claims.csv rows window/...; rows: window.csv."
	echo
	# One line per pair from its claims' verdicts: explained when all are true.
	csv_awk 'FNR > 1 && get("experiment") == "window" {
			pair = get("case"); sub(/-[0-9]+ms$/, "", pair)
			if (!(pair in n)) order[++k] = pair
			n[pair]++
			if (get("verdict") != "true") {
				q = get("quantity")
				what = q == "c_ms" ? "c not within 0..slice" : q == "intercept_pp" ? "the free intercept not zero" : "the window " get("case")
				bad[pair] = bad[pair] (bad[pair] == "" ? "" : "; ") what " (" get("verdict") ")"
			} }
		END { for (i = 1; i <= k; i++) { p = order[i]
			if (bad[p] == "") printf "- **%s: explained.** The excess follows c / T at every window and c is within one base slice (%d claims true).\n", p, n[p]
			else printf "- **%s: not explained by c / T here.** %s.\n", p, bad[p] } }' "$dir/claims.csv"
	echo
	echo "| pair | c (ms of CPU), 95 % CI | chi2 / df | free fit: intercept (pp) | free fit: c (ms) | base slice (ms) |"
	echo "|---|---|---|---|---|---|"
	csv_awk 'FNR > 1 && !s[get("nice")]++ {
		printf "| 0 vs %s | %.3f +-%.3f | %.1f / %s | %+.4f +-%.4f | %.3f +-%.3f | %s |\n", get("nice"), get("c_ms"), get("c_ci95_ms"),
			get("chi2"), get("df"), get("free_a_pp"), get("free_a_ci95_pp"), get("free_c_ms"), get("free_c_ci95_ms"),
			get("slice_ms") == "" ? "-" : sprintf("%.3f", get("slice_ms")) }' "$dir/window.csv"
	echo
	echo "Base slice from: $(csv_awk 'FNR == 2 { print get("slice_source") }' "$dir/window.csv")."
	echo
	echo "| case | T (ms) | n | measured share | 95 % CI | theory | theory + c / T | residual (pp) | within CI |"
	echo "|---|---|---|---|---|---|---|---|---|"
	csv_awk 'FNR > 1 { printf "| %s | %.0f | %s | %.4f %% | +-%.4f | %.4f %% | %.4f %% | %+.4f | %s |\n", get("case"), get("T_ms"),
		get("n"), get("mean"), get("ci95"), get("theory"), get("fit"), get("residual_pp"), get("residual_in_ci") == 1 ? "yes" : "**no**" }' \
		"$dir/window.csv"
	if [ "$chart" = 1 ]; then
		echo
		echo "![window](window.png) ([SVG](window.svg))"
	fi
} >>"$dir/REPORT.md"
