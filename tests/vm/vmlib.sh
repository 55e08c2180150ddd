# Shared pieces of the QEMU guest runs, sourced by tests/vm/run-vm-tests.sh (make vm-test) and
# ci/vm-experiment.sh (make experiment-memlimits VM=1): finding a static busybox and a kernel with
# headers, building monitor.ko in a temp copy, and booting QEMU with two serial ports.
# Functions set variables named in their comment and return non-zero with a reason in vm_why.

# vm_busybox: a static busybox.
vm_find_busybox() {
	vm_busybox=
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && ! LC_ALL=C ldd "$b" >/dev/null 2>&1; then vm_busybox=$b; return 0; fi
	done
	vm_why="no static busybox (apt-get install busybox-static)"
	return 1
}

# vm_kernel_kdir IMG: the headers of /boot/vmlinuz-VER in vm_kdir (/lib/modules/VER/build or
# /usr/src/linux-headers-VER); non-zero when there are none.
vm_kernel_kdir() {
	local ver=${1#/boot/vmlinuz-} d
	vm_kdir=
	for d in "/lib/modules/$ver/build" "/usr/src/linux-headers-$ver"; do
		if [ -r "$1" ] && [ -f "$d/Makefile" ]; then vm_kdir=$d; return 0; fi
	done
	return 1
}

# vm_kernel, vm_kdir: the newest /boot/vmlinuz-VER whose headers are installed (or HOGLAB_VM_KERNEL).
vm_find_kernel() {
	local img
	vm_kernel= vm_kdir=
	for img in ${HOGLAB_VM_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V -r)}; do
		if vm_kernel_kdir "$img"; then vm_kernel=$img; return 0; fi
	done
	vm_why="no /boot/vmlinuz-VER with headers in /lib/modules/VER/build or /usr/src/linux-headers-VER (apt-get install linux-image-amd64 linux-headers-amd64)"
	return 1
}

