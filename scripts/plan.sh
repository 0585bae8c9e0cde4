#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The expected plan of "make check": every item its report must show.
# tests/expected-plan holds it (written by "make plan", which runs
# "plan.sh write"); scripts/report.py counts every item of the plan that
# did not report as FAILED, and every reported item the plan lacks too,
# so nothing can vanish from a run (or appear in one) unnoticed.
#
#   plan.sh static       print the static checks' part only (needs only the
#                        assembled tree and out/series)
#   plan.sh host         print the host-side part: the static checks (from
#                        the generated series and the commits' subjects),
#                        each e2e program's subtests (the built programs'
#                        --list; hmm-tests' -l), the guest checks
#   plan.sh kunit LOG    print the KUnit part (every suite and case) from
#                        LOG, the result stream of a guest booted with
#                        kunit.action=list ("run-guest.sh list": its
#                        kernel log, dumped by guest/init)
#   plan.sh write        both into tests/expected-plan (boots the list guest)
#
# Needs the assembled tree, out/series ("make series") and the built test
# programs ("make build"). Lines of the plan:
#
#   static NAME              a static check (scripts/static-checks.sh,
#                            scripts/bisect-check.sh)
#   kunit SUITE CASE         a KUnit case (a parameterised case passes
#                            through its parameters' results)
#   e2e PROGRAM SUBTEST      an e2e subtest (hmm-tests: fixture.variant.test)
#   guest CHECK WHEN         a check of guest/init, expected when WHEN holds:
#                            always, hmm-tests (hmm-tests selected), ours
#                            (one of our programs selected), e2e:PROGRAM
#
# The e2e programs run in this order; hmm-tests first, as in guest/init.
. "$(dirname "$0")/lib.sh"

BIN=$BUILD/guest-bin
PLAN_FILE=$REPO/tests/expected-plan

static_part() {
	local p i=0 c
	echo "static series-applies"
	[ -d "$OUT/series" ] || die "no $OUT/series (make series)"
	for p in "$OUT"/series/[0-9][0-9][0-9][0-9]-*.patch; do
		case "$p" in */0000-cover-letter.patch) continue ;; esac
		[ -f "$p" ] || die "no patches in $OUT/series (make series)"
		echo "static checkpatch:$(basename "$p")"
	done
	printf 'static %s\n' kernel-doc gate-warnings xe-module-symbols htmldocs expected-plan
	for c in $(git -C "$SRC" rev-list --reverse base..svm); do
		i=$((i + 1))
		echo "static $(bisect_name "$i" "$(git -C "$SRC" log -1 --format=%s "$c")")"
	done
	[ "$i" -gt 0 ] || die "no commits in base..svm of $SRC (make tree)"
}

# hmm-tests' -l prints, per fixture, rows of "%-20s %-25s %s" (fixture
# on the first row only, then one variant and one test per row, either
# column ending early); every test runs once per variant, and reports as
# fixture.variant.test (fixture.test without variants).
hmm_tests_part() {
	# -l exits with KSFT_SKIP (4) after listing: the parser judges the list.
	{ "$BIN/hmm-tests" -l 2>&1 || true; } | python3 -c '
import re, sys
name = re.compile(r"^[A-Za-z0-9_]*$")
fixtures = []
for line in sys.stdin.read().splitlines():
    if line.startswith("# FIXTURE") or line.startswith("----"):
        continue
    line = line.ljust(47)
    f, v, t = line[:20].strip(), line[21:46].strip(), line[47:].strip()
    if line[20] != " " or line[46] != " " or not all(name.match(x) for x in (f, v, t)):
        sys.exit("cannot parse hmm-tests -l line: %r" % line)
    if f:
        fixtures.append((f, [], []))
    if not fixtures:
        sys.exit("hmm-tests -l: a row before the first fixture: %r" % line)
    if v:
        fixtures[-1][1].append(v)
    if t:
        fixtures[-1][2].append(t)
if not fixtures:
    sys.exit("hmm-tests -l listed nothing")
for f, variants, tests in fixtures:
    for v in variants or [None]:
        for t in tests:
            print("e2e hmm-tests %s" % ".".join(x for x in (f, v, t) if x))
'
}

e2e_part() {
	local p s
	[ -x "$BIN/hmm-tests" ] || die "no $BIN/hmm-tests (make build)"
	hmm_tests_part || die "hmm-tests -l could not be read"
	for p in $(make -s -C "$REPO/tests" list) $(make -s -C "$REPO/tests" list-drm); do
		[ -x "$BIN/$p" ] || die "no $BIN/$p (make build)"
		s=$("$BIN/$p" --list) || die "$p --list failed"
		[ -n "$s" ] || die "$p --list lists nothing"
		echo "$s" | sed "s/^/e2e $p /"
	done
	# IGT's subtests that make check runs (guest/init, igt/subset)
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/^/e2e xe_exec_system_allocator /' \
		"$REPO/igt/subset"
}

