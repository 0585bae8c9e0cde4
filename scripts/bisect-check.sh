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
#
# Reuse (scripts/lib.sh): a commit that passed before, with the same tree,
# the same fragments, the same bisect and library scripts and the same
# toolchain, is not built again; its line says "cached" with the date it
# was computed and its key. The commits that need building are built
# starting from the one the work tree is on (no walk back to commit 1),
# and tinyconfig + olddefconfig run only when a commit's configuration
# inputs (fragments, Kconfig files, the tiny configs, the toolchain)
# differ from those of the .config in the build directory.
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
TOOLS=$(toolchain_id)
SCRIPTS_ID=$(files_id "$REPO/scripts/bisect-check.sh" "$REPO/scripts/lib.sh")
FRAGS_ID=$(files_id "${FRAGS[@]}")

# config_id COMMIT: what tinyconfig + fragments + olddefconfig read
config_id() {
	{
		git ls-tree -r "$1" -- scripts/kconfig kernel/configs arch/x86/configs
		git ls-tree -r "$1" | grep -E '[[:space:]](.*/)?Kconfig[^/]*$'
		echo "$FRAGS_ID $TOOLS"
	} | sha256sum | cut -d' ' -f1
}

mapfile -t COMMITS < <(git rev-list --reverse base..svm)
declare -a NAME KEY
todo=()
for ((i = 1; i <= ${#COMMITS[@]}; i++)); do
	c=${COMMITS[i - 1]}
	NAME[i]=$(bisect_name "$i" "$(git log -1 --format=%s "$c")")
	KEY[i]=$(echo "bisect $(git rev-parse "$c^{tree}") $FRAGS_ID $SCRIPTS_ID $TOOLS" | sha256sum | cut -d' ' -f1)
	if why=$(reuse_get bisect "${KEY[i]}"); then
		echo "ok ${NAME[i]} (at $(git rev-parse --short "$c"); $why)" >> "$RES"
	else
		todo+=("$i")
	fi
done
log "bisect: $(( ${#COMMITS[@]} - ${#todo[@]} )) of ${#COMMITS[@]} commits reused, ${#todo[@]} to build"

[ ${#todo[@]} -gt 0 ] || exit 0

# The work tree must belong to this tree (a checkout moved to another
# directory leaves it pointing at the old place): otherwise make a new one.
wt_ok() {
	[ -e "$WT/.git" ] &&
	[ "$(cd "$WT" 2>/dev/null && git rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" = "$(git rev-parse --path-format=absolute --git-common-dir)" ]
}
if ! wt_ok; then
	log "bisect: (re)creating the work tree $WT"
	rm -rf "$WT" "$O"
	git worktree prune
	git worktree add -q --detach "$WT" base || {
		for i in "${todo[@]}"; do echo "fail ${NAME[i]} cannot-create-the-bisect-work-tree" >> "$RES"; done
		exit 0
	}
fi
# Object files record the source directory: after a move, start afresh
# (ccache still has the objects).
if [ -L "$O/source" ] && [ "$(readlink "$O/source")" != "$WT" ]; then
	rm -rf "$O"
fi
mkdir -p "$O"
MAKE=(make -C "$WT" O="$O" ARCH=x86_64 -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc")

# Order: from the commit the work tree is on (or the first one after it)
# to the end of the series, then back from there to the first: every
# checkout is a neighbour of the last one, so each build is incremental.
here=$(git -C "$WT" rev-parse HEAD 2>/dev/null)
w=0
for ((i = 1; i <= ${#COMMITS[@]}; i++)); do
	[ "${COMMITS[i - 1]}" = "$here" ] && w=$i
done
order=()
for i in "${todo[@]}"; do [ "$i" -ge "$w" ] && order+=("$i"); done
for ((k = ${#todo[@]} - 1; k >= 0; k--)); do
	[ "${todo[k]}" -lt "$w" ] && order+=("${todo[k]}")
done

for i in "${order[@]}"; do
	c=${COMMITS[i - 1]}
	name=${NAME[i]}
	why=
	t0=$(date +%s)
	git -C "$WT" checkout -q --detach "$c" > "$BUILD/bisect-$i.log" 2>&1 ||
		why="git checkout of $c failed"
	head=$(git -C "$WT" rev-parse HEAD 2>/dev/null)
	[ -n "$why" ] || [ "$head" = "$c" ] || why="the work tree is at ${head:-nothing}, not at $c"
	[ -n "$why" ] || git -C "$WT" diff-index --quiet HEAD -- ||
		why="the work tree of $c has local changes"
	cfg=$(config_id "$c")
	if [ -z "$why" ] && ! { [ -f "$O/.config" ] && stamp_ok "$O/.xe-svm-config" "$cfg"; }; then
		rm -f "$O/.xe-svm-config"
		{
			"${MAKE[@]}" -s tinyconfig >/dev/null 2>&1 &&
			cat "${FRAGS[@]}" >> "$O/.config" &&
			"${MAKE[@]}" -s olddefconfig >/dev/null 2>&1
		} >> "$BUILD/bisect-$i.log" 2>&1 || why="configuring failed"
		[ -n "$why" ] || stamp_set "$O/.xe-svm-config" "$cfg"
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
		reuse_put bisect "${KEY[i]}"
		echo "ok $name (at $(git -C "$WT" rev-parse --short HEAD); built in $(( $(date +%s) - t0 )) s, key ${KEY[i]:0:16})" >> "$RES"
		log "static: $name ok ($(( $(date +%s) - t0 )) s)"
	else
		rm -f "$O/.xe-svm-config"
		echo "fail $name $(echo "$why" | cut -c1-300)" >> "$RES"
		log "static: $name FAILED: $why (see $BUILD/bisect-$i.log)"
	fi
done
exit 0