# vm_kernels: the /boot/vmlinuz-VER images to test, one per word, each with installed headers.
# SELECTORS (VM_KERNELS): words, each a full VER or a series such as 6.1 or 6.12 (the newest
# VER of that series: "6.1" takes 6.1.0-57-amd64, never 6.12.x); empty: the newest VER of
# every series installed with headers (Debian 12 with make deps: 6.1 and 6.12). A selector that
# matches nothing is an error, not a silent gap.
vm_find_kernels() {
	local sel img ver series found
	local -A seen=()
	vm_kernels=
	if [ -n "${HOGLAB_VM_KERNEL:-}" ]; then
		vm_kernel_kdir "$HOGLAB_VM_KERNEL" || { vm_why="HOGLAB_VM_KERNEL=$HOGLAB_VM_KERNEL: no such image with headers"; return 1; }
		vm_kernels=$HOGLAB_VM_KERNEL
		return 0
	fi
	if [ -z "${1:-}" ]; then
		for img in $(ls /boot/vmlinuz-* 2>/dev/null | sort -V -r); do
			ver=${img#/boot/vmlinuz-}
			series=$(echo "$ver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
			[ -n "$series" ] && [ -z "${seen[$series]:-}" ] && vm_kernel_kdir "$img" || continue
			seen[$series]=1
			vm_kernels="$img $vm_kernels"
		done
		vm_kernels=${vm_kernels% }
		[ -n "$vm_kernels" ] && return 0
		vm_why="no /boot/vmlinuz-VER with headers in /lib/modules/VER/build or /usr/src/linux-headers-VER (make deps installs 6.1 and 6.12)"
		return 1
	fi
	for sel in $1; do
		found=
		for img in $(ls /boot/vmlinuz-* 2>/dev/null | sort -V -r); do
			ver=${img#/boot/vmlinuz-}
			case $ver in "$sel" | "$sel".* | "$sel"-* | "$sel"+*) ;; *) continue ;; esac
			if vm_kernel_kdir "$img"; then found=$img; break; fi
		done
		[ -n "$found" ] || { vm_why="VM_KERNELS: no installed kernel with headers matches '$sel' (have: $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | tr '\n' ' '))"; return 1; }
		vm_kernels="${vm_kernels:+$vm_kernels }$found"
	done
}

# vm_build_module TOP TMP: TMP/kmod/monitor.ko for vm_kdir, built in a copy so that the tree's
# own kmod/ build (for the running kernel) and parallel runs are left alone. Log in TMP/build.log.
vm_build_module() {
	mkdir -p "$2/kmod"
	cp "$1"/kmod/Kbuild "$1"/kmod/Makefile "$1"/kmod/monitor.h "$1"/kmod/monitor_*.c "$2/kmod/"
	make -C "$2/kmod" KDIR="$vm_kdir" HOGLAB_INCLUDE="$1/include" >"$2/build.log" 2>&1
}

# vm_accel, vm_accel_why: VM_ACCEL (kvm or tcg) when set; else kvm only where a probe boot of
# vm_kernel under KVM prints a line of the kernel's own (its "Linux version" banner, which comes
# after the firmware's) within 5 s, else tcg (software emulation), with the reason in vm_accel_why.
# A /dev/kvm node proves nothing: under nested virtualisation the firmware runs and the kernel
# never prints. Probed once per process; the probe's QEMU and its temp file go on every path.
vm_find_accel() {
	local probe qpid i
	[ -n "${vm_accel:-}" ] && return 0
	case ${VM_ACCEL:-} in
	kvm | tcg) vm_accel=$VM_ACCEL vm_accel_why="VM_ACCEL=$VM_ACCEL"; return 0 ;;
	'') ;;
	*) vm_why="VM_ACCEL is kvm or tcg, not '$VM_ACCEL'"; return 1 ;;
	esac
	vm_accel=tcg
	if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		vm_accel_why="no usable /dev/kvm"
		return 0
	fi
	probe=$(mktemp)
	timeout -k 1 6 qemu-system-x86_64 -nographic -nodefaults -no-reboot -accel kvm -m 256 \
		-kernel "$vm_kernel" -append "console=ttyS0 earlyprintk=ttyS0 panic=-1" \
		-serial "file:$probe" </dev/null >"$probe.err" 2>&1 &
	qpid=$!
	vm_accel_why="kvm probe: no kernel output in 5 s"
	for ((i = 0; i < 50; i++)); do
		if grep -aq 'Linux version' "$probe"; then vm_accel=kvm vm_accel_why="kvm probe: kernel printed in $((i / 10)).$((i % 10)) s"; break; fi
		if ! kill -0 "$qpid" 2>/dev/null; then
			vm_accel_why="kvm probe: qemu ended: $(grep -m 1 -v warning "$probe.err" | cut -c1-160)"
			break
		fi
		sleep 0.1
	done
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	rm -f "$probe" "$probe.err"
}

# vm_boot TIMEOUT MEM_MIB INITRD CONSOLE_LOG RESULTS_LOG APPEND: boots vm_kernel in the background
# (ttyS0: kernel console, ttyS1: results); its PID in vm_qpid. The caller waits for it.
vm_boot() {
	timeout -k 5 "$1" qemu-system-x86_64 -nographic -nodefaults -no-reboot -accel "$vm_accel" \
		-smp 2 -m "$2" -kernel "$vm_kernel" -initrd "$3" \
		-append "console=ttyS0 loglevel=4 panic=-1 oops=panic hoglab.accel=$vm_accel $6" \
		-serial "file:$4" -serial "file:$5" </dev/null >"$4.qemu" 2>&1 &
	vm_qpid=$!
}

# A temp dir for one boot in vm_tmp, removed on exit together with a QEMU still running
# (vm_qpid, set by vm_boot); INT and TERM end the caller through that same path.
vm_tmp_setup() {
	vm_tmp=$(mktemp -d)
	vm_qpid=
	trap vm_tmp_cleanup EXIT
	trap 'exit 130' INT TERM
}

vm_tmp_cleanup() {
	if [ -n "$vm_qpid" ] && kill -0 "$vm_qpid" 2>/dev/null; then
		kill "$vm_qpid" 2>/dev/null
		wait "$vm_qpid" 2>/dev/null
	fi
	rm -rf "$vm_tmp"
}
