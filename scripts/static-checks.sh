#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Static checks of the series. Writes one line per check to
# $BUILD/static-results ("ok|fail NAME [reason]"), prints the details of
# failures, and exits 0 (the report decides). Checks:
#
#   series-applies  the generated patches apply with "git am" to the
#                   pristine base and reproduce the assembled tree exactly
#   checkpatch      scripts/checkpatch.pl --strict --codespell on every
#                   patch: any ERROR, WARNING or CHECK fails
#   kernel-doc      scripts/kernel-doc -none -Wall on every .c/.h file the
#                   series adds or changes: any warning the base version
#                   of the file did not already have fails
#   gate-warnings   gcc W=1 and sparse diagnostics from the compile gate
#                   (scripts/build-kernel.sh gate) in files the series adds
#                   or changes, except those the base already has there
#                   (configs/gate-base-diagnostics, per file and message)
#   xe-module-symbols  every symbol xe.ko (built as a module in the gate)
#                   imports is exported by the guest kernel or its modules
#                   (the gate and the guest share every option but DRM/xe
#                   being modules, so the import lists match; this stands
#                   in for modpost, which "make drivers/gpu/drm/xe/" skips)
set -e
. "$(dirname "$0")/lib.sh"

RES=$BUILD/static-results
: > "$RES"
DETAILS=$BUILD/static-details.log
: > "$DETAILS"
result() { # ok|fail name [reason]
	echo "$*" >> "$RES"
	[ "$1" = ok ] && log "static: $2 ok" || log "static: $2 FAILED"
}

# checkpatch's SPDX check runs "python3" and needs Debian's python3-ply
# and python3-git: make sure /usr/bin's python3 is the one found.
export PATH=/usr/bin:$PATH
CODESPELL_DICT=$(dpkg -L codespell | grep '/dictionary.txt$' | head -1)

cd "$SRC"
mapfile -t CHANGED < <(git diff --name-only base svm)

mapfile -t PATCHES < <(ls "$OUT"/series/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-cover-letter.patch$')

# --- series-applies ---------------------------------------------------
AM=$BUILD/am-check
git worktree remove --force "$AM" >/dev/null 2>&1 || rm -rf "$AM"
git worktree prune
git worktree add -q --detach --no-checkout "$AM" base
(
	cd "$AM"
	git sparse-checkout set --no-cone "${CHANGED[@]/#//}" >/dev/null
	git checkout -q --detach base
	git -c user.name=check -c user.email=check@invalid am -q "${PATCHES[@]}"
) > "$BUILD/am-check.log" 2>&1 && am_ok=1 || am_ok=0
if [ $am_ok = 1 ] &&
   [ "$(git -C "$AM" rev-parse 'HEAD^{tree}')" = "$(git rev-parse 'svm^{tree}')" ]; then
	result ok series-applies
else
	cat "$BUILD/am-check.log" >> "$DETAILS"
	result fail series-applies "git am of out/series onto base failed or gave another tree (see $BUILD/am-check.log)"
fi
git -C "$AM" am --abort >/dev/null 2>&1 || true
git worktree remove --force "$AM" >/dev/null 2>&1 || true

# --- checkpatch -------------------------------------------------------
# FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is raised for every
# patch that adds a file; the SVM files are covered by the MAINTAINERS
# entry that the first patch adds (drivers/gpu/drm/xe/xe_svm*).
for p in "${PATCHES[@]}"; do
	name=$(basename "$p")
	if scripts/checkpatch.pl --strict --codespell --codespellfile "$CODESPELL_DICT" \
		--color=never --no-summary -q \
		--ignore FILE_PATH_CHANGES "$p" > "$BUILD/checkpatch.out" 2>&1; then
		result ok "checkpatch:$name"
	else
		{ echo "== checkpatch $name"; cat "$BUILD/checkpatch.out"; } >> "$DETAILS"
		result fail "checkpatch:$name" "$(grep -cE '^(ERROR|WARNING|CHECK)' "$BUILD/checkpatch.out") problems: $(grep -E '^(ERROR|WARNING|CHECK)' "$BUILD/checkpatch.out" | head -3 | tr '\n' ' ')"
	fi
done

# --- kernel-doc -------------------------------------------------------
kdoc() { # file-to-check name-to-report
	scripts/kernel-doc -none -Wall "$1" 2>&1 | sed -e "s|$1|$2|g" -e 's/:[0-9]*:/:N:/' | sort
}
kbad=
for f in "${CHANGED[@]}"; do
	case "$f" in *.c|*.h) ;; *) continue ;; esac
	[ -f "$f" ] || continue
	kdoc "$f" "$f" > "$BUILD/kdoc.new"
	: > "$BUILD/kdoc.old"
	if git cat-file -e "base:$f" 2>/dev/null; then
		git show "base:$f" > "$BUILD/kdoc.base.${f##*.}"
		kdoc "$BUILD/kdoc.base.${f##*.}" "$f" > "$BUILD/kdoc.old"
	fi
	new=$(comm -13 "$BUILD/kdoc.old" "$BUILD/kdoc.new")
	if [ -n "$new" ]; then
		kbad="$kbad $f"
		{ echo "== kernel-doc $f"; echo "$new"; } >> "$DETAILS"
	fi
