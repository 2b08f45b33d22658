#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark of issue 10, inside the QEMU guest (bench/run.sh boots it
# with selftests/vm.sh; selftests/protocol.sh runs the smoke mode).  Runs as
# root; loads heartbeat.ko.
#
#   bash bench/bench.sh           the benchmark: raw data under $BENCH_OUT
#                                 (bench/analyze.py turns it into the JSON,
#                                 the table and the plots)
#   bash bench/bench.sh --smoke   a few seconds of it, asserting that the
#                                 harness works (TAP, one line per check)
#
# Topology: two namespaces, S (the senders) and R (the receivers), one veth
# pair.  Each sender beats to its own address of R:
#
#   S veth0 10.77.0.1 --------------- veth1 R 10.77.0.101  heartbeat.ko pair
#           10.77.0.2 (hb_bench send)         10.77.0.102  user sender
#           10.77.0.3 (hb_bench send -f)      10.77.0.103  user sender, FIFO
#           10.77.0.4 (bfdd)                  10.77.0.104  bfdd (single hop)
#
# The module runs on both sides (node 1 in S, node 2 in R), and so does
# bfdd (one single-hop session, both sides with distinct addresses).  In R,
# "hb_bench recv veth1" takes the kernel's receive timestamp of every frame
# (a packet socket: it sees the module's frames, whose port the module owns);
# R's "hbctl -j monitor" records the module's DOWN events, R's bfdd log its
# state changes (debug bfd peer, microsecond stamps).
#
# Every cell: one load (started in the root namespace, so on the CPUs of
# both sides), a settling second (not for idle), then BENCH_CELL_S seconds of measurement,
# with a scheduling-latency probe (a normal task sleeping 1 ms at a time)
# that shows how much the load starves a normal task.  Cells are repeated
# BENCH_REPS times, the loads interleaved (rep 1 of every load, then rep 2...)
# so that a slow spell of the host does not land on one load alone.  Then
# BENCH_CUTS link cuts (S's veth0 down at a timestamped instant, at a
# random phase of the interval) give the module's and bfdd's detection
# latency.  Then, with BENCH_FAST_MS set, the module (and the two user
# senders, as baselines) at BENCH_FAST_MS x BENCH_MULT, under
# BENCH_FAST_LOADS (bfdd cannot go below 10 ms).
#
# Loads (BENCH_LOADS, names):
#   idle      nothing
#   cpu       stress-ng --cpu 4xCPUs, nice 0
#   cpu-n20   the same at nice -20
#   vm        stress-ng --vm CPUs --vm-bytes 80% (to the edge of reclaim)
#   io        stress-ng --hdd CPUs --iomix CPUs on the results directory
#             (9p: the guest has no disk; writes go to the host)
#   fifo1     one SCHED_FIFO (priority 10) busy loop pinned on CPU 0
#   fifoall   one SCHED_FIFO (priority 10) busy loop on every CPU (RT
#             throttling, /proc/sys/kernel/sched_rt_runtime_us, leaves
#             normal tasks the rest; the value is in the results)
#
# Environment (defaults: a full run of about 14 minutes on a quiet 2-core
# host without KVM: 45 cells of 12 s and their overhead, the cuts):
#   BENCH_OUT         raw results ($HB_RESULTS/bench)
#   BENCH_CELL_S      seconds measured per cell (12)
#   BENCH_REPS        repetitions per cell (5)
#   BENCH_LOADS       "idle cpu cpu-n20 vm io fifo1 fifoall"
#   BENCH_INTERVAL_MS interval of every sender (10), BENCH_MULT (3)
#   BENCH_FAST_MS     the module alone at this interval (1; empty: none)
#   BENCH_FAST_LOADS  loads of that pass ("idle cpu")
#   BENCH_CUTS        link cuts for detection latency (20; 0: none)
#   BENCH_FIFO_PRIO   priority of the FIFO sender (50)
#   HBCTL, HB_MODULE, HB_BIN (hb_bench, hb_clock)
#
# Smoke mode (--smoke): one idle cell of BENCH_CELL_S (4) seconds at 20 ms
# x 50 (the harness is tested, not the timing: a guest on a busy host
# stalls for hundreds of milliseconds), one cut, then checks:
# every sender's frames arrived (at least a quarter of those the cell's
# length allows), the module pair raised no DOWN, analyze.py's JSON parses and has
# the cell, the cuts were detected.  bfdd or stress-ng missing: a reported
# skip (a failure when CI=true).

