#!/usr/bin/env bash
# Report generator of the lab: renders every chart of plots/ (PNG and SVG) into a run folder and
# writes its REPORT.md: host and parameters, one table per experiment, the charts, and one
# [true]/[false] line per claim checked against theory. Reads only the run's files.
# Usage: report/report.sh RUN_DIR   (run from the tree's top; prints the claims on stdout)
set -euo pipefail
dir=${1:?usage: report/report.sh RUN_DIR}
[ -f "$dir/summary.csv" ] || { echo "report: $dir/summary.csv: no such file" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "report: gnuplot is missing (make deps installs it)" >&2; exit 1; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

has() { awk -F, -v e="$1" '$1 == e { f = 1 } END { exit !f }' "$dir/summary.csv"; }
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
	labels=$(awk -F, '$1 == "mix" && $8 == "share" { printf "%s ", $5 }' "$dir/summary.csv")
	render mix "labels='$labels'" && charts+=(mix)
fi
has autogroup && render autogroup && charts+=(autogroup)
if has demo; then
	render demo && charts+=(demo)
	run=$(awk -F, '$3 == "demo" { print $1; exit }' "$dir/runs.csv")
	if [ -n "$run" ]; then
		# CPU used per interval of at least 200 ms (single samples come in scheduler-slice lumps),
		# as % of one CPU: t_s,pct, one block per container.
		awk -F, -v run="$run" '$1 == run { s = $4; if (!(s in t)) { t[s] = $2; c[s] = $5 }
			else if ($2 - t[s] >= 200) { out[s] = out[s] sprintf("%.3f,%.2f\n", $2 / 1000,
				100 * ($5 - c[s]) / (($2 - t[s]) * 1e6)); t[s] = $2; c[s] = $5 } }
			END { printf "%s\n\n%s", out[0], out[1] }' "$dir/samples.csv" >"$dir/timeline.csv"
		render timeline "run=$run" && charts+=(timeline)
	fi
fi
src=$(sed -n 's/^wakeup_delay_source=\([a-z]*\).*/\1/p' "$dir/meta")
if has wakeup; then
	cases=$(awk -F, 'NR > 1 && !s[$2]++ { printf "%s ", $2 }' "$dir/wakeup.csv")
	render wakeup "cases='$cases'; src='$src'" && charts+=(wakeup)
fi

