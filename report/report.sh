#!/usr/bin/env bash
# Report generator of the lab: renders every chart of plots/ (PNG and SVG) into a run folder and
# writes its REPORT.md: host and parameters, the claims and findings, one table per experiment and
# the charts. Every claim, verdict, tolerance, spread flag and finding is the lab's claims.csv and
# every figure its summary.csv (experiments/claims.c, experiments/labsum.c): this script only
# renders them, their columns by header name (report/csv.sh). The one computation left is the demo
# timeline's CPU per 200 ms from samples.csv, a chart's input.
# Usage: report/report.sh RUN_DIR   (run from the tree's top; prints the claims on stdout)
set -euo pipefail
dir=${1:?usage: report/report.sh RUN_DIR}
[ -f "$dir/summary.csv" ] || { echo "report: $dir/summary.csv: no such file" >&2; exit 2; }
[ -f "$dir/claims.csv" ] || { echo "report: $dir/claims.csv: no such file (the lab writes it beside summary.csv; run it again)" >&2; exit 2; }
[ -f "$dir/theory.csv" ] || { echo "report: $dir/theory.csv: no such file (the lab writes it beside summary.csv; run it again)" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "report: gnuplot is missing (make deps installs it)" >&2; exit 1; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. report/csv.sh

# values FILE COLUMN [WHERE_COLUMN WHERE_VALUE]: the column's distinct values in file order, one a line.
values() {
	csv_awk -v c="$2" -v wc="${3-}" -v wv="${4-}" 'FNR > 1 && (wc == "" || get(wc) == wv) && !seen[get(c)]++ { print get(c) }' "$1"
}
has() { values "$dir/summary.csv" experiment | grep -qx "$1"; }
render() { # NAME [extra gnuplot assignments]
	local name=$1 extra=${2:-} f
	for f in png svg; do
		gnuplot -e "dir='$dir'; fmt='$f'; out='$dir/$name.$f'; $extra" "plots/$name.gp" 2>"$dir/$name.gnuplot.log" ||
			{ echo "report: plots/$name.gp failed (see $dir/$name.gnuplot.log)" >&2; return 1; }
	done
	rm -f "$dir/$name.gnuplot.log"
}
charts=()
has pairs && render shares && render completion && charts+=(shares completion)
if has mix; then
	labels=$(values "$dir/summary.csv" container experiment mix | tr '\n' ' ')
	render mix "labels='$labels'" && charts+=(mix)
fi
has autogroup && render autogroup && charts+=(autogroup)
if has demo; then
	render demo && charts+=(demo)
	run=$(values "$dir/runs.csv" run experiment demo | head -1)
	if [ -n "$run" ]; then
		# CPU used per interval of at least 200 ms (single samples come in scheduler-slice lumps),
		# as % of one CPU: t_s,pct, one block per container, each with its header line.
		csv_awk -v run="$run" 'FNR > 1 && get("run") == run { s = get("slot"); ms = get("t_ms"); ns = get("cpu_ns")
			if (!(s in t)) { t[s] = ms; c[s] = ns }
			else if (ms - t[s] >= 200) { out[s] = out[s] sprintf("%.3f,%.2f\n", ms / 1000,
				100 * (ns - c[s]) / ((ms - t[s]) * 1e6)); t[s] = ms; c[s] = ns } }
			END { printf "t_s,pct\n%s\n\nt_s,pct\n%s", out[0], out[1] }' "$dir/samples.csv" >"$dir/timeline.csv"
		render timeline "run=$run" && charts+=(timeline)
	fi
fi
src=$(sed -n 's/^wakeup_delay_source=\([a-z]*\).*/\1/p' "$dir/meta")
if has wakeup; then
	cases=$(values "$dir/wakeup.csv" case | tr '\n' ' ')
	render wakeup "cases='$cases'; src='$src'" && charts+=(wakeup)
fi
meta() { sed -n "s/^$1=//p" "$dir/meta"; }
sched_title="$(meta scheduler), $(meta kernel | sed 's/^Linux //')"
has sleeper && render sleeper "sched='$sched_title'" && charts+=(sleeper)
[ -s "$dir/shortwin.csv" ] && render shortwin "sched='$sched_title'" && charts+=(shortwin)
# The lag columns came with the short window's claims; a folder from before has none.
head -n 1 "$dir/shortwin.csv" 2>/dev/null | grep -q lag_p95_ms && render shortwin_lag "sched='$sched_title'" &&
	charts+=(shortwin_lag)
