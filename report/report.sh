#!/usr/bin/env bash
# Report generator of the lab: renders every chart of plots/ (PNG and SVG) into a run folder and
# writes its REPORT.md: host and parameters, one table per experiment, the charts, and one
# [true]/[false] line per claim. The share claims are the lab's claims.csv, rendered as they are
# (verdict, sentence, tolerance and its kind: the statistics are the lab's, experiments/claims.c);
# the others are still checked here against summary.csv. Reads only the run's files, their
# columns by header name (report/csv.sh); every theory value comes from the lab's summary.csv and theory.csv.
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

has() { csv_awk -v e="$1" 'FNR > 1 && get("experiment") == e { f = 1 } END { exit !f }' "$dir/summary.csv"; }
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
	labels=$(csv_awk 'FNR > 1 && get("experiment") == "mix" && get("metric") == "share" { printf "%s ", get("container") }' "$dir/summary.csv")
	render mix "labels='$labels'" && charts+=(mix)
fi
has autogroup && render autogroup && charts+=(autogroup)
if has demo; then
	render demo && charts+=(demo)
	run=$(csv_awk 'FNR > 1 && get("experiment") == "demo" { print get("run"); exit }' "$dir/runs.csv")
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
	cases=$(csv_awk 'FNR > 1 && !s[get("case")]++ { printf "%s ", get("case") }' "$dir/wakeup.csv")
	render wakeup "cases='$cases'; src='$src'" && charts+=(wakeup)
fi