meta() { sed -n "s/^$1=//p" "$dir/meta"; }
# Claims: one line each, from summary.csv (columns: experiment case param slot container nice
# weight metric unit n theory mean ci95 error error_unit).
claims=$(awk -F, '
function line(ok, text) { printf "[%s] %s\n", ok ? "true" : "false", text }
NR == 1 { next }
$8 == "share" && ($1 == "pairs" || $1 == "mix" || $1 == "weights" || ($1 == "autogroup" && $2 ~ /^engine/) || $1 == "demo") {
	line($14 <= 1 && $14 >= -1, sprintf("%s %s: %s share %.2f%% (95%% CI +-%.2f, n=%d) within 1 pp of theory %.2f%%", $1, $2, $5, $12, $13, $10, $11))
}
$1 == "autogroup" && $2 ~ /^sessions/ && $8 == "share" && $4 == 1 {
	nt = 100 * w[$6] / (1024 + w[$6])
	line(($12 - nt) > (50 - $12), sprintf("autogroup %s: with a session each, the nice-%d container gets %.2f%%, nearer 50%% than its nice theory %.2f%%: nice loses its effect", $2, $6, $12, nt))
}
($1 == "pairs" || $1 == "demo") && $8 == "wall_ratio" && $4 == 1 {
	line($14 <= 5 && $14 >= -5, sprintf("%s %s: %s ends at %.3fx the first one'"'"'s time (95%% CI +-%.3f), within 5%% of theory %.3fx for a CPU of its own", $1, $2, $5, $12, $13, $11))
}
($1 == "pairs" || $1 == "demo") && $8 == "wall_ratio_avail" && $4 == 1 {
	line($14 <= 5 && $14 >= -5, sprintf("%s %s: %s ends at %.3fx, within 5%% of theory %.3fx on the CPU the machine left to the pair", $1, $2, $5, $12, $11))
}
$1 == "demo" && $8 == "wall" && $4 == 1 {
	line($12 < 120, sprintf("demo: cn-nice completed in %.1f s (predicted %.1f s), not still running after 2 minutes as the original write-up says", $12, $11))
}
$1 == "wakeup" && $8 == "delay_p50" { p50[$6] = $12; n50[$6] = $10 }
END {
	if ((-5 in p50) && (10 in p50))
		line(p50[-5] <= p50[10], sprintf("wakeup: median run-queue delay at nice -5 (%.0f us, n=%d) is no longer than at nice 10 (%.0f us, n=%d)", p50[-5], n50[-5], p50[10], n50[10]))
}
BEGIN { split("88761 71755 56483 46273 36291 29154 23254 18705 14949 11916 9548 7620 6100 4904 3906 3121 2501 1991 1586 1277 1024 820 655 526 423 335 272 215 172 137 110 87 70 56 45 36 29 23 18 15", t, " "); for (i = 1; i <= 40; i++) w[i - 21] = t[i] }
' "$dir/summary.csv")

table() { # EXPERIMENT METRIC...
	local e=$1
	shift
	printf '| case | container | nice | weight | metric | n | theory | measured | 95%% CI | error |\n|---|---|---|---|---|---|---|---|---|---|\n'
	for m in "$@"; do
		awk -F, -v e="$e" -v m="$m" '$1 == e && $8 == m {
			u = $9 == "pct" ? " %" : ($9 == "x" ? "x" : " " $9); eu = $15 == "pp" ? " pp" : ($15 == "pct" ? " %" : "")
			printf "| %s | %s | %s | %s | %s | %s | %s | %.3f%s | %s | %s |\n", $2, $5, $6, $7 ? $7 : "-", m, $10,
				$11 == "" ? "-" : sprintf("%.3f%s", $11, u), $12, u, $13 == "" ? "-" : sprintf("+-%.3f", $13),
				$14 == "" ? "-" : sprintf("%+.2f%s", $14, eu) }' "$dir/summary.csv"
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
	awk -F, -v e="$1" '$3 == e && $21 == 1 && $7 == 0 { a1[$4] += $18; n[$4]++; if (!(($4) in seen)) { seen[$4] = 1; order[++k] = $4 } }
		$3 == e && $21 == 1 && $7 == 1 && $19 != "" { a2[$4] += $19; m[$4]++ }
		END { for (i = 1; i <= k; i++) { c = order[i]; x = a1[c] / n[c]; y = m[c] ? a2[c] / m[c] : 0
			printf "| %s | %d | %.1f | %s | %s |\n", c, n[c], x, m[c] ? sprintf("%.1f", y) : "-", m[c] && y ? sprintf("%.3f", x / y) : "-" } }' "$dir/runs.csv"
}
wakeup_text() {
	echo "Delays come from $(meta wakeup_delay_source). The delay_* rows are that source; the"
	echo "xcheck_* rows, present when perf is the source, are the sleeper's own /proc/self/schedstat"
	echo "run_delay per wake-up, as a cross-check. Raw delays: wakeup.csv; the sleeper's output: wakeup-RUN.out."
	echo
	echo "Other load on the same CPU (outside this run) delays the sleeper too, whatever its nice: the"
	echo "CPU the hog got in each run shows how much was left to the two (100 % = the CPU was theirs)."
	echo
	echo "| case | run | hog's CPU (% of one CPU) |"
	echo "|---|---|---|"
	awk -F, '$3 == "wakeup" && $8 == "hog" && $13 > 0 { printf "| %s | %s | %.1f |\n", $4, $1, $14 / ($13 * 10) }' "$dir/runs.csv"
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
	for k in date kernel cpu_model cpu_count autogroup cgroup_cpu monitor git_revision definition profile seed launcher sample_ms cpu cpu_hog_iterations_per_cpu_ms wakeup_delay_source; do
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