has slice && render slice "sched='$sched_title'" && charts+=(slice)
# claims_md list|findings: claims.csv's rows as REPORT.md lines (no-data prints as [false]: the
# sentence says no data or n too small); findings: the rows the lab gave a finding. Its fields
# hold no commas (experiments/claims.h).
claims_md() {
	csv_awk -v mode="$1" 'FNR > 1 && (mode == "list" || get("finding") != "") { v = get("verdict") == "true" ? "true" : "false"
		if (mode == "list") printf "[%s] %s [tolerance: %s; spread: %s]\n", v, get("sentence"), get("tolerance_kind"), get("spread")
		else printf "%s: %s\n", get("id"), get("finding") }' "$dir/claims.csv"
}
claims=$(claims_md list)

table() { # EXPERIMENT METRIC...
	local e=$1
	shift
	printf '| case | container | nice | weight | metric | n | theory | measured | 95%% CI | error |\n|---|---|---|---|---|---|---|---|---|---|\n'
	for m in "$@"; do
		csv_awk -v e="$e" -v m="$m" 'FNR > 1 && get("experiment") == e && get("metric") == m {
			unit = get("unit"); eunit = get("error_unit"); w = get("weight"); th = get("theory"); ci = get("ci95"); err = get("error")
			u = unit == "pct" ? " %" : (unit == "x" ? "x" : " " unit); eu = eunit == "pp" ? " pp" : (eunit == "pct" ? " %" : "")
			printf "| %s | %s | %s | %s | %s | %s | %s | %.3f%s | %s | %s |\n", get("case"), get("container"), get("nice"),
				w ? w : "-", m, get("n"), th == "" ? "-" : sprintf("%.3f%s", th, u), get("mean"), u,
				ci == "" ? "-" : sprintf("+-%.3f", ci), err == "" ? "-" : sprintf("%+.2f%s", err, eu) }' "$dir/summary.csv"
	done
}

