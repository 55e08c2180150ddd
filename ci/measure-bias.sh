#!/usr/bin/env bash
# ci/measure-bias.sh: the pairs' window-length experiment of experiments/noise/README.md at more
# repetitions than the default profile's. Runs the lab's [window] section alone (0-vs-15 and
# 0-vs-19 through the engine at 250, 1000, 4000 and 16000 ms, 4/3/2/1 x ROUNDS runs each, all
# shuffled together; the lab fits share(T) = theory + c / T, experiments/labwindow.c), then the
# reference burner pair outside the engine (build/bin/burnpair) at the same windows, fitted by
# build/bin/noisestat window; writes KIND-window-lab.csv (the lab's window.csv), KIND-window.csv
# (burnpair's fits), .meta and the chart into experiments/noise/.
# About 11 minutes here. Run as root from the tree, after `make && make rootfs`.
# Usage: ci/measure-bias.sh [--kind K] [--rounds R] [--fit-only DIR]
set -eu
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/build/bin}
kind=c rounds=3 fit_only=

die() { printf 'measure-bias: %s\n' "$*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--kind) [ $# -ge 2 ] || die "--kind needs a value"; kind=$2; shift 2 ;;
	--rounds) [ $# -ge 2 ] || die "--rounds needs a value"; rounds=$2; shift 2 ;;
	--fit-only) [ $# -ge 2 ] || die "--fit-only needs a run folder"; fit_only=$2; shift 2 ;;
	-h | --help) sed -n '2,9p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
case $rounds in '' | *[!0-9]* | 0) die "--rounds: not a count of at least 1: $rounds" ;; esac
for b in lab burnpair engine cpu_hog; do
	[ -x "$BIN/$b" ] || die "$BIN/$b missing (make && make rootfs)"
done
cd "$TOP"
. report/csv.sh

# fit DIR: burnpair's fit, the lab's window.csv beside it, the chart over both.
fit() {
	local dir=$1 lab f
	[ -x "$BIN/noisestat" ] || die "$BIN/noisestat missing (make)"
	lab=$(ls -d "$dir"/lab/2*/ 2>/dev/null | tail -n 1)
	[ -n "$lab" ] && [ -f "$lab/window.csv" ] || die "$dir/lab: no lab run with window.csv"
	"$BIN"/noisestat window --out "experiments/noise/$kind-window.csv" --burnpair "$dir/burnpair.csv" >"$dir/fit.txt"
	cp "$lab/window.csv" "experiments/noise/$kind-window-lab.csv"
	for f in png svg; do
		gnuplot -e "dir='$lab'; fmt='$f'; out='experiments/noise/$kind-window.$f'; nices='15 19'; ref='experiments/noise/$kind-window.csv'" \
			plots/window.gp || die "plots/window.gp failed"
	done
	cat "$dir/fit.txt"
	csv_awk 'FNR > 1 && !s[get("nice")]++ { printf "lab nice %s: c = %.3f +- %.3f ms of CPU; free intercept %+.4f +- %.4f pp\n",
		get("nice"), get("c_ms"), get("c_ci95_ms"), get("free_a_pp"), get("free_a_ci95_pp") }' "$lab/window.csv"
}

if [ -n "$fit_only" ]; then
	fit "$fit_only"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "needs root (the lab starts containers)"
out=$TOP/results/bias/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
tmp=$(mktemp -d /tmp/hoglab-bias.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The lab's [window] section alone; n = 12/9/6/3 per window and pair at 3 rounds.
cat >"$tmp/window.conf" <<EOF
sample_ms = 20
cpu = 1
seed = 0
rootfs = rootfs/base
hog = /cpu_hog
[pairs]
enabled = 0
[mix]
enabled = 0
[weights]
enabled = 0
[autogroup]
enabled = 0
[demo]
enabled = 0
[wakeup]
enabled = 0
[window]
enabled = 1
nice = 15 19
work_ms = 250 1000 4000 16000
repetitions = $((4 * rounds)) $((3 * rounds)) $((2 * rounds)) $((rounds > 1 ? rounds : 2))
EOF
{
	echo "# ci/measure-bias.sh --kind $kind --rounds $rounds"
	echo "date=$(date -Iseconds)"
	echo "kernel=$(uname -sr)"
	echo "git_revision=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo -dirty)"
	echo "base_slice_ns=$(awk '/^se.slice/ {print $3}' /proc/self/sched)"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/meta"
mkdir -p "$out/lab"
timeout 1800 "$BIN"/lab --results "$out/lab" "$tmp/window.conf" 2>>"$out/lab.log" ||
	echo "measure-bias: the lab's window run failed (see $out/lab.log)" >&2
echo "loadavg_lab_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/meta"

# The reference: both release modes up to 4 s, the lab's (staggered) at 16 s.
: >"$out/burnpair.csv"
for n in 15 19; do
	for w in 250 1000 4000 16000; do
		for m in staggered pipe; do
			[ "$w" = 16000 ] && [ "$m" = pipe ] && continue
			k=5
			[ "$w" = 16000 ] && k=3
			timeout 600 "$BIN"/burnpair --nice 0 "$n" --work-ms "$w" --reps "$k" --start "$m" \
				2>>"$out/burnpair.log" | { [ -s "$out/burnpair.csv" ] && tail -n +2 || cat; } >>"$out/burnpair.csv"
		done
	done
done
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/meta"
mkdir -p experiments/noise
cp "$out/meta" "experiments/noise/$kind-window.meta"
fit "$out"
