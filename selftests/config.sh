#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration files and the systemd unit (issue 12, items 2 and 3):
# hbctl setconf, syncconf, showconf and flush, run the way
# systemd/heartbeat@.service runs them.  Runs as root inside the QEMU
# guest started by selftests/vm.sh.  Prints TAP 13; exit 0 pass, 1 fail,
# 4 skip.
#
# systemd does not run in the guest.  The unit's Exec lines are read from
# the unit file itself and run as the unit would run them with
# NetworkNamespacePath= (in the node's namespace, ip netns exec), with
# %i the instance, /etc/heartbeat/ moved to a writable directory,
# "hbctl" the one under test and modprobe given the test's module tree.
#
# Topology: every node is a network namespace with one veth into the
# bridge br0 of the switch namespace "sw"; cluster 71, 100 ms x 20 (a
# detection time of 2 s, so that a guest stall cannot fake a DOWN), every
# node with key 1 (one KeyFile) and Auth = on.
#
#                 +-------------- sw ---------------+
#                 |               br0               |
#                 |   pA      pB      pC      pD    |
#                 +---+-------+-------+-------+-----+
#                     |       |       |       |
#     hb1 A 10.50.0.1 +       |       |       +-- D 10.50.0.4 hb4 (test 3)
#     hb2 B 10.50.0.2 --------+       +---------- C 10.50.0.3 hb3
#
# Tests (each line of TAP names its test number):
#   1 the unit's ExecStartPre (modprobe heartbeat) in A's namespace loads
#     the module after rmmod, from a module tree of the test's own (modprobe
#     -d: the built heartbeat.ko, udp_tunnel and ip6_udp_tunnel, depmod'ed)
#   2 ExecStart (setconf) of hb1.conf, hb2.conf, hb3.conf in A, B, C: a
#     full mesh UP; showconf gives back the files' settings
#   3 A's file loses peer C and gains peer D (hb4.conf started on D);
#     ExecReload (syncconf) on A: A's peers are B and D, D comes UP, C sees
#     A DOWN; A's incarnation did not change, A raised no event for B and
#     B none for A (no RESTARTED, no DOWN on the untouched pair)
#   4 showconf | setconf /dev/stdin on every node: exit 0, no event on any
#     node within 1.5 s (15 intervals), showconf unchanged
#   5 bad files: a bad value on line N after other changes, and a missing
#     KeyFile: setconf exits 1 naming FILE:N and what is wrong, and nothing
#     changed on A (the file's node) or B (its peer): showconf, event_seq,
#     no event
#   6 ExecStop (flush) on D: no peer, no key, auth off
#   7 no kernel warning in dmesg
#
# Environment: HBCTL, HB_MODULE (heartbeat.ko), HB_RESULTS (logs go to
# $HB_RESULTS/work-config).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

HBCTL=${HBCTL:-$REPO/tools/hbctl/hbctl}
MODULE=${HB_MODULE:-$REPO/heartbeat.ko}
UNIT=$REPO/systemd/heartbeat@.service
WORK=${HB_RESULTS:-/tmp}/work-config
ETC=$WORK/etc/heartbeat
MODROOT=$WORK/modroot
rm -rf "$WORK"
mkdir -p "$ETC/keys"

# shellcheck disable=SC2034 # read through nsof
NS_SW="" NS_A="" NS_B="" NS_C="" NS_D=""
declare -A INST=([A]=hb1 [B]=hb2 [C]=hb3 [D]=hb4)
declare -A NODEID=([A]=1 [B]=2 [C]=3 [D]=4)

cleanup()
{
	cleanup_bg
	cleanup_all_ns
}
trap cleanup EXIT

# --- helpers ------------------------------------------------------------------

