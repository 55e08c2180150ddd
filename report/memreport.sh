#!/usr/bin/env bash
# Report generator of the memory-limit lab: renders plots/mem_*.gp (PNG and SVG) into a run
# folder and writes its REPORT.md from the run's claims.csv (every verdict, tolerance and figure
# is memlab's, experiments/memclaims.c), summary.csv (the tables) and the charts. No statistics
# here: the awk programs below select and print rows, by header name (report/csv.sh).
# Usage: report/memreport.sh RUN_DIR   (run from the tree's top; prints the claims on stdout)
set -euo pipefail
dir=${1:?usage: report/memreport.sh RUN_DIR}
dir=$(cd "$dir" 2>/dev/null && pwd) || { echo "memreport: $1: no such folder" >&2; exit 2; }
for f in summary.csv claims.csv runs.csv meta; do
	[ -f "$dir/$f" ] || { echo "memreport: $dir/$f: no such file (memlab --summarize $dir writes summary.csv and claims.csv)" >&2; exit 2; }
done
command -v gnuplot >/dev/null || { echo "memreport: gnuplot is missing (make deps installs it)" >&2; exit 1; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
. report/csv.sh

render() { # NAME OUTNAME [extra gnuplot assignments]
	local name=$1 outname=$2 extra=${3:-} f
	for f in png svg; do
		gnuplot -e "dir='$dir'; fmt='$f'; out='$dir/$outname.$f'; $extra" "plots/$name.gp" 2>"$dir/$outname.gnuplot.log" ||
			{ echo "memreport: plots/$name.gp failed (see $dir/$outname.gnuplot.log)" >&2; return 1; }
	done
	rm -f "$dir/$outname.gnuplot.log"
}
charts=()
R=$dir/runs.csv S=$dir/summary.csv C=$dir/claims.csv
# A series: machine, kernel, backend, kmod mode, and its label "machine_series_backend[-mode]".
KSERIES='function kser(k, a) { split(k, a, "."); return a[2] != "" ? a[1] "." a[2] : (k == "" ? "?" : k) }
function lbl(m, k, b, mo) { return m "_" kser(k) "_" b (mo == "-" || mo == "" ? "" : "-" mo) }'
# Demo: one chart per series, from runs.csv's first demo row of each.
while IFS=, read -r lb run p rate s h st sr kt kr; do
	render mem_demo "mem_demo_$lb" "run=$run; machine='$lb'; backend='$lb'; period=$p; rate='$rate'; soft=$s; hard=$h; \
st=(${st:-NaN}) / 1000.0; sr=(${sr:-NaN}) / 1024.0; kt=(${kt:-NaN}) / 1000.0; kr=(${kr:-NaN}) / 1024.0" && charts+=("mem_demo_$lb")
done < <(csv_awk -v OFS=, "$KSERIES"'
	FNR > 1 && get("experiment") == "demo" && !seen[l = lbl(get("machine"), get("kernel"), get("backend"), get("monitor_mode"))]++ {
	print l, get("run"), get("period_ms"), get("rate_set"), get("soft_mib"), get("hard_mib"),
		get("soft_event_ms"), get("soft_rss_kib"), get("kill_event_ms"), get("rss_kill_kib") }' "$R")

# The series of summary.csv: "EXPERIMENT MACHINE KERNEL BACKEND MODE LABEL" lines.
series_all=$(csv_awk "$KSERIES"'FNR > 1 && !s[k = get("experiment") " " get("machine") " " get("kernel") " " get("backend") " " get("monitor_mode")]++ {
	print k, lbl(get("machine"), get("kernel"), get("backend"), get("monitor_mode")) }' "$S")
# series_args EXPERIMENT SKIP_BACKEND: gnuplot's sm, sk, sb, so and sl word lists.
series_args() {
	local e m k b mo l sm= sk= sb= so= sl=
	while read -r e m k b mo l; do
		[ "$e" = "$1" ] && [ "$b" != "$2" ] || continue
		sm+="$m " sk+="$k " sb+="$b " so+="$mo " sl+="$l "
	done <<<"$series_all"
	[ -n "$sb" ] && echo "sm='$sm'; sk='$sk'; sb='$sb'; so='$so'; sl='$sl'"
}
rates=$(csv_awk 'FNR > 1 && get("experiment") == "overshoot" && !s[get("rate")]++ { print get("rate") }' "$S" | sort -n | tr '\n' ' ')
if a=$(series_args overshoot cgroup); then render mem_overshoot mem_overshoot "$a; rates='$rates'" && charts+=(mem_overshoot); fi
if a=$(series_args overshoot -); then render mem_delay mem_delay "$a" && charts+=(mem_delay); fi
if a=$(series_args cost -); then render mem_cost mem_cost "$a" && charts+=(mem_cost); fi

# Claims: claims.csv's rows as they are (its sentences hold no commas, experiments/claims.h).
claims=$(csv_awk 'FNR > 1 { printf "[%s] %s [tolerance: %s]\n", get("verdict"), get("sentence"), get("tolerance_kind") }' "$C")

meta() { sed -n "s/^$1=//p" "$dir/meta"; }
table() { # MACHINE KERNEL BACKEND MODE: summary.csv's overshoot rows of one series, as they are
	csv_awk -v m="$1" -v k="$2" -v b="$3" -v mo="$4" '
	FNR > 1 && get("experiment") == "overshoot" && get("machine") == m && get("kernel") == k && get("backend") == b && get("monitor_mode") == mo {
		key = get("period_ms") "," get("rate"); if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		x = get("metric"); v[key, x] = get("mean"); ci[key, x] = get("ci95"); t[key, x] = get("theory"); tm[key, x] = get("theory_max")
		nn[key, x] = get("n"); mx[key, x] = get("max") }
	END { print "| period ms | rate set | rate measured MiB/s | n | killed | " (b == "cgroup" ? "peak charge - limit" : "overshoot") " MiB mean (CI) | theory mean / max | largest | kill delay ms (theory) | soft delay ms (theory) |"
	      print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	      for (i = 1; i <= n; i++) { key = order[i]; split(key, a, ",")
		printf "| %d | %d | %.0f | %d | %.0f%% | %.3f (+-%.3f) | %.3f / %.3f | %.3f | %.1f (%.1f) | %.1f (%.1f) |\n", a[1], a[2], v[key, "rate"], nn[key, "killed"],
			v[key, "killed"], v[key, "overshoot"], ci[key, "overshoot"], t[key, "overshoot"], tm[key, "overshoot"], mx[key, "overshoot"],
			v[key, "kill_delay"], t[key, "kill_delay"], v[key, "soft_delay"], t[key, "soft_delay"] } }' "$S" |
	sort -t'|' -k2,2n -k3,3n
}
# Findings are chosen from claims.csv's fields (quantity, backend, mode, period, verdict), never
# from its sentences: one tag per line, with the figures a paragraph quotes.
tags=$(csv_awk 'FNR > 1 { q = get("quantity"); v = get("verdict"); b = get("backend"); mo = get("monitor_mode"); p = get("period_ms") + 0
	if (v == "no-data") nd++
	if (q == "flat") printf "event_flat %s %s %s %.3f %.3f\n", v, get("machine"), get("kernel"), get("measured"), get("tolerance")
	if (q == "overshoot" && mo == "event") printf "event_at %s %s %d %.3f %.3f\n", get("machine"), get("kernel"), p, get("measured"), get("reference")
	if (v != "false") next
	if (q == "overshoot" && b != "cgroup" && mo != "event" && p <= 10) short = 1
	if (q == "overshoot" && mo == "event") ev = 1
	if (q == "soft_delay" && b == "cgroup" && p <= 10) filerss = 1
	if (q == "soft_delay" && b != "cgroup") softlat = 1
	if (q == "soft_seen") seen = 1
	if (q == "anon_peak") anon = 1
	if (q == "killed") killed = 1 }
	END { if (nd) print "no_data " nd; if (short) print "short"; if (ev) print "event_above"; if (filerss) print "filerss"
	      if (softlat) print "softlat"; if (seen) print "seen"; if (anon) print "anon"; if (killed) print "killed" }' "$C")
has() { grep -q "^$1\( \|$\)" <<<"$tags"; }
# kmod scan's overshoot rows beside event mode's, per machine, kernel, period and rate (as they are).
scan_at=$(csv_awk 'FNR > 1 && get("experiment") == "overshoot" && get("backend") == "kmod" && get("monitor_mode") == "scan" && get("metric") == "overshoot" {
	printf "%s %s %d %d %.3f\n", get("machine"), get("kernel"), get("period_ms"), get("rate"), get("mean") }' "$S" | sort -k1,2 -k3,3n -k4,4n)
{
	echo "# Memory limits: soft and hard limits per monitor backend, against theory"
	echo
	echo "Run \`$(basename "$dir")\` of \`make experiment-memlimits\`: git $(meta git_revision), $(meta date), profile $(meta profile), seed $(meta seed)."
	echo
	echo "## Machines and parameters"
	echo
	echo '```'
	grep -E '^(kernel|cpu_model|cpu_count|machine|cgroup_memory|sample_ms|backend_[a-z]*|kmod_modes|kmod_period_floor|vm_[a-z_]*)=' "$dir/meta"
	echo '```'
	if grep -q '^vm_machine=' "$dir/meta"; then
		echo
		echo "Rows whose machine is \`$(meta vm_machine)\` come from the QEMU guests of \`make experiment-memlimits VM=1\`, one boot"
		echo "per kernel (\`$(meta vm_kernels)\`; the kernel column says which): an **emulated machine** (software CPU emulation"
		echo "unless the accel line says kvm), whose timing is slower than real hardware: its rates, delays and costs describe"
		echo "the emulator, not a real CPU. The kmod rows come only from there (this host cannot load modules)."
	fi
	echo
	echo "## How it was measured"
	echo
	echo "- Each run starts \`/memory_hog --rate R --step R x 0.5 ms\` through a private supervisor of one backend, one kmod"
	echo "  mode and one sampling period (\`engine supervisor --monitor B [--monitor-mode scan|event] --monitor-period-ms P\`;"
	echo "  kmod: the module's \`period_ms\`). The runner reads the hog's \`/proc/PID/statm\` every $(meta sample_ms) ms itself: the"
	echo "  crossings are interpolated between its samples (for cgroup, extrapolated from the growth up to the peak). The"
	echo "  supervisor's events give the soft-limit event and the kill; overshoot = RSS at kill minus the hard limit."
	echo "- Theory, from the measured rate: a sampler (proc, kmod scan; cgroup for its soft event) sees a crossing at its"
	echo "  next tick, so overshoot / (rate x period) and delay / period are U(0, 1). kmod event checks when the kernel's"
	echo "  \`rss_stat\` tracepoint fires: the overshoot is bounded by the counters' sync granularity whatever the period"
	echo "  (before 6.2, SPLIT_RSS_COUNTING: 64 pages per thread; from 6.2: under 32 pages per CPU for the probe's read)."
	echo "  The cgroup hard limit is the kernel's own charge: the runner's statm anonymous peak never passes it."
	echo "- An idle *phase keeper* container stays watched during each group and every run starts at a random point of"
	echo "  the period, so crossings fall uniformly over the period."
	echo "- Monitor cost: the supervisor's event-loop CPU (\`/proc/PID/schedstat\`) per tick with 1..100 idle containers."
	echo "  kmod scans in a kernel worker that this does not count."
	echo "- Every verdict, tolerance and no-data below is memlab's (\`claims.csv\`, experiments/memclaims.c); each claim"
	echo "  names its tolerance rule. A claim whose n cannot tell its theory from the nearest wrong answer says so."
	echo
	echo "## Claims"
	echo
	echo '```'
	echo "$claims"
	echo '```'
	echo
	echo "$(grep -c '^\[false\]' <<<"$claims" || true) of $(grep -c '^\[' <<<"$claims") claims do not hold and $(grep -c '^\[no-data\]' <<<"$claims" || true) cannot be decided at their n; see *Findings*."
	echo
	echo "## Overshoot sweep"
	while read -r e m k b mo l; do
		[ "$e" = overshoot ] || continue
		echo
		echo "### $m, kernel $k, $b backend$([ "$mo" = - ] || echo ", $mo mode")"
		echo
		[ "$b" = cgroup ] && echo "For cgroup the \"RSS at kill\" is the memory cgroup's **peak charge** read after the kernel's kill." && echo
		table "$m" "$k" "$b" "$mo"
	done <<<"$series_all"
	echo
	echo "## Monitor cost"
	echo
	echo "| machine | kernel | backend | mode | period ms | containers | n | supervisor CPU per tick us (CI) |"
	echo "|---|---|---|---|---:|---:|---:|---:|"
	csv_awk 'FNR > 1 && get("experiment") == "cost" { printf "| %s | %s | %s | %s | %d | %d | %d | %.1f (+-%.1f) |\n", get("machine"), get("kernel"),
		get("backend"), get("monitor_mode"), get("period_ms"), get("containers"), get("n"), get("mean"), get("ci95") }' "$S"
	echo
	echo "## Charts"
	for c in "${charts[@]}"; do
		echo
		echo "![$c]($c.png)"
	done
	echo
	echo "## Findings"
	echo
	if has event_flat; then
		echo "- **What event mode buys**: kmod in event mode kills at the counters' sync granularity instead of the next tick,"
		echo "  so its overshoot does not grow with the period; scan's grows as rate x period / 2. Measured (MiB; event mode's"
		echo "  mean per period, its bound; then scan's mean per period and rate):"
		while read -r _ v m k d tol; do
			echo "  - $m $k: event $(awk -v m="$m" -v k="$k" '$2 == m && $3 == k { printf "%s%d ms %s (bound %s)", n++ ? ", " : "", $4, $5, $6 }' <<<"$(grep '^event_at ' <<<"$tags" | sort -k4,4n)");"
			echo "    shortest to longest period $d (tolerance $tol): [$v]; scan $(awk -v m="$m" -v k="$k" '$1 == m && $2 == k { printf "%s%d ms %d MiB/s %s", n++ ? ", " : "", $3, $4, $5 }' <<<"$scan_at")."
		done < <(grep '^event_flat ' <<<"$tags")
	fi
	if has event_above; then
		echo "- **event mode above its sync bound**: the bound counts only the counters' granularity; the check then runs in a"
		echo "  workqueue and kills while the hog keeps faulting (rate x that latency), which under emulation can exceed it."
	fi
	if has no_data; then
		echo "- **$(grep '^no_data ' <<<"$tags" | cut -d' ' -f2) claims cannot be decided at their n**: the mean of U(0, 1) over n runs has a spread of"
		echo "  1 / sqrt(12 n); a verdict needs its tolerance (z99 x that / sqrt(n)) at most 0.25, i.e. n >= 9 per period"
		echo "  (the default profile pools 3 rates x 4 repetitions = 12; quick has 4)."
	fi
	if has short; then
		echo "- **samplers at 10 ms and below**: rate x period / 2 is then the size of what the hog allocates while the supervisor"
		echo "  reads, signals and the kernel delivers SIGKILL (and, in the emulated guest, while the kernel worker waits for a"
		echo "  vCPU): those fixed latencies, not the period, set the overshoot at that end of the sweep."
	fi
	if has filerss; then
		echo "- **cgroup soft-limit events late at short periods**: the runner times the crossing on statm's RSS, which counts the"
		echo "  hog's file pages (its static binary, \`file_rss_kib\` in runs.csv), charged to the cgroup that first read the file,"
		echo "  not to the container; the container's charge reaches the soft limit only when its anonymous memory does."
	fi
	if has softlat; then
		echo "- **soft-limit delays off period / 2**: at short periods the event loop's own latency is comparable to the period."
	fi
	if has seen; then
		echo "- **cgroup saw the soft limit less often than a tick falls between the limits**: a sampler that skips ticks."
	fi
	if has anon; then
		echo "- **the runner saw anonymous memory above a cgroup's hard limit**: the limit did not hold (memory.max unset or late)."
	fi
	if has killed; then
		echo "- **a run was not killed at its hard limit**: see runs.csv's state column and the supervisor logs in engine-logs/."
	fi
	echo "- **rates reached** (every theory uses the measured rate, not the one asked; shown where below 90 % of it):"
	csv_awk 'FNR > 1 && get("metric") == "rate" && get("experiment") == "overshoot" && get("n") > 0 && get("mean") < 0.9 * get("theory") {
		k = get("machine") " " get("kernel"); l[k] = l[k] sprintf("%s%s%s %d ms %d->%.0f", l[k] == "" ? "" : "; ", get("backend"),
			get("monitor_mode") == "-" ? "" : "-" get("monitor_mode"), get("period_ms"), get("rate"), get("mean")) }
		END { for (k in l) printf "  - %s (MiB/s asked->measured): %s\n", k, l[k] }' "$S" | sort
	echo
	echo "Files: \`samples.csv\` (runner's RSS samples), \`runs.csv\` (one row per run), \`cost.csv\`, \`summary.csv\`, \`claims.csv\`,"
	echo "\`meta\`, \`definition.conf\`, \`engine-logs/\`, \`vm/<kernel>/\` (each guest's own files); charts as PNG and SVG."
} >"$dir/REPORT.md"
echo "$claims"
