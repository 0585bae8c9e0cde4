#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Configure and build a kernel from the assembled tree, out of tree.
#
#   build-kernel.sh guest  bzImage + modules for the QEMU test guest
#                          (tinyconfig + base + debug + svm + guest
#                          fragments), installed into $BUILD/guest-modules
#   build-kernel.sh bench  the guest kernel without the debug fragment
#                          (no KASAN, lockdep, kmemleak, DEBUG_VM,
#                          DMA-API debugging), for benchmarks only
#                          (BENCH_KERNEL=release make bench); modules and
#                          headers in $BUILD/bench-modules, -headers
#   build-kernel.sh gate   the compile gate (tinyconfig + base + debug + svm +
#                          gate fragments): xe as a module with W=1, C=1
#                          (sparse) and DRM_XE_WERROR; the log is kept in
#                          $BUILD/gate.log for scripts/static-checks.sh
#
# The .config is regenerated only when a fragment or a Kconfig file of the
# tree changed; make's own dependency tracking (plus ccache) does the rest.
set -e
. "$(dirname "$0")/lib.sh"

TARGET=$1
case "$TARGET" in
guest) FRAGS="base debug svm guest" ;;
bench) FRAGS="base svm guest" ;;
gate)  FRAGS="base debug svm gate" ;;
*) die "usage: $0 guest|bench|gate" ;;
esac

O=$BUILD/$TARGET
mkdir -p "$O"
MAKE=(make -C "$SRC" O="$O" ARCH=x86_64 -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc")

frag_files=()
for f in $FRAGS; do
	[ -f "$REPO/configs/$f.config" ] && frag_files+=("$REPO/configs/$f.config")
done

cfg_hash=$( { cat "${frag_files[@]}"; git -C "$SRC" ls-files -s -- '*Kconfig*'; } | sha256sum | cut -d' ' -f1)
if ! stamp_ok "$O/.xe-svm-config" "$cfg_hash" || [ ! -f "$O/.config" ]; then
	log "configuring $TARGET kernel (tinyconfig +$(printf ' %s' $FRAGS))"
	"${MAKE[@]}" -s tinyconfig >/dev/null
	cat "${frag_files[@]}" >> "$O/.config"
	"${MAKE[@]}" -s olddefconfig >/dev/null 2>&1
	# Fail when an option did not stick (a missing dependency silently
	# drops it in olddefconfig).
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) sym=${line%%=*}
			grep -q "^$sym=" "$O/.config" && { echo "  $line: got $(grep "^$sym=" "$O/.config")"; bad=1; } ;;
		CONFIG_*=*) sym=${line%%=*}
			grep -qxF "$line" "$O/.config" ||
				{ echo "  $line: got $(grep -E "^(# )?$sym[= ]" "$O/.config" || echo unset)"; bad=1; } ;;
		esac
	done < <(cat "${frag_files[@]}")
	[ $bad = 0 ] || die "$TARGET config: options above did not survive olddefconfig"
	stamp_set "$O/.xe-svm-config" "$cfg_hash"
fi

case "$TARGET" in
guest|bench)
	log "building $TARGET kernel and modules in $O"
	if ! "${MAKE[@]}" bzImage modules > "$BUILD/$TARGET-build.log" 2>&1; then
		grep -E 'error|Error' "$BUILD/$TARGET-build.log" | head -20
		die "$TARGET kernel build failed (see $BUILD/$TARGET-build.log)"
	fi
	grep -E 'warning:' "$BUILD/$TARGET-build.log" || true
	rm -rf "$BUILD/$TARGET-modules"
	"${MAKE[@]}" -s INSTALL_MOD_PATH="$BUILD/$TARGET-modules" INSTALL_MOD_STRIP=1 \
		DEPMOD=/sbin/depmod modules_install >/dev/null
	"${MAKE[@]}" -s INSTALL_HDR_PATH="$BUILD/$TARGET-headers" headers_install >/dev/null
	;;
gate)
	# Objects of the files the series adds or changes are rebuilt every
	# time, so that their W=1 and sparse diagnostics are always in the log.
	while read -r f; do
		case "$f" in
		*.c) rm -f "$O/${f%.c}.o" ;;
		esac
	done < <(git -C "$SRC" diff --name-only base HEAD)
	log "compile gate: make W=1 C=1 drivers/gpu/drm/xe/ in $O"
	"${MAKE[@]}" W=1 C=1 drivers/gpu/drm/xe/ > "$BUILD/gate.log" 2>&1 ||
		{ tail -40 "$BUILD/gate.log"; die "compile gate build failed (see $BUILD/gate.log)"; }
	;;
esac
log "$TARGET build done"
