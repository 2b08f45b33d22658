#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile-input and fault tests of heartbeat.ko (issue 4).  Runs as root
# inside the QEMU guest started by selftests/vm.sh (it loads and unloads
# the module).  Prints TAP 13; exit 0 pass, 1 fail, 4 skip.
#
#                        +------------ sw ------------+
#                        |            br0             |
#                        |  pT   pB   pC   pF   pL ...|
#                        +--+----+----+----+----+-----+
#   T 10.30.0.1  id 1 ------+    |    |    |    |
#   B 10.30.0.2  id 2 -----------+    |    |    +---- L 10.30.0.9 id 9 (c)
#   C 10.30.0.3  id 3 ----------------+    |          and the short-lived
#   F 10.30.0.100 (peer X, id 100 of T,    |          namespaces of (c);
#     peer Y at port 7411, id 110 of R),   |          R 10.30.0.20 id 20 (f)
#     10.30.0.101 (spoofed), .102 (churn) -+
#
#   T, B, C: a mesh at 100 ms x 10 (x 5 for netem), cluster 42.  F runs
#   hb_flood and hb_inject.  S (alone, dummy0 10.98.0.1/16) takes the
#   netlink storm.  P and Q (a veth pair) beat at 1 ms through module
#   reloads.
#
# Tests:
#   (counts with HB_FULL=1; make check runs a fifth to a tenth of them)
#   a  1,000,000 malformed frames at T while the mesh beats: every class
#      counted under its drop reason exactly, every datagram accounted
#      for, no event, no state change; with authentication (hbctl key),
#      wrong MACs, unknown keys, unsigned frames and signed replays too
#   b  10,000 malformed generic netlink requests: every one refused, node,
#      peers, keys and module objects unchanged
#   c  100 module load/unload cycles and 100 netns create/destroy cycles
#      with live peers, 1,000 peer add/del while frames flow: no splat,
#      objects back to their baseline, rmmod works
#   d  netem: 20% loss both ways at 100 ms x 5 (false DOWNs within what
#      the loss allows, computed and printed), 20% at x 10 (none), the
#      neighbour entries stay REACHABLE (beats confirm them), and a peer
#      whose frames all stop is DOWN on time
#   e  permissions: every state-changing command is refused without
#      CAP_NET_ADMIN (root without it, and uid 65534), reading works
#   f  restarts: 'node set' of settings keeps T's incarnation (no
#      RESTARTED at B, C), 'node restart' takes a new one (RESTARTED);
#      R's peer Y (hb_inject) comes back with a lower incarnation once
#      DOWN, and the same lower one is stale while Y is UP; with auth a
#      lower one needs a fresh echo, a signed recording of an older,
#      higher incarnation replayed after a restart downwards is stale, and
#      a member that does not beat to Y probes it once so it can echo
#   g  cheap checks first (K, 10.30.0.7, alone): 64 KB and
#      2.4 KB datagrams from F, unsigned and signed, are dropped as
#      too_long and 40 byte ones as short, and kprobes show that none of
#      them was parsed or verified (the valid ones of the largest size
#      were); a peer announcing 60 s x 255 is DOWN within K's max-detect
#      (2 s); refused key requests come back wiped; and K's events over a
#      storm of flaps at 1 ms x 2 (50% loss) between K and F (then node 8)
#      are in sequence order, each starting from the state the one before
#      left, the last one the peer's final state
#   h  a spoofing leader's reflection (issue 11): 50 frames with 50 new
#      sender ids forged from a victim's address to a leader (W, alone on
#      a veth pair with the victim V): 32 learned, 18 counted as
#      learn_rate; at most one cluster tick per interval; the victim
#      receives at most 10,000 bytes in 10 s and no more than it sent;
#      the learned peers are forgotten after learn-age (forgotten
#      events); with auth on, unsigned frames of new senders learn nothing
#   i  forged verdicts: a leaderless ring R1..R4 (ids 21-24, 10.30.0.21-24,
#      100 ms x 10, k = 3) and G (id 25, 10.30.0.25), a member whose beats
#      hb_inject forges: G claims that the live R2 is DOWN, confirmed by
#      its monitors 23, 24 and 25, at epoch 0xffffffff, at its epoch +
#      1000 and at its epoch + 1; no node declares R2 DOWN, its epoch is
#      not pinned, the far epoch is counted (bad_epoch); then R1 really
#      dies and the others declare it DOWN
#   j  budgets and accounting (issue 11, item 7): with the module
#      parameters userns_max_peers 5 and userns_max_beats 300, uid 65534
#      in its own user and network namespace (unshare -Urn) configures a
#      node, adds 5 peers at 100 ms and is refused a sixth with a message
#      naming userns_max_peers; after one is deleted, a peer at 1 ms is
#      refused naming userns_max_beats; its node show reports the budget
#      (text and JSON); root in a namespace of the initial user namespace
#      adds 8 peers, unbounded (no budget in node show); 300 peers added
#      by a task in a new memory cgroup are charged to it (its
#      slab_unreclaimable grows by at least 300 x 256 bytes)
#   k  what a namespace costs (issue 11, lazy allocation): Slab + Percpu of
#      /proc/meminfo grow by D_on for 200 "ip netns add" with the module
#      loaded and by D_off without it; (D_on - D_off) / 200, the module's
#      share per namespace that never runs heartbeat, is under 1 KB (its
#      two /proc entries), where allocating the tables and queues in every
#      namespace cost several KB; a namespace's first node set still works
#
# Environment: HBCTL, HB_MODULE, HB_BIN, HB_RESULTS as in heartbeat.sh;
# HB_HOSTILE ("a c": only those tests), HB_SEED (PRNG seed of hb_flood and
# hb_nlstorm), HB_FULL (1: the full counts below instead of make check's
# smaller ones, in parentheses), HB_FLOOD_TOTAL (1000000; 200000),
# HB_FLOOD_PPS (0: no pacing), HB_NLSTORM (10000; 2000), HB_CYCLES (100;
# 10), HB_CHURN (1000; 100), HB_NETEM_S (60; 20: the x 5 soak, and half of
# it the x 10 soak).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

HBCTL=${HBCTL:-$REPO/tools/hbctl/hbctl}
MODULE=${HB_MODULE:-$REPO/heartbeat.ko}
BIN=${HB_BIN:-$REPO/.build/bin}
WORK=${HB_RESULTS:-/tmp}/hostile
# make check runs every code path at counts that fit its time budget;
# HB_FULL=1 runs the full counts (each HB_* below overrides its own).
if [ "${HB_FULL:-0}" = 1 ]; then
	FLOOD_TOTAL=${HB_FLOOD_TOTAL:-1000000}
	NLSTORM=${HB_NLSTORM:-10000}
	CYCLES=${HB_CYCLES:-100}
	CHURN=${HB_CHURN:-1000}
	NETEM_S=${HB_NETEM_S:-60}
else
	FLOOD_TOTAL=${HB_FLOOD_TOTAL:-200000}
	NLSTORM=${HB_NLSTORM:-2000}
	CYCLES=${HB_CYCLES:-10}
	CHURN=${HB_CHURN:-100}
	NETEM_S=${HB_NETEM_S:-20}
