#!/usr/bin/env bash
# ci/measure-bias.sh: the pairs' window-length experiment of experiments/noise/README.md. Runs the
# 0-vs-15 and 0-vs-19 pairs through the lab (engine, private supervisor) at 250, 1000, 4000 and
# 16000 ms of work, in ROUNDS rounds so that a drift of the shared machine does not fall on one
# window, runs the reference burner pair (build/bin/burnpair) at the same windows, then fits
# share(T) = theory + c / T per pair (build/bin/noisestat window) into experiments/noise/.
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
case $rounds in '' | *[!0-9]*) die "--rounds: not a number: $rounds" ;; esac
for b in lab burnpair engine cpu_hog; do
	[ -x "$BIN/$b" ] || die "$BIN/$b missing (make && make rootfs)"
done
cd "$TOP"

fit() {
	local dir=$1
	[ -x "$BIN/noisestat" ] || die "$BIN/noisestat missing (make)"
	"$BIN"/noisestat window --out "experiments/noise/$kind-window.csv" \
		--burnpair "$dir/burnpair.csv" "$dir"/lab-*/2*/ >"$dir/fit.txt"
	cat "$dir/fit.txt"
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

# definition WORK_MS REPS: the two pairs only.
definition() {
	cat <<EOF
sample_ms = 20
cpu = 1
seed = 0
rootfs = rootfs/base
hog = /cpu_hog
[pairs]
nice = 15 19
work_ms = $1
repetitions = $2
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
EOF
}

{
	echo "# ci/measure-bias.sh --kind $kind --rounds $rounds"
	echo "date=$(date -Iseconds)"
	echo "kernel=$(uname -sr)"
	echo "git_revision=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo -dirty)"
	echo "base_slice_ns=$(awk '/^se.slice/ {print $3}' /proc/self/sched)"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/meta"

# Repetitions per round: short windows are cheap and noisier.
reps_of() { case $1 in 250) echo 4 ;; 1000) echo 3 ;; 4000) echo 2 ;; *) echo 1 ;; esac; }
for r in $(seq 1 "$rounds"); do
	for w in 250 1000 4000 16000; do
		definition "$w" "$(reps_of "$w")" >"$tmp/pairs-$w.conf"
		mkdir -p "$out/lab-$w"
		timeout 900 "$BIN"/lab --results "$out/lab-$w" "$tmp/pairs-$w.conf" 2>>"$out/lab.log" ||
			echo "measure-bias: lab at $w ms, round $r failed (see $out/lab.log)" >&2
		echo "loadavg_round${r}_$w=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/meta"
	done
done

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
