#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Turn edits made in the assembled tree ($XE_SVM_BUILD/src) back into the
# repository. An edited file's change goes to the last series commit that
# touches it, or to COMMIT=<series dir name or number prefix> (which must
# not come before that last commit; a base file no commit touches yet
# needs COMMIT=):
#   - a file the series adds, edited in its adding commit: copied back to
#     its path in the repository;
#   - otherwise the diff against the commit's parent goes into that
#     commit's changes.patch (and a file the series adds is also copied
#     back, since the repository keeps its final version).
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

declare -A extra   # series dir -> files newly assigned to it
declare -A touched # series dir -> 1
for f in "${edited[@]}"; do
	[ -e "$f" ] || die "$f was deleted; remove it from its series/*/add list (or its hunks) instead"
	in_base=1
	git cat-file -e "base:$f" 2>/dev/null || in_base=0
	last=$(git log -1 --format=%H base..HEAD -- "$f")
	if [ -n "$COMMIT" ]; then
		d=$(cut -d' ' -f2 .git/xe-svm-map | grep "^$COMMIT" | head -1)
		[ -n "$d" ] || die "no series directory matches COMMIT=$COMMIT"
		c=$(commit_of_dir "$d")
		# Only the last commit touching a file can take a work-tree edit.
		[ -z "$last" ] || git merge-base --is-ancestor "$last" "$c" ||
			die "$f is changed later by $(dir_of_commit "$last"): export it there, or move hunks by hand (README)"
		[ "$c" = "$last" ] || extra[$d]="${extra[$d]} $f"
	else
		[ -n "$last" ] ||
			die "$f is not touched by any series commit yet: say which one gets it, e.g. COMMIT=0100 ($(cut -d' ' -f2 .git/xe-svm-map | tr '\n' ' '))"
		d=$(dir_of_commit "$last")
		c=$last
	fi
	if [ $in_base = 0 ]; then
		# The repository keeps the final version of the files the series adds.
		cp -p "$f" "$REPO/$f"
		if ! git cat-file -e "$c^:$f" 2>/dev/null; then
			log "new file  $f -> repository (added by $d)"
			continue
		fi
	fi
	touched[$d]=1
	log "$f -> series/$d/changes.patch"
done

for d in "${!touched[@]}"; do
	c=$(commit_of_dir "$d")
	# Files this commit already changes, plus the newly assigned ones;
	# files it adds are not in its changes.patch.
	mapfile -t files < <( { git diff --name-only "$c^" "$c"; tr ' ' '\n' <<< "${extra[$d]}"; } |
		grep -v '^$' | LC_ALL=C sort -u)
	tmp=$(mktemp)
	for f in "${files[@]}"; do
		git cat-file -e "$c^:$f" 2>/dev/null || continue
		last=$(git log -1 --format=%H base..HEAD -- "$f")
		if [ "$last" = "$c" ] || [ -z "$last" ] || [[ " ${extra[$d]} " == *" $f "* ]]; then
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
