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
#
# A commit passes only if the work tree really is that commit (HEAD and
# no local change after the checkout) and its configuration still has
# what the fragments ask for after olddefconfig: every option of the
# fragments that the commit's Kconfig files define (an option a later
# commit adds is not expected yet), and always CONFIG_DRM_XE and
# CONFIG_DRM_XE_SVM (the first commit adds the latter), so a commit where
# xe or SVM silently dropped out of the build does not pass by building
# nothing.
. "$(dirname "$0")/lib.sh"
FRAGS=("$REPO"/configs/{base,svm,gate}.config)
REQUIRED="CONFIG_DRM_XE CONFIG_DRM_XE_SVM"

# config_problems COMMIT: the fragments' options that did not survive
# olddefconfig in $O/.config, one per line (nothing when all did)
config_problems() {
	local defined line sym want got
	defined=$(git -C "$WT" grep -hoE '^\s*(menu)?config +[A-Za-z0-9_]+' "$1" -- '*Kconfig*' |
		awk '{ print "CONFIG_" $NF }' | sort -u)
	for sym in $REQUIRED; do
		grep -qx "$sym" <<< "$defined" || echo "$sym is not defined by this commit's Kconfig"
	done
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		want=${line#*=}
		grep -qx "$sym" <<< "$defined" || continue
		got=$(grep -E "^$sym=" "$O/.config" | cut -d= -f2-)
		if [ "$want" = n ]; then
			[ -z "$got" ] || [ "$got" = n ] || echo "$sym: wanted n, got $got"
		elif [ "$got" != "$want" ]; then
			echo "$sym: wanted $want, got ${got:-unset}"
		fi
	done < <(cat "${FRAGS[@]}")
}

RES=$BUILD/static-results
WT=$BUILD/bisect-src
O=$BUILD/bisect
cd "$SRC" || { echo "fail bisect cannot-enter-$SRC" >> "$RES"; exit 1; }
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
	name=$(bisect_name "$i" "$(git log -1 --format=%s "$c")")
	why=
	git -C "$WT" checkout -q --detach "$c" > "$BUILD/bisect-$i.log" 2>&1 ||
		why="git checkout of $c failed"
	head=$(git -C "$WT" rev-parse HEAD 2>/dev/null)
	[ -n "$why" ] || [ "$head" = "$c" ] || why="the work tree is at ${head:-nothing}, not at $c"
	[ -n "$why" ] || git -C "$WT" diff-index --quiet HEAD -- ||
		why="the work tree of $c has local changes"
	if [ -z "$why" ]; then
		{
			"${MAKE[@]}" -s tinyconfig >/dev/null 2>&1 &&
			cat "${FRAGS[@]}" >> "$O/.config" &&
			"${MAKE[@]}" -s olddefconfig >/dev/null 2>&1
		} >> "$BUILD/bisect-$i.log" 2>&1 || why="configuring failed"
	fi
	if [ -z "$why" ]; then
		problems=$(config_problems "$c")
		[ -z "$problems" ] ||
			why="options lost after olddefconfig: $(echo "$problems" | head -4 | paste -sd';')"
	fi
	if [ -z "$why" ]; then
		if ! "${MAKE[@]}" -s drivers/gpu/drm/xe/ >> "$BUILD/bisect-$i.log" 2>&1; then
			why=$(grep -m3 -E 'error|Error' "$BUILD/bisect-$i.log" | tr '\n' ' ')
			[ -n "$why" ] || why="the build failed"
		fi
	fi
	if [ -z "$why" ]; then
		echo "ok $name (at $(git -C "$WT" rev-parse --short HEAD))" >> "$RES"
		log "static: $name ok"
	else
		echo "fail $name $(echo "$why" | cut -c1-300)" >> "$RES"
		log "static: $name FAILED: $why (see $BUILD/bisect-$i.log)"
	fi
done
exit 0
