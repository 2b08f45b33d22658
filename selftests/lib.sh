# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the heartbeat selftests, in the style of the kernel's
# tools/testing/selftests/net/lib.sh.  Source it; it never exits on its own.
#
#  - TAP 13 output: tap_header, tap_plan, tap_ok/tap_fail/tap_skip/tap_result,
#    tap_finish (prints the trailing plan and returns the kselftest exit code:
#    pass 0, fail 1, skip 4).
#  - busywait / slowwait: poll a command until it succeeds or a deadline
#    passes, instead of sleeping a fixed time.
#  - netns helpers: names with a random suffix, all deleted by cleanup_all_ns
#    (install it in an EXIT trap).
#  - run: log a command, then run it; hb/hbj: hbctl in a namespace (JSON with
#    -j); jqn: read one JSON value.
#
# Host-side helpers (hb_repo, hb_kver, hb_kdir) are here too so every script
# finds the kernel the same way the top Makefile does.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# --- host side ----------------------------------------------------------

hb_repo()
{
	(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

# The build directory of the kernel we build for and boot: KDIR when set,
# otherwise the newest /lib/modules/*-amd64/build (as the top Makefile).
hb_kdir()
{
	local d last=""

	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
		return 0
	fi
	for d in /lib/modules/*-amd64/build; do
		[ -d "$d" ] && last=$d
	done
	[ -n "$last" ] || return 1
	echo "$last"
}

# The kernel release matching the headers (never uname -r).
hb_kver()
{
	local kdir

	if [ -n "${HB_KVER:-}" ]; then
		echo "$HB_KVER"
		return 0
	fi
	kdir=$(hb_kdir) || return 1
	kdir=${kdir%/}
	case $kdir in
	/lib/modules/*/build)
		kdir=${kdir#/lib/modules/}
		echo "${kdir%/build}"
		;;
	*/linux-headers-*)
		echo "${kdir##*/linux-headers-}"
		;;
	*)
		# Debian's kernel.release holds the upstream version, not the
		# package ABI name: only a fallback for self-built trees.
		cat "$kdir/include/config/kernel.release"
		;;
	esac
}

# --- logging and TAP ------------------------------------------------------

TAP_N=0
TAP_PASS=0
TAP_FAIL=0
TAP_SKIP=0
HB_VERBOSE=${HB_VERBOSE:-1}

log()
{
	printf '# %s\n' "$*"
}

# Log a command, then run it.  Output is indented as TAP diagnostics.
run()
{
	local rc=0

	log "\$ $*"
	"$@" 2>&1 | sed 's/^/#   /'
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || log "(exit $rc)"
	return "$rc"
}

# Like run, but quiet unless it fails.
qrun()
{
	local out rc=0

	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		log "\$ $* -> exit $rc"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	return "$rc"
}

tap_header()
{
	echo "TAP version 13"
}

tap_plan()
{
	echo "1..$1"
}

tap_ok()
{
	TAP_N=$((TAP_N + 1))
	TAP_PASS=$((TAP_PASS + 1))
	echo "ok $TAP_N - $*"
}

tap_fail()
{
	TAP_N=$((TAP_N + 1))
	TAP_FAIL=$((TAP_FAIL + 1))
	echo "not ok $TAP_N - $*"
}

tap_skip()
{
	local desc=$1 why=${2:-}

	TAP_N=$((TAP_N + 1))
	TAP_SKIP=$((TAP_SKIP + 1))
	echo "ok $TAP_N - $desc # SKIP${why:+ $why}"
}

# tap_result RC DESC: 0 passes, KSFT_SKIP skips, anything else fails.
tap_result()
{
	local rc=$1

	shift
	case $rc in
	0) tap_ok "$@" ;;
	"$KSFT_SKIP") tap_skip "$@" ;;
	*) tap_fail "$@" ;;
	esac
}

# Print the trailing plan and a summary; return the kselftest exit code.
tap_finish()
{
	tap_plan "$TAP_N"
	log "totals: pass:$TAP_PASS fail:$TAP_FAIL skip:$TAP_SKIP"
	if [ "$TAP_FAIL" -gt 0 ]; then
		return "$KSFT_FAIL"
	fi
	if [ "$TAP_PASS" -eq 0 ] && [ "$TAP_SKIP" -gt 0 ]; then
		return "$KSFT_SKIP"
	fi
	return "$KSFT_PASS"
}

# A single check failing inside a test: log why, return 1.
fail()
{
	log "FAIL: $*"
	return 1
}

require_cmd()
{
	local c

	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			log "missing tool: $c"
			return "$KSFT_SKIP"
		fi
	done
	return 0
}