fi
FLOOD_PPS=${HB_FLOOD_PPS:-0}
SEED=${HB_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
CLUSTER=42
rm -rf "$WORK"
mkdir -p "$WORK"

INJECT=$BIN/hb_inject
CLOCK=$BIN/hb_clock
FLOOD=$BIN/hb_flood
NLSTORM_BIN=$BIN/hb_nlstorm

# shellcheck disable=SC2034 # read through nsof
NS_SW="" NS_T="" NS_B="" NS_C="" NS_F="" NS_S="" NS_L="" NS_P="" NS_Q=""
# shellcheck disable=SC2034
NS_R1="" NS_R2="" NS_R3="" NS_R4="" NS_G="" NS_K="" NS_W="" NS_V="" NS_J=""
NS_R=""
HAVE_MESH=0
HAVE_AUTH=0
OBJ0=""

cleanup()
{
	cleanup_bg
	cleanup_all_ns
}
trap cleanup EXIT

hostile()
{
	[ -z "${HB_HOSTILE:-}" ] || [[ " $HB_HOSTILE " == *" $1 "* ]]
}

objects()
{
	"$HBCTL" -j node show 2>/dev/null | jq -cS '.objects // empty'
}

objects_are()
{
	[ "$(objects)" = "$1" ]
}

drops_json()
{
	hbj "$1" node show 2>/dev/null | jq -cS '.drops'
}

drops_sum()
{
	hbj "$1" node show 2>/dev/null | jq '[.drops[]] | add'
}

drops_reached()
{
	local n

	n=$(drops_sum "$1")
	[ -n "$n" ] && [ "$n" -ge "$2" ]
}

# Events in a monitor file after CLOCK_MONOTONIC time T (ns).
events_after()
{
	count_events "$1" ".time_ns > $2"
}

# A node's peers: id, state and number of state changes.
states()
{
	hbj "$1" show 2>/dev/null |
		jq -c '[.peers[] | {id, state, state_changes}] | sort_by(.id)'
}

# --- the mesh --------------------------------------------------------------------

mesh_up()
{
	nodes_all_up T B C
}

setup_mesh()
{
	local n m

	setup_switch || return 1
	add_node T 10.30.0.1 "" || return 1
	add_node B 10.30.0.2 "" || return 1
	add_node C 10.30.0.3 "" || return 1
	add_node F 10.30.0.100 "" || return 1
	qrun "$IP" -n "$NS_F" addr add 10.30.0.101/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_F" addr add 10.30.0.102/24 dev eth0 || return 1
	ID[T]=1 ID[B]=2 ID[C]=3
	for n in T B C; do
		start_monitor "$n" "$(nsof "$n")"
		run "$HBCTL" -n "$(nsof "$n")" node set \
			id "${ID[$n]}" cluster "$CLUSTER" || return 1
	done
	for n in T B C; do
		for m in T B C; do
			[ "$n" = "$m" ] && continue
			qrun "$HBCTL" -n "$(nsof "$n")" peer add \
				"${ID[$m]}" "${ADDR[$m]}" interval 100ms \
				multiplier 10 || return 1
		done
	done
	if ! slowwait 20 mesh_up; then
		show_nodes T B C
		fail "the mesh T, B, C is not UP"
		return 1
	fi
	HAVE_MESH=1
}

# --- a: the flood ---------------------------------------------------------------

# Peer X (id 100) of T is F's 10.30.0.100:7410; hb_inject makes it UP with
# a full replay window: sequence numbers X_SEQ - 63 .. X_SEQ of X_INC.
X_INC=1000
X_SEQ=0

prime_x()
{
	local rx0 rx1 key=()

	[ "$HAVE_AUTH" -eq 1 ] &&
		key=(--key-file "$WORK/key7.hex" --key-id 7 --dest-id 1)
	X_SEQ=$((X_SEQ + 1000))
	rx0=$(peer_field "$NS_T" 100 rx)
	qrun "$IP" netns exec "$NS_F" "$INJECT" --src 10.30.0.100 \
		--dst 10.30.0.1 --id 100 --cluster "$CLUSTER" \
		--incarnation "$X_INC" --seq $((X_SEQ - 63)) --count 64 \
		--gap-us 500 --interval 60000000 --multiplier 10 "${key[@]}" ||
		return 1
	if ! busywait 5000 rx_grew "$NS_T" 100 "${rx0:-0}" 64; then
		rx1=$(peer_field "$NS_T" 100 rx)
		fail "T received $((rx1 - rx0)) of X's 64 priming frames"
		log "T's drops: $(drops_json "$NS_T")"
		return 1
	fi
	peer_is "$NS_T" 100 up || { fail "X is not UP on T"; return 1; }
}

softnet_drops()
{
	local s=0 a b rest

	while read -r a b rest; do
		s=$((s + 16#$b))
	done </proc/net/softnet_stat
	echo "$s"
}

# Datagrams lost before reaching the module, as counters: softnet backlog
# drops (all CPUs), drops on every veth and bridge port on the way, UDP
# errors in T.  Printed as "name=value ...".
net_counters()
{
	local udp

	udp=$("$IP" netns exec "$NS_T" cat /proc/net/snmp |
		awk '/^Udp:/ { if (h) { print "udp_in_errors=" $4 " udp_rcvbuf_errors=" $6 " udp_noports=" $3 }; h = 1 }')
	printf 'softnet=%s %s t_rx=%s pt_tx=%s pf_rx=%s f_tx=%s\n' \
		"$(softnet_drops)" "$udp" \
		"$("$IP" -n "$NS_T" -j -s link show eth0 | jq '.[0].stats64.rx.dropped')" \
		"$("$IP" -n "$NS_SW" -j -s link show pT | jq '.[0].stats64.tx.dropped')" \
		"$("$IP" -n "$NS_SW" -j -s link show pF | jq '.[0].stats64.rx.dropped')" \
		"$("$IP" -n "$NS_F" -j -s link show eth0 | jq '.[0].stats64.tx.dropped')"
}

# The sum of the counters of net_counters but udp_noports.
net_lost()
{
	net_counters | tr ' ' '\n' | grep -v noports |
		awk -F= '{ s += $2 } END { print s + 0 }'
}

FLOOD_SENT=0
FLOOD_LOST=0
FLOOD_SECS=0
FLOOD_STALL=0

# flood_phase NAME CLASSES [hb_flood args]: one hb_flood run at T with
# CLASSES ("class:count,..."), which checks T's drop counters after each
# class (--check-netns); one TAP line per class.  Sets FLOOD_STALL (us).
flood_phase()
{
	local phase=$1 classes=$2 out=$WORK/flood-$1.out err=$WORK/flood-$1.err
	local n0 n1 rc=0 seed=$((SEED + ${#1})) cls sent secs rate res details
	local ok=0

	shift 2
	n0=$(net_lost)
	log "[$NS_F] hb_flood --class $classes --seed $seed $*"
	"$IP" netns exec "$NS_F" "$FLOOD" --dst 10.30.0.1 --spoof 10.30.0.101 \
		--node-id 1 --cluster "$CLUSTER" --peers 2,3,100 \
		--peer-src 10.30.0.100 --peer-id 100 --peer-inc "$X_INC" \
		--peer-seq "$X_SEQ" --class "$classes" --seed "$seed" \
		--pps "$FLOOD_PPS" --check-netns "/run/netns/$NS_T" \
		--stall-probe "$@" >"$out" 2>"$err" || rc=$?
	n1=$(net_lost)
	head -n 20 "$err" | sed 's/^/#   /'
	while read -r cls sent secs rate; do
		res=$(awk -v c="$cls" '$1 == "check" && $2 == c { print $3 }' "$out")
		details=$(awk -v c="$cls" '$1 == "check" && $2 == c {
			$1 = $2 = $3 = ""; sub(/^ +/, ""); print }' "$out")
		FLOOD_SENT=$((FLOOD_SENT + sent))
		FLOOD_SECS=$(awk -v a="$FLOOD_SECS" -v b="$secs" 'BEGIN { print a + b }')
		if [ "$res" = ok ]; then
			tap_ok "a: $cls: $sent datagrams at $rate/s, counted exactly: $details"
			ok=$((ok + 1))
		else
			tap_fail "a: $cls: $sent datagrams at $rate/s, counted exactly: ${details:-no check}"
		fi
	done < <(awk '$1 == "class" { print $2, $3, $4, $5 }' "$out")
	FLOOD_STALL=$(awk '$1 == "stall" { print $2 }' "$out")
	FLOOD_LOST=$((FLOOD_LOST + n1 - n0))
	log "$phase: $(grep -E '^(sent|disagree|stall) ' "$out" | tr '\n' ' '); lost before the module $((n1 - n0))"
	if [ "$rc" -ne 0 ] && [ "$ok" -eq 0 ]; then
		tap_fail "a: $phase: hb_flood exit $rc"
	fi
	[ "$(awk '$1 == "disagree" { print $2 }' "$out")" = 0 ] ||
		tap_fail "a: $phase: the frame parser agrees with every class's intended drop reason"
	return "$rc"
}

# "tx rx lost" of B and C towards T: what they sent, what T accepted, the
# sequence numbers T missed.
valid_counts()
{
	local n

	for n in B C; do
		printf '%s %s %s ' "$(peer_field "$(nsof "$n")" 1 tx)" \
			"$(peer_field "$NS_T" "${ID[$n]}" rx)" \
			"$(peer_field "$NS_T" "${ID[$n]}" lost)"
	done
}

# Every node's peers keep their state, no event anywhere since T0, and
# every frame B and C sent to T since the counts V0 (valid_counts) was
# accepted: T missed none of their sequence numbers.
# flood_clean_since T0 STATES0 COUNTS0: after a flood phase, no event, no
# state change, the mesh UP and every genuine frame of B and C accepted.
# When the only fault is DOWN events (and the UP events and states that
# follow them), each explained by a guest stall over its missing frames
# (FLOOD_GAPS, lib.sh's stall_explains), FLOOD_TIMING=1: the emulator, not
# the flood.  Anything else, a tx/rx mismatch, a missed sequence number or
# another event, is FLOOD_TIMING=0, whatever the stalls.
FLOOD_TIMING=0
FLOOD_GAPS=""
flood_clean_since()
{
	local t0=$1 st0=$2 n ev bad=0 other=0 v0 v1 i dtx drx dlost downs un

	FLOOD_TIMING=0
	downs=$WORK/flood-downs.json
	: >"$downs"
	for n in T B C; do
		ev=$(events_after "${MON[$n]}" "$t0")
		if [ "$ev" -ne 0 ]; then
			log "node $n: $ev events during the flood:"
			jq -cR "fromjson? | select(.time_ns > $t0)" "${MON[$n]}" |
				head -n 5 | sed 's/^/#   /'
			bad=1
			jq -cR "fromjson? | select(.time_ns > $t0 and
				.event == \"state\" and .state == \"down\")" \
				"${MON[$n]}" >>"$downs"
			[ "$(jq -cR "fromjson? | select(.time_ns > $t0 and
				.event != \"state\")" "${MON[$n]}" | wc -l)" -eq 0 ] ||
				other=1
		fi
	done
	if [ "$(states "$NS_T")$(states "$NS_B")$(states "$NS_C")" != "$st0" ]; then
		log "states before: $st0"
		log "states after:  $(states "$NS_T")$(states "$NS_B")$(states "$NS_C")"
		bad=1
	fi
	mesh_up || { show_nodes T B C; bad=1; }
	read -ra v0 <<<"$3"
	read -ra v1 <<<"$(valid_counts)"
	for i in 0 3; do
		n=$([ "$i" = 0 ] && echo B || echo C)
		dtx=$((v1[i] - v0[i]))
		drx=$((v1[i + 1] - v0[i + 1]))
		dlost=$((v1[i + 2] - v0[i + 2]))
		log "$n -> T meanwhile: sent $dtx, accepted $drx, missed $dlost"
		# The counters are read a few hundred ms apart (hbctl in the
		# emulator): sent and accepted may differ by the frames of that
		# skew; a sequence number T missed may not.
		if [ "$dlost" -ne 0 ] || [ "$drx" -le 0 ] ||
		   [ $((dtx - drx)) -gt 30 ] || [ $((drx - dtx)) -gt 30 ]; then
			log "$n -> T: frames lost or not accepted"
			bad=1
			other=1
		fi
	done
	if [ "$bad" -eq 1 ] && [ "$other" -eq 0 ] && [ -s "$downs" ] &&
	   [ -n "$FLOOD_GAPS" ]; then
		un=$(stall_explains "$FLOOD_GAPS" 1000000 false <"$downs" | wc -l)
		log "$(wc -l <"$downs") DOWN events, $un not explained by a guest stall over their missing frames; stalls (end ns, length us, CPU):"
		sed 's/^/#   /' "$FLOOD_GAPS"
		[ "$un" -eq 0 ] && FLOOD_TIMING=1
	fi
	return "$bad"
}

have_hbctl_keys()
{
	"$HBCTL" --help 2>&1 | grep -q 'key add'
}

# Every node of the mesh gets key 7 as its primary key, then requires it.
setup_auth()
{
	local n

	head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$WORK/key7.hex"
	chmod 600 "$WORK/key7.hex"
	for n in T B C; do
		run "$HBCTL" -n "$(nsof "$n")" key add 7 file \
			"$WORK/key7.hex" primary || return 1
	done
	for n in T B C; do
		run "$HBCTL" -n "$(nsof "$n")" node set auth on ||
			return 1
	done
	HAVE_AUTH=1
	# Everybody signs and requires: still UP, and the next frames of
	# every peer are verified.
	sleep 1
	slowwait 10 mesh_up || { show_nodes T B C; return 1; }
	log "T: $(hbj "$NS_T" node show | jq -c '{auth, keys, primary_key, drops: (.drops | with_entries(select(.value > 0)))}')"
}

# flood_verdict DESC T0 STATES VALID: the TAP line for "no event, no state
# change" since T0; a guest stall of half the detection time (1 s) or more
# makes a failure a skip: the emulator, not the frames, stopped the timers.
flood_verdict()
{
	local desc=$1

	if flood_clean_since "$2" "$3" "$4"; then
		tap_ok "$desc (longest guest stall ${FLOOD_STALL:-?} us)"
	elif [ "$FLOOD_TIMING" -eq 1 ]; then
		tap_skip "$desc" "only DOWN events, each after a guest stall of half the detection time over its missing frames: emulation, not the frames"
	else
		tap_fail "$desc (longest guest stall ${FLOOD_STALL:-?} us)"
		return 1
	fi
}

# The flood classes and their share of HB_FLOOD_TOTAL, per mille.
FLOOD_PLAIN="random:150 truncate:100 magic:35 version:35 flags:35 length:35
tlv:35 members:40 verdicts:40 field:35 cluster:35 unknown:35 self:35 spoof:35
replay:35 mutate:150"
FLOOD_AUTH="unauth:20 nokey:20 badmac:30 authspoof:20 authreplay:20 mutate:25"

# class:count,... for a list of class:share
flood_classes()
{
	local item out=""

	for item in $1; do
		out="$out${out:+,}${item%:*}:$((FLOOD_TOTAL * ${item#*:} / 1000))"
	done
	echo "$out"
}

test_flood()
{
	local item t0 st0 v0 rc=0 gpid

	require_cmd "$FLOOD" "$INJECT" || return "$KSFT_SKIP"
	setup_injector || return 1
	prime_x || return 1
	st0="$(states "$NS_T")$(states "$NS_B")$(states "$NS_C")"
	v0=$(valid_counts)
	log "flood: $FLOOD_TOTAL datagrams in all, seed $SEED; net counters $(net_counters)"
	# Every guest stall of 100 ms or more while the flood runs.
	FLOOD_GAPS=$WORK/flood-gaps.txt
	STALL_BG=1 stall_log "$FLOOD_GAPS" 7200 100
	gpid=$STALL_PID
	t0=$(mono_ns)
	flood_phase plain "$(flood_classes "$FLOOD_PLAIN")" || rc=1
	flood_verdict "a: after $FLOOD_SENT malformed datagrams: no event, no state change, the mesh is UP, every frame of B and C accepted" \
		"$t0" "$st0" "$v0" || rc=1

	if ! have_hbctl_keys; then
		for item in $FLOOD_AUTH; do
			tap_skip "a: ${item%:*} (authenticated frames)" \
				"hbctl has no 'key' command yet"
		done
	elif ! af_alg_ok; then
		for item in $FLOOD_AUTH; do
			tap_skip "a: ${item%:*} (authenticated frames)" \
				"this kernel has no AF_ALG sockets (CONFIG_CRYPTO_USER_API_HASH): hb_flood and hb_inject cannot sign"
		done
	elif ! setup_auth || ! prime_x; then
		tap_fail "a: keys and authentication on the mesh (setup)"
		rc=1
	else
		st0="$(states "$NS_T")$(states "$NS_B")$(states "$NS_C")"
		v0=$(valid_counts)
		t0=$(mono_ns)
		flood_phase auth "$(flood_classes "$FLOOD_AUTH")" \
			--key-file "$WORK/key7.hex" --key-id 7 --auth-required ||
			rc=1
		flood_verdict "a: authenticated mesh after the forged frames: no event, no state change, UP, every frame of B and C accepted" \
			"$t0" "$st0" "$v0" || rc=1
	fi
	kill "$gpid" 2>/dev/null
	log "flood: $FLOOD_SENT datagrams in $FLOOD_SECS s of sending; lost before the module: $FLOOD_LOST"
	log "net counters at the end: $(net_counters)"
	if [ "$FLOOD_LOST" -eq 0 ]; then
		tap_ok "a: all $FLOOD_SENT datagrams reached the module and were counted (no socket, backlog or device drop)"
	else
		tap_fail "a: all $FLOOD_SENT datagrams reached the module ($FLOOD_LOST dropped on the way: pace with HB_FLOOD_PPS)"
		rc=1
	fi
	return "$rc"
}

# af_alg_ok: the kernel's hmac(sha256) can be reached through AF_ALG.
# hb_inject keys its transform while it reads its options, and exits with
# status 4 when there is no AF_ALG (then 2 here: no destination given).
af_alg_ok()
{
	printf '%064d' 0 >"$WORK/probe.hex"
	"$INJECT" --key-file "$WORK/probe.hex" >/dev/null 2>&1
	[ $? -ne "$KSFT_SKIP" ]
}

setup_injector()
{
	# T knows F's first address as peer X (100).
	peer_field "$NS_T" 100 id >/dev/null 2>&1 && [ -n "$(peer_field "$NS_T" 100 id)" ] &&
		return 0
	run "$HBCTL" -n "$NS_T" peer add 100 10.30.0.100 \
		interval 1s multiplier 10
}

# --- b: the netlink storm -------------------------------------------------------

# The configuration and state of namespace S that a refused request must
# leave alone (counters that move on their own are left out).
storm_snapshot()
{
	{
		hbj "$NS_S" node show | jqb -cS 'del(.drops, .objects)'
		hbj "$NS_S" show | jqb -cS '[.peers[] | {id, address,
			port, state, interval_us, multiplier, state_changes,
			origin, roles}] | sort_by(.id)'
		if [ "$HAVE_KEYS_CMD" -eq 1 ]; then
			hbj "$NS_S" key show 2>&1 | jq -cS '[.[]? | del(.rx, .tx)]' 2>&1
		fi
	} 2>&1
}

storm_peers_down()
{
	hbj "$NS_S" show | jq -e '[.peers[] | select(.state == "down")] |
		length == 2' >/dev/null
}

HAVE_KEYS_CMD=0

test_nlstorm()
{
	local before after obj0 obj1 out=$WORK/nlstorm.out keyarg=() objs

	require_cmd "$NLSTORM_BIN" || return "$KSFT_SKIP"
	objs=$(objects)
	setup_ns NS_S || return 1
	qrun "$IP" -n "$NS_S" link add dummy0 type dummy || return 1
	qrun "$IP" -n "$NS_S" addr add 10.98.0.1/16 dev dummy0 || return 1
	qrun "$IP" -n "$NS_S" link set dummy0 up || return 1
	run "$HBCTL" -n "$NS_S" node set id 1 cluster 7 || return 1
	run "$HBCTL" -n "$NS_S" peer add 2 10.98.0.2 || return 1
	run "$HBCTL" -n "$NS_S" peer add 3 10.98.0.3 interval 1s ||
		return 1
	if have_hbctl_keys; then
		head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' \
			>"$WORK/key5.hex"
		chmod 600 "$WORK/key5.hex"
		run "$HBCTL" -n "$NS_S" key add 5 file \
			"$WORK/key5.hex" || return 1
		HAVE_KEYS_CMD=1
		keyarg=(--key 5)
	else
		log "hbctl has no key command: the storm leaves key requests out"
	fi
	# Nothing answers at 10.98.0.2 and .3: both peers go DOWN after their
	# detection time (300 ms and 3 s).  Snapshot S once they have, so that
	# only the storm could change what is compared.
	slowwait 15 storm_peers_down ||
		{ fail "the peers of S did not go DOWN"; return 1; }
	before=$(storm_snapshot)
	obj0=$(objects)
	log "S before: $before"
	log "[$NS_S] hb_nlstorm --count $NLSTORM --seed $SEED"
	"$IP" netns exec "$NS_S" "$NLSTORM_BIN" --node-id 1 --peer 2 \
		"${keyarg[@]}" --count "$NLSTORM" --seed "$SEED" \
		>"$out" 2>"$WORK/nlstorm.err"
	local rc=$?
	sed 's/^/#   /' "$out"
	head -n 40 "$WORK/nlstorm.err" | sed 's/^/#   /'
	after=$(storm_snapshot)
	obj1=$(objects)
	if [ "$rc" -ne 0 ]; then
		tap_fail "b: $NLSTORM malformed requests: each refused ($(tail -n 1 "$out"))"
	else
		tap_ok "b: $NLSTORM malformed requests over $(grep -c '^case' "$out") cases: each refused with an error"
	fi
	if [ "$before" != "$after" ] || [ -z "$before" ]; then
		log "S after: $after"
		tap_fail "b: node, peers and keys of S unchanged by the storm"
	else
		tap_ok "b: node, peers and keys of S unchanged by the storm"
	fi
	if [ "$obj0" != "$obj1" ] || [ -z "$obj0" ]; then
		tap_fail "b: module objects unchanged by the storm ($obj0 -> $obj1)"
	else
		tap_ok "b: module objects unchanged by the storm ($obj1)"
	fi
	# A namespace is torn down asynchronously: wait for S to be gone,
	# so that the next test starts from settled counters.
	cleanup_ns "$NS_S"
	if slowwait 30 objects_are "$objs"; then
		tap_ok "b: S deleted: objects back to $objs"
	else
		tap_fail "b: S deleted: objects back to $objs (now $(objects))"
	fi
}

# --- c: cycles and churn ------------------------------------------------------------

# P and Q: a veth pair, each a node beating to the other at 1 ms; returns
# once P received a frame from Q.
# shellcheck disable=SC2016 # the sh -c scripts expand their own arguments
pair_config()
{
	"$HBCTL" -n "$NS_Q" node set id 2 >/dev/null &&
	"$HBCTL" -n "$NS_Q" peer add 1 10.20.0.1 interval 1ms \
		>/dev/null &&
	"$IP" netns exec "$NS_P" sh -c '
		"$1" node set id 1 >/dev/null &&
		"$1" peer add 2 10.20.0.2 interval 1ms >/dev/null || exit 1
		for t in $(seq 40); do
			grep -q "^2 .* up " /proc/net/heartbeat && exit 0
			sleep 0.05
		done
		exit 1' sh "$HBCTL"
}

test_reload_cycles()
{
	local i fails=0 t0 t1 obj heard=0

	setup_ns NS_P NS_Q || return 1
	qrun "$IP" link add eth0 netns "$NS_P" type veth peer name eth0 \
		netns "$NS_Q" || return 1
	qrun "$IP" -n "$NS_P" addr add 10.20.0.1/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_Q" addr add 10.20.0.2/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_P" link set eth0 up || return 1
	qrun "$IP" -n "$NS_Q" link set eth0 up || return 1
	dmesg_mark reload
	# The mesh and every monitor hold module references through their
	# namespaces' sockets only: rmmod must work with them all live.
	t0=$(now_ms)
	for ((i = 1; i <= CYCLES; i++)); do
		if [ ! -e /sys/module/heartbeat ] &&
		   ! qrun insmod "$MODULE"; then
			fails=$((fails + 1))
			break
		fi
		pair_config && heard=$((heard + 1))
		if ! qrun rmmod heartbeat; then
			fails=$((fails + 1))
			break
		fi
	done
	t1=$(now_ms)
	[ -e /sys/module/heartbeat ] || run insmod "$MODULE" || return 1
	obj=$(objects)
	log "$CYCLES cycles in $((t1 - t0)) ms; P saw Q UP in $heard of them; $fails failures; objects now $obj"
	[ "$fails" -eq 0 ] || { fail "$fails cycles failed"; return 1; }
	[ "$heard" -eq "$CYCLES" ] || { fail "P saw Q UP in only $heard cycles"; return 1; }
	if [ "$(jq -c '{peers, sockets}' <<<"$obj")" != '{"peers":0,"sockets":0}' ]; then
		fail "objects after the cycles: $obj, want no peer and no socket"
		return 1
	fi
	dmesg_clean_since reload
}

# A namespace N that beats to L and to a peer that does not exist, and that
# L beats to; returns once N hears L and L hears N.  Few processes: under
# emulation each one costs tens of milliseconds.
# shellcheck disable=SC2016 # the sh -c scripts expand their own arguments
ns_cycle()
{
	local i=$1
	local ns="hb-cyc$i-$$" a=10.31.$((i / 200)).$((i % 200 + 10))
	local id=$((1000 + i))

	"$IP" -b - <<-EOF || return 1
		netns add $ns
		link add eth0 netns $ns type veth peer name pc$i netns $NS_SW
	EOF
	NS_LIST+=("$ns")
	"$IP" -n "$NS_SW" link set "pc$i" master br0 up || return 1
	"$IP" -n "$ns" -b - <<-EOF || return 1
		link set lo up
		addr add $a/16 dev eth0
		link set eth0 up
	EOF
	"$HBCTL" -n "$NS_L" peer add "$id" "$a" interval 10ms \
		>/dev/null || return 1
	# N: node, L and a peer that never answers; then wait for L.
	"$IP" netns exec "$ns" sh -c '
		"$1" node set id "$2" cluster 77 >/dev/null &&
		"$1" peer add 9 10.31.255.9 interval 10ms >/dev/null &&
		"$1" peer add 8 10.31.255.8 interval 10ms >/dev/null || exit 1
		for t in $(seq 60); do
			grep -q "^9 .* up " /proc/net/heartbeat && exit 0
			sleep 0.05
		done
		exit 1' sh "$HBCTL" "$id" || return 1
	"$IP" netns exec "$NS_L" sh -c '
		for t in $(seq 60); do
			grep -q "^$1 .* up " /proc/net/heartbeat && exit 0
			sleep 0.05
		done
		exit 1' sh "$id" || return 1
	# Deleted with its peers live; L forgets it.
	cleanup_ns "$ns"
	"$HBCTL" -n "$NS_L" peer del "$id"
}

test_netns_cycles()
{
	local i fails=0 t0 t1 obj0 obj

	setup_ns NS_L || return 1
	qrun "$IP" link add eth0 netns "$NS_L" type veth peer name pL \
		netns "$NS_SW" || return 1
	qrun "$IP" -n "$NS_SW" link set pL master br0 up || return 1
	qrun "$IP" -n "$NS_L" addr add 10.31.255.9/16 dev eth0 || return 1
	qrun "$IP" -n "$NS_L" link set eth0 up || return 1
	run "$HBCTL" -n "$NS_L" node set id 9 cluster 77 ||
		return 1
	obj0=$(objects)
	log "objects with L alone: $obj0"
	dmesg_mark netns-cycles
	t0=$(now_ms)
	for ((i = 1; i <= CYCLES; i++)); do
		if ! ns_cycle "$i"; then
			fails=$((fails + 1))
			log "cycle $i failed"
			[ "$fails" -ge 5 ] && break
		fi
	done
	t1=$(now_ms)
	log "$CYCLES namespace cycles in $((t1 - t0)) ms, $fails failed"
	if ! slowwait 30 objects_are "$obj0"; then
		fail "objects $(objects), want $obj0 once every namespace is gone"
		return 1
	fi
	log "objects back to $obj0"
	[ "$fails" -eq 0 ] || { fail "$fails cycles failed"; return 1; }
	dmesg_clean_since netns-cycles
}

# T adds and deletes peer 500 (F's 10.30.0.102, 1 ms) while F sends frames
# as node 500 every 100 us and the mesh beats.
test_churn()
{
	local inj obj0 obj1 t0 out=$WORK/churn.out rc=0

	require_cmd "$NLSTORM_BIN" "$INJECT" || return "$KSFT_SKIP"
	obj0=$(objects)
	dmesg_mark churn
	t0=$(mono_ns)
	"$IP" netns exec "$NS_F" "$INJECT" --src 10.30.0.102 --dst 10.30.0.1 \
		--id 500 --cluster "$CLUSTER" --count 100000000 --gap-us 100 \
		--interval 1000 --multiplier 50 >/dev/null 2>&1 &
	inj=$!
	bg_track "$inj"
	log "[$NS_T] hb_nlstorm --churn $CHURN: peer 500 add/del while F sends as 500"
	"$IP" netns exec "$NS_T" "$NLSTORM_BIN" --node-id 1 --peer 2 \
		--churn "$CHURN" --churn-id 500 --churn-addr 10.30.0.102 \
		>"$out" 2>&1 || rc=$?
	kill "$inj" 2>/dev/null
	wait "$inj" 2>/dev/null
	sed 's/^/#   /' "$out" | tail -n 5
	obj1=$(objects)
	log "objects $obj0 -> $obj1; drops of T $(drops_json "$NS_T")"
	[ "$rc" -eq 0 ] || { fail "hb_nlstorm --churn exit $rc"; return 1; }
	[ -z "$(peer_field "$NS_T" 500 id)" ] || { fail "peer 500 left behind"; return 1; }
	[ "$obj0" = "$obj1" ] || { fail "objects $obj0 -> $obj1"; return 1; }
	if [ "$(count_events "${MON[T]}" ".time_ns > $t0 and .peer != 500")" -ne 0 ] ||
	   [ "$(count_events "${MON[B]}" ".time_ns > $t0")" -ne 0 ] ||
	   [ "$(count_events "${MON[C]}" ".time_ns > $t0")" -ne 0 ] ||
	   ! mesh_up; then
		fail "the mesh saw events or is not UP"
		return 1
	fi
	dmesg_clean_since churn
}

# --- d: netem -------------------------------------------------------------------------

netem_all()
{
	local n

	for n in T B C; do
		qrun "$IP" netns exec "$(nsof "$n")" tc qdisc replace dev eth0 \
			root netem "$@" || return 1
	done
}

netem_off()
{
	local n

	for n in T B C; do
		"$IP" netns exec "$(nsof "$n")" tc qdisc del dev eth0 root \
			2>/dev/null
	done
	return 0
}

mesh_timing()
{
	local n m

	for n in T B C; do
		for m in T B C; do
			[ "$n" = "$m" ] && continue
			qrun "$HBCTL" -n "$(nsof "$n")" peer set \
				"${ID[$m]}" interval "$1" multiplier "$2" || return 1
		done
	done
	for n in T B C; do
		slowwait 10 mesh_announces "$n" "$(hb_us "$1")" "$2" || return 1
	done
}

mesh_announces()
{
	hbj "$(nsof "$1")" show 2>/dev/null |
		jq -e --argjson us "$2" --argjson m "$3" \
		'all(.peers[] | select(.id <= 3); .remote_interval_us == $us and
		 .remote_multiplier == $m)' >/dev/null
}

# sum over the mesh's six directed links of a peer field
mesh_sum()
{
	local n s=0 v

	for n in T B C; do
		v=$(hbj "$(nsof "$n")" show | jq "[.peers[] | select(.id <= 3) | .$1] | add")
		s=$((s + v))
	done
	echo "$s"
}

netem_drops()
{
	local n s=0 v

	for n in T B C; do
		v=$("$IP" netns exec "$(nsof "$n")" tc -s qdisc show dev eth0 |
			sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -n 1)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

# soak_netem LOSS MULT SECONDS: sets SOAK_DOWN (DOWN events), SOAK_STALL_US
# (the longest stall of any guest CPU), SOAK_EXPLAINED (DOWN events that
# a stall explains, see lib.sh's stall_explains), SOAK_LOSS (frames lost / sent,
# percent) and SOAK_FRAMES (frames sent on the six links while the loss was
# on).
SOAK_DOWN=0
SOAK_EXPLAINED=0
SOAK_STALL_US=0
SOAK_FRAMES=0
soak_netem()
{
	local loss=$1 mult=$2 secs=$3 t0 t1 rx0 lost0 rx1 lost1 drops0 drops1
	local n gaps=$WORK/gaps-$2.txt downs=$WORK/downs-$2.json npids nfail

	mesh_timing 100ms "$mult" || { fail "cannot set 100ms x $mult"; return 1; }
	slowwait 10 mesh_up || return 1
	netem_all loss "$loss%" || { fail "tc netem loss $loss%"; return 1; }
	rx0=$(mesh_sum rx)
	lost0=$(mesh_sum lost)
	drops0=$(netem_drops)
	# Neighbour (ARP) state changes of each node while the loss is on:
	# the loss hits ARP too, and a DOWN that follows a neighbour entry
	# going FAILED or INCOMPLETE is the network's doing, shown as such.
	npids=()
	for n in T B C; do
		"$IP" netns exec "$(nsof "$n")" "$IP" -ts monitor neigh \
			>"$WORK/neigh-$mult-$n.txt" 2>&1 &
		npids+=($!)
		bg_track $!
	done
	t0=$(mono_ns)
	# Every stall of a guest CPU of 100 ms or more, as it happens (a
	# SCHED_FIFO probe pinned to each CPU).
	stall_log "$gaps" "$secs" 100
	t1=$(mono_ns)
	kill "${npids[@]}" 2>/dev/null
	wait "${npids[@]}" 2>/dev/null
	rx1=$(mesh_sum rx)
	lost1=$(mesh_sum lost)
	drops1=$(netem_drops)
	netem_off
	SOAK_STALL_US=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$gaps")
	: >"$downs"
	for n in T B C; do
		jq -cR --arg node "$n" "fromjson? | select(.event == \"state\" and
			.state == \"down\" and .peer <= 3 and .time_ns > $t0 and
			.time_ns < $t1) | {node: \$node, peer, time_ns, detect_us}" \
			"${MON[$n]}" >>"$downs" 2>/dev/null
	done
	SOAK_DOWN=$(wc -l <"$downs")
	SOAK_EXPLAINED=$(stall_explains "$gaps" $((mult * 100000)) true \
		<"$downs" | wc -l)
	if [ "$SOAK_DOWN" -gt 0 ]; then
		log "DOWN events (node, peer, time, detection time) and the guest CPU stalls of 100 ms or more (end, length, CPU):"
		sed 's/^/#   /' "$downs" "$gaps"
		for n in T B C; do
			log "node $n: neighbour changes during the soak (wall clock; DOWN times above are monotonic, now $(mono_ns) ns = $(date +%T.%N)):"
			grep -v -e REACHABLE -e '^\s*$' "$WORK/neigh-$mult-$n.txt" |
				sed 's/^/#   /'
		done
	fi
	nfail=$(cat "$WORK"/neigh-"$mult"-?.txt | grep -c -E 'FAILED|INCOMPLETE')
	log "$loss% x $mult for $secs s: neighbour entries FAILED or INCOMPLETE $nfail times, PROBE $(cat "$WORK"/neigh-"$mult"-?.txt | grep -c PROBE) times; frames received $((rx1 - rx0)), lost (sequence gaps) $((lost1 - lost0)), netem dropped $((drops1 - drops0)) (all six links); DOWN events $SOAK_DOWN, $SOAK_EXPLAINED of them after a guest stall; $(stall_text)"
	SOAK_FRAMES=$((rx1 - rx0 + lost1 - lost0))
	SOAK_LOSS=$(awk -v r=$((rx1 - rx0)) -v l=$((lost1 - lost0)) \
		'BEGIN { if (r + l) printf "%.1f", 100 * l / (r + l); else print 0 }')
	slowwait 10 mesh_up
}

stall_text()
{
	if [ "$SOAK_STALL_US" -gt 0 ]; then
		echo "longest stall of a guest CPU $SOAK_STALL_US us"
	else
		echo "no guest CPU stalled for 100 ms or more"
	fi
}

# expected_downs P MULT FRAMES: the mean number of false DOWNs among
# FRAMES frames (all links) at independent loss P and multiplier MULT:
# each received frame starts a run of k lost frames with probability
# (1 - p) p^k.  With a detection time of MULT intervals, a DOWN needs the
# MULT - 1 frames after the last received one lost, and the MULTth lost
# too, or late (it is due exactly at the deadline): k between MULT - 1 and
# MULT.  Prints "low high P0": k = MULT, k = MULT - 1, and the chance of
# no false DOWN at all under the higher rate, exp(-high).
expected_downs()
{
	awk -v p="$1" -v m="$2" -v n="$3" 'BEGIN {
		lo = n * (1 - p) * p ^ m; hi = n * (1 - p) * p ^ (m - 1)
		printf "%.3f %.3f %.3f\n", lo, hi, exp(-hi)
	}'
}

# The smallest k with P(X >= k) < 1e-4 for X ~ Poisson(lambda).
poisson_bound()
{
	awk -v l="$1" 'BEGIN {
		t = exp(-l); c = t; k = 0
		while (1 - c >= 1e-4) { k++; t *= l / k; c += t }
		print k + 1
	}'
}

test_netem()
{
	local lo hi p0 bound rc=0 tb ta ev t detect lo_ms hi_ms desc n

	require_cmd tc || return "$KSFT_SKIP"
	if ! modprobe sch_netem 2>/dev/null && [ ! -e /sys/module/sch_netem ]; then
		tap_missing "d: netem" "sch_netem cannot be loaded"
		return 0
	fi
	read -r lo hi p0 < <(expected_downs 0.2 5 $((6 * NETEM_S * 10)))
	log "20% loss both ways, 100 ms x 5 (detection 500 ms), ${NETEM_S}s over 6 directed links: about $((6 * NETEM_S * 10)) frames; expected false DOWNs between $lo (5 losses in a row) and $hi (4 in a row and the 5th at the deadline); the chance of none at all is only $p0: 'no false DOWN' is not something 20%/x5 can promise, the math allows a few"
	soak_netem 20 5 "$NETEM_S" || { tap_fail "d: 20% loss x 5 (setup)"; return 1; }
	read -r lo hi p0 < <(expected_downs 0.2 5 "$SOAK_FRAMES")
	bound=$(poisson_bound "$hi")
	log "with the $SOAK_FRAMES frames actually sent under loss: expected $lo..$hi false DOWNs; asserting at most $bound (P < 1e-4 under the higher rate)"
	desc="d: 20% loss both ways, 100 ms x 5, ${NETEM_S}s: $SOAK_DOWN false DOWNs (expected $lo..$hi, at most $bound), measured loss $SOAK_LOSS%"
	if awk -v l="$SOAK_LOSS" 'BEGIN { exit !(l < 15 || l > 25) }'; then
		tap_fail "$desc: the measured loss is not about 20%"
		rc=1
	elif [ "$SOAK_DOWN" -le "$bound" ]; then
		tap_ok "$desc"
	elif [ $((SOAK_DOWN - SOAK_EXPLAINED)) -le "$bound" ]; then
		tap_skip "$desc" "$SOAK_EXPLAINED of them follow a stall of a guest CPU of half a detection time"
	else
		tap_fail "$desc"
		rc=1
	fi

	soak_netem 20 10 $((NETEM_S / 2)) ||
		{ tap_fail "d: 20% loss x 10 (setup)"; return 1; }
	read -r lo hi p0 < <(expected_downs 0.2 10 "$SOAK_FRAMES")
	log "20% loss at 100 ms x 10, $SOAK_FRAMES frames: expected false DOWNs $lo..$hi, none with probability $p0: none asserted"
	desc="d: 20% loss both ways, 100 ms x 10, $((NETEM_S / 2))s: $SOAK_DOWN false DOWNs (expected $hi at most), measured loss $SOAK_LOSS%"
	if [ "$SOAK_DOWN" -eq 0 ]; then
		tap_ok "$desc"
	elif [ "$SOAK_EXPLAINED" -eq "$SOAK_DOWN" ]; then
		tap_skip "$desc" "each follows a stall of a guest CPU of half a detection time"
	else
		tap_fail "$desc"
		rc=1
	fi

	# Each beat that echoes a newer frame of ours confirms the neighbour
	# entry it is sent through (forward progress, as MSG_CONFIRM): the
	# mesh's entries stay REACHABLE, and the lossy link carries no ARP
	# probes, whose loss could hold frames back.  Without it, entries go
	# STALE every 15 to 45 s and are probed (about 9 times a minute here).
	desc="d: under 20% loss the mesh's neighbour entries stay REACHABLE (beats confirm them): no STALE, PROBE or FAILED in $((NETEM_S + NETEM_S / 2)) s"
	n=$(cat "$WORK"/neigh-5-?.txt "$WORK"/neigh-10-?.txt |
		grep -E '^\[[^]]*\] 10\.30\.0\.[123] ' |
		grep -c -E ' (STALE|DELAY|PROBE|FAILED|INCOMPLETE) *$')
	if [ "$n" -eq 0 ]; then
		tap_ok "$desc"
	else
		log "neighbour changes of the mesh's entries:"
		cat "$WORK"/neigh-5-?.txt "$WORK"/neigh-10-?.txt |
			grep -E '^\[[^]]*\] 10\.30\.0\.[123] ' | sed 's/^/#   /'
		tap_fail "$desc: $n changes"
		rc=1
	fi

	# 100% loss on B's egress: T and C declare B DOWN on time.
	mesh_timing 100ms 5 || return 1
	slowwait 10 mesh_up || return 1
	detect=$(peer_field "$NS_T" 2 detect_us)
	lo_ms=$(((detect - 100000) / 1000))
	hi_ms=$(((detect + 2000000) / 1000))
	tb=$(mono_ns)
	qrun "$IP" netns exec "$NS_B" tc qdisc replace dev eth0 root netem \
		loss 100% || return 1
	ta=$(mono_ns)
	for n in T C; do
		ev=$(wait_event "${MON[$n]}" \
			".event == \"state\" and .peer == 2 and .state == \"down\" and .time_ns > $tb" \
			$((hi_ms + 3000)))
		if [ -z "$ev" ]; then
			tap_fail "d: B's frames stop (100% loss): $n declares B DOWN (no event)"
			rc=1
			continue
		fi
		t=$(jqn .time_ns <<<"$ev")
		desc="d: B's frames stop (100% loss): $n declares B DOWN $(((t - ta) / 1000000))..$(((t - tb) / 1000000)) ms after the cut (detection $((detect / 1000)) ms, bounds $lo_ms..$hi_ms ms)"
		if [ $(((t - tb) / 1000000)) -lt "$lo_ms" ] ||
		   [ $(((t - ta) / 1000000)) -gt "$hi_ms" ]; then
			tap_fail "$desc"
			rc=1
		else
			tap_ok "$desc"
		fi
	done
	"$IP" netns exec "$NS_B" tc qdisc del dev eth0 root
	mesh_timing 100ms 10
	slowwait 10 mesh_up || { show_nodes T B C; tap_fail "d: B back: the mesh is UP again"; return 1; }
	tap_ok "d: B back: the mesh is UP again"
	return "$rc"
}

# --- j: budgets and memory accounting -------------------------------------------

PARAMS=/sys/module/heartbeat/parameters

# as_userns_nobody SCRIPT: sh -c SCRIPT as uid 65534 in a new user and
# network namespace (unshare -Urn), as any user of the machine can.  The
# guest of selftests/vm.sh runs its tests in a chroot, where the kernel
# refuses every new user namespace (EPERM): then step out to the root of
# PID 1 first (nsenter -r), where this file system is at /newroot, create
# the namespaces there (its programs run through the dynamic loader by
# path, relative to it), and chroot back as root of the new user
# namespace, which may.
as_userns_nobody()
{
	local r=/newroot ld lp mode rc

	if [ "$(stat -Lc %d:%i /)" = "$(stat -Lc %d:%i /proc/1/root)" ] ||
	   [ ! -d /proc/1/root$r/usr/bin ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			unshare -Urn sh -c "$1"
		return
	fi
	# Paths relative to $r; the root of PID 1 (the initramfs, made in a
	# mode 0700 directory) must be searchable for /proc/self/uid_map.
	ld=./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
	lp=./lib/x86_64-linux-gnu:./usr/lib/x86_64-linux-gnu
	mode=$(stat -Lc %a /proc/1/root)
	chmod o+x /proc/1/root/
	nsenter -t 1 -r --wd="/proc/1/root$r" -- "$ld" --library-path "$lp" \
		./usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"$ld" --library-path "$lp" ./usr/bin/unshare -Urn -- \
		"$ld" --library-path "$lp" ./usr/sbin/chroot . \
		/bin/sh -c "cd / && $1"
	rc=$?
	chmod "$mode" /proc/1/root/
	return "$rc"
}

# The script uid 65534 runs in its own user and network namespace.
budget_script()
{
	cat <<EOS
set -x
hb() { "$HBCTL" "\$@"; }
hb node set id 1 cluster 5 || exit 10
for i in 2 3 4 5 6; do
	hb peer add \$i 10.77.0.\$i interval 100ms || exit 11
done
hb peer add 7 10.77.0.7 interval 100ms && exit 12
hb peer del 6 || exit 13
hb peer add 8 10.77.0.8 interval 1ms && exit 14
hb peer add 9 10.77.0.9 interval 200ms || exit 15
hb -j node show || exit 16
hb node show || exit 17
exit 0
EOS
}

test_budget()
{
	local out=$WORK/budget.out mp mb rc ok=1 ns j cg=/sys/fs/cgroup/hb-budget
	local s0 s1 i

	require_cmd setpriv unshare nsenter || return "$KSFT_SKIP"
	mp=$(cat "$PARAMS/userns_max_peers") || { tap_fail "j: module parameter userns_max_peers"; return 1; }
	mb=$(cat "$PARAMS/userns_max_beats") || { tap_fail "j: module parameter userns_max_beats"; return 1; }
	log "module parameters: userns_max_peers $mp, userns_max_beats $mb"
	# shellcheck disable=SC2016 # expanded by the inner shell
	if ! as_userns_nobody 'test "$(id -u)" = 0' >"$out" 2>&1; then
		log "unshare -Urn as uid 65534: $(head -c 300 "$out")"
		return "$KSFT_SKIP"
	fi
	echo 5 >"$PARAMS/userns_max_peers"
	echo 300 >"$PARAMS/userns_max_beats"
	as_userns_nobody "$(budget_script)" >"$out" 2>&1
	rc=$?
	sed 's/^/#   /' "$out"
	if [ "$rc" -eq 0 ] &&
	   grep -q "peer budget of this user namespace exhausted (module parameter userns_max_peers)" "$out" &&
	   grep -q "beat budget of this user namespace exhausted (module parameter userns_max_beats)" "$out"; then
		tap_ok "j: uid 65534 in its own user+net namespace adds 5 peers, is refused a sixth (userns_max_peers) and one at 1 ms (userns_max_beats), with messages naming them"
	else
		tap_fail "j: uid 65534 in its own user+net namespace: 5 peers then refusals naming userns_max_peers and userns_max_beats (script exit $rc)"
		ok=0
	fi
	j=$(grep '^{' "$out" | head -n 1)
	if jq -e '.budget_peers == 5 and .budget_beats == 300 and .beats == 45 and .peers == 5' <<<"$j" >/dev/null 2>&1 &&
	   grep -q "^budget: *5/5 peers, 45/300 beats/s (user namespace)" "$out"; then
		tap_ok "j: its node show reports the budget: 5/5 peers, 45/300 beats/s (JSON and text)"
	else
		tap_fail "j: its node show reports the budget 5/5 peers, 45/300 beats/s: $(jq -c '{peers, beats, budget_peers, budget_beats}' <<<"$j" 2>&1)"
		ok=0
	fi

	# Root in a namespace of the initial user namespace: no budget.
	setup_ns NS_J || return 1
	ns=$NS_J
	{
		echo "node set id 1 cluster 5"
		for i in 2 3 4 5 6 7 8 9; do
			echo "peer add $i 10.77.0.$i interval 1ms"
		done
	} | qrun "$HBCTL" -n "$ns" -b -
	rc=$?
	j=$(hbj "$ns" node show)
	if [ "$rc" -eq 0 ] &&
	   jq -e '.peers == 8 and .budget_peers == null and .beats == 8000' <<<"$j" >/dev/null 2>&1; then
		tap_ok "j: root in the initial user namespace adds 8 peers at 1 ms past the budget (no budget in node show)"
	else
		tap_fail "j: root in the initial user namespace adds 8 peers at 1 ms: $(jq -c '{peers, beats, budget_peers}' <<<"$j" 2>&1)"
		ok=0
	fi
	echo "$mp" >"$PARAMS/userns_max_peers"
	echo "$mb" >"$PARAMS/userns_max_beats"

	# Accounting: 300 peers added from a new memory cgroup are its.
	if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
		mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
	fi
	if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
	   { echo +memory >/sys/fs/cgroup/cgroup.subtree_control; } 2>/dev/null &&
	   mkdir -p "$cg" && [ -e "$cg/memory.stat" ]; then
		for i in $(seq 100 399); do
			echo "peer add $i 10.78.$((i / 256)).$((i % 256)) interval 1s"
		done >"$WORK/budget-peers.batch"
		s0=$(awk '$1 == "slab_unreclaimable" { print $2 }' "$cg/memory.stat")
		sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -n "$3" -b "$4"' \
			sh "$cg" "$HBCTL" "$ns" "$WORK/budget-peers.batch" >/dev/null
		rc=$?
		s1=$(awk '$1 == "slab_unreclaimable" { print $2 }' "$cg/memory.stat")
		log "memory cgroup $cg: slab_unreclaimable $s0 -> $s1 after 300 peers (rc $rc)"
		if [ "$rc" -eq 0 ] && [ $((s1 - s0)) -ge $((300 * 256)) ]; then
			tap_ok "j: 300 peers are charged to the memory cgroup of the task that added them (slab_unreclaimable +$((s1 - s0)) bytes)"
		else
			tap_fail "j: 300 peers are charged to the memory cgroup of the task that added them (slab_unreclaimable $s0 -> $s1, rc $rc)"
			ok=0
		fi
	else
		tap_skip "j: memory accounting" "no cgroup v2 memory controller"
	fi
	cleanup_ns "$ns"
	rmdir "$cg" 2>/dev/null
	[ "$ok" -eq 1 ]
}

# --- k: what a namespace costs ------------------------------------------------------

# kB of Slab + Percpu in /proc/meminfo, after RCU callbacks ran.
slab_kb()
{
	sync
	echo 2 >/proc/sys/vm/drop_caches
	sleep 1
	awk '/^(Slab|Percpu):/ { s += $2 } END { print s }' /proc/meminfo
}

# netns_delta: kB that 200 new namespaces add to slab_kb (they are deleted
# again before it returns).
netns_delta()
{
	local b=$WORK/netns-cost.batch a0 a1 i

	: >"$b"
	for i in $(seq 1 200); do
		echo "netns add hb-cost-$i" >>"$b"
	done
	a0=$(slab_kb)
	"$IP" -b "$b" >/dev/null 2>&1 || { echo -1; return; }
	a1=$(slab_kb)
	sed 's/^netns add/netns del/' "$b" | "$IP" -force -b - >/dev/null 2>&1
	echo $((a1 - a0))
}

test_netns_cost()
{
	local on off on2 share ok=1 ns

	slab_kb >/dev/null	# warm up the caches of the first namespaces
	on=$(netns_delta)
	run rmmod heartbeat || { tap_fail "k: rmmod heartbeat"; return 1; }
	off=$(netns_delta)
	run insmod "$MODULE" || { tap_fail "k: insmod heartbeat again"; return 1; }
	on2=$(netns_delta)
	# The smaller of two runs with the module: noise only adds.
	[ "$on2" -lt "$on" ] && on=$on2
	share=$(((on - off) * 1024 / 200))
	log "200 namespaces: +$on kB with the module, +$off kB without: $share bytes of the module's per namespace"
	if [ "$on" -ge 0 ] && [ "$off" -gt 0 ] && [ "$share" -lt 1024 ]; then
		tap_ok "k: 200 namespaces cost +$on kB of slab with the module, +$off kB without: the module's share is $share bytes per namespace (< 1 KB)"
	else
		tap_fail "k: 200 namespaces cost +$on kB of slab with the module, +$off kB without: the module's share is $share bytes per namespace, want < 1 KB"
		ok=0
	fi
	setup_ns NS_J || return 1
	ns=$NS_J
	if qrun "$HBCTL" -n "$ns" node set id 1 &&
	   qrun "$HBCTL" -n "$ns" peer add 2 10.77.0.2 &&
	   [ "$(hbj "$ns" node show | jq '.peers')" = 1 ]; then
		tap_ok "k: a new namespace's first node set allocates what it needs: a peer can be added"
	else
		tap_fail "k: a new namespace's first node set allocates what it needs: a peer can be added"
		ok=0
	fi
	cleanup_ns "$ns"
	[ "$ok" -eq 1 ]
}

# --- e: permissions -------------------------------------------------------------------

# as_nocap / as_nobody: root without CAP_NET_ADMIN (nor any capability), and
# uid 65534 without any.
# shellcheck disable=SC2034 # used through namerefs (refused, allowed)
NOCAP=(setpriv --inh-caps=-all --bounding-set=-all)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all
	--bounding-set=-all)

perm_snapshot()
{
	hbj "$NS_T" node show | jqb -cS 'del(.drops, .objects, .event_seq)'
	hbj "$NS_T" show | jq -cS '[.peers[] | {id, address, port,
		interval_us, multiplier}] | sort_by(.id)'
	[ "$HAVE_KEYS_CMD" -eq 1 ] && hbj "$NS_T" key show | jq -cS '[.[]? | del(.rx, .tx)]'
}

