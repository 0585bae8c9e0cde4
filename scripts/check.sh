#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The test command ("make check") and the main job ("make demo"), from a
# fresh clone: set-up, assembly, builds, static checks, guest run, report.
#
#   check.sh check   static checks + KUnit + e2e; closing line
#                    "N passed, N failed, N skipped"; non-zero on failure
#   check.sh demo    build, boot, run the emulated device's demo, report
#   check.sh bench   build, boot, run the benchmarks (not tests), report
#   check.sh igt     build, boot, run every subtest of IGT's
#                    xe_exec_system_allocator on the xe DRM face, report
#   check.sh run     like check without the static checks and the gate
#                    (for iterating; honours E2E= and KUNIT=)
#   check.sh quick   the inner loop: assembly, the early static checks,
#                    the compile gate, the builds, the late static checks
#                    and the bisect (all through the reuse of scripts/lib.sh),
#                    then the guest run of what E2E= / KUNIT= name (none
#                    when neither is set); stops at the first red step.
#                    Not make check: its closing line says what it skipped.
#
# Order of check: the cheap deterministic checks first (the series
# applies, checkpatch of the patches not proven before, kernel-doc, the
# static part of the expected plan), so that a red shows in the first
# minutes; then the builds, the checks that need them, the bisect and the
# guest. $BUILD/progress names the running step (scripts/wait.sh).
#
# A step that cannot complete (a build error) is reported as one failed
# item and the closing line is still printed.
. "$(dirname "$0")/lib.sh"
MODE=${1:-check}
START=$(date +%s)
STEPS=$BUILD/steps
mkdir -p "$BUILD"
[ -s "$STEPS" ] && [ "$(cat "$BUILD/progress" 2>/dev/null | cut -d' ' -f1)" = done ] &&
	cp "$STEPS" "$BUILD/steps.last"
: > "$STEPS"
: > "$BUILD/static-results"
: > "$BUILD/static-results.pre"
step() { # name command...: run a step, record its time and status
	local name=$1 t0=$(date +%s) rc
	shift
	progress_set "$name"
	log "[$name]"
	"$@"
	rc=$?
	echo "$name $rc $(( $(date +%s) - t0 ))" >> "$STEPS"
	return $rc
}
finish() { # exit status: the run is over (scripts/wait.sh reads this)
	cp "$STEPS" "$BUILD/steps.last"
	printf 'done %s %s\n' "$(date +%s)" "$1" > "$BUILD/progress"
	exit "$1"
}
# The report of a run that stops early (a step everything after it needs
# failed, or make quick's first red step): what ran, not held to the
# expected plan, since the checks after the stop never ran.
static_report() {
	python3 "$REPO/scripts/report.py" --static "$BUILD/static-results" --plan check |
		tee "$BUILD/$MODE-report.txt"
}
fatal() { # a step that everything after it needs failed
	echo "fail $1 $2" >> "$BUILD/static-results"
	static_report
	finish 1
}
red() { grep -h '^fail' "$BUILD/static-results" "$BUILD/static-results.pre" 2>/dev/null; }
# quick stops at the first red step, with the report of what ran
quick_stop() {
	[ "$MODE" = quick ] && [ -n "$(red)" ] || return 0
	cat "$BUILD/static-results.pre" >> "$BUILD/static-results"
	static_report
	echo "make quick stopped at the first red step ($1); this is not make check" |
		tee -a "$BUILD/$MODE-report.txt"
	finish 1
}

step setup "$REPO/scripts/setup.sh" || fatal setup "set-up failed"
step assemble "$REPO/scripts/assemble.sh" || fatal assemble "the series does not assemble"

STATIC=
[ "$MODE" = check ] || [ "$MODE" = quick ] && STATIC=1
if [ -n "$STATIC" ]; then
	step series "$REPO/scripts/series.sh" || fatal series "git format-patch failed"
	step static-early "$REPO/scripts/static-checks.sh" early ||
		echo "fail static-checks.sh:early exited-with-status-$?(see-its-output-above)" >> "$BUILD/static-results.pre"
	if [ -n "$(red)" ]; then
		warn "RED after $(( $(date +%s) - START )) s ($( [ "$MODE" = quick ] && echo "make quick stops here" || echo "make check goes on to report everything")):
$(red | head -10)"
	fi
	quick_stop static-early
	step gate "$REPO/scripts/build-kernel.sh" gate || echo "fail compile-gate the-gate-build-failed(see-build/gate.log)" >> "$BUILD/static-results.pre"
	quick_stop gate
fi
# BENCH_KERNEL=release make bench: benchmarks on a kernel without the
# debug fragment (KASAN, lockdep...), built beside the test kernel.
KERNEL_TARGET=guest
if [ "$MODE" = bench ] && [ "${BENCH_KERNEL:-debug}" = release ]; then
	KERNEL_TARGET=bench
	export KERNEL_VARIANT=bench
fi
if ! step build-guest "$REPO/scripts/build-kernel.sh" "$KERNEL_TARGET"; then
	cat "$BUILD/static-results.pre" >> "$BUILD/static-results"
	fatal guest-build "the guest kernel does not build (see build/guest-build.log)"
fi
step initramfs "$REPO/scripts/mkinitramfs.sh" || {
	cat "$BUILD/static-results.pre" >> "$BUILD/static-results"
	fatal initramfs "the tests or the initramfs do not build"
}

