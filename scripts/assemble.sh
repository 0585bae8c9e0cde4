#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Assemble the kernel tree in $XE_SVM_BUILD/src: the pristine base commit
# (tag "base") and the series on top of it (branch "svm"), one commit per
# directory of series/ in name order:
#
#   series/NNNN-slug/message        commit message: subject, blank, body
#   series/NNNN-slug/add            files this commit adds, one repo path
#                                   (= kernel path) per line, '#' comments
#   series/NNNN-slug/changes.patch  optional: its changes to files that
#                                   exist in the base, or that an earlier
#                                   commit of the series added (git diff)
#
# A file the series adds is kept in the repository in its final form; the
# commit that adds it gets that version with the later commits' hunks for
# it reverse-applied, so each commit shows the file as it was then.
#
# The commits are built with git plumbing in a private index and the work
# tree is then moved with "git reset --hard": files whose content did not
# change keep their mtime, so the kernel build stays incremental.
# Nothing is done when the inputs did not change since the last run.
# Local edits in the tree stop the script (run "make export" first, or
# FORCE=1 to throw them away).
set -e
. "$(dirname "$0")/lib.sh"
[ -f "$BUILD/base.env" ] || "$REPO/scripts/setup.sh"
. "$BUILD/base.env"

SERIES_DATE=${SERIES_DATE:-2026-11-01T00:00:00Z}

inputs_hash() {
	shopt -s nullglob
	{
		echo "$BASE_COMMIT $SERIES_AUTHOR_NAME $SERIES_AUTHOR_EMAIL $SERIES_DATE"
		cd "$REPO"
		for d in series/[0-9]*/; do
			find "$d" -type f | LC_ALL=C sort | xargs sha256sum
			[ -f "$d/add" ] || continue
			grep -v -e '^#' -e '^[[:space:]]*$' "$d/add" | while read -r f; do
				[ -f "$f" ] || { echo "missing:$f"; continue; }
				sha256sum "$f"; stat -c '%a' "$f"
			done
		done
	} | sha256sum | cut -d' ' -f1
}

if [ -d "$SRC/.git" ] && [ "$(git -C "$SRC" rev-parse -q --verify 'base^{commit}')" != "$BASE_COMMIT" ]; then
	warn "$SRC was assembled on another base; re-creating it"
	[ -z "$(git -C "$SRC" diff --name-only HEAD)" ] || [ -n "$FORCE" ] ||
		die "$SRC has local edits: run 'make export' first (or FORCE=1)"
	rm -rf "$SRC"
fi
if [ ! -d "$SRC/.git" ]; then
	log "creating the kernel tree in $SRC"
	rm -rf "$SRC"
	# --shared: the base objects stay in the cache, nothing is copied.
	git clone -q --shared --no-checkout "$BASE_GIT" "$SRC"
	git -C "$SRC" config core.untrackedCache true
	git -C "$SRC" config user.name "$SERIES_AUTHOR_NAME"
	git -C "$SRC" config user.email "$SERIES_AUTHOR_EMAIL"
	git -C "$SRC" fetch -q "$BASE_GIT" 'refs/tags/base:refs/tags/base'
	git -C "$SRC" checkout -q -B svm base
fi
cd "$SRC"
# A history being rewritten (see README) is not a tree to build.
[ ! -d .git/rebase-merge ] && [ ! -d .git/rebase-apply ] ||
	die "a rebase is in progress in $SRC: finish it (git rebase --continue) or abort it"

HASH=$(inputs_hash)
if stamp_ok .git/xe-svm-assembled "$HASH" && [ -z "$FORCE" ]; then
	log "kernel tree up to date ($(git rev-parse --short HEAD), $(git rev-list --count base..HEAD) commits on base)"
	exit 0
fi

shopt -s nullglob
DIRS=("$REPO"/series/[0-9]*/)
DIRS=("${DIRS[@]%/}")

