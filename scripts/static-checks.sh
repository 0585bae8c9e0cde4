#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Static checks of the series. Writes one line per check to
# $BUILD/static-results ("ok|fail NAME [reason]"), prints the details of
# failures, and exits 0 (the report decides) unless the script itself
# went wrong (see below). Checks:
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
#   htmldocs        Sphinx renders the Documentation/ directories that hold
#                   an .rst file the series adds or changes or that pull in
#                   (kernel-doc directive) a source file it adds or changes;
#                   any warning or error the pristine base's rendering of
#                   the same directories does not have fails
#   expected-plan   scripts/plan.sh host (static checks, e2e programs and
#                   their subtests from the built programs' --list, guest
#                   checks) equals tests/expected-plan minus its KUnit part
#
# Two phases, so that a red shows in the first minutes of "make check":
#
#   static-checks.sh early  series-applies, checkpatch, kernel-doc and the
#                   static part of the expected plan (reported here only
#                   when it is already wrong); needs only the tree and
#                   out/series. Starts $BUILD/static-results afresh.
#   static-checks.sh late   gate-warnings, xe-module-symbols, htmldocs and
#                   the whole expected plan; needs the builds. Appends.
#   static-checks.sh        both
#
# Reuse (scripts/lib.sh): checkpatch's result for a patch is keyed by the
# patch's bytes and checkpatch's own inputs (the script, its spelling and
# const-struct lists, MAINTAINERS, the codespell dictionary, the flags,
# the toolchain); the htmldocs result by the tree of the series' HEAD,
# the directories rendered, this script and Sphinx's version. A reused
# result's line says "cached", with when it was computed and its key.
#
# No "set -e": one check that cannot run must not hide the ones after it.
# A command that fails where nothing handles it is reported on stderr and
# makes the exit status non-zero (check.sh counts that as a failure); the
# expected plan (tests/expected-plan) makes a check that wrote no result
# line count as failed.
. "$(dirname "$0")/lib.sh"
. "$BUILD/base.env" || exit 1
script_err=0
trap 'script_err=1; log "static-checks.sh: line $LINENO: a command failed (exit $?)"' ERR

PHASE=${1:-all}
case "$PHASE" in early|late|all) ;; *) die "usage: $0 [early|late|all]" ;; esac
early() { [ "$PHASE" != late ]; }
late() { [ "$PHASE" != early ]; }

RES=$BUILD/static-results
DETAILS=$BUILD/static-details.log
if early; then
	: > "$RES"
	: > "$DETAILS"
	rm -f "$BUILD/static-plan-failed"
fi
result() { # ok|fail name [reason]
	echo "$*" >> "$RES"
	[ "$1" = ok ] && log "static: $2 ok" || log "static: $2 FAILED"
}

# checkpatch's SPDX check runs "python3" and needs Debian's python3-ply
# and python3-git: make sure /usr/bin's python3 is the one found.
export PATH=/usr/bin:$PATH
CODESPELL_DICT=$(dpkg -L codespell | grep '/dictionary.txt$' | head -1)

cd "$SRC" || exit 1
mapfile -t CHANGED < <(git diff --name-only base svm)

