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
#
# Reuse of the outputs: a build's key is the tree it built (the assembled
# tree's id), its fragments, the toolchain and this script and lib.sh.
# When the build directory's last build has the same key and its outputs
# are there, nothing runs. After each build the outputs the pipeline reads
# (guest/bench: bzImage, Module.symvers, the installed modules and
# headers; gate: gate.log and xe.o) are stored machine-wide under
# $CACHE/artifacts/<target>-<key>; a clone that has no build directory
# yet (CI's fresh clone) takes them from there instead of building, and
# builds for real as soon as its tree differs. XE_SVM_REUSE=0 builds.
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
MAKE=(make -C "$SRC" O="$O" ARCH=x86_64 -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc")

frag_files=()
for f in $FRAGS; do
	[ -f "$REPO/configs/$f.config" ] && frag_files+=("$REPO/configs/$f.config")
done

KEY=$(echo "build $TARGET $(git -C "$SRC" rev-parse 'HEAD^{tree}') $(files_id "${frag_files[@]}") $(toolchain_id) $(files_id "$REPO/scripts/build-kernel.sh" "$REPO/scripts/lib.sh")" |
	sha256sum | cut -d' ' -f1)
ART=$CACHE/artifacts/$TARGET-$KEY
# The outputs, relative to $BUILD, that later steps read.
case "$TARGET" in
guest|bench) OUTPUTS=("$TARGET/arch/x86/boot/bzImage" "$TARGET/Module.symvers" "$TARGET-modules" "$TARGET-headers") ;;
gate) OUTPUTS=(gate.log gate/drivers/gpu/drm/xe/xe.o) ;;
esac
outputs_present() {
	local o
	for o in "${OUTPUTS[@]}"; do [ -e "$BUILD/$o" ] || return 1; done
}
# A build directory moved with its clone keeps the old absolute paths in
# its generated files: start it afresh (ccache keeps the objects).
if [ -L "$O/source" ] && [ "$(readlink "$O/source")" != "$SRC" ]; then
	log "$O was built from another source directory: starting it afresh"
	rm -rf "$O"
fi
# A tree with edits HEAD does not hold (before "make export") is built
# for real, and nothing of it is recorded under HEAD's key.
DIRTY=
tree_dirty "$SRC" && DIRTY=1
if [ -z "$DIRTY" ] && reuse_on && stamp_ok "$O/.xe-svm-built" "$KEY" && outputs_present; then
	log "$TARGET: outputs up to date for this tree (key ${KEY:0:16}$( [ -f "$O/.xe-svm-restored" ] && echo ", taken from $ART"))"
	exit 0
fi
restore() {
	local o
	for o in "${OUTPUTS[@]}"; do
		mkdir -p "$(dirname "$BUILD/$o")" &&
		rm -rf "${BUILD:?}/$o" &&
		cp -a "$ART/$(basename "$o")" "$BUILD/$o" || return 1
	done
	touch "$O/.xe-svm-restored"
}
if [ -z "$DIRTY" ] && reuse_on && [ ! -d "$O" ] && [ -f "$ART/complete" ]; then
	log "$TARGET: no build directory yet: taking the outputs of the same tree from $ART (computed $(cat "$ART/complete"))"
	if restore; then
		stamp_set "$O/.xe-svm-built" "$KEY"
		exit 0
	fi
	warn "taking the outputs from $ART failed: building"
	rm -rf "$O"
fi
if [ -f "$O/.xe-svm-restored" ]; then
	# only taken outputs in there, for another tree: build for real
	rm -rf "$O"
fi
mkdir -p "$O"
rm -f "$O/.xe-svm-built"

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
if [ -n "$DIRTY" ]; then
	log "$TARGET build done (from a tree with edits not exported: nothing recorded for reuse)"
	exit 0
fi
stamp_set "$O/.xe-svm-built" "$KEY"
# Store the outputs for other clones of this machine, best effort (a
# full disk must not fail a good build); keep the last 3 complete ones of
# each target.
store() {
	local o tmp=$ART.tmp$$
	mkdir -p "$CACHE/artifacts" && rm -rf "$tmp" && mkdir -p "$tmp" || return 1
	for o in "${OUTPUTS[@]}"; do
		cp -a "$BUILD/$o" "$tmp/$(basename "$o")" || { rm -rf "$tmp"; return 1; }
	done
	date -u +%Y-%m-%dT%H:%M:%SZ > "$tmp/complete" &&
	rm -rf "$ART" && mv "$tmp" "$ART" || { rm -rf "$tmp"; return 1; }
	ls -dt "$CACHE/artifacts/$TARGET"-*/complete 2>/dev/null | tail -n +4 |
		xargs -r -n1 dirname | xargs -r rm -rf
}
if store; then
	log "$TARGET build done (outputs stored under key ${KEY:0:16})"
else
	warn "$TARGET build done, but its outputs could not be stored in $CACHE/artifacts"
fi