# refused WHO DESC ARGS...: hbctl ARGS as WHO in T exits 1 with a message
# naming the missing permission (test_permissions checks that nothing
# changed, once for all of them).
refused()
{
	local who=$1 desc=$2 rc=0 err
	local -n pre=$1

	shift 2
	"$IP" netns exec "$NS_T" "${pre[@]}" "$HBCTL" "$@" \
		<"$WORK/key9.hex" >"$WORK/perm.out" 2>"$WORK/perm.err" || rc=$?
	err=$(head -c 300 "$WORK/perm.err" | tr '\n' ' ')
	desc="e: $desc as $who: hbctl $*"
	if [ "$rc" -ne 1 ]; then
		tap_fail "$desc: exit $rc, want 1 ($err)"
		return 1
	fi
	if ! grep -qiE 'not permitted|permission|EPERM|CAP_NET_ADMIN' "$WORK/perm.err"; then
		tap_fail "$desc: the message names the permission ($err)"
		return 1
	fi
	tap_ok "$desc: refused (\"$err\")"
}

# allowed WHO DESC CMD...: CMD as WHO in T succeeds with output.
allowed()
{
	local who=$1 desc=$2 rc=0
	local -n pre2=$1

	shift 2
	"$IP" netns exec "$NS_T" "${pre2[@]}" "$@" >"$WORK/perm.out" \
		2>"$WORK/perm.err" || rc=$?
	if [ "$rc" -ne 0 ] || [ ! -s "$WORK/perm.out" ]; then
		log "stderr: $(head -c 300 "$WORK/perm.err")"
		tap_fail "e: $desc as $who (exit $rc)"
		return 1
	fi
	tap_ok "e: $desc as $who"
}

