#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scale of one node (issue 10, "Scale"): one heartbeat node holds many
# static peers, all answered by hb_peeremu.  Runs as root inside the QEMU
# guest started by selftests/vm.sh (it loads the module).  Prints TAP 13
# and one JSON line per scenario ("# scale {...}"); exit 0 pass, 1 fail,
# 4 skip.  Not part of `make check`: a run of 10,000 peers takes minutes.
#
#   node 10.40.0.1 (id 1, cluster 7) --- veth --- emu 10.40.1.1 .. 10.40.1.K
#                                                 peers 1001 .. 1000+N
#                                                 (peer 1000+i on address i % K)
#
# Tests:
#   1 /proc/net/heartbeat read 100 bytes at a time, with peers removed
#     between two reads (before the reader's position): every peer that
#     stayed is shown exactly once (a reader walking to its position from
#     the head skips as many as were removed)
#   2 NODE_GET's sending and watching counts follow adds and removes
#   3.. one per scenario "N:INTERVAL_MS:MULTIPLIER" of HB_SCALE (default
#     "1000:100:3 10000:100:3 1000:10:3"): N peers added with one
#     `hbctl setconf` (the time of 50 `hbctl peer add` is measured too),
#     the emulator started, and the node watched for HB_SCALE_SECONDS
#     (default 60) once every peer is UP.  Passes when every peer came UP
#     within 30 s and no DOWN happened in the sustained window.  Reported:
#       add_s, add_one_ms      time of the setconf, and of one peer add
#       up_s                   emulator start to every peer UP
#       slab_kb, slab_bytes_per_peer   Slab of /proc/meminfo before and
#                              after the peers were added (noisy below
#                              a few thousand peers), and the hb_peer
#                              slab cache's objects and object size
#       kernel_ns_per_frame    system + softirq time of /proc/stat in the
#                              window per frame sent and received by the
#                              node: an upper bound of the module's, as
#                              it includes the UDP and veth stack on both
#                              ends and the emulator's system time
#                              (emu_sys_ms, given apart)
#       tx, rx, lost, dropped  the node's counters in the window
#       udp_rcvbuf_errors      UDP receive buffer drops in both namespaces
#       emu_received           the node's frames the emulator got
#       downs                  DOWN transitions in the window (false DOWNs)
#
# Environment: HBCTL, HB_MODULE, HB_BIN (hb_peeremu), HB_RESULTS,
# HB_SCALE (scenarios; "smoke": 200 peers at 100 ms for 5 s; "none":
# tests 1 and 2 only), HB_SCALE_SECONDS, HB_SCALE_ADDRS (K, default 100).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

HBCTL=${HBCTL:-$REPO/tools/hbctl/hbctl}
# shellcheck disable=SC2034 # load_module (lib.sh) reads it
MODULE=${HB_MODULE:-$REPO/heartbeat.ko}
BIN=${HB_BIN:-$REPO/.build/bin}
EMU=$BIN/hb_peeremu
SCENARIOS=${HB_SCALE:-"1000:100:3 10000:100:3 1000:10:3"}
SECONDS_RUN=${HB_SCALE_SECONDS:-60}
NADDRS=${HB_SCALE_ADDRS:-100}
WORK=${HB_RESULTS:-/tmp}/work-scale
rm -rf "$WORK"
mkdir -p "$WORK"

if [ "$SCENARIOS" = none ]; then
	SCENARIOS=""
elif [ "$SCENARIOS" = smoke ]; then
	SCENARIOS="200:100:3"
	SECONDS_RUN=5
fi

NS_N="" NS_E=""
EMU_PID=""

cleanup()
{
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null
	cleanup_bg
	cleanup_all_ns
}
trap cleanup EXIT

# The Slab line of /proc/meminfo, in kB.
slab_kb()
{
	awk '$1 == "Slab:" { print $2 }' /proc/meminfo
}

# "objects objsize" of the hb_peer slab cache ("0 0" if absent).
peer_objs()
{
	awk '$1 == "hb_peer" { print $2, $4; f = 1 } END { if (!f) print 0, 0 }' \
		/proc/slabinfo 2>/dev/null
}

# system + softirq jiffies of every CPU.
kernel_ticks()
{
	awk '$1 == "cpu" { print $4 + $8 }' /proc/stat
}