# unit_run KEY NAME: run the unit's KEY= line (ExecStart, ...) for node
# NAME as systemd would with NetworkNamespacePath= set to NAME's namespace.
# Its output goes to $WORK/KEY-NAME.out, its status is returned.
unit_run()
{
	local key=$1 name=$2 line words rc=0

	line=$(sed -n "s/^$key=//p" "$UNIT")
	if [ -z "$line" ]; then
		log "no $key= line in $UNIT"
		return 1
	fi
	line=${line//%i/${INST[$name]}}
	line=${line//\/etc\/heartbeat\//$ETC/}
	read -ra words <<<"$line"
	[ "${words[0]}" = hbctl ] && words[0]=$HBCTL
	[ "${words[0]}" = modprobe ] && words=(modprobe -d "$MODROOT" "${words[@]:1}")
	log "[$name] $key: ${words[*]}"
	"$IP" netns exec "$(nsof "$name")" "${words[@]}" \
		>"$WORK/$key-$name.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$WORK/$key-$name.out"
	return "$rc"
}

# conf NAME PEER...: write node NAME's configuration file, peers by name.
conf()
{
	local name=$1 p f

	f=$ETC/${INST[$name]}.conf
	shift
	{
		echo "# node $name"
		printf '[Node]\nId = %s\nCluster = 71\nInterval = 100ms\n' \
			"${NODEID[$name]}"
		printf 'Multiplier = 20\nAuth = on\n\n'
		printf '[Key]\nId = 1\nKeyFile = %s\nPrimary = yes\n' \
			"$ETC/keys/1.key"
		for p in "$@"; do
			printf '\n[Peer]  # node %s\nId = %s\nAddress = %s\n' \
				"$p" "${NODEID[$p]}" "${ADDR[$p]}"
			printf 'Interval = 100ms\nMultiplier = 20\n'
		done
	} >"$f"
}

# peer_ids NAME: the ids of node NAME's configured peers, "2 4" (from
# /proc/net/heartbeat through its monitor, else hbctl and jq).
peer_ids()
{
	local line ids=() v

	if ! ns_proc "$(nsof "$1")" heartbeat; then
		hbj "$(nsof "$1")" show 2>/dev/null |
			jq -r '[.peers[] | select(.origin == "configured") |
				.id] | map(tostring) | join(" ")'
		return
	fi
	while read -ra v; do
		[ "${v[12]:-}" != configured ] || ids+=("${v[0]}")
	done <<<"${NS_TEXT#*$'\n'}"
	echo "${ids[*]}"
}

# peer_state_is NAME ID STATE
peer_state_is()
{
	peer_is "$(nsof "$1")" "$2" "$3"
}

node_val()
{
	hbj "$(nsof "$1")" node show 2>/dev/null | jqb -r ".$2"
}

# event_seq NAME: the node's event sequence number (no jq: it is slow to
# start in the guest).
event_seq()
{
	local line

	while IFS= read -r line; do
		[[ $line != "event seq:"* ]] || echo "${line##* }"
	done < <("$HBCTL" -n "$(nsof "$1")" node show)
}

showconf()
{
	"$HBCTL" -n "$(nsof "$1")" showconf 2>&1
}

# Processes are slow to start in the emulated guest (jq above all): the
# snapshots below use bash's builtins where they can.

# lines FILE: the number of lines of FILE.
lines()
{
	local l

	mapfile -t l <"$1"
	echo "${#l[@]}"
}

# snapshot NAME...: event_seq, showconf and the monitor's length of each
# node, in SNAP_*.
declare -A SNAP_SEQ SNAP_CONF SNAP_MON
snapshot()
{
	local n

	for n in "$@"; do
		SNAP_SEQ[$n]=$(event_seq "$n")
		SNAP_CONF[$n]=$(showconf "$n")
		SNAP_MON[$n]=$(lines "${MON[$n]}")
	done
}

# new_events NAME FILTER: node NAME raised no event matching FILTER since
# its snapshot (1 and the events logged if it did).
new_events()
{
	local ev

	ev=$(tail -n +"$((SNAP_MON[$1] + 1))" "${MON[$1]}" |
		jq -c "select($2)" 2>/dev/null)
	[ -z "$ev" ] && return 0
	printf '%s\n' "$ev" | sed 's/^/#   /'
	return 1
}

# unchanged NAME...: nothing changed on these nodes since snapshot.
unchanged()
{
	local n seq conf ok=0

	for n in "$@"; do
		seq=$(event_seq "$n")
		if [ "$seq" != "${SNAP_SEQ[$n]}" ]; then
			log "node $n: event_seq ${SNAP_SEQ[$n]} -> $seq"
			ok=1
		fi
		conf=$(showconf "$n")
		if [ "$conf" != "${SNAP_CONF[$n]}" ]; then
			log "node $n: showconf changed:"
			diff -u <(echo "${SNAP_CONF[$n]}") <(echo "$conf") |
				sed 's/^/#   /'
			ok=1
		fi
		if [ "$(lines "${MON[$n]}")" != "${SNAP_MON[$n]}" ]; then
			log "node $n: new events:"
			tail -n +"$((SNAP_MON[$n] + 1))" "${MON[$n]}" |
				sed 's/^/#   /'
			ok=1
		fi
	done
	return "$ok"
}

setup_nodes()
{
	setup_switch || return 1
	add_nodes_bulk A 10.50.0.1/24 B 10.50.0.2/24 C 10.50.0.3/24 \
		D 10.50.0.4/24 || return 1
	(umask 077 && "$HBCTL" genkey >"$ETC/keys/1.key") || return 1
	conf A B C
	conf B A C
	conf C A B
	conf D A
}

# --- tests --------------------------------------------------------------------

# A module tree of its own for modprobe -d: the built heartbeat.ko and the
# modules it needs, with depmod's index.
make_modroot()
{
	local kver d f

	kver=$(uname -r)
	d=$MODROOT/lib/modules/$kver
	mkdir -p "$d/updates" "$d/kernel" || return 1
	cp "$MODULE" "$d/updates/" || return 1
	for f in /lib/modules/"$kver"/kernel/net/ipv4/udp_tunnel.ko* \
		/lib/modules/"$kver"/kernel/net/ipv6/ip6_udp_tunnel.ko*; do
		[ -f "$f" ] && cp "$f" "$d/kernel/"
	done
	qrun depmod -b "$MODROOT" "$kver"
}

test_modprobe()
{
	local rc=0

	make_modroot || fail "no module tree for modprobe -d" || rc=1
	if [ -e /sys/module/heartbeat ]; then
		run rmmod heartbeat || rc=1
	fi
	if [ "$rc" -eq 0 ] && unit_run ExecStartPre A &&
		[ -e /sys/module/heartbeat ]; then
		tap_ok "1: ExecStartPre (modprobe heartbeat) loads the module"
		return 0
	fi
	tap_fail "1: ExecStartPre (modprobe heartbeat) loads the module"
	[ -e /sys/module/heartbeat ] || run insmod "$MODULE"
}

test_start()
{
	local n rc=0

	for n in A B C; do
		start_monitor "$n" "$(nsof "$n")"
	done
	for n in A B C; do
		unit_run ExecStart "$n" || rc=1
	done
	[ "$rc" -eq 0 ] || { tap_fail "2: ExecStart (setconf) on A, B, C"; return 1; }
	if ! slowwait 60 nodes_all_up A B C; then
		show_nodes A B C
		tap_fail "2: A, B, C UP after ExecStart"
		return 1
	fi
	log "showconf of A:"
	showconf A | sed 's/^/#   /'
	[ "$(peer_ids A)" = "2 3" ] || fail "A's peers: $(peer_ids A)" || rc=1
	showconf A | grep -qx 'Auth = on' || fail "A: auth not on" || rc=1
	showconf A | grep -qx 'Primary = yes' || fail "A: no primary key" || rc=1
	showconf A | grep -qx 'Multiplier = 20' || fail "A: multiplier" || rc=1
	tap_result "${rc:-0}" "2: ExecStart (setconf) of three files brings A, B, C UP; showconf gives them back"
}

test_sync()
{
	local inc0 inc1 rc=0

	start_monitor D "$(nsof D)"
	unit_run ExecStart D || { tap_fail "3: ExecStart on D"; return 1; }
	# The monitors of A and B have seen their peers come UP: they listen.
	has_event "${MON[A]}" '.peer == 2 and .state == "up"' ||
		fail "A's monitor saw no UP of B" || rc=1
	has_event "${MON[B]}" '.peer == 1 and .state == "up"' ||
		fail "B's monitor saw no UP of A" || rc=1
	snapshot A B
	inc0=$(node_val A incarnation)
	conf A B D
	if ! unit_run ExecReload A; then
		tap_fail "3: ExecReload (syncconf) on A"
		return 1
	fi
	[ "$(peer_ids A)" = "2 4" ] || fail "A's peers after syncconf: $(peer_ids A)" || rc=1
	slowwait 30 peer_state_is A 4 up || fail "A: peer D not UP" || rc=1
	slowwait 30 peer_state_is D 1 up || fail "D: peer A not UP" || rc=1
	slowwait 30 peer_state_is C 1 down || fail "C: A not DOWN (A still beats to C?)" || rc=1
	inc1=$(node_val A incarnation)
	[ "$inc0" = "$inc1" ] || fail "A's incarnation changed: $inc0 -> $inc1" || rc=1
	new_events A '.peer == 2' ||
		fail "A raised events for B, which the edit did not touch" || rc=1
	new_events B '.peer == 1' ||
		fail "B raised events for A (restarted? down?)" || rc=1
	tap_result "${rc:-0}" "3: ExecReload (syncconf): peer C removed, D added and UP, no event between A and B, A not restarted"
}

test_roundtrip()
{
	local n rc=0 t0

	snapshot A B C D
	for n in A B C D; do
		log "[$n] hbctl showconf | hbctl setconf /dev/stdin"
		"$HBCTL" -n "$(nsof "$n")" showconf |
			"$HBCTL" -n "$(nsof "$n")" setconf /dev/stdin ||
			fail "$n: showconf | setconf failed" || rc=1
	done
	t0=$(now_ms)
	# No event may come: a restart would reach the peers within an
	# interval or two (100 ms).  15 intervals.
	while [ $(($(now_ms) - t0)) -lt 1500 ]; do
		sleep 0.2
	done
	unchanged A B C D || rc=1
	tap_result "$rc" "4: showconf | setconf /dev/stdin on every node: no event, nothing changed"
}

# bad_file NAME FILE LINE TEXT DESC: setconf FILE on NAME fails naming
# FILE:LINE and TEXT, and nothing changes.
bad_file()
{
	local name=$1 f=$2 line=$3 text=$4 desc=$5 rc=0 out

	snapshot A B
	log "[$name] hbctl setconf $f (bad on line $line)"
	sed 's/^/#   | /' "$f"
	if out=$("$HBCTL" -n "$(nsof "$name")" setconf "$f" 2>&1); then
		fail "setconf accepted it" || rc=1
	fi
	log "-> $out"
	case $out in
	*"$f:$line: $text"*) ;;
	*) fail "the error does not name $f:$line: $text" || rc=1 ;;
	esac
	unchanged A B || rc=1
	tap_result "$rc" "5: $desc"
}

