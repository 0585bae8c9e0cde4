#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Turn edits made in the assembled tree ($XE_SVM_BUILD/src) back into the
# repository:
#   - a file the series adds: copied back to its path in the repository;
#   - a file that exists in the base: the diff goes into changes.patch of
#     the last series commit that touches the file. A file no commit
#     touches yet needs COMMIT=<series dir name or number prefix>.
# Afterwards "make tree" re-assembles the commits (the tree content stays
# the same). New, untracked files must be listed in a series/*/add file.
set -e
. "$(dirname "$0")/lib.sh"
. "$BUILD/base.env"
cd "$SRC"

mapfile -t edited < <(git diff --name-only HEAD)
if [ ${#edited[@]} -eq 0 ]; then
	log "no edits in $SRC"
	exit 0
fi

dir_of_commit() { awk -v c="$1" '$1 == c { print $2 }' .git/xe-svm-map; }
commit_of_dir() { awk -v d="$1" '$2 == d { print $1 }' .git/xe-svm-map; }

declare -A extra   # series dir -> base files newly assigned to it
declare -A touched # series dir -> 1
for f in "${edited[@]}"; do
	if ! git cat-file -e "base:$f" 2>/dev/null; then
		[ -e "$f" ] || die "$f was deleted; remove it from its series/*/add list instead"
		cp -p "$f" "$REPO/$f"
		log "new file  $f -> repository"
		continue
	fi
	c=$(git log -1 --format=%H base..HEAD -- "$f")
	if [ -n "$c" ]; then
		d=$(dir_of_commit "$c")
	else
		[ -n "$COMMIT" ] ||
			die "$f is not touched by any series commit yet: say which one gets it, e.g. COMMIT=0001 ($(cut -d' ' -f2 .git/xe-svm-map | tr '\n' ' '))"
		d=$(cut -d' ' -f2 .git/xe-svm-map | grep "^$COMMIT" | head -1)
		[ -n "$d" ] || die "no series directory matches COMMIT=$COMMIT"
		extra[$d]="${extra[$d]} $f"
	fi
	touched[$d]=1
	log "base file $f -> series/$d/changes.patch"
done

for d in "${!touched[@]}"; do
	c=$(commit_of_dir "$d")
	# Base files this commit already changes, plus the newly assigned ones.
	mapfile -t files < <( { git diff --name-only "$c^" "$c"; tr ' ' '\n' <<< "${extra[$d]}"; } |
		grep -v '^$' | LC_ALL=C sort -u)
	tmp=$(mktemp)
	for f in "${files[@]}"; do
		git cat-file -e "base:$f" 2>/dev/null || continue
		last=$(git log -1 --format=%H base..HEAD -- "$f")
		if [ "$last" = "$c" ] || [ -z "$last" ]; then
			# This commit is the file's last change: take the work tree.
			git diff --no-color --no-ext-diff "$c^" -- "$f" >> "$tmp"
		else
			git diff --no-color --no-ext-diff "$c^" "$c" -- "$f" >> "$tmp"
		fi
	done
	if [ -s "$tmp" ]; then
		mv "$tmp" "$REPO/series/$d/changes.patch"
	else
		rm -f "$tmp" "$REPO/series/$d/changes.patch"
	fi
done
log "exported; run 'make tree' to re-assemble (the tree content does not change)"