# The checks guest/init reports as "@@CHECK NAME" (and the kmemleak
# report, "kmemleak-no-leaks"), with when each one runs.
guest_part() {
	local p
	echo "guest modprobe-test_hmm hmm-tests"
	echo "guest modprobe-xe_svm_emu ours"
	for p in $(make -s -C "$REPO/tests" list); do
		echo "guest vram-free-after:$p e2e:$p"
	done
	echo "guest vram-free-at-end ours"
	echo "guest rmmod-xe_svm_emu ours"
	drm="$(make -s -C "$REPO/tests" list-drm) xe_exec_system_allocator"
	echo "guest modprobe-xe_svm_emu_drm drm:$(echo $drm | tr ' ' ',')"
	for p in $drm; do
		echo "guest vram-free-after:$p e2e:$p"
	done
	echo "guest rmmod-xe_svm_emu_drm drm:$(echo $drm | tr ' ' ',')"
	echo "guest kmemleak-scan always"
	echo "guest kmemleak-no-leaks always"
}

# KUnit's list (lib/kunit/executor.c, kunit.action=list) in the kernel
# log ("dmesg -r" records, "<level>[time] text"): after a "KTAP version 1"
# line, a line with each suite's name, then one "suite.case" line per
# case; other kernel messages may interleave.
kunit_part() {
	[ -s "$1" ] || die "no result stream $1"
	python3 - "$1" <<'PY'
import re, sys
rec = re.compile(r'^<\d+>(\[\s*\d+\.\d+\]\s?)?')
lines, inlog = [], False
for l in open(sys.argv[1], errors='replace'):
    l = l.rstrip('\r\n')
    if l.startswith('@@BEGIN dmesg'):
        inlog = True
    elif l.startswith('@@END dmesg'):
        inlog = False
    elif inlog and rec.match(l):
        lines.append(rec.sub('', l))
try:
    start = lines.index('KTAP version 1')
except ValueError:
    sys.exit('no KUnit list (KTAP version 1) in the kernel log: was it booted with kunit.action=list?')
suites, cases = [], []
for line in lines[start + 1:]:
    if re.match(r'^[A-Za-z0-9_-]+$', line):
        suites.append(line)
        continue
    m = re.match(r'^([A-Za-z0-9_-]+)\.(\S+)$', line)
    if m and m.group(1) in suites:
        cases.append((m.group(1), m.group(2)))
if not cases:
    sys.exit('the KUnit list names no case')
for suite, case in cases:
    print('kunit %s %s' % (suite, case))
PY
}

case "$1" in
static)
	static_part
	;;
host)
	static_part
	e2e_part
	guest_part
	;;
kunit)
	kunit_part "$2"
	;;
write)
	host=$("$0" host) || die "the host-side plan failed"
	# Every suite: no KUNIT= filter, no extra kernel arguments.
	env -u KUNIT -u E2E -u GUEST_APPEND "$REPO/scripts/run-guest.sh" list ||
		die "the KUnit list boot failed"
	kunit=$(kunit_part "$BUILD/list-results.log") || die "no KUnit list"
	{
		echo "# The expected plan of \"make check\" (scripts/plan.sh; regenerate with"
		echo "# \"make plan\" whenever a check, a KUnit case, an e2e subtest or a"
		echo "# series commit is added, removed or renamed, and commit it)."
		echo "# scripts/report.py fails every item below that does not report, and"
		echo "# every reported item missing here; the static check expected-plan"
		echo "# verifies the non-KUnit part against the series and the built programs."
		echo "$host" | grep '^static '
		echo "$kunit"
		echo "$host" | grep -v '^static '
	} > "$PLAN_FILE.tmp" && mv "$PLAN_FILE.tmp" "$PLAN_FILE"
	log "plan: $(grep -c '^static ' "$PLAN_FILE") static checks, $(grep -c '^kunit ' "$PLAN_FILE") KUnit cases in $(grep '^kunit ' "$PLAN_FILE" | cut -d' ' -f2 | sort -u | wc -l) suites, $(grep -c '^e2e ' "$PLAN_FILE") e2e subtests, $(grep -c '^guest ' "$PLAN_FILE") guest checks -> $PLAN_FILE"
	;;
*)
	die "usage: $0 static | host | kunit CONSOLE-LOG | write"
	;;
esac