# A file the series adds is kept in the repository in its final form. When
# later commits change it (hunks for it in their changes.patch), the
# version the adding commit gets is the final one with those later hunks
# reverse-applied, newest first.
declare -A ADD_BLOB ADD_MODE
for ((a = 0; a < ${#DIRS[@]}; a++)); do
	[ -f "${DIRS[a]}/add" ] || continue
	while read -r f; do
		[ -f "$REPO/$f" ] || die "$(basename "${DIRS[a]}"): adds $f, which is not in the repository"
		[ -z "${ADD_BLOB[$f]}" ] || die "$f is added by two commits"
		mode=100644
		[ -x "$REPO/$f" ] && mode=100755
		blob=$(git hash-object -w "$REPO/$f")
		later=()
		for ((d = a + 1; d < ${#DIRS[@]}; d++)); do
			grep -qxF "diff --git a/$f b/$f" "${DIRS[d]}/changes.patch" 2>/dev/null &&
				later+=("${DIRS[d]}/changes.patch")
		done
		if [ ${#later[@]} -gt 0 ]; then
			tmpidx=$(mktemp)
			GIT_INDEX_FILE=$tmpidx git read-tree --empty
			GIT_INDEX_FILE=$tmpidx git update-index --add --cacheinfo "$mode,$blob,$f"
			for ((i = ${#later[@]} - 1; i >= 0; i--)); do
				GIT_INDEX_FILE=$tmpidx git apply -R --cached --include="$f" "${later[i]}" ||
					die "$f: the hunks for it in ${later[i]#$REPO/} do not reverse-apply to the repository's version"
			done
			blob=$(GIT_INDEX_FILE=$tmpidx git ls-files -s -- "$f" | awk '{print $2}')
			rm -f "$tmpidx"
		fi
		ADD_BLOB[$f]=$blob
		ADD_MODE[$f]=$mode
	done < <(grep -v -e '^#' -e '^[[:space:]]*$' "${DIRS[a]}/add")
done

export GIT_INDEX_FILE=$SRC/.git/xe-svm-index
git read-tree base
parent=$(git rev-parse base)
: > .git/xe-svm-map
n=0
for d in "${DIRS[@]}"; do
	name=$(basename "$d")
	[ -f "$d/message" ] || die "$name: no message file"
	if [ -f "$d/add" ]; then
		while read -r f; do
			git update-index --add --cacheinfo "${ADD_MODE[$f]},${ADD_BLOB[$f]},$f"
		done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$d/add")
	fi
	if [ -f "$d/changes.patch" ]; then
		git apply --cached "$d/changes.patch" ||
			die "$name: changes.patch does not apply"
	fi
	tree=$(git write-tree)
	msg=$(cat "$d/message")
	sob="Signed-off-by: $SERIES_AUTHOR_NAME <$SERIES_AUTHOR_EMAIL>"
	grep -qxF "$sob" "$d/message" || msg=$(printf '%s\n\n%s' "$msg" "$sob")
	n=$((n + 1))
	date=$(date -u -d "$SERIES_DATE + $n minutes" +%Y-%m-%dT%H:%M:%SZ)
	parent=$(printf '%s\n' "$msg" |
		GIT_AUTHOR_NAME="$SERIES_AUTHOR_NAME" GIT_AUTHOR_EMAIL="$SERIES_AUTHOR_EMAIL" \
		GIT_COMMITTER_NAME="$SERIES_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$SERIES_AUTHOR_EMAIL" \
		GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
		git commit-tree "$tree" -p "$parent")
	echo "$parent $name" >> .git/xe-svm-map
done
unset GIT_INDEX_FILE
rm -f .git/xe-svm-index

# The series must end with exactly the repository's version of each file.
for f in "${!ADD_BLOB[@]}"; do
	[ "$(git rev-parse "$parent:$f")" = "$(git hash-object "$REPO/$f")" ] ||
		die "$f: the series does not end with the repository's version of it (check the later commits' hunks for it)"
done

# Local edits are fine when the new commits already hold them (that is
# what "make export" arranges); anything else would be lost.
lost=
while read -r f; do
	[ -n "$f" ] || continue
	want=$(git rev-parse -q --verify "$parent:$f" 2>/dev/null || true)
	have=$( [ -f "$f" ] && git hash-object "$f" || true)
	[ "$want" = "$have" ] || lost="$lost $f"
done < <(git diff --name-only HEAD)
if [ -n "$lost" ]; then
	if [ -n "$FORCE" ]; then
		warn "FORCE=1: discarding local edits in $SRC:$lost"
	else
		die "local edits in $SRC are not in the repository:$lost
    run 'make export' to turn them into the repo's patches first (or FORCE=1 to discard them)"
	fi
fi

git update-ref refs/heads/svm "$parent"
git symbolic-ref HEAD refs/heads/svm
git reset -q --hard svm
stamp_set .git/xe-svm-assembled "$HASH"
log "kernel tree assembled: $n commits on base, HEAD $(git rev-parse --short HEAD)"
