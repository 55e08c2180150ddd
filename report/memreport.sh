#!/usr/bin/env bash
# Report generator of the memory-limit lab: renders plots/mem_*.gp (PNG and SVG) into a run
# folder and writes its REPORT.md: machines and parameters, tables per backend, the charts and
# one [true]/[false] line per claim. Reads only the run's files (rows of every machine in them),
# their columns by header name (report/csv.sh).
# Usage: report/memreport.sh RUN_DIR   (run from the tree's top; prints the claims on stdout)
set -euo pipefail
dir=${1:?usage: report/memreport.sh RUN_DIR}
dir=$(cd "$dir" 2>/dev/null && pwd) || { echo "memreport: $1: no such folder" >&2; exit 2; }
[ -f "$dir/summary.csv" ] || { echo "memreport: $dir/summary.csv: no such file" >&2; exit 2; }
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
# Demo: one chart per machine and backend, from runs.csv's demo rows.
R=$dir/runs.csv
while IFS=, read -r m run b p rate s h st sr kt kr; do
	nan() { [ -n "$1" ] && awk -v v="$1" -v d="$2" 'BEGIN { printf "%.6f", v / d }' || echo NaN; }
	render mem_demo "mem_demo_${m}_$b" "run=$run; machine='$m'; backend='$b'; period=$p; rate='$rate'; soft=$s; hard=$h; \
st=$(nan "$st" 1000); sr=$(nan "$sr" 1024); kt=$(nan "$kt" 1000); kr=$(nan "$kr" 1024)" && charts+=("mem_demo_${m}_$b")
done < <(csv_awk -v OFS=, 'FNR > 1 && get("experiment") == "demo" && !seen[get("machine") get("backend")]++ {
	print get("machine"), get("run"), get("backend"), get("period_ms"), get("rate_set"), get("soft_mib"), get("hard_mib"),
		get("soft_event_ms"), get("soft_rss_kib"), get("kill_event_ms"), get("rss_kill_kib") }' "$R")

