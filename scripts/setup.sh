#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install everything the pipeline needs on a fresh Debian 12 machine and
# provide the pinned base kernel source as a git repository in the cache.
# Idempotent: a second run only checks and returns.
#
#   1. apt packages (toolchain, qemu, busybox-static, sparse, ccache, ...)
#   2. linux-source-6.12 at the version in base/pin; if the archive no
#      longer has it, the newest 6.12.y, with a loud warning, recorded in
#      build/base.env (BASE_PINNED=no) and shown in every report
#   3. tarball SHA-256 checked against base/pin
#   4. extracted once into $XE_SVM_CACHE/<version>/ and committed once as
#      the "base" commit of $XE_SVM_CACHE/<version>.git (fixed identity and
#      date, so the base commit hash is the same on every machine).
set -e
. "$(dirname "$0")/lib.sh"

# python3-sphinx (5.3 in Debian 12; 6.12's conf.py needs 2.4.4 or later,
# its alabaster theme comes as a dependency) and python3-yaml: the
# htmldocs static check (Documentation/sphinx/requirements.txt).
PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync
      xz-utils zstd ccache sparse codespell qemu-system-x86 busybox-static
      python3 python3-ply python3-git git perl python3-sphinx python3-yaml"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# apt-get bounded in time and retried: a stalled mirror must not eat a CI
# run (each attempt at most APT_TIMEOUT s, default 900; 3 attempts).
APT=(apt-get -o Acquire::Retries=3 -o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30)
apt_retry() { # apt-get arguments...
	local n
	for n in 1 2 3; do
		timeout -k 30 "${APT_TIMEOUT:-900}" "${APT[@]}" "$@" && return 0
		warn "apt-get $* failed or timed out (attempt $n of 3)"
		sleep $((n * 10))
		# an install cut short leaves dpkg half-configured
		DEBIAN_FRONTEND=noninteractive timeout 600 dpkg --configure -a || true
	done
	return 1
}
apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	log "apt-get update"
	apt_retry update -q >/dev/null || die "apt-get update failed"
	apt_updated=1
}
if [ -n "$missing" ]; then
	apt_update
	log "installing:$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt_retry install -y -q $missing >/dev/null ||
		die "apt-get install failed for:$missing"
fi

installed_version() {
	dpkg-query -W -f='${Version}' "$BASE_PACKAGE" 2>/dev/null || true
}

USED_VERSION=$(installed_version)
if [ "$USED_VERSION" != "$BASE_VERSION" ]; then
	apt_update
	log "installing $BASE_PACKAGE=$BASE_VERSION (pinned)"
	if ! DEBIAN_FRONTEND=noninteractive apt_retry install -y -q --allow-downgrades \
		"$BASE_PACKAGE=$BASE_VERSION" >/dev/null 2>&1; then
		warn "the archive no longer has $BASE_PACKAGE=$BASE_VERSION (pinned in base/pin).
!!! Using the newest $BASE_PACKAGE the archive has instead. The series was
!!! tested on $BASE_VERSION only: results on this base are NOT the pinned
!!! results, and the version used is recorded in build/base.env and
!!! printed in every report."
		DEBIAN_FRONTEND=noninteractive apt_retry install -y -q "$BASE_PACKAGE" >/dev/null ||
			die "cannot install $BASE_PACKAGE at all"
	fi
	USED_VERSION=$(installed_version)
fi

[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing after installing $BASE_PACKAGE"

SHA=$(sha256sum "$BASE_TARBALL" | cut -d' ' -f1)
if [ "$USED_VERSION" = "$BASE_VERSION" ]; then
	[ "$SHA" = "$BASE_SHA256" ] ||
		die "$BASE_TARBALL ($USED_VERSION) has SHA-256 $SHA, base/pin says $BASE_SHA256"
	PINNED=yes
else
	warn "USING UNPINNED BASE $BASE_PACKAGE=$USED_VERSION (sha256 $SHA); pinned is $BASE_VERSION"
	PINNED=no
fi

EXTRACT=$CACHE/$USED_VERSION
BASE_GIT=$CACHE/$USED_VERSION.git
mkdir -p "$CACHE"

if ! stamp_ok "$EXTRACT/.xe-svm-extracted" "$SHA"; then
	log "extracting $BASE_TARBALL into $EXTRACT"
	rm -rf "$EXTRACT" "$EXTRACT.tmp"
	mkdir -p "$EXTRACT.tmp"
	tar -C "$EXTRACT.tmp" --strip-components=1 -xf "$BASE_TARBALL"
	mv "$EXTRACT.tmp" "$EXTRACT"
	stamp_set "$EXTRACT/.xe-svm-extracted" "$SHA"
else
	log "base $USED_VERSION already extracted in $EXTRACT (sha256 matches)"
fi

if ! stamp_ok "$BASE_GIT/xe-svm-base" "$SHA"; then
	log "committing the pristine base into $BASE_GIT"
	rm -rf "$BASE_GIT"
	git init -q --bare "$BASE_GIT"
	export GIT_DIR=$BASE_GIT GIT_WORK_TREE=$EXTRACT
	# --force: the tarball ships files that the kernel's own .gitignore
	# lists; the base commit must hold exactly what the tarball holds.
	git add --force --all -- . ':!.xe-svm-extracted'
	GIT_AUTHOR_NAME="Debian $BASE_PACKAGE" GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org \
	GIT_COMMITTER_NAME="Debian $BASE_PACKAGE" GIT_COMMITTER_EMAIL=debian-kernel@lists.debian.org \
	GIT_AUTHOR_DATE=$BASE_COMMIT_DATE GIT_COMMITTER_DATE=$BASE_COMMIT_DATE \
		git commit -q -m "Linux $BASE_KERNELVERSION from Debian $BASE_PACKAGE $USED_VERSION" \
		-m "Pristine $BASE_TARBALL, sha256 $SHA."
	git tag -f base >/dev/null
	rm -f "$BASE_GIT/index"
	unset GIT_DIR GIT_WORK_TREE
	stamp_set "$BASE_GIT/xe-svm-base" "$SHA"
fi

mkdir -p "$BUILD"
cat > "$BUILD/base.env" <<EOT
BASE_USED_VERSION=$USED_VERSION
BASE_USED_SHA256=$SHA
BASE_PINNED=$PINNED
BASE_GIT=$BASE_GIT
BASE_COMMIT=$(git --git-dir="$BASE_GIT" rev-parse base)
EOT
log "base: $BASE_PACKAGE $USED_VERSION ($(git --git-dir="$BASE_GIT" rev-parse --short base))"
