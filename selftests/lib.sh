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

# The cache shared by every checkout on this machine: what is slow to make
# and depends only on Debian's packages and a recipe (the unpacked
# linux-source tree, the debug kernel).  HB_CACHE overrides
# /var/cache/heartbeat; where that cannot be written, the checkout's
# .build/cache is used instead.
hb_cache()
{
	local d=${HB_CACHE:-/var/cache/heartbeat}

	if ! mkdir -p "$d" 2>/dev/null || [ ! -w "$d" ]; then
		d=$(hb_repo)/.build/cache
		mkdir -p "$d" || return 1
	fi
	echo "$d"
}

# hb_linux_source: unpack Debian's linux-source-6.1 tarball once per
# package version into the cache, and print the tree's path (checkpatch
# and the debug kernel both come from it).  Serialised by a lock; a tree
# is used only once its .hb-complete stamp is written.
hb_linux_source()
{
	local tarball=${HB_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
	local cache ver dir

	[ -r "$tarball" ] || {
		echo "no $tarball (apt-get install linux-source-6.1)" >&2
		return 1
	}
	cache=$(hb_cache) || return 1
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
	ver="${ver:-unknown}-$(stat -c %s "$tarball")"
	dir=$cache/linux-source/$ver
	mkdir -p "$cache/linux-source"
	(
		flock 8 || exit 1
		[ -e "$dir/.hb-complete" ] && exit 0
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp" &&
			tar -xf "$tarball" -C "$dir.tmp" --strip-components=1 &&
			mv "$dir.tmp" "$dir" && touch "$dir/.hb-complete" || exit 1
		# Trees of other package versions are not used again.
		find "$cache/linux-source" -mindepth 1 -maxdepth 1 -type d \
			! -name "$ver" -exec rm -rf {} +
	) 8>"$cache/linux-source/.lock" || return 1
	echo "$dir"
}

# jq 1.6 compiles its builtins at every start: half a second in the
# emulated guest, where the tests run it thousands of times.  gojq reads the
# same language (and keeps 64-bit integers exact) and starts three times
# faster there; deps.sh installs it, and jq remains the fallback.  gojq
# always sorts object keys and has no -S: it is taken out of the flags.
if command -v gojq >/dev/null 2>&1; then
	jq()
	{
		local a args=() verbatim=0

		for a in "$@"; do
			if [ "$verbatim" -gt 0 ]; then
				verbatim=$((verbatim - 1))
			elif [[ $a =~ ^--(arg|argjson|rawfile|slurpfile)$ ]]; then
				verbatim=2
			elif [[ $a =~ ^-[a-zA-Z]+$ ]]; then
				a=${a//S/}
				[ "$a" = - ] && continue
			fi
			args+=("$a")
		done
		gojq "${args[@]}"
	}
fi

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

# Every TAP line is preceded by the wall time since the previous one (or
# since lib.sh was sourced), as a diagnostic: "# time: 12.3 s".  Where a
# run spends its time is then in every log.
TAP_T=${EPOCHREALTIME/[.,]/}

tap_time()
{
	local now=${EPOCHREALTIME/[.,]/}

	# guest_tap (check-lib.sh) passes on the guest's own times.
	[ -z "${TAP_NO_TIME:-}" ] || return 0
	printf '# time: %d.%d s\n' $(((now - TAP_T) / 1000000)) \
		$(((now - TAP_T) / 100000 % 10))
	TAP_T=$now
}

# tap_time_reset: the next test's time starts now.
tap_time_reset()
{
	TAP_T=${EPOCHREALTIME/[.,]/}
}

tap_ok()
{
	tap_time
	TAP_N=$((TAP_N + 1))
	TAP_PASS=$((TAP_PASS + 1))
	echo "ok $TAP_N - $*"
}

tap_fail()
{
	tap_time
	TAP_N=$((TAP_N + 1))
	TAP_FAIL=$((TAP_FAIL + 1))
	echo "not ok $TAP_N - $*"
}

tap_skip()
{
	local desc=$1 why=${2:-}

	tap_time
	TAP_N=$((TAP_N + 1))
	TAP_SKIP=$((TAP_SKIP + 1))
	echo "ok $TAP_N - $desc # SKIP${why:+ $why}"
}

# tap_missing DESC WHY: the test DESC cannot run because a tool or file it
# needs is missing (WHY says which).  A skip on a developer's machine; in
# CI (CI=true), where selftests/deps.sh installs everything, a failure:
# a missing tool is never a silent skip there.
tap_missing()
{
	local desc=$1 why=${2:-}

	if [ "${CI:-}" = true ]; then
		tap_fail "$desc (missing in CI: ${why:-a prerequisite})"
	else
		tap_skip "$desc" "$why"
	fi
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

# --- guest stalls ---------------------------------------------------------
#
# The emulated guest sometimes stops for hundreds of ms when the host is
# busy (one CPU can stop alone), and every timer then fires late at once.
# hb_clock gaps (a SCHED_FIFO probe on every CPU) logs each such stall as
# "END_NS GAP_US CPU".  A DOWN is put down to the emulator only when a
# stall of at least half its detection time overlapped the window in
# which the peer's frames were missing: [time_ns - detect, time_ns], plus
# 200 ms after it (the event's time is read when its timer finally runs).
# A stall anywhere else in the run explains nothing.

# stall_log FILE SECONDS MS: log the guest's stalls of MS or more into FILE
# for SECONDS (hb_clock gaps, SCHED_FIFO where chrt exists).  With
# STALL_BG=1 it runs in the background, its pid in STALL_PID (tracked by
# bg_track).
STALL_BG=0
STALL_PID=""
stall_log()
{
	local fifo=()

	command -v chrt >/dev/null && fifo=(chrt -f 50)
	if [ "$STALL_BG" -eq 1 ]; then
		"${fifo[@]}" "$CLOCK" gaps "$2" "$3" >"$1" 2>&1 &
		STALL_PID=$!
		bg_track "$STALL_PID"
	else
		"${fifo[@]}" "$CLOCK" gaps "$2" "$3" >"$1" 2>&1
	fi
}

# stall_explains GAPS DETECT_US true|false: of the DOWN events (JSON lines
# on stdin, with time_ns and detect_us; DETECT_US when they have none),
# print those that a stall in GAPS explains (true) or does not (false).
stall_explains()
{
	jq -c -n --rawfile g "$1" --argjson dflt "$2" --argjson want "$3" '
		[$g | split("\n")[] | split(" ") | select(length >= 2) |
		 map(tonumber)] as $gaps |
		inputs | . as $e | ($e.detect_us // $dflt) as $d |
		select(any($gaps[]; .[1] * 2 >= $d and
			   .[0] >= $e.time_ns - $d * 1000 and
			   .[0] - .[1] * 1000 <= $e.time_ns + 200000000) == $want)'
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
		printf -v name 'hb-%s-%04x%04x' "$var" "$RANDOM" "$RANDOM"
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
	# One ip for all (-force: on past a namespace already gone).
	[ "${#NS_LIST[@]}" -eq 0 ] ||
		printf 'netns del %s\n' "${NS_LIST[@]}" |
		"$IP" -force -b - >/dev/null 2>&1
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
	"$HBCTL" -n "$ns" "$@"
}

# hbq NS ARGS...: hbctl in NS, not logged.
hbq()
{
	local ns=$1

	shift
	"$HBCTL" -n "$ns" "$@"
}

# hbj NS ARGS...: JSON output of hbctl -j ARGS in NS.
hbj()
{
	local ns=$1

	shift
	"$HBCTL" -n "$ns" -j "$@"
}

# jqn FILTER: read JSON on stdin and print one raw value.
jqn()
{
	jq -er "$1"
}

# --- reading a namespace without starting a process -------------------------
#
# In the emulated guest every process start costs about 0.1 s (0.5 s for
# jq), and the tests poll a lot.  /proc/PID/net/ shows the files of PID's
# network namespace, so a process that lives in a namespace (its hbctl
# monitor, registered by start_monitor in NS_PID) lets bash read that
# namespace's /proc/net/heartbeat and heartbeat_stats with no process at
# all.  Without such a process the readers below fall back to hbctl.
declare -A NS_PID

# ns_procdir NS: /proc/PID/net of a live process in NS, or fail.
NS_PROCDIR=""
ns_procdir()
{
	local pid=${NS_PID[$1]:-}

	[ -n "$pid" ] && [ /proc/"$pid"/ns/net -ef /run/netns/"$1" ] ||
		return 1
	NS_PROCDIR=/proc/$pid/net
	[ -r "$NS_PROCDIR/heartbeat" ]
}

# ns_proc NS FILE: the whole of NS's /proc/net/FILE in NS_TEXT, read at
# once.  A line at a time would not do: bash seeks back after each line,
# and a seq_file then rebuilds its text from the start, where the counters
# have moved and the lines have other lengths.
NS_TEXT=""
ns_proc()
{
	ns_procdir "$1" && [ -r "$NS_PROCDIR/$2" ] || return 1
	NS_TEXT=""
	IFS= read -r -d '' NS_TEXT <"$NS_PROCDIR/$2"
	[ -n "$NS_TEXT" ]
}

# proc_peer NS ID: read peer ID's line of NS's /proc/net/heartbeat into
# PROC_PEER (an associative array keyed by the header's field names).
# Returns 1 when NS has no registered process, 2 when the peer is not
# there.
declare -A PROC_PEER
proc_peer()
{
	local line f i=0 fields vals

	ns_proc "$1" heartbeat || return 1
	PROC_PEER=()
	read -ra fields <<<"${NS_TEXT%%$'\n'*}"
	while read -r line; do
		[ "${line%% *}" = "$2" ] || continue
		read -ra vals <<<"$line"
		for f in "${fields[@]}"; do
			PROC_PEER[$f]=${vals[$i]}
			i=$((i + 1))
		done
		return 0
	done <<<"${NS_TEXT#*$'\n'}"
	return 2
}

# peer_state NS ID: "up", "down", "unknown" or nothing.
peer_state()
{
	local rc=0

	proc_peer "$1" "$2" || rc=$?
	case $rc in
	0) echo "${PROC_PEER[state]}" ;;
	2) ;;
	*) hbj "$1" show peer "$2" 2>/dev/null | jq -r '.state // empty' ;;
	esac
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
	local line n=0 rest

	if ns_proc "$1" heartbeat; then
		while read -r line; do
			[ -n "$line" ] || continue
			# id address port state ...
			rest=${line#* * * }
			[ "${rest%% *}" = "$2" ] || return 1
			n=$((n + 1))
		done <<<"${NS_TEXT#*$'\n'}"
		[ "$n" -gt 0 ]
		return
	fi
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
	"$HBCTL" -n "$ns" -j monitor >"${MON[$name]}" \
		2>"$WORK/monitor-$name.err" &
	pid=$!
	MONPID[$name]=$pid
	NS_PID[$ns]=$pid
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

# jqb ARGS...: jq on stdin that keeps 64-bit integers whole: gojq as it
# is (one process), jq 1.6 behind big_quote.
jqb()
{
	if command -v gojq >/dev/null 2>&1; then
		jq "$@"
	else
		big_quote | jq "$@"
	fi
}

# first_event FILE FILTER: the first event (a JSON line) matching FILTER.
first_event()
{
	jqb -ncR "[inputs | fromjson? | select($2)] | .[0] // empty" \
		<"$1" 2>/dev/null
}

# has_event FILE FILTER: some event of FILE matches FILTER.  A monitor's
# file only grows: jq (half a second to start in the emulated guest) runs
# again only when FILE's size changed since it last found no match.
# The match is left in EV_FIRST.
declare -A EV_SEEN
EV_FIRST=""
has_event()
{
	local text="" key="$1 $2"

	IFS= read -r -d '' text <"$1"
	[ "${#text}" -ne "${EV_SEEN[$key]:--1}" ] || return 1
	EV_FIRST=$(first_event "$1" "$2")
	if [ -n "$EV_FIRST" ]; then
		unset "EV_SEEN[$key]"
		return 0
	fi
	EV_SEEN[$key]=${#text}
	return 1
}

# wait_event FILE FILTER TIMEOUT_MS: print the first match, 1 if none came.
wait_event()
{
	busywait "$3" has_event "$1" "$2" || return 1
	printf '%s\n' "$EV_FIRST"
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
	local k v

	if ns_proc "$1" heartbeat_stats; then
		while read -r k v; do
			[ "$k" = "drop_$2" ] || continue
			echo "$v"
			return 0
		done <<<"$NS_TEXT"
		return 0
	fi
	hbj "$1" node show 2>/dev/null | jq -r ".drops.$2 // empty"
}

drop_total()
{
	local k v sum=0

	if ns_proc "$1" heartbeat_stats; then
		while read -r k v; do
			[ "${k#drop_}" != "$k" ] && sum=$((sum + v))
		done <<<"$NS_TEXT"
		echo "$sum"
		return 0
	fi
	hbj "$1" node show 2>/dev/null | jq -r '[.drops[]] | add // empty'
}

# tracefs_dir: the tracefs mount point, mounted when needed; fails (no
# output) if there is none.
tracefs_dir()
{
	local d

	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -w "$d/trace" ] && { echo "$d"; return 0; }
	done
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -w /sys/kernel/tracing/trace ] && echo /sys/kernel/tracing
}

peer_field()
{
	local rc=0

	# The counters and names that /proc/net/heartbeat shows as the JSON
	# does (not rtt_us or last_seen_ms: their "no value" differs).
	case $3 in
	address|port|state|tx|rx|lost|dropped|origin|source)
		proc_peer "$1" "$2" || rc=$?
		case $rc in
		0) echo "${PROC_PEER[$3]}"; return 0 ;;
		2) return 0 ;;
		esac
		;;
	esac
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

