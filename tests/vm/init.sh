#!/bin/busybox sh
# /init of the QEMU test guest (packed by run-vm-tests.sh): mounts the basics, loads monitor.ko,
# runs every /tests/test_* in order, then checks dmesg. Results go to the second serial port
# (ttyS1) so that kernel console messages on ttyS0 never split a result line.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
exec >/dev/ttyS1 2>&1

echo "hoglab-vm: start uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r) cpus=$(nproc)"
if insmod /monitor.ko; then
	echo "ok - insmod monitor.ko"
else
	echo "not ok - insmod monitor.ko: failed, see the kernel log below"
fi
for t in /tests/test_*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	echo "# $name"
	timeout 120 "$t" /monitor.ko >/tmp/out 2>&1
	rc=$?
	cat /tmp/out
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok - ' /tmp/out; then
		echo "not ok - $name: exited $rc without a failing assertion"
	fi
done

dmesg >/tmp/dmesg
# The memory cgroup's OOM-killer report (the cgroup v2 hard-limit test) carries a Call Trace
# by design: leave out each report, from "invoked oom-killer" to its "Killed process" line.
bad=$(awk '/invoked oom-killer/ { oom = 1 } !oom { print } /Killed process/ { oom = 0 }' /tmp/dmesg |
	grep -E '(^|[^A-Za-z_])BUG|WARNING|Oops|sleeping function called|refcount|scheduling while atomic|Call Trace')
if [ -z "$bad" ]; then
	echo "ok - dmesg holds no BUG, WARNING, Oops, sleeping function called or refcount line"
else
	echo "$bad" | while read -r line; do echo "not ok - dmesg clean: $line"; done
fi
echo "hoglab-vm: monitor log lines=$(grep -c 'container_monitor: ' /tmp/dmesg) end uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "hoglab-vm: done"
sync
poweroff -f
