#!/usr/bin/env bash
# `make experiment-kernels`: the CFS lab's definition on several kernels side by side: the host,
# and QEMU guests booting Debian's 6.1 (CFS) and 6.12 (EEVDF) (ci/vm-lab.sh). Each kernel's run
# folder goes to results/kernels/<run-id>/<kernel>/; build/bin/labmerge merges them (summary.csv,
# claims.csv with the cross-kernel claims, shares.csv) and report/kernels.sh renders REPORT.md.
# Usage: ci/experiment-kernels.sh [DEFINITION]. Env: KERNELS (words: host, or a kernel series or
# version for a guest; default "host 6.1 6.12"), PROFILE (e.g. quick), RESULTS (default
# results/kernels), KERNELS_JOBS (kernels run at a time, default one per CPU), HOGLAB_MACHINE_KIND
# (default c: a guest's claims are held against experiments/noise/KIND-MACHINE-SERIES.csv where it
# exists). Exit 1 when a kernel's run fails (the others still merge and render).
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
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
for b in lab labmerge; do [ -x "$TOP/build/bin/$b" ] || die "build/bin/$b is missing (make all)"; done

# guest_noise KERNEL RUN_DIR: the guest's claims re-held against the noise measured in such a guest
# on this machine kind (experiments/noise/KIND-MACHINE-SERIES.csv, ci/measure-noise.sh --vm), where
# there is one; the guest's lab has no noise file and used its own CIs or the flat band.
guest_noise() {
	local machine series noise
	machine=$(sed -n 's/^machine=//p' "$2/meta" | tail -n 1)
	series=$(sed -n 's/^kernel=Linux \([0-9]*\.[0-9]*\).*/\1/p' "$2/meta" | head -n 1)
	noise=$TOP/experiments/noise/${HOGLAB_MACHINE_KIND:-c}-$machine-$series.csv
	if [ ! -f "$noise" ]; then
		echo "experiment-kernels: $1: no noise file ${noise#"$TOP"/} for this guest: its claims stand on their own CIs or the flat band (ci/measure-noise.sh --vm $1 measures one)" >&2
		return 0
	fi
	echo "experiment-kernels: $1: claims held against ${noise#"$TOP"/}" >&2
	"$TOP/build/bin/lab" --summarize "$2" --noise "$noise"
}

id=$(date +%Y%m%d-%H%M%S)${profile:+-$profile}
dir=$results/$id
mkdir -p "$dir" || die "cannot create $dir"
t0=$(date +%s)
# run_kernel K: one kernel's run into $dir/K; $dir/K.failed when it failed.
run_kernel() {
	local k=$1
	echo "experiment-kernels: $k: running ${profile:-default} profile ($(($(date +%s) - t0)) s elapsed)" >&2
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
	elif "$TOP/ci/vm-lab.sh" "$k" "$dir/$k" "$def" "$profile"; then
		guest_noise "$k" "$dir/$k" || : >"$dir/$k.failed"
	else
		echo "experiment-kernels: $k: the guest run failed" >&2
		: >"$dir/$k.failed"
	fi
	echo "experiment-kernels: $k: finished ($(($(date +%s) - t0)) s elapsed)" >&2
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
for k in $kernels; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
	run_kernel "$k" &
	pids+=($!)
done
wait
trap - INT TERM
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
