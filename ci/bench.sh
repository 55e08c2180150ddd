#!/usr/bin/env bash
# make bench: the engine beside crun, runc, bubblewrap, unshare and a bare exec, on one rootfs.
# Three benchmarks: start-to-exit of /bin/true (hyperfine), log throughput against cat, and
# supervisor scale (500 idle containers). Writes results/bench/<run-id>/ (CSV, JSON, Markdown,
# charts, REPORT.md) and points results/bench/latest at it. Uses a private supervisor.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/build/bin}
ENGINE=$BIN/engine
ROOTFS=${ROOTFS:-$TOP/rootfs/base}
RUNS=${RUNS:-50}
LOG_BYTES=${LOG_BYTES:-1G}
SCALE_N=${SCALE_N:-500}

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (containers need namespaces and mounts)"
[ -x "$ENGINE" ] || die "$ENGINE missing (run: make)"
[ -d "$ROOTFS" ] || die "$ROOTFS missing (run: make rootfs)"
command -v hyperfine >/dev/null || die "hyperfine missing (run: make deps)"

run_id=$(date -u +%Y%m%dT%H%M%SZ)
out=$TOP/results/bench/$run_id
mkdir -p "$out"
tmp=$(mktemp -d /tmp/hoglab-bench.XXXXXX)
sup_pid=

cleanup() {
	if [ -n "$sup_pid" ] && kill -0 "$sup_pid" 2>/dev/null; then
		kill -TERM "$sup_pid"
		wait "$sup_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

export HOGLAB_SOCKET=$tmp/engine.sock
"$ENGINE" supervisor "$ROOTFS" --socket "$HOGLAB_SOCKET" --state-dir "$tmp/state" \
	--log-dir "$tmp/logs" >"$tmp/supervisor.out" 2>&1 &
sup_pid=$!
for _ in $(seq 100); do [ -S "$HOGLAB_SOCKET" ] && break; sleep 0.05; done
[ -S "$HOGLAB_SOCKET" ] || die "supervisor did not start: $(cat "$tmp/supervisor.out")"

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $(uname -r)"
	echo "cpus: $(nproc)"
	echo "cpu_model: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "git: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$TOP" diff --quiet 2>/dev/null || echo -dirty)"
	echo "rootfs: $ROOTFS"
	echo "runs: $RUNS"
} >"$out/meta"

