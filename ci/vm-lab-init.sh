#!/bin/busybox sh
# /init of the scheduler lab's QEMU guest (packed by ci/vm-lab.sh): mounts cgroup v2 with the cpu
# controller, builds a rootfs (busybox, cpu_hog, wakeup_hog) in a tmpfs and runs build/bin/lab on
# the packed definition chrooted there (pivot_root cannot leave the initramfs), then sends the run
# folder as base64 of a gzip'd tar on the results port (ttyS1) between two marker lines.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
exec >/dev/ttyS1 2>&1

profile=$(sed -n 's/.*hoglab_profile=\([a-z0-9_]*\).*/\1/p' /proc/cmdline)
part=$(sed -n 's/.*hoglab_part=\([0-9]*\/[0-9]*\).*/\1/p' /proc/cmdline)
echo "hoglab-vm: start uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r) cpus=$(nproc) profile=${profile:-default} part=${part:-all}"
R=/tmp/lab
mkdir -p $R && mount -t tmpfs tmpfs $R
rf=$(sed -n 's/^rootfs *= *\([^ #]*\).*/\1/p' /lab.conf | tail -1)
B=$R/${rf:-rootfs/base}
mkdir -p $R/bin $R/proc $R/sys $R/dev $R/tmp $R/res $B/bin $B/proc $B/dev $B/tmp
cp /bin/busybox /bin/engine /bin/lab /bin/cpu_hog /bin/wakeup_hog $R/bin/
cp /bin/busybox $B/bin/ && ln -s busybox $B/bin/sh
cp /bin/cpu_hog /bin/wakeup_hog $B/
# The definition as it is (its rootfs = rootfs/base resolves from the chroot's /), so that the
# run's definition.conf equals the host's and the runs merge.
cp /lab.conf $R/lab.conf
chroot $R /bin/busybox --install -s /bin
mount -t proc proc $R/proc && mount -t sysfs sysfs $R/sys && mount -t devtmpfs devtmpfs $R/dev
if mount -t cgroup2 none $R/sys/fs/cgroup && echo "+cpu" >$R/sys/fs/cgroup/cgroup.subtree_control; then
	echo "hoglab-vm: cgroup v2 with +cpu"
else
	echo "hoglab-vm: cgroup v2 with the cpu controller is not available"
fi
chroot $R /bin/lab ${profile:+--profile $profile} ${part:+--part $part} --results /res /lab.conf 2>&1 | sed 's/^/# /'
echo "hoglab-vm: lab done"
if [ -f $R/res/latest/summary.csv ]; then
	echo "hoglab-vm: begin results"
	tar -C $R/res/latest -cf - . | gzip | base64
	echo "hoglab-vm: end results"
fi
echo "hoglab-vm: end uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "hoglab-vm: done"
sync
poweroff -f
