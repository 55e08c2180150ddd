#!/usr/bin/env bash
# The `vm` suite (tests/run.sh vm, make vm-test): for each selected kernel (an installed
# /boot/vmlinuz-VER with matching headers; default: the newest of each series, 6.1 and 6.12),
# builds monitor.ko against that kernel's headers, packs an initramfs (busybox-static, the
# module, every tests/vm/test_*.sh and built test_* binary, the workloads, the engine,
# tests/vm/init.sh), boots it in QEMU with a hard timeout and reprints the guest's ok/not ok/skip
# lines, each tagged with the kernel. Temp dir and QEMU die on every path.
# Env: VM_KERNELS (words: a series such as 6.1 or 6.12, or a full VER; see vmlib.sh),
# HOGLAB_VM_TIMEOUT (seconds per boot, default 420), HOGLAB_VM_KERNEL (one /boot/vmlinuz-* to
# use), VM_ACCEL (kvm or tcg: skips the probe, see vmlib.sh).
# Measured under TCG on 2 shared cores: about 85 s of QEMU per kernel, 190 s for both with the
# builds; the timeout leaves room for a host several times slower.
# test-timeout: 1200
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TIMEOUT=${HOGLAB_VM_TIMEOUT:-420}
t0=$(date +%s%N)
elapsed() { echo $((($(date +%s%N) - t0) / 1000000)); }