mapfile -t PATCHES < <(ls "$OUT"/series/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-cover-letter.patch$')

if early; then
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
CP_FLAGS=(--strict --codespell --codespellfile "$CODESPELL_DICT" --color=never
	--no-summary -q --ignore FILE_PATH_CHANGES)
# checkpatch also reads the tree (include/ for some checks, LICENSES/ and
# spdxcheck.py for SPDX lines): the base's tree id stands for all of it.
CP_ID=$(echo "${CP_FLAGS[*]} $(toolchain_id) $(git rev-parse 'base^{tree}') $(files_id scripts/checkpatch.pl \
	scripts/spelling.txt scripts/const_structs.checkpatch scripts/spdxcheck.py \
	scripts/get_maintainer.pl MAINTAINERS "$CODESPELL_DICT")" |
	sha256sum | cut -d' ' -f1)
# checkpatch reads a copy of each patch without what only says where the
# patch stands in the series (the "NN/MM" of its subject and its date,
# both from its position), so that adding or moving a commit does not
# make every other patch new; the key is the bytes checkpatch reads.
CP_IN=$BUILD/checkpatch-in.patch
for p in "${PATCHES[@]}"; do
	name=$(basename "$p")
	sed -e '1,/^$/{s/^Subject: \[PATCH [0-9]*\/[0-9]*\] /Subject: [PATCH] /' \
	    -e 's/^Date: .*/Date: Thu, 1 Jan 1970 00:00:00 +0000/}' "$p" > "$CP_IN"
	key=$(echo "checkpatch $CP_ID $(sha256sum < "$CP_IN")" | sha256sum | cut -d' ' -f1)
	if why=$(reuse_get checkpatch "$key"); then
		echo "ok checkpatch:$name ($why)" >> "$RES"
	elif scripts/checkpatch.pl "${CP_FLAGS[@]}" "$CP_IN" > "$BUILD/checkpatch.out" 2>&1; then
		reuse_put checkpatch "$key"
		result ok "checkpatch:$name"
	else
		{ echo "== checkpatch $name"; cat "$BUILD/checkpatch.out"; } >> "$DETAILS"
		result fail "checkpatch:$name" "$(grep -cE '^(ERROR|WARNING|CHECK)' "$BUILD/checkpatch.out") problems: $(grep -E '^(ERROR|WARNING|CHECK)' "$BUILD/checkpatch.out" | head -3 | tr '\n' ' ')"
	fi
done
log "static: checkpatch: $(grep -c '^ok checkpatch:.*cached' "$RES") of ${#PATCHES[@]} patches reused"

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

# --- expected-plan, its static part ------------------------------------
# Only the series and the scripts decide it: a stale plan is red here, in
# the first minutes, not after the builds and the guest.
PLAN_FILE=$REPO/tests/expected-plan
if "$REPO/scripts/plan.sh" static > "$BUILD/plan-static" 2> "$BUILD/plan-static.err" &&
   [ -f "$PLAN_FILE" ] &&
   ! diff -u <(grep '^static ' "$PLAN_FILE") "$BUILD/plan-static" > "$BUILD/plan-static.diff"; then
	{ echo "== expected-plan: its static part (-) against what the series gives now (+)"
	  head -40 "$BUILD/plan-static.diff"; } >> "$DETAILS"
	result fail expected-plan "the static part of tests/expected-plan is not what the series gives: $(grep -c '^[-+][^-+]' "$BUILD/plan-static.diff") lines differ (make plan; see $BUILD/plan-static.diff)"
	touch "$BUILD/static-plan-failed"
fi
fi # early

if late; then
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
IMPORTS=$BUILD/xe-imports
EXPORTS=$BUILD/guest-exports
# An empty list on either side would make the comparison vacuous: nm
# must succeed and find imports (xe.o imports thousands of symbols), and
# the guest must export something.
if [ ! -f "$XEO" ] || [ ! -f "$SYMVERS" ]; then
	result fail xe-module-symbols "missing $XEO or $SYMVERS"
elif ! nm -u "$XEO" > "$IMPORTS.nm" 2> "$BUILD/xe-nm.err"; then
	result fail xe-module-symbols "nm -u $XEO failed: $(head -c 200 "$BUILD/xe-nm.err")"
else
	# __this_module comes from modpost's generated .mod.c.
	awk '$1 == "U" && $2 != "__this_module" {print $2}' "$IMPORTS.nm" | sort -u > "$IMPORTS"
	awk '{print $2}' "$SYMVERS" | sort -u > "$EXPORTS"
	nimp=$(wc -l < "$IMPORTS")
	nexp=$(wc -l < "$EXPORTS")
	missing=$(comm -23 "$IMPORTS" "$EXPORTS")
	if [ "$nimp" -lt 100 ] || [ "$nexp" -lt 100 ]; then
		result fail xe-module-symbols "implausible lists: xe.o imports $nimp symbols, the guest exports $nexp"
	elif [ -z "$missing" ]; then
		result ok xe-module-symbols "($nimp imports, all exported)"
	else
		{ echo "== symbols xe.ko uses that nothing exports"; echo "$missing"; } >> "$DETAILS"
		result fail xe-module-symbols "not exported: $(echo "$missing" | head -5 | tr '\n' ' ')"
	fi
fi

# --- htmldocs ---------------------------------------------------------
# The directories to render: the top-level Documentation/ directory of
# every .rst file the series adds or changes, and of every .rst file that
# renders (kernel-doc directive) a source file the series adds or changes.
docs_dirs() {
	local f
	for f in "${CHANGED[@]}"; do
		case "$f" in
		Documentation/*.rst) echo "$f" ;;
		*.c|*.h) git grep -l -E "kernel-doc:: +$f\s*\$" -- Documentation || true ;;
		esac
	done | awk -F/ 'NF > 2 { print $2 } NF == 2 { print "." }' | sort -u | paste -sd' '
}
# render SRCTREE OUTDIR LOG: "make htmldocs" of $DOCDIRS, out of tree.
# Documentation/Makefile generates the netlink specs' .rst files into the
# source tree (YNL_RST_DIR) before any htmldocs: they go to OUTDIR, so
# that neither the assembled tree nor the shared pristine base is written.
render_docs() {
	rm -rf "$2"
	mkdir -p "$2/ynl"
	make -C "$1" O="$2" -j"$JOBS" SPHINXDIRS="$DOCDIRS" PYTHON3=/usr/bin/python3 \
		SPHINXBUILD=/usr/bin/sphinx-build YNL_RST_DIR="$2/ynl" \
		YNL_INDEX="$2/ynl/index.rst" htmldocs > "$3" 2>&1
}
# warnings SRCTREE < LOG: Sphinx's and docutils' warnings and errors, with
# the source tree's path and all line numbers taken out, sorted (a
# multiset: a warning that appears once more than in the base is new)
warnings() {
	grep -E '(WARNING|ERROR|CRITICAL|SEVERE)' | sed -E -e "s|$1/||g" -e 's/:[0-9]+/:N/g' | sort
}
DOCDIRS=$(docs_dirs)
DOCS_BASE_TREE=$CACHE/$BASE_USED_VERSION
if [ -z "$DOCDIRS" ]; then
	result ok htmldocs "(the series changes no rendered documentation)"
elif [ ! -x /usr/bin/sphinx-build ]; then
	result fail htmldocs "no /usr/bin/sphinx-build (python3-sphinx, installed by scripts/setup.sh)"
elif [ ! -f "$DOCS_BASE_TREE/.xe-svm-extracted" ]; then
	result fail htmldocs "no extracted pristine base at $DOCS_BASE_TREE"
else
	# The pristine base's warnings depend only on the base, the directories
	# and Sphinx's version: rendered once into the machine cache.
	sphinx_ver=$(/usr/bin/sphinx-build --version 2>&1)
	key=$(echo "$BASE_USED_SHA256 $DOCDIRS $sphinx_ver" | sha256sum | cut -c1-16)
	BASE_WARN=$CACHE/htmldocs-base-$key.warnings
	if [ ! -f "$BASE_WARN" ]; then
		log "static: rendering the base's documentation ($DOCDIRS) once"
		if render_docs "$DOCS_BASE_TREE" "$BUILD/htmldocs-base" "$BUILD/htmldocs-base.log"; then
			warnings "$DOCS_BASE_TREE" < "$BUILD/htmldocs-base.log" > "$BASE_WARN.$$" || true
			mv "$BASE_WARN.$$" "$BASE_WARN"
		fi
		rm -rf "$BUILD/htmldocs-base"
	fi
	t0=$(date +%s)
	DOCS_KEY=$(echo "htmldocs $(git rev-parse 'svm^{tree}') $DOCDIRS $sphinx_ver $(toolchain_id) $(files_id "$REPO/scripts/static-checks.sh")" |
		sha256sum | cut -d' ' -f1)
	DIRTY=
	tree_dirty "$SRC" && DIRTY=1
	if [ -z "$DIRTY" ] && why=$(reuse_get htmldocs "$DOCS_KEY"); then
		echo "ok htmldocs ($DOCDIRS; $why)" >> "$RES"
	elif [ ! -f "$BASE_WARN" ]; then
		result fail htmldocs "the pristine base's documentation does not render (see $BUILD/htmldocs-base.log)"
	elif ! render_docs "$SRC" "$BUILD/htmldocs" "$BUILD/htmldocs.log"; then
		{ echo "== htmldocs"; tail -20 "$BUILD/htmldocs.log"; } >> "$DETAILS"
		result fail htmldocs "make htmldocs of $DOCDIRS failed (see $BUILD/htmldocs.log)"
	else
		warnings "$SRC" < "$BUILD/htmldocs.log" > "$BUILD/htmldocs.warnings" || true
		new=$(comm -13 "$BASE_WARN" "$BUILD/htmldocs.warnings")
		# Every .rst file the series adds must have become a page.
		unrendered=
		for f in "${CHANGED[@]}"; do
			case "$f" in Documentation/*.rst) ;; *) continue ;; esac
			git cat-file -e "base:$f" 2>/dev/null && continue
			page=${f#Documentation/}
			[ -f "$BUILD/htmldocs/Documentation/output/${page%.rst}.html" ] ||
				unrendered="$unrendered $f"
		done
		if [ -n "$new" ]; then
			{ echo "== htmldocs: warnings the base does not have (from $BUILD/htmldocs.log)"; echo "$new"; } >> "$DETAILS"
			result fail htmldocs "$(echo "$new" | wc -l) new Sphinx warnings in $DOCDIRS: $(echo "$new" | head -2 | tr '\n' ' ' | cut -c1-300)"
		elif [ -n "$unrendered" ]; then
			result fail htmldocs "no HTML page for:$unrendered"
		else
			[ -n "$DIRTY" ] || reuse_put htmldocs "$DOCS_KEY"
			result ok htmldocs "($DOCDIRS rendered in $(( $(date +%s) - t0 )) s, no warning the base does not have; key ${DOCS_KEY:0:16})"
		fi
	fi
fi

# --- expected-plan ----------------------------------------------------
# tests/expected-plan pins every item make check must report; its
# host-side part must equal what scripts/plan.sh derives now from the
# series and the built test programs (the KUnit part needs a guest boot
# and is checked by the report: a suite or case missing from the run, or
# one the plan lacks, fails there).
PLAN_FILE=$REPO/tests/expected-plan
if [ -f "$BUILD/static-plan-failed" ]; then
	: # already failed in the early phase
elif ! "$REPO/scripts/plan.sh" host > "$BUILD/plan-host" 2> "$BUILD/plan-host.err"; then
	result fail expected-plan "scripts/plan.sh host failed: $(head -c 200 "$BUILD/plan-host.err")"
elif [ ! -f "$PLAN_FILE" ]; then
	result fail expected-plan "no $PLAN_FILE (make plan writes it)"
else
	grep -vE '^(#|kunit )' "$PLAN_FILE" | grep . > "$BUILD/plan-committed" || true
	if diff -u "$BUILD/plan-committed" "$BUILD/plan-host" > "$BUILD/plan.diff"; then
		result ok expected-plan "($(wc -l < "$BUILD/plan-host") host-side items, as committed)"
	else
		{ echo "== expected-plan: tests/expected-plan (-) against what the series and the programs give now (+)"
		  head -60 "$BUILD/plan.diff"; } >> "$DETAILS"
		result fail expected-plan "tests/expected-plan is not what the series and the programs give: $(grep -c '^[-+][^-+]' "$BUILD/plan.diff") lines differ (make plan; see $BUILD/plan.diff)"
	fi
fi
fi # late

if [ -s "$DETAILS" ]; then
	echo "---- static check details ($DETAILS) ----"
	head -150 "$DETAILS"
fi
exit $script_err