done
if [ -z "$kbad" ]; then
	result ok kernel-doc
else
	result fail kernel-doc "new warnings in:$kbad"
fi

# --- gate-warnings ----------------------------------------------------
GL=$BUILD/gate.log
if [ ! -f "$GL" ]; then
	result fail gate-warnings "no compile-gate log ($GL): run scripts/build-kernel.sh gate"
else
	pat=$(printf '%s\n' "${CHANGED[@]}" | sed 's/[.]/[.]/g' | paste -sd'|')
	grep -E "(^|/)($pat):[0-9]+(:[0-9]+)?: (warning|error)" "$GL" > "$BUILD/gate-all.log" || true
	# Leave out what the base already had (configs/gate-base-diagnostics).
	python3 - "$REPO/configs/gate-base-diagnostics" "$BUILD/gate-all.log" \
		> "$BUILD/gate-ours.log" <<'PY'
import re, sys
known = {}
for line in open(sys.argv[1]):
    if line.strip() and not line.startswith('#'):
        f, msg, count = [x.strip() for x in line.split('|')][:3]
        known[(f, msg)] = int(count)
for line in open(sys.argv[2]):
    m = re.search(r'(drivers/\S+?):\d+(?::\d+)?: (.*)$', line.rstrip())
    key = (m.group(1), m.group(2)) if m else None
    if key in known and known[key] > 0:
        known[key] -= 1
        continue
    sys.stdout.write(line)
PY
	others=$(grep -cE ':[0-9]+(:[0-9]+)?: (warning|error)' "$GL" || true)
	if [ -s "$BUILD/gate-ours.log" ]; then
		{ echo "== compile gate diagnostics in files of the series"; cat "$BUILD/gate-ours.log"; } >> "$DETAILS"
		result fail gate-warnings "$(wc -l < "$BUILD/gate-ours.log") W=1/sparse diagnostics in files of the series"
	else
		result ok gate-warnings "(xe as a whole: $others diagnostics, all in files the series does not touch)"
	fi
fi

# --- xe-module-symbols ------------------------------------------------
XEO=$BUILD/gate/drivers/gpu/drm/xe/xe.o
SYMVERS=$BUILD/guest/Module.symvers
if [ -f "$XEO" ] && [ -f "$SYMVERS" ]; then
	# __this_module comes from modpost's generated .mod.c.
	missing=$(comm -23 <(nm -u "$XEO" | awk '$2 != "__this_module" {print $2}' | sort -u) \
		<(awk '{print $2}' "$SYMVERS" | sort -u))
	if [ -z "$missing" ]; then
		result ok xe-module-symbols
	else
		{ echo "== symbols xe.ko uses that nothing exports"; echo "$missing"; } >> "$DETAILS"
		result fail xe-module-symbols "not exported: $(echo "$missing" | head -5 | tr '\n' ' ')"
	fi
else
	result fail xe-module-symbols "missing $XEO or $SYMVERS"
fi

if [ -s "$DETAILS" ]; then
	echo "---- static check details ($DETAILS) ----"
	head -150 "$DETAILS"
fi
exit 0
