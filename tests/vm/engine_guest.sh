# Shared by the in-guest engine tests (tests/vm/test_engine*.sh; sourced, not run): the engine
# cannot pivot_root away from the initramfs root, so each test re-runs itself chrooted in a tmpfs
# holding busybox, the engine, memory_hog and a small rootfs; then one ok / not ok line per check.

# engine_guest_enter TAG SCRIPT [LINK...]: outside the chroot, builds it (LINK: extra busybox
# applets in the container's rootfs besides sh), runs "SCRIPT inner" in it and exits with its status.
engine_guest_enter() {
	tag=$1 script=$2
	shift 2
	if [ ! -x /bin/engine ] || [ ! -x /bin/memory_hog ]; then
		echo "not ok - $tag: no /bin/engine or /bin/memory_hog packed (make runtime workloads)"
		exit 1
	fi
	R=/tmp/$tag-root
	mkdir -p $R && mount -t tmpfs tmpfs $R || { echo "not ok - $tag: tmpfs root: mount failed"; exit 1; }
	mkdir -p $R/bin $R/proc $R/sys $R/dev $R/tmp $R/rootfs/bin $R/rootfs/proc $R/rootfs/dev
	cp /bin/busybox /bin/engine /bin/memory_hog $R/bin/
	cp /bin/busybox $R/rootfs/bin/ && ln -s busybox $R/rootfs/bin/sh
	for l in "$@"; do ln -s busybox $R/rootfs/bin/$l; done
	cp /bin/memory_hog $R/rootfs/
	cp "$script" $R/test.sh && cp "$(dirname "$script")/engine_guest.sh" $R/engine_guest.sh
	mount -t proc proc $R/proc && mount -t sysfs sysfs $R/sys && mount -t devtmpfs devtmpfs $R/dev
	chroot $R /bin/busybox sh /test.sh inner
	rc=$?
	umount $R/dev $R/sys $R/proc 2>/dev/null
	umount -l $R
	exit $rc
}

# Inside the chroot: applets on PATH, the engine's socket, and the check helpers for TAG.
engine_guest_init() {
	tag=$1
	/bin/busybox --install -s /bin
	export PATH=/bin HOGLAB_SOCKET=/tmp/engine.sock
	failures=0
}
ok() { echo "ok - $tag: $1"; }
nok() { echo "not ok - $tag: $1: $2"; failures=$((failures + 1)); }
check() { # check NAME COMMAND...
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else nok "$name" "failed: $*"; fi
}
state_of() { engine ps --json | tr '{' '\n' | grep "\"id\":\"$1\"" | sed 's/.*"state":"\([^"]*\)".*/\1/'; }

# sv_start NAME ARGS...: a supervisor of /rootfs (ARGS: its options), state and logs in
# /tmp/st-NAME and /tmp/log-NAME, its output in /tmp/sv.out, pid in SV. Waits (10 s at most) for
# its start line, as the host tests do: it prints that line after listen(), so then the socket
# takes connections and every start line is written. (The socket file appears at bind(), before
# the lines: a test that waited for it read /tmp/sv.out too early now and then.)
SV=
sv_start() {
	n=$1
	shift
	rm -f "$HOGLAB_SOCKET"
	engine supervisor /rootfs "$@" --state-dir /tmp/st-$n --log-dir /tmp/log-$n >/tmp/sv.out 2>&1 &
	SV=$!
	i=0
	until grep -q "^engine: supervisor $SV on " /tmp/sv.out || [ $i -ge 100 ] || ! kill -0 $SV 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if grep -q "^engine: supervisor $SV on " /tmp/sv.out; then
		ok "$n: supervisor starts: $(head -1 /tmp/sv.out)"
	else
		nok "$n: supervisor starts" "$(cat /tmp/sv.out)"
	fi
}
sv_stop() { # sv_stop: SIGTERM and wait; its exit status in SV_RC
	kill -TERM $SV
	wait $SV
	SV_RC=$?
}
