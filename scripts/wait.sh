#!/bin/bash
# SPDX-License-Identifier: MIT
#
# "make start" runs "make check" in the background (its output in
# $BUILD/check.out); "make wait" waits for it, printing the running step
# every minute: the step's elapsed time, its duration in the last run and,
# during the guest run, the program the guest is in. It returns as soon
# as the run ends, with the run's exit status and the end of its report,
# or after WAIT_MAX seconds (default 540, so one call stays well under
# ten minutes) with status 3 and "still running".
#
#   wait.sh start [MODE]  start check.sh MODE (default check) in the background
#   wait.sh wait          wait as above
#   wait.sh status        one progress line, no waiting
. "$(dirname "$0")/lib.sh"
PIDF=$BUILD/check.pid
OUTF=$BUILD/check.out

running() { [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }

status_line() {
	local name t0 last now guest
	[ -f "$BUILD/progress" ] || { echo "no run has started"; return; }
	read -r name t0 last < "$BUILD/progress"
	now=$(date +%s)
	if [ "$name" = done ]; then
		echo "$(date +%H:%M:%S) the run ended $(( now - t0 )) s ago with status $last"
		return
	fi
	guest=
	if [ "$name" = guest ]; then
		guest=$(grep -aE '^@@(BEGIN|CHECK)' "$BUILD/check-results.log" 2>/dev/null | tail -1 | cut -c1-80)
		guest=${guest:+; guest at: $guest}
	fi
	echo "$(date +%H:%M:%S) step $name: $(( now - t0 )) s so far (last run: ${last} s)$guest"
}

case "${1:-wait}" in
start)
	running && die "a run is already going (pid $(cat "$PIDF")): make wait"
	mkdir -p "$BUILD"
	rm -f "$BUILD/check.rc"
	printf 'start %s -\n' "$(date +%s)" > "$BUILD/progress"
	setsid bash -c '"$1" "$2" > "$3" 2>&1; echo $? > "$4"' _ \
		"$REPO/scripts/check.sh" "${2:-check}" "$OUTF" "$BUILD/check.rc" < /dev/null > /dev/null 2>&1 &
	echo $! > "$PIDF"
	log "make ${2:-check} runs in the background (pid $!, output $OUTF); make wait"
	;;
status)
	status_line
	;;
wait)
	max=${WAIT_MAX:-540}
	t0=$(date +%s)
	next=0
	while running; do
		if [ "$(date +%s)" -ge "$next" ]; then
			status_line
			next=$(( $(date +%s) + 60 ))
		fi
		if [ $(( $(date +%s) - t0 )) -ge "$max" ]; then
			echo "still running after ${max} s: make wait again"
			exit 3
		fi
		sleep 2
	done
	[ -f "$OUTF" ] || die "no run to wait for ($OUTF): make start"
	tail -25 "$OUTF"
	rc=$(cat "$BUILD/check.rc" 2>/dev/null)
	echo "the run ended with status ${rc:-unknown} (full output: $OUTF)"
	exit "${rc:-1}"
	;;
*)
	die "usage: $0 start [check|quick|run] | wait | status"
	;;
esac
