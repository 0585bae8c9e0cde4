#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build the guest's test programs (static) and pack the initramfs:
# busybox-static, guest/init, the guest kernel's modules, tests/ programs
# and the kernel's hmm-tests. Output: $BUILD/initramfs.cpio.gz, or with
# KERNEL_VARIANT=bench (the release bench kernel's modules)
# $BUILD/initramfs-bench.cpio.gz.
set -e
. "$(dirname "$0")/lib.sh"

VARIANT=${KERNEL_VARIANT:-guest}
OUT=$BUILD/initramfs.cpio.gz
[ "$VARIANT" = guest ] || OUT=$BUILD/initramfs-$VARIANT.cpio.gz
BIN=$BUILD/guest-bin
make -s -C "$REPO/tests" O="$BIN" HDRS="$BUILD/$VARIANT-headers" KSRC="$SRC" ||
	die "building the user-space tests failed"

ROOT=$BUILD/initramfs
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,etc,proc,sys,dev,tmp,tests,lib}
cp /bin/busybox "$ROOT/bin/busybox"
cp "$REPO/guest/init" "$ROOT/init"
chmod +x "$ROOT/init"
cp -a "$BUILD/$VARIANT-modules/lib/modules" "$ROOT/lib/"
cp "$BIN"/* "$ROOT/tests/"
make -s -C "$REPO/tests" list > "$ROOT/tests/plan"

(cd "$ROOT" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --reproducible) | gzip -1 > "$OUT"
log "initramfs: $(du -h "$OUT" | cut -f1)"
