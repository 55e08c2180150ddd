#!/bin/busybox sh
# /init of the memory-limit experiment's QEMU guest (packed by ci/vm-experiment.sh): loads
# monitor.ko, mounts cgroup v2 with the memory controller, runs build/bin/memlab chrooted into a
# tmpfs (pivot_root cannot leave the initramfs) with the kmod backend (scan and event mode) and
# the cgroup backend, numbering runs from hoglab_run_base + 1 (the kernel command line), then sends the
# run folder as base64 of a gzip'd tar on the results port (ttyS1) between two marker lines.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
exec >/dev/ttyS1 2>&1

profile=$(sed -n 's/.*hoglab_profile=\([a-z0-9_]*\).*/\1/p' /proc/cmdline)
machine=$(sed -n 's/.*hoglab_machine=\([a-z0-9_-]*\).*/\1/p' /proc/cmdline)
run_base=$(sed -n 's/.*hoglab_run_base=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "hoglab-vm: start uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r) cpus=$(nproc) profile=${profile:-default}"
insmod /monitor.ko || echo "hoglab-vm: insmod monitor.ko failed"
R=/tmp/lab
mkdir -p $R && mount -t tmpfs tmpfs $R
mkdir -p $R/bin $R/proc $R/sys $R/dev $R/tmp $R/res $R/rootfs/bin $R/rootfs/proc $R/rootfs/dev $R/rootfs/tmp
cp /bin/busybox /bin/engine /bin/memlab /bin/memory_hog $R/bin/
cp /bin/busybox $R/rootfs/bin/ && ln -s busybox $R/rootfs/bin/sh
cp /bin/memory_hog $R/rootfs/
cp /memlimits.conf $R/
chroot $R /bin/busybox --install -s /bin
mount -t proc proc $R/proc && mount -t sysfs sysfs $R/sys && mount -t devtmpfs devtmpfs $R/dev
if mount -t cgroup2 none $R/sys/fs/cgroup && echo "+memory +cpu" >$R/sys/fs/cgroup/cgroup.subtree_control; then
	echo "hoglab-vm: cgroup v2 with +memory +cpu"
else
	echo "hoglab-vm: cgroup v2 with the memory controller is not available"
fi
chroot $R /bin/memlab ${profile:+--profile $profile} --machine "${machine:-qemu}" --run-base "${run_base:-1000000}" \
	--backends "kmod cgroup" --kmod-modes "scan event" --rootfs /rootfs --results /res /memlimits.conf 2>&1 | sed 's/^/# /'
echo "hoglab-vm: memlab done"
if [ -f $R/res/latest/runs.csv ]; then
	echo "hoglab-vm: begin results"
	tar -C $R/res/latest -cf - runs.csv samples.csv cost.csv meta | gzip | base64
	echo "hoglab-vm: end results"
fi
echo "hoglab-vm: monitor log lines=$(dmesg | grep -c 'container_monitor: ') end uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "hoglab-vm: done"
sync
poweroff -f
