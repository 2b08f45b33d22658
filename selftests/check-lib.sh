# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side helpers of the "make check" drivers (check.sh, check-debug.sh):
# phase headers, log excerpts as TAP diagnostics, and guest_tap, which boots
# a guest, runs one selftest script in it and folds its TAP lines into the
# caller's stream.  Source it after lib.sh, with SELFTESTS, BUILD (the
# .build directory) and LOGS (where logs go) set.

T0=${T0:-$(date +%s)}

# VM_ARGS: extra selftests/vm.sh options for every guest_tap (check-debug.sh
# sets -k/-m/-t/-e for the debug kernel).
VM_ARGS=()

phase()
{
	log "== $* ($(($(date +%s) - T0)) s)"
}

# show_log FILE [N]: the last N lines of FILE as TAP diagnostics.  A
# summary line of another runner ("3 passed, 0 failed") is reworded so that
# only this script's closing line counts.
show_log()
{
	tail -n "${2:-40}" "$1" |
		sed -e 's/^/#   /' -e 's/\([0-9]\) passed, \([0-9]\)/\1 passed; \2/'
}

# host_tap NAME SCRIPT: run a host-side test script and fold its TAP lines
# into this stream as "NAME: ..."; its other lines are shown only when it
# fails.  A script that fails without a "not ok" line is one failure.
host_tap()
{
	local name=$1 script=$2 log=$LOGS/$1.log rc=0 n=0 line

	phase "$name"
	"$script" >"$log" 2>&1 || rc=$?
	while IFS= read -r line; do
		case $line in
		"not ok "[0-9]*) TAP_NO_TIME=1 tap_fail "$name: ${line#* - }" ;;
		"ok "[0-9]*"# SKIP"*)
			TAP_NO_TIME=1 tap_skip "$name: ${line#* - }" ;;
		"ok "[0-9]*) TAP_NO_TIME=1 tap_ok "$name: ${line#* - }" ;;
		"# time:"*) echo "$line" ;;
		*) continue ;;
		esac
		n=$((n + 1))
	done <"$log"
	if [ "$rc" -ne 0 ] || [ "$n" -eq 0 ]; then
		grep -vE '^(ok |1\.\.|# time:)' "$log" | tail -n 40 | sed 's/^/#   /'
		grep -q '^not ok ' "$log" ||
			tap_fail "$name: $script (exit $rc, no failure reported)"
	fi
	# The next test's time starts now, not with the first of these.
	tap_time_reset
}

# guest_tap NAME SCRIPT SPLAT_DESC [LEAK_DESC]: boot a guest (which gets CI,
# so that a missing tool fails there as on the host: lib.sh's tap_missing) with
# selftests/vm.sh "${VM_ARGS[@]}" -n NAME (results in .build/vm-NAME/), run
# SCRIPT in it and renumber its TAP lines into this stream as they arrive;
# then guest_fold's checks.
guest_tap()
{
	phase "guest: $2"
	guest_fold "$@" < <("$SELFTESTS/vm.sh" "${VM_ARGS[@]}" -e "CI=${CI:-}" \
		-n "$1" -- "$2" 2>"$LOGS/vm-$1.log")
}

# guest_fold NAME SCRIPT SPLAT_DESC [LEAK_DESC]: renumber the TAP lines of
# the guest NAME's run of SCRIPT, read from standard input, into this
# stream (vm.sh's own messages are in $LOGS/vm-NAME.log); then report a run
# that did not complete, and the console scan for kernel splats as the
# test SPLAT_DESC.  With LEAK_DESC, the guest's end-of-run kmemleak scan is
# the test LEAK_DESC (it fails when the kernel has no kmemleak).
guest_fold()
{
	local name=$1 script=$2 splat=$3 leak=${4:-} res=$BUILD/vm-$1
	local line desc why total=0 boot wall nall nours

	while IFS= read -r line; do
		case $line in
		"TAP version"*) ;;
		"ok "[0-9]*|"not ok "[0-9]*)
			total=$((total + 1))
			desc=${line#not ok }
			desc=${desc#ok }
			desc=${desc#* }
			desc=${desc#- }
			case $line in
			"not ok "*) TAP_NO_TIME=1 tap_fail "$desc" ;;
			*"# SKIP"*)
				why=${desc#*# SKIP}
				TAP_NO_TIME=1 tap_skip "${desc%% # SKIP*}" "${why# }" ;;
			*) TAP_NO_TIME=1 tap_ok "$desc" ;;
			esac
			;;
		1..[0-9]*) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done
	sed 's/^/# /' "$LOGS/vm-$name.log"
	boot=$(sed -n 's/^BOOT_S=//p' "$res/vm.env" 2>/dev/null)
	wall=$(sed -n 's/^WALL_S=//p' "$res/vm.env" 2>/dev/null)
	log "guest ($script): booted to the test script in ${boot:-?} s, whole run ${wall:-?} s"
	tap_time_reset

	if [ ! -s "$res/exitcode" ]; then
		tail -n 30 "$res/console.log" 2>/dev/null | sed 's/^/#   /'
		tap_fail "guest: $script ran to completion (no exit code: crash or timeout)"
	elif [ "$total" -eq 0 ]; then
		show_log "$res/output.log" 30
		tap_fail "guest: $script reported tests"
	fi
	if [ ! -f "$res/splats.log" ]; then
		tap_fail "$splat (no console scan)"
	elif [ -s "$res/splats.log" ]; then
		head -n 40 "$res/splats.log" | sed 's/^/#   /'
		log "whole console: $res/console.log"
		tap_fail "$splat"
	else
		tap_ok "$splat ($(wc -l <"$res/console.log") lines scanned)"
	fi

	[ -n "$leak" ] || return 0
	if [ ! -f "$res/kmemleak.log" ] || [ ! -f "$res/leaks.log" ]; then
		tap_fail "$leak (no kmemleak report)"
		return 0
	fi
	nall=$(grep -c '^unreferenced object' "$res/kmemleak.log")
	nours=$(grep -c '^unreferenced object' "$res/leaks.log")
	if [ "$nours" -gt 0 ]; then
		head -n 60 "$res/leaks.log" | sed 's/^/#   /'
		log "whole report: $res/kmemleak.log"
		tap_fail "$leak ($nours leaked objects)"
	else
		tap_ok "$leak ($nall leaked objects, none of heartbeat.ko)"
	fi
}
