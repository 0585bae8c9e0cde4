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

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf '\n!!! WARNING: %s\n\n' "$*" >&2; }
die()  { printf '\n*** ERROR: %s\n\n' "$*" >&2; exit 1; }

# Stamp helpers: a stamp file holds a hash of the inputs of a step; a
# step is skipped when its recorded stamp equals the current one.
stamp_ok()  { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
stamp_set() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; }

# bisect_name N SUBJECT: the name of the result of bisect-check.sh for the
# Nth commit of the series (also what scripts/plan.sh expects)
bisect_name() {
	printf 'bisect:%02d-%s\n' "$1" "$(echo "$2" | sed 's/^[^:]*: *//; s/[^A-Za-z0-9]\+/-/g' | cut -c1-50)"
}
