#!/usr/bin/env bash
# The `vm` suite (tests/run.sh vm, make vm-test): builds monitor.ko for an installed
# /boot/vmlinuz-VER that has matching headers, packs an initramfs (busybox-static, the module,
# tests/vm/test_*, the workloads, the engine, tests/vm/init.sh), boots it in QEMU with a
# hard timeout and reprints the guest's ok/not ok/skip lines. Temp dir and QEMU die on every path.
# Env: HOGLAB_VM_TIMEOUT (seconds, default 300), HOGLAB_VM_KERNEL (a /boot/vmlinuz-* to use),
# VM_ACCEL (kvm or tcg: skips the probe, see vmlib.sh).
# test-timeout: 600
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TIMEOUT=${HOGLAB_VM_TIMEOUT:-300}
t0=$(date +%s%N)
elapsed() { echo $((($(date +%s%N) - t0) / 1000000)); }

skip_all() { printf 'skip - vm: %s\n' "$1"; exit 0; }
fail_all() { printf 'not ok - vm: %s\n' "$1"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || skip_all "cpio not installed (apt-get install cpio)"
. "$TOP/tests/vm/vmlib.sh"
vm_find_busybox || skip_all "$vm_why"
busybox=$vm_busybox

vm_find_kernel || skip_all "$vm_why"
kernel=$vm_kernel kdir=$vm_kdir

vm_tmp_setup
tmp=$vm_tmp

# Build: the module for that kernel, the workloads and the in-guest tests, all static.
build() {
	if ! "$@" >"$tmp/build.log" 2>&1; then
		fail_all "build failed: $* :: $(tail -5 "$tmp/build.log" | tr '\n' ' ' | cut -c1-400)"
	fi
}
vm_build_module "$TOP" "$tmp" || fail_all "build failed: monitor.ko :: $(tail -5 "$tmp/build.log" | tr '\n' ' ' | cut -c1-400)"
build make -C "$TOP" workloads ASAN=
build make -C "$TOP/tests/vm" ASAN=
t_built=$(elapsed)

root=$tmp/root
mkdir -p "$root"/{bin,tests,proc,sys,dev,tmp}
cp "$busybox" "$root/bin/busybox"
cp "$TOP/tests/vm/init.sh" "$root/init"
cp "$tmp/kmod/monitor.ko" "$root/monitor.ko"
cp "$TOP"/build/vm/test_* "$TOP"/tests/vm/test_*.sh "$root/tests/"
packed=
for w in cpu_hog memory_hog engine; do
	[ -x "$TOP/build/bin/$w" ] || fail_all "build/bin/$w is missing (make all)"
	LC_ALL=C ldd "$TOP/build/bin/$w" >/dev/null 2>&1 && fail_all "build/bin/$w is not static (built with ASAN=1?)"
	cp "$TOP/build/bin/$w" "$root/bin/"
	packed="$packed $w"
done
mknod "$root/dev/console" c 5 1 2>/dev/null
(cd "$root" && find . | cpio -o -H newc --quiet >"$tmp/initramfs.cpio") || fail_all "cpio failed"

vm_find_accel || fail_all "$vm_why"
accel=$vm_accel
printf '# vm: accel %s (%s)\n' "$accel" "$vm_accel_why"
printf '# vm: kernel %s, headers %s, accel %s, -smp 2 -m 1024, packed:%s, timeout %ss, built in %d ms\n' \
	"$kernel" "$kdir" "$accel" "$packed" "$TIMEOUT" "$t_built"

: >"$tmp/console.log"
: >"$tmp/results.log"
t_boot=$(elapsed)
vm_boot "$TIMEOUT" 1024 "$tmp/initramfs.cpio" "$tmp/console.log" "$tmp/results.log" ""
wait "$vm_qpid"
qrc=$?
vm_qpid=
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
			"$(grep -m1 -E "$bad_re" "$tmp/console" || tail -1 "$tmp/console.log.qemu")"
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
