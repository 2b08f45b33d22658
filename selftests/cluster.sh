#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cluster mode tests of heartbeat.ko and hbctl (issue 3): leader, member,
# leaderless and the fallback of members to leaderless.  Runs as root inside
# the QEMU guest started by selftests/vm.sh (it loads the module).  Prints
# TAP 13; exit 0 pass, 1 fail, 4 skip.
#
# Topology: every node is a network namespace with one veth into the bridge
# br0 of the switch namespace "sw"; all addresses are in 10.20.0.0/16 (one
# /24 per cluster, the host part is the node id).  Killing a node = setting
# its bridge port down; bringing it back = up.
#
#   leader cluster 51:      L (id 100) 10.20.1.100, M1..MN 10.20.1.1-N
#   leaderless cluster 52:  R1..RN 10.20.2.1-N (N: 16, or 32 with HB_FULL=1)
#   learn limit cluster 53: LL (id 200) 10.20.4.200, B1..B8 (ids 201-208)
#                           10.20.4.1-8, X (id 299, cluster 99) 10.20.4.99
#   injection cluster 54:   V (id 301) 10.20.5.1; I (no heartbeat instance)
#                           10.20.5.100 (plays leader 300), .101 (peer 310)
#   scale cluster 55:       S1..S(N/2) 10.20.3.1-(N/2)
#   move cluster 56:        LM (id 400) 10.20.6.100, G1..G3 10.20.6.1-3
#
# Every cluster node runs 100 ms x 10 (detection 1 s): the TCG guest stalls
# for up to ~600 ms at times.  Deadlines are tens of seconds: the tests prove
# behaviour, not speed, and log the times they measure.
#
# Tests (issue 3):
#   a leader mode: N members configured with only the leader; the leader
#     learns all N (LEARNED events, /proc), every member lists the N - 1 others
#     and the leader UP; 3 members killed: exactly 3 DOWN on the leader and
#     in every surviving member (source leader), no other DOWN; back: UP
#   c fallback (on a's cluster): the leader killed: every member raises
#     LEADER_LOST and MODE member->leaderless within the leader's detection
#     time plus a margin, beats to its ring successors and the leader; a
#     member killed then: DOWN everywhere; the leader back: member mode again
#   d bad input: another cluster id is never learned (bad_cluster), learn
#     limit 4 with 8 members (learn_limit); malformed membership and verdict
#     TLVs from the leader's address are dropped (bad_members) and change
#     nothing; a membership list from a non-leader peer (not_leader)
#   b leaderless, N nodes, k = 3: each node beats to its 3 ring successors
#     only and watches its 3 predecessors; 3 non-adjacent nodes killed, then
#     2 adjacent: DOWN on every survivor with the live monitors'
#     confirmations, the ring heals; back: UP everywhere; no false DOWN
#   e scale: leaderless frames/s per node at N/2 and N nodes (grows with k,
#     not N), and a static mesh of N/2 for contrast
#   g endpoints that move: a member's frames from a new address are
#     bad_source until it restarts; then the leader moves it (MOVED, reason
#     incarnation) and the other members follow the leader's list (reason
#     leader); an older incarnation from a third endpoint moves nothing
#   f no kernel warning in dmesg (and selftests/vm.sh scans the console)
#
# Environment: HBCTL, HB_MODULE, HB_BIN (hb_inject, hb_clock), HB_RESULTS
# (logs go to $HB_RESULTS/work-cluster), HB_TESTS ("a c": only those, for
# development), HB_CLUSTER_N (members / leaderless nodes, default 16, 32
# with HB_FULL=1; at least 16), HB_FALLBACK_MARGIN_MS (default 5000),
# HB_CLUSTER_MULT (the multiplier, default 10).
# Nodes are configured, and read for snapshots, with one "hbctl -b" for
# all of them: a process start costs a quarter of a second in the guest.

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

HBCTL=${HBCTL:-$REPO/tools/hbctl/hbctl}
MODULE=${HB_MODULE:-$REPO/heartbeat.ko}
BIN=${HB_BIN:-$REPO/.build/bin}
INJECT=$BIN/hb_inject
CLOCK=$BIN/hb_clock
# make check: 16 nodes; HB_FULL=1: 32 (the same code paths, twice the
# nodes).
if [ "${HB_FULL:-0}" = 1 ]; then
	N=${HB_CLUSTER_N:-32}
else
	N=${HB_CLUSTER_N:-16}
fi
MARGIN_MS=${HB_FALLBACK_MARGIN_MS:-5000}
WORK=${HB_RESULTS:-/tmp}/work-cluster
SNAP=$WORK/snap
rm -rf "$WORK"
mkdir -p "$WORK" "$SNAP"

# Timing of every cluster node and of the peers it configures.
INTERVAL=100ms
MULT=${HB_CLUSTER_MULT:-10}
TIMING=(interval "$INTERVAL" multiplier "$MULT")
DETECT_MS=$(($(hb_us "$INTERVAL") * MULT / 1000))

LEADER_ID=100
C_LEADER=51
C_RING=52
C_LIMIT=53
C_INJ=54
C_SCALE=55

# Namespace of the injector, set by setup_ns (the nodes' ones are dynamic:
# NS_M1, NS_R7...: read through nsof).
NS_I=""

cleanup()
{
	cleanup_bg
	cleanup_all_ns
}
trap cleanup EXIT

# --- helpers ------------------------------------------------------------------

# hbn NAME ARGS...: hbctl in node NAME's namespace, logged only on failure.
hbn()
{
	local name=$1

	shift
	qrun "$HBCTL" -n "$(nsof "$name")" "$@"
}

# hbl NAME ARGS...: the same, logged.
hbl()
{
	local name=$1

	shift
	log "[$name] hbctl $*"
	hbn "$name" "$@"
}

# names PREFIX FIRST LAST: "PREFIXFIRST ... PREFIXLAST"
names()
{
	local i out=()

	for ((i = $2; i <= $3; i++)); do
		out+=("$1$i")
	done
	echo "${out[*]}"
}

# without "LIST" NAME...: LIST minus the NAMEs.
without()
{
	local list=$1 n out=() x skip

	shift
	for n in $list; do
		skip=0
		for x in "$@"; do
			[ "$n" = "$x" ] && skip=1
		done
		[ "$skip" -eq 1 ] || out+=("$n")
	done
	echo "${out[*]}"
}

# add_nodes PREFIX FIRST LAST NET: nodes PREFIXi at NET.i/16, monitors on.
add_nodes()
{
	local i list=()

	for ((i = $2; i <= $3; i++)); do
		list+=("$1$i" "$4.$i/16")
	done
	add_nodes_bulk "${list[@]}" >/dev/null || return 1
	for ((i = $2; i <= $3; i++)); do
		ID[$1$i]=$i
		start_monitor "$1$i" "$(nsof "$1$i")" >/dev/null
	done
	log "nodes $1$2..$1$3: $4.$2-$3, monitors in $WORK"
}

# kill_nodes down|up NAME...: set the nodes' bridge ports down or up.  Sets
# T_BEFORE (ns, before the first) and T_AFTER (after the last).
T_BEFORE=0
T_AFTER=0
kill_nodes()
{
	local how=$1 n tb ta first=1

	shift
	for n in "$@"; do
		read -r tb ta < <("$IP" netns exec "$NS_SW" "$CLOCK" "$how" \
			"${PORTNAME[$n]}")
		if [ -z "${ta:-}" ]; then
			log "cannot set ${PORTNAME[$n]} $how"
			return 1
		fi
		# shellcheck disable=SC2034 # kept for the logs and later use
		[ "$first" -eq 1 ] && T_BEFORE=$tb
		first=0
		T_AFTER=$ta
	done
	log "bridge ports of $* $how at $((T_AFTER / 1000000)) ms"
}

# --- events ---------------------------------------------------------------------