set -u

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELFTESTS=$BENCH/../selftests
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

HBCTL=${HBCTL:-$REPO/tools/hbctl/hbctl}
MODULE=${HB_MODULE:-$REPO/heartbeat.ko}
BIN=${HB_BIN:-$REPO/.build/bin}
HBB=$BIN/hb_bench
CLOCK=$BIN/hb_clock
BFDD=${BENCH_BFDD:-/usr/lib/frr/bfdd}
# Debian's python3 (deps.sh), not one that PATH may find first
PYTHON3=${PYTHON3:-/usr/bin/python3}

SMOKE=0
[ "${1:-}" = --smoke ] && SMOKE=1
if [ "$SMOKE" -eq 1 ]; then
	CELL_S=${BENCH_CELL_S:-4}
	REPS=1
	LOADS=idle
	INTERVAL_MS=20
	MULT=50
	FAST_MS=
	CUTS=${BENCH_CUTS:-1}
	OUT=${BENCH_OUT:-${HB_RESULTS:-/tmp}/bench-smoke}
	# No plots: the smoke run checks the figures, in seconds.
	export BENCH_PLOTS=0
else
	CELL_S=${BENCH_CELL_S:-12}
	REPS=${BENCH_REPS:-5}
	LOADS=${BENCH_LOADS:-idle cpu cpu-n20 vm io fifo1 fifoall}
	INTERVAL_MS=${BENCH_INTERVAL_MS:-10}
	MULT=${BENCH_MULT:-3}
	FAST_MS=${BENCH_FAST_MS-1}
	CUTS=${BENCH_CUTS:-20}
	OUT=${BENCH_OUT:-${HB_RESULTS:-/tmp}/bench}
fi
FAST_LOADS=${BENCH_FAST_LOADS:-idle cpu}
FIFO_PRIO=${BENCH_FIFO_PRIO:-50}
NCPU=$(nproc)
RAW=$OUT/raw
WORK=$RAW
USER_PORT=7999

rm -rf "$OUT"
mkdir -p "$RAW"
CELLS=$RAW/cells.jsonl
: >"$CELLS"

NS_S="" NS_R=""
HAVE_BFD=0
HAVE_STRESS=0
declare -A BFDDIR
SENDER_PIDS=()
LOAD_PID=""

cleanup()
{
	[ -z "$LOAD_PID" ] || kill -- "$LOAD_PID" 2>/dev/null
	stop_senders
	stop_bfd
	cleanup_bg
	cleanup_all_ns
}
trap cleanup EXIT

# --- setup --------------------------------------------------------------------

setup_net()
{
	setup_ns NS_S NS_R || return 1
	qrun "$IP" link add veth0 netns "$NS_S" type veth peer name veth1 \
		netns "$NS_R" || return 1
	printf '%s\n' "addr add 10.77.0.1/24 dev veth0" \
		"addr add 10.77.0.2/24 dev veth0" \
		"addr add 10.77.0.3/24 dev veth0" \
		"addr add 10.77.0.4/24 dev veth0" "link set veth0 up" |
		qrun "$IP" -n "$NS_S" -b - || return 1
	printf '%s\n' "addr add 10.77.0.101/24 dev veth1" \
		"addr add 10.77.0.102/24 dev veth1" \
		"addr add 10.77.0.103/24 dev veth1" \
		"addr add 10.77.0.104/24 dev veth1" "link set veth1 up" |
		qrun "$IP" -n "$NS_R" -b - || return 1
	# Neighbours known in advance: no ARP in the measured path.
	"$IP" -n "$NS_S" neigh flush dev veth0 2>/dev/null
	ip netns exec "$NS_R" ping -c 1 -W 2 10.77.0.1 >/dev/null 2>&1
	return 0
}