test_permissions()
{
	local who ev t0 pid mon before after i

	require_cmd setpriv || return "$KSFT_SKIP"
	have_hbctl_keys && HAVE_KEYS_CMD=1
	head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$WORK/key9.hex"
	chmod 600 "$WORK/key9.hex"
	# heartbeat.sh (test 5) covers uid 65534 for peer add, peer del and
	# node set, and hbctl show; here: every command, for both callers.
	for who in NOCAP NOBODY; do
		before=$(perm_snapshot 2>&1)
		refused "$who" "node set" node set id 1 cluster "$CLUSTER" port 7411
		refused "$who" "node set (cluster mode)" node set mode leaderless
		refused "$who" "peer add" peer add 9 10.30.0.9
		refused "$who" "peer set" peer set 2 interval 200ms
		refused "$who" "peer del" peer del 2
		if [ "$HAVE_KEYS_CMD" -eq 1 ]; then
			refused "$who" "key add" key add 9 file -
			refused "$who" "key primary" key primary 7
			refused "$who" "key del" key del 7
			refused "$who" "key show (secret material: privileged)" key show
			refused "$who" "node set auth off" node set auth off
		fi
		after=$(perm_snapshot 2>&1)
		if [ "$before" = "$after" ] && [ -n "$before" ]; then
			tap_ok "e: node, peers and keys of T unchanged by the refused commands of $who"
		else
			log "before: $before"
			log "after:  $after"
			tap_fail "e: node, peers and keys of T unchanged by the refused commands of $who"
		fi
		allowed "$who" "hbctl node show" "$HBCTL" -j node show
		allowed "$who" "hbctl show" "$HBCTL" show
		allowed "$who" "hbctl show peer 2" "$HBCTL" -j show peer 2
		allowed "$who" "cat /proc/net/heartbeat" cat /proc/net/heartbeat
	done
	if [ "$HAVE_KEYS_CMD" -eq 0 ]; then
		tap_skip "e: key add/primary/del refused without CAP_NET_ADMIN" \
			"hbctl has no 'key' command yet"
	fi
	# hbctl monitor as uid 65534 in B sees the RESTARTED of T.
	mon=$WORK/monitor-nobody.jsonl
	"$IP" netns exec "$NS_B" "${NOBODY[@]}" "$HBCTL" -j monitor >"$mon" \
		2>"$WORK/monitor-nobody.err" &
	pid=$!
	bg_track "$pid"
	# Nothing tells when the monitor has joined the group (a loaded
	# guest can take seconds to start it): restart T until one event
	# arrives, at most five times.
	ev=
	for i in 1 2 3 4 5; do
		t0=$(mono_ns)
		run "$HBCTL" -n "$NS_T" node restart
		ev=$(wait_event "$mon" ".event == \"restarted\" and .peer == 1 and .time_ns > $t0" 2000)
		[ -n "$ev" ] && break
		log "no event in the monitor of NOBODY after restart $i"
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -n "$ev" ]; then
		tap_ok "e: hbctl monitor as NOBODY receives events ($ev)"
	else
		log "stderr: $(head -c 300 "$WORK/monitor-nobody.err")"
		tap_fail "e: hbctl monitor as NOBODY receives events"
	fi
}

