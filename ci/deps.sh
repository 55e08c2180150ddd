#!/usr/bin/env bash
# Installs, with apt-get, every Debian/Ubuntu package hoglab uses, and only those missing.
# With everything present it changes nothing and returns at once. Not root and something is
# missing: prints the exact apt-get line to run and exits 1.
set -euo pipefail

. /etc/os-release 2>/dev/null || true
kver=$(uname -r)

pkgs=(build-essential busybox-static gnuplot-nox libcsv-dev libyajl-dev zlib1g-dev hyperfine cpio kmod qemu-system-x86
      crun runc bubblewrap clang libclang-rt-dev python3)
# Sweeps on a cluster (`make sweep SWEEP=slurm`) and their single-node integration test: the
# controller, the node daemon, their authentication and the client commands (sbatch, squeue, sacct).
pkgs+=(slurmctld slurmd munge slurm-client)
if [ "${ID:-}" = ubuntu ]; then
	pkgs+=(linux-tools-common "linux-tools-$kver" "linux-headers-$kver")
else
	pkgs+=(linux-perf linux-image-amd64 linux-headers-amd64)
	# The VM suite tests monitor.ko on a second kernel: Debian 12 ships 6.12 (EEVDF, percpu RSS
	# counters) beside its default 6.1 as the series meta-packages below.
	[ "${VERSION_CODENAME:-}" = bookworm ] && pkgs+=(linux-image-6.12-amd64 linux-headers-6.12-amd64)
fi

# One dpkg-query for all: a package counts as present only when fully installed.
declare -A present=()
while read -r name status; do
	[ "$status" = "install ok installed" ] && present[$name]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null || true)
missing=()
for p in "${pkgs[@]}"; do
	[ -n "${present[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing: ${missing[*]}" >&2
	echo "deps: run as root: apt-get update && $cmd" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A stale package list is the usual reason an install fails: refresh once and retry.
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