setup_module()
{
	start_monitor R "$NS_R"
	start_monitor S "$NS_S"
	hb "$NS_S" node set id 1 cluster 77 >/dev/null || return 1
	hb "$NS_R" node set id 2 cluster 77 >/dev/null || return 1
	hb "$NS_S" peer add 2 10.77.0.101 interval "${INTERVAL_MS}ms" \
		multiplier "$MULT" >/dev/null || return 1
	hb "$NS_R" peer add 1 10.77.0.1 interval "${INTERVAL_MS}ms" \
		multiplier "$MULT" >/dev/null || return 1
	slowwait 20 module_up
}

module_up()
{
	peer_is "$NS_R" 1 up && peer_is "$NS_S" 2 up
}

# set_module_interval MS: both sides beat at MS x MULT.
set_module_interval()
{
	hb "$NS_S" peer set 2 interval "${1}ms" multiplier "$MULT" >/dev/null &&
		hb "$NS_R" peer set 1 interval "${1}ms" multiplier "$MULT" \
		>/dev/null && slowwait 20 module_up
}

# bfd_conf SIDE PEER LOCAL: bfdd.conf of one side.
bfd_conf()
{
	cat <<EOF
log file $RAW/bfd-$1/bfdd.log
log timestamp precision 6
debug bfd peer
bfd
 peer $2 local-address $3
  detect-multiplier $MULT
  receive-interval $INTERVAL_MS
  transmit-interval $INTERVAL_MS
 !
!
EOF
}

start_bfd()
{
	local s ns d

	bfd_conf S 10.77.0.104 10.77.0.4 >"$RAW/bfd-S.conf"
	bfd_conf R 10.77.0.4 10.77.0.104 >"$RAW/bfd-R.conf"
	for s in S R; do
		ns=$(nsof "$s")
		# Not on 9p: user frr writes here.
		d=/tmp/bench-bfd-$s-$$
		rm -rf "$d"
		mkdir -p "$d"
		mv "$RAW/bfd-$s.conf" "$d/bfdd.conf"
		chown -R frr:frr "$d" 2>/dev/null
		BFDDIR[$s]=$d
		sed -i "s#^log file .*#log file $d/bfdd.log#" "$d/bfdd.conf"
		ip netns exec "$ns" "$BFDD" -d -f "$d/bfdd.conf" \
			-i "$d/bfdd.pid" --vty_socket "$d" -N "bench$s" \
			-z "$d/zserv.api" --bfdctl "$d/bfdd.sock" -P 0 \
			>"$RAW/bfdd-$s.out" 2>&1 || return 1
	done
}

stop_bfd()
{
	local s

	for s in S R; do
		[ -f "${BFDDIR[$s]:-/nonexistent}/bfdd.pid" ] &&
			kill "$(cat "${BFDDIR[$s]}/bfdd.pid")" 2>/dev/null
	done
}

wait_bfd()
{
	slowwait 30 bfd_up || return 1
	# A rejected configuration line is only logged (and the session then
	# runs at 300 ms): check that it runs at ours.
	bfd_json R | jq -e --argjson i "$INTERVAL_MS" --argjson m "$MULT" \
		'.[0]."transmit-interval" == $i and .[0]."detect-multiplier" == $m
		 and .[0]."remote-transmit-interval" == $i' >/dev/null ||
		{ log "bfdd does not run at ${INTERVAL_MS} ms x $MULT:";
		  bfd_json R | sed 's/^/#   /'; return 1; }
}

