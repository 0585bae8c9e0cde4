#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Take back into the repository a history rewritten in the assembled tree
# ($XE_SVM_BUILD/src), e.g. after "git commit --fixup=<commit>" and
# "git rebase -i --autosquash base": the way to change a hunk of a commit
# that is not the last one touching its file. The series must keep its
# one commit per series directory, in the order of the directory names
# (create the directory of a new commit, with its message and add
# files, before running this). Updates the
# commit map, regenerates every changes.patch and copies the final
# version of every file the series adds; "make tree" afterwards must
# reproduce the same history content.
set -e
. "$(dirname "$0")/lib.sh"
cd "$SRC"
[ ! -d .git/rebase-merge ] && [ ! -d .git/rebase-apply ] ||
	die "a rebase is in progress in $SRC: finish it (git rebase --continue) or abort it"

[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "$SRC has uncommitted changes: commit them (--fixup) and rebase first"
mapfile -t commits < <(git rev-list --reverse base..HEAD)
mapfile -t dirs < <(cd "$REPO/series" && ls -d [0-9]*-*/ | tr -d /)
[ ${#commits[@]} -eq ${#dirs[@]} ] ||
	die "${#commits[@]} commits on base but ${#dirs[@]} series directories"
for i in "${!commits[@]}"; do
	echo "${commits[i]} ${dirs[i]}"
done > .git/xe-svm-map.new
mv .git/xe-svm-map.new .git/xe-svm-map

"$REPO/scripts/refresh-patches.sh"
cat "$REPO"/series/*/add 2>/dev/null | while read -r f; do
	[ -n "$f" ] && cp -p "$f" "$REPO/$f"
done
log "repository updated from $(git rev-parse --short HEAD); run make tree to check"
