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
#   F 10.30.0.100 (peer X, id 100 of T),   |          namespaces of (c)
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
#   h  a spoofing leader's reflection (issue 11): 50 frames with 50 new
#      sender ids forged from a victim's address to a leader (R, alone on
#      a veth pair with the victim V): 32 learned, 18 counted as
#      learn_rate; at most one cluster tick per interval; the victim
#      receives at most 10,000 bytes in 10 s and no more than it sent;
#      the learned peers are forgotten after learn-age (forgotten
#      events); with auth on, unsigned frames of new senders learn nothing
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
NS_R="" NS_V=""
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
		run "$HBCTL" -n "$NS_T" node set id 1 cluster "$CLUSTER"
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

# --- h: a spoofing leader's reflection ------------------------------------------

# R, a leader (id 50, learn on, auth off: the defaults but for the interval),
# and V, the victim, share a veth pair and nothing else, so that what V's
# eth0 receives is what R sends it.  V forges 50 frames with 50 new sender
# ids from its own address (it is where a spoofer would point them).
REFL_N=50
REFL_NODE="" REFL_TICK="" REFL_UNAUTH=0 REFL_RATE=0

# R's node object, then one value of it: at most one hbctl per check.
refl_node()
{
	REFL_NODE=$(hbj "$NS_R" node show 2>/dev/null)
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
	[ "$(count_events "${MON[R]}" '.event == "forgotten"')" -ge 32 ] &&
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
	setup_ns NS_R NS_V || return 1
	qrun "$IP" link add eth0 netns "$NS_R" type veth peer name eth0 \
		netns "$NS_V" || return 1
	qrun "$IP" -n "$NS_R" addr add 10.31.0.1/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_V" addr add 10.31.0.2/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_R" link set eth0 up || return 1
	qrun "$IP" -n "$NS_V" link set eth0 up || return 1
	start_monitor R "$NS_R"
	run "$HBCTL" -n "$NS_R" node set id 50 cluster "$CLUSTER" \
		mode leader interval 1s multiplier 2 learn-age 2s
}

# With auth on, nothing unverified is learned: unsigned frames from 50 more
# new senders (ids 2000-2049) create nothing and send nothing.  Sent while
# the reflection is measured (R sends V nothing either way).
refl_auth_inject()
{
	run "$HBCTL" -n "$NS_R" key add 1 file "$WORK/key-r.hex" primary &&
		run "$HBCTL" -n "$NS_R" node set auth on || return 1
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
	n=$(count_events "${MON[R]}" '.event == "learned" and .peer >= 2000')
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

	# What R sends V in the 10 s after the first forged frame.
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
	forgot=$(count_events "${MON[R]}" '.event == "forgotten"')
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

# The module was reloaded: the mesh is gone.  Build it again for d and e.
if { hostile d || hostile e; } && hostile c; then
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
if hostile h; then
	test_reflection
	log "h took $(($(now_ms) - T_START)) ms"
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
