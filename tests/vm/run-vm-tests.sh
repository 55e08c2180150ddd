#!/usr/bin/env bash
# The `vm` suite (tests/run.sh vm, make vm-test): builds monitor.ko for an installed
# /boot/vmlinuz-VER that has matching headers, packs an initramfs (busybox-static, the module,
# tests/vm/test_*, the workloads, the engine if built, tests/vm/init.sh), boots it in QEMU with a
# hard timeout and reprints the guest's ok/not ok/skip lines. Temp dir and QEMU die on every path.
# Env: HOGLAB_VM_TIMEOUT (seconds, default 300), HOGLAB_VM_KERNEL (a /boot/vmlinuz-* to use).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TIMEOUT=${HOGLAB_VM_TIMEOUT:-300}
t0=$(date +%s%N)
elapsed() { echo $((($(date +%s%N) - t0) / 1000000)); }

skip_all() { printf 'skip - vm: %s\n' "$1"; exit 0; }
fail_all() { printf 'not ok - vm: %s\n' "$1"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || skip_all "cpio not installed (apt-get install cpio)"
busybox=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! LC_ALL=C ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || skip_all "no static busybox (apt-get install busybox-static)"

# The newest kernel image whose headers are installed.
kernel= kdir=
for img in ${HOGLAB_VM_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V -r)}; do
	ver=${img#/boot/vmlinuz-}
	for d in "/lib/modules/$ver/build" "/usr/src/linux-headers-$ver"; do
		if [ -r "$img" ] && [ -f "$d/Makefile" ]; then kernel=$img kdir=$d; break 2; fi
	done
done
[ -n "$kernel" ] || skip_all "no /boot/vmlinuz-VER with headers in /lib/modules/VER/build or /usr/src/linux-headers-VER (apt-get install linux-image-amd64 linux-headers-amd64)"

tmp=$(mktemp -d)
qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Build: the module for that kernel, the workloads and the in-guest tests, all static.
build() {
	if ! "$@" >"$tmp/build.log" 2>&1; then
		fail_all "build failed: $* :: $(tail -5 "$tmp/build.log" | tr '\n' ' ' | cut -c1-400)"
	fi
}
# The module builds in a copy so that the tree's own kmod/ build (for the running kernel) and
# other runs of this script are left alone.
mkdir -p "$tmp/kmod"
cp "$TOP"/kmod/Kbuild "$TOP"/kmod/Makefile "$TOP"/kmod/monitor.h "$TOP"/kmod/monitor_*.c "$tmp/kmod/"
build make -C "$tmp/kmod" KDIR="$kdir" HOGLAB_INCLUDE="$TOP/include"
build make -C "$TOP" workloads ASAN=
build make -C "$TOP/tests/vm" ASAN=
t_built=$(elapsed)

root=$tmp/root
mkdir -p "$root"/{bin,tests,proc,sys,dev,tmp}
cp "$busybox" "$root/bin/busybox"
cp "$TOP/tests/vm/init.sh" "$root/init"
cp "$tmp/kmod/monitor.ko" "$root/monitor.ko"
cp "$TOP"/build/vm/test_* "$root/tests/"
packed=
for w in cpu_hog memory_hog engine; do
	if [ -x "$TOP/build/bin/$w" ]; then cp "$TOP/build/bin/$w" "$root/bin/"; packed="$packed $w"; fi
done
mknod "$root/dev/console" c 5 1 2>/dev/null
(cd "$root" && find . | cpio -o -H newc --quiet >"$tmp/initramfs.cpio") || fail_all "cpio failed"

accel=tcg
[ -r /dev/kvm ] && [ -w /dev/kvm ] && accel=kvm
printf '# vm: kernel %s, headers %s, accel %s, -smp 2 -m 1024, packed:%s, timeout %ss, built in %d ms\n' \
	"$kernel" "$kdir" "$accel" "$packed" "$TIMEOUT" "$t_built"

: >"$tmp/console.log"
: >"$tmp/results.log"
t_boot=$(elapsed)
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -nographic -nodefaults -no-reboot -accel "$accel" \
	-smp 2 -m 1024 -kernel "$kernel" -initrd "$tmp/initramfs.cpio" \
	-append "console=ttyS0 loglevel=4 panic=-1 oops=panic" \
	-serial "file:$tmp/console.log" -serial "file:$tmp/results.log" </dev/null >"$tmp/qemu.log" 2>&1 &
qpid=$!
wait "$qpid"
qrc=$?
qpid=
t_vm=$(($(elapsed) - t_boot))

tr -d '\r' <"$tmp/results.log" >"$tmp/results"
tr -d '\r' <"$tmp/console.log" >"$tmp/console"
grep -E '^(ok - |not ok - |skip - |# |hoglab-vm: )' "$tmp/results"

# What the guest itself cannot report: it never finished, or the kernel died. The pattern is
# init.sh's dmesg check plus panics; DEBUG does not count as BUG.
bad_re='(^|[^A-Za-z_])BUG|WARNING|Oops|sleeping function called|refcount|scheduling while atomic|Kernel panic'
if ! grep -q '^hoglab-vm: done' "$tmp/results"; then
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		printf 'not ok - vm: guest did not finish within %ss\n' "$TIMEOUT"
	else
		printf 'not ok - vm: guest stopped before the end (qemu exit %d): %s\n' "$qrc" \
			"$(grep -m1 -E "$bad_re" "$tmp/console" || tail -1 "$tmp/qemu.log")"
	fi
	tail -n 30 "$tmp/console" | sed 's/^/# console: /'
fi
grep -E "$bad_re" "$tmp/console" | sed 's/^/not ok - vm console: /'

start=$(sed -n 's/^hoglab-vm: start uptime=\([0-9.]*\).*/\1/p' "$tmp/results")
end=$(sed -n 's/.* end uptime=\([0-9.]*\).*/\1/p' "$tmp/results")
np=$(grep -c '^ok - ' "$tmp/results")
nf=$(grep -c '^not ok - ' "$tmp/results")
nf=$((nf + $(grep -cE "$bad_re" "$tmp/console")))
grep -q '^hoglab-vm: done' "$tmp/results" || nf=$((nf + 1))
ns=$(grep -c '^skip - ' "$tmp/results")
printf '# vm: boot to init %ss, guest tests until %ss uptime, qemu %d ms, total %d ms\n' \
	"${start:-?}" "${end:-?}" "$t_vm" "$(elapsed)"
printf 'vm: %d passed, %d failed, %d skipped\n' "$np" "$nf" "$ns"
[ "$nf" -eq 0 ]