meta() { sed -n "s/^$1=//p" "$dir/meta"; }
# Share claims: claims.csv's rows as they are (no-data shows as [false]; its sentences hold no
# commas, experiments/claims.h).
share_claims=$(csv_awk 'FNR > 1 { v = get("verdict"); printf "[%s] %s [tolerance: %s]\n", v == "true" ? "true" : "false", get("sentence"), get("tolerance_kind") }' "$dir/claims.csv")
# The other claims: one line each, from summary.csv (its columns by name; theory_nice: the share nice alone
# gives, what the autogroup sessions cases are held against).
claims=$(csv_awk '
function line(ok, text) { printf "[%s] %s\n", ok ? "true" : "false", text }
FNR == 1 { next }
{ e = get("experiment"); cs = get("case"); slot = get("slot"); ct = get("container"); nice = get("nice")
  m = get("metric"); n = get("n"); th = get("theory"); mean = get("mean"); ci = get("ci95"); err = get("error") }
e == "autogroup" && cs ~ /^sessions/ && m == "share" && slot == 1 {
	nt = get("theory_nice")
	line((mean - nt) > (50 - mean), sprintf("autogroup %s: with a session each, the nice-%d container gets %.2f%%, nearer 50%% than its nice theory %.2f%%: nice loses its effect", cs, nice, mean, nt))
}
(e == "pairs" || e == "demo") && m == "wall_ratio" && slot == 1 {
	line(err <= 5 && err >= -5, sprintf("%s %s: %s ends at %.3fx the first one'"'"'s time (95%% CI +-%.3f), within 5%% of theory %.3fx for a CPU of its own", e, cs, ct, mean, ci, th))
}
(e == "pairs" || e == "demo") && m == "wall_ratio_avail" && slot == 1 {
	line(err <= 5 && err >= -5, sprintf("%s %s: %s ends at %.3fx, within 5%% of theory %.3fx on the CPU the machine left to the pair", e, cs, ct, mean, th))
}
e == "demo" && m == "wall" && slot == 1 {
	line(mean < 120, sprintf("demo: cn-nice completed in %.1f s (predicted %.1f s), not still running after 2 minutes as the original write-up says", mean, th))
}
e == "wakeup" && m == "delay_p50" { p50[nice] = mean; n50[nice] = n }
END {
	if ((-5 in p50) && (10 in p50))
		line(p50[-5] <= p50[10], sprintf("wakeup: median run-queue delay at nice -5 (%.0f us, n=%d) is no longer than at nice 10 (%.0f us, n=%d)", p50[-5], n50[-5], p50[10], n50[10]))
}
' "$dir/summary.csv")
claims=$(printf '%s\n%s' "$share_claims" "$claims")

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

avail() { # EXPERIMENT: the CPU the machine left to each case, from runs.csv
	echo "Completion times depend on how much of the CPU the machine leaves to the containers, which the"
	echo "weight table does not say. The theory \"for a CPU of its own\" assumes all of it; the theory \"on"
	echo "the CPU the machine left\" takes, per run, the CPU the pair got while both ran (A1) and what the"
	echo "slower one got alone afterwards (A2): the slower one ends at 1 + (s0 - s1) A1 / A2 times the"
	echo "first one's time (s0, s1: theory shares). Where A1 and A2 differ, the first claim fails on a"
	echo "shared machine although the scheduler split the CPU exactly as theory says."
	echo
	echo "| case | runs | A1: CPU of all while both ran (% of one CPU) | A2: CPU of the slower one alone (% of one CPU) | A1 / A2 |"
	echo "|---|---|---|---|---|"
	csv_awk -v e="$1" 'FNR > 1 && get("experiment") == e && get("ok") == 1 { cs = get("case"); slot = get("slot")
			if (slot == 0) { a1[cs] += get("avail_overlap"); n[cs]++; if (!(cs in seen)) { seen[cs] = 1; order[++k] = cs } }
			if (slot == 1 && get("avail_after") != "") { a2[cs] += get("avail_after"); m[cs]++ } }
		END { for (i = 1; i <= k; i++) { c = order[i]; x = a1[c] / n[c]; y = m[c] ? a2[c] / m[c] : 0
			printf "| %s | %d | %.1f | %s | %s |\n", c, n[c], x, m[c] ? sprintf("%.1f", y) : "-", m[c] && y ? sprintf("%.3f", x / y) : "-" } }' "$dir/runs.csv"
}
wakeup_text() {
	echo "Delays come from $(meta wakeup_delay_source). The delay_* rows are that source; the"
	echo "xcheck_* rows, present when perf is the source, are the sleeper's own /proc/self/schedstat"
	echo "run_delay per wake-up, as a cross-check. Raw delays: wakeup.csv; the sleeper's output: wakeup-RUN.out."
	echo "Wake-ups are pooled over a case's repetitions (wakeup_cdf.csv, the chart); the 95 % CI of p50 and"
	echo "p99 is distribution-free (the order statistics around the percentile's rank), its wider side shown."
	echo
	echo "Other load on the same CPU (outside this run) delays the sleeper too, whatever its nice: the"
	echo "CPU the hog got in each run shows how much was left to the two (100 % = the CPU was theirs)."
	echo
	echo "| case | run | hog's CPU (% of one CPU) |"
	echo "|---|---|---|"
	csv_awk 'FNR > 1 && get("experiment") == "wakeup" && get("container") == "hog" && get("wall_s") > 0 {
		printf "| %s | %s | %.1f |\n", get("case"), get("run"), get("cpu_ms") / (get("wall_s") * 10) }' "$dir/runs.csv"
}
{
	echo "# CFS lab report: $(basename "$(cd "$dir" && pwd)")"
	echo
	echo "Generated by report/report.sh from the CSV files beside this report; nothing here is edited by hand."
	echo
	echo "## Host and parameters"
	echo
	echo "| | |"
	echo "|---|---|"
	for k in date kernel cpu_model cpu_count autogroup cgroup_cpu monitor git_revision definition profile seed launcher sample_ms cpu cpu_hog_iterations_per_cpu_ms noise wakeup_delay_source; do
		echo "| $k | $(meta "$k") |"
	done
	echo
	echo "Shares are each container's CPU time (/proc/PID/schedstat) during the overlap divided by the sum"
	echo "over the case's containers: from the first sample at which all of them were running up to the"
	echo "moment the first of them ended (the earlier of the supervisor's reap and the runner's pidfd; each container's CPU time at"
	echo "that moment interpolated between the samples around it). Theory: the kernel's"
	echo "sched_prio_to_weight table; completion times assume equal CPU work each."
	echo
	echo "## Claims"
	echo
	echo "The share claims are claims.csv (one per container of every case of the definition; a case"
	echo "without runs is [false] with no data). Each is held against theory plus the start-up term"
	echo "measured on this machine kind, with a tolerance from its run-to-run noise (the rule of"
	echo "experiments/noise/README.md, section 4; the noise file is in the table above); where none was"
	echo "measured the band is a flat 1 pp and the claim says so."
	echo
	printf '%s\n' "$claims" | sed 's/^/- /'
	for e in pairs mix weights autogroup demo wakeup; do
		has "$e" || continue
		echo
		echo "## $e"
		echo
		case $e in
		wakeup) table "$e" delay_p50 delay_p99 delay_max xcheck_p50 xcheck_p99 xcheck_max ;;
		demo | pairs) table "$e" share wall wall_ratio wall_ratio_avail ;;
		*) table "$e" share wall_ratio ;;
		esac
		case $e in
		pairs | demo) echo; avail "$e" ;;
		wakeup) echo; wakeup_text ;;
		esac
		for c in "${charts[@]}"; do
			case "$e:$c" in
			pairs:shares | pairs:completion | mix:mix | autogroup:autogroup | demo:demo | demo:timeline | wakeup:wakeup)
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
printf '%s\n' "$claims"
