#!/usr/bin/env bash
# make rootfs as users of the original expect: a busybox tree with the workloads that chroot can
# run, idempotent, and the tarball path. Builds into a private folder, never the user's rootfs/.
. "$(dirname "$0")/../lib.sh"
need_root "rootfs tests" || finish
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ROOTFS_DIR=$tmp/rootfs

check "mkrootfs builds base, alpha and beta" "$TOP/ci/mkrootfs.sh"
check "chroot alpha /bin/sh -c 'echo ok' prints ok" bash -c "[ \"\$(chroot '$ROOTFS_DIR/alpha' /bin/sh -c 'echo ok')\" = ok ]"
check "chroot alpha /cpu_hog --work-ms 200 finishes" bash -c "chroot '$ROOTFS_DIR/alpha' /cpu_hog --work-ms 200 | grep -q '^cpu_hog done'"
check "chroot beta /memory_hog --max 32 finishes" bash -c "chroot '$ROOTFS_DIR/beta' /memory_hog --max 32 --rate 0 | grep -q '^memory_hog done .*allocated_mib=32.000'"
check "the rootfs has /proc /dev /tmp /etc/hostname /etc/passwd and a calibration" \
	test -d "$ROOTFS_DIR/base/proc" -a -d "$ROOTFS_DIR/base/dev" -a -d "$ROOTFS_DIR/base/tmp" \
	-a -s "$ROOTFS_DIR/base/etc/hostname" -a -s "$ROOTFS_DIR/base/etc/passwd" -a -s "$ROOTFS_DIR/base/etc/hoglab/cpu_hog.cal"
check "applet links resolve inside the tree (usr/bin/awk)" test "$(readlink -f "$ROOTFS_DIR/base/usr/bin/awk")" = "$ROOTFS_DIR/base/bin/busybox"

# Idempotent: a second run keeps what a user put into alpha and leaves the same tree.
echo mine >"$ROOTFS_DIR/alpha/user-file"
before=$(cd "$ROOTFS_DIR" && find . -path ./base -prune -o -print | grep -v '^\./base' | sort)
check "a second run succeeds" "$TOP/ci/mkrootfs.sh"
after=$(cd "$ROOTFS_DIR" && find . -path ./base -prune -o -print | grep -v '^\./base' | sort)
check "a second run leaves the same tree and keeps user files" test "$before" = "$after"
check "no temp folder left beside the rootfs" bash -c "! ls -a '$ROOTFS_DIR' | grep -q '^\.base\.'"

# A tarball instead of busybox (made here from the base, as an Alpine one would be used).
tar -czf "$tmp/mini.tar.gz" -C "$ROOTFS_DIR/base" --exclude=./cpu_hog --exclude=./memory_hog .
ROOTFS_DIR=$tmp/from-tar ROOTFS_TARBALL=$tmp/mini.tar.gz "$TOP/ci/mkrootfs.sh" >/dev/null 2>&1
check "ROOTFS_TARBALL builds a tree with the workloads in it" test -x "$tmp/from-tar/alpha/cpu_hog"
check "ROOTFS_TARBALL base says where it came from" grep -q "^tarball " "$tmp/from-tar/base/etc/hoglab/source"
err=$(ROOTFS_DIR=$tmp/bad ROOTFS_TARBALL=$tmp/none.tar.gz "$TOP/ci/mkrootfs.sh" 2>&1); rc=$?
check "a missing ROOTFS_TARBALL fails with one line naming it" \
	bash -c "[ $rc -ne 0 ] && [ \"\$(printf '%s\n' '$err' | wc -l)\" -eq 1 ] && grep -q none.tar.gz <<<'$err'"
finish
