#!/usr/bin/env bash
# `make experiment-kernels`: the CFS lab's definition on several kernels side by side: the host,
# and QEMU guests booting Debian's 6.1 (CFS) and 6.12 (EEVDF) (ci/vm-lab.sh). Each kernel's run
# folder goes to results/kernels/<run-id>/<kernel>/; build/bin/labmerge merges them (summary.csv,
# claims.csv with the cross-kernel claims, shares.csv) and report/kernels.sh renders REPORT.md.
# Usage: ci/experiment-kernels.sh [DEFINITION]. Env: KERNELS (words: host, or a kernel series or
# version for a guest; default "host 6.1 6.12"), PROFILE (e.g. quick), RESULTS (default
# results/kernels), KERNELS_JOBS (runs at a time, default one per CPU), KERNELS_PARTS (each guest's
# run split into that many parts, each its own boot, joined after: lab --part, lab --join; default
# KERNELS_JOBS when the kernels do not fill the jobs evenly, else 1), HOGLAB_MACHINE_KIND (default
# c: a guest's claims are held against experiments/noise/KIND-MACHINE-SERIES.csv where it exists).
# Exit 1 when a kernel's run fails (the others still merge and render).
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
def=${1:-$TOP/experiments/cfs.conf}
kernels=${KERNELS:-host 6.1 6.12}
profile=${PROFILE:-}
results=${RESULTS:-$TOP/results/kernels}
die() { echo "experiment-kernels: $*" >&2; exit 2; }
[ -f "$def" ] || die "definition $def: no such file"
[ -n "$kernels" ] || die "KERNELS is empty: give host and/or guest kernels such as 6.1 6.12"
for k in $kernels; do
	case $k in host | [0-9]*.[0-9]*) ;; *) die "KERNELS: '$k' is neither host nor a kernel version such as 6.1" ;; esac
done
[ "$(echo "$kernels" | tr ' ' '\n' | sort | uniq -d)" = "" ] || die "KERNELS names a kernel twice: $kernels"
# A guest's whole run, boot to results: the default profile takes about as long in a guest as on
# the host (its CPU times are the guest's own), longer under load.
export HOGLAB_VM_TIMEOUT=${HOGLAB_VM_TIMEOUT:-$([ "$profile" = quick ] && echo 900 || echo 3600)}
jobs_max=${KERNELS_JOBS:-$(nproc)}
case $jobs_max in '' | *[!0-9]* | 0) die "KERNELS_JOBS: not a count: $jobs_max" ;; esac
# Three kernels on two CPUs: the third would run alone while a CPU idles. Split in parts, the
# guests' runs fill both (the host's lab is one run: two would pin to the same CPU).
n_kernels=$(echo $kernels | wc -w)
parts=${KERNELS_PARTS:-$([ $((n_kernels % jobs_max)) -ne 0 ] && echo "$jobs_max" || echo 1)}
case $parts in '' | *[!0-9]* | 0) die "KERNELS_PARTS: not a count: $parts" ;; esac
[ "$parts" -le 64 ] || die "KERNELS_PARTS: $parts: at most 64"
for b in lab labmerge; do [ -x "$TOP/build/bin/$b" ] || die "build/bin/$b is missing (make all)"; done

