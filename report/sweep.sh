#!/usr/bin/env bash
# Renders the REPORT.md of a merged sweep folder (ci/sweep.sh --merge): every unit with its task,
# host, state and exit code (tasks.csv, build/bin/sweepmerge), the failed and cancelled ones with
# the tail of their logs; then, where units merged, each host's kernel and CPU (sources.csv), the
# share table and chart per host (shares_by_host.csv, sweepmerge) and one [true]/[false] line per claim: each host's
# against theory, then the hosts against each other (experiment "across", build/bin/labmerge).
# Reads columns by header name (report/csv.sh); no statistic is computed here.
# Usage: report/sweep.sh SWEEP_DIR   (prints the claims on stdout)
set -euo pipefail
dir=${1:?usage: report/sweep.sh SWEEP_DIR}
[ -f "$dir/tasks.csv" ] || { echo "report-sweep: $dir/tasks.csv: no such file (build/bin/sweepmerge writes it)" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. report/csv.sh
merged=0
[ -f "$dir/shares_by_host.csv" ] && [ -f "$dir/claims.csv" ] && [ -f "$dir/sources.csv" ] && merged=1
conf() { sed -n "s/^$1=//p" "$dir/sweep.conf" | tail -1; }

if [ $merged = 1 ]; then
	command -v gnuplot >/dev/null || { echo "report-sweep: gnuplot is missing (make deps installs it)" >&2; exit 1; }
	hosts=$(head -1 "$dir/shares_by_host.csv" | tr ',' '\n' | sed '1,2d' | grep -v '_ci95$' | tr '\n' ' ')
	nhosts=$(echo "$hosts" | wc -w)
	for f in png svg; do
		gnuplot -e "dir='$dir'; fmt='$f'; out='$dir/sweep.$f'; names='$hosts'; nruns=$nhosts" plots/sweep.gp 2>"$dir/sweep.gnuplot.log" ||
			{ echo "report-sweep: plots/sweep.gp failed (see $dir/sweep.gnuplot.log)" >&2; exit 1; }
	done
	rm -f "$dir/sweep.gnuplot.log"
fi
src() { csv_awk -v r="$1" -v k="$2" 'FNR > 1 && get("run") == r { print get(k) }' "$dir/sources.csv"; }
claim_lines() { # FILTER: awk condition on the row
	csv_awk "FNR > 1 && ($1) { printf \"[%s] %s: %s\\n\", get(\"verdict\"), get(\"run\"), get(\"sentence\") }" "$dir/claims.csv"
}
{
	echo "# Sweep $(conf id)"
	echo
	echo "The definition $(conf definition) (profile $(p=$(conf profile); echo "${p:-default}"), revision $(conf revision)), split into"
	echo "units of one case and its repetitions, run $([ "$(conf mode)" = slurm ] && echo "as Slurm array job $(conf array_job) (merge job $(conf merge_job))" || echo "one after another on $(conf created | sed 's/.* on //')")."
	echo "Each unit ran on one host into $dir/<host>/<unit>/; the units of a host merge into per-host/<host>/,"
	echo "the hosts into this folder's summary.csv and claims.csv, every row tagged by its host."
	echo
	echo "## Units"
	echo
	echo "| task | unit | host | state | exit code | merged |"
	echo "|---|---|---|---|---|---|"
	csv_awk 'FNR > 1 { printf "| %s | %s | %s | %s | %s | %s |\n", get("task"), get("unit"), get("host"), get("state"), get("exit_code"), get("merged") }' "$dir/tasks.csv"
	echo
	failed=$(csv_awk 'FNR > 1 && get("state") != "completed" { print get("task") }' "$dir/tasks.csv")
	if [ -n "$failed" ]; then
		echo "## Failed or cancelled units"
		echo
		for t in $failed; do
			csv_awk -v t="$t" 'FNR > 1 && get("task") == t { printf "- task %s, unit %s, host %s: %s, exit code %s; the tail of tasks/%s.log:\n", t, get("unit"), get("host"), get("state"), get("exit_code"), t }' "$dir/tasks.csv"
			echo
			echo '```'
			tail -n 5 "$dir/tasks/$t.log" 2>/dev/null || echo "(no log: the task never started)"
			echo '```'
			echo
		done
	fi
	if [ $merged = 0 ]; then
		echo "No unit left results to merge."
	else
		echo "## Hosts"
		echo
		echo "| host | kernel | scheduler | machine | HZ | preemption | base slice (ns) | CPU | CPUs | units |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		for h in $hosts; do
			echo "| $h | $(src "$h" kernel) | $(src "$h" scheduler) | $(src "$h" machine) | $(src "$h" hz) | $(src "$h" preempt) | $(src "$h" base_slice_ns) | $(src "$h" cpu_model) | $(src "$h" cpu_count) | $(sed -n 's/^units=//p' "$dir/per-host/$h/meta") |"
		done
		echo
		echo "## Shares per host"
		echo
		shares_table "$hosts" "$dir/shares_by_host.csv"
		echo
		echo "![shares over theory per host](sweep.svg)"
		echo
		echo "## Claims"
		echo
		echo "Each host against theory (tolerances: each unit's claims.csv, tolerance_kind):"
		echo
		claim_lines 'get("experiment") != "across"' | sed 's/$/  /'
		echo
		echo "The hosts against each other (the weight theory is the same everywhere, so a difference is a"
		echo "finding; tolerance: the two claims' in quadrature; none with one host):"
		echo
		across=$(claim_lines 'get("experiment") == "across"' | sed 's/$/  /')
		echo "${across:-(none: one host, or no share claim that two hosts both ran)}"
	fi
} >"$dir/REPORT.md"
[ $merged = 0 ] || claim_lines 1
