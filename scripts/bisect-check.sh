#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Every commit of the series must build on its own. Checks out each
# commit of base..svm in a separate work tree ($BUILD/bisect-src) and
# builds drivers/gpu/drm/xe/ in $BUILD/bisect with the gate configuration
# minus the debug fragment: xe as a module with DRM_XE_WERROR, and no
# lockdep, KASAN or other checkers, so this also proves the series builds
# without them. Appends one result line per commit to
# $BUILD/static-results. ccache makes repeated runs cheap.
. "$(dirname "$0")/lib.sh"

RES=$BUILD/static-results
WT=$BUILD/bisect-src
O=$BUILD/bisect
cd "$SRC"
if [ ! -d "$WT/.git" ] && [ ! -f "$WT/.git" ]; then
	rm -rf "$WT"
	git worktree prune
	git worktree add -q --detach "$WT" base || { echo "fail bisect cannot-create-worktree" >> "$RES"; exit 0; }
fi
mkdir -p "$O"
MAKE=(make -C "$WT" O="$O" ARCH=x86_64 -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc")

i=0
for c in $(git rev-list --reverse base..svm); do
	i=$((i + 1))
	subj=$(git log -1 --format=%s "$c")
	name=$(printf 'bisect:%02d-%s' "$i" "$(echo "$subj" | sed 's/^[^:]*: *//; s/[^A-Za-z0-9]\+/-/g' | cut -c1-50)")
	git -C "$WT" checkout -q --detach "$c"
	{
		"${MAKE[@]}" -s tinyconfig >/dev/null 2>&1 &&
		cat "$REPO"/configs/{base,svm,gate}.config >> "$O/.config" &&
		"${MAKE[@]}" -s olddefconfig >/dev/null 2>&1 &&
		"${MAKE[@]}" -s drivers/gpu/drm/xe/
	} > "$BUILD/bisect-$i.log" 2>&1
	if [ $? = 0 ]; then
		echo "ok $name" >> "$RES"
		log "static: $name ok"
	else
		echo "fail $name $(grep -m3 -E 'error|Error' "$BUILD/bisect-$i.log" | tr '\n' ' ' | cut -c1-300)" >> "$RES"
		log "static: $name FAILED (see $BUILD/bisect-$i.log)"
	fi
done
exit 0