# ev_jq PROGRAM NAME...: PROGRAM gets the events of the nodes NAME... as one
# array, each event with .node = its NAME, and $names = "NAME...".
ev_jq()
{
	local prog=$1 n files=()

	shift
	[ $# -gt 0 ] || return 1
	for n in "$@"; do
		files+=("${MON[$n]}")
	done
	jq -nrR --arg names "$*" "[inputs | (fromjson? // empty) |
		. + {node: (input_filename | sub(\".*/monitor-\"; \"\") |
			    sub(\"[.]jsonl\$\"; \"\"))}] | $prog" "${files[@]}"
}

# ev_short FILTER MIN NAME...: the NAMEs with fewer than MIN events matching
# FILTER, with their count ("M3:0 M7:1").
ev_short()
{
	local f=$1 min=$2

	shift 2
	ev_jq "(reduce (.[] | select($f) | .node) as \$n ({}; .[\$n] += 1)) as \$c |
		[\$names | split(\" \")[] | select((\$c[.] // 0) < $min) |
		 \"\(.):\(\$c[.] // 0)\"] | join(\" \")" "$@"
}

EV_SHORT=""
ev_all_have()
{
	EV_SHORT=$(ev_short "$@") || return 1
	[ -z "$EV_SHORT" ]
}

# ev_wait TIMEOUT_S FILTER MIN NAME...: until every NAME has MIN events
# matching FILTER; EV_SHORT says who has not on failure.
ev_wait()
{
	local timeout=$1

	shift
	slowwait "$timeout" ev_all_have "$@"
}

# ev_select FILTER NAME...: the matching events, one JSON line each.
ev_select()
{
	local f=$1

	shift
	ev_jq ".[] | select($f) | tojson" "$@"
}

# --- guest stalls -----------------------------------------------------------------

# The emulated guest sometimes stops for a second or more when the host is
# busy: every timer then fires late at once, and a detection deadline can
# pass before the frames that were due.  One CPU can stop alone (its host
# thread is not scheduled) with the timers queued on it.  hb_clock gaps
# (SCHED_FIFO, a probe on every CPU) logs each stall of 300 ms or more; a
# DOWN that no test expected is put down to the emulator only when such a
# stall of at least half the detection time overlapped the window of the
# frames it missed (lib.sh's stall_explains; the test then skips: it
# proved nothing, and CI counts that skip as a failure).
GAPS=$WORK/gaps.txt

start_stall_log()
{
	STALL_BG=1 stall_log "$GAPS" 7200 300
}

# stall_unexplained: the events (JSON lines on stdin) that no stall
# explains (lib.sh's stall_explains).
stall_unexplained()
{
	stall_explains "$GAPS" $((DETECT_MS * 1000)) false
}

stall_summary()
{
	awk -v min=$((DETECT_MS * 500)) '
		{ n++; if ($2 > mx) mx = $2; if ($2 >= min) big++ }
		END { printf "%d guest stalls of 300 ms or more, %d of half the detection time or more, the longest %d ms\n", n, big, mx / 1000 }' "$GAPS"
}

# false_down_result DESC EVENTS: TAP result of a check that no DOWN
# happened; EVENTS are the DOWN events found (JSON lines, empty: none).
false_down_result()
{
	local desc=$1 ev=$2 un

	if [ -z "$ev" ]; then
		tap_ok "$desc"
		return 0
	fi
	log "$(wc -l <<<"$ev") DOWN events that no test caused:"
	printf '%s\n' "$ev" | head -n 12 | sed 's/^/#   /'
	un=$(stall_unexplained <<<"$ev") || un="(jq failed)"
	log "$(stall_summary)"
	if [ -n "$un" ]; then
		log "not after a guest stall:"
		printf '%s\n' "$un" | head -n 6 | sed 's/^/#   /'
		tap_fail "$desc ($(wc -l <<<"$ev") false DOWN, $(wc -l <<<"$un") not explained by a guest stall)"
		return 1
	fi
	tap_skip "$desc" "$(wc -l <<<"$ev") DOWN right after guest stalls of more than half the detection time (emulation): proves nothing"
	return 0
}

# --- snapshots of hbctl -j show -----------------------------------------------

# snap NAME...: $SNAP/NAME.json = hbctl -j show of each node, all read by
# one hbctl (-b, a "-n NS -j show" line per node: a process per node costs
# a quarter of a second here), and in $SNAP/NAME.time the moment (us) of
# that node's reading, interpolated over the batch (the tx rates are per
# node over its own window).
snap()
{
	local n i=0 t0 t1 rc=0 lines=()

	rm -f "$SNAP"/*.json "$SNAP"/*.time
	for n in "$@"; do
		echo "-n $(nsof "$n") -j show"
	done >"$SNAP/batch.txt"
	t0=${EPOCHREALTIME/./}
	"$HBCTL" -b "$SNAP/batch.txt" >"$SNAP/batch.out" 2>"$SNAP/batch.err" ||
		rc=$?
	t1=${EPOCHREALTIME/./}
	mapfile -t lines <"$SNAP/batch.out"
	for n in "$@"; do
		[ "$i" -lt "${#lines[@]}" ] || break
		printf '%s\n' "${lines[$i]}" >"$SNAP/$n.json"
		echo $((t0 + (t1 - t0) * (2 * i + 1) / (2 * $#))) >"$SNAP/$n.time"
		i=$((i + 1))
	done
	if [ "$rc" -ne 0 ] || [ "$i" -ne $# ]; then
		log "snapshot: $i of $# nodes read: $(head -c 300 "$SNAP/batch.err")"
		return 1
	fi
}

# snap_bad JQ_TEST NAME...: snapshot the nodes and print those for which
# JQ_TEST (a filter on {name, show}) is false.  Fails on no snapshot.
SNAP_BAD=""
snap_bad()
{
	local t=$1

	shift
	snap "$@" || true
	SNAP_BAD=$(snap_jq "[.[] | select(($t) | not) | .name] | join(\" \")" \
		"$@") || { SNAP_BAD="(snapshot failed)"; return 1; }
	[ -z "$SNAP_BAD" ]
}

# snap_wait TIMEOUT_S JQ_TEST NAME...: until JQ_TEST holds for every node.
snap_wait()
{
	local timeout=$1 t0

	shift
	t0=$(now_ms)
	while :; do
		snap_bad "$@" && return 0
		[ $(($(now_ms) - t0)) -ge $((timeout * 1000)) ] && return 1
		sleep 1
	done
}

# show_snap NAME...: a short view of each node's snapshot.
show_snap()
{
	local n

	for n in "$@"; do
		log "node $n: $(jq -c '.node | {id, mode, effective_mode,
			leader, learned, sending, watching}' "$SNAP/$n.json" 2>&1)"
		jq -c '.peers[]? | [.id, .state, .origin, .source,
			(.roles // [] | join("+")), .tx, .rx, .confirmations]' \
			"$SNAP/$n.json" 2>&1 | tr '\n' ' ' | fold -w 150 |
			sed 's/^/#   /'
		echo
	done
}

# show_some K "NAME...": show_snap of the first K names.
show_some()
{
	local k=$1 list=()

	read -ra list <<<"$2"
	[ ${#list[@]} -gt 0 ] || return 0
	show_snap "${list[@]:0:$k}"
}

# idlist FIRST LAST [EXCEPT...]: a jq array of ids.
idlist()
{
	local i x out=() skip first=$1 last=$2

	shift 2
	for ((i = first; i <= last; i++)); do
		skip=0
		for x in "$@"; do
			[ "$i" = "$x" ] && skip=1
		done
		[ "$skip" -eq 1 ] || out+=("$i")
	done
	local IFS=,
	echo "[${out[*]}]"
}

# ring_tx SELF IDS DEAD K: the ids a leaderless node SELF beats to when the
# ring holds IDS (SELF among them or not) and DEAD are DOWN: its K live
# successors and the DOWN ids it skips on the way (uapi: leaderless).
ring_tx()
{
	local self=$1 k=$4 ids=() set=() i n idx=-1 found=0 out=() id d isdead

	# Sorted and unique without a process: the indices of a bash array
	# come out in ascending order.
	for id in "$self" $2; do
		set[id]=1
	done
	ids=("${!set[@]}")
	n=${#ids[@]}
	for ((i = 0; i < n; i++)); do
		[ "${ids[$i]}" = "$self" ] && idx=$i
	done
	for ((i = 1; i < n && found < k; i++)); do
		id=${ids[$(((idx + i) % n))]}
		isdead=0
		for d in $3; do
			[ "$d" = "$id" ] && isdead=1
		done
		out+=("$id")
		[ "$isdead" -eq 1 ] || found=$((found + 1))
	done
	local IFS=,
	echo "[${out[*]}]"
}

# tx_expect_file PREFIX NAMES IDS DEAD K [EXTRA_ID]: a JSON object
# {"NAME": [expected tx ids]} for ring_tx (plus EXTRA_ID, a leader).
tx_expect()
{
	local prefix=$1 n id set first=1 extra=${6:-}

	printf '{'
	for n in $2; do
		id=${n#"$prefix"}
		set=$(ring_tx "$id" "$3" "$4" "$5")
		if [ -n "$extra" ]; then
			set=${set%]},$extra]
		fi
		[ "$first" -eq 1 ] || printf ','
		first=0
		printf '"%s":%s' "$n" "$set"
	done
	printf '}'
}

# A jq test on {name, show}: the ids with role tx are exactly those of the
# object in $WORK/tx-expect.json for that name.
# shellcheck disable=SC2016 # jq variables
TX_TEST='([.show.peers[] | select((.roles // []) | index("tx")) | .id] | unique) ==
	($exp[.name] | unique)'

# tx_check TIMEOUT_S PREFIX NAMES IDS DEAD K [EXTRA]: wait until every node
# of NAMES beats exactly to its expected ids.
tx_check()
{
	local timeout=$1 names=$3

	tx_expect "$2" "$3" "$4" "$5" "$6" "${7:-}" >"$WORK/tx-expect.json"
	# shellcheck disable=SC2086 # word splitting wanted
	snap_wait "$timeout" "$TX_TEST" $names
}

# snap_jq PROGRAM NAME...: PROGRAM gets [{name, show}] from the snapshots
# (it fails when a snapshot is missing), and $exp: the expected tx ids of
# the last tx_check.
snap_jq()
{
	local prog=$1 n files=() exp='{}'

	shift
	[ -s "$WORK/tx-expect.json" ] && exp=$(<"$WORK/tx-expect.json")
	for n in "$@"; do
		[ -s "$SNAP/$n.json" ] || { log "no hbctl -j show of $n"; return 1; }
		files+=("$SNAP/$n.json")
	done
	jq -nr --argjson exp "$exp" "[inputs | {name: (input_filename |
		sub(\".*/\"; \"\") | sub(\"[.]json\$\"; \"\")), show: .}] | $prog" \
		"${files[@]}"
}

# tx_sums NAME...: "NAME total_tx time_us" per node from the snapshots.
tx_sums()
{
	local n

	snap_jq '.[] | "\(.name) \([.show.peers[].tx] | add // 0)"' "$@" |
		while read -r n tx; do
			echo "$n $tx $(<"$SNAP/$n.time")"
		done
}

# rate_window SECONDS NAME...: frames sent per second by each node over at
# least SECONDS (from the tx counters of all its peers, each node over its
# own window between two snapshots); sets RATE_AVG, RATE_MIN, RATE_MAX
# (frames/s, integers).  The first snapshots are kept in $WORK/snap-tx0.
RATE_AVG=0
RATE_MIN=0
RATE_MAX=0
rate_window()
{
	local secs=$1 win

	shift
	snap "$@" || return 1
	tx_sums "$@" | LC_ALL=C sort >"$WORK/tx0.txt" || return 1
	rm -rf "$WORK/snap-tx0"
	cp -r "$SNAP" "$WORK/snap-tx0"
	sleep "$secs"
	snap "$@" || return 1
	tx_sums "$@" | LC_ALL=C sort >"$WORK/tx1.txt" || return 1
	read -r RATE_AVG RATE_MIN RATE_MAX win < <(LC_ALL=C join "$WORK/tx0.txt" \
		"$WORK/tx1.txt" 2>/dev/null | awk '
		{ r = ($4 - $2) * 1e6 / ($5 - $3); s += r; n++; w += ($5 - $3) / 1e6
		  if (n == 1 || r < mn) mn = r; if (r > mx) mx = r }
		END { if (n) printf "%d %d %d %d\n", s / n, mn, mx, w / n
		      else print "0 0 0 0" }')
	log "tx of $# nodes, each over its own window (${win:-?} s on average, at least $secs s): per node $RATE_AVG frames/s (min $RATE_MIN, max $RATE_MAX)"
	[ "$RATE_AVG" -gt 0 ]
}

# --- the leader cluster (a, c) ------------------------------------------------------

HAVE_LEADER=0
MEMBERS=""

# The members' view: the other members from the leader, and the leader.
# shellcheck disable=SC2016 # jq variables
MEMBER_VIEW_TEST='(.name | ltrimstr("M") | tonumber) as $self |
	([.show.peers[].id] | sort) ==
		([range(1; $n + 1)] - [$self] + [$leader] | sort) and
	all(.show.peers[]; .state == "up") and
	all(.show.peers[] | select(.id != $leader);
	    .origin == "leader" and .source == "leader") and
	.show.node.effective_mode == "member"'

# member_view_test [any]: the jq test of a complete member view; with
# "any", the source of the other members' states is not checked.
member_view_test()
{
	local t=$MEMBER_VIEW_TEST

	[ "${1:-}" = any ] && t=${t//.origin == \"leader\" and .source == \"leader\"/.origin == \"leader\"}
	echo "$N as \$n | $LEADER_ID as \$leader | $t"
}

# not_from_leader NAME...: "member:peer/source" for every member peer
# whose state does not come from the leader (from the snapshots).
not_from_leader()
{
	snap_jq "[.[] | .name as \$m | .show.peers[] |
		select(.id != $LEADER_ID and .source != \"leader\") |
		\"\(\$m):\(.id)/\(.source)\"] | join(\" \")" "$@"
}

setup_leader_cluster()
{
	local n t0 t1 t2 lines

	ID[L]=$LEADER_ID
	add_node L 10.20.1.$LEADER_ID/16 "" >/dev/null || return 1
	start_monitor L "$(nsof L)" >/dev/null
	# shellcheck disable=SC2046
	add_nodes M 1 "$N" 10.20.1 || return 1
	MEMBERS=$(names M 1 "$N")
	hbl L node set id "$LEADER_ID" cluster "$C_LEADER" mode leader \
		learn on "${TIMING[@]}" || return 1
	log "configuring $N members: node set id I cluster $C_LEADER mode member leader $LEADER_ID ${TIMING[*]}; peer add $LEADER_ID ${ADDR[L]} ${TIMING[*]}"
	for n in $MEMBERS; do
		echo "-n $(nsof "$n") node set id ${ID[$n]} cluster $C_LEADER mode member leader $LEADER_ID ${TIMING[*]}"
		echo "-n $(nsof "$n") peer add $LEADER_ID ${ADDR[L]} ${TIMING[*]}"
	done >"$WORK/members.txt"
	t0=$(now_ms)
	qrun "$HBCTL" -b "$WORK/members.txt" || return 1
	t1=$(now_ms)
	log "members configured in $((t1 - t0)) ms"
	if ! slowwait 60 leader_learned_all; then
		run hbctl_l node show
		fail "the leader learned $(hbj "$(nsof L)" node show | jq .learned) of $N members within 60 s of the last member's configuration"
		return 1
	fi
	t2=$(now_ms)
	LEARN_MS="$((t2 - t0)) ms after the first member was configured, $((t2 - t1)) ms after the last"
	log "the leader learned all $N members $LEARN_MS"
	HAVE_LEADER=1
	lines=$(hbj "$(nsof L)" node show | jq -c '{mode, effective_mode, learned, sending, watching, learn}')
	log "leader: $lines"
}

hbctl_l()
{
	hbj "$(nsof L)" "$@"
}

leader_learned_all()
{
	[ "$(hbj "$(nsof L)" node show 2>/dev/null | jq -r .learned)" = "$N" ]
}

test_leader_learned()
{
	local ev ids rc=0 origin procn hdr

	ev=$(ev_jq "[.[] | select(.event == \"learned\")]" L) || return 1
	ids=$(jq -c '[.[].peer] | sort' <<<"$ev")
	origin=$(jq -c '[.[].origin] | unique' <<<"$ev")
	log "leader: $(jq length <<<"$ev") LEARNED events, origins $origin"
	if [ "$ids" != "$(idlist 1 "$N")" ]; then
		log "LEARNED peers: $ids"
		fail "the LEARNED events are not one per member 1..$N"
		rc=1
	fi
	if [ "$origin" != '["learned"]' ]; then
		fail "LEARNED events with origin $origin, want learned"
		rc=1
	fi
	snap L
	if ! snap_jq '.[0].show.peers | [.[] | select(.origin == "learned") | .id] | sort' L |
		jq -e --argjson want "$(idlist 1 "$N")" '. == $want' >/dev/null; then
		show_snap L
		fail "hbctl -j show on the leader does not list members 1..$N as learned"
		rc=1
	fi
	# /proc/net/heartbeat: four more columns, learned members included.
	"$IP" netns exec "$(nsof L)" cat /proc/net/heartbeat >"$WORK/proc-L.txt"
	hdr=$(head -n 1 "$WORK/proc-L.txt" | tr -s ' ')
	procn=$(awk 'NR > 1 && $13 == "learned"' "$WORK/proc-L.txt" | wc -l)
	log "leader /proc/net/heartbeat: '$hdr', $procn lines with origin learned"
	head -n 3 "$WORK/proc-L.txt" | sed 's/^/#   /'
	if [ "$hdr" != "id address port state interval_us multiplier last_seen_ms tx rx lost rtt_us dropped origin roles source confirmations" ] ||
	   [ "$procn" -ne "$N" ]; then
		fail "/proc/net/heartbeat of the leader does not list the $N learned members (origin column)"
		rc=1
	fi
	return $rc
}

test_member_views()
{
	local t0

	t0=$(now_ms)
	# shellcheck disable=SC2086
	if ! snap_wait 60 "$(member_view_test)" $MEMBERS; then
		log "members not there yet: $SNAP_BAD"
		show_some 3 "$SNAP_BAD"
		fail "not every member lists the $((N - 1)) others (origin and source leader) and the leader, all UP"
		return 1
	fi
	log "every member's view complete and UP $(($(now_ms) - t0)) ms after the leader learned them"
	show_some 1 "$MEMBERS"
}

# The victims of test a: three members spread over the ids.
A_VICTIMS=""

test_leader_kill()
{
	local victims vids surv ev rc=0 want t0 bad f

	victims="M$((N / 4)) M$((N / 2)) M$((3 * N / 4))"
	A_VICTIMS=$victims
	vids="$((N / 4)),$((N / 2)),$((3 * N / 4))"
	# shellcheck disable=SC2086
	surv=$(without "$MEMBERS" $victims)
	t0=$(mono_ns)
	# shellcheck disable=SC2086
	kill_nodes down $victims || return 1
	f=".event == \"state\" and .state == \"down\" and .time_ns > $t0"
	if ! ev_wait 30 "$f and ([.peer] | inside([$vids]))" 3 L; then
		log "leader: $EV_SHORT"
		ev_select ".event == \"state\" and .time_ns > $t0" L | sed 's/^/#   /'
		tap_fail "a: 3 members killed: the leader raises their DOWN within 30 s"
		rc=1
	fi
	# shellcheck disable=SC2086
	if ! ev_wait 30 "$f and ([.peer] | inside([$vids]))" 3 $surv; then
		log "members without the 3 DOWN after 30 s: $EV_SHORT"
		rc=1
	fi
	# A few detection times more: a late or repeated DOWN must show.
	sleep 3
	ev=$(ev_select "$f and ([.peer] | inside([$vids]))" L)
	log "leader's DOWN events of the victims:"
	printf '%s\n' "$ev" | sed 's/^/#   /'
	want=$(jq -s -c '[.[].peer] | sort' <<<"$ev")
	if [ "$want" = "[$vids]" ] &&
	   [ "$(jq -s -c '[.[].reason] | unique' <<<"$ev")" = '["timeout"]' ]; then
		tap_ok "a: 3 members killed: exactly 3 DOWN on the leader (ids $vids, reason timeout) after $(jq -s 'map(.time_ns) | max' <<<"$ev" | awk -v t="$t0" '{ printf "%d", ($1 - t) / 1e6 }') ms"
	else
		tap_fail "a: 3 members killed: exactly 3 DOWN on the leader, ids $vids, reason timeout (got $want)"
		rc=1
	fi
	# Every surviving member: exactly the 3 DOWN, taken from the leader.
	# shellcheck disable=SC2086
	bad=$(ev_jq "(\$names | split(\" \")) as \$all |
		(map(select($f and ([.peer] | inside([$vids]))))) as \$d |
		[\$all[] | . as \$m |
		 [\$d[] | select(.node == \$m)] as \$mine |
		 select(([\$mine[].peer] | sort) != [$vids] or
			any(\$mine[]; .source != \"leader\")) |
		 \"\(\$m):\([\$mine[] | \"\(.peer)/\(.source)\"] | join(\",\"))\"] |
		join(\" \")" $surv) || bad="(jq failed)"
	if [ -z "$bad" ]; then
		# shellcheck disable=SC2086
		tap_ok "a: 3 members killed: each of the $(wc -w <<<"$surv") surviving members has exactly one DOWN of each, source leader ($(ev_jq "[.[] | select($f) | .time_ns] | max" $surv | awk -v t="$t0" '{ printf "%d", ($1 - t) / 1e6 }') ms for the last)"
	else
		log "members with other DOWN events (member:peer/source...): $bad"
		tap_fail "a: 3 members killed: each surviving member has exactly one DOWN of each, source leader"
		rc=1
	fi
	# No other DOWN anywhere, set-up included.
	# shellcheck disable=SC2086
	ev=$(ev_select ".event == \"state\" and .state == \"down\" and (.time_ns <= $t0 or ([.peer] | inside([$vids]) | not))" L $surv)
	false_down_result "a: no other DOWN on the leader or any surviving member (set-up included)" "$ev" || rc=1
	return $rc
}

test_leader_back()
{
	local t0 f other

	t0=$(mono_ns)
	# shellcheck disable=SC2086
	kill_nodes up $A_VICTIMS || return 1
	f=".event == \"state\" and .state == \"up\" and .time_ns > $t0 and ([.peer] | inside([$((N / 4)),$((N / 2)),$((3 * N / 4))]))"
	if ! ev_wait 30 "$f" 3 L; then
		fail "the leader has no UP for the 3 members back within 30 s ($EV_SHORT)"
		return 1
	fi
	# While they were cut off, the 3 fell back to leaderless and beat to
	# their ring successors: those may take their state from the frames
	# (source self), a sign of life.  The states must all be UP.
	# shellcheck disable=SC2086
	if ! snap_wait 60 "$(member_view_test any)" $MEMBERS; then
		log "members not complete and UP: $SNAP_BAD"
		show_some 2 "$SNAP_BAD"
		fail "not every member (the 3 back included) sees the leader and all members UP again within 60 s"
		return 1
	fi
	log "3 members back: every view complete and UP after $((($(mono_ns) - t0) / 1000000)) ms"
	# shellcheck disable=SC2086
	other=$(not_from_leader $MEMBERS)
	[ -z "$other" ] || log "member states not from the leader (member:peer/source): $other"
}

# A member killed again after its return: every member must still see it
# go DOWN, also those that took its state from its own frames meanwhile.
test_leader_rekill()
{
	local vid=$((N / 4)) t0 f surv ev rc=0

	surv=$(without "$MEMBERS" "M$vid")
	t0=$(mono_ns)
	kill_nodes down "M$vid" || return 1
	f=".event == \"state\" and .state == \"down\" and .peer == $vid and .time_ns > $t0"
	# shellcheck disable=SC2086
	if ev_wait 30 "$f" 1 L $surv; then
		# shellcheck disable=SC2086
		ev=$(ev_jq "[.[] | select($f)]" $surv)
		log "DOWN of $vid: $(jq -c '[.[] | {reason, source}] | group_by([.reason, .source]) | map(.[0] + {count: length})' <<<"$ev")"
		tap_ok "a: member $vid killed again after its return: the leader and the $((N - 1)) other members raise its DOWN (the last after $((($(jq 'map(.time_ns) | max' <<<"$ev") - T_AFTER) / 1000000)) ms)"
	else
		log "without the DOWN of $vid after 30 s: $EV_SHORT"
		snap M$((vid + 1))
		show_snap M$((vid + 1))
		tap_fail "a: member $vid killed again after its return: the leader and every other member raise its DOWN within 30 s"
		rc=1
	fi
	kill_nodes up "M$vid" || return 1
	# shellcheck disable=SC2086
	if ! snap_wait 60 "$(member_view_test any)" $MEMBERS; then
		log "members not complete and UP: $SNAP_BAD"
		tap_fail "a: member $vid back again: every view complete and UP"
		rc=1
	fi
	return $rc
}

# --- c: fallback -------------------------------------------------------------------

test_fallback()
{
	local t0 f ev rc=0 detect max bad victim vid surv d tc0

	tc0=$(mono_ns)
	detect=$(hbj "$(nsof M1)" show peer "$LEADER_ID" | jq -r '.detect_us // empty')
	[ -n "$detect" ] || detect=$((DETECT_MS * 1000))
	t0=$(mono_ns)
	kill_nodes down L || return 1
	f=".event == \"mode\" and .time_ns > $t0 and .old_mode == \"member\" and .mode == \"leaderless\" and .reason == \"leaders_down\""
	# shellcheck disable=SC2086
	if ! ev_wait 60 "$f" 1 $MEMBERS; then
		log "members without a MODE member->leaderless event: $EV_SHORT"
		ev_select ".event == \"mode\" or .event == \"leader_lost\"" M1 |
			sed 's/^/#   /'
		tap_fail "c: leader killed: every member raises MODE member->leaderless (reason leaders_down)"
		return 1
	fi
	# shellcheck disable=SC2086
	max=$(ev_jq "[.[] | select($f) | .time_ns] | max" $MEMBERS)
	d=$(((max - T_AFTER) / 1000))
	# shellcheck disable=SC2086
	log "MODE events: first after $((($(ev_jq "[.[] | select($f) | .time_ns] | min" $MEMBERS) - T_AFTER) / 1000000)) ms, last after $((d / 1000)) ms (leader detection $((detect / 1000)) ms)"
	if [ "$d" -le $((detect + MARGIN_MS * 1000)) ]; then
		tap_ok "c: leader killed: all $N members fall back to leaderless within $((d / 1000)) ms (detection $((detect / 1000)) ms + margin $MARGIN_MS ms)"
	else
		tap_fail "c: leader killed: all $N members fall back to leaderless within the leader's detection $((detect / 1000)) ms + $MARGIN_MS ms (last after $((d / 1000)) ms)"
		rc=1
	fi
	# shellcheck disable=SC2086
	if ev_wait 10 ".event == \"leader_lost\" and .peer == $LEADER_ID and .time_ns > $t0" 1 $MEMBERS &&
	   snap_wait 10 '.show.node.effective_mode == "leaderless"' $MEMBERS; then
		tap_ok "c: every member raised LEADER_LOST and shows effective_mode leaderless"
	else
		log "missing: ${EV_SHORT:-} ${SNAP_BAD:-}"
		tap_fail "c: every member raised LEADER_LOST and shows effective_mode leaderless"
		rc=1
	fi
	# The fallback ring: the known members, the leader DOWN on the way
	# (id 100 sorts after the members) and beaten to anyway.
	# shellcheck disable=SC2086
	if tx_check 20 M "$MEMBERS" "$(seq -s ' ' 1 "$N") $LEADER_ID" "$LEADER_ID" 3 "$LEADER_ID"; then
		tap_ok "c: in fallback each member beats to its 3 ring successors and its leader"
	else
		log "members with other tx peers: $SNAP_BAD"
		show_some 2 "$SNAP_BAD"
		tap_fail "c: in fallback each member beats to its 3 ring successors and its leader"
		rc=1
	fi

	# A member killed during the fallback.
	vid=$((N / 2 + 3))
	victim=M$vid
	surv=$(without "$MEMBERS" "$victim")
	sleep 2
	t0=$(mono_ns)
	kill_nodes down "$victim" || return 1
	f=".event == \"state\" and .state == \"down\" and .peer == $vid and .time_ns > $t0"
	# shellcheck disable=SC2086
	if ev_wait 40 "$f" 1 $surv; then
		sleep 3
		# shellcheck disable=SC2086
		ev=$(ev_jq "[.[] | select($f)]" $surv)
		log "DOWN of $vid: $(jq -c '[.[] | {node, reason, source, confirmations, monitors}] | group_by([.reason, .source, .confirmations, .monitors]) | map(.[0] + {count: length} | del(.node))' <<<"$ev")"
		# shellcheck disable=SC2086
		bad=$(ev_jq ". as \$e | (\$names | split(\" \")) as \$all |
			[\$all[] | . as \$m |
			 select(([\$e[] | select($f and .node == \$m)] | length) != 1)] |
			join(\" \")" $surv) || bad="(jq failed)"
		if [ -z "$bad" ]; then
			tap_ok "c: member $vid killed in fallback: each of the $((N - 1)) others raises its DOWN once, after $((($(jq 'map(.time_ns) | max' <<<"$ev") - T_AFTER) / 1000000)) ms for the last"
		else
			tap_fail "c: member $vid killed in fallback: each other member raises its DOWN once (not: $bad)"
			rc=1
		fi
	else
		log "members without the DOWN of $vid: $EV_SHORT"
		tap_fail "c: member $vid killed in fallback: every other member raises its DOWN within 40 s"
		rc=1
	fi
	# No member other than the victim went DOWN anywhere since the leader
	# was killed.
	# shellcheck disable=SC2086
	ev=$(ev_select ".event == \"state\" and .state == \"down\" and .time_ns > $tc0 and .peer != $vid and .peer != $LEADER_ID" $surv)
	false_down_result "c: no false DOWN of a member in any member's log since the leader was killed" "$ev" || rc=1

	# The leader back: member mode again.
	t0=$(mono_ns)
	kill_nodes up L || return 1
	f=".event == \"mode\" and .time_ns > $t0 and .old_mode == \"leaderless\" and .mode == \"member\" and .reason == \"leader_up\""
	# shellcheck disable=SC2086
	if ev_wait 60 "$f" 1 $surv &&
	   snap_wait 10 '.show.node.effective_mode == "member" and .show.node.leader == '"$LEADER_ID" $surv; then
		# shellcheck disable=SC2086
		max=$(ev_jq "[.[] | select($f) | .time_ns] | max" $surv)
		tap_ok "c: leader back: every member returns to member mode (MODE reason leader_up), the last after $(((max - T_AFTER) / 1000000)) ms"
	else
		log "not back: ${EV_SHORT:-} ${SNAP_BAD:-}"
		tap_fail "c: leader back: every member returns to member mode (MODE reason leader_up)"
		rc=1
	fi
	# And their views agree with the leader's: the victim DOWN, the rest UP.
	# shellcheck disable=SC2086
	if snap_wait 30 "[.show.peers[] | select(.state != \"up\") | .id] == [$vid]" $surv; then
		tap_ok "c: after the leader's return every member sees member $vid DOWN and all others UP"
	else
		log "members with another view: $SNAP_BAD"
		show_some 2 "$SNAP_BAD"
		tap_fail "c: after the leader's return every member sees member $vid DOWN and all others UP"
		rc=1
	fi
	return $rc
}

teardown_nodes()
{
	local n

	for n in "$@"; do
		stop_monitor "$n"
	done
	for n in "$@"; do
		cleanup_ns "$(nsof "$n")"
		"$IP" -n "$NS_SW" link del "${PORTNAME[$n]}" 2>/dev/null
	done
	return 0
}

# --- d: bad input --------------------------------------------------------------------

drops_of()
{
	hbj "$(nsof "$1")" node show 2>/dev/null | jq -c '.drops'
}

learn_limit_setup()
{
	local n c bs

	ID[LL]=200
	add_node LL 10.20.4.200/16 "" >/dev/null || return 1
	start_monitor LL "$(nsof LL)" >/dev/null
	for n in $(seq 1 8); do
		add_node "B$n" "10.20.4.$n/16" "" >/dev/null || return 1
		ID[B$n]=$((200 + n))
	done
	ID[X]=299
	add_node X 10.20.4.99/16 "" >/dev/null || return 1
	hbl LL node set id 200 cluster "$C_LIMIT" mode leader learn on \
		learn-limit 4 "${TIMING[@]}" || return 1
	bs=$(names B 1 8)
	for n in $bs X; do
		c=$C_LIMIT
		# X is in another cluster.
		[ "$n" = X ] && c=99
		hbn "$n" node set id "${ID[$n]}" cluster "$c" mode member \
			leader 200 "${TIMING[@]}" || return 1
		hbn "$n" peer add 200 10.20.4.200 "${TIMING[@]}" || return 1
	done
}

test_learn_limit()
{
	local bs rc=0 ll c0 c1 learned ev

	bs=$(names B 1 8)
	if ! learn_limit_setup; then
		tap_fail "d: learn limit and foreign cluster: set-up"
		# shellcheck disable=SC2086
		teardown_nodes LL X $bs
		return 1
	fi
	ll=$(nsof LL)
	if ! slowwait 30 learn_limit_reached "$ll"; then
		log "leader LL: $(hbj "$ll" node show | jq -c '{learned, drops}')"
		tap_fail "d: learn-limit 4 with 8 members: 4 learned within 30 s"
		return 1
	fi
	c0=$(drops_of LL)
	sleep 3
	c1=$(drops_of LL)
	learned=$(hbj "$ll" node show | jq -r .learned)
	snap LL
	ev=$(ev_jq '[.[] | select(.event == "learned") | .peer]' LL)
	log "LL: learned $learned, LEARNED events for $ev, drops $c0 -> $c1"
	if [ "$learned" = 4 ] &&
	   [ "$(snap_jq '[.[0].show.peers[] | select(.origin == "learned")] | length' LL)" = 4 ] &&
	   [ "$(jq length <<<"$ev")" = 4 ] &&
	   [ "$(jq '.learn_limit' <<<"$c1")" -gt "$(jq '.learn_limit' <<<"$c0")" ]; then
		tap_ok "d: learn-limit 4 with 8 members: exactly 4 learned, the others counted as learn_limit drops ($(jq .learn_limit <<<"$c0") -> $(jq .learn_limit <<<"$c1") in 3 s)"
	else
		show_snap LL
		tap_fail "d: learn-limit 4 with 8 members: exactly 4 learned (got $learned, events $ev), learn_limit drops rising"
		rc=1
	fi
	if [ "$(jq '.bad_cluster' <<<"$c1")" -gt "$(jq '.bad_cluster' <<<"$c0")" ] &&
	   [ "$(snap_jq '[.[0].show.peers[] | select(.id == 299)] | length' LL)" = 0 ] &&
	   [ "$(jq 'index(299)' <<<"$ev")" = null ]; then
		tap_ok "d: a member of cluster 99 is never learned; the leader counts bad_cluster ($(jq .bad_cluster <<<"$c0") -> $(jq .bad_cluster <<<"$c1") in 3 s)"
	else
		tap_fail "d: a member of cluster 99 is never learned; the leader counts bad_cluster (drops $c0 -> $c1)"
		rc=1
	fi
	# shellcheck disable=SC2086
	teardown_nodes LL X $bs
	return $rc
}

learn_limit_reached()
{
	hbj "$1" node show 2>/dev/null |
		jq -e '.learned == 4 and .drops.learn_limit > 0' >/dev/null
}

# The injector plays leader 300 for V: a background hb_inject sends a valid
# frame with a membership list every 100 ms, announcing 100 ms x 30 (so
# that V keeps following it for 3 s after it stops: the last check stops
# it first), with sequence numbers from 10^12;
# the malformed frames use higher sequence numbers, so that one accepted by
# mistake would make the genuine ones stale (and show).
INJ_LIST="302:1:4:10.20.5.2:7410,303:2:4:10.20.5.3:7410"
INJ_SEQ=2000000000000
INJ_PID=""

setup_injection()
{
	setup_ns NS_I || return 1
	qrun "$IP" link add eth0 netns "$NS_I" type veth peer name pI \
		netns "$NS_SW" || return 1
	qrun "$IP" -n "$NS_SW" link set pI master br0 up || return 1
	qrun "$IP" -n "$NS_I" addr add 10.20.5.100/16 dev eth0 || return 1
	qrun "$IP" -n "$NS_I" addr add 10.20.5.101/16 dev eth0 || return 1
	qrun "$IP" -n "$NS_I" link set eth0 up || return 1
	ID[V]=301
	add_node V 10.20.5.1/16 "" >/dev/null || return 1
	start_monitor V "$(nsof V)" >/dev/null
	hbl V node set id 301 cluster "$C_INJ" mode member leader 300 \
		"${TIMING[@]}" || return 1
	hbl V peer add 300 10.20.5.100 "${TIMING[@]}" || return 1
	hbl V peer add 310 10.20.5.101 "${TIMING[@]}" || return 1
	"$IP" netns exec "$NS_I" "$INJECT" --src 10.20.5.100 --dst 10.20.5.1 \
		--id 300 --cluster "$C_INJ" --seq 1000000000000 \
		--interval 100000 --multiplier 30 --count 100000 \
		--gap-us 100000 --members "$INJ_LIST" \
		>"$WORK/inject-leader.log" 2>&1 &
	INJ_PID=$!
	bg_track "$INJ_PID"
	log "[$NS_I] hb_inject plays leader 300 (10.20.5.100) for V: --members $INJ_LIST every 100 ms (pid $INJ_PID)"
}

# V follows leader 300 and took 302 (UP) and 303 (DOWN) from its list.
V_FOLLOWS='.node.effective_mode == "member" and .node.leader == 300 and
	([.peers[].id] == [300, 302, 303, 310]) and
	(.peers[0] | .state == "up") and
	(.peers[1] | .state == "up" and .origin == "leader" and .source == "leader") and
	(.peers[2] | .state == "down" and .origin == "leader" and .source == "leader")'
V_VIEW=""

v_follows()
{
	v_state | jq -e ".view | $V_FOLLOWS" >/dev/null
}

drop_value()
{
	jq -r ".$2 // empty" <<<"$1"
}

# v_state: {drops, view} of V from one hbctl -j show.
v_state()
{
	hbj "$(nsof V)" show 2>/dev/null | jq -c '{drops: .node.drops,
		view: {node: (.node | {effective_mode, leader, learned}),
		       peers: ([.peers[] | {id, state, origin, source}] |
			       sort_by(.id))}}'
}

# inj_bad DESC COUNTERS N ARGS...: N frames built by hb_inject ARGS go from
# the injector to V; one of the drop counters COUNTERS ("a|b") rises by
# exactly N, no other counter moves and V's view stays the same.
inj_bad()
{
	local desc=$1 counters=$2 n=$3 s0 s1 d0 v1 c moved=""

	shift 3
	s0=$(v_state)
	d0=$(jq -c .drops <<<"$s0")
	INJ_SEQ=$((INJ_SEQ + 1000))
	log "[$NS_I] hb_inject --dst 10.20.5.1 --count $n --seq $INJ_SEQ $*"
	if ! qrun "$IP" netns exec "$NS_I" "$INJECT" --dst 10.20.5.1 \
		--cluster "$C_INJ" --interval 100000 --multiplier 10 \
		--seq "$INJ_SEQ" --count "$n" "$@"; then
		tap_fail "d: $desc: hb_inject"
		return 1
	fi
	busywait 3000 drops_rose_by "$d0" "$n"
	sleep 0.2
	s1=$(v_state)
	v1=$(jq -c .view <<<"$s1")
	moved=$(jq -r '.[0].drops as $a | .[1].drops as $b |
		[$b | to_entries[] | select(.value != $a[.key]) |
		 "\(.key)+\(.value - $a[.key])"] | join(" ")' <<<"[$s0,$s1]")
	log "drops moved: ${moved:-none}"
	for c in ${counters//|/ }; do
		if [ "$moved" = "$c+$n" ]; then
			if [ "$v1" != "$V_VIEW" ]; then
				log "V before: $V_VIEW"
				log "V after:  $v1"
				tap_fail "d: $desc: dropped ($c +$n) but V's view changed"
				return 1
			fi
			tap_ok "d: $desc: dropped, $c +$n, V's view unchanged"
			return 0
		fi
	done
	tap_fail "d: $desc: want only ${counters//|/ or } +$n (moved: ${moved:-none})"
	return 1
}

drops_rose_by()
{
	local d

	d=$(drops_of V) || return 1
	jq -en --argjson a "$1" --argjson b "$d" --argjson n "$2" \
		'([$b[]] | add) - ([$a[]] | add) >= $n' >/dev/null
}

# hex of one struct hb_member: id 309, UP, IPv4 10.20.5.9 port 7410.
MEMBER_HEX=0000013501041cf20a140509000000000000000000000000

test_injection()
{
	local rc=0 d0 d1 v rx0 rx1

	require_cmd "$INJECT" || return "$KSFT_SKIP"
	if ! setup_injection; then
		tap_fail "d: injection set-up (V and the injector)"
		return 1
	fi
	# The injector works: V follows leader 300 and takes its list.
	if slowwait 20 v_follows; then
		# Give it one more detection time to settle, then it is the
		# view every dropped frame must leave alone.
		sleep 1
		V_VIEW=$(v_state | jq -c .view)
		log "V: $V_VIEW"
		tap_ok "d: hb_inject as leader 300: V follows it and learns 302 (UP) and 303 (DOWN) from its list"
	else
		log "V: $(v_state)"
		log "want: $V_FOLLOWS"
		log "V's drops: $(drops_of V)"
		tap_fail "d: hb_inject as leader 300: V follows it and learns 302 (UP) and 303 (DOWN) from its list"
		return 1
	fi
	local L=(--src 10.20.5.100 --id 300)
	inj_bad "MEMBERS TLV of 28 bytes (not a multiple of 24)" bad_members 3 \
		"${L[@]}" --tlv "1:${MEMBER_HEX}00000000"
	inj_bad "MEMBERS TLV of 20 bytes" bad_members 2 \
		"${L[@]}" --tlv "1:${MEMBER_HEX:0:40}"
	inj_bad "MEMBERS TLV without an entry" bad_members 2 \
		"${L[@]}" --members ""
	inj_bad "MEMBERS TLV longer than the frame" "bad_members|bad_length" 2 \
		"${L[@]}" --members "309:1:4:10.20.5.9:7410" --tlv-len 48
	inj_bad "member with id 0" bad_members 3 \
		"${L[@]}" --members "$INJ_LIST,0:1:4:10.20.5.9:7410"
	inj_bad "member with state 7" bad_members 3 \
		"${L[@]}" --members "$INJ_LIST,309:7:4:10.20.5.9:7410"
	inj_bad "member with state 3 (no such state)" bad_members 2 \
		"${L[@]}" --members "309:3:4:10.20.5.9:7410"
	inj_bad "member with unknown family 5" bad_members 3 \
		"${L[@]}" --members "$INJ_LIST,309:1:5:10.20.5.9:7410"
	inj_bad "member with family 0" bad_members 2 \
		"${L[@]}" --members "309:1:0:-:7410"
	inj_bad "two MEMBERS TLVs (duplicate TLV)" bad_members 3 \
		"${L[@]}" --members "$INJ_LIST" --members "309:1:4:10.20.5.9:7410"
	inj_bad "verdict with state 7" bad_members 2 \
		"${L[@]}" --members "$INJ_LIST" --verdicts "302:5:7"
	inj_bad "verdict about id 0" bad_members 2 \
		"${L[@]}" --members "$INJ_LIST" --verdicts "0:5:2:301"
	inj_bad "verdict with 9 confirmations (max 8)" bad_members 2 \
		"${L[@]}" --verdicts "302:5:2:1/2/3/4/5/6/7/8/9"
	inj_bad "verdict announcing 3 confirmations with 1 id" bad_members 2 \
		"${L[@]}" --verdicts "302:5:2:301" --tlv-conf 3
	inj_bad "VERDICTS TLV of 6 bytes" bad_members 2 \
		"${L[@]}" --tlv "2:000001300000"
	inj_bad "two VERDICTS TLVs (duplicate TLV)" bad_members 2 \
		"${L[@]}" --verdicts "302:5:1" --verdicts "303:5:1"
	# A membership list from a configured peer that is not a leader.
	inj_bad "membership list from configured non-leader peer 310" \
		not_leader 3 --src 10.20.5.101 --id 310 \
		--members "311:1:4:10.20.5.11:7410"

	# The genuine leader frames kept being accepted throughout (a malformed
	# frame taken for real would have made them stale).
	d0=$(drops_of V)
	sleep 2
	d1=$(drops_of V)
	v=$(v_state | jq -c .view)
	if [ "$d0" = "$d1" ] && [ "$v" = "$V_VIEW" ] &&
	   [ "$(drop_value "$d1" stale)" = 0 ]; then
		tap_ok "d: after the malformed frames the leader's frames are still accepted (no stale drop), V's view unchanged"
	else
		log "drops $d0 -> $d1; V: $v"
		tap_fail "d: after the malformed frames the leader's frames are still accepted, V's view unchanged"
		rc=1
	fi
	# Last, as it moves the sequence numbers on (the background leader
	# stops first): an unknown TLV type is skipped and the frame taken.
	kill "$INJ_PID" 2>/dev/null
	wait "$INJ_PID" 2>/dev/null
	rx0=$(peer_field "$(nsof V)" 300 rx)
	d0=$(drops_of V)
	INJ_SEQ=$((INJ_SEQ + 1000))
	qrun "$IP" netns exec "$NS_I" "$INJECT" --dst 10.20.5.1 \
		--cluster "$C_INJ" --interval 100000 --multiplier 30 \
		--seq "$INJ_SEQ" --count 2 "${L[@]}" --tlv 9:01020304 \
		--members "$INJ_LIST"
	busywait 3000 rx_grew "$(nsof V)" 300 "${rx0:-0}" 2
	sleep 0.2
	d1=$(drops_of V)
	rx1=$(peer_field "$(nsof V)" 300 rx)
	if [ "$d0" = "$d1" ] && [ "$rx1" = $((rx0 + 2)) ] &&
	   [ "$(v_state | jq -c .view)" = "$V_VIEW" ]; then
		tap_ok "d: a frame with an unknown TLV type (skipped) and a valid list is accepted (rx $rx0 -> $rx1)"
	else
		log "drops $d0 -> $d1, rx $rx0 -> $rx1"
		log "V now: $(v_state | jq -c .view)"
		tap_fail "d: a frame with an unknown TLV type (skipped) and a valid list is accepted"
		rc=1
	fi
	teardown_nodes V
	cleanup_ns "$NS_I"
	return $rc
}

# --- b: leaderless -------------------------------------------------------------------

# ring_setup PREFIX COUNT NET CLUSTER: COUNT leaderless nodes (k = 3), each
# configured with all the others.
ring_setup()
{
	local prefix=$1 count=$2 net=$3 cluster=$4 i j t0 t1 all

	add_nodes "$prefix" 1 "$count" "$net" || return 1
	all=$(names "$prefix" 1 "$count")
	# Every node, then every node's peers, in one hbctl -b (an operator's
	# configuration file; one process instead of about a thousand).
	for ((i = 1; i <= count; i++)); do
		echo "-n $(nsof "$prefix$i") node set id $i cluster $cluster mode leaderless monitors 3 ${TIMING[*]}"
	done >"$WORK/ring-$prefix.txt"
	for ((i = 1; i <= count; i++)); do
		for ((j = 1; j <= count; j++)); do
			[ "$j" -eq "$i" ] && continue
			echo "-n $(nsof "$prefix$i") peer add $j $net.$j ${TIMING[*]}"
		done
	done >>"$WORK/ring-$prefix.txt"
	log "configuring $count leaderless nodes and $((count * (count - 1))) peers (each node: the $((count - 1)) others, ${TIMING[*]}) with hbctl -b"
	t0=$(now_ms)
	qrun "$HBCTL" -b "$WORK/ring-$prefix.txt" || return 1
	t1=$(now_ms)
	log "$count leaderless nodes configured in $((t1 - t0)) ms"
	# shellcheck disable=SC2086
	if ! snap_wait 90 "[.show.peers[] | select(.state == \"up\")] | length == $((count - 1))" $all; then
		log "nodes without all peers UP: $SNAP_BAD"
		show_some 2 "$SNAP_BAD"
		fail "not every node sees the $((count - 1)) others UP within 90 s"
		return 1
	fi
	log "every node sees the $((count - 1)) others UP $(($(now_ms) - t1)) ms after the configuration"
}

# The victims of b.
B_NONADJ=""
B_ADJ=""
HAVE_RING=0
RING=""

# peers_grew: tx deltas between the two snapshots of rate_window: the tx
# peers grew by at least MIN, the others not at all.  Prints offenders.
tx_grew_only_on_tx()
{
	local min=$1 n bad=() r

	shift
	for n in "$@"; do
		r=$(jq -n --slurpfile a "$WORK/snap-tx0/$n.json" \
			--slurpfile b "$SNAP/$n.json" --argjson min "$min" '
			($a[0].peers | map({key: (.id | tostring), value: .tx}) |
			 from_entries) as $t0 |
			[$b[0].peers[] | (.tx - ($t0[.id | tostring] // 0)) as $d |
			 select((((.roles // []) | index("tx")) and $d < $min) or
				(((.roles // []) | index("tx")) == null and $d != 0)) |
			 "\(.id):\($d)"] | join(",")' -r) || r="(jq failed)"
		[ -z "$r" ] || bad+=("${n}[$r]")
	done
	TX_BAD="${bad[*]}"
	[ ${#bad[@]} -eq 0 ]
}
TX_BAD=""
RATE32=0

test_ring_roles()
{
	local rc=0 watch_exp

	# shellcheck disable=SC2086
	if tx_check 30 R "$RING" "$(seq -s ' ' 1 "$N")" "" 3; then
		tap_ok "b: each of the $N nodes beats to exactly its 3 ring successors (role tx)"
	else
		log "nodes with other tx peers: $SNAP_BAD"
		show_some 2 "$SNAP_BAD"
		tap_fail "b: each of the $N nodes beats to exactly its 3 ring successors (role tx)"
		rc=1
	fi
	# Watchers: the 3 predecessors (whose successors the node is).
	watch_exp="(.name | ltrimstr(\"R\") | tonumber) as \$s |
		([.show.peers[] | select((.roles // []) | index(\"watch\")) | .id] | sort) ==
		([1, 2, 3] | map((\$s - 1 - . + $N) % $N + 1) | sort)"
	# shellcheck disable=SC2086
	if snap_wait 20 "$watch_exp" $RING; then
		tap_ok "b: each node watches exactly its 3 ring predecessors (role watch)"
	else
		log "nodes with other watched peers: $SNAP_BAD"
		tap_fail "b: each node watches exactly its 3 ring predecessors (role watch)"
		rc=1
	fi
	# shellcheck disable=SC2086
	if ! rate_window 5 $RING; then
		tap_fail "b: tx counters over 5 s"
		return 1
	fi
	RATE32=$RATE_AVG
	# shellcheck disable=SC2086
	if tx_grew_only_on_tx 10 $RING; then
		tap_ok "b: over 5 s the tx counters grow on the 3 tx peers only ($RATE_AVG frames/s per node)"
	else
		log "offenders node[peer:delta]: $TX_BAD"
		tap_fail "b: over 5 s the tx counters grow on the 3 tx peers only"
		rc=1
	fi
	return $rc
}

# ring_kill TAG "VICTIM_IDS" "DEAD_BEFORE" "CONF_EXPECT": kill the victims;
# every survivor raises exactly one DOWN per victim with the confirmations
# of CONF_EXPECT ("id:conf[,conf] ..."), and the ring heals around them.
ring_kill()
{
	local tag=$1 vids=$2 dead0=$3 expect=$4 v surv victims=() f t0 ev rc=0
	local vlist conf_bad dead w

	for v in $vids; do
		victims+=("R$v")
	done
	dead="$dead0 $vids"
	# shellcheck disable=SC2046 # a list of names
	surv=$(without "$RING" $(for v in $dead; do echo "R$v"; done))
	vlist=$(tr ' ' ',' <<<"$vids")
	t0=$(mono_ns)
	kill_nodes down "${victims[@]}" || return 1
	f=".event == \"state\" and .state == \"down\" and .time_ns > $t0 and ([.peer] | inside([$vlist]))"
	# shellcheck disable=SC2086
	if ! ev_wait 60 "$f" "$(wc -w <<<"$vids")" $surv; then
		log "survivors without every DOWN: $EV_SHORT"
		# shellcheck disable=SC2001 # a regular expression
		show_some 2 "$(sed 's/:[0-9]*//g' <<<"$EV_SHORT")"
		tap_fail "b: $tag: every survivor raises DOWN for $vlist within 60 s"
		return 1
	fi
	sleep 3
	# shellcheck disable=SC2086
	ev=$(ev_jq "[.[] | select($f)]" $surv)
	jq -c '[.[] | {peer, reason, source, confirmations, monitors}] |
		group_by(.peer)[] | {peer: .[0].peer, events: length,
		kinds: (group_by([.reason, .source, .confirmations, .monitors]) |
		map(.[0] + {n: length} | del(.peer)))}' <<<"$ev" |
		sed 's/^/#   /'
	# Exactly one DOWN per victim on each survivor.
	# shellcheck disable=SC2086
	conf_bad=$(jq -r --arg names "$surv" --argjson v "[$vlist]" '
		. as $e | [$names | split(" ")[] | . as $m |
		 [$e[] | select(.node == $m) | .peer] | sort |
		 select(. != $v) | "\($m):\(map(tostring) | join(","))"] |
		join(" ")' <<<"$ev")
	if [ -z "$conf_bad" ]; then
		tap_ok "b: $tag: each of the $(wc -w <<<"$surv") survivors raises exactly one DOWN per victim ($vlist), the last after $((($(jq 'map(.time_ns) | max' <<<"$ev") - T_AFTER) / 1000000)) ms"
	else
		log "survivors with other DOWN counts: $conf_bad"
		tap_fail "b: $tag: each survivor raises exactly one DOWN per victim ($vlist)"
		rc=1
	fi
	# Confirmations: at least 2 everywhere, and the live monitors' count.
	for v in $expect; do
		w=${v#*:}
		conf_bad=$(jq -r --argjson id "${v%%:*}" --argjson want "[$w]" '
			[.[] | select(.peer == $id) |
			 select((.confirmations // 0) < 2 or
				(.confirmations | IN($want[]) | not) or
				(.monitors // 0) < .confirmations) |
			 "\(.node):\(.confirmations)/\(.monitors)"] | join(" ")' <<<"$ev")
		if [ -z "$conf_bad" ]; then
			tap_ok "b: $tag: every DOWN of ${v%%:*} carries ${w//,/ or } confirmations (its live monitors)"
		else
			log "events with other confirmations/monitors: $conf_bad"
			tap_fail "b: $tag: every DOWN of ${v%%:*} carries ${w//,/ or } confirmations (its live monitors)"
			rc=1
		fi
	done
	# The ring heals: each survivor beats to its 3 live successors and to
	# the DOWN nodes on the way.
	# shellcheck disable=SC2086
	if tx_check 30 R "$surv" "$(seq -s ' ' 1 "$N")" "$dead" 3; then
		tap_ok "b: $tag: the ring heals (each survivor beats to its 3 live successors and the DOWN nodes before them)"
	else
		log "survivors with other tx peers: $SNAP_BAD"
		show_some 2 "$SNAP_BAD"
		tap_fail "b: $tag: the ring heals around the DOWN nodes"
		rc=1
	fi
	return $rc
}

test_ring_kills()
{
	local a b c rc=0 d1 d2 t0 f all_dead surv never

	a=2
	b=$((2 + N / 4))
	c=$((2 + N / 2))
	d1=$((2 + 3 * N / 4))
	d2=$((d1 + 1))
	B_NONADJ="$a $b $c"
	B_ADJ="$d1 $d2"
	ring_kill "kill $a, $b, $c (non-adjacent)" "$B_NONADJ" "" \
		"$a:3 $b:3 $c:3" || rc=1
	# The lower of an adjacent pair has one dead monitor (the higher): 2
	# confirmations when its DOWN is decided first, 3 when the ring has
	# already healed around the higher one (its next live successor is a
	# monitor then).  Either way every live monitor confirmed it.
	ring_kill "then kill $d1, $d2 (adjacent)" "$B_ADJ" "$B_NONADJ" \
		"$d1:2,3 $d2:3" || rc=1

	# Back: everyone UP everywhere, and the ring as at the start.
	all_dead="$B_NONADJ $B_ADJ"
	t0=$(mono_ns)
	# shellcheck disable=SC2046,SC2086
	kill_nodes up $(for f in $all_dead; do echo "R$f"; done) || return 1
	# shellcheck disable=SC2046
	never=$(without "$RING" $(for f in $all_dead; do echo "R$f"; done))
	# shellcheck disable=SC2086
	if snap_wait 60 "[.show.peers[] | select(.state == \"up\")] | length == $((N - 1))" $RING &&
	   ev_wait 10 ".event == \"state\" and .state == \"up\" and .time_ns > $t0 and ([.peer] | inside([$(tr ' ' ',' <<<"$all_dead")]))" 5 $never; then
		tap_ok "b: the 5 nodes back: every node sees all $((N - 1)) others UP (UP events on every survivor) after $((($(mono_ns) - t0) / 1000000)) ms"
	else
		log "not all UP: ${SNAP_BAD:-} ${EV_SHORT:-}"
		show_some 2 "$SNAP_BAD"
		tap_fail "b: the 5 nodes back: every node sees all $((N - 1)) others UP"
		rc=1
	fi
	# Back UP, a peer shows no confirmations of its old DOWN, and when
	# and why it last changed state.
	# shellcheck disable=SC2086
	if snap_bad '[.show.peers[] | select(.state == "up" and
		((.confirmations // 0) > 0 or (.monitors // 0) > 0 or
		 .last_change_ms == null or .change_reason == null))] |
		length == 0' $RING; then
		tap_ok "b: peers back UP show no stale confirmations, and their last change"
	else
		log "nodes with stale confirmations or no last change: $SNAP_BAD"
		show_some 2 "$SNAP_BAD"
		tap_fail "b: peers back UP show no stale confirmations, and their last change"
		rc=1
	fi
	if tx_check 30 R "$RING" "$(seq -s ' ' 1 "$N")" "" 3; then
		tap_ok "b: re-admitted: each node beats to its 3 ring successors again"
	else
		log "nodes with other tx peers: $SNAP_BAD"
		tap_fail "b: re-admitted: each node beats to its 3 ring successors again"
		rc=1
	fi
	# shellcheck disable=SC2086
	surv=$(ev_select ".event == \"state\" and .state == \"down\" and ([.peer] | inside([$(tr ' ' ',' <<<"$all_dead")]) | not)" $never)
	false_down_result "b: no false DOWN: the $(wc -w <<<"$never") nodes never killed never saw a live node DOWN" "$surv" || rc=1
	return $rc
}

# --- e: scale -----------------------------------------------------------------------

test_scale()
{
	local rsmall ratio rstatic rc=0 all n small=$((N / 2))

	require_cmd join || return "$KSFT_SKIP"
	all=$(names S 1 "$small")
	if ! ring_setup S "$small" 10.20.3 "$C_SCALE"; then
		tap_fail "e: $small leaderless nodes reach UP"
		return 1
	fi
	# shellcheck disable=SC2086
	tx_check 30 S "$all" "$(seq -s ' ' 1 "$small")" "" 3 ||
		log "$small nodes: other tx peers on $SNAP_BAD"
	# shellcheck disable=SC2086
	rate_window 5 $all || { tap_fail "e: tx counters of $small nodes"; return 1; }
	rsmall=$RATE_AVG
	if [ "$RATE32" -eq 0 ]; then
		tap_fail "e: no rate measured at $N nodes"
		return 1
	fi
	ratio=$(awk -v a="$RATE32" -v b="$rsmall" 'BEGIN { printf "%.2f", a / b }')
	log "leaderless k=3: $rsmall frames/s per node at $small nodes, $RATE32 at $N nodes (ratio $ratio)"
	if awk -v r="$ratio" 'BEGIN { exit !(r <= 1.3 && r >= 1 / 1.3) }'; then
		tap_ok "e: leaderless k=3: frames/s per node $rsmall at $small nodes, $RATE32 at $N nodes (x$ratio: grows with k, not N)"
	else
		tap_fail "e: leaderless k=3: frames/s per node $rsmall at $small nodes vs $RATE32 at $N nodes (x$ratio, want within 1.3x)"
		rc=1
	fi
	# Contrast: the same nodes as a static mesh beat to all the others.
	for n in $all; do
		echo "-n $(nsof "$n") node set mode static"
	done >"$WORK/static.txt"
	qrun "$HBCTL" -b "$WORK/static.txt" ||
		{ tap_fail "e: node set mode static"; return 1; }
	sleep 2
	# shellcheck disable=SC2086
	rate_window 5 $all || { tap_fail "e: tx counters of the static mesh"; return 1; }
	rstatic=$RATE_AVG
	log "static mesh of $small: $rstatic frames/s per node (leaderless: $rsmall)"
	if [ "$rstatic" -gt $((small * rsmall / 5)) ]; then
		tap_ok "e: contrast: the same $small nodes as a static mesh send $rstatic frames/s per node (N-1 peers) vs $rsmall leaderless"
	else
		tap_fail "e: contrast: a static mesh of $small sends more than $small/5 times the leaderless rate ($rstatic vs $rsmall)"
		rc=1
	fi
	# shellcheck disable=SC2086
	teardown_nodes $all
	return $rc
}

# --- g: endpoints that move ---------------------------------------------------------

# A small leader cluster 56: leader LM (id 400) 10.20.6.100, members G1..G3
# (ids 1-3) 10.20.6.1-3 configured with only the leader.  G3 changes its
# address to 10.20.6.33: with the same incarnation its frames are
# bad_source and nothing moves; once it restarts (node restart: a new
# incarnation) the leader moves it (MOVED, reason incarnation) and so do
# G1 and G2 from the leader's list (reason leader).  A frame of an older
# incarnation from a third endpoint moves nothing.
C_MOVE=56
MOVE_LEADER=400

# move_peer_is NAME ID ADDRESS: node NAME has peer ID at ADDRESS, UP.
move_peer_is()
{
	[ "$(peer_field "$(nsof "$1")" "$2" address)" = "$3" ] &&
		peer_is "$(nsof "$1")" "$2" up
}

# move_setup: the cluster, with every member's view complete.
move_setup()
{
	local n

	ID[LM]=$MOVE_LEADER
	add_node LM 10.20.6.100/16 "" >/dev/null || return 1
	start_monitor LM "$(nsof LM)" >/dev/null
	add_nodes G 1 3 10.20.6 || return 1
	hbl LM node set id "$MOVE_LEADER" cluster "$C_MOVE" mode leader \
		learn on "${TIMING[@]}" || return 1
	for n in G1 G2 G3; do
		hbl "$n" node set id "${ID[$n]}" cluster "$C_MOVE" mode member \
			leader "$MOVE_LEADER" "${TIMING[@]}" || return 1
		hbl "$n" peer add "$MOVE_LEADER" "${ADDR[LM]}" "${TIMING[@]}" ||
			return 1
	done
	for n in G1 G2; do
		if ! slowwait 30 move_peer_is "$n" 3 10.20.6.3; then
			run hbj "$(nsof "$n")" show
			log "$n does not list member 3 at 10.20.6.3, UP, within 30 s"
			return 1
		fi
	done
	slowwait 30 move_peer_is LM 3 10.20.6.3
}

test_move()
{
	local ns3 d0 d1 tb ev n rc=0 want inc

	if ! move_setup; then
		tap_fail "g: leader 400 learns members 1-3, each member lists the others"
		teardown_nodes LM G1 G2 G3
		return 1
	fi
	ns3=$(nsof G3)

	# The same incarnation from a new address: refused.
	d0=$(drop_count "$(nsof LM)" bad_source)
	tb=$(mono_ns)
	qrun "$IP" -n "$ns3" addr del 10.20.6.3/16 dev eth0 &&
	qrun "$IP" -n "$ns3" addr add 10.20.6.33/16 dev eth0 || rc=1
	log "G3 moved from 10.20.6.3 to 10.20.6.33 (same incarnation)"
	sleep 3
	d1=$(drop_count "$(nsof LM)" bad_source)
	ev=$(ev_select ".event == \"moved\" and .time_ns > $tb" LM G1 G2)
	log "leader bad_source $d0 -> $d1; moved events: ${ev:-none}"
	if [ "$rc" -eq 0 ] && [ "$d1" -gt "$d0" ] && [ -z "$ev" ] &&
	   [ "$(peer_field "$(nsof LM)" 3 address)" = 10.20.6.3 ]; then
		tap_ok "g: frames of the same incarnation from a new address are bad_source, nothing moves ($d0 -> $d1 in 3 s)"
	else
		tap_fail "g: frames of the same incarnation from a new address are bad_source, nothing moves"
		rc=1
	fi

	# A restart there: the leader moves it, the members follow its list.
	tb=$(mono_ns)
	hbl G3 node restart || rc=1
	inc=$(hbj "$ns3" node show | jqb -r .incarnation)
	want=".event == \"moved\" and .peer == 3 and .address == \"10.20.6.33\" and .port == 7410 and .time_ns > $tb"
	if ev_wait 30 "$want and .reason == \"incarnation\"" 1 LM &&
	   slowwait 30 move_peer_is LM 3 10.20.6.33; then
		tap_ok "g: after its restart (incarnation $inc) the leader moves member 3 to 10.20.6.33 (MOVED, reason incarnation), UP"
	else
		log "leader events: $(ev_select "$want" LM)"
		run hbj "$(nsof LM)" show
		tap_fail "g: after its restart the leader moves member 3 to 10.20.6.33 (MOVED, reason incarnation), UP"
		rc=1
	fi
	if ev_wait 30 "$want and .reason == \"leader\"" 1 G1 G2 &&
	   slowwait 30 move_peer_is G1 3 10.20.6.33 &&
	   slowwait 30 move_peer_is G2 3 10.20.6.33; then
		tap_ok "g: members 1 and 2 follow the leader's list (MOVED, reason leader)"
	else
		log "members without the event: $EV_SHORT"
		for n in G1 G2; do
			run hbj "$(nsof "$n")" show
		done
		tap_fail "g: members 1 and 2 follow the leader's list (MOVED, reason leader)"
		rc=1
	fi

	# A frame of an older incarnation from a third endpoint moves nothing.
	if [ -x "$INJECT" ]; then
		qrun "$IP" -n "$ns3" addr add 10.20.6.44/16 dev eth0
		d0=$(drop_count "$(nsof LM)" bad_source)
		tb=$(mono_ns)
		qrun "$IP" netns exec "$ns3" "$INJECT" --src 10.20.6.44 \
			--sport 7411 --dst 10.20.6.100 --id 3 \
			--cluster "$C_MOVE" --incarnation 1 --seq 1000000 \
			--count 5 --gap-us 10000
		sleep 1
		d1=$(drop_count "$(nsof LM)" bad_source)
		ev=$(ev_select ".event == \"moved\" and .time_ns > $tb" LM)
		if [ "$d1" -ge $((d0 + 5)) ] && [ -z "$ev" ] &&
		   move_peer_is LM 3 10.20.6.33; then
			tap_ok "g: 5 frames of an older incarnation from 10.20.6.44:7411 are bad_source, member 3 stays at 10.20.6.33"
		else
			log "bad_source $d0 -> $d1, events ${ev:-none}"
			tap_fail "g: 5 frames of an older incarnation from 10.20.6.44:7411 are bad_source, member 3 stays at 10.20.6.33"
			rc=1
		fi
	else
		tap_missing "g: an older incarnation from a third endpoint" "no hb_inject"
	fi
	teardown_nodes LM G1 G2 G3
	return $rc
}

# --- main ---------------------------------------------------------------------------

tap_header
log "heartbeat cluster selftests: kernel $(uname -r), hbctl $HBCTL, module $MODULE, $N nodes, ${INTERVAL} x $MULT"
dmesg_mark cluster-start
T_START=$(now_ms)

phase()
{
	log "== $* ($((($(now_ms) - T_START) / 1000)) s)"
}

missing=0
for t in "$IP" jq "$CLOCK" modprobe insmod rmmod xargs; do
	require_cmd "$t" || missing=1
done
if [ "$N" -lt 16 ]; then
	log "HB_CLUSTER_N must be at least 16"
	missing=1
fi
if [ "$missing" -eq 0 ]; then
	load_module
	rc=$?
else
	rc=$KSFT_SKIP
fi
tap_result "$rc" "0: load heartbeat.ko"
if [ "$HAVE_MODULE" -ne 1 ] || ! setup_switch; then
	for t in "a: leader mode" "c: fallback" "d: bad input" \
		"b: leaderless" "e: scale" "g: endpoints that move"; do
		tap_skip "$t" "module, tools or switch missing"
	done
	tap_finish
	exit $?
fi
# Does this kernel and hbctl know cluster modes?
setup_ns NS_PROBE
if ! qrun "$HBCTL" -n "$NS_PROBE" node set id 1 mode leader ||
   [ "$(hbj "$NS_PROBE" node show | jq -r '.mode // empty')" != leader ]; then
	log "hbctl node set mode leader is not supported (or node show has no mode)"
	for t in "a: leader mode" "c: fallback" "d: bad input" \
		"b: leaderless" "e: scale" "g: endpoints that move"; do
		tap_fail "$t: cluster modes supported by the kernel and hbctl"
	done
	tap_finish
	exit $?
fi
cleanup_ns "$NS_PROBE"
start_stall_log
t0=$(now_ms)
for t in 1 2 3 4 5; do
	"$HBCTL" -j node show >/dev/null
done
log "guest speed: hbctl -j node show takes $((($(now_ms) - t0) / 5)) ms"

if want a || want c; then
	phase "a: leader mode, $N members"
	setup_leader_cluster
	tap_result $? "a: the leader learns all $N members (learned == $N)${LEARN_MS:+, $LEARN_MS}"
fi
if [ "$HAVE_LEADER" -eq 1 ]; then
	if want a; then
		test_leader_learned
		tap_result $? "a: one LEARNED event per member (origin learned), hbctl show and /proc/net/heartbeat list them"
	fi
	test_member_views
	tap_result $? "a: every member lists the $((N - 1)) other members (origin leader, source leader) and the leader, all UP"
	if want a; then
		test_leader_kill
		test_leader_back
		tap_result $? "a: the 3 members back: UP on the leader and in every member's view"
		test_leader_rekill
	fi
	if want c; then
		phase "c: fallback"
		test_fallback
	fi
elif want a || want c; then
	tap_skip "a/c: kills and fallback" "no leader cluster"
fi
# shellcheck disable=SC2086
[ -n "$MEMBERS" ] && teardown_nodes L $MEMBERS

if want d; then
	phase "d: bad input"
	test_learn_limit
	test_injection
	[ $? -eq "$KSFT_SKIP" ] && tap_missing "d: malformed TLVs" "no hb_inject"
fi

if want b || want e; then
	phase "b: leaderless, $N nodes"
	RING=$(names R 1 "$N")
	ring_setup R "$N" 10.20.2 "$C_RING"
	rc=$?
	[ "$rc" -eq 0 ] && HAVE_RING=1
	tap_result "$rc" "b: $N leaderless nodes (k=3, the $((N - 1)) others configured on each): all UP everywhere"
fi
if [ "$HAVE_RING" -eq 1 ]; then
	test_ring_roles
	if want b; then
		phase "b: kills"
		test_ring_kills
	fi
	# shellcheck disable=SC2086
	teardown_nodes $RING
elif want b || want e; then
	tap_skip "b: leaderless roles, kills and re-admission" "no leaderless ring"
fi

if want e; then
	phase "e: scale"
	test_scale
	rc=$?
	[ "$rc" -eq "$KSFT_SKIP" ] && tap_missing "e: scale" "join missing"
fi

if want g; then
	phase "g: endpoints that move"
	test_move
fi

phase "done"
log "$(stall_summary)"
if dmesg_clean_since cluster-start; then
	tap_ok "f: no kernel warning in dmesg during the run"
else
	tap_fail "f: no kernel warning in dmesg during the run"
fi
tap_finish
