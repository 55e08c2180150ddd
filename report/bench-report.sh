#!/usr/bin/env bash
# Writes the REPORT.md of a bench run (ci/bench.sh) to stdout from the run's CSVs: the tables,
# the ratios engine / each peer, and one [true]/[false] line per target of the benchmark. Columns
# by header name (report/csv.sh); scale-summary.csv has no header: one "key,value" line each.
set -euo pipefail
. "$(dirname "$0")/csv.sh"
run=${1:?usage: bench-report.sh RUN_DIR}
[ -f "$run/startup.csv" ] || { echo "bench-report: $run/startup.csv missing" >&2; exit 1; }

claim() { if [ "$1" = 1 ]; then echo "- [true] $2"; else echo "- [false] $2"; fi; }
# median in ms of a hyperfine CSV row by command name (hyperfine writes seconds)
median_ms() { csv_awk -v n="$1" 'FNR > 1 && get("command") == n { printf "%.3f", get("median") * 1000 }' "$run/startup.csv"; }

echo "# hoglab bench: $(basename "$run")"
echo
echo '```'
cat "$run/meta"
echo '```'
echo
echo "## 1. Start a container that runs /bin/true and collect its exit"
echo
echo "Each tool with PID, UTS and mount namespaces on the same busybox rootfs (bare: no container)."
echo "hyperfine, no shell, warm-up 5."
echo
cat "$run/startup.md"
echo
if [ -s "$run/missing.txt" ]; then
	echo "Missing here, so not measured: $(paste -sd, "$run/missing.txt")."
	echo
fi
eng=$(median_ms engine)
echo "| peer | median (ms) | engine / peer |"
echo "|---|---:|---:|"
csv_awk -v e="$eng" 'FNR > 1 && get("command") != "engine" {
	printf "| %s | %.3f | %.3f |\n", get("command"), get("median") * 1000, e / (get("median") * 1000) }' "$run/startup.csv"
echo
echo "![start to exit](startup.png)"
echo
echo "## 2. Log throughput"
echo
echo "A container writes the stream of \`log_hog\` to stdout; the engine's log file against"
echo "\`cat\` copying the same stream from a pipe to a file."
echo
echo "| run | path | GiB/s | supervisor CPU ms | byte-identical |"
echo "|---:|---|---:|---:|---|"
csv_awk 'FNR > 1 { printf "| %s | %s | %.3f | %s | %s |\n", get("run"), get("path"), get("gib_per_s"), get("supervisor_cpu_ms"),
	get("identical") }' "$run/logs.csv"
med() { csv_awk -v p="$1" -v c="$2" 'FNR > 1 && get("path") == p { print get(c) }' "$run/logs.csv" | sort -g |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
cat_gibs=$(med cat gib_per_s) eng_gibs=$(med engine gib_per_s) eng_cpu=$(med engine supervisor_cpu_ms)
bytes=$(csv_awk 'FNR == 2 { print get("bytes") }' "$run/logs.csv")
cpu_per_gib=$(awk -v c="$eng_cpu" -v b="$bytes" 'BEGIN { printf "%.0f", c / (b / 2^30) }')
echo
echo "Median: engine $eng_gibs GiB/s, cat $cat_gibs GiB/s; supervisor CPU $cpu_per_gib ms per GiB."
echo
echo "![log throughput](logs.png)"
echo
echo "## 3. Supervisor scale"
echo
echo "| measure | value |"
echo "|---|---:|"
awk -F, '{ printf "| %s | %s |\n", $1, $2 }' "$run/scale-summary.csv"
ps_ms=$(csv_awk 'FNR == 2 { printf "%.3f", get("median") * 1000 }' "$run/ps.csv")
n=$(awk -F, '$1 == "containers" { print $2 }' "$run/scale-summary.csv")
echo "| engine ps median (ms) | $ps_ms |"
echo
echo "![start latency as containers accumulate](scale.png)"
echo
echo "## Targets"
echo
get() { awk -F, -v k="$1" '$1 == k { print $2 }' "$run/scale-summary.csv"; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && b != "" && a + 0 < b + 0) ? 1 : 0 }'; }
crun=$(median_ms crun) bwrap=$(median_ms bwrap) unsh=$(median_ms unshare)
if [ -n "$crun" ]; then
	claim "$(lt "$eng" "$(awk -v c="$crun" 'BEGIN { print c * 0.25 }')")" \
		"engine run median $eng ms at most 0.25 x crun's $crun ms"
else
	echo "- [false] engine run against crun: crun was not measured"
fi
[ -n "$bwrap" ] && claim "$(lt "$eng" "$bwrap")" "engine run median $eng ms below bubblewrap's $bwrap ms"
[ -n "$unsh" ] && claim "$(lt "$eng" "$unsh")" "engine run median $eng ms below unshare's $unsh ms"
all_same=$(csv_awk 'FNR > 1 && get("identical") != "yes" { bad = 1 } END { print bad ? 0 : 1 }' "$run/logs.csv")
claim "$all_same" "every log byte-identical to its source"
claim "$(lt "$(awk -v c="$cat_gibs" 'BEGIN { print c * 0.8 }')" "$eng_gibs")" \
	"log throughput $eng_gibs GiB/s at least 0.8 x cat's $cat_gibs GiB/s"
claim "$(lt "$ps_ms" 20)" "engine ps at $n containers under 20 ms ($ps_ms ms)"
claim "$(lt "$(get rss_per_container_kib)" 64)" "supervisor RSS under 64 KiB per idle container ($(get rss_per_container_kib) KiB)"
claim "$([ "$(get leftover_processes)" = 0 ] && [ "$(get leftover_cgroups)" = 0 ] && [ "$(get fds_before)" = "$(get fds_after)" ] && echo 1 || echo 0)" \
	"after stopping all: no leftover process or cgroup, fd count back to $(get fds_before) (now $(get fds_after))"