# --- f: restarts ------------------------------------------------------------------

# T changes settings: no RESTARTED at B or C, incarnation kept; then
# 'hbctl node restart': a new incarnation, RESTARTED at B.
test_settings_restart()
{
	local inc0 inc1 inc2 t0 rx0 n ev rc=0 old

	old=$(hbj "$NS_T" node show | jq -r '"monitors \(.monitors) interval \(.interval_us)us multiplier \(.multiplier) learn-limit \(.learn_limit)"')
	inc0=$(node_field "$NS_T" incarnation)
	rx0=$(peer_field "$NS_B" 1 rx)
	t0=$(mono_ns)
	run "$HBCTL" -n "$NS_T" node set monitors 4 interval 200ms \
		multiplier 5 learn-limit 100 || rc=1
	inc1=$(node_field "$NS_T" incarnation)
	# Five frames of T reach B after the change: it would have seen a
	# new incarnation in the first one.
	busywait 10000 rx_grew "$NS_B" 1 "${rx0:-0}" 5 || rc=1
	n=$(( $(count_events "${MON[B]}" ".event == \"restarted\" and .peer == 1 and .time_ns > $t0") +
	      $(count_events "${MON[C]}" ".event == \"restarted\" and .peer == 1 and .time_ns > $t0") ))
	# shellcheck disable=SC2086 # keyword value pairs
	run "$HBCTL" -n "$NS_T" node set $old || rc=1
	if [ "$rc" -eq 0 ] && [ "$inc1" = "$inc0" ] && [ "$n" -eq 0 ]; then
		tap_ok "f: node set monitors/interval/multiplier/learn-limit on T keeps incarnation $inc0, no RESTARTED at B or C"
	else
		log "T's incarnation $inc0 -> $inc1, RESTARTED events at B and C: $n"
		tap_fail "f: node set monitors/interval/multiplier/learn-limit on T keeps its incarnation, no RESTARTED at B or C"
		rc=1
	fi

	t0=$(mono_ns)
	run "$HBCTL" -n "$NS_T" node restart || rc=1
	inc2=$(node_field "$NS_T" incarnation)
	ev=$(wait_event "${MON[B]}" ".event == \"restarted\" and .peer == 1 and .time_ns > $t0" 5000)
	if [ -n "$inc2" ] && [ "$inc2" -gt "${inc1:-0}" ] &&
	   [ "$(jq -r '.incarnation // empty' <<<"$ev")" = "$inc2" ]; then
		tap_ok "f: hbctl node restart: T's incarnation $inc1 -> $inc2, B raises RESTARTED with it"
	else
		log "T's incarnation $inc1 -> $inc2; B's event: ${ev:-none}"
		tap_fail "f: hbctl node restart: a new incarnation, B raises RESTARTED with it"
		rc=1
	fi
	return "$rc"
}

