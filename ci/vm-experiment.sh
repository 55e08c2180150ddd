#!/usr/bin/env bash
# `make experiment-memlimits VM=1`: runs the memory-limit experiment inside the QEMU guest of the
# kernel-module tests (monitor.ko loaded, cgroup v2), with the kmod backend in scan and in event
# mode and the cgroup backend, once per guest kernel (as `make vm-test` picks them: the newest of
# each installed series, Debian 12: 6.1 CFS and 6.12 EEVDF; VM_KERNELS chooses), brings each
# boot's CSVs back over the guest's results serial port and appends them to a host run folder,
# tagged with machine qemu-tcg (or qemu-kvm) and the guest's kernel (the kernel column), then
# recomputes the folder's summary.csv. Progress on stderr: the kernel, then the guest's runs.
# Usage: ci/vm-experiment.sh RUN_DIR [PROFILE]. Env: VM_KERNELS, VM_ACCEL, HOGLAB_VM_TIMEOUT
# (s per boot, default 1500). Temp dir and QEMU die on every path (tests/vm/vmlib.sh).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: ci/vm-experiment.sh RUN_DIR [PROFILE]}
profile=${2:-}
TIMEOUT=${HOGLAB_VM_TIMEOUT:-1500}
die() { echo "vm-experiment: $*" >&2; exit 1; }
[ -f "$dir/runs.csv" ] || die "$dir/runs.csv: no such file (run memlab first)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "cpio not installed (apt-get install cpio)"
. "$TOP/tests/vm/vmlib.sh"
. "$TOP/report/csv.sh"
vm_find_busybox || die "$vm_why"
vm_find_kernels "${VM_KERNELS:-}" || die "$vm_why"
# One KVM probe per run, with the first kernel.
vm_kernel=${vm_kernels%% *}
vm_find_accel || die "$vm_why"
echo "vm-experiment: accel $vm_accel ($vm_accel_why); kernels: $vm_kernels" >&2
for b in engine memlab memory_hog; do
	[ -x "$TOP/build/bin/$b" ] || die "build/bin/$b is missing (make all)"
	LC_ALL=C ldd "$TOP/build/bin/$b" >/dev/null 2>&1 && die "build/bin/$b is not static (built with ASAN=1?)"
done

vm_tmp_setup
tmp=$vm_tmp
machine=qemu-$vm_accel
bad_re='(^|[^A-Za-z_])BUG|WARNING|Oops|sleeping function called|refcount|scheduling while atomic|Kernel panic'