bfd_json()
{
	vtysh --vty_socket "${BFDDIR[$1]}" -c 'show bfd peers json' 2>/dev/null
}

# bfd_side_up SIDE: the last state change in SIDE's bfdd log went to up.
# Read by bash: it is polled, and every process (vtysh above all) costs a
# tenth of a second or more in the emulated guest.
bfd_side_up()
{
	local line last=""

	while IFS= read -r line; do
		[[ $line == *state-change:* ]] && last=$line
	done <"${BFDDIR[$1]}/bfdd.log"
	[[ $last == *"-> up"* ]]
}

bfd_up()
{
	bfd_side_up R && bfd_side_up S
}

# --- senders, loads, cells ------------------------------------------------------

# start_senders MS: the two user senders at MS.
start_senders()
{
	ip netns exec "$NS_S" "$HBB" send 10.77.0.102 "$USER_PORT" \
		$(($1 * 1000)) &
	SENDER_PIDS+=("$!")
	ip netns exec "$NS_S" "$HBB" send -f "$FIFO_PRIO" 10.77.0.103 \
		"$USER_PORT" $(($1 * 1000)) &
	SENDER_PIDS+=("$!")
}

stop_senders()
{
	local p

	for p in "${SENDER_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	SENDER_PIDS=()
}

# load_cmd LOAD SECONDS: the command of a load, printed one word a line.
load_cmd()
{
	local t=$2 n4=$((4 * NCPU))

	if [ "$1" = idle ]; then
		printf '%s\n' sleep "$t"
		return 0
	fi
	case $1 in
	cpu) printf '%s\n' stress-ng -q --cpu "$n4" --timeout "${t}s" ;;
	cpu-n20) printf '%s\n' nice -n -20 stress-ng -q --cpu "$n4" \
		--timeout "${t}s" ;;
	vm) printf '%s\n' stress-ng -q --vm "$NCPU" --vm-bytes 80% \
		--timeout "${t}s" ;;
	io) printf '%s\n' stress-ng -q --hdd "$NCPU" --hdd-bytes 32m \
		--iomix "$NCPU" --iomix-bytes 32m --temp-path "$RAW/io" \
		--timeout "${t}s" ;;
	fifo1) printf '%s\n' taskset -c 0 chrt -f 10 stress-ng -q --cpu 1 \
		--timeout "${t}s" ;;
	fifoall) printf '%s\n' chrt -f 10 stress-ng -q --cpu "$NCPU" \
		--taskset "0-$((NCPU - 1))" --timeout "${t}s" ;;
	*) return 1 ;;
	esac
}

# cell PASS MS LOAD REP: one measured cell; appends its line to cells.jsonl.
cell()
{
	local pass=$1 ms=$2 load=$3 rep=$4 tag cmd rx m0 m1 r0 r1 probe
	local rxpid prpid

	tag=$pass-$load-$rep
	rx=$RAW/rx-$tag.txt
	mapfile -t cmd < <(load_cmd "$load" $((CELL_S + 2)))
	mkdir -p "$RAW/io"
	"${cmd[@]}" >"$RAW/load-$tag.log" 2>&1 &
	LOAD_PID=$!
	# A load settles for a second before the measurement.
	[ "$load" = idle ] || sleep 1
	ip netns exec "$NS_R" "$HBB" recv veth1 >"$rx" 2>"$RAW/rx-$tag.err" &
	rxpid=$!
	"$HBB" probe "$CELL_S" 1000 >"$RAW/probe-$tag.txt" 2>&1 &
	prpid=$!
	m0=$("$CLOCK")
	r0=$(date +%s%N)
	sleep "$CELL_S"
	m1=$("$CLOCK")
	r1=$(date +%s%N)
	kill "$rxpid"
	wait "$rxpid"
	wait "$prpid"
	probe=$(cat "$RAW/probe-$tag.txt")
	wait "$LOAD_PID"
	LOAD_PID=""
	rm -rf "$RAW/io"
	printf '{"pass":"%s","interval_ms":%s,"mult":%s,"load":"%s","rep":%s,"load_cmd":"%s","rx":"%s","mono0":%s,"mono1":%s,"real0":%s,"real1":%s,"probe":"%s","bfd":%s}\n' \
		"$pass" "$ms" "$MULT" "$load" "$rep" "${cmd[*]}" \
		"${rx##*/}" "$m0" "$m1" "$r0" "$r1" "$probe" \
		"$([ "$pass" = main ] && echo "$HAVE_BFD" || echo 0)" >>"$CELLS"
	log "cell $tag: $(wc -l <"$rx") frames; probe: $probe"
}