# Peer Y (id 110) of R is F's 10.30.0.100:7411, played by hb_inject; it
# announces 250 ms x 4 (a 1 s detection time), and 500 ms x 4 while it
# beats in the background (a guest stall must not make it DOWN then).
Y_ID=110
Y_KEY=()
Y_PID=""

# y_send INC [hb_inject options]: frames of Y with incarnation INC to R.
y_send()
{
	local inc=$1

	shift
	"$IP" netns exec "$NS_F" "$INJECT" --src 10.30.0.100 --sport 7411 \
		--dst 10.30.0.20 --id "$Y_ID" --cluster "$CLUSTER" \
		--incarnation "$inc" --interval 250000 --multiplier 4 \
		"${Y_KEY[@]}" "$@"
}

# y_stream INC: Y beats at incarnation INC, every 100 ms for at most 20 s,
# in the background; Y_PID is hb_inject itself (ip netns exec execs it).
y_stream()
{
	"$IP" netns exec "$NS_F" "$INJECT" --src 10.30.0.100 --sport 7411 \
		--dst 10.30.0.20 --id "$Y_ID" --cluster "$CLUSTER" \
		--incarnation "$1" --interval 500000 --multiplier 4 \
		--seq 1 --count 200 --gap-us 100000 >/dev/null 2>&1 &
	Y_PID=$!
	bg_track "$Y_PID"
}

y_stream_stop()
{
	kill "$Y_PID" 2>/dev/null
	wait "$Y_PID" 2>/dev/null
}

# y_is STATE INC: Y is in STATE at R with remote incarnation INC.
y_is()
{
	peer_is "$NS_R" "$Y_ID" "$1" &&
		[ "$(peer_field "$NS_R" "$Y_ID" remote_incarnation)" = "$2" ]
}

# y_back INC T0: R raised RESTARTED for Y with incarnation INC after T0 and
# holds it (events: Y may be DOWN again by the time a slow guest looks).
y_back()
{
	has_event "${MON[R]}" ".event == \"restarted\" and .peer == $Y_ID and .incarnation == $1 and .time_ns > $2" &&
		[ "$(peer_field "$NS_R" "$Y_ID" remote_incarnation)" = "$1" ]
}

# stale_grew N0: R counted a stale frame since it counted N0.
stale_grew()
{
	[ "$(drop_count "$NS_R" stale)" -gt "$1" ]
}

y_state()
{
	log "R's peer Y: $(hbj "$NS_R" show peer "$Y_ID" 2>&1 | jq -c '{state, remote_incarnation, rx, dropped}' 2>&1), drops $(drops_json "$NS_R")"
}

# The clock-behind restart, without and then with authentication.
test_restart_lower()
{
	local s0 t0 out tx0 tx1 rc=0

	add_node R 10.30.0.20 "" || return 2
	start_monitor R "$NS_R"
	run "$HBCTL" -n "$NS_R" node set id 20 cluster "$CLUSTER" || return 2
	run "$HBCTL" -n "$NS_R" peer add "$Y_ID" 10.30.0.100 port 7411 \
		interval 200ms multiplier 10 || return 2

	# Y alive at incarnation 5000 (a frame every 100 ms for up to 20 s);
	# its restart "back in time" to 4000 is refused while it lives.
	y_stream 5000
	busywait 10000 y_is up 5000 || { y_state; y_stream_stop; return 2; }
	s0=$(drop_count "$NS_R" stale)
	qrun y_send 4000 --seq 1 || { y_stream_stop; return 2; }
	if busywait 5000 stale_grew "$s0" && y_is up 5000; then
		tap_ok "f: a lower incarnation (4000) from Y while it is UP (5000) is stale: no hijack of a live peer"
	else
		y_state
		tap_fail "f: a lower incarnation (4000) from Y while it is UP (5000) is stale"
		rc=1
	fi
	y_stream_stop
	# Y goes silent; once DOWN, the same incarnation 4000 is a restart.
	slowwait 15 peer_is "$NS_R" "$Y_ID" down || { y_state; return 2; }
	t0=$(mono_ns)
	qrun y_send 4000 --seq 1 || return 2
	if busywait 5000 y_back 4000 "$t0"; then
		tap_ok "f: once DOWN, Y comes back UP with the lower incarnation 4000 (RESTARTED)"
	else
		y_state
		tap_fail "f: once DOWN, Y comes back UP with the lower incarnation 4000 (RESTARTED)"
		rc=1
	fi

	if ! have_hbctl_keys || ! af_alg_ok; then
		tap_skip "f: restarts with authentication" "no 'hbctl key' or no AF_ALG"
		return "$rc"
	fi
	head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$WORK/keyR.hex"
	chmod 600 "$WORK/keyR.hex"
	run "$HBCTL" -n "$NS_R" key add 7 file "$WORK/keyR.hex" primary &&
		run "$HBCTL" -n "$NS_R" node set auth on || return 2
	Y_KEY=(--key-file "$WORK/keyR.hex" --key-id 7 --dest-id 20)
	# A signed restart upwards (6000), recorded: its timestamp is fixed
	# so that the very same frame can be sent again.
	REC_TS=$(mono_ns)
	qrun y_send 6000 --seq 1 --timestamp "$REC_TS" || return 2
	busywait 5000 y_back 6000 "$REC_TS" || { y_state; return 2; }
	slowwait 15 peer_is "$NS_R" "$Y_ID" down || { y_state; return 2; }
	# Lower and signed, but no proof that it is fresh: stale.
	s0=$(drop_count "$NS_R" stale)
	qrun y_send 3500 --seq 1 || return 2
	if busywait 3000 stale_grew "$s0" && y_is down 6000; then
		tap_ok "f: auth: a signed lower incarnation (3500) without an echo of R's frames is stale, Y stays DOWN"
	else
		y_state
		tap_fail "f: auth: a signed lower incarnation (3500) without an echo of R's frames is stale, Y stays DOWN"
		rc=1
	fi
	# The same, echoing a frame R just sent to Y: back UP.
	t0=$(mono_ns)
	out=$(y_send 3500 --seq 2 --echo-recv 5000 2>&1)
	log "hb_inject: $(tr '\n' ' ' <<<"$out")"
	if busywait 5000 y_back 3500 "$t0"; then
		tap_ok "f: auth: incarnation 3500 echoing R's last frame ($(grep '^echo' <<<"$out")) brings Y back UP"
	else
		y_state
		tap_fail "f: auth: incarnation 3500 echoing R's last frame brings Y back UP"
		rc=1
	fi
	# Y silent again: the recorded frame of 6000 is higher than 3500,
	# but Y had it before: a replay, stale.
	slowwait 15 peer_is "$NS_R" "$Y_ID" down || { y_state; return 2; }
	s0=$(drop_count "$NS_R" stale)
	qrun y_send 6000 --seq 1 --timestamp "$REC_TS" || return 2
	if busywait 3000 stale_grew "$s0" && y_is down 3500; then
		tap_ok "f: auth: the recorded signed frame of incarnation 6000, replayed once Y is DOWN at 3500, is stale: Y stays DOWN"
	else
		y_state
		tap_fail "f: auth: the recorded signed frame of incarnation 6000, replayed once Y is DOWN at 3500, is stale: Y stays DOWN"
		rc=1
	fi

	# R as a member (of leader 99, never heard: R stays a member) beats
	# to nobody but 99, so a restarted Y has nothing of R's to echo:
	# its first frame gets one probe from R, and its echo of the probe
	# brings it back.
	run "$HBCTL" -n "$NS_R" peer add 99 10.30.0.100 port 7413 \
		interval 60s multiplier 255 &&
		run "$HBCTL" -n "$NS_R" node set mode member leader 99 ||
		return 2
	tx0=$(peer_field "$NS_R" "$Y_ID" tx)
	t0=$(mono_ns)
	out=$(y_send 2500 --seq 1 --knock --echo-recv 5000 2>&1)
	log "hb_inject: $(tr '\n' ' ' <<<"$out")"
	tx1=$(peer_field "$NS_R" "$Y_ID" tx)
	if busywait 5000 y_back 2500 "$t0" && [ "$tx1" -eq $((tx0 + 1)) ]; then
		tap_ok "f: auth: a member that does not beat to Y sends it one probe (tx $tx0 -> $tx1) on its restart (2500), Y echoes it and is back"
	else
		y_state
		tap_fail "f: auth: a member that does not beat to Y sends it one probe (tx $tx0 -> $tx1) on its restart (2500), Y echoes it and is back"
		rc=1
	fi
	return "$rc"
}

# --- g: cheap checks first, bounded detection, wiped keys, event order ----------

# K (10.30.0.7, id 7) is alone on the switch: nothing beats to it, so the
# kprobes below count only what F sends it.  Then F becomes node 8, and
# F and K flap at 1 ms x 2 for the event order check.
G_ID=7
G_TRACE=""
G_PROBES=0

# g_probes_on: a kprobe on hb_frame_parse() for datagrams over 2,000
# bytes and one on hb_auth_verify() for signed frames over 2,000 bytes
# (the linearized datagram is parsed, then verified: no parse, no copy).
g_probes_on()
{
	G_TRACE=$(tracefs_dir) || return 1
	[ -w "$G_TRACE/kprobe_events" ] || return 1
	{
		echo 'p:hbg_parse heartbeat:hb_frame_parse len=%si:u64' &&
		echo 'p:hbg_verify heartbeat:hb_auth_verify fl=+0(%dx):u8 flen=+2(%dx):u16'
	} >>"$G_TRACE/kprobe_events" 2>"$WORK/g-kprobe.err" || return 1
	G_PROBES=1
	echo 'len > 2000' >"$G_TRACE/events/kprobes/hbg_parse/filter" &&
	echo 'flen > 2000 && fl == 1' \
		>"$G_TRACE/events/kprobes/hbg_verify/filter" &&
	: >"$G_TRACE/trace" &&
	echo 1 >"$G_TRACE/events/kprobes/hbg_parse/enable" &&
	echo 1 >"$G_TRACE/events/kprobes/hbg_verify/enable"
}

g_probes_off()
{
	[ "$G_PROBES" -eq 1 ] || return 0
	echo 0 >"$G_TRACE/events/kprobes/hbg_parse/enable"
	echo 0 >"$G_TRACE/events/kprobes/hbg_verify/enable"
	echo '-:hbg_parse' >>"$G_TRACE/kprobe_events"
	echo '-:hbg_verify' >>"$G_TRACE/kprobe_events"
	G_PROBES=0
}

# g_hits NAME: hits of kprobe NAME so far.
g_hits()
{
	grep -c " $1: " "$G_TRACE/trace"
}

# g_send ARGS...: hb_inject from X's address to K as peer 100, in F.
g_send()
{
	qrun "$IP" netns exec "$NS_F" "$INJECT" --src 10.30.0.100 \
		--dst 10.30.0.7 --id 100 --cluster "$CLUSTER" --gap-us 2000 "$@"
}

# g_udp_in: UDP datagrams K's stack handed to a socket (the module's
# encap_rcv included), from its /proc/net/snmp.
g_udp_in()
{
	ns_proc "$NS_K" snmp || return 1
	awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InDatagrams") c = i; h = 1 } else print $c }' <<<"$NS_TEXT"
}

test_sizes()
{
	local d0 d1 u0 u1 p v n probes=1 k inj

	head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$WORK/keyg.hex"
	chmod 600 "$WORK/keyg.hex"
	run "$HBCTL" -n "$NS_K" key add 7 file "$WORK/keyg.hex" || return 1
	k="--key-file $WORK/keyg.hex --key-id 7 --dest-id $G_ID"
	if ! g_probes_on; then
		log "kprobes: $(cat "$WORK/g-kprobe.err" 2>/dev/null)"
		g_probes_off
		probes=0
	fi
	d0=$(drops_json "$NS_K")
	u0=$(g_udp_in)
	# 64 KB and 2.4 KB datagrams (hdr.length covers the padding: they
	# parse as frames with empty TLVs), unsigned and signed, and 40 byte
	# ones; then 3 + 3 frames of 2,284 bytes (72 of header, padding, and
	# the 36 of the trailer when signed), the largest size that is valid,
	# which must be parsed and verified.  One process in
	# F: each "ip netns exec" costs the emulated guest a second.
	inj="$INJECT --src 10.30.0.100 --dst 10.30.0.7 --id 100 --cluster $CLUSTER --gap-us 2000"
	qrun "$IP" netns exec "$NS_F" sh -c "
		$inj --seq 1 --count 5 --pad 65000 &&
		$inj --seq 10 --count 5 --pad 2400 &&
		$inj --seq 20 --count 5 --pad 65000 $k &&
		$inj --seq 30 --count 5 --pad 2300 $k &&
		$inj --seq 40 --count 5 --truncate 40 &&
		$inj --seq 50 --count 3 --pad 2212 &&
		$inj --seq 60 --count 3 --pad 2176 $k" || {
		fail "g: hb_inject failed"
		return 1
	}
	# 31 datagrams; a 64 KB one is 45 fragments, and the emulated
	# guest may lose one: what reached K's socket is counted below.
	slowwait 3 g_drops_reached "$d0" 31
	d1=$(drops_json "$NS_K")
	u1=$(g_udp_in)
	n=$((u1 - u0))
	log "K's drops before: $d0"
	log "K's drops after:  $d1"
	log "K's UDP InDatagrams: $u0 -> $u1 (31 sent)"
	v=$(jq -rn --argjson a "$d0" --argjson b "$d1" \
		'[$b | to_entries[] | select(.value != $a[.key]) |
		  "\(.key)+\(.value - $a[.key])"] | join(" ")')
	[ "$v" = "short+5 too_long+$((n - 11)) unknown_peer+6" ] &&
		[ "$n" -ge 25 ]
	tap_result $? "g: 64 KB and 2.4 KB datagrams, unsigned and signed, dropped as too_long, 40 byte ones as short, valid ones of the largest size accepted (drops: $v; $n of 31 datagrams arrived)"
	if [ "$probes" -eq 0 ]; then
		tap_missing "g: no parse or MAC of an oversized datagram (kprobes)" \
			"no kprobe on heartbeat's functions through tracefs"
	else
		p=$(g_hits hbg_parse)
		v=$(g_hits hbg_verify)
		g_probes_off
		[ "$p" -eq 6 ] && [ "$v" -eq 3 ]
		tap_result $? "g: hb_frame_parse() ran for the 6 valid large frames only, hb_auth_verify() for the 3 signed ones only: no oversized one was parsed or verified (kprobe hits: $p parse, $v verify; want 6 and 3)"
	fi
	qrun "$HBCTL" -n "$NS_K" key del 7
}