STATIC_ARGS=()
if [ -n "$STATIC" ]; then
	# A script that went wrong is a failure of its own (the expected plan
	# also fails every check it did not get to).
	step static-late "$REPO/scripts/static-checks.sh" late ||
		echo "fail static-checks.sh:late exited-with-status-$?(see-its-output-above)" >> "$BUILD/static-results.pre"
	quick_stop static-late
	step bisect "$REPO/scripts/bisect-check.sh" ||
		echo "fail bisect-check.sh exited-with-status-$?" >> "$BUILD/static-results.pre"
	quick_stop bisect
	cat "$BUILD/static-results.pre" >> "$BUILD/static-results"
	STATIC_ARGS=(--static "$BUILD/static-results")
fi
# The test runs (check, and run with its E2E=/KUNIT= selection) are held
# to the expected plan; demo and bench are not tests.
PLAN_ARGS=()
[ "$MODE" = check ] || [ "$MODE" = run ] &&
	PLAN_ARGS=(--expected "$REPO/tests/expected-plan" --select-e2e "$E2E" --select-kunit "$KUNIT")

PLAN=check
[ "$MODE" = demo ] && PLAN=demo
[ "$MODE" = bench ] && PLAN=bench
if [ "$MODE" = igt ]; then
	PLAN=igt
	# Each subtest's time limit guards against a hang, it is no
	# performance gate: under TCG with the debug kernel the slowest ones
	# take over two minutes (many-stride-new-prefetch: 127 s), so the
	# full run allows 10 minutes each (make check's subset keeps 120 s),
	# and the silence watchdog waits a little longer than that.
	export IGT_TIMEOUT=${IGT_TIMEOUT:-600}
	export GUEST_SILENCE=${GUEST_SILENCE:-660}
	# The *-many-stride-new* subtests keep 128 allocations of 2.5 MiB per
	# engine thread (about 320 MiB each) to the end: with the debug
	# kernel's KASAN they do not fit in the default 3 GiB guest (512 MiB
	# of it emulated VRAM) and get OOM-killed; with 6 GiB they pass.
	export GUEST_MEM=${GUEST_MEM:-6G}
fi
QUICK_SKIPPED=
if [ "$MODE" = quick ]; then
	# The report of quick holds only what it ran; KUnit and e2e only when
	# named.
	PLAN_ARGS=()
	PLAN_ARGS=(--expected "$REPO/tests/expected-plan")
	if [ -z "$E2E" ] && [ -z "$KUNIT" ]; then
		QUICK_SKIPPED="the guest run (name programs with E2E=, KUnit suites with KUNIT=)"
	else
		[ -n "$E2E" ] || export E2E=none
		PLAN_ARGS+=(--select-e2e "$E2E" --select-kunit "$KUNIT")
	fi
fi
REPORT=$BUILD/$PLAN-report.txt
[ "$MODE" = quick ] && REPORT=$BUILD/quick-report.txt
GUEST_ARGS=()
if [ -z "$QUICK_SKIPPED" ]; then
	step guest "$REPO/scripts/run-guest.sh" "$PLAN"
	GUEST_ARGS=(--results "$BUILD/$PLAN-results.log" --console "$BUILD/$PLAN-console.log")
fi

. "$BUILD/base.env"
KERNEL_NOTE=
[ "$MODE" = bench ] && KERNEL_NOTE="; $KERNEL_TARGET kernel ($( [ "$KERNEL_TARGET" = bench ] && echo "release: no KASAN, lockdep, kmemleak, DEBUG_VM" || echo "debug: KASAN, lockdep"))"
MACHINE="machine: $(nproc) CPUs, guest under QEMU $( [ "${KVM:-0}" = 1 ] && echo KVM || echo TCG) with ${GUEST_SMP:-2} vCPUs; base: $BASE_PACKAGE $BASE_USED_VERSION ($( [ "$BASE_PINNED" = yes ] && echo pinned || echo "NOT the pinned $BASE_VERSION")); logs in $BUILD$KERNEL_NOTE"
echo
echo "=== timings (s) ==="
awk '{ printf "  %-12s %5d%s\n", $1, $3, ($2 != 0 ? "  (failed)" : "") }' "$STEPS"
echo "  total        $(( $(date +%s) - START ))"
echo
python3 "$REPO/scripts/report.py" "${STATIC_ARGS[@]}" "${PLAN_ARGS[@]}" --plan "$PLAN" \
	"${GUEST_ARGS[@]}" --machine "$MACHINE" |
	tee "$REPORT"
rc=${PIPESTATUS[0]}
if [ "$MODE" = igt ]; then
	# Per-subtest times (run-subtests prints "# NAME: N s" after each)
	sed -n '/^@@BEGIN e2e xe_exec_system_allocator/,/^@@END/s/^# \([a-z0-9-]*\): \([0-9]*\) s$/\2 \1/p' \
		"$BUILD/igt-results.log" | sort -rn > "$BUILD/igt-times.txt"
	{
		echo "=== IGT subtest times (s): $(wc -l < "$BUILD/igt-times.txt") timed, $(awk '{ t += $1 } END { print t + 0 }' "$BUILD/igt-times.txt") s in all; slowest 15 (all in build/igt-times.txt) ==="
		head -15 "$BUILD/igt-times.txt" | sed 's/^/  /'
	} | tee -a "$REPORT"
fi
if [ "$MODE" = quick ]; then
	echo "make quick is not make check: it skipped ${QUICK_SKIPPED:-the guest programs and KUnit suites not named in E2E=/KUNIT=}; run make check before landing" |
		tee -a "$REPORT"
fi
finish "$rc"