# guest_noise KERNEL RUN_DIR [PART_DIR...]: the guest's claims re-held against the noise measured in
# such a guest on this machine kind (experiments/noise/KIND-MACHINE-SERIES.csv, ci/measure-noise.sh
# --vm), where there is one; the guest's lab has no noise file and used its own CIs or the flat
# band. With PART_DIRs, RUN_DIR is made from them first (lab --join, which summarizes).
guest_noise() {
	local k=$1 out=$2 machine series noise first
	shift 2
	first=${1:-$out}
	machine=$(sed -n 's/^machine=//p' "$first/meta" | tail -n 1)
	series=$(sed -n 's/^kernel=Linux \([0-9]*\.[0-9]*\).*/\1/p' "$first/meta" | head -n 1)
	noise=$TOP/experiments/noise/${HOGLAB_MACHINE_KIND:-c}-$machine-$series.csv
	if [ ! -f "$noise" ]; then
		echo "experiment-kernels: $k: no noise file ${noise#"$TOP"/} for this guest: its claims stand on their own CIs or the flat band (ci/measure-noise.sh --vm $k measures one)" >&2
		noise=
	else
		echo "experiment-kernels: $k: claims held against ${noise#"$TOP"/}" >&2
	fi
	if [ $# -gt 0 ]; then
		"$TOP/build/bin/lab" --join "$out" ${noise:+--noise "$noise"} "$@"
	elif [ -n "$noise" ]; then
		"$TOP/build/bin/lab" --summarize "$out" --noise "$noise"
	fi
}

id=$(date +%Y%m%d-%H%M%S)${profile:+-$profile}
dir=$results/$id
mkdir -p "$dir" || die "cannot create $dir"
t0=$(date +%s)
# run_kernel K [I/N]: one kernel's run into $dir/K, or its part I of N into $dir/.parts/K-I;
# $dir/K.failed (or $dir/.parts/K-I.failed) when it failed.
run_kernel() {
	local k=$1 part=${2:-} out=$dir/$1
	[ -z "$part" ] || out=$dir/.parts/$k-${part%/*}
	echo "experiment-kernels: $k: running ${profile:-default} profile${part:+, part $part} ($(($(date +%s) - t0)) s elapsed)" >&2
	if [ "$k" = host ]; then
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		trap 'exit 143' TERM
		trap 'exit 130' INT
		if (cd "$TOP" && build/bin/lab ${profile:+--profile "$profile"} --results "$tmp" "$def") 2>&1 |
			sed -u 's/^/experiment-kernels: host: /' >&2 && [ -f "$tmp/latest/claims.csv" ] &&
			cp -r "$(readlink -f "$tmp/latest")" "$dir/host"; then
			echo "machine=host" >>"$dir/host/meta"
		else
			echo "experiment-kernels: host: the lab failed" >&2
			: >"$dir/host.failed"
		fi
		rm -rf "$tmp"
	elif "$TOP/ci/vm-lab.sh" ${part:+--part "$part"} "$k" "$out" "$def" "$profile"; then
		[ -n "$part" ] || guest_noise "$k" "$out" || : >"$out.failed"
	else
		echo "experiment-kernels: $k${part:+ part $part}: the guest run failed" >&2
		: >"$out.failed"
	fi
	echo "experiment-kernels: $k${part:+ part $part}: finished ($(($(date +%s) - t0)) s elapsed)" >&2
}
# KERNELS_JOBS kernels at a time (default: one per CPU): each run loads one CPU (the lab pins its
# containers to one; a guest's emulated load is one host thread), so on two CPUs two runs side by
# side take about the time of one. Their runs then share the machine: their noise bands are those
# measured under such load (experiments/noise/*.meta), and KERNELS_JOBS=1 runs them one by one.
pids=()
# On INT or TERM every run's process tree is sent TERM (the lab and vm-lab.sh clean up on it).
tree() { local c; for c in $(pgrep -P "$1"); do tree "$c"; done; echo "$1"; }
cleanup_jobs() {
	local p all=()
	for p in "${pids[@]}"; do all+=($(tree "$p")); done
	[ ${#all[@]} -eq 0 ] || kill -TERM "${all[@]}" 2>/dev/null
	wait
}
trap 'cleanup_jobs; exit 130' INT TERM
# The runs: the host's whole (the longest, first), each guest's parts; as many at a time as jobs.
runs=()
for k in $kernels; do
	if [ "$k" = host ] || [ "$parts" -eq 1 ]; then
		runs+=("$k")
	else
		for i in $(seq "$parts"); do runs+=("$k $i/$parts"); done
	fi
done
[ "$parts" -eq 1 ] || mkdir -p "$dir/.parts" || die "cannot create $dir/.parts"
for r in "${runs[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
	run_kernel $r &
	pids+=($!)
done
wait
trap - INT TERM
# Each split guest's parts into its one run folder.
for k in $kernels; do
	[ "$k" != host ] && [ "$parts" -gt 1 ] || continue
	p=()
	for i in $(seq "$parts"); do
		[ -e "$dir/.parts/$k-$i.failed" ] || [ ! -f "$dir/.parts/$k-$i/runs.csv" ] || p+=("$dir/.parts/$k-$i")
	done
	if [ ${#p[@]} -ne "$parts" ]; then
		echo "experiment-kernels: $k: $((parts - ${#p[@]})) of its $parts parts failed: no run of $k (what they left: $dir/.parts)" >&2
		: >"$dir/$k.failed"
	elif guest_noise "$k" "$dir/$k" "${p[@]}"; then
		rm -rf "${p[@]}"
	else
		: >"$dir/$k.failed"
	fi
done
rmdir "$dir/.parts" 2>/dev/null
rc=0 ok=()
for k in $kernels; do
	if [ -e "$dir/$k.failed" ] || [ ! -f "$dir/$k/claims.csv" ]; then
		rc=1
		rm -f "$dir/$k.failed"
	else
		ok+=("$dir/$k")
	fi
done
[ ${#ok[@]} -gt 0 ] || die "no kernel's run succeeded"
"$TOP/build/bin/labmerge" "$dir" "${ok[@]}" || exit 1
"$TOP/report/kernels.sh" "$dir" || rc=1
ln -sfn "$id" "$results/latest"
echo "experiment-kernels: ${#ok[@]} kernels into $dir in $(($(date +%s) - t0)) s; report $dir/REPORT.md" >&2
exit $rc
