#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build IGT's xe_exec_system_allocator and libigt.so from the pinned
# source in ../shared/igt (issue 25). Not part of "make check" yet: the
# emulated device is not an xe DRM device so far, so nothing can run it.
#
# The build is cached by content: the key is the tarball's checksum, the
# patches in igt/ and this script. A second run with the same key only
# prints where the result is.
set -e
. "$(dirname "$0")/lib.sh"

IGT_DIR=${IGT_DIR:-$REPO/../shared/igt}
IGT_TARBALL=$IGT_DIR/igt-gpu-tools-c5721520.tar.xz
IGT_SHA256=d8d1d39b770323474531cff6c25be9532e01a95e84e123b3667b8aa30d192a88
# What ../shared/igt/README.md lists, plus what meson.build also needs.
IGT_PACKAGES="meson ninja-build pkg-config libdrm-dev libkmod-dev libproc2-dev
	libpciaccess-dev libpci-dev libudev-dev libdw-dev libcairo2-dev
	libpixman-1-dev libglib2.0-dev flex bison python3 zlib1g-dev"

[ -f "$IGT_TARBALL" ] || die "no IGT source at $IGT_TARBALL (../shared/igt beside the repository)"
echo "$IGT_SHA256  $IGT_TARBALL" | sha256sum -c --quiet - ||
	die "$IGT_TARBALL does not have the pinned checksum $IGT_SHA256"

missing=
for p in $IGT_PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	log "installing IGT's build dependencies:$missing"
	apt-get install -y --no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
fi

key=$( (echo "$IGT_SHA256"; cat "$REPO"/igt/*.patch "$0") | sha256sum | cut -c1-16)
dir=$BUILD/igt/$key
bin=$dir/build/tests/xe_exec_system_allocator
if [ ! -x "$bin" ]; then
	rm -rf "$BUILD/igt"
	mkdir -p "$dir"
	log "extracting $(basename "$IGT_TARBALL")"
	tar -C "$dir" -xf "$IGT_TARBALL"
	for p in "$REPO"/igt/*.patch; do
		patch -d "$dir/igt-gpu-tools" -p1 -s < "$p" || die "$p does not apply"
	done
	log "meson setup (log: $dir/setup.log)"
	(cd "$dir/igt-gpu-tools" &&
	 meson setup "$dir/build" -Dtests=enabled -Drunner=disabled -Doverlay=disabled \
		-Dchamelium=disabled -Dman=disabled -Ddocs=disabled -Dtestplan=disabled \
		-Dsphinx=disabled -Dvalgrind=disabled -Dlibunwind=disabled) \
		> "$dir/setup.log" 2>&1 || die "meson setup failed, see $dir/setup.log"
	log "ninja tests/xe_exec_system_allocator (log: $dir/build.log)"
	ninja -C "$dir/build" -j "$JOBS" tests/xe_exec_system_allocator \
		> "$dir/build.log" 2>&1 || die "the IGT build failed, see $dir/build.log"
fi

ln -sfn "$key" "$BUILD/igt/current"
n=$("$bin" --list-subtests | wc -l)
log "IGT: $bin ($n subtests; libigt.so in $dir/build/lib)"
