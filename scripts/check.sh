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
#   check.sh run     like check without the static checks and the gate
#                    (for iterating; honours E2E= and KUNIT=)
#
# A step that cannot complete (a build error) is reported as one failed
# item and the closing line is still printed.
. "$(dirname "$0")/lib.sh"
MODE=${1:-check}
START=$(date +%s)
STEPS=$BUILD/steps
mkdir -p "$BUILD"
: > "$STEPS"
step() { # name command...: run a step, record its time and status
	local name=$1 t0=$(date +%s) rc
	shift
	log "[$name]"
	"$@"
	rc=$?
	echo "$name $rc $(( $(date +%s) - t0 ))" >> "$STEPS"
	return $rc
}
fatal() { # a step that everything after it needs failed
	echo "fail $1 $2" >> "$BUILD/static-results"
	python3 "$REPO/scripts/report.py" --static "$BUILD/static-results" --plan "$MODE"
	exit 1
}

step setup "$REPO/scripts/setup.sh" || { : > "$BUILD/static-results"; fatal setup "set-up failed"; }
: > "$BUILD/static-results.pre"
step assemble "$REPO/scripts/assemble.sh" || { : > "$BUILD/static-results"; fatal assemble "the series does not assemble"; }

if [ "$MODE" = check ]; then
	step series "$REPO/scripts/series.sh" || echo "fail series format-patch-failed" >> "$BUILD/static-results.pre"
	step gate "$REPO/scripts/build-kernel.sh" gate || echo "fail compile-gate the-gate-build-failed(see-build/gate.log)" >> "$BUILD/static-results.pre"
fi
# BENCH_KERNEL=release make bench: benchmarks on a kernel without the
# debug fragment (KASAN, lockdep...), built beside the test kernel.
KERNEL_TARGET=guest
if [ "$MODE" = bench ] && [ "${BENCH_KERNEL:-debug}" = release ]; then
	KERNEL_TARGET=bench
	export KERNEL_VARIANT=bench
fi
if ! step build-guest "$REPO/scripts/build-kernel.sh" "$KERNEL_TARGET"; then
	cp "$BUILD/static-results.pre" "$BUILD/static-results"
	fatal guest-build "the guest kernel does not build (see build/guest-build.log)"
fi
step initramfs "$REPO/scripts/mkinitramfs.sh" || {
	cp "$BUILD/static-results.pre" "$BUILD/static-results"
	fatal initramfs "the tests or the initramfs do not build"
}

STATIC_ARGS=()
if [ "$MODE" = check ]; then
	# A script that went wrong is a failure of its own (the expected plan
	# also fails every check it did not get to).
	step static "$REPO/scripts/static-checks.sh" ||
		echo "fail static-checks.sh exited-with-status-$?(see-its-output-above)" >> "$BUILD/static-results.pre"
	step bisect "$REPO/scripts/bisect-check.sh" ||
		echo "fail bisect-check.sh exited-with-status-$?" >> "$BUILD/static-results.pre"
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
step guest "$REPO/scripts/run-guest.sh" "$PLAN"

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
	--results "$BUILD/$PLAN-results.log" --console "$BUILD/$PLAN-console.log" \
	--machine "$MACHINE" |
	tee "$BUILD/$PLAN-report.txt"
exit "${PIPESTATUS[0]}"