test_bad()
{
	local f=$WORK/bad.conf n

	# Peer B dropped, the port changed, a peer added: then a bad line.
	{
		printf '[Node]\nId = 1\nCluster = 71\nPort = 7499\n'
		printf 'Interval = 100ms\nMultiplier = 20\nAuth = on\n'
		printf '[Key]\nId = 1\nKeyFile = %s\nPrimary = yes\n' \
			"$ETC/keys/1.key"
		printf '[Peer]\nId = 4\nAddress = 10.50.0.4\n'
		printf '[Peer]\nId = 9\nAddress = 10.50.0.9\nMultiplier = 1\n'
	} >"$f"
	n=$(grep -n 'Multiplier = 1$' "$f" | cut -d: -f1)
	bad_file A "$f" "$n" "invalid Multiplier '1'" \
		"a bad value on line $n: error names it, nothing changed"
	sed -i -e 's/^Multiplier = 1$/Multiplier = 3/' \
		-e "s|^KeyFile = .*|KeyFile = $ETC/keys/none.key|" "$f"
	bad_file A "$f" 10 "KeyFile '$ETC/keys/none.key'" \
		"a missing KeyFile (line 10): error names it, nothing changed"
}

test_stop()
{
	local rc=0

	unit_run ExecStop D || fail "ExecStop failed" || rc=1
	[ -z "$(peer_ids D)" ] || fail "D still has peers: $(peer_ids D)" || rc=1
	[ "$(node_val D auth)" = false ] || fail "D: auth still on" || rc=1
	[ "$(node_val D keys)" = 0 ] || fail "D: keys left" || rc=1
	tap_result "$rc" "6: ExecStop (flush): no peer, no key, auth off"
}

