#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Boot the guest kernel in QEMU and run a test plan.
#
#   run-guest.sh check|demo|bench|list
#
# list boots with kunit.action=list: KUnit prints the name of every suite
# and case it would run ("suite" and "suite.case" lines on the console)
# and runs none; guest/init then powers off (scripts/plan.sh).
#
# Environment:
#   E2E=list        e2e selection (guest/init: "prog" or "prog:subtest",
#                   comma-separated; "none" for no e2e)
#   KUNIT=glob      run only the KUnit suites matching the glob
#                   (kunit.filter_glob); with E2E set and KUNIT unset,
#                   KUnit is skipped
#   GUEST_TIMEOUT   seconds before the guest is killed (default 1200; a
#                   passing check run takes 230-370 s under TCG)
#   GUEST_SILENCE   seconds without a byte on either serial stream after
#                   which the watchdog ends the guest as hung and prints
#                   the last lines of both (default 300; every e2e program
#                   prints a line per subtest, and each subtest is bounded
#                   by the harness, so a live guest is never this quiet)
#   GUEST_SMP, GUEST_MEM   vCPUs (default 2) and memory (default 3G)
#   BENCH_MB=N      MiB per benchmark measurement (bench plan, default 256)
#   IGT_FROM=N      make igt starts at the Nth subtest of IGT's list (to
#                   resume a run that was stopped)
#   IGT_TIMEOUT=S   seconds each IGT subtest may take (default 120); above
#                   GUEST_SILENCE, raise that too (a subtest prints
#                   nothing until it ends)
#   KERNEL_VARIANT=bench  boot the release bench kernel (build-kernel.sh
#                   bench) instead of the debug test kernel
#   GUEST_APPEND    extra kernel command-line arguments, appended last (so
#                   they win: e.g. kmemleak=off shows the kmemleak check fail)
#   KVM=1           opt-in KVM acceleration; it was seen to hang at kernel
#                   decompression on this kind of machine, so never default
#
# Writes $BUILD/<plan>-console.log (ttyS0: the kernel console) and
# $BUILD/<plan>-results.log (ttyS1: the result stream of guest/init).
set -e
. "$(dirname "$0")/lib.sh"

PLAN=${1:-check}
CONSOLE=$BUILD/$PLAN-console.log
RESULTS=$BUILD/$PLAN-results.log
VARIANT=${KERNEL_VARIANT:-guest}
KERNEL=$BUILD/$VARIANT/arch/x86/boot/bzImage
INITRD=$BUILD/initramfs.cpio.gz
[ "$VARIANT" = guest ] || INITRD=$BUILD/initramfs-$VARIANT.cpio.gz
[ -f "$KERNEL" ] || die "no $VARIANT kernel at $KERNEL (run make build)"
[ -f "$INITRD" ] || die "no initramfs at $INITRD (run make build)"

# memmap= reserves 512 MiB at 2 GiB for test_hmm's device-coherent
# variants (spm_addr_dev0/1 in guest/init).
APPEND="console=ttyS0,115200 panic=-1 oops=panic reboot=t loglevel=6 xe_svm.plan=$PLAN"
APPEND="$APPEND memmap=512M\$0x80000000 transparent_hugepage=madvise"
APPEND="$APPEND kmemleak=on hung_task_panic=0"
# The whole run's kernel log must fit in the ring buffer: guest/init dumps
# it with the records' levels at the end (dmesg -r reads at most 16 MiB).
APPEND="$APPEND log_buf_len=16M printk.devkmsg=on"
[ -n "$E2E" ] && APPEND="$APPEND xe_svm.e2e=$E2E"
[ -n "$BENCH_MB" ] && APPEND="$APPEND xe_svm.bench_mb=$BENCH_MB"
[ -n "$IGT_FROM" ] && APPEND="$APPEND xe_svm.igt_from=$IGT_FROM"
[ -n "$IGT_TIMEOUT" ] && APPEND="$APPEND xe_svm.igt_timeout=$IGT_TIMEOUT"
# Benchmarks compare against test_hmm, which DMA-maps nothing: DMA-API
# debugging (a per-mapping hash and cacheline tracking) would be charged
# to our side only. Lockdep and KASAN stay on for both.
[ "$PLAN" = bench ] && APPEND="$APPEND dma_debug=off"
if [ "$PLAN" = list ]; then
	APPEND="$APPEND kunit.action=list"
