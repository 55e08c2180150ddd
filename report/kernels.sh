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
# The new cases' charts, where the runs have them: NAME [extra gnuplot assignments].
render() {
	local f
	for f in png svg; do
		gnuplot -e "dir='$dir'; fmt='$f'; out='$dir/$1.$f'; names='$runs'; nruns=$nruns; ${2:-}" "plots/$1.gp" 2>"$dir/$1.gnuplot.log" ||
			{ echo "report-kernels: plots/$1.gp failed (see $dir/$1.gnuplot.log)" >&2; return 1; }
	done
	rm -f "$dir/$1.gnuplot.log"
}
has() { csv_awk -v e="$1" 'FNR > 1 && get("experiment") == e { found = 1; exit } END { exit !found }' "$dir/summary.csv"; }
charts=()
if has wakeup; then
	render kernels_wakeup && charts+=(kernels_wakeup)
	# One CDF per kernel, from its own run folder.
	for r in $runs; do
		rd=$(src "$r" dir)
		[ -s "$rd/wakeup_cdf.csv" ] || continue
		cases=$(csv_awk 'FNR > 1 && !seen[get("case")]++ { printf "%s ", get("case") }' "$rd/wakeup_cdf.csv")
		wsrc=$(csv_awk 'FNR == 2 { print get("source") }' "$rd/wakeup_cdf.csv")
		for f in png svg; do
			gnuplot -e "dir='$rd'; fmt='$f'; out='$dir/wakeup-$r.$f'; cases='$cases'; src='$wsrc'; kernel='$r: $(src "$r" kernel) ($(src "$r" scheduler), $(src "$r" machine))'" plots/wakeup.gp 2>/dev/null ||
				{ echo "report-kernels: plots/wakeup.gp failed for $r" >&2; break; }
		done
		[ -s "$dir/wakeup-$r.png" ] && charts+=("wakeup-$r")
	done
