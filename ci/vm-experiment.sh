#!/usr/bin/env bash
# `make experiment-memlimits VM=1`: runs the memory-limit experiment inside the QEMU guest of the
# kernel-module tests (monitor.ko loaded, cgroup v2), with the kmod and cgroup backends, brings
# its CSVs back over the guest's results serial port and appends them to a host run folder,
# tagged with machine qemu-tcg (or qemu-kvm), then recomputes the folder's summary.csv.
# Usage: ci/vm-experiment.sh RUN_DIR [PROFILE]. Env: HOGLAB_VM_TIMEOUT (s, default 1500).
# Temp dir and QEMU die on every path (tests/vm/vmlib.sh holds the shared boot pieces).
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
vm_find_kernel || die "$vm_why"
vm_find_accel || die "$vm_why"
echo "vm-experiment: accel $vm_accel ($vm_accel_why)" >&2
for b in engine memlab memory_hog; do
	[ -x "$TOP/build/bin/$b" ] || die "build/bin/$b is missing (make all)"
	LC_ALL=C ldd "$TOP/build/bin/$b" >/dev/null 2>&1 && die "build/bin/$b is not static (built with ASAN=1?)"
done

vm_tmp_setup
tmp=$vm_tmp

vm_build_module "$TOP" "$tmp" || die "building monitor.ko failed: $(tail -5 "$tmp/build.log" | tr '\n' ' ' | cut -c1-400)"
root=$tmp/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp}
cp "$vm_busybox" "$root/bin/busybox"
cp "$TOP/ci/vm-experiment-init.sh" "$root/init"
cp "$tmp/kmod/monitor.ko" "$root/monitor.ko"
cp "$TOP"/build/bin/{engine,memlab,memory_hog} "$root/bin/"
cp "$TOP/experiments/memlimits.conf" "$root/"
mknod "$root/dev/console" c 5 1 2>/dev/null
(cd "$root" && find . | cpio -o -H newc --quiet >"$tmp/initramfs.cpio") || die "cpio failed"

machine=qemu-$vm_accel
echo "vm-experiment: booting $vm_kernel ($vm_accel, -smp 2 -m 1536), profile ${profile:-default}, timeout ${TIMEOUT}s" >&2
: >"$tmp/console.log"
: >"$tmp/results.log"
t0=$(date +%s)
vm_boot "$TIMEOUT" 1536 "$tmp/initramfs.cpio" "$tmp/console.log" "$tmp/results.log" \
	"hoglab_machine=$machine${profile:+ hoglab_profile=$profile}"
# Progress while it runs: the guest's memlab lines as they arrive.
tail --pid="$vm_qpid" -n +1 -f "$tmp/results.log" 2>/dev/null |
	grep --line-buffered -E '^(# memlab|hoglab-vm: (start|cgroup|memlab|insmod))' >&2 &
wait "$vm_qpid"
qrc=$?
vm_qpid=
wait
tr -d '\r' <"$tmp/results.log" >"$tmp/results"
grep -q '^hoglab-vm: done' "$tmp/results" ||
	die "the guest did not finish (qemu exit $qrc, $(($(date +%s) - t0)) s): $(tail -3 "$tmp/console.log" | tr -d '\r' | tr '\n' ' ')"
sed -n '/^hoglab-vm: begin results$/,/^hoglab-vm: end results$/p' "$tmp/results" | sed '1d;$d' | base64 -d >"$tmp/res.tgz" ||
	die "the guest's results do not decode"
mkdir -p "$dir/vm"
tar -xzf "$tmp/res.tgz" -C "$dir/vm" || die "the guest's results do not unpack"
grep '^# memlab' "$tmp/results" | sed 's/^# //' >"$dir/vm/memlab.log"
# Append the guest's rows under the host's header (the same columns, checked).
for f in runs samples cost; do
	[ "$(head -1 "$dir/vm/$f.csv")" = "$(head -1 "$dir/$f.csv")" ] || die "$f.csv: the guest's columns differ from the host's"
done
# A second merge of the same guest run would duplicate rows: drop the old ones first.
for f in runs samples cost; do
	csv_awk -v m="$machine" 'FNR == 1 || get("machine") != m' "$dir/$f.csv" >"$tmp/$f.csv" && tail -n +2 "$dir/vm/$f.csv" >>"$tmp/$f.csv" &&
		cat "$tmp/$f.csv" >"$dir/$f.csv" || die "merging $f.csv failed"
done
{
	grep -v '^vm_' "$dir/meta"
	echo "vm_machine=$machine"
	echo "vm_accel=$vm_accel (kvm: hardware virtualisation; tcg: software emulation, many times slower)"
	echo "vm_note=rows with machine $machine ran in QEMU ($vm_accel, -smp 2 -m 1536), not on this host"
	sed -n 's/^kernel=/vm_kernel=/p; s/^backend_kmod=/vm_backend_kmod=/p; s/^backend_cgroup=/vm_backend_cgroup=/p; s/^kmod_period_floor=/vm_kmod_period_floor=/p; s/^cgroup_memory=/vm_cgroup_memory=/p' "$dir/vm/meta"
} >"$tmp/meta" && cat "$tmp/meta" >"$dir/meta"
"$TOP/build/bin/memlab" --summarize "$dir" || die "recomputing $dir/summary.csv failed"
echo "vm-experiment: $(($(tail -n +2 "$dir/vm/runs.csv" | wc -l))) guest runs merged into $dir in $(($(date +%s) - t0)) s" >&2