# --- main ---------------------------------------------------------------------

tap_header
log "config selftests: kernel $(uname -r), hbctl $HBCTL, module $MODULE, unit $UNIT"
dmesg_mark config

missing=0
for t in "$IP" jq modprobe insmod rmmod depmod; do
	require_cmd "$t" || missing=1
done
[ -f "$MODULE" ] || { log "no module at $MODULE (run make)"; missing=1; }
[ -x "$HBCTL" ] || { log "no hbctl at $HBCTL (run make)"; missing=1; }
if [ "$missing" -ne 0 ]; then
	tap_missing "0: the module, hbctl and tools" "the module, hbctl or a tool is missing"
	tap_finish
	exit $?
fi
# The unit's ExecStartPre loads heartbeat.ko (test 1); the topology needs
# these.
for m in veth bridge; do
	qrun modprobe "$m" || log "modprobe $m failed"
done

if ! setup_nodes; then
	tap_fail "0: four namespaces on a bridge"
	tap_finish
	exit $?
fi
test_modprobe
if test_start; then
	test_sync
	test_roundtrip
	test_bad
	test_stop
else
	tap_skip "3-6: syncconf, round trip, bad files, stop" "the cluster did not come up"
fi

if dmesg_clean_since config; then
	tap_ok "7: no kernel warning in dmesg during the run"
else
	tap_fail "7: no kernel warning in dmesg during the run"
fi

tap_finish