fi
has sleeper && render kernels_sleeper && charts+=(kernels_sleeper)
[ -s "$dir/shortwin.csv" ] && render kernels_shortwin && charts+=(kernels_shortwin)
chart() { local c; for c in "${charts[@]}"; do case $c in $1) echo; echo "![$c]($c.svg)" ;; esac; done; }
# metric_table EXPERIMENT METRIC...: one row per case and metric, a column per kernel (mean +- CI).
metric_table() {
	local e=$1
	shift
	printf '| case | metric |'
	for r in $runs; do printf ' %s |' "$r"; done
	printf '\n|---|---|'
	for r in $runs; do printf -- '---|'; done
	echo
	csv_awk -v e="$e" -v ms="$*" -v runs="$runs" 'FNR > 1 && get("experiment") == e {
		nm = split(ms, m, " "); for (i = 1; i <= nm; i++) if (get("metric") == m[i]) break
		if (i > nm || (get("metric") == "share" && get("slot") != 0)) next
		k = get("case") SUBSEP get("metric"); if (!(k in seen)) { seen[k] = 1; order[++n] = k }
		u = get("unit") == "pct" ? " %" : " " get("unit")
		val[k, get("run")] = sprintf("%.2f%s%s", get("mean"), get("ci95") == "" ? "" : sprintf(" +- %.2f", get("ci95")), u) }
		END { nr = split(runs, r, " "); for (j = 1; j <= n; j++) { split(order[j], p, SUBSEP); printf "| %s | %s |", p[1], p[2]
			for (i = 1; i <= nr; i++) printf " %s |", ((order[j], r[i]) in val) ? val[order[j], r[i]] : "no data"; print "" } }' "$dir/summary.csv"
}

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
	parts=$(for r in $runs; do
		j=$(src "$r" joined)
		[ -z "$j" ] || echo "- $r ran as ${j%% parts*} parts, each its own boot (\`lab --part\`), joined into one run (\`lab --join\`); a case's runs all come from one of them."
	done)
	[ -z "$parts" ] || printf '%s\n\n' "$parts"
	echo "Fidelity: a guest's CPU times are its own accounting, so shares and completion ratios compare"
	echo "across kernels run on the same accelerator (qemu-tcg is software emulation); the host is its"
	echo "own reference and is held against theory only. Absolute times under qemu-tcg are not"
	echo "comparable with the host's."
	echo
	echo "## Shares per kernel"
	echo
	shares_table "$runs" "$dir/shares.csv"
	echo
	echo "![shares over theory per kernel](kernels.svg)"
	echo
	if has wakeup; then
		echo "## Wake-up latency per nice"
		echo
		echo "A periodic sleeper (wakeup_hog) at each nice against a nice-0 cpu_hog on one CPU: its run-queue"
		echo "delay per wake-up, pooled over the repetitions, p50 and p99 with distribution-free 95 % CIs."
		echo "Absolute delays under qemu-tcg are the emulator's, not comparable with the host's: compare the"
		echo "guests with each other (same accelerator); the host row is its own reference."
		echo
		metric_table wakeup delay_p50 delay_p99 delay_max
		chart 'kernels_wakeup'
		chart 'wakeup-*'
		echo
	fi
	if has sleeper; then
		echo "## Sleeper fairness"
		echo
		echo "A sleeper wanting D % of one CPU against a nice-0 hog on that CPU. CFS (below 6.6) places a woken"
		echo "sleeper up to half a latency period behind the others (sleeper credit): near its demand, at most"
		echo "the weight-fair min(D, 50 %). EEVDF (6.6 on) keeps a task's lag across its sleep: its cover"
		echo "letter reports about 67/33 for a 100 % task against a 50 % one, the no-credit share"
		echo "100 D / (100 + D). Shares are CPU-time ratios, comparable across accelerators. Which"
		echo "expectation each kernel met (band: the run's own 95 % CI, floor 0.5 pp):"
		echo
		printf '| case | expectation | expected (%%) |'
		for r in $runs; do printf ' %s |' "$r"; done
		printf '\n|---|---|---|'
		for r in $runs; do printf -- '---|'; done
		echo
		csv_awk -v runs="$runs" 'FNR > 1 && get("experiment") == "sleeper" {
			k = get("case") SUBSEP get("quantity"); if (!(k in seen)) { seen[k] = 1; order[++n] = k; th[k] = get("theory") }
			v = get("verdict"); val[k, get("run")] = get("measured") == "" ? "no data" : sprintf("%.2f +- %.2f: %s", get("measured"), get("ci95"), v == "true" ? "met" : v == "false" ? "not met" : "no verdict") }
			END { nr = split(runs, r, " "); for (j = 1; j <= n; j++) { split(order[j], p, SUBSEP)
				e = p[2] == "share_demand" ? "its demand (CFS)" : p[2] == "share_fair" ? "weight-fair (CFS cap)" : "no credit (EEVDF)"
				printf "| %s | %s | %.2f |", p[1], e, th[order[j]]
				for (i = 1; i <= nr; i++) printf " %s |", ((order[j], r[i]) in val) ? val[order[j], r[i]] : "no data"; print "" } }' "$dir/claims.csv"
		chart kernels_sleeper
		echo
	fi
	if [ -s "$dir/shortwin.csv" ]; then
		echo "## Short-window fairness"
		echo
		echo "A nice 0 / nice N pair on one CPU, both tasks' CPU read every sample (1 ms by default); over"
		echo "consecutive windows of 1, 2, 4, ... ticks of each kernel, the niced task's CPU off its share of the"
		echo "pair's CPU in that window (its lag, ms). Expected: EEVDF keeps a task's lag within about a slice"
		echo "(at least a tick where slices end on ticks), CFS within its period (8 x its minimum granularity);"
		echo "each kernel's claim at every window of 2 ticks or more: the lag's p95 within that scale (false when"
		echo "its 95 % distribution-free CI lies above it). Lag scale per kernel:"
		echo
		for r in $runs; do echo "- $r: $(src "$r" shortwin_lag_source) (tick $(src "$r" shortwin_tick_ms) ms)"; done
		echo
		printf '| ticks |'
		for r in $runs; do printf ' %s: lag p95 (95%% CI) / scale (ms), claim |' "$r"; done
		printf '\n|---|'
		for r in $runs; do printf -- '---|'; done
		echo
		csv_awk -v runs="$runs" 'FNR == NR { if (FNR > 1 && get("experiment") == "shortwin") { split(get("quantity"), q, "_")
				vd[get("run"), q[3]] = get("verdict") == "no-data" ? "no verdict" : get("verdict") }; next }
			FNR > 1 { t = get("ticks"); if (!(t in seen)) { seen[t] = 1; order[++n] = t }
			val[t, get("run")] = sprintf("%.2f (%.2f..%.2f) / %.2f, %s", get("lag_p95_ms"), get("lag_p95_lo_ms"), get("lag_p95_hi_ms"),
				get("lag_ms"), (get("run"), t "t") in vd ? vd[get("run"), t "t"] : "none (one tick)") }
			END { nr = split(runs, r, " "); for (j = 1; j <= n; j++) { printf "| %s |", order[j]
				for (i = 1; i <= nr; i++) printf " %s |", ((order[j], r[i]) in val) ? val[order[j], r[i]] : "no data"; print "" } }' "$dir/claims.csv" "$dir/shortwin.csv"
		chart kernels_shortwin
		echo
	fi
	if has slice || csv_awk 'FNR > 1 && get("slice_sweep") != "" { f = 1 } END { exit !f }' "$dir/sources.csv"; then
		echo "## Custom slices (--slice-us)"
		echo
		echo "The sleeper (through the engine, --slice-us) against a nice-0 hog: its share and its run-queue"
		echo "delay per slice. Kernels that keep no custom slice (before 6.12) skip the case with the engine's line:"
		echo
		for r in $runs; do echo "- $r: $(src "$r" slice_sweep)"; done
		echo
		metric_table slice share delay_p50 delay_p99 delay_max
		echo
	fi
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