# boot_kernel IMG INDEX: one guest run on IMG, its files into $dir/vm/VER/; run numbers from
# INDEX x 1000000 + 1 so that the rows of every kernel stay apart.
boot_kernel() {
	local ver=${1#/boot/vmlinuz-} k=$tmp/k-$2 root qrc t0 out=$dir/vm/${1#/boot/vmlinuz-}
	vm_kernel=$1
	vm_kernel_kdir "$1" || die "$ver: no headers"
	mkdir -p "$k"
	echo "vm-experiment: [$ver] building monitor.ko against $vm_kdir" >&2
	vm_build_module "$TOP" "$k" || die "[$ver] building monitor.ko failed: $(tail -5 "$k/build.log" | tr '\n' ' ' | cut -c1-400)"
	root=$k/root
	mkdir -p "$root"/{bin,proc,sys,dev,tmp}
	cp "$vm_busybox" "$root/bin/busybox"
	cp "$TOP/ci/vm-experiment-init.sh" "$root/init"
	cp "$k/kmod/monitor.ko" "$root/monitor.ko"
	cp "$TOP"/build/bin/{engine,memlab,memory_hog} "$root/bin/"
	cp "$TOP/experiments/memlimits.conf" "$root/"
	mknod "$root/dev/console" c 5 1 2>/dev/null
	(cd "$root" && find . | cpio -o -H newc --quiet >"$k/initramfs.cpio") || die "cpio failed"
	echo "vm-experiment: [$ver] booting ($vm_accel, -smp 2 -m 1536), kmod scan and event, cgroup; profile ${profile:-default}, timeout ${TIMEOUT}s" >&2
	: >"$k/console.log"
	: >"$k/results.log"
	t0=$(date +%s)
	vm_boot "$TIMEOUT" 1536 "$k/initramfs.cpio" "$k/console.log" "$k/results.log" \
		"hoglab_machine=$machine hoglab_run_base=$(($2 * 1000000))${profile:+ hoglab_profile=$profile}"
	# Progress while it runs: the guest's memlab lines as they arrive, tagged with the kernel.
	tail --pid="$vm_qpid" -n +1 -f "$k/results.log" 2>/dev/null |
		grep --line-buffered -E '^(# memlab|hoglab-vm: (start|cgroup|memlab|insmod))' |
		sed -u "s/^# //; s/^/vm-experiment: [$ver] /" >&2 &
	wait "$vm_qpid"
	qrc=$?
	vm_qpid=
	wait
	tr -d '\r' <"$k/results.log" >"$k/results"
	grep -q '^hoglab-vm: done' "$k/results" ||
		die "[$ver] the guest did not finish (qemu exit $qrc, $(($(date +%s) - t0)) s): $(tail -3 "$k/console.log" | tr -d '\r' | tr '\n' ' ')"
	tr -d '\r' <"$k/console.log" | grep -E "$bad_re" | sed "s/^/vm-experiment: [$ver] console: /" >&2
	sed -n '/^hoglab-vm: begin results$/,/^hoglab-vm: end results$/p' "$k/results" | sed '1d;$d' | base64 -d >"$k/res.tgz" ||
		die "[$ver] the guest's results do not decode"
	rm -rf "$out" && mkdir -p "$out" && tar -xzf "$k/res.tgz" -C "$out" || die "[$ver] the guest's results do not unpack"
	grep '^# memlab' "$k/results" | sed 's/^# //' >"$out/memlab.log"
	for f in runs samples cost; do
		[ "$(head -1 "$out/$f.csv")" = "$(head -1 "$dir/$f.csv")" ] || die "[$ver] $f.csv: the guest's columns differ from the host's"
	done
	echo "vm-experiment: [$ver] $(($(tail -n +2 "$out/runs.csv" | wc -l))) guest runs in $(($(date +%s) - t0)) s" >&2
}

t_all=$(date +%s)
i=0
vers=
for img in $vm_kernels; do
	i=$((i + 1))
	boot_kernel "$img" "$i"
	vers="${vers:+$vers }${img#/boot/vmlinuz-}"
done
# A second merge of the same machine would duplicate rows: drop the old ones first, then append
# each kernel's rows under the host's header (the same columns, checked above).
for f in runs samples cost; do
	csv_awk -v m="$machine" 'FNR == 1 || get("machine") != m' "$dir/$f.csv" >"$tmp/$f.csv" || die "merging $f.csv failed"
	for v in $vers; do
		tail -n +2 "$dir/vm/$v/$f.csv" >>"$tmp/$f.csv" || die "merging $f.csv failed"
	done
	cat "$tmp/$f.csv" >"$dir/$f.csv" || die "merging $f.csv failed"
done
{
	grep -v '^vm_' "$dir/meta"
	echo "vm_machine=$machine"
	echo "vm_kernels=$vers"
	echo "vm_accel=$vm_accel (kvm: hardware virtualisation; tcg: software emulation, many times slower)"
	echo "vm_note=rows with machine $machine ran in QEMU ($vm_accel, -smp 2 -m 1536), not on this host; their kernel column names the guest's kernel"
	for v in $vers; do
		sed -n "s/^backend_kmod=/vm_backend_kmod=$v: /p; s/^backend_cgroup=/vm_backend_cgroup=$v: /p; s/^kmod_modes=/vm_kmod_modes=$v: /p; s/^kmod_period_floor=/vm_kmod_period_floor=$v: /p; s/^cgroup_memory=/vm_cgroup_memory=$v: /p" "$dir/vm/$v/meta"
	done
} >"$tmp/meta" && cat "$tmp/meta" >"$dir/meta"
"$TOP/build/bin/memlab" --summarize "$dir" || die "recomputing $dir/summary.csv failed"
echo "vm-experiment: guest runs of $vers merged into $dir in $(($(date +%s) - t_all)) s" >&2