# 1. Start a container running /bin/true and collect its exit.
say "1/3 start-to-exit of /bin/true, $RUNS runs each"
bundle=$tmp/bundle
mkdir -p "$bundle"
cat >"$bundle/config.json" <<JSON
{
	"ociVersion": "1.0.0",
	"process": { "terminal": false, "user": { "uid": 0, "gid": 0 }, "args": [ "/bin/true" ],
		     "env": [ "PATH=/usr/sbin:/usr/bin:/sbin:/bin" ], "cwd": "/" },
	"root": { "path": "$ROOTFS", "readonly": true },
	"hostname": "bench",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "mode=755", "size=64k" ] }
	],
	"linux": { "namespaces": [ { "type": "pid" }, { "type": "uts" }, { "type": "mount" } ] }
}
JSON
names=() cmds=() missing=()
add() { # add NAME TOOL COMMAND
	if command -v "$2" >/dev/null; then names+=("$1"); cmds+=("$3"); else missing+=("$1 ($2 not installed)"); fi
}
add engine "$ENGINE" "$ENGINE run bench-true $ROOTFS /bin/true --rm"
add crun crun "crun --root $tmp/crun run -b $bundle bench-crun"
add runc runc "runc --root $tmp/runc run -b $bundle bench-runc"
add bwrap bwrap "bwrap --unshare-pid --unshare-uts --bind $ROOTFS / --proc /proc --dev /dev /bin/true"
add unshare unshare "unshare --pid --fork --uts --mount --root $ROOTFS /bin/true"
add bare "$ROOTFS/bin/true" "$ROOTFS/bin/true"
: >"$out/missing.txt"
[ ${#missing[@]} -eq 0 ] || printf '%s\n' "${missing[@]}" >"$out/missing.txt"
for m in "${missing[@]}"; do say "missing: $m"; done
hf_args=()
for i in "${!names[@]}"; do hf_args+=(-n "${names[$i]}" "${cmds[$i]}"); done
# crun refuses the host's hybrid cgroup layout: a private mount namespace without cgroup2.
unshare -m --propagation private sh -c '
	umount /sys/fs/cgroup/unified 2>/dev/null
	exec "$@"' sh hyperfine -N --warmup 5 --runs "$RUNS" --style basic \
	--export-json "$out/startup.json" --export-markdown "$out/startup.md" \
	--export-csv "$out/startup.csv" "${hf_args[@]}" >"$out/startup.txt"

# 2. Log throughput: the same byte stream through the engine's log and through cat.
say "2/3 log throughput, $LOG_BYTES through the engine and through cat, 3 runs each"
proc_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }
now_ns() { date +%s%N; }
echo "run,path,bytes,seconds,gib_per_s,supervisor_cpu_ms,identical" >"$out/logs.csv"
"$BIN/log_hog" --bytes "$LOG_BYTES" >"$tmp/expected"
bytes=$(stat -c %s "$tmp/expected")
for r in 1 2 3; do
	rm -f "$tmp/cat.out"
	t0=$(now_ns)
	"$BIN/log_hog" --bytes "$LOG_BYTES" | cat >"$tmp/cat.out"
	t1=$(now_ns)
	same=$(cmp -s "$tmp/cat.out" "$tmp/expected" && echo yes || echo no)
	awk -v r=$r -v b="$bytes" -v ns=$((t1 - t0)) -v s="$same" \
		'BEGIN { printf "%d,cat,%d,%.4f,%.4f,,%s\n", r, b, ns / 1e9, b / 2^30 / (ns / 1e9), s }' >>"$out/logs.csv"
	rm -f "$tmp/cat.out"

	c0=$(proc_cpu_ms "$sup_pid")
	t0=$(now_ns)
	"$ENGINE" start "bench-log$r" "$ROOTFS" /log_hog --bytes "$LOG_BYTES" >/dev/null
	"$ENGINE" wait "bench-log$r" >/dev/null
	t1=$(now_ns)
	c1=$(proc_cpu_ms "$sup_pid")
	same=$(cmp -s "$tmp/logs/bench-log$r.log" "$tmp/expected" && echo yes || echo no)
	awk -v r=$r -v b="$bytes" -v ns=$((t1 - t0)) -v c=$((c1 - c0)) -v s="$same" \
		'BEGIN { printf "%d,engine,%d,%.4f,%.4f,%d,%s\n", r, b, ns / 1e9, b / 2^30 / (ns / 1e9), c, s }' >>"$out/logs.csv"
	"$ENGINE" rm "bench-log$r" --logs >/dev/null
done
rm -f "$tmp/expected"

# 3. Scale: idle containers started one after another, ps at full size, memory per container.
say "3/3 supervisor scale: $SCALE_N idle containers"
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
rss0=$(rss_kib "$sup_pid") fd0=$(fds "$sup_pid")
echo "n,start_ms" >"$out/scale.csv"
for n in $(seq "$SCALE_N"); do
	t0=$(now_ns)
	"$ENGINE" start "idle$n" "$ROOTFS" /bin/sleep 100000 >/dev/null
	t1=$(now_ns)
	awk -v n="$n" -v ns=$((t1 - t0)) 'BEGIN { printf "%d,%.3f\n", n, ns / 1e6 }' >>"$out/scale.csv"
	[ $((n % 100)) -eq 0 ] && say "  $n started"
done
rss1=$(rss_kib "$sup_pid")
hyperfine -N --warmup 3 --runs 30 --style basic --export-json "$out/ps.json" \
	--export-csv "$out/ps.csv" -n "engine ps ($SCALE_N containers)" "$ENGINE ps" >"$out/ps.txt"
seq "$SCALE_N" | xargs -P 32 -I{} "$ENGINE" stop "idle{}" --timeout 1 >/dev/null
seq "$SCALE_N" | xargs -P 8 -I{} "$ENGINE" rm "idle{}" --logs >/dev/null
sleep 0.2
left_procs=$(pgrep -c -P "$sup_pid" || true)
# Cgroups named after the containers, wherever the engine made them (none when no limit is set).
left_cg=$({ find /sys/fs/cgroup/*/hoglab -mindepth 2 -maxdepth 2 -type d -name 'idle*' 2>/dev/null || true; } | wc -l)
fd1=$(fds "$sup_pid")
{
	echo "containers,$SCALE_N"
	echo "rss_before_kib,$rss0"
	echo "rss_at_n_kib,$rss1"
	echo "rss_per_container_kib,$(awk -v a="$rss0" -v b="$rss1" -v n="$SCALE_N" 'BEGIN { printf "%.2f", (b - a) / n }')"
	echo "fds_before,$fd0"
	echo "fds_after,$fd1"
	echo "leftover_processes,$left_procs"
	echo "leftover_cgroups,$left_cg"
} >"$out/scale-summary.csv"

say "charts and report"
for chart in startup logs scale; do
	for fmt in png svg; do
		(cd "$TOP" && gnuplot -e "dir='$out'; fmt='$fmt'; out='$out/$chart.$fmt'" "plots/bench_$chart.gp")
	done
done
"$TOP/report/bench-report.sh" "$out" >"$out/REPORT.md"
ln -sfn "$run_id" "$TOP/results/bench/latest"
say "done: $out/REPORT.md"
cat "$out/REPORT.md"