elif [ -n "$KUNIT" ]; then
	APPEND="$APPEND kunit.filter_glob=$KUNIT"
elif [ -n "$E2E" ] || [ "$PLAN" != check ]; then
	APPEND="$APPEND kunit.enable=0"
fi

[ -n "$GUEST_APPEND" ] && APPEND="$APPEND $GUEST_APPEND"

ACCEL=(-accel tcg)
if [ "${KVM:-0}" = 1 ]; then
	warn "KVM=1: using KVM; nested KVM was seen to hang here at 'Decompressing Linux'"
	ACCEL=(-enable-kvm -cpu host)
fi

: > "$CONSOLE"
: > "$RESULTS"
TIMEOUT=${GUEST_TIMEOUT:-1200}
# make igt: about 1,950 subtests, each its own process
[ "$PLAN" = igt ] && TIMEOUT=${GUEST_TIMEOUT:-15000}
SILENCE=${GUEST_SILENCE:-300}
log "booting the guest ($PLAN, ${GUEST_SMP:-2} vCPUs, ${GUEST_MEM:-3G}, timeout $TIMEOUT s, silence watchdog $SILENCE s)"
start=$(date +%s)
rm -f "$BUILD/$PLAN-watchdog"
set +e
timeout --kill-after=10 "$TIMEOUT" \
	qemu-system-x86_64 "${ACCEL[@]}" -machine pc -smp "${GUEST_SMP:-2}" -m "${GUEST_MEM:-3G}" \
	-display none -monitor none -no-reboot \
	-serial "file:$CONSOLE" -serial "file:$RESULTS" \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "$APPEND" < /dev/null &
qpid=$!
# The silence watchdog: both streams unchanged for $SILENCE s means a hang
# (a stuck module load, a kernel deadlock the harness cannot bound).
(
	last=-1
	quiet_since=$(date +%s)
	while kill -0 $qpid 2>/dev/null; do
		sleep 5
		size=$(( $(stat -c %s "$CONSOLE" 2>/dev/null || echo 0) + $(stat -c %s "$RESULTS" 2>/dev/null || echo 0) ))
		now=$(date +%s)
		if [ "$size" != "$last" ]; then
			last=$size
			quiet_since=$now
		elif [ $(( now - quiet_since )) -ge "$SILENCE" ]; then
			echo "silent for $SILENCE s at $(( now - start )) s" > "$BUILD/$PLAN-watchdog"
			kill -TERM $qpid 2>/dev/null
			sleep 5
			kill -KILL $qpid 2>/dev/null
			break
		fi
	done
) &
wdpid=$!
# Show the result stream live while the guest runs; tail ends with QEMU.
tail --pid=$qpid -n +1 -F "$RESULTS" 2>/dev/null |
	grep --line-buffered -E '^(ok|not ok|@@(BEGIN|CHECK|PLAN))' |
	while IFS= read -r line; do
		printf '   guest %4ds| %s\n' $(( $(date +%s) - start )) "$line" >&2
	done
wait $qpid
rc=$?
kill $wdpid 2>/dev/null
wait $wdpid 2>/dev/null
set -e
echo "qemu_rc=$rc seconds=$(( $(date +%s) - start ))" > "$BUILD/$PLAN-qemu.status"
hung=
if [ -f "$BUILD/$PLAN-watchdog" ]; then
	hung="the silence watchdog ended the guest: $(cat "$BUILD/$PLAN-watchdog")"
elif [ $rc = 124 ] || [ $rc = 137 ]; then
	hung="the guest was killed after $TIMEOUT s (GUEST_TIMEOUT)"
fi
if [ -n "$hung" ]; then
	warn "$hung"
	echo "---- last lines of the result stream ($RESULTS) ----" >&2
	tail -15 "$RESULTS" | cut -c1-200 >&2
	echo "---- last lines of the console ($CONSOLE) ----" >&2
	tail -25 "$CONSOLE" | cut -c1-200 >&2
	echo "$hung" > "$BUILD/$PLAN-hung"
else
	rm -f "$BUILD/$PLAN-hung"
fi
log "guest finished in $(( $(date +%s) - start )) s (qemu exit $rc)"
exit 0