# run_pass PASS MS LOADS...: REPS repetitions of every load.
run_pass()
{
	local pass=$1 ms=$2 rep load

	shift 2
	for rep in $(seq 1 "$REPS"); do
		for load in "$@"; do
			cell "$pass" "$ms" "$load" "$rep"
		done
	done
}

# cuts N: N link cuts of S's veth0; cuts.txt gets "MONO_NS REAL_NS MOD
# BFD" each, MOD and BFD 1 when R's module and R's bfdd saw S up just
# before the cut (a cut of a session that flapped is not a detection).
# Returns 1 when a session did not come up again within 30 s after a cut
# (the next cuts still run).
cuts()
{
	local i out mod bfd rc=0

	: >"$RAW/cuts.txt"
	for i in $(seq 1 "$1"); do
		# A random phase of the interval.
		sleep "$(printf '0.%03d' $((RANDOM % 1000)))"
		mod=0
		bfd=0
		peer_is "$NS_R" 1 up && mod=1
		[ "$HAVE_BFD" -eq 1 ] && bfd_side_up R && bfd=1
		out=$(ip netns exec "$NS_S" "$HBB" cut veth0) || return 1
		echo "$out $mod $bfd" >>"$RAW/cuts.txt"
		# Both receivers saw it (or four detection times and 5 s went
		# by: analyze.py reports a cut nobody detected).
		busywait $((INTERVAL_MS * MULT * 4 + 5000)) cut_seen ||
			log "cut $i: no DOWN seen in R"
		sleep 0.2
		ip netns exec "$NS_S" "$HBB" up veth0 || return 1
		# After the last cut, nothing waits for bfdd's slow restart
		# (the fast pass waits for the module's pair).
		[ "$i" -lt "$1" ] || break
		"$IP" -n "$NS_S" neigh flush dev veth0 2>/dev/null
		ip netns exec "$NS_R" ping -c 1 -W 2 10.77.0.1 >/dev/null 2>&1
		if ! slowwait 30 all_up; then
			log "cut $i: not all UP again after 30 s"
			rc=1
		fi
	done
	return "$rc"
}

# cut_seen: R's module and R's bfdd both consider S down.
cut_seen()
{
	peer_is "$NS_R" 1 up && return 1
	[ "$HAVE_BFD" -eq 0 ] || ! bfd_side_up R
}

all_up()
{
	module_up || return 1
	[ "$HAVE_BFD" -eq 0 ] || bfd_up
}

