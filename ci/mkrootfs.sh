#!/usr/bin/env bash
# Builds rootfs/base from Debian's busybox-static (or $ROOTFS_TARBALL, e.g. an Alpine minirootfs)
# plus the static workloads (build/bin/*_hog at the rootfs root: cpu_hog, memory_hog, log_hog,
# wakeup_hog, all built by workloads/ and refused unless static), then rootfs/alpha and
# rootfs/beta as copies. Idempotent: base is rebuilt in a temp dir and swapped in; alpha and beta
# are made once, and their workloads and calibration are refreshed on every run.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${ROOTFS_DIR:-$TOP/rootfs}
BIN=$TOP/build/bin
BUSYBOX=${BUSYBOX:-/bin/busybox}

die() { echo "mkrootfs: $*" >&2; exit 1; }

workloads=()
for w in "$BIN"/*_hog; do
	[ -x "$w" ] && workloads+=("$w")
done
[ ${#workloads[@]} -gt 0 ] || die "no workloads in $BIN (run: make workloads)"
for w in "${workloads[@]}"; do
	file -b "$w" 2>/dev/null | grep 'statically linked' >/dev/null || die "$w is not statically linked"
done

mkdir -p "$ROOT"
tmp=$(mktemp -d "$ROOT/.base.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -n "${ROOTFS_TARBALL:-}" ]; then
	[ -f "$ROOTFS_TARBALL" ] || die "ROOTFS_TARBALL=$ROOTFS_TARBALL: no such file"
	tar -xzf "$ROOTFS_TARBALL" -C "$tmp" || die "cannot unpack $ROOTFS_TARBALL"
	source_desc="tarball $ROOTFS_TARBALL"
else
	[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (install busybox-static: make deps)"
	file -b "$BUSYBOX" | grep 'statically linked' >/dev/null || die "$BUSYBOX is not static (install busybox-static)"
	mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,etc}
	cp "$BUSYBOX" "$tmp/bin/busybox"
	# Applet links as relative symlinks, at the paths busybox itself names.
	while read -r applet; do
		dir=${applet%/*} up=
		[ "$applet" = bin/busybox ] && continue
		[ -d "$tmp/$dir" ] || mkdir -p "$tmp/$dir"
		if [ "$dir" = bin ]; then
			target=busybox
		else
			rest=$dir/
			while [ -n "$rest" ]; do up=../$up rest=${rest#*/}; done
			target=${up}bin/busybox
		fi
		ln -s "$target" "$tmp/$applet"
	done < <("$BUSYBOX" --list-full)
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
	banner=$("$BUSYBOX" 2>&1 || true)
	banner=${banner%%$'\n'*}
	source_desc="busybox-static (${banner%% (*})"
fi
mkdir -p "$tmp"/{proc,dev,tmp,sys,root,etc/hoglab}
chmod 1777 "$tmp/tmp"
echo hoglab >"$tmp/etc/hostname"
echo "$source_desc" >"$tmp/etc/hoglab/source"

install_workloads() {
	local dir=$1 w
	for w in "${workloads[@]}"; do
		cmp -s "$w" "$dir/$(basename "$w")" || install -m 0755 "$w" "$dir/$(basename "$w")"
	done
	mkdir -p "$dir/etc/hoglab"
	cp "$tmp/etc/hoglab/cpu_hog.cal" "$dir/etc/hoglab/cpu_hog.cal"
}

# The calibration: iterations per CPU ms of this machine, measured once per build of the base.
"$BIN/cpu_hog" --calibrate --save "$tmp/etc/hoglab/cpu_hog.cal" >/dev/null ||
	die "cpu_hog calibration failed"
for w in "${workloads[@]}"; do
	install -m 0755 "$w" "$tmp/$(basename "$w")"
done

rm -rf "$ROOT/base.old"
[ -d "$ROOT/base" ] && mv "$ROOT/base" "$ROOT/base.old"
mv "$tmp" "$ROOT/base"
rm -rf "$ROOT/base.old"
tmp=$ROOT/base

for copy in alpha beta; do
	if [ ! -d "$ROOT/$copy" ]; then
		cp -a "$ROOT/base" "$ROOT/$copy.tmp"
		mv "$ROOT/$copy.tmp" "$ROOT/$copy"
	fi
	install_workloads "$ROOT/$copy"
done
trap - EXIT
echo "mkrootfs: $ROOT/{base,alpha,beta} from $source_desc, workloads: $(basename -a "${workloads[@]}" | tr '\n' ' ')"
