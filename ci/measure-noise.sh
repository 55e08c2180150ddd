#!/usr/bin/env bash
# ci/measure-noise.sh: the run-to-run noise of every default-profile case of experiments/cfs.conf
# on this machine kind (experiments/noise/README.md). Runs cfs.conf through the lab (engine,
# private supervisor) with every case at REPS repetitions (profile "noise": cfs.conf plus
# noise.repetitions lines; the wake-up experiment off), then writes experiments/noise/KIND.csv
# (build/bin/noisestat noise) and KIND.meta (date, kernel, revision, the command, the load
# average every 60 s). With --off it runs the one-step-off check instead: the 0-vs-14 and
# 0-vs-16 pairs and the mix with its nice-15 container at 14 and at 16, OFF_REPS each, and an
# honest control (0-vs-15, 0-vs-19, the mix), and holds them against the tolerance rule
# (KIND-offbyone.csv); --off --recheck runs nothing and holds the run folders KIND-offbyone.meta
# names against the noise file as it is now (after KIND.csv changed). About 16 minutes for
# the noise run on an idle 2-core machine of kind c, 3 for --off; twice that when other load
# takes half of the CPU. Run as root from the tree, after `make && make rootfs`.
# With --only SECTION (pairs, mix, weights, autogroup, demo) it measures that section alone and
# puts its rows in place of the file's rows of that experiment (for a section whose definition
# changed), saying so in KIND.meta.
# With --vm KERNEL (6.1, 6.12: ci/vm-lab.sh) the noise run goes into a QEMU guest booting that
# kernel and writes KIND-MACHINE-SERIES.csv and .meta (e.g. c-qemu-tcg-6.12.csv: the guest's
# noise on a host of kind c), which `make experiment-kernels` holds that guest's claims against.
# About 25 minutes per kernel under tcg here.
# With --from-runs DIR it runs nothing: it writes KIND.csv from the honest default runs in DIR
# (the run folders of ci/measure-falsealarm.sh, one lab run each, at the load those runs saw):
# `noisestat noise --by-run`, each quantity's spread within a run and a run's own offset, both
# robust to a stalled run; the experiments the noise run measures (pairs, mix, weights,
# autogroup, demo); KIND.meta names the folders, with each one's load and wall time from
# KIND-falsealarm.csv or KIND-falsealarm-train.csv.
# Usage: ci/measure-noise.sh [--kind K] [--reps N] [--only SECTION] [--off [--off-reps N]] [--vm KERNEL]
#        [--stats-only RUN_DIR] [--from-runs DIR]
set -eu
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/build/bin}
kind=c reps=20 off=0 off_reps=10 stats_only= only= vm= from_runs= recheck=0
# The tolerance rule of experiments/noise/README.md.
K=${NOISE_K:-4} FLOOR_REL=${NOISE_FLOOR_REL:-0.01} FLOOR_ABS=${NOISE_FLOOR_ABS:-0.05}

die() { printf 'measure-noise: %s\n' "$*" >&2; exit 2; }
count() { case $2 in '' | *[!0-9]*) die "$1: not a number: $2" ;; esac; }
while [ $# -gt 0 ]; do
	case $1 in
	--kind) [ $# -ge 2 ] || die "--kind needs a value"; kind=$2; shift 2 ;;
	--reps) [ $# -ge 2 ] || die "--reps needs a value"; count --reps "$2"; reps=$2; shift 2 ;;
	--off) off=1; shift ;;
	--recheck) recheck=1; shift ;;
	--only) [ $# -ge 2 ] || die "--only needs a section"
		case $2 in pairs | mix | weights | autogroup | demo) only=$2 ;; *) die "--only: pairs, mix, weights, autogroup or demo, not $2" ;; esac
		shift 2 ;;
	--vm) [ $# -ge 2 ] || die "--vm needs a kernel (6.1, 6.12)"; vm=$2; shift 2 ;;
	--off-reps) [ $# -ge 2 ] || die "--off-reps needs a value"; count --off-reps "$2"; off_reps=$2; shift 2 ;;
	--stats-only) [ $# -ge 2 ] || die "--stats-only needs a run folder"; stats_only=$2; shift 2 ;;
	--from-runs) [ $# -ge 2 ] || die "--from-runs needs a folder of run folders"; [ -d "$2" ] || die "--from-runs $2: no such folder"
		from_runs=$(cd "$2" && pwd); shift 2 ;;
	-h | --help) sed -n '2,28p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -z "$vm" ] || { [ "$off" = 0 ] && [ -z "$only" ] && [ -z "$stats_only" ]; } ||
	die "--vm measures the whole noise run: not with --off, --only or --stats-only"
