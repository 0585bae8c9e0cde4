#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Regenerate every series/*/changes.patch from the assembled commits, so
# that hunk offsets and context match the commits before them (useful
# after a commit was inserted or a patch was edited by hand). The content
# of the series does not change; "make tree" is a no-op afterwards except
# for the stamp.
set -e
. "$(dirname "$0")/lib.sh"
cd "$SRC"
while read -r c d; do
	# Everything the commit changes except the files it adds.
	mapfile -t files < <(git diff --name-only "$c^" "$c" | while read -r f; do
		git cat-file -e "$c^:$f" 2>/dev/null && echo "$f"; done)
	if [ ${#files[@]} -gt 0 ]; then
		git diff --no-color --no-ext-diff "$c^" "$c" -- "${files[@]}" > "$REPO/series/$d/changes.patch"
	else
		rm -f "$REPO/series/$d/changes.patch"
	fi
done < .git/xe-svm-map
log "refreshed the changes.patch files"