# meta: what the results were measured on.
meta()
{
	printf '{"kernel":"%s","cpus":%s,"mem_kb":%s,"sched_rt_runtime_us":%s,"sched_rt_period_us":%s,"cell_s":%s,"reps":%s,"interval_ms":%s,"mult":%s,"fast_ms":"%s","loads":"%s","fast_loads":"%s","cuts":%s,"fifo_prio":%s,"bfd":%s,"stress":%s,"smoke":%s,"tz":"%s","bfdd_version":"%s","stress_ng_version":"%s","date":"%s"}\n' \
		"$(uname -r)" "$NCPU" \
		"$(awk '/MemTotal/ {print $2}' /proc/meminfo)" \
		"$(cat /proc/sys/kernel/sched_rt_runtime_us)" \
		"$(cat /proc/sys/kernel/sched_rt_period_us)" \
		"$CELL_S" "$REPS" "$INTERVAL_MS" "$MULT" "$FAST_MS" "$LOADS" \
		"$FAST_LOADS" "$CUTS" "$FIFO_PRIO" "$HAVE_BFD" "$HAVE_STRESS" \
		"$SMOKE" "$(date +%z)" \
		"$("$BFDD" -v 2>/dev/null | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -n 1)" \
		"$(stress-ng --version 2>/dev/null | sed -n 's/.*version \([^ ]*\).*/\1/p')" \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$RAW/meta.json"
}

# --- main -----------------------------------------------------------------------

tap_header
log "bench: kernel $(uname -r), $NCPU CPUs, cells of $CELL_S s x $REPS, loads: $LOADS"

missing=0
for t in "$IP" jq "$HBB" "$CLOCK" "$PYTHON3" modprobe insmod; do
	require_cmd "$t" || missing=1
done
if [ "$missing" -ne 0 ]; then
	tap_missing "bench: tools (hb_bench, hb_clock, ip, jq, python3)" \
		"a tool is missing (make -C selftests?)"
	tap_finish
	exit $?
fi
if [ -x "$BFDD" ] && command -v vtysh >/dev/null && id frr >/dev/null 2>&1; then
	HAVE_BFD=1
else
	tap_missing "bench: bfdd (frr)" "$BFDD, vtysh or user frr missing"
fi
if command -v stress-ng >/dev/null; then
	HAVE_STRESS=1
elif [ "$LOADS" != idle ]; then
	tap_missing "bench: stress-ng for the loads" "stress-ng missing"
	LOADS=idle
	FAST_LOADS=idle
fi

# selftests/protocol.sh runs the smoke mode after its own tests, with the
# module loaded: keep it.
rc=0
[ -e /sys/module/heartbeat ] || load_module >/dev/null || rc=$?
if [ "$rc" -ne 0 ]; then
	tap_result "$rc" "bench: load heartbeat.ko"
	tap_finish
	exit $?
fi
if ! setup_net; then
	tap_fail "bench: namespaces S and R, one veth pair"
	tap_finish
	exit $?
fi
log "bench: namespaces at ${SECONDS} s"
# bfdd's sessions come up (at one frame a second until both sides are up)
# while the module's pair does.
if [ "$HAVE_BFD" -eq 1 ] && ! start_bfd; then
	tap_fail "bench: start bfdd in S and R"
	HAVE_BFD=0
fi
if ! setup_module; then
	tap_fail "bench: heartbeat pair at $INTERVAL_MS ms x $MULT UP"
	tap_finish
	exit $?
fi
log "bench: module pair UP at ${SECONDS} s"
if [ "$HAVE_BFD" -eq 1 ] && ! wait_bfd; then
	tail -n 20 "${BFDDIR[R]:-/nonexistent}/bfdd.log" 2>/dev/null | sed 's/^/#   /'
	tap_fail "bench: bfdd session at $INTERVAL_MS ms x $MULT UP"
	HAVE_BFD=0
fi
meta
log "bench: setup done at ${SECONDS} s"

start_senders "$INTERVAL_MS"
# shellcheck disable=SC2086 # lists of loads
run_pass main "$INTERVAL_MS" $LOADS
if [ "$CUTS" -gt 0 ]; then
	cuts "$CUTS" ||
		tap_fail "bench: link cuts: every session UP again after each (see the log)"
	log "bench: $CUTS cuts done at ${SECONDS} s"
fi
if [ -n "$FAST_MS" ]; then
	stop_senders
	# bfdd stays at 10 ms: stop it, the fast pass is the module's.
	stop_bfd
	if set_module_interval "$FAST_MS"; then
		start_senders "$FAST_MS"
		# shellcheck disable=SC2086
		run_pass fast "$FAST_MS" $FAST_LOADS
	else
		tap_fail "bench: heartbeat pair at $FAST_MS ms x $MULT UP"
	fi