# g_drops_reached DROPS0 N: K dropped N more datagrams than DROPS0 says.
g_drops_reached()
{
	drops_reached "$NS_K" "$(($(jq '[.[]] | add' <<<"$1") + $2))"
}

# A peer announcing 60 s x 255 is DOWN within K's max-detect (2 s).
test_max_detect()
{
	local t0 ev d a rc=0

	# From F's second address: F's first becomes node 8 below.
	run "$HBCTL" -n "$NS_K" peer add 100 10.30.0.101 interval 100ms \
		multiplier 10 || return 1
	g_send --seq 100 --count 3 --gap-us 100000 --src 10.30.0.101 \
		--interval 60000000 --multiplier 255 || return 1
	t0=$(mono_ns)
	if ! busywait 5000 peer_is "$NS_K" 100 up; then
		fail "g: peer 100 is not UP on K after its frames"
		return 1
	fi
	d=$(peer_field "$NS_K" 100 detect_us)
	a=$(peer_field "$NS_K" 100 announced_detect_us)
	[ "$d" = 2000000 ] && [ "$a" = 15300000000 ]
	tap_result $? "g: show peer: detection time 2 s in force (max-detect), 15300 s announced (got $d us, $a us)" || rc=1
	ev=$(wait_event "${MON[K]}" ".event == \"state\" and .peer == 100 and .state == \"down\" and .time_ns > $t0" 15000)
	if [ -n "$ev" ]; then
		tap_ok "g: a peer announcing 60 s x 255 is DOWN within K's max-detect of 2 s ($ev)"
	else
		tap_fail "g: a peer announcing 60 s x 255 is DOWN within K's max-detect of 2 s (still $(peer_field "$NS_K" 100 state) after 15 s)"
		rc=1
	fi
	return "$rc"
}

# A key request refused, by its policy or for want of CAP_NET_ADMIN,
# comes back wiped in the error ack, which echoes the kernel's copy.
test_key_wipe()
{
	local c out rc=0 fuzz=$BIN/hb_nlfuzz

	require_cmd "$fuzz" setpriv || return "$KSFT_SKIP"
	# In the guest's own namespace: refused before they act on one.
	for c in key-add-short key-add-extra key-add-readonly key-set-secret \
		 nocap; do
		if [ "$c" = nocap ]; then
			out=$("${NOCAP[@]}" "$fuzz" key-add 5 2>&1)
		else
			out=$("$fuzz" "$c" 5 2>&1)
		fi
		log "hb_nlfuzz $c: $(tr '\n' ' ' <<<"$out")"
		if ! grep -q '^secret echoed: no$' <<<"$out"; then
			tap_fail "g: refused key request ($c) wiped: $(tr '\n' ' ' <<<"$out")"
			rc=1
		fi
	done
	[ "$rc" -eq 0 ] && tap_ok "g: 5 refused key requests (31 byte secret, extra attribute, read-only attribute, secret in KEY_SET, no CAP_NET_ADMIN) echoed wiped"
	[ -z "$("$HBCTL" -j key show | jq -c '.[]?')" ]
	tap_result $? "g: no key was added by the refused requests"
	return "$rc"
}