# Sums over the node's peers: "tx rx lost dropped up".  Read through the
# /proc of the node's monitor (MON_PID) when it runs: no process to start
# in the namespace, which costs the emulated guest a tenth of a second.
MON_PID=""
node_sums()
{
	local f=/proc/net/heartbeat pre=(ip netns exec "$NS_N")

	if [ -n "$MON_PID" ] && [ -r "/proc/$MON_PID/net/heartbeat" ]; then
		f=/proc/$MON_PID/net/heartbeat
		pre=()
	fi
	# shellcheck disable=SC2016 # awk's and the inner shell's variables
	"${pre[@]}" awk 'NR > 1 {
		tx += $8; rx += $9; lost += $10; dr += $12; up += ($4 == "up")
	} END { printf "%d %d %d %d %d\n", tx, rx, lost, dr, up }' "$f"
}

# UDP RcvbufErrors of namespace $1.
rcvbuf_errors()
{
	# shellcheck disable=SC2016 # awk's and the inner shell's variables
	ip netns exec "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]/ {
		print $6 }' /proc/net/snmp
}

setup()
{
	local i

	setup_ns NS_N NS_E || return 1
	ip link add n0 netns "$NS_N" type veth peer name e0 netns "$NS_E" ||
		return 1
	ip -n "$NS_N" addr add 10.40.0.1/16 dev n0
	ip -n "$NS_N" link set n0 up
	for ((i = 1; i <= NADDRS; i++)); do
		echo "addr add 10.40.1.$i/16 dev e0"
	done | ip -n "$NS_E" -b - || return 1
	ip -n "$NS_E" link set e0 up
	# 100,000 frames a second each way at 10,000 peers x 100 ms.
	# (not per namespace in 6.1)
	sysctl -qw net.core.rmem_default=4194304
	"$HBCTL" -n "$NS_N" node set id 1 cluster 7 port 7410 >/dev/null
}

# write_conf N FIRST INTERVAL_MS MULT FILE: a setconf file of N peers.
write_conf()
{
	awk -v n="$1" -v first="$2" -v iv="$3" -v m="$4" -v k="$NADDRS" 'BEGIN {
		print "[Node]\nId = 1\nPort = 7410\nCluster = 7"
		for (i = 0; i < n; i++)
			printf "[Peer]\nId = %d\nAddress = 10.40.1.%d\nPort = 7411\nInterval = %dms\nMultiplier = %d\n",
				first + i, 1 + i % k, iv, m
	}' > "$5"
}

# --- 1: /proc/net/heartbeat, small reads, peers removed meanwhile -----------

test_proc_cursor()
{
	local out=$WORK/proc-cursor.txt ids missing dup

	write_conf 300 5001 1000 3 "$WORK/cursor.conf"
	"$HBCTL" -n "$NS_N" setconf "$WORK/cursor.conf" >/dev/null ||
		{ tap_fail "1: setconf of 300 peers"; return; }
	# The header and about 20 peers, then peers 5001..5010 (shown
	# already) go, then the rest, all through one open file.
	# shellcheck disable=SC2016 # awk's and the inner shell's variables
	ip netns exec "$NS_N" bash -c '
		exec 3< /proc/net/heartbeat
		dd bs=100 count=20 status=none <&3
		for id in $(seq 5001 5010); do "$1" peer del "$id"; done
		dd bs=100 status=none <&3' _ "$HBCTL" > "$out" 2>&1
	ids=$(awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }' "$out" | sort -n)
	missing=$(comm -13 <(echo "$ids" | sort -u) \
		  <(seq 5011 5300 | sort) | wc -l)
	dup=$(echo "$ids" | uniq -d | wc -l)
	if [ "$missing" -eq 0 ] && [ "$dup" -eq 0 ]; then
		tap_ok "1: small reads of /proc/net/heartbeat show every remaining peer once"
	else
		tap_fail "1: small reads of /proc/net/heartbeat: $missing peers missing, $dup shown twice"
	fi
	"$HBCTL" -n "$NS_N" flush >/dev/null
	"$HBCTL" -n "$NS_N" node set id 1 cluster 7 port 7410 >/dev/null
}