# add_nodes_bulk NAME ADDR4/LEN ...: add_node for each NAME (IPv4 only),
# with one ip process for the namespaces and veths, one for the bridge
# ports and one per node, instead of seven per node (each a tenth of a
# second or more in the emulated guest).
add_nodes_bulk()
{
	local name ns b=$WORK/ip-bulk.batch sw=$WORK/ip-sw.batch args=("$@")

	: >"$b"
	: >"$sw"
	while [ $# -ge 2 ]; do
		name=$1
		printf -v ns 'hb-NS_%s-%04x%04x' "$name" "$RANDOM" "$RANDOM"
		printf -v "NS_$name" '%s' "$ns"
		NS_LIST+=("$ns")
		echo "netns add $ns" >>"$b"
		echo "link add eth0 netns $ns type veth peer name p$name netns $NS_SW" >>"$b"
		echo "link set p$name master br0 up" >>"$sw"
		shift 2
	done
	qrun "$IP" -b "$b" || return 1
	qrun "$IP" -n "$NS_SW" -b "$sw" || return 1
	set -- "${args[@]}"
	while [ $# -ge 2 ]; do
		name=$1
		ns=$(nsof "$name")
		printf '%s\n' "link set lo up" "addr add $2 dev eth0" \
			"link set eth0 up" | qrun "$IP" -n "$ns" -b - || return 1
		# shellcheck disable=SC2034 # used by the scripts
		ADDR[$name]=${2%/*}
		# shellcheck disable=SC2034
		PORTNAME[$name]=p$name
		shift 2
	done
	log "nodes ${args[*]}"
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
