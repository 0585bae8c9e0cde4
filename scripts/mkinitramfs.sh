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
make -s -C "$REPO/tests" list-drm > "$ROOT/tests/plan-drm"

# IGT's xe_exec_system_allocator (make igt-build, cached), its runner and
# subset, and every shared library it loads, with the dynamic loader.
if [ "$VARIANT" = guest ]; then
	"$REPO/scripts/build-igt.sh" || die "building IGT failed"
	igt=$BUILD/igt/current/build/tests/xe_exec_system_allocator
	mkdir -p "$ROOT/igt" "$ROOT/lib64" "$ROOT/lib/x86_64-linux-gnu"
	cp "$igt" "$REPO/igt/run-subtests" "$REPO/igt/subset" "$REPO/igt/not-emulated" \
		"$REPO/igt/known-failures" "$ROOT/igt/"
	ldd "$igt" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib64\// { print $1 }' |
	while read -r lib; do
		case "$lib" in
		/lib64/*) cp -L "$lib" "$ROOT/lib64/" ;;
		*) cp -L "$lib" "$ROOT/lib/x86_64-linux-gnu/" ;;
		esac
	done
	[ -e "$ROOT/lib64/ld-linux-x86-64.so.2" ] || die "ldd $igt named no dynamic loader"
fi

(cd "$ROOT" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --reproducible) | gzip -1 > "$OUT"
log "initramfs: $(du -h "$OUT" | cut -f1)"