avail_text() {
	echo "Completion times depend on how much of the CPU the machine leaves to the containers, which the"
	echo "weight table does not say. The theory \"for a CPU of its own\" assumes all of it; the claims \"on"
	echo "the CPU the machine left\" take, per run, the CPU the pair got while both ran (A1, avail_overlap"
	echo "below) and what the slower one got alone afterwards (A2, avail_after): the slower one ends at"
	echo "1 + (s0 - s1) A1 / A2 times the first one's time (s0, s1: theory shares), and the claim holds the"
	echo "measured ratio over that prediction against 1. Where A1 and A2 differ, the first claim fails on a"
	echo "shared machine although the scheduler split the CPU exactly as theory says."
	echo
	table "$1" avail_overlap avail_after
}
wakeup_text() {
	echo "Delays come from $(meta wakeup_delay_source). The delay_* rows are that source; the"
	echo "xcheck_* rows, present when perf is the source, are the sleeper's own /proc/self/schedstat"
	echo "run_delay per wake-up, as a cross-check. Raw delays: wakeup.csv; the sleeper's output: wakeup-RUN.out."
	echo "Wake-ups are pooled over a case's repetitions (wakeup_cdf.csv, the chart); the 95 % CI of p50 and"
	echo "p99 is distribution-free (the order statistics around the percentile's rank), its wider side shown."
	echo
	echo "Other load on the same CPU (outside this run) delays the sleeper too, whatever its nice: hog_cpu"
	echo "below is the CPU the hog got, mean over a case's runs (100 % = the CPU was theirs)."
	echo
	table wakeup hog_cpu
}
sleeper_text() {
	echo "A sleeper wants D % of one CPU (busy D % of each $(meta sleeper_period_us) us period, asleep the rest) and shares"
	echo "that CPU with a nice-0 cpu_hog; its share is its CPU time over the pair's during their overlap"
	echo "(schedstat, as the pairs measure it). What each source expects:"
	echo
	echo "- CFS (Linux below 6.6): a woken sleeper is placed up to half a latency period behind the others"
	echo "  (sleeper credit), so it gets near its demand, at most its weight-fair share min(D, 50 %)."
	echo "- EEVDF (6.6 and later): a task keeps its lag across a sleep and earns none while asleep; its"
	echo "  cover letter reports about 67/33 for a 100 % task against a 50 % one. Half the CPU while"
	echo "  runnable gives the no-credit share 100 D / (100 + D): 20, 33.3 and 42.9 % at 25, 50, 75."
	echo
	echo "This kernel is $(meta scheduler). Each row: the expectation the claims hold the share against and"
	echo "whether the kernel met it (the band is the run's own 95 % CI with a 0.5 pp floor; claims above):"
	echo
	echo "| case | expectation | expected (%) | measured (%) | 95% CI | band | met |"
	echo "|---|---|---|---|---|---|---|"
	csv_awk 'FNR > 1 && get("experiment") == "sleeper" {
		q = get("quantity"); e = q == "share_demand" ? "its demand (CFS sleeper credit)" : q == "share_fair" ? "weight-fair min(D, 50)" : "no credit (EEVDF cover letter)"
		printf "| %s | %s | %.2f | %s | %s | %s | %s |\n", get("case"), e, get("theory"), get("measured") == "" ? "no data" : sprintf("%.2f", get("measured")),
			get("ci95") == "" ? "-" : sprintf("+-%.2f", get("ci95")), get("tolerance") == "" ? "-" : sprintf("%.2f pp", get("tolerance")),
			get("verdict") == "true" ? "yes" : get("verdict") == "false" ? "no" : "no verdict" }' "$dir/claims.csv"
	echo
	table sleeper share avail_overlap
}
shortwin_text() {
	echo "A nice-0 and a nice-$(csv_awk 'FNR == 2 { print get("nice") }' "$dir/shortwin.csv") cpu_hog share one CPU; the runner reads both tasks' /proc/PID/schedstat every"
	echo "$(meta shortwin_sample_us) us from another CPU. Over consecutive windows of 1, 2, 4, ... ticks (tick $(meta shortwin_tick_ms) ms:"
	echo "HZ $(meta hz)), the niced task's share of the pair's CPU is held against the weight theory; the table"
	echo "gives, per window length pooled over the runs (shortwin.csv), the distribution of |share - theory|"
	echo "and of the niced task's CPU off its share of the pair's CPU in that window (the lag, ms)."
	echo
	echo "Expectation: EEVDF keeps each task's lag within about one slice, CFS within its scheduling period,"
	echo "so a window holds at most about that much CPU more or less than the share: the lag scale here is"
	echo "$(meta shortwin_lag_source) = $(meta shortwin_lag_ms) ms. The claim at each window of 2 ticks or more: the"
	echo "lag's p95 within the scale (false when its 95 % distribution-free CI lies above it). In pp the same"
	echo "bound is 100 lag / T of a window that had the whole CPU; a window in which the pair got less of it"
	echo "(other load) holds less CPU, so its pp error is larger for the same lag."
	echo
	echo "| ticks | window (ms) | windows | mean (pp) | p95 (pp) | 100 lag / T (pp) | lag p95 (ms) | its 95% CI | lag max (ms) | claim |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	csv_awk 'FNR == NR { if (FNR > 1 && get("experiment") == "shortwin") { split(get("quantity"), q, "_"); v[q[3]] = get("verdict") == "no-data" ? "no verdict" : get("verdict") }; next }
		FNR > 1 { printf "| %s | %.1f | %s | %.3f | %.3f | %.3f | %.3f | %.3f..%.3f | %.3f | %s |\n", get("ticks"), get("window_ms"), get("windows"),
		get("err_mean"), get("err_p95"), get("bound_pp"), get("lag_p95_ms"), get("lag_p95_lo_ms"), get("lag_p95_hi_ms"), get("lag_max_ms"),
		(get("ticks") "t") in v ? v[get("ticks") "t"] : "none (one tick)" }' "$dir/claims.csv" "$dir/shortwin.csv"
}
slice_text() {
	echo "The sleeper of [slice] (demand $(meta slice_demand) %) started through the engine with --slice-us at each value"
	echo "(EEVDF custom slices, Linux 6.12 and later), against a nice-0 hog: its run-queue delay per wake-up"
	echo "from its own schedstat and its share. A shorter slice is an earlier virtual deadline: EEVDF is"
	echo "expected to serve the woken sleeper sooner, at the price of more preemptions. $(meta slice_sweep)"
}
{
	sched=$(meta scheduler)
	echo "# Scheduler lab report (${sched:-unknown scheduler}, $(meta kernel)): $(basename "$(cd "$dir" && pwd)")"
	echo
	echo "Generated by report/report.sh from the CSV files beside this report; nothing here is edited by hand."
	echo
	echo "## Host and parameters"
	echo
	echo "| | |"
	echo "|---|---|"
	for k in date host kernel scheduler hz preempt base_slice_ns base_slice_source cpu_model cpu_count autogroup cgroup_cpu monitor git_revision definition profile seed launcher sample_ms cpu cpu_hog_iterations_per_cpu_ms noise wakeup_delay_source; do
		echo "| $k | $(meta "$k") |"
	done
	echo
	echo "Every container of a run waits at a start barrier and all are released at once. A share is the rate at"
	echo "which a container got the CPU its case's containers got: the least-squares slope of its CPU time"
	echo "(/proc/PID/schedstat, read every sample period) against their total, from the first reading by which"
	echo "each had run up to the moment the first of them ended. What it got beyond that rate by the end (part of"
	echo "one turn: the start-up term) is runs.csv's startup_ms; the share up to the end is share_overlap. Theory: the kernel's"
	echo "sched_prio_to_weight table; completion times assume equal CPU work each."
	echo
	echo "## Claims"
	echo
	echo "Every claim is a row of claims.csv, written by the lab from the definition (a case without runs"
	echo "is [false] with no data). A share is held against its theory, with a tolerance from the run-to-run"
	echo "noise measured on this machine kind plus the mean offset measured there; a completion ratio against"
	echo "its theory plus that offset (the rules of experiments/noise/README.md, section 4; the noise file is in the"
	echo "table above), or from the run's own 95 % CI where that quantity was not measured at this window"
	echo "(its tolerance kind says the n it needs; fewer is no verdict, n too small). The spread tests the"
	echo "repetitions' sd against the noise file's: HIGH above sqrt(F 95 %) times it, the one-sided 95 %"
	echo "bound of the variance ratio for the two n (experiments/README.md)."
	echo
	printf '%s\n' "$claims" | sed 's/^/- /'
	echo
	echo "## Findings"
	echo
	echo "Chosen by the lab from the claims' data: every claim false or without a verdict, every one true"
	echo "only within the outer quarter of its band or only by a measured offset, and every spread flagged."
	echo
	findings=$(claims_md findings)
	if [ -n "$findings" ]; then printf '%s\n' "$findings" | sed 's/^/- /'; else echo "None: every claim true, near its reference, with a spread inside the noise."; fi
	for e in pairs mix weights autogroup demo wakeup sleeper shortwin slice; do
		has "$e" || continue
		echo
		echo "## $e"
		echo
		case $e in
		wakeup) table "$e" delay_p50 delay_p99 delay_max xcheck_p50 xcheck_p99 xcheck_max ;;
		sleeper) sleeper_text ;;
		shortwin) shortwin_text ;;
		slice) table "$e" share delay_p50 delay_p99 delay_max avail_overlap ;;
		demo | pairs) table "$e" share wall wall_ratio wall_ratio_avail ;;
		*) table "$e" share wall_ratio ;;
		esac
		case $e in
		pairs | demo) echo; avail_text "$e" ;;
		wakeup) echo; wakeup_text ;;
		slice) echo; slice_text ;;
		esac
		for c in "${charts[@]}"; do
			case "$e:$c" in
			pairs:shares | pairs:completion | mix:mix | autogroup:autogroup | demo:demo | demo:timeline | wakeup:wakeup | \
			sleeper:sleeper | shortwin:shortwin | shortwin:shortwin_lag | slice:slice)
				echo
				echo "![$c]($c.png) ([SVG]($c.svg))" ;;
			esac
		done
	done
	if has autogroup; then
		echo
		echo "The naive cases are started by the runner itself with setsid, outside the engine: with autogroup"
		echo "on, each session is a scheduling group of equal weight, so nice only orders tasks inside a group."
		echo "The engine keeps its containers out of that trap (see runs.csv, column launcher)."
	fi
} >"$dir/REPORT.md"
report/window.sh "$dir" # the window-length section, where the run has one
printf '%s\n' "$claims"
