#!/usr/bin/env bash
# Renders the REPORT.md of a merged kernels folder (ci/experiment-kernels.sh): each kernel's
# scheduler, HZ, preemption model and base slice from its meta, the share table and chart from
# shares.csv, and one [true]/[false] line per claim of claims.csv: each kernel against the weight
# theory, then the kernels against each other (experiment "across", computed by labmerge).
# Reads columns by header name (report/csv.sh); no statistic is computed here.
# Usage: report/kernels.sh MERGED_DIR   (prints the claims on stdout)
set -euo pipefail
dir=${1:?usage: report/kernels.sh MERGED_DIR}
for f in claims.csv shares.csv summary.csv sources.csv; do
	[ -f "$dir/$f" ] || { echo "report-kernels: $dir/$f: no such file (build/bin/labmerge writes it)" >&2; exit 2; }
done
command -v gnuplot >/dev/null || { echo "report-kernels: gnuplot is missing (make deps installs it)" >&2; exit 1; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. report/csv.sh

# The runs in merge order: the share table's measured columns (those without _ci95).
runs=$(head -1 "$dir/shares.csv" | tr ',' '\n' | sed '1,2d' | grep -v '_ci95$' | tr '\n' ' ')
nruns=$(echo "$runs" | wc -w)
src() { csv_awk -v r="$1" -v k="$2" 'FNR > 1 && get("run") == r { print get(k) }' "$dir/sources.csv"; }
for f in png svg; do
	gnuplot -e "dir='$dir'; fmt='$f'; out='$dir/kernels.$f'; names='$runs'; nruns=$nruns" plots/kernels.gp 2>"$dir/kernels.gnuplot.log" ||
		{ echo "report-kernels: plots/kernels.gp failed (see $dir/kernels.gnuplot.log)" >&2; exit 1; }
done
rm -f "$dir/kernels.gnuplot.log"

claim_lines() { # FILTER: awk condition on the row
	csv_awk "FNR > 1 && ($1) { printf \"[%s] %s: %s\\n\", get(\"verdict\") == \"true\" ? \"true\" : \"false\", get(\"run\"), get(\"sentence\") }" "$dir/claims.csv"
}
{
	echo "# The scheduler lab on several kernels"
	echo
	echo "One definition (revision $(src "${runs%% *}" git_revision), profile $(src "${runs%% *}" profile)), run on each kernel below; each kernel's claims are"
	echo "held against the kernel's weight table, which is the same on CFS and EEVDF, and the kernels"
	echo "are held against each other where they ran on the same machine kind."
	echo
	echo "| run | kernel | scheduler | machine | HZ | preemption | base slice (ns) | CPU |"
	echo "|---|---|---|---|---|---|---|---|"
	for r in $runs; do
		echo "| $r | $(src "$r" kernel) | $(src "$r" scheduler) | $(src "$r" machine) | $(src "$r" hz) | $(src "$r" preempt) | $(src "$r" base_slice_ns) ($(src "$r" base_slice_source)) | $(src "$r" cpu_model) |"
	done
	echo
	echo "Fidelity: a guest's CPU times are its own accounting, so shares and completion ratios compare"
	echo "across kernels run on the same accelerator (qemu-tcg is software emulation); the host is its"
	echo "own reference and is held against theory only. Absolute times under qemu-tcg are not"
	echo "comparable with the host's."
	echo
	echo "## Shares per kernel"
	echo
	printf '| claim | theory (%%) |'
	for r in $runs; do printf ' %s (%%, 95%% CI) |' "$r"; done
	printf '\n|---|---|'
	for r in $runs; do printf -- '---|'; done
	echo
	csv_awk -v runs="$runs" 'FNR > 1 {
		n = split(runs, r, " "); printf "| %s | %.3f |", get("id"), get("theory")
		for (i = 1; i <= n; i++) printf(get(r[i]) == "" ? " no data |" : " %.3f +- %.3f |", get(r[i]), get(r[i] "_ci95"))
		print ""
	}' "$dir/shares.csv"
	echo
	echo "![shares over theory per kernel](kernels.svg)"
	echo
	echo "## Claims"
	echo
	echo "Each kernel against theory (tolerances: each run's claims.csv, tolerance_kind):"
	echo
	claim_lines 'get("experiment") != "across"' | sed 's/$/  /'
	echo
	echo "The kernels against each other (same machine kind; tolerance: the two claims' in quadrature):"
	echo
	claim_lines 'get("experiment") == "across"' | sed 's/$/  /'
} >"$dir/REPORT.md"
claim_lines 1