# g_ev_check FILE PEER: the monitor's events have strictly increasing
# sequence numbers, and each event of PEER that follows the one before
# without a gap starts from the state that one left.
g_ev_check()
{
	jq -sc --argjson p "$2" '
		(. | map(.seq)) as $s |
		([range(1; length) | select($s[.] <= $s[. - 1])] | length) as $back |
		[.[] | select(.event == "state" and .peer == $p)] as $e |
		([range(1; $e | length) |
		  select($e[.].seq == $e[. - 1].seq + 1 and
			 $e[.].old_state != $e[. - 1].state)] | length) as $breaks |
		{events: length, state_events: ($e | length), back: $back,
		 breaks: $breaks, last: ($e[-1].state // null)}' "$1"
}

g_mon_caught_up()
{
	local seq

	seq=$(node_field "$NS_K" event_seq)
	[ -n "$seq" ] && [ "$(tail -n 1 "${MON[K]}" | jq -r '.seq // 0')" = "$seq" ]
}

test_event_order()
{
	local r st

	# F, the injector so far, becomes node 8 (a new namespace would
	# cost the guest seconds).
	run "$HBCTL" -n "$NS_F" node set id 8 cluster "$CLUSTER" || return 1
	run "$HBCTL" -n "$NS_F" peer add "$G_ID" 10.30.0.7 interval 1ms \
		multiplier 2 || return 1
	run "$HBCTL" -n "$NS_K" peer add 8 10.30.0.100 interval 1ms \
		multiplier 2 || return 1
	# Frames and timeouts of peer 8 on both CPUs for a while: half of
	# F's frames lost makes K declare it DOWN every few ms.
	qrun tc -n "$NS_F" qdisc add dev eth0 root netem loss 50%
	sleep "${HB_G_STORM_S:-2}"
	run "$HBCTL" -n "$NS_F" peer del "$G_ID"
	qrun tc -n "$NS_F" qdisc del dev eth0 root
	slowwait 10 peer_is "$NS_K" 8 down
	slowwait 10 g_mon_caught_up
	st=$(peer_field "$NS_K" 8 state)
	qrun "$HBCTL" -n "$NS_K" peer del 8
	r=$(g_ev_check "${MON[K]}" 8)
	log "K's events: $r"
	[ "$(jq -r '.back' <<<"$r")" = 0 ] &&
		[ "$(jq -r '.state_events' <<<"$r")" -ge 20 ]
	tap_result $? "g: event sequence numbers strictly increase over a storm of flaps at 1 ms x 2 ($r)"
	[ "$(jq -r '.breaks' <<<"$r")" = 0 ] &&
		[ "$(jq -r '.last' <<<"$r")" = "$st" ]
	tap_result $? "g: every event of peer 8 starts from the state the previous one left, and the last one is its final state ($st)"
}

test_cheap_checks()
{
	require_cmd "$INJECT" || return "$KSFT_SKIP"
	add_node K 10.30.0.7 "" || return 1
	start_monitor K "$NS_K"
	run "$HBCTL" -n "$NS_K" node set id "$G_ID" cluster "$CLUSTER" \
		max-detect 2s || return 1
	test_sizes || tap_fail "g: oversized datagrams (setup)"
	test_max_detect || true
	test_key_wipe
	[ $? -eq "$KSFT_SKIP" ] && tap_missing "g: refused key requests wiped" "hb_nlfuzz or setpriv missing"
	test_event_order || tap_fail "g: event order (setup)"
	stop_monitor K
	return 0
}


# --- h: a spoofing leader's reflection ------------------------------------------

# W, a leader (id 50, learn on, auth off: the defaults but for the interval),
# and V, the victim, share a veth pair and nothing else, so that what V's
# eth0 receives is what W sends it.  V forges 50 frames with 50 new sender
# ids from its own address (it is where a spoofer would point them).
REFL_N=50
REFL_NODE="" REFL_TICK="" REFL_UNAUTH=0 REFL_RATE=0

# W's node object, then one value of it: at most one hbctl per check.
refl_node()
{
	REFL_NODE=$(hbj "$NS_W" node show 2>/dev/null)
}

refl_val()
{
	jq -r "$1" <<<"$REFL_NODE"
}

link_bytes()
{
	"$IP" -n "$1" -s -j link show eth0 | jq -r ".[0].stats64.$2.bytes"
}

refl_learned()
{
	local n

	refl_node
	n=$(refl_val '.learned + .drops.learn_rate')
	[ -n "$n" ] && [ "$n" -ge "$REFL_N" ]
}

refl_forgotten()
{
	[ "$(count_events "${MON[W]}" '.event == "forgotten"')" -ge 32 ] &&
		refl_node && [ "$(refl_val .learned)" = 0 ]
}

# The unverified frames were counted as drops, and a tick ran after that.
refl_dropped()
{
	refl_node
	[ "$(refl_val "$2")" -ge "$1" ] || return 1
	[ -n "${REFL_TICK:-}" ] || REFL_TICK=$(refl_val .ticks)
	[ "$(refl_val .ticks)" -gt "$REFL_TICK" ]
}

setup_reflection()
{
	setup_ns NS_W NS_V || return 1
	qrun "$IP" link add eth0 netns "$NS_W" type veth peer name eth0 \
		netns "$NS_V" || return 1
	qrun "$IP" -n "$NS_W" addr add 10.31.0.1/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_V" addr add 10.31.0.2/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_W" link set eth0 up || return 1
	qrun "$IP" -n "$NS_V" link set eth0 up || return 1
	start_monitor W "$NS_W"
	run "$HBCTL" -n "$NS_W" node set id 50 cluster "$CLUSTER" \
		mode leader interval 1s multiplier 2 learn-age 2s
}

# With auth on, nothing unverified is learned: unsigned frames from 50 more
# new senders (ids 2000-2049) create nothing and send nothing.  Sent while
# the reflection is measured (W sends V nothing either way).
refl_auth_inject()
{
	run "$HBCTL" -n "$NS_W" key add 1 file "$WORK/key-r.hex" primary &&
		run "$HBCTL" -n "$NS_W" node set auth on || return 1
	refl_node
	REFL_UNAUTH=$(refl_val .drops.unauth)
	REFL_RATE=$(refl_val .drops.learn_rate)
	run "$IP" netns exec "$NS_V" "$INJECT" --src 10.31.0.2 --dst 10.31.0.1 \
		--cluster "$CLUSTER" --id 2000 --id-step 1 --count "$REFL_N" \
		--gap-us 2000
}

refl_auth_check()
{
	local n

	REFL_TICK=""
	slowwait 10 refl_dropped $((REFL_UNAUTH + REFL_N)) .drops.unauth
	n=$(count_events "${MON[W]}" '.event == "learned" and .peer >= 2000')
	if [ "$n" = 0 ] &&
	   [ $(($(refl_val .drops.unauth) - REFL_UNAUTH)) = "$REFL_N" ] &&
	   [ "$(refl_val .drops.learn_rate)" = "$REFL_RATE" ]; then
		tap_ok "h: auth on: $REFL_N unsigned forged frames from new senders learn nothing ($REFL_N unauth drops, no learned event, no learn_rate drop, a tick since)"
	else
		tap_fail "h: auth on: $REFL_N unsigned forged frames from new senders learn nothing: $n learned events, unauth drops $(refl_val .drops.unauth) (was $REFL_UNAUTH), learn_rate $(refl_val .drops.learn_rate) (was $REFL_RATE)"
		return 1
	fi
}

test_reflection()
{
	local t0 t1 rx0 tx0 tx1 rx1 ticks0 ticks1 el learned rate sent got
	local bound forgot auth=0 ok=1

	if ! setup_reflection; then
		tap_fail "h: reflection: setup"
		return 1
	fi
	t1=$(now_ms)
	refl_node
	ticks0=$(refl_val .ticks)
	rx0=$(link_bytes "$NS_V" rx)
	tx0=$(link_bytes "$NS_V" tx)
	t0=$(now_ms)
	run "$IP" netns exec "$NS_V" "$INJECT" --src 10.31.0.2 --dst 10.31.0.1 \
		--cluster "$CLUSTER" --id 1000 --id-step 1 --count "$REFL_N" \
		--gap-us 2000 || return 1
	tx1=$(link_bytes "$NS_V" tx)
	sent=$((tx1 - tx0))

	# Learning is rate limited: 32 of the 50 senders per interval (1 s).
	slowwait 10 refl_learned
	learned=$(refl_val .learned)
	rate=$(refl_val .drops.learn_rate)
	if [ "$learned" = 32 ] && [ "$rate" = $((REFL_N - 32)) ]; then
		tap_ok "h: $REFL_N forged senders in one interval: 32 learned, $rate counted as learn_rate drops"
	else
		tap_fail "h: $REFL_N forged senders in one interval: 32 learned (got $learned), $((REFL_N - 32)) learn_rate drops (got $rate)"
		ok=0
	fi

	# The kicks of those frames (and of the learned peers going DOWN)
	# are coalesced: at most one tick per interval of 1 s, counted from
	# before the first read of the counter to after the last.
	while [ $(($(now_ms) - t0)) -lt 3000 ]; do
		sleep 0.2
	done
	refl_node
	ticks1=$(refl_val .ticks)
	el=$(($(now_ms) - t1))
	bound=$((el / 1000 + 2))
	if [ $((ticks1 - ticks0)) -le "$bound" ]; then
		tap_ok "h: the cluster tick ran $((ticks1 - ticks0)) times in $el ms of learning (at most $bound: one per 1 s interval)"
	else
		tap_fail "h: the cluster tick ran $((ticks1 - ticks0)) times in $el ms of learning (at most $bound: one per 1 s interval)"
		ok=0
	fi

	# The auth test, meanwhile (see refl_auth_inject).
	if have_hbctl_keys; then
		head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' \
			>"$WORK/key-r.hex"
		chmod 600 "$WORK/key-r.hex"
		refl_auth_inject && auth=1
	fi

	# What W sends V in the 10 s after the first forged frame.
	while [ $(($(now_ms) - t0)) -lt 10000 ]; do
		sleep 0.2
	done
	rx1=$(link_bytes "$NS_V" rx)
	got=$((rx1 - rx0))
	el=$(($(now_ms) - t0))
	log "V sent $sent bytes ($REFL_N frames), received $got bytes in $el ms"
	if [ "$got" -le 10000 ] && [ "$got" -le "$sent" ]; then
		tap_ok "h: the victim received $got bytes in $el ms (at least 10 s; at most 10000 bytes, and not more than the $sent it sent)"
	else
		tap_fail "h: the victim received $got bytes in $el ms (at least 10 s; at most 10000 bytes, and not more than the $sent it sent)"
		ok=0
	fi

	# Never heard, DOWN after 2 s, forgotten 2 s (learn-age) later.
	slowwait 10 refl_forgotten
	refl_node
	forgot=$(count_events "${MON[W]}" '.event == "forgotten"')
	if [ "$forgot" = 32 ] && [ "$(refl_val .learned)" = 0 ] &&
	   [ "$(refl_val .peers)" = 0 ]; then
		tap_ok "h: the 32 learned peers are forgotten after learn-age 2s: 32 forgotten events, none left"
	else
		tap_fail "h: the 32 learned peers are forgotten after learn-age 2s: $forgot forgotten events (want 32), $(refl_val .learned) learned left"
		ok=0
	fi

	if [ "$auth" = 1 ]; then
		refl_auth_check || ok=0
	else
		tap_missing "h: auth on: forged frames learn nothing" "hbctl has no keys"
	fi
	[ "$ok" = 1 ]
}

# --- i: forged verdicts -------------------------------------------------------------

RING_I="R1 R2 R3 R4"
# G's frames: its beats carry what FORGE_VERDICTS says; sequence numbers
# go on from phase to phase.
G_SEQ=1

# forge SECONDS VERDICTS: G beats to R1..R4 every 100 ms for SECONDS with
# the verdicts VERDICTS (hb_inject --verdicts).
forge()
{
	local n=$(($1 * 10)) i pids=() rc=0

	log "G forges for $1 s: $2"
	for i in 1 2 3 4; do
		"$IP" netns exec "$NS_G" "$INJECT" --src 10.30.0.25 \
			--dst "10.30.0.2$i" --id 25 --cluster "$CLUSTER" \
			--incarnation 1 --seq "$G_SEQ" --count "$n" \
			--gap-us 100000 --interval 100000 --multiplier 10 \
			--verdicts "$2" >>"$WORK/forge.log" 2>&1 &
		pids+=($!)
		bg_track "$!"
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=1
	done
	G_SEQ=$((G_SEQ + n))
	return $rc
}

# Every node of the ring sees the 3 others UP (from /proc: no process).
ring_i_up()
{
	local n i

	for n in $RING_I; do
		for i in 1 2 3 4; do
			[ "$n" = "R$i" ] || peer_is "$(nsof "$n")" "2$i" up ||
				return 1
		done
	done
}

test_forged_verdicts()
{
	local n m i e0 e st bad t0 f conf=23/24/25 badc=() downs rc=0 ms0

	[ -x "$INJECT" ] || return "$KSFT_SKIP"
	[ -n "$NS_SW" ] || setup_switch || return 1
	ms0=$(now_ms)
	add_nodes_bulk R1 10.30.0.21/24 R2 10.30.0.22/24 R3 10.30.0.23/24 \
		R4 10.30.0.24/24 G 10.30.0.25/24 || return 1
	for i in 1 2 3 4; do
		echo "-n $(nsof "R$i") node set id 2$i cluster $CLUSTER mode leaderless monitors 3 interval 100ms multiplier 10"
		for m in 1 2 3 4 5; do
			[ "$m" = "$i" ] && continue
			echo "-n $(nsof "R$i") peer add 2$m 10.30.0.2$m interval 100ms multiplier 10"
		done
	done >"$WORK/ring-i.txt"
	qrun "$HBCTL" -b "$WORK/ring-i.txt" || return 1
	for n in $RING_I; do
		start_monitor "$n" "$(nsof "$n")"
	done
	if ! slowwait 30 ring_i_up; then
		# shellcheck disable=SC2086 # a list of names
		show_nodes $RING_I
		fail "i: the ring R1..R4 is not UP"
		return 1
	fi
	log "ring R1..R4 UP $(($(now_ms) - ms0)) ms after the start of i"
	# G, a monitor of R2 on the ring (22 -> 23 24 25), lies in every
	# beat: R2 is DOWN, confirmed by 23, 24 and 25, at epoch 0xffffffff
	# (it wrapped and pinned the verdict), at its epoch + 1000 and at its
	# epoch + 1 (the watchers refute that one).
	e0=$(hbj "$NS_R1" show peer 22 | jq -r '.epoch // empty')
	t0=$(mono_ns)
	log "R2's epoch on R1: $e0"
	forge 2 "22:0xffffffff:2:$conf,22:$(((e0 + 1000) & 0xffffffff)):2:$conf,22:$(((e0 + 1) & 0xffffffff)):2:$conf" ||
		rc=1
	if [ "$rc" -ne 0 ]; then
		sed 's/^/# /' "$WORK/forge.log"
		fail "i: hb_inject failed"
		return 1
	fi
	log "forging done $(($(now_ms) - ms0)) ms after the start of i"

	f=".event == \"state\" and .peer == 22 and .state == \"down\" and .time_ns > $t0"
	downs=""
	for n in R1 R3 R4; do
		m=$(count_events "${MON[$n]}" "$f")
		st=$(peer_state "$(nsof "$n")" 22)
		e=$(hbj "$(nsof "$n")" show peer 22 | jq -r '.epoch // empty')
		bad=$(drop_count "$(nsof "$n")" bad_epoch)
		log "$n: R2 $st, epoch $e, bad_epoch $bad, DOWN events of R2: $m"
		[ "$m" -eq 0 ] && [ "$st" = up ] || downs+=" $n:$m:$st"
		[[ "$e" =~ ^[0-9]+$ ]] && [ $(((e - e0) & 0xffffffff)) -le 64 ] ||
			badc+=("$n:epoch=$e")
		[[ "$bad" =~ ^[0-9]+$ ]] && [ "$bad" -ge 10 ] ||
			badc+=("$n:bad_epoch=$bad")
	done
	if [ -z "$downs" ]; then
		tap_ok "i: G forges R2 DOWN with 3 confirmations at epochs 0xffffffff, +1000 and +1: no node declares it DOWN"
	else
		tap_fail "i: G forges R2 DOWN: no node declares it DOWN (node:DOWN events:state$downs)"
	fi
	if [ ${#badc[@]} -eq 0 ]; then
		tap_ok "i: R2's epoch stays within 64 of $e0 on R1, R3, R4, and the far epochs are counted as bad_epoch"
	else
		tap_fail "i: R2's epoch within 64 of $e0 and bad_epoch counted (${badc[*]})"
	fi

	log "checks done $(($(now_ms) - ms0)) ms after the start of i"
	# A real death is still declared (R1, whose monitors are 22 to 24).
	t0=$(mono_ns)
	qrun "$IP" -n "$NS_SW" link set pR1 down || return 1
	f=".event == \"state\" and .peer == 21 and .state == \"down\" and .time_ns > $t0"
	downs=""
	for n in R2 R3 R4; do
		if ! busywait 30000 has_event "${MON[$n]}" "$f"; then
			downs+=" $n"
			continue
		fi
		log "$n: R1 DOWN after $((($(jq -r .time_ns <<<"$EV_FIRST") - t0) / 1000000)) ms ($(jq -c '{reason, confirmations, monitors}' <<<"$EV_FIRST"))"
	done
	if [ -z "$downs" ]; then
		tap_ok "i: R1 killed: R2, R3 and R4 declare it DOWN"
	else
		tap_fail "i: R1 killed: R2, R3 and R4 declare it DOWN (not:$downs)"
	fi
	# The assertions are reported; only a setup failure returns 1.
	return 0
}

# --- main ---------------------------------------------------------------------------------

tap_header
log "hostile tests: kernel $(uname -r), seed $SEED, hbctl $HBCTL"
dmesg_mark start

missing=0
for t in "$IP" jq "$CLOCK" modprobe insmod rmmod tc; do
	require_cmd "$t" || missing=1
done
if [ "$missing" -eq 0 ]; then
	load_module
	rc=$?
else
	rc=$KSFT_SKIP
fi
tap_result "$rc" "0: load heartbeat.ko"
if [ "$HAVE_MODULE" -ne 1 ]; then
	tap_skip "a-e: hostile-input and fault tests" "module or tools missing"
	tap_finish
	exit $?
fi
modprobe sch_netem 2>/dev/null
modprobe algif_hash 2>/dev/null
OBJ0=$(objects)
log "objects at start: $OBJ0"

setup_mesh
tap_result $? "0: mesh T, B, C at 100 ms x 10 is UP"

T_START=$(now_ms)
if hostile a; then
	if [ "$HAVE_MESH" -eq 1 ]; then
		test_flood
		[ $? -eq "$KSFT_SKIP" ] && tap_missing "a: flood" "hb_flood or hb_inject missing"
	else
		tap_skip "a: flood" "no mesh"
	fi
	log "a took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile b; then
	test_nlstorm
	rc=$?
	[ "$rc" -eq "$KSFT_SKIP" ] && tap_missing "b: netlink storm" "hb_nlstorm missing"
	[ "$rc" -eq 1 ] && tap_fail "b: netlink storm (setup)"
	log "b took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile c; then
	if [ "$HAVE_MESH" -eq 1 ]; then
		test_churn
		tap_result $? "c: $CHURN peer add/del on T while frames from that peer and the mesh flow: no event on the mesh, objects unchanged, no splat"
	else
		tap_skip "c: peer churn" "no mesh"
	fi
	test_netns_cycles
	tap_result $? "c: $CYCLES namespaces created, beating to L and deleted live: objects back to baseline, no splat"
	test_reload_cycles
	tap_result $? "c: $CYCLES insmod / configure / rmmod cycles with peers beating at 1 ms: rmmod works, no peer or socket left, no splat"
	log "c took $(($(now_ms) - T_START)) ms"
fi

# The module was reloaded: the mesh is gone.  Build it again for d to f.
if { hostile d || hostile e || hostile f; } && hostile c; then
	for n in T B C F; do
		stop_monitor "$n"
	done
	cleanup_all_ns
	HAVE_MESH=0
	NS_SW="" NS_T="" NS_B="" NS_C="" NS_F=""
	setup_mesh
	tap_result $? "0: mesh T, B, C rebuilt after the reloads"
fi

T_START=$(now_ms)
if hostile d; then
	if [ "$HAVE_MESH" -eq 1 ]; then
		test_netem
		[ $? -eq "$KSFT_SKIP" ] && tap_missing "d: netem" "tc missing"
	else
		tap_skip "d: netem" "no mesh"
	fi
	log "d took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile e; then
	if [ "$HAVE_MESH" -eq 1 ]; then
		test_permissions
		[ $? -eq "$KSFT_SKIP" ] && tap_missing "e: permissions" "setpriv missing"
	else
		tap_skip "e: permissions" "no mesh"
	fi
	log "e took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile f; then
	if [ "$HAVE_MESH" -eq 1 ] && [ -x "$INJECT" ]; then
		test_settings_restart
		test_restart_lower
		[ $? -eq 2 ] &&
			tap_fail "f: restarts of peer Y of R (setup, or Y never UP/DOWN: see above)"
	else
		tap_skip "f: restarts" "no mesh or no hb_inject"
	fi
	log "f took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile g; then
	if [ "$HAVE_MESH" -eq 1 ]; then
		test_cheap_checks
		[ $? -eq "$KSFT_SKIP" ] && tap_missing "g: cheap checks" "hb_inject missing"
		g_probes_off
	else
		tap_skip "g: cheap checks" "no mesh"
	fi
	log "g took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile h; then
	test_reflection
	log "h took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile i; then
	test_forged_verdicts
	rc=$?
	[ "$rc" -eq "$KSFT_SKIP" ] && tap_missing "i: forged verdicts" "hb_inject missing"
	[ "$rc" -eq 1 ] && tap_fail "i: forged verdicts"
	log "i took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile j; then
	test_budget
	rc=$?
	[ "$rc" -eq "$KSFT_SKIP" ] && tap_missing "j: budgets" "setpriv or unshare missing, or no unprivileged user namespaces"
	log "j took $(($(now_ms) - T_START)) ms"
fi

T_START=$(now_ms)
if hostile k; then
	test_netns_cost
	log "k took $(($(now_ms) - T_START)) ms"
fi

# Every namespace gone: the objects are those of the start.
for n in "${!MONPID[@]}"; do
	stop_monitor "$n"
done
cleanup_bg
cleanup_all_ns
if slowwait 30 objects_are "$OBJ0"; then
	tap_ok "z: every namespace deleted: objects back to $OBJ0"
else
	tap_fail "z: every namespace deleted: objects $(objects), want $OBJ0"
fi
if run rmmod heartbeat; then
	tap_ok "z: rmmod heartbeat at the end"
else
	tap_fail "z: rmmod heartbeat at the end"
fi
if dmesg_clean_since start; then
	tap_ok "z: no kernel warning in dmesg during the run"
else
	tap_fail "z: no kernel warning in dmesg during the run"
fi

tap_finish
