#!/usr/bin/env bash
# `make experiment-kernels`: the CFS lab's definition on several kernels side by side: the host,
# and QEMU guests booting Debian's 6.1 (CFS) and 6.12 (EEVDF) (ci/vm-lab.sh). Each kernel's run
# folder goes to results/kernels/<run-id>/<kernel>/; build/bin/labmerge merges them (summary.csv,
# claims.csv with the cross-kernel claims, shares.csv) and report/kernels.sh renders REPORT.md.
# Usage: ci/experiment-kernels.sh [DEFINITION]. Env: KERNELS (words: host, or a kernel series or
# version for a guest; default "host 6.1 6.12"), PROFILE (e.g. quick), RESULTS (default
# results/kernels). Exit 1 when a kernel's run fails (the others still merge and render).
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
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
for b in lab labmerge; do [ -x "$TOP/build/bin/$b" ] || die "build/bin/$b is missing (make all)"; done

id=$(date +%Y%m%d-%H%M%S)${profile:+-$profile}
dir=$results/$id
mkdir -p "$dir" || die "cannot create $dir"
t0=$(date +%s)
rc=0 ok=()
for k in $kernels; do
	echo "experiment-kernels: $k: running ${profile:-default} profile ($(($(date +%s) - t0)) s elapsed)" >&2
	if [ "$k" = host ]; then
		tmp=$(mktemp -d)
		if (cd "$TOP" && build/bin/lab ${profile:+--profile "$profile"} --results "$tmp" "$def") 2>&1 |
			sed -u 's/^/experiment-kernels: host: /' >&2 && [ -f "$tmp/latest/claims.csv" ]; then
			cp -r "$(readlink -f "$tmp/latest")" "$dir/host" && ok+=("$dir/host")
			echo "machine=host" >>"$dir/host/meta"
		else
			echo "experiment-kernels: host: the lab failed" >&2
			rc=1
		fi
		rm -rf "$tmp"
	elif "$TOP/ci/vm-lab.sh" "$k" "$dir/$k" "$def" "$profile"; then
		ok+=("$dir/$k")
	else
		echo "experiment-kernels: $k: the guest run failed" >&2
		rc=1
	fi
done
[ ${#ok[@]} -gt 0 ] || die "no kernel's run succeeded"
"$TOP/build/bin/labmerge" "$dir" "${ok[@]}" || exit 1
"$TOP/report/kernels.sh" "$dir" || rc=1
ln -sfn "$id" "$results/latest"
echo "experiment-kernels: ${#ok[@]} kernels into $dir in $(($(date +%s) - t0)) s; report $dir/REPORT.md" >&2
exit $rc