# --- 2: NODE_GET's counts ------------------------------------------------------

node_counts()
{
	"$HBCTL" -n "$NS_N" -j node show |
		jq -r '"\(.sending) \(.watching) \(.peers)"'
}

test_node_counts()
{
	local id got

	for id in 7001 7002 7003 7004 7005; do
		"$HBCTL" -n "$NS_N" peer add "$id" 10.40.1.1 port 7411 \
			interval 1s >/dev/null
	done
	"$HBCTL" -n "$NS_N" peer del 7002 >/dev/null
	"$HBCTL" -n "$NS_N" peer del 7004 >/dev/null
	got=$(node_counts)
	"$HBCTL" -n "$NS_N" flush >/dev/null
	"$HBCTL" -n "$NS_N" node set id 1 cluster 7 port 7410 >/dev/null
	got="$got / $(node_counts)"
	if [ "$got" = "3 3 3 / 0 0 0" ]; then
		tap_ok "2: NODE_GET sending/watching/peers follow adds, removes and flush"
	else
		tap_fail "2: NODE_GET sending watching peers: '$got', want '3 3 3 / 0 0 0'"
	fi
}

# --- scenarios -------------------------------------------------------------------

# wait_up N DEADLINE_S: poll until N peers are UP; prints the seconds.
wait_up()
{
	local n=$1 t0 now up

	t0=$(now_ms)
	while :; do
		up=$(node_sums | awk '{ print $5 }')
		now=$(now_ms)
		[ "$up" -ge "$n" ] && break
		[ $((now - t0)) -ge $(($2 * 1000)) ] && break
		sleep 0.2
	done
	echo "$(((now - t0) / 1000)).$(((now - t0) % 1000 / 100)) $up"
}