[ "$recheck" = 0 ] || [ "$off" = 1 ] || die "--recheck is of --off"
[ -z "$from_runs" ] || { [ "$off" = 0 ] && [ -z "$only" ] && [ -z "$stats_only" ] && [ -z "$vm" ]; } ||
	die "--from-runs runs nothing: not with --off, --only, --vm or --stats-only"
for b in lab noisestat engine cpu_hog; do
	[ -x "$BIN/$b" ] || die "$BIN/$b missing (make && make rootfs)"
done
cd "$TOP"
noise=experiments/noise/$kind.csv

# Every container one step off against the rule, for a mean of 5 (the default profile's
# repetitions) and of 1 (the demo's).
steps() {
	for n in 5 1; do
		"$BIN"/noisestat steps --noise "$noise" --n "$n" --k "$K" --floor-rel "$FLOOR_REL" \
			--floor-abs "$FLOOR_ABS" >"experiments/noise/$kind-steps-n$n.csv"
	done
}
if [ -n "$from_runs" ]; then
	runs=()
	for d in "$from_runs"/2*/; do
		[ -f "$d/runs.csv" ] && runs+=("${d%/}")
	done
	[ ${#runs[@]} -ge 2 ] || die "--from-runs $from_runs: fewer than two run folders (each with runs.csv)"
	tmp=$(mktemp -d /tmp/hoglab-noise.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	"$BIN"/noisestat noise --by-run --out "$tmp/all.csv" "${runs[@]}" || die "noisestat noise --by-run failed"
	awk -F, 'NR == 1 || $1 ~ /^(pairs|mix|weights|autogroup|demo)$/' "$tmp/all.csv" >"$noise"
	steps
	fa=experiments/noise/$kind-falsealarm.csv
	{
		echo "# $noise: each quantity's spread within a run and between runs, over ${#runs[@]} honest default runs of experiments/cfs.conf (robust: the median of the runs' variances, the median absolute deviation of their means)"
		echo "date=$(date -Iseconds)"
		echo "machine_kind=$kind"
		echo "git_revision=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo -dirty)"
		echo "command=ci/measure-noise.sh --kind $kind --from-runs $from_runs"
		for r in "${runs[@]}"; do
			b=$(basename "$r")
			echo "run $b revision=$(sed -n 's/^git_revision=//p' "$r/meta" | head -n 1) kernel=$(sed -n 's/^kernel=//p' "$r/meta" | head -n 1)" \
				"cpu=$(sed -n 's/^cpu=//p' "$r/meta" | head -n 1) $(cat "$fa" "${fa%.csv}-train.csv" 2>/dev/null | awk -F, -v r="$b" '$1 == r { print "load1_at_end=" $2 " wall_s=" $3; exit }')"
		done
	} >"${noise%.csv}.meta"
	echo "measure-noise: $noise from ${#runs[@]} runs in $from_runs"
	exit 0
fi
if [ -n "$stats_only" ]; then
	"$BIN"/noisestat noise --out "$noise" "$stats_only"
	steps
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "needs root (the lab starts containers)"
mkdir -p results/noise
tmp=$(mktemp -d /tmp/hoglab-noise.XXXXXX)
loadlog=$tmp/load
sampler=
cleanup() {
	[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
# The load average every 60 s while the lab runs, for the provenance.
( while :; do echo "$(date +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 60; done ) >"$loadlog" &
sampler=$!

provenance() {
	echo "# $1"
	echo "date_end=$(date -Iseconds)"
	echo "kernel=$(uname -sr)"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "cpu_count=$(nproc)"
	echo "machine_kind=$kind"
	echo "git_revision=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo -dirty)"
	echo "base_slice_ns=$(awk '/^se.slice/ {print $3}' /proc/self/sched)"
	echo "autogroup=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo absent)"
	echo "command=$2"
	echo "run_dirs=$3"
	echo "# load average (1, 5, 15 min) sampled every 60 s during the runs:"
	sed 's/^/loadavg /' "$loadlog"
}

if [ -n "$vm" ]; then
	# The default profile's share cases at $reps repetitions; every other section off.
	sed -e "/^\[\(pairs\|mix\|weights\|autogroup\|demo\)\]/a noise.repetitions = $reps" \
		-e '/^\[\(wakeup\|window\|sleeper\|shortwin\|slice\)\]/a noise.enabled = 0' experiments/cfs.conf >"$tmp/noise.conf"
	run=$TOP/results/noise/$(date +%Y%m%d-%H%M%S)-vm-$vm
	echo "$(date -Iseconds) start" >>"$loadlog"
	HOGLAB_VM_TIMEOUT=${HOGLAB_VM_TIMEOUT:-5400} "$TOP/ci/vm-lab.sh" "$vm" "$run" "$tmp/noise.conf" noise ||
		die "the guest run failed"
	machine=$(sed -n 's/^machine=//p' "$run/meta" | tail -n 1)
	series=$(sed -n 's/^kernel=Linux \([0-9]*\.[0-9]*\).*/\1/p' "$run/meta" | head -n 1)
	[ -n "$machine" ] && [ -n "$series" ] || die "$run/meta names no machine or kernel"
	vnoise=experiments/noise/$kind-$machine-$series.csv
	"$BIN"/noisestat noise --out "$vnoise" "$run"
	{
		provenance "$vnoise: run-to-run noise of the default profile's share cases of experiments/cfs.conf in a QEMU guest ($machine) booting Linux $series, on a host of machine kind $kind" \
			"ci/measure-noise.sh --kind $kind --reps $reps --vm $vm (ci/vm-lab.sh: build/bin/lab --profile noise in the guest: cfs.conf + noise.repetitions = $reps, wake-up, window, sleeper, short-window and slice off)" \
			"$run"
		grep -E '^(kernel|sched|hz|preempt|base_slice|vm_)' "$run/meta" | sed 's/^/guest_/'
	} >"${vnoise%.csv}.meta"
	echo "measure-noise: $vnoise from $run"
	exit 0
fi
if [ "$off" = 0 ] && [ -n "$only" ]; then
	[ -s "$noise" ] || die "$noise missing: run ci/measure-noise.sh once first"
	sed -e "/^\[$only\]/a noise.repetitions = $reps" \
		-e "/^\[\(pairs\|mix\|weights\|autogroup\|demo\|wakeup\|window\|sleeper\|shortwin\|slice\)\]/{/^\[$only\]/!a noise.enabled = 0
}" experiments/cfs.conf >"$tmp/noise.conf"
	timeout 3600 "$BIN"/lab --profile noise --results results/noise "$tmp/noise.conf" 2>"$tmp/lab.log" ||
		{ tail -n 5 "$tmp/lab.log" >&2; die "the lab failed"; }
	run=$(readlink -f results/noise/latest)
	"$BIN"/noisestat noise --out "$tmp/part.csv" "$run"
	{ head -n 1 "$noise"; tail -n +2 "$noise" | grep -v "^$only,"; tail -n +2 "$tmp/part.csv"; } >"$tmp/new.csv"
	mv "$tmp/new.csv" "$noise"
	steps
	{
		echo "# the rows of experiment $only replaced on $(date -Iseconds): ci/measure-noise.sh --kind $kind --reps $reps --only $only"
		echo "only_${only}_git_revision=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo -dirty)"
		echo "only_${only}_run_dir=$run"
		sed 's/^/only_'"$only"'_loadavg /' "$loadlog"
	} >>"experiments/noise/$kind.meta"
	echo "measure-noise: $noise: the rows of $only from $run"
	exit 0
fi
if [ "$off" = 0 ]; then
	# cfs.conf with every case at $reps repetitions under the profile "noise".
	sed -e "/^\[\(pairs\|mix\|weights\|autogroup\|demo\)\]/a noise.repetitions = $reps" \
		-e '/^\[\(wakeup\|window\)\]/a noise.enabled = 0' experiments/cfs.conf >"$tmp/noise.conf"
	echo "$(date -Iseconds) start" >>"$loadlog"
	timeout 3600 "$BIN"/lab --profile noise --results results/noise "$tmp/noise.conf" 2>"$tmp/lab.log" ||
		{ tail -n 5 "$tmp/lab.log" >&2; die "the lab failed (runs that failed are left out of the figures)"; }
	run=$(readlink -f results/noise/latest)
	"$BIN"/noisestat noise --out "$noise" "$run"
	steps
	provenance "experiments/noise/$kind.csv: run-to-run noise of every default-profile case of experiments/cfs.conf" \
		"ci/measure-noise.sh --kind $kind --reps $reps (build/bin/lab --profile noise: cfs.conf + noise.repetitions = $reps, wake-up and window off)" \
		"$run" >"experiments/noise/$kind.meta"
	echo "measure-noise: $noise from $run"
	exit 0
fi

# One step off: the honest definition's pairs at 14 and 16, the mix's nice-15 container at 14, 16.
[ -s "$noise" ] || die "$noise missing: run ci/measure-noise.sh first"
out=experiments/noise/$kind-offbyone.csv
rule=(--noise "$noise" --calibrated --k "$K" --floor-rel "$FLOOR_REL" --floor-abs "$FLOOR_ABS" --batch 5)
# offcheck A B H C: the verdicts of the runs off-a, off-b, the honest control and off-c.
offcheck() {
	# Honest: the independent control in batches of 5 (a default run's n); then the shifted
	# runs, each held against the honest reference of the case it pretends to be.
	"$BIN"/noisestat check "${rule[@]}" "$3" || true
	"$BIN"/noisestat check "${rule[@]}" --as 0-vs-15 "$1" | tail -n +2 | grep '^pairs,' || true
	"$BIN"/noisestat check "${rule[@]}" "$1" | tail -n +2 | grep '^mix,' || true
	"$BIN"/noisestat check "${rule[@]}" "$2" | tail -n +2 | grep '^mix,' || true
	"$BIN"/noisestat check "${rule[@]}" "$4" | tail -n +2 | grep '^mix,' | sed 's/^mix,mix,/mix,mix-nice18-at-19,/' || true
}
if [ "$recheck" = 1 ]; then
	meta=${out%.csv}.meta
	read -r -a dirs <<<"$(sed -n 's/^run_dirs=//p' "$meta" 2>/dev/null)"
	[ ${#dirs[@]} -eq 4 ] || die "$meta names no four run folders: run ci/measure-noise.sh --off"
	for d in "${dirs[@]}"; do [ -f "$d/runs.csv" ] || die "$d: no runs.csv (the run folders are gone: run --off)"; done
	offcheck "${dirs[@]}" >"$out"
	echo "# re-checked on $(date -Iseconds) against $noise at $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo -dirty): ci/measure-noise.sh --kind $kind --off --recheck" >>"$meta"
	echo "measure-noise: $out re-checked from ${dirs[*]}"
	exit 0
fi
offdef() { # NICE_PAIRS MIX_NICES SECTIONS_OFF
	sed -e "s/^nice = 0 1 5 10 15 19$/nice = $1/" -e "s/^nice = 0 3 6 9 12 15 18$/nice = $2/" \
		-e "/^\[\(pairs\|mix\)\]/a off.repetitions = $off_reps" \
		-e "/^\[\($3\)\]/a off.enabled = 0" experiments/cfs.conf
}
rest='autogroup\|demo\|wakeup\|sleeper\|shortwin\|slice'
offdef "14 16" "0 3 6 9 12 14 18" "weights\\|$rest" >"$tmp/off-a.conf"
offdef "14" "0 3 6 9 12 16 18" "pairs\\|weights\\|$rest" >"$tmp/off-b.conf"
# The mix's lightest container one step lighter (nice 19), by the lab's fault injection: its
# label and theory stay nice 18's.
offdef "14" "0 3 6 9 12 15 18" "pairs\\|weights\\|$rest" >"$tmp/off-c.conf"
# The honest control, independent of the noise run: the same pairs and mix at their own nice.
offdef "15 19" "0 3 6 9 12 15 18" "weights\\|$rest" >"$tmp/off-h.conf"
grep -q '^nice = 14 16$' "$tmp/off-a.conf" && grep -q '^nice = 0 3 6 9 12 16 18$' "$tmp/off-b.conf" ||
	die "experiments/cfs.conf's pairs or mix nice list changed: update the --off definitions"
dirs=()
for d in off-a off-b off-h off-c; do
	inject=()
	[ "$d" != off-c ] || inject=(--inject-nice-step mix/mix:nice18:+1)
	HOGLAB_TEST_FAULTS=1 timeout 1800 "$BIN"/lab --profile off "${inject[@]}" --results results/noise "$tmp/$d.conf" 2>"$tmp/$d.log" ||
		{ tail -n 5 "$tmp/$d.log" >&2; die "the lab failed on $d"; }
	dirs+=("$(readlink -f results/noise/latest)")
done
offcheck "${dirs[@]}" >"$out"
provenance "experiments/noise/$kind-offbyone.csv: one nice step off and an honest control against the tolerance rule (calibrated, k $K, floor $FLOOR_REL x theory, $FLOOR_ABS pp; batches of 5)" \
	"ci/measure-noise.sh --kind $kind --off --off-reps $off_reps" "${dirs[*]}" >"experiments/noise/$kind-offbyone.meta"
echo "measure-noise: $out from ${dirs[*]}"
