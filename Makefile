# SPDX-License-Identifier: MIT
#
# xe SVM: the two commands that matter are
#
#   make demo    build everything, boot the guest, run the emulated
#                device's demo, print a report
#   make check   static checks, then KUnit and the end-to-end suites in
#                the guest; ends with "N passed, N failed, N skipped"
#
# Both do all set-up themselves on a fresh Debian 12 machine (apt
# packages, the pinned base source). See README.md for the rest.

.PHONY: all setup tree export series gate build run demo bench igt-build igt check quick start wait status plan clean distclean help

all: help

help:
	@sed -n '/^# xe SVM/,/^$$/p' Makefile | sed 's/^# \{0,1\}//'
	@echo "Other targets: setup tree export series gate build run quick start wait status bench igt-build igt plan clean distclean"

setup:
	@scripts/setup.sh

tree:
	@scripts/assemble.sh

export:
	@scripts/export.sh

series: tree
	@scripts/series.sh

gate: tree
	@scripts/build-kernel.sh gate

build: tree
	@scripts/build-kernel.sh guest && scripts/mkinitramfs.sh

# Iterate: boot and test without static checks; E2E=prog[:subtest],... and
# KUNIT=<suite glob> select what runs.
run:
	@scripts/check.sh run

demo:
	@scripts/check.sh demo

# Benchmarks, not tests: ours vs test_hmm vs memcpy (BENCH_MB=N per run).
bench:
	@scripts/check.sh bench

# IGT's xe_exec_system_allocator and libigt.so from ../shared/igt, cached
# by content (make check runs the subset in igt/subset).
igt-build:
	@scripts/build-igt.sh

# Every subtest of IGT's xe_exec_system_allocator against the emulated
# xe DRM device, with a summary and per-subtest times (hours under TCG;
# not part of make check). IGT_FROM=N resumes at the Nth subtest.
igt:
	@scripts/check.sh igt

check:
	@scripts/check.sh check

# The inner loop: assemble, early static checks, gate, build, late static
# checks, bisect (reusing every result proven before), then the guest run
# of E2E= / KUNIT= only; stops at the first red. Not make check.
quick:
	@scripts/check.sh quick

# make check in the background (MODE=quick|run for the others); make wait
# returns when it ends (or after WAIT_MAX=540 s, status 3: wait again);
# make status prints the running step.
start:
	@scripts/wait.sh start $(or $(MODE),check)

wait:
	@scripts/wait.sh wait

status:
	@scripts/wait.sh status

# The expected plan (tests/expected-plan): every static check, KUnit case,
# e2e subtest and guest check make check must report. Regenerate and
# commit it when one is added, removed or renamed (boots the guest once,
# with kunit.action=list, for the KUnit cases).
plan: build series
	@scripts/plan.sh write

clean:
	rm -rf build/guest build/gate build/initramfs build/guest-* out

distclean:
	rm -rf build out
