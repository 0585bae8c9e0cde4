# SPDX-License-Identifier: MIT
# Common settings for the pipeline scripts. Sourced, never run.
#
# Directories (all overridable from the environment):
#   XE_SVM_CACHE  machine-wide cache: the extracted base, its git objects
#                 and ccache (default ~/.cache/xe-svm); shared by every
#                 clone on the machine, never inside the repository.
#   XE_SVM_BUILD  per-clone build area (default <repo>/build, git-ignored):
#                 the assembled kernel tree (src/), the out-of-tree build
#                 directories (guest/, gate/), the initramfs and logs.
#   XE_SVM_OUT    per-clone outputs (default <repo>/out, git-ignored):
#                 the generated patch series and the reports.

set -o pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../base/pin
. "$REPO/base/pin"

CACHE=${XE_SVM_CACHE:-$HOME/.cache/xe-svm}
BUILD=${XE_SVM_BUILD:-$REPO/build}
OUT=${XE_SVM_OUT:-$REPO/out}
SRC=$BUILD/src
JOBS=${JOBS:-$(nproc)}

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Kernel objects embed no absolute paths we care about; let ccache share
# hits between clones at different paths.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
export CCACHE_NOHASHDIR=1

# Identity used for the series' commits (also the Signed-off-by).
SERIES_AUTHOR_NAME=${SERIES_AUTHOR_NAME:-"Xe SVM Developers"}
SERIES_AUTHOR_EMAIL=${SERIES_AUTHOR_EMAIL:-"xe-svm-dev@example.org"}

# Every line the pipeline prints carries the wall-clock time, so that a
# run polled from the background shows where its minutes went.
log()  { printf '==> %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '\n!!! %s WARNING: %s\n\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '\n*** %s ERROR: %s\n\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# Stamp helpers: a stamp file holds a hash of the inputs of a step; a
# step is skipped when its recorded stamp equals the current one.
stamp_ok()  { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
stamp_set() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; }

# bisect_name N SUBJECT: the name of the result of bisect-check.sh for the
# Nth commit of the series (also what scripts/plan.sh expects)
bisect_name() {
	printf 'bisect:%02d-%s\n' "$1" "$(echo "$2" | sed 's/^[^:]*: *//; s/[^A-Za-z0-9]\+/-/g' | cut -c1-50)"
}

# --- Reuse of deterministic results ----------------------------------
# A static result that depends only on its inputs (one commit building on
# its own, checkpatch on one patch, the documentation render of one tree)
# is stored machine-wide, once it passed, under
# $CACHE/results/<kind>/<key>, where the key is a SHA-256 of everything
# the check reads. The file holds when it was computed. A failure is never
# stored, so it is always recomputed; a guest run is never reused.
# XE_SVM_REUSE=0 turns every reuse off (results are still stored).
RESULTS_CACHE=$CACHE/results

reuse_on() { [ "${XE_SVM_REUSE:-1}" != 0 ]; }

# reuse_get KIND KEY: when a passing result is stored, print
# "cached: computed <date>, key <first 16 hex digits>" and succeed
reuse_get() {
	local f=$RESULTS_CACHE/$1/$2
	reuse_on && [ -f "$f" ] || return 1
	printf 'cached: computed %s, key %s' "$(head -1 "$f")" "${2:0:16}"
}

# reuse_put KIND KEY: record that the result for KEY passed, now
reuse_put() {
	local d=$RESULTS_CACHE/$1
	mkdir -p "$d" && date -u +%Y-%m-%dT%H:%M:%SZ > "$d/$2.$$" && mv "$d/$2.$$" "$d/$2"
}

# toolchain_id: a hash of the versions of every tool and -dev package a
# build or a check of this pipeline reads; part of every reuse key, so a
# toolchain upgrade invalidates what the old one proved.
toolchain_id() {
	if [ -z "$XE_SVM_TOOLCHAIN_ID" ]; then
		XE_SVM_TOOLCHAIN_ID=$( {
			uname -m
			gcc --version | head -1
			ld --version | head -1
			make --version | head -1
			perl -e 'print "$^V\n"'
			dpkg-query -W -f='${Package} ${Version}\n' gcc-12 cpp-12 binutils \
				libc6-dev linux-libc-dev libelf-dev libssl-dev zlib1g-dev \
				bison flex bc pahole dwarves sparse perl python3 codespell \
				python3-sphinx python3-docutils python3-ply python3-git 2>/dev/null
			true
		} | sha256sum | cut -d' ' -f1)
		export XE_SVM_TOOLCHAIN_ID
	fi
	echo "$XE_SVM_TOOLCHAIN_ID"
}

# tree_dirty DIR: the git work tree DIR has changes its HEAD does not
# hold (an edit in build/src before "make export"): nothing built or
# checked from it may be reused or stored under HEAD's key
tree_dirty() { ! git -C "$1" diff --quiet HEAD -- 2>/dev/null; }

# files_id FILE...: one hash of the contents of FILEs (missing ones count
# as missing)
files_id() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then sha256sum < "$f"; else echo "missing $f"; fi
	done | sha256sum | cut -d' ' -f1
}

# --- Progress ----------------------------------------------------------
# $BUILD/progress names the step running now, when it started and how
# long it took in the last run ($BUILD/steps.last); "make wait" prints it.
progress_set() { # step name
	local last
	last=$(awk -v n="$1" '$1 == n { print $3 }' "$BUILD/steps.last" 2>/dev/null | tail -1)
	mkdir -p "$BUILD"
	printf '%s %s %s\n' "$1" "$(date +%s)" "${last:--}" > "$BUILD/progress"
}
