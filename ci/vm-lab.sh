#!/usr/bin/env bash
# ci/vm-lab.sh: runs the scheduler lab's definition inside a QEMU guest booting one of Debian's
# kernels (6.1: CFS, 6.12: EEVDF) and brings the guest's run folder back over the results serial
# port into OUT_DIR, its meta tagged with the machine (qemu-kvm or qemu-tcg). The guest gets the
# static engine, lab and workloads; cpu_hog is calibrated inside it by the lab.
# Usage: ci/vm-lab.sh [--part I/N] KERNEL OUT_DIR DEFINITION [PROFILE]; KERNEL: a series such as
# 6.1 or 6.12, or a full version (tests/vm/vmlib.sh); --part: the guest's lab runs only that part
# of the definition's units (lab --part; lab --join puts the parts together). Env:
# HOGLAB_VM_TIMEOUT (s, default 900), VM_ACCEL.
# The temp dir and QEMU go on every path (tests/vm/vmlib.sh).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: ci/vm-lab.sh [--part I/N] KERNEL OUT_DIR DEFINITION [PROFILE]"; }
case ${1:-} in -h | --help) usage; exit 0 ;; esac
part=
if [ "${1:-}" = --part ]; then
	[[ ${2:-} =~ ^[1-9][0-9]*/[1-9][0-9]*$ ]] || { echo "vm-lab: --part: want I/N, not '${2:-}'" >&2; exit 2; }
	part=$2
	shift 2
fi
[ $# -ge 3 ] && [ $# -le 4 ] || { usage >&2; exit 2; }
sel=$1 out=$2 def=$3 profile=${4:-}
TIMEOUT=${HOGLAB_VM_TIMEOUT:-900}
die() { echo "vm-lab: $*" >&2; exit 1; }
[ -f "$def" ] || die "definition $def: no such file"
[ -e "$out" ] && die "$out exists already: give a new folder"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "cpio not installed (apt-get install cpio)"
. "$TOP/tests/vm/vmlib.sh"
vm_find_busybox || die "$vm_why"
vm_find_kernels "$sel" || die "$vm_why"
vm_kernel=$vm_kernels
vm_find_accel || die "$vm_why"
for b in engine lab cpu_hog wakeup_hog; do
	[ -x "$TOP/build/bin/$b" ] || die "build/bin/$b is missing (make all)"
	LC_ALL=C ldd "$TOP/build/bin/$b" >/dev/null 2>&1 && die "build/bin/$b is not static (built with ASAN=1?)"
done

vm_tmp_setup
tmp=$vm_tmp
root=$tmp/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp}
cp "$vm_busybox" "$root/bin/busybox"
cp "$TOP/ci/vm-lab-init.sh" "$root/init"
cp "$TOP"/build/bin/{engine,lab,cpu_hog,wakeup_hog} "$root/bin/"
cp "$def" "$root/lab.conf"
mknod "$root/dev/console" c 5 1 2>/dev/null
(cd "$root" && find . | cpio -o -H newc --quiet >"$tmp/initramfs.cpio") || die "cpio failed"

ver=${vm_kernel#/boot/vmlinuz-}
machine=qemu-$vm_accel
echo "vm-lab: $ver: booting ($vm_accel: $vm_accel_why; -smp 2 -m 1024), profile ${profile:-default}${part:+, part $part}, timeout ${TIMEOUT}s" >&2
: >"$tmp/console.log"
: >"$tmp/results.log"
t0=$(date +%s)
vm_boot "$TIMEOUT" 1024 "$tmp/initramfs.cpio" "$tmp/console.log" "$tmp/results.log" "${profile:+hoglab_profile=$profile}${part:+ hoglab_part=$part}"
# Progress while it runs: the guest lab's progress lines, tagged by kernel.
tail --pid="$vm_qpid" -n +1 -f "$tmp/results.log" 2>/dev/null |
	grep --line-buffered -E '^(# lab: |hoglab-vm: (start|cgroup|lab))' | sed -u "s|^# ||; s|^|vm-lab: $ver${part:+ part $part}: |" >&2 &
wait "$vm_qpid"
qrc=$?
vm_qpid=
wait
tr -d '\r' <"$tmp/results.log" >"$tmp/results"
grep -q '^hoglab-vm: done' "$tmp/results" ||
	die "$ver: the guest did not finish (qemu exit $qrc, $(($(date +%s) - t0)) s): $(tail -3 "$tmp/console.log" | tr -d '\r' | tr '\n' ' ')"
sed -n '/^hoglab-vm: begin results$/,/^hoglab-vm: end results$/p' "$tmp/results" | sed '1d;$d' | base64 -d >"$tmp/res.tgz" ||
	die "$ver: the guest's results do not decode"
[ -s "$tmp/res.tgz" ] || die "$ver: the guest's lab wrote no results: $(grep '^# lab:' "$tmp/results" | tail -2 | tr '\n' ' ')"
mkdir -p "$out"
tar -xzf "$tmp/res.tgz" -C "$out" || die "$ver: the guest's results do not unpack"
grep '^# ' "$tmp/results" | sed 's/^# //' >"$out/lab.log"
{
	echo "machine=$machine"
	echo "vm_accel=$vm_accel ($vm_accel_why)"
	echo "vm_note=ran in QEMU ($vm_accel, -smp 2 -m 1024) booting $ver; CPU times are the guest's own accounting"
} >>"$out/meta"
echo "vm-lab: $ver${part:+ part $part}: $(tail -n +2 "$out/runs.csv" | cut -d, -f1 | sort -u | wc -l) runs into $out in $(($(date +%s) - t0)) s" >&2
