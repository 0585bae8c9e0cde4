#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Rewrite the series' history in the assembled tree ($XE_SVM_BUILD/src)
# without making the kernel builds start over: "git rebase" checks out
# every commit it replays, which rewrites (and so re-dates) each file the
# series touches even when its final content is what it was. This script
# records the content and modification time of every file the series
# touches, runs the rebase, and gives each file whose content did not
# change its old modification time back, so make rebuilds only what
# really changed. Then it takes the history back into the repository
# (scripts/after-rebase.sh).
#
#   scripts/rebase.sh              GIT_SEQUENCE_EDITOR=: git rebase -i --autosquash base
#   scripts/rebase.sh ARGS...      git rebase ARGS... instead
#   scripts/rebase.sh --continue   after resolving conflicts: continue the
#                                  rebase, then restore and take back as above
set -e
. "$(dirname "$0")/lib.sh"
cd "$SRC"
SAVED=.git/xe-svm-mtimes

if [ "$1" != --continue ]; then
	[ ! -d .git/rebase-merge ] && [ ! -d .git/rebase-apply ] ||
		die "a rebase is already in progress: scripts/rebase.sh --continue"
	# path, blob id of its content, mtime (ns) of every file the series
	# touches, as they are now
	git diff --name-only base HEAD | while IFS= read -r f; do
		[ -f "$f" ] || continue
		printf '%s %s %s\n' "$(git hash-object -- "$f")" "$(stat -c %.9Y -- "$f")" "$f"
	done > "$SAVED"
	if [ $# = 0 ]; then
		GIT_SEQUENCE_EDITOR=: git rebase -i --autosquash base ||
			die "the rebase stopped: resolve, git add, then scripts/rebase.sh --continue"
	else
		git rebase "$@" ||
			die "the rebase stopped: resolve, git add, then scripts/rebase.sh --continue"
	fi
else
	[ -f "$SAVED" ] || die "no saved modification times ($SRC/$SAVED): was scripts/rebase.sh started?"
	GIT_EDITOR=: git rebase --continue ||
		die "the rebase stopped again: resolve, git add, then scripts/rebase.sh --continue"
fi

kept=0 changed=0
while read -r blob mtime f; do
	if [ -f "$f" ] && [ "$(git hash-object -- "$f")" = "$blob" ]; then
		touch -m -d "@$mtime" -- "$f"
		kept=$((kept + 1))
	else
		changed=$((changed + 1))
	fi
done < "$SAVED"
rm -f "$SAVED"
log "rebase done: $kept files kept their modification time, $changed changed"
"$REPO/scripts/after-rebase.sh"