fi
stop_senders
stop_monitor R
stop_monitor S
if [ "$HAVE_BFD" -eq 1 ]; then
	cp "${BFDDIR[R]}/bfdd.log" "$RAW/bfdd-R.log"
	cp "${BFDDIR[S]}/bfdd.log" "$RAW/bfdd-S.log"
fi
hb "$NS_R" -j show >"$RAW/show-R.json" 2>&1

if [ "$SMOKE" -eq 0 ]; then
	tap_ok "bench: raw results in $RAW"
	tap_finish
	exit $?
fi

# --- smoke checks -----------------------------------------------------------------

# Every sender's frames arrived: at least a quarter of what the cell
# allows (a guest on a busy host loses whole stretches of time; a sender
# that the harness does not see has none).
want_n=$((CELL_S * 1000 / INTERVAL_MS / 4))
rx=$RAW/rx-main-idle-1.txt
bad=""
counts=""
for a in 10.77.0.101 10.77.0.102 10.77.0.103 $([ "$HAVE_BFD" -eq 1 ] && echo 10.77.0.104); do
	n=$(awk -v a="$a" '$1 == a' "$rx" 2>/dev/null | wc -l)
	counts+="$a:$n "
	[ "$n" -ge "$want_n" ] || bad+="$a:$n "
done
if [ -z "$bad" ]; then
	tap_ok "bench-smoke: every sender's frames received in R (${counts% }; at least $want_n each)"
else
	tap_fail "bench-smoke: every sender's frames received in R (too few: ${bad% }; want $want_n)"
fi

# The module pair raised no DOWN during the idle cell.
read -r m0 m1 < <(jq -r '"\(.mono0) \(.mono1)"' "$CELLS" | head -n 1)
downs=0
for s in R S; do
	d=$(jq -c --argjson a "$m0" --argjson b "$m1" \
		'select(.event == "state" and .state == "down" and .time_ns >= $a and .time_ns <= $b)' \
		"$RAW/monitor-$s.jsonl" 2>/dev/null | wc -l)
	downs=$((downs + d))
done
tap_result $((downs == 0 ? 0 : 1)) "bench-smoke: no DOWN of the module pair while idle at $INTERVAL_MS ms x $MULT ($downs)"

# analyze.py turns the raw data into a JSON that parses and holds the cell
# and the cuts.
if "$PYTHON3" "$BENCH/analyze.py" "$OUT" >"$RAW/analyze.log" 2>&1 &&
	jq -e '.cells | length == 1' "$OUT/results.json" >/dev/null &&
	jq -e '.cells[0].senders.module.frames > 0 and .cells[0].senders.user.gap_dev_us.p99 >= 0' \
		"$OUT/results.json" >/dev/null; then
	tap_ok "bench-smoke: analyze.py writes results.json (parses, one cell, figures for each sender) and the table"
	sed 's/^/# /' "$OUT/table.md"
else
	sed 's/^/#   /' "$RAW/analyze.log" | tail -n 20
	tap_fail "bench-smoke: analyze.py writes results.json (parses, one cell, figures for each sender)"
fi
if [ "$CUTS" -gt 0 ]; then
	n=$(jq -r '"\(.cuts.module.detected // 0) \(.cuts.bfdd.detected // 0)"' "$OUT/results.json" 2>/dev/null)
	read -r nm nb <<<"$n"
	[ "$HAVE_BFD" -eq 1 ] || nb=$CUTS
	tap_result $(( ${nm:-0} == CUTS && ${nb:-0} == CUTS ? 0 : 1 )) "bench-smoke: $CUTS link cut(s), each detected by the module (${nm:-0}) and bfdd (${nb:-0})"
fi
tap_finish