skip_all() { printf 'skip - vm: %s\n' "$1"; exit 0; }
fail_all() { printf 'not ok - vm: %s\n' "$1"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || skip_all "cpio not installed (apt-get install cpio)"
. "$TOP/tests/vm/vmlib.sh"
vm_find_busybox || skip_all "$vm_why"
busybox=$vm_busybox

if ! vm_find_kernels "${VM_KERNELS:-}"; then
	[ -n "${VM_KERNELS:-}" ] && fail_all "$vm_why"
	skip_all "$vm_why"
fi

vm_tmp_setup
tmp=$vm_tmp

# Build: the workloads and the in-guest tests once (static, kernel-independent); the module per
# kernel below.
build() {
	if ! "$@" >"$tmp/build.log" 2>&1; then
		fail_all "build failed: $* :: $(tail -5 "$tmp/build.log" | tr '\n' ' ' | cut -c1-400)"
	fi
}
build make -C "$TOP" workloads ASAN=
build make -C "$TOP/tests/vm" ASAN=
for w in cpu_hog memory_hog engine; do
	[ -x "$TOP/build/bin/$w" ] || fail_all "build/bin/$w is missing (make all)"
	LC_ALL=C ldd "$TOP/build/bin/$w" >/dev/null 2>&1 && fail_all "build/bin/$w is not static (built with ASAN=1?)"
done

# The KVM probe boots a kernel once per run, not once per kernel.
vm_kernel=${vm_kernels%% *}
vm_find_accel || fail_all "$vm_why"
accel=$vm_accel
printf '# vm: accel %s (%s); kernels: %s\n' "$accel" "$vm_accel_why" "$vm_kernels"

# The pattern of what the guest itself cannot report: init.sh's dmesg check plus panics; DEBUG
# does not count as BUG.
bad_re='(^|[^A-Za-z_])BUG|WARNING|Oops|sleeping function called|refcount|scheduling while atomic|Kernel panic'
tp=0 tf=0 ts=0 summary=
# run_kernel IMG: one boot; adds to tp/tf/ts and appends its closing line to summary.
run_kernel() {
	local kernel=$1 ver=${1#/boot/vmlinuz-} dir=$tmp/k-${1#/boot/vmlinuz-} root qrc t0k t_built t_vm
	local start end np nf ns tag
	vm_kernel=$kernel
	vm_kernel_kdir "$kernel"
	tag="[$ver] "
	t0k=$(elapsed)
	mkdir -p "$dir"
	if ! vm_build_module "$TOP" "$dir"; then
		printf 'not ok - %svm: build failed: monitor.ko :: %s\n' "$tag" "$(tail -5 "$dir/build.log" | tr '\n' ' ' | cut -c1-400)"
		tf=$((tf + 1)) summary="$summary"$'\n'"vm $ver: 0 passed, 1 failed, 0 skipped"
		return
	fi
	t_built=$(($(elapsed) - t0k))
	root=$dir/root
	mkdir -p "$root"/{bin,tests,proc,sys,dev,tmp}
	cp "$busybox" "$root/bin/busybox"
	cp "$TOP/tests/vm/init.sh" "$root/init"
	cp "$dir/kmod/monitor.ko" "$root/monitor.ko"
	cp "$TOP"/build/vm/test_* "$TOP"/tests/vm/test_*.sh "$TOP"/tests/vm/engine_guest.sh "$root/tests/"
	cp "$TOP/build/bin/cpu_hog" "$TOP/build/bin/memory_hog" "$TOP/build/bin/engine" "$root/bin/"
	mknod "$root/dev/console" c 5 1 2>/dev/null
	(cd "$root" && find . | cpio -o -H newc --quiet >"$dir/initramfs.cpio") || fail_all "cpio failed"
	printf '# vm: kernel %s, headers %s, accel %s, -smp 2 -m 1024, timeout %ss, module built in %d ms\n' \
		"$kernel" "$vm_kdir" "$accel" "$TIMEOUT" "$t_built"

	: >"$dir/console.log"
	: >"$dir/results.log"
	t0k=$(elapsed)
	vm_boot "$TIMEOUT" 1024 "$dir/initramfs.cpio" "$dir/console.log" "$dir/results.log" ""
	wait "$vm_qpid"
	qrc=$?
	vm_qpid=
	t_vm=$(($(elapsed) - t0k))

	tr -d '\r' <"$dir/results.log" >"$dir/results"
	tr -d '\r' <"$dir/console.log" >"$dir/console"
	grep -E '^(ok - |not ok - |skip - |# |hoglab-vm: )' "$dir/results" |
		sed -E "s/^(ok - |not ok - |skip - )/\\1$tag/"

	# What the guest itself cannot report: it never finished, or the kernel died.
	if ! grep -q '^hoglab-vm: done' "$dir/results"; then
		if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
			printf 'not ok - %svm: guest did not finish within %ss\n' "$tag" "$TIMEOUT"
		else
			printf 'not ok - %svm: guest stopped before the end (qemu exit %d): %s\n' "$tag" "$qrc" \
				"$(grep -m1 -E "$bad_re" "$dir/console" || tail -1 "$dir/console.log.qemu")"
		fi
		tail -n 30 "$dir/console" | sed 's/^/# console: /'
	fi
	grep -E "$bad_re" "$dir/console" | sed "s/^/not ok - ${tag}vm console: /"

	start=$(sed -n 's/^hoglab-vm: start uptime=\([0-9.]*\).*/\1/p' "$dir/results")
	end=$(sed -n 's/.* end uptime=\([0-9.]*\).*/\1/p' "$dir/results")
	np=$(grep -c '^ok - ' "$dir/results")
	nf=$(grep -c '^not ok - ' "$dir/results")
	nf=$((nf + $(grep -cE "$bad_re" "$dir/console")))
	grep -q '^hoglab-vm: done' "$dir/results" || nf=$((nf + 1))
	ns=$(grep -c '^skip - ' "$dir/results")
	printf '# vm: %s: boot to init %ss, guest tests until %ss uptime, qemu %d ms\n' \
		"$ver" "${start:-?}" "${end:-?}" "$t_vm"
	printf 'vm %s: %d passed, %d failed, %d skipped\n' "$ver" "$np" "$nf" "$ns"
	tp=$((tp + np)) tf=$((tf + nf)) ts=$((ts + ns))
	summary="$summary"$'\n'"vm $ver: $np passed, $nf failed, $ns skipped"
}

for k in $vm_kernels; do
	run_kernel "$k"
done
printf '# vm: total %d ms\n' "$(elapsed)"
printf '%s\n' "$summary" | sed '/^$/d; s/^/# /'
printf 'vm: %d passed, %d failed, %d skipped\n' "$tp" "$tf" "$ts"
[ "$tf" -eq 0 ]