# --- polling --------------------------------------------------------------

now_ms()
{
	local s

	# /proc/uptime has 10 ms resolution: plenty for deadlines.
	read -r s _ </proc/uptime
	s=${s/./}
	echo $((10#$s * 10))
}

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds, at most TIMEOUT_MS.
busywait()
{
	local timeout=$1 start

	shift
	start=$(now_ms)
	while true; do
		if "$@"; then
			return 0
		fi
		if [ $(($(now_ms) - start)) -ge "$timeout" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# slowwait TIMEOUT_S CMD...: like busywait with seconds and a 0.2 s step.
slowwait()
{
	local timeout=$1 start

	shift
	start=$(now_ms)
	while true; do
		if "$@"; then
			return 0
		fi
		if [ $(($(now_ms) - start)) -ge $((timeout * 1000)) ]; then
			return 1
		fi
		sleep 0.2
	done
}

# --- network namespaces ---------------------------------------------------

NS_LIST=()
IP=${IP:-ip}

# setup_ns VAR...: create one namespace per VAR named VAR-<random> and store
# the name in VAR.  Loopback comes up.  All are deleted by cleanup_all_ns.
setup_ns()
{
	local var name

	for var in "$@"; do
		name="hb-$var-$(mktemp -u XXXXXX)"
		"$IP" netns add "$name" || return 1
		NS_LIST+=("$name")
		"$IP" -n "$name" link set lo up || return 1
		printf -v "$var" '%s' "$name"
	done
}

cleanup_ns()
{
	local ns i

	for ns in "$@"; do
		"$IP" netns del "$ns" 2>/dev/null
		for i in "${!NS_LIST[@]}"; do
			[ "${NS_LIST[$i]}" = "$ns" ] && unset "NS_LIST[$i]"
		done
	done
	NS_LIST=("${NS_LIST[@]}")
	return 0
}

cleanup_all_ns()
{
	local ns

	for ns in "${NS_LIST[@]}"; do
		"$IP" netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
}

# Background processes to kill at exit.
BG_PIDS=()

bg_track()
{
	BG_PIDS+=("$1")
}

cleanup_bg()
{
	local p

	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	BG_PIDS=()
}

# --- hbctl and JSON -------------------------------------------------------

# The hbctl to run: the scripts set it (default: the one in tools/hbctl/).
HBCTL=${HBCTL:-}

# hb NS ARGS...: hbctl in namespace NS (logged).
hb()
{
	local ns=$1

	shift
	log "[$ns] hbctl $*"
	"$IP" netns exec "$ns" "$HBCTL" "$@"
}

# hbq NS ARGS...: hbctl in NS, not logged.
hbq()
{
	local ns=$1

	shift
	"$IP" netns exec "$ns" "$HBCTL" "$@"
}

# hbj NS ARGS...: JSON output of hbctl -j ARGS in NS.
hbj()
{
	local ns=$1

	shift
	"$IP" netns exec "$ns" "$HBCTL" -j "$@"
}

# jqn FILTER: read JSON on stdin and print one raw value.
jqn()
{
	jq -er "$1"
}

# peer_state NS ID: "up", "down", "unknown" or nothing.
peer_state()
{
	hbj "$1" show peer "$2" 2>/dev/null | jq -r '.state // empty'
}

# peer_is NS ID STATE
peer_is()
{
	[ "$(peer_state "$1" "$2")" = "$3" ]
}

# all_peers_are NS STATE: every configured peer in NS is in STATE (and there
# is at least one).
all_peers_are()
{
	hbj "$1" show 2>/dev/null |
		jq -e --arg s "$2" \
		'(.peers | length) > 0 and all(.peers[]; .state == $s)' \
		>/dev/null
}

# A kernel log marker, and a check that nothing bad was logged after it.
DMESG_BAD='BUG:|WARNING:|Oops|KASAN|UBSAN|kmemleak|lockdep|circular locking|RCU stall|detected stall|soft lockup|hard LOCKUP|blocked for more than|Call Trace|general protection|Kernel panic|refcount_t:|list_(add|del) corruption'

dmesg_mark()
{
	echo "hb-selftest-mark $1" >/dev/kmsg
}

# dmesg_clean_since MARK: no splat after the marker line.
dmesg_clean_since()
{
	local bad

	bad=$(dmesg | sed -n "/hb-selftest-mark $1\$/,\$p" |
	      grep -E "$DMESG_BAD")
	if [ -n "$bad" ]; then
		log "kernel log after mark $1:"
		printf '%s\n' "$bad" | sed 's/^/#   /'
		return 1
	fi
	return 0
}
