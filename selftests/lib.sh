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

# --- test topology, nodes and events --------------------------------------
#
# Shared by heartbeat.sh and cluster.sh.  A node NAME is a namespace NS_NAME
# (read with nsof) with eth0 on the bridge br0 of the switch namespace NS_SW;
# ADDR[NAME] is its address, PORTNAME[NAME] its bridge port, ID[NAME] its
# node id.  A monitor writes the node's events (hbctl -j monitor) to
# MON[NAME] under $WORK.

# shellcheck disable=SC2034 # used by the scripts that source this file
declare -A ADDR ID PORTNAME MON MONPID
NS_SW=""
HAVE_MODULE=0
WORK=${WORK:-/tmp}
MODULE=${MODULE:-}
CLOCK=${CLOCK:-hb_clock}

# Start "hbctl -j monitor" in node NAME's namespace, output to a file.
start_monitor()
{
	local name=$1 ns=$2 pid

	MON[$name]=$WORK/monitor-$name.jsonl
	: >"${MON[$name]}"
	"$IP" netns exec "$ns" "$HBCTL" -j monitor >"${MON[$name]}" \
		2>"$WORK/monitor-$name.err" &
	pid=$!
	MONPID[$name]=$pid
	bg_track "$pid"
	log "[$ns] hbctl -j monitor > ${MON[$name]} (pid $pid)"
}

stop_monitor()
{
	local name=$1

	[ -n "${MONPID[$name]:-}" ] || return 0
	kill "${MONPID[$name]}" 2>/dev/null
	wait "${MONPID[$name]}" 2>/dev/null
	unset "MONPID[$name]"
}

# jq (1.6) reads numbers as doubles: incarnations (u64 nanoseconds) would
# lose their last digits.  big_quote turns them into strings first.
big_quote()
{
	sed -E 's/"(incarnation|remote_incarnation)":([0-9]+)/"\1":"\2"/g'
}

# first_event FILE FILTER: the first event (a JSON line) matching FILTER.
first_event()
{
	big_quote <"$1" | jq -cR "fromjson? | select($2)" 2>/dev/null |
		head -n 1
}

has_event()
{
	[ -n "$(first_event "$1" "$2")" ]
}

# wait_event FILE FILTER TIMEOUT_MS: print the first match, 1 if none came.
wait_event()
{
	busywait "$3" has_event "$1" "$2" || return 1
	first_event "$1" "$2"
}

count_events()
{
	jq -cR "fromjson? | select($2)" "$1" 2>/dev/null | wc -l
}

# CLOCK_MONOTONIC in ns, the clock of the events' time_ns (hb_clock).
mono_ns()
{
	"$CLOCK"
}

# node_field NS FIELD: one field of hbctl -j node show.
node_field()
{
	hbj "$1" node show 2>/dev/null | jq -r ".$2 // empty"
}

drop_count()
{
	hbj "$1" node show 2>/dev/null | jq -r ".drops.$2 // empty"
}

drop_total()
{
	hbj "$1" node show 2>/dev/null | jq -r '[.drops[]] | add // empty'
}

peer_field()
{
	hbj "$1" show peer "$2" 2>/dev/null | jq -r ".$3 // empty"
}

# node_peers_up NAME: every peer of node NAME is up.
node_peers_up()
{
	all_peers_are "$(nsof "$1")" up
}

# nsof NAME: the namespace of node NAME (set by add_node / setup_ns NS_NAME).
nsof()
{
	local v="NS_$1"

	echo "${!v}"
}

# add_node NAME ADDR4[/LEN] ADDR6: namespace NS_NAME with eth0 bridged to
# br0 of NS_SW through port pNAME (IPv4 prefix /24 unless LEN is given).
add_node()
{
	local name=$1 a4=${2%/*} a6=$3 ns port="p$1" len=24

	setup_ns "NS_$name" || return 1
	ns=$(nsof "$name")
	qrun "$IP" link add eth0 netns "$ns" type veth peer name "$port" \
		netns "$NS_SW" || return 1
	qrun "$IP" -n "$NS_SW" link set "$port" master br0 up || return 1
	if [ -n "$a4" ]; then
		[ "$a4" = "$2" ] || len=${2#*/}
		qrun "$IP" -n "$ns" addr add "$a4/$len" dev eth0 || return 1
	fi
	if [ -n "$a6" ]; then
		qrun "$IP" -n "$ns" addr add "$a6/64" dev eth0 nodad ||
			return 1
	fi
	qrun "$IP" -n "$ns" link set eth0 up || return 1
	# shellcheck disable=SC2034 # used by the scripts
	ADDR[$name]=${a4:-$a6}
	# shellcheck disable=SC2034
	PORTNAME[$name]=$port
	log "node $name: netns $ns, ${a4:+$a4 }${a6:-}"
}

setup_switch()
{
	setup_ns NS_SW || return 1
	qrun "$IP" -n "$NS_SW" link add br0 type bridge || return 1
	qrun "$IP" -n "$NS_SW" link set br0 type bridge mcast_snooping 0
	qrun "$IP" -n "$NS_SW" link set br0 up
}

# nodes_all_up NAME...: every listed node has all its peers up.
nodes_all_up()
{
	local n

	for n in "$@"; do
		node_peers_up "$n" || return 1
	done
}

show_nodes()
{
	local n

	for n in "$@"; do
		log "node $n: hbctl -j show"
		hbj "$(nsof "$n")" show 2>&1 | jq -c '.peers[]? |
			{id, address, state, rx, tx, detect_us, rtt_us}' 2>&1 |
			sed 's/^/#   /'
	done
}

# load_module: insmod $MODULE (after the modules it and the tests need);
# sets HAVE_MODULE=1.  KSFT_SKIP when the module or hbctl is not built.
load_module()
{
	local m

	for m in udp_tunnel ip6_udp_tunnel veth bridge dummy; do
		qrun modprobe "$m" || log "modprobe $m failed"
	done
	if [ ! -f "$MODULE" ]; then
		log "no module at $MODULE (run make)"
		return "$KSFT_SKIP"
	fi
	if [ ! -x "$HBCTL" ]; then
		log "no hbctl at $HBCTL (run make)"
		return "$KSFT_SKIP"
	fi
	if [ -e /sys/module/heartbeat ]; then
		run rmmod heartbeat || return 1
	fi
	run insmod "$MODULE" || return 1
	# shellcheck disable=SC2034 # read by the scripts
	HAVE_MODULE=1
	run "$HBCTL" -j node show
}

hb_us()
{
	case $1 in
	*us) echo "${1%us}" ;;
	*ms) echo $((${1%ms} * 1000)) ;;
	*s) echo $((${1%s} * 1000000)) ;;
	*) echo $(($1 * 1000)) ;;
	esac
}

counter_at_least()
{
	local v

	v=$(drop_count "$1" "$2")
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

# rx_grew NS ID RX0 N: peer ID's rx is at least RX0 + N.
rx_grew()
{
	local rx

	rx=$(peer_field "$1" "$2" rx)
	[ -n "$rx" ] && [ "$rx" -ge $(($3 + $4)) ]
}

# want N: test N is selected by HB_TESTS ("2 5 7"; empty: every test).
want()
{
	[ -z "${HB_TESTS:-}" ] || [[ " $HB_TESTS " == *" $1 "* ]]
}