S=$dir/summary.csv
series() { csv_awk -v e="$1" -v skip="$2" 'FNR > 1 && get("experiment") == e && get("backend") != skip &&
	!s[get("machine") ":" get("backend")]++ { printf "%s:%s ", get("machine"), get("backend") }' "$S"; }
rates=$(csv_awk 'FNR > 1 && get("experiment") == "overshoot" && !s[get("rate")]++ { printf "%s ", get("rate") }' "$S" | tr ' ' '\n' | sort -n | tr '\n' ' ')
if [ -n "$(series overshoot cgroup)" ]; then
	for mb in $(series overshoot cgroup); do
		for r in $rates; do
			echo period_ms,theory
			csv_awk -v m="${mb%%:*}" -v b="${mb#*:}" -v r="$r" 'FNR > 1 && get("experiment") == "overshoot" && get("machine") == m &&
				get("backend") == b && get("rate") == r && get("metric") == "overshoot" { print get("period_ms") "," get("theory") }' "$S" | sort -n
			printf '\n\n'
		done
	done >"$dir/mem_theory.dat"
	render mem_overshoot mem_overshoot "series='$(series overshoot cgroup)'; rates='$rates'; theory='$dir/mem_theory.dat'" && charts+=(mem_overshoot)
fi
[ -n "$(series overshoot -)" ] && render mem_delay mem_delay "series='$(series overshoot -)'" && charts+=(mem_delay)
[ -n "$(series cost -)" ] && render mem_cost mem_cost "series='$(series cost -)'" && charts+=(mem_cost)

# Claims (summary.csv: experiment machine backend period_ms rate containers metric unit n
# theory theory_max mean ci95 min max; runs.csv for per-run extremes).
claims=$(
csv_awk '
function line(ok, text) { printf "[%s] %s\n", ok ? "true" : "false", text }
FNR > 1 && get("backend") == "cgroup" && get("experiment") != "cost" { mc = get("machine"); ov = get("overshoot_mib"); pk = get("peak_sample_over_mib")
	n[mc]++; if (ov != "" && ov + 0 > mo[mc] || !(mc in mo)) mo[mc] = ov + 0
	if (!(mc in mp) || pk + 0 > mp[mc]) mp[mc] = pk + 0 }
END { for (m in n) line(mo[m] <= 0, sprintf("cgroup hard limit (%s): RSS at kill (the cgroup'"'"'s charge) never above the limit in %d runs (highest %+.3f MiB; runner statm peak %+.3f MiB, see Findings)", m, n[m], mo[m], mp[m])) }' "$R"
csv_awk '
function line(ok, text) { printf "[%s] %s\n", ok ? "true" : "false", text }
FNR == 1 { next }
{ e = get("experiment"); mc = get("machine"); b = get("backend"); p = get("period_ms"); r = get("rate"); nc = get("containers")
  m = get("metric"); n = get("n"); th = get("theory"); thm = get("theory_max"); mean = get("mean"); ci = get("ci95"); mx = get("max") }
m == "killed" { line(mean == 100, sprintf("%s %s %s %d ms, %d MiB/s: every run killed at the hard limit (%.0f%% of %d)", e, mc, b, p, r, mean, n)) }
e == "overshoot" && m == "overshoot" && b != "cgroup" && n > 0 {
	line(mean >= 0.5 * th && mean <= 1.5 * th, sprintf("%s %s at %d ms, %d MiB/s: mean overshoot %.3f MiB (95%% CI +-%.3f, n=%d) within 50%% of theory %.3f MiB", mc, b, p, r, mean, ci, n, th))
	line(mx <= thm * 1.1 + 0.5, sprintf("%s %s at %d ms, %d MiB/s: largest overshoot %.3f MiB within rate x period %.3f MiB (+10%% +0.5 MiB)", mc, b, p, r, mx, thm)) }
e == "overshoot" && m == "soft_seen" && n > 0 && th < 100 {
	line(mean <= th + 25 && mean >= th - 25, sprintf("%s %s at %d ms, %d MiB/s: soft limit seen in %.0f%% of runs, theory min(1, span / (rate x period)) = %.0f%%", mc, b, p, r, mean, th)) }
e == "overshoot" && m == "soft_delay" && n > 0 {
	sd[mc " " b " " p] += mean * n; sn[mc " " b " " p] += n; sp[mc " " b " " p] = p }
e == "cost" && b != "kmod" { c[mc " " b, nc] = mean; cn[mc " " b] = 1; if (nc > cmax[mc " " b]) cmax[mc " " b] = nc }
END {
	for (k in sd) { d = sd[k] / sn[k]; p = sp[k]
		line(d >= 0.25 * p && d <= 0.75 * p, sprintf("%s: mean soft-limit detection delay %.2f ms (n=%d) within 50%% of theory %.1f ms", k " ms", d, sn[k], p / 2)) }
	for (k in cn) if (cmax[k] > 1)
		line(c[k, cmax[k]] > c[k, 1], sprintf("%s monitor: CPU per tick grows with the containers watched (%.1f us at 1, %.1f us at %d)", k, c[k, 1], c[k, cmax[k]], cmax[k]))
}' "$S" | sort
)

meta() { sed -n "s/^$1=//p" "$dir/meta"; }
table() { # MACHINE BACKEND
	csv_awk -v m="$1" -v b="$2" '
	FNR > 1 && get("experiment") == "overshoot" && get("machine") == m && get("backend") == b {
		k = get("period_ms") "," get("rate"); if (!(k in seen)) { seen[k] = 1; order[++n] = k }
		x = get("metric"); v[k, x] = get("mean"); ci[k, x] = get("ci95"); t[k, x] = get("theory"); tm[k, x] = get("theory_max")
		nn[k, x] = get("n"); mx[k, x] = get("max") }
	END { print "| period ms | rate set | rate measured MiB/s | n | killed | " (b == "cgroup" ? "peak charge - limit" : "overshoot") " MiB mean (CI) | theory mean / max | largest | kill delay ms (theory) | soft delay ms (theory) |"
	      print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	      for (i = 1; i <= n; i++) { k = order[i]; split(k, a, ",")
		printf "| %d | %d | %.0f | %d | %.0f%% | %.3f (+-%.3f) | %.3f / %.3f | %.3f | %.1f (%.1f) | %.1f (%.1f) |\n", a[1], a[2], v[k, "rate"], nn[k, "killed"],
			v[k, "killed"], v[k, "overshoot"], ci[k, "overshoot"], t[k, "overshoot"], tm[k, "overshoot"], mx[k, "overshoot"],
			v[k, "kill_delay"], t[k, "kill_delay"], v[k, "soft_delay"], t[k, "soft_delay"] } }' "$S" |
	sort -t'|' -k2,2n -k3,3n
}
{
	echo "# Memory limits: soft and hard limits per monitor backend, against theory"
	echo
	echo "Run \`$(basename "$dir")\` of \`make experiment-memlimits\`: git $(meta git_revision), $(meta date), profile $(meta profile), seed $(meta seed)."
	echo
	echo "## Machines and parameters"
	echo
	echo '```'
	for k in kernel cpu_model cpu_count machine cgroup_memory sample_ms backend_kmod backend_cgroup backend_proc kmod_period_floor vm_machine vm_kernel vm_accel vm_backend_kmod vm_backend_cgroup vm_kmod_period_floor vm_cgroup_memory vm_note; do
		v=$(meta "$k")
		[ -n "$v" ] && echo "$k=$v"
	done
	echo '```'
	if grep -q '^vm_machine=' "$dir/meta"; then
		echo
		echo "Rows whose machine is \`$(meta vm_machine)\` come from the QEMU guest of \`make experiment-memlimits VM=1\`:"
		echo "an **emulated machine** (software CPU emulation unless the accel line says kvm), whose timing is"
		echo "slower than real hardware: its rates, delays and costs describe the emulator, not a real CPU."
		echo "The kmod rows come only from there (this host cannot load modules)."
	fi
	echo
	echo "## How it was measured"
	echo
	echo "- Each run starts \`/memory_hog --rate R --step R x 0.5 ms\` through a private supervisor of one backend and one"
	echo "  sampling period (\`engine supervisor --monitor B --monitor-period-ms P\`; kmod: the module's \`period_ms\`)."
	echo "  The runner reads the hog's \`/proc/PID/statm\` every $(meta sample_ms) ms itself: the crossings of the soft and"
	echo "  hard limits are interpolated between its samples (for cgroup, whose kill comes before RSS reaches the"
	echo "  limit, extrapolated from the growth up to the peak). The supervisor's events give the soft-limit event"
	echo "  and the kill; overshoot = RSS at kill (as the engine reports it) minus the hard limit."
	echo "- Theory for a sampling backend: the monitor sees the crossing at its next tick, uniform over one period,"
	echo "  so overshoot ~ U(0, rate x period) with mean rate x period / 2 (rate: the measured one), and the"
	echo "  verdict comes U(0, period) after the crossing. The cgroup hard limit is the kernel's own charge: exact."
	echo "- An idle *phase keeper* container stays watched during each group and every run starts at a random"
	echo "  point of the period. Without it the sampling timer is armed by each run's own start, every crossing"
	echo "  falls at the same point of the period and the overshoot is one fixed value instead of uniform (seen"
	echo "  while building this lab: proc at 100 ms and 200 MiB/s overshot 16.4 MiB in every run)."
	echo "- Monitor cost: the supervisor's event-loop thread CPU (\`/proc/PID/schedstat\`) over a window with"
	echo "  1..100 idle containers watched, divided by the ticks in that window. kmod scans in a kernel worker"
	echo "  that this does not count, so its row shows only the supervisor's side."
	echo
	echo "## Claims"
	echo
	echo '```'
	echo "$claims"
	echo '```'
	echo
	nf=$(grep -c '^\[false\]' <<<"$claims" || true)
	echo "$nf of $(grep -c '^\[' <<<"$claims") claims do not hold; see *Findings* below."
	echo
	echo "## Overshoot sweep"
	for mb in $(series overshoot -); do
		echo
		echo "### ${mb%%:*}, ${mb#*:} backend"
		echo
		if [ "${mb#*:}" = cgroup ]; then
			echo "For cgroup the \"RSS at kill\" is not an RSS: it is the memory cgroup's **peak charge** (\`memory.peak\` in v2,"
			echo "\`memory.max_usage_in_bytes\` in v1) read after the kernel's kill, so the overshoot column is that peak minus"
			echo "the limit (the charge counts page tables and kernel stacks too, and can never pass the limit)."
			echo
		fi
		table "${mb%%:*}" "${mb#*:}"
	done
	echo
	echo "## Monitor cost"
	echo
	echo "| machine | backend | period ms | containers | n | supervisor CPU per tick us (CI) | per container us |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	csv_awk 'FNR > 1 && get("experiment") == "cost" { printf "| %s | %s | %d | %d | %d | %.1f (+-%.1f) | %.2f |\n", get("machine"), get("backend"),
		get("period_ms"), get("containers"), get("n"), get("mean"), get("ci95"), get("mean") / get("containers") }' "$S"
	echo
	echo "## Charts"
	for c in "${charts[@]}"; do
		echo
		echo "![$c]($c.png)"
	done
	echo
	echo "## Findings"
	echo
	csv_awk 'FNR > 1 && get("metric") == "rate" && get("mean") < 0.9 * get("theory") { k = get("machine") " " get("backend") ", rate " get("rate"); v = get("mean")
		if (!(k in lo) || v < lo[k]) lo[k] = v; if (v > hi[k]) hi[k] = v }
	END { for (k in lo) printf "- **%s MiB/s**: memory_hog reached only %.0f..%.0f MiB/s (mean per period): touching fresh pages (a page fault and a zeroed page each) is as fast as this machine goes; every theory line and number uses the measured rate, not the one asked.\n", k, lo[k], hi[k] }' "$S" | sort
	if csv_awk 'FNR > 1 && get("backend") == "cgroup" && get("metric") == "kill_delay" && get("mean") > 0 { f = 1 } END { exit !f }' "$S"; then
		echo "- **cgroup kill delay above its theory of 0**: the kernel kills inside the allocation that hits the limit;"
		echo "  the engine's hard-limit event follows at its next tick or at the reap of the dead container (the"
		echo "  freeing of its memory), which is what the delay column shows, not a late kill."
	fi
	if csv_awk 'FNR > 1 && get("metric") == "soft_seen" && get("theory") < 100 { f = 1 } END { exit !f }' "$S"; then
		echo "- **cgroup misses soft-limit crossings at long periods**: the kernel kills at the hard limit inside the"
		echo "  allocation, so the soft crossing is seen only when a tick falls in the time the hog spends between the"
		echo "  two limits, (hard - soft) / rate; when that is shorter than the period the soft event is often lost."
		echo "  proc and kmod report it with the kill at worst."
	fi
	if csv_awk 'FNR > 1 && get("backend") == "cgroup" && get("soft_delay_ms") != "" && get("soft_delay_ms") < 0 { f = 1 } END { exit !f }' "$R"; then
		echo "- **cgroup soft-limit event before the runner saw RSS cross**: the memory cgroup charges page tables, kernel"
		echo "  stacks and the page cache of the container's files as well as RSS, so its usage crosses the limit a little"
		echo "  before statm's RSS does (and its hard kill lands with RSS a little below the limit)."
	fi
	if csv_awk 'FNR > 1 && get("backend") == "cgroup" && get("peak_sample_over_mib") > 0 { f = 1 } END { exit !f }' "$R"; then
		echo "- **statm RSS a little above a cgroup limit**: statm's RSS counts the resident pages of the hog's own binary,"
		echo "  file pages charged to the cgroup that first read them (the host's), not to this container; the"
		echo "  container's own charge, which the limit bounds, never passed it."
	fi
	if grep -q '^\[false\].*proc at 1 ms' <<<"$claims"; then
		echo "- **proc at 1 ms**: rate x period / 2 is a fraction of a MiB there, the same order as what the hog allocates"
		echo "  while the supervisor reads statm of its processes, signals and the kernel delivers SIGKILL; those fixed"
		echo "  latencies, not the period, set the overshoot at this end of the sweep."
	fi
	if grep -q ':kmod' <<<"$(series overshoot -)"; then
		echo "- **kmod's period on a jiffy clock**: the module's scan is a delayed_work, whose delays are whole jiffies"
		echo "  (the guest's Debian kernel: HZ=250, 4 ms). It keeps an absolute timetable (each deadline the previous one"
		echo "  plus period_ms, the delay to it rounded up to jiffies), so each pass runs within a jiffy of its deadline and"
		echo "  the mean period is period_ms: the theory uses period_ms. (The module before this timetable queued each pass"
		echo "  msecs_to_jiffies(period_ms) after the previous one ended: 10 ms became 12 ms plus the pass and the wake-up.)"
		echo "  At 10 ms single intervals are 8 or 12 ms, which lifts the mean delay by E[L^2] / (2 E[L]) - period / 2, about"
		echo "  0.2 ms; in the emulated guest the kernel worker also waits for a vCPU that the hog and the runner keep busy."
	fi
	if grep -q '^qemu' <<<"$(csv_awk 'FNR > 1 { print get("machine") }' "$R" | sort -u)"; then
		echo "- **guest RSS rises in 256 KiB steps** (its demo chart): the guest's 6.1 kernel counts page faults per task"
		echo "  (SPLIT_RSS_COUNTING, on since NR_CPUS >= CONFIG_SPLIT_PTLOCK_CPUS = 4: include/linux/mm_types_task.h) and adds"
		echo "  them to the mm's counters only every TASK_RSS_EVENTS_THRESH = 64 faults (mm/memory.c: add_mm_counter_fast,"
		echo "  check_sync_rss_stat): 64 pages of 4 KiB. statm and the module's get_mm_rss read the mm's counters, so both see"
		echo "  RSS up to 256 KiB late. The host's newer kernel (6.2 on) keeps these counters in percpu_counters instead, read"
		echo "  without folding in each CPU's small pending delta."
	fi
	if grep -q ':kmod' <<<"$(series cost -)"; then
		echo "- **kmod cost shows 0**: the module scans in a kernel worker; the supervisor only reads its event records,"
		echo "  so the supervisor-side CPU this lab measures is nil for kmod (the scan's own cost is not measured)."
	fi
	if grep -q 'kmod_period_floor' "$dir/meta"; then
		echo "- **kmod has no 1 ms point**: the module's period_ms accepts 10..10000 ms, so the sweep's 1 ms period is not run"
		echo "  for kmod (meta: \`$(meta kmod_period_floor)$(meta vm_kmod_period_floor)\`)."
	fi
	if grep -q '^\[false\].*cgroup [0-9]* ms: mean soft-limit detection' <<<"$claims"; then
		lag=$(csv_awk 'FNR > 1 && get("backend") == "cgroup" && get("period_ms") <= 10 && get("soft_delay_ms") != "" && get("rate_mibs") != "" {
				mc = get("machine"); s[mc] += (get("soft_delay_ms") - get("period_ms") / 2) * get("rate_mibs") / 1000; n[mc]++ }
			END { for (k in n) printf "%s%s %.2f", (i++ ? ", " : ""), k, s[k] / n[k] }' "$R")
		echo "- **cgroup soft-limit events late at short periods**: the runner times the crossing on statm's RSS, which counts the"
		echo "  hog's file-backed pages (its static binary: RssFile about 0.8 MiB). A memory cgroup (v1 or v2) charges those pages to the"
		echo "  cgroup that first read the file (the host's; in the guest, the root cgroup's), not to the container, so the container's charge reaches the soft"
		echo "  limit only when its anonymous memory does, that much later (less what the memory cgroup charges ahead in per-CPU"
		echo "  batches of up to 64 pages). Here (delay - period / 2) x rate at 1 and 10 ms is, in MiB on average, ${lag:-?}: the order"
		echo "  of that file RSS; divided by the rate it outweighs period / 2 at 1 ms and is comparable to it at 10 ms."
	fi
	phase=$(csv_awk '
		FNR > 1 && get("experiment") == "overshoot" && get("backend") != "cgroup" && get("period_ms") >= 50 && get("ok") == 1 &&
		get("start_mono_ms") != "" && get("detect_ms") != "" {
			k = get("machine") " " get("backend") " " get("period_ms") " ms"; P = get("period_ms")
			t = (get("start_mono_ms") + get("kill_event_ms")) % P
			if (!(k in ref)) { ref[k] = t; lo[k] = hi[k] = 0 }
			d = (t - ref[k] + 1.5 * P) % P - P / 2; if (d < lo[k]) lo[k] = d; if (d > hi[k]) hi[k] = d
			sd[k] += get("detect_ms"); n[k]++; per[k] = P }
		END { for (k in n) { m = sd[k] / n[k]; se2 = 2 * per[k] / sqrt(12 * n[k])
			printf "%s: kill ticks within %.1f ms of one phase, mean delay %.1f ms (n=%d, theory %.1f +- %.1f: %s)\n",
			k, hi[k] - lo[k], m, n[k], per[k] / 2, se2, (m - per[k] / 2) ^ 2 <= se2 ^ 2 ? "within" : "OUTSIDE" } }' "$R" | sort -k1,1 -k2,2 -k3,3n)
	if [ -n "$phase" ]; then
		echo "- **where crossings fall in the sampling period** (proc and kmod at 50 ms and more): the kill's time modulo the"
		echo "  period shows the monitor's ticks keep one phase for a whole group (the phase keeper works), give or take the"
		echo "  supervisor's wake-up latency on this shared machine; the start jitter spreads the crossings over the period,"
		echo "  so the kill delay should be U(0, period), its mean period / 2 within two standard errors (2 x period / sqrt(12 n)),"
		echo "  all rates of a period together. A row OUTSIDE that band is a bias this lab does not explain yet:"
		sed 's/^/  - /' <<<"$phase"
	fi
	if grep -q '^\[false\].*soft limit seen in' <<<"$claims"; then
		echo "- **cgroup sees the soft limit more often than min(1, span / (rate x period))**: the window for a tick is longer"
		echo "  than the hog's time between the limits: after the kernel's kill the dying hog's charge stays above the soft"
		echo "  limit until its memory is freed, and a tick in that time still reports the crossing. With n = 4 the measured"
		echo "  share also has a binomial standard deviation of up to 25 points, the claim's own tolerance."
	fi
	if grep -q '^\[false\].*kmod.* 10 ms' <<<"$claims"; then
		kmax=$(csv_awk 'FNR > 1 && get("backend") == "kmod" && get("period_ms") == 10 && get("detect_ms") > m { m = get("detect_ms") } END { printf "%.1f", m }' "$R")
		echo "- **kmod at 10 ms in the emulated guest**: the scan runs in a kernel worker that must wait for a vCPU while the hog"
		echo "  and the 1 ms runner keep both busy under software emulation; at 10 ms that wait is the size of the period"
		echo "  (longest kill delay here ${kmax} ms), so single runs overshoot rate x period and the short-period means sit"
		echo "  above theory. The ticks themselves keep their phase (the phase rows above)."
	fi
	if grep -q '^\[false\].*soft-limit detection' <<<"$claims"; then
		echo "- **soft-limit delays off their theory**: at the shortest periods the event loop's own latency (timer expiry,"
		echo "  reading and handling the sample) is comparable to period / 2; with few runs per period the mean of a"
		echo "  uniform delay also wanders (its standard deviation is period / sqrt(12 n))."
	fi
	if grep -q '^\[false\].*mean overshoot' <<<"$claims"; then
		echo "- **a mean overshoot outside 50% of theory**: with n runs the mean of U(0, rate x period) has a standard deviation"
		echo "  of rate x period / sqrt(12 n); at n = 4 that is 14% of the range, so an occasional miss of the 50% band"
		echo "  is expected; a systematic one at one end of the sweep is explained above."
	fi
	echo
	echo "Files: \`samples.csv\` (runner's RSS samples), \`runs.csv\` (one row per run), \`cost.csv\`, \`summary.csv\`,"
	echo "\`meta\`, \`definition.conf\`, \`engine-logs/\`; charts as PNG and SVG."
} >"$dir/REPORT.md"
echo "$claims"