scenario()
{
	local n=$1 iv=$2 mult=$3 tno=$4 name="$1 peers at $2 ms x $3"
	local slab0 slab1 objs t0 t1 add_ms one_ms up_s up k0 k1 e_sys
	local s0 s1 ftx frx flost fdrop rb0 rb1 downs emu_json mon_pid pass=1
	local clk objsize

	clk=$(getconf CLK_TCK)
	"$HBCTL" -n "$NS_N" flush >/dev/null
	"$HBCTL" -n "$NS_N" node set id 1 cluster 7 port 7410 >/dev/null

	# One peer add at a time, 50 of them: the time of one.
	t0=$(now_ms)
	for ((i = 0; i < 50; i++)); do
		"$HBCTL" -n "$NS_N" peer add $((900000 + i)) 10.40.1.1 \
			port 7411 interval "${iv}ms" >/dev/null || break
	done
	t1=$(now_ms)
	one_ms=$(((t1 - t0) / 50))
	"$HBCTL" -n "$NS_N" flush >/dev/null
	"$HBCTL" -n "$NS_N" node set id 1 cluster 7 port 7410 >/dev/null

	write_conf "$n" 1001 "$iv" "$mult" "$WORK/scale-$n.conf"
	sync
	echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
	slab0=$(slab_kb)
	t0=$(now_ms)
	if ! "$HBCTL" -n "$NS_N" setconf "$WORK/scale-$n.conf" \
		> "$WORK/setconf-$n.log" 2>&1; then
		tap_fail "$tno: $name: setconf failed: $(tail -1 "$WORK/setconf-$n.log")"
		return
	fi
	t1=$(now_ms)
	add_ms=$((t1 - t0))
	slab1=$(slab_kb)
	read -r objs objsize < <(peer_objs)
	log "[$name] setconf ${add_ms} ms, Slab $slab0 -> $slab1 kB, hb_peer objects $objs"

	stdbuf -oL "$HBCTL" -n "$NS_N" -j monitor \
		> "$WORK/monitor-$n-$iv.json" 2>&1 &
	mon_pid=$!
	MON_PID=$mon_pid
	bg_track "$mon_pid"
	ip netns exec "$NS_E" "$EMU" --dst 10.40.0.1 --cluster 7 \
		--first-id 1001 --count "$n" --src 10.40.1.1 \
		--naddrs "$NADDRS" --sport 7411 --dport 7410 \
		--interval-us $((iv * 1000)) --multiplier "$mult" \
		> "$WORK/emu-$n-$iv.json" 2> "$WORK/emu-$n-$iv.err" &
	EMU_PID=$!
	read -r up_s up < <(wait_up "$n" 30)
	log "[$name] $up of $n peers UP after $up_s s"
	[ "$up" -ge "$n" ] || pass=0

	: > "$WORK/monitor-$n-$iv.json.mark"
	downs=$(grep -c '"state": *"down"\|"state":"down"' \
		"$WORK/monitor-$n-$iv.json" 2>/dev/null)
	read -r s0 < <(node_sums)
	rb0=$(( $(rcvbuf_errors "$NS_N") + $(rcvbuf_errors "$NS_E") ))
	k0=$(kernel_ticks)
	e_sys=$(awk '{ print $15 }' "/proc/$EMU_PID/stat")
	sleep "$SECONDS_RUN"
	k1=$(kernel_ticks)
	e_sys=$(( $(awk '{ print $15 }' "/proc/$EMU_PID/stat") - e_sys ))
	rb1=$(( $(rcvbuf_errors "$NS_N") + $(rcvbuf_errors "$NS_E") ))
	read -r s1 < <(node_sums)
	downs=$(( $(grep -c '"state": *"down"\|"state":"down"' \
		"$WORK/monitor-$n-$iv.json" 2>/dev/null) - downs ))
	kill "$EMU_PID"
	wait "$EMU_PID" 2>/dev/null
	EMU_PID=""
	kill "$mon_pid" 2>/dev/null
	MON_PID=""

	read -r ftx frx flost fdrop _ <<< "$(awk -v a="$s0" -v b="$s1" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "%d %d %d %d\n", y[1] - x[1], y[2] - x[2], y[3] - x[3], y[4] - x[4]
	}')"
	[ "$downs" -eq 0 ] || pass=0
	emu_json=$(cat "$WORK/emu-$n-$iv.json")
	printf '# scale {"peers":%d,"interval_ms":%d,"multiplier":%d,"seconds":%d,"add_s":%d.%03d,"add_one_ms":%d,"up_s":%s,"up":%d,"slab_kb":%d,"slab_bytes_per_peer":%d,"hb_peer_objects":%d,"hb_peer_objsize":%d,"kernel_ns_per_frame":%d,"emu_sys_ms":%d,"tx":%d,"rx":%d,"lost":%d,"dropped":%d,"udp_rcvbuf_errors":%d,"downs":%d,"emu":%s}\n' \
		"$n" "$iv" "$mult" "$SECONDS_RUN" $((add_ms / 1000)) \
		$((add_ms % 1000)) "$one_ms" "$up_s" "$up" \
		$((slab1 - slab0)) $(((slab1 - slab0) * 1024 / n)) "$objs" \
		"$objsize" \
		"$(awk -v k=$((k1 - k0)) -v c="$clk" -v f=$((ftx + frx)) \
		'BEGIN { if (f > 0) printf "%d", k * 1e9 / c / f; else print 0 }')" \
		$((e_sys * 1000 / clk)) \
		"$ftx" "$frx" "$flost" "$fdrop" $((rb1 - rb0)) "$downs" \
		"${emu_json:-null}"
	if [ "$pass" = 1 ]; then
		tap_ok "$tno: $name: all UP in $up_s s, no DOWN in $SECONDS_RUN s"
	else
		tap_fail "$tno: $name: $up of $n UP in $up_s s, $downs DOWN in $SECONDS_RUN s"
	fi
}

tap_header
ntests=2
for sc in $SCENARIOS; do
	ntests=$((ntests + 1))
done
tap_plan "$ntests"

require_cmd jq || exit "$KSFT_SKIP"
if [ ! -x "$EMU" ]; then
	tap_missing "hb_peeremu (make -C selftests)"
	exit "$KSFT_SKIP"
fi
grep -q "^heartbeat " /proc/modules || load_module || exit "$KSFT_FAIL"
setup || { tap_fail "setup"; exit "$KSFT_FAIL"; }

test_proc_cursor
test_node_counts
tno=3
for sc in $SCENARIOS; do
	IFS=: read -r n iv mult <<< "$sc"
	scenario "$n" "$iv" "$mult" "$tno"
	tno=$((tno + 1))
done
tap_finish
