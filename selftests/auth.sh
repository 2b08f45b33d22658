#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Authentication tests of heartbeat.ko and hbctl (issue 4): HMAC-SHA256
# signed frames, keys, key rollover, anti-replay and the permission model of
# the key commands.  Runs as root inside the QEMU guest started by
# selftests/vm.sh (it loads the module).  Prints TAP 13; exit 0 pass, 1
# fail, 4 skip.
#
# Topology: namespaces A, B, C (ids 1-3) and E (id 5, no key) with one veth
# each into the bridge of the switch namespace, 10.40.0.0/24; I
# (10.40.0.9) has no heartbeat instance and plays node 9 with hb_inject.
# A, B and C run 100 ms x 30.
#
# Tests:
#   1 hbctl genkey: 64 hex characters, a new key every time
#   2 A and B share key 1 and require authentication: UP, and the key's
#     rx/tx counters grow; C (no key, auth off) is refused by A (unauth)
#     but accepts A's signed frames
#   3 C signs with a wrong secret under id 1: A drops it (auth); with the
#     right one C comes UP on A
#   4 refusals with a message and no state change: auth on without a key,
#     deleting the primary key while auth is on, a duplicate key id, a fifth
#     key, an unknown primary; a bad key file
#   5 no secret can be read back: not in hbctl show/key show/node show
#     (human or JSON) nor /proc/net/heartbeat
#   6 rollover on A, B, C (add key 2 everywhere, make it primary everywhere,
#     delete key 1 everywhere): no DOWN, key 2 verifies frames
#   7 forged and replayed frames at A from I (as node 9): signed frames
#     bring 9 UP; a replayed sequence number, one older than the window, an
#     older incarnation, a flipped MAC, an unknown key id, an unsigned
#     frame, a truncated trailer, a frame signed for another node: each
#     dropped under its own reason, and an
#     unsigned frame with a huge sequence number cannot pin 9 DOWN
#   8 an unprivileged caller (no CAP_NET_ADMIN) cannot add, delete or
#     select keys, list them, or change auth; it can read hbctl show
#   9 fail closed (HB_AUTH_FAIL_INJECT=1, else SKIP): with hb_auth_sign()
#     made to fail (fail_function, only in a kernel with
#     CONFIG_FAIL_FUNCTION, else SKIP), A counts the
#     frames it could not sign, raises one auth event, and sends nothing:
#     B (auth on) receives nothing from it, unsigned or not, and sees it
#     DOWN; once signing works again, A is UP at B
#  10 no kernel warning in dmesg
#
# Environment: HBCTL, HB_MODULE, HB_BIN (hb_inject), HB_RESULTS,
# HB_AUTH_FAIL_INJECT (1: run test 9).

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
CLUSTER=61
WORK=${HB_RESULTS:-/tmp}/work-auth
rm -rf "$WORK"
mkdir -p "$WORK"
chmod 700 "$WORK"

# shellcheck disable=SC2034 # PORTNAME is set by add_node
declare -A ADDR ID PORTNAME MON MONPID
# shellcheck disable=SC2034 # set by setup_ns, read through nsof
NS_SW="" NS_A="" NS_B="" NS_C="" NS_E="" NS_I=""
HAVE_MODULE=0
# 100 ms x 30: a guest stall of a second must not look like a failure
# (test 6 asserts that no peer goes DOWN during the rollover).
TIMING=(interval 100ms multiplier 30)
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups
	--inh-caps=-all --bounding-set=-all)

FF=/sys/kernel/debug/fail_function
FF_ARMED=0

cleanup()
{
	[ "$FF_ARMED" -eq 1 ] && echo >"$FF/inject" 2>/dev/null
	cleanup_bg
	cleanup_all_ns
}
trap cleanup EXIT

# ok_if DESC CMD...: one TAP line from the exit status of CMD.
ok_if()
{
	local desc=$1

	shift
	if "$@"; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
	fi
}

# reject DESC NS CMD...: CMD must fail with a message on stderr and leave
# the node, its peers and its keys as they were.
reject()
{
	local desc=$1 ns=$2 rc=0 before after

	shift 2
	before=$(snapshot "$ns")
	"$IP" netns exec "$ns" "$@" >"$WORK/rej.out" 2>"$WORK/rej.err" || rc=$?
	after=$(snapshot "$ns")
	log "[$ns] $* -> exit $rc: $(head -c 300 "$WORK/rej.err")"
	if [ "$rc" -eq 0 ]; then
		tap_fail "$desc: refused (exit 0)"
	elif [ -z "$(tr -d '[:space:]' <"$WORK/rej.err")" ]; then
		tap_fail "$desc: refused with a message"
	elif [ "$before" != "$after" ]; then
		log "before: $before"
		log "after:  $after"
		tap_fail "$desc: state unchanged"
	else
		tap_ok "$desc: refused (exit $rc: $(head -n 1 "$WORK/rej.err"))"
	fi
}

# The configuration of a node: settings, peers and keys (not counters).
snapshot()
{
	hbj "$1" node show 2>/dev/null |
		jq -c '{id, port, cluster, incarnation, auth, primary_key, keys}'
	hbj "$1" show 2>/dev/null | jq -c '[.peers[] | {id, address}]'
	hbj "$1" key show 2>/dev/null | jq -c '[.[] | {id, primary}]'
}

key_field()
{
	hbj "$1" key show 2>/dev/null |
		jq -r --argjson id "$2" ".[] | select(.id == \$id) | .$3"
}

# counter_grows NS KEY FIELD: the key's counter grows within 5 s.
counter_grows()
{
	local a b

	a=$(key_field "$1" "$2" "$3")
	[ -n "$a" ] || return 1
	sleep 1
	b=$(key_field "$1" "$2" "$3")
	[ -n "$b" ] && [ "$b" -gt "$a" ]
}

# no_down_events T0 NAME...: no DOWN event of a peer since T0 (ns).
no_down_events()
{
	local t0=$1 n total=0

	shift
	for n in "$@"; do
		total=$((total + $(count_events "${MON[$n]}" \
			".event == \"state\" and .state == \"down\" and .time_ns > $t0")))
	done
	[ "$total" -eq 0 ]
}

configure()
{
	local n m

	for n in A B C; do
		hbq "$(nsof "$n")" node set id "${ID[$n]}" cluster "$CLUSTER" ||
			return 1
	done
	for n in A B C; do
		for m in A B C; do
			[ "$n" = "$m" ] && continue
			hbq "$(nsof "$n")" peer add "${ID[$m]}" "${ADDR[$m]}" \
				"${TIMING[@]}" || return 1
		done
		start_monitor "$n" "$(nsof "$n")"
	done
	hbq "$NS_A" peer add 9 10.40.0.9 "${TIMING[@]}"
}

# --- 1: genkey ----------------------------------------------------------------

test_genkey()
{
	local k1 k2

	k1=$("$HBCTL" genkey) || return 1
	k2=$("$HBCTL" genkey) || return 1
	log "genkey: ${#k1} characters"
	if ! [[ $k1 =~ ^[0-9a-f]{64}$ ]] || ! [[ $k2 =~ ^[0-9a-f]{64}$ ]]; then
		fail "genkey output is not 64 lowercase hex characters"
		return 1
	fi
	if [ "$k1" = "$k2" ]; then
		fail "two keys from genkey are equal"
		return 1
	fi
	(umask 077
	 "$HBCTL" genkey >"$WORK/k1" && "$HBCTL" genkey >"$WORK/k2" &&
		"$HBCTL" genkey >"$WORK/kbad")
}

# --- 2: A and B require authentication ----------------------------------------

test_shared_key()
{
	local n

	for n in A B; do
		hb "$(nsof "$n")" key add 1 file "$WORK/k1" primary || return 1
		hb "$(nsof "$n")" node set auth on || return 1
	done
	if ! slowwait 20 peer_is "$NS_A" 2 up || ! slowwait 20 peer_is "$NS_B" 1 up; then
		fail "A and B are not UP for each other with key 1"
		return 1
	fi
	if ! counter_grows "$NS_A" 1 rx || ! counter_grows "$NS_A" 1 tx; then
		hbj "$NS_A" key show | sed 's/^/#   /'
		fail "key 1's rx/tx counters do not grow on A"
		return 1
	fi
	log "A: $(hbj "$NS_A" key show)"
}

test_no_key_refused()
{
	local u0 u1

	u0=$(drop_count "$NS_A" unauth)
	if ! slowwait 20 peer_is "$NS_A" 3 down; then
		fail "A still has C (unsigned frames) $(peer_state "$NS_A" 3)"
		return 1
	fi
	sleep 1
	u1=$(drop_count "$NS_A" unauth)
	log "A: drops.unauth $u0 -> $u1"
	if [ "$u1" -le "$u0" ]; then
		fail "A does not count C's unsigned frames as unauth"
		return 1
	fi
	# C does not require authentication: it accepts A's signed frames
	# although it has no key 1.
	if ! slowwait 20 peer_is "$NS_C" 1 up; then
		fail "C (auth off, no key) does not accept A's signed frames"
		return 1
	fi
}

# --- 3: a wrong secret ------------------------------------------------------------

test_wrong_secret()
{
	local a0 a1

	hb "$NS_C" key add 1 file "$WORK/kbad" primary || return 1
	a0=$(drop_count "$NS_A" auth)
	sleep 2
	a1=$(drop_count "$NS_A" auth)
	log "A: drops.auth $a0 -> $a1, C is $(peer_state "$NS_A" 3)"
	if [ "$a1" -le "$a0" ] || ! peer_is "$NS_A" 3 down; then
		fail "frames signed with a wrong secret are not dropped as auth"
		return 1
	fi
	# Not required on C: its primary key can go.
	hb "$NS_C" key del 1 || return 1
	hb "$NS_C" key add 1 file "$WORK/k1" primary || return 1
	hb "$NS_C" node set auth on || return 1
	if ! slowwait 20 peer_is "$NS_A" 3 up; then
		fail "C does not come UP on A with the right key"
		return 1
	fi
}

# --- 4: refusals ----------------------------------------------------------------------

test_refusals()
{
	local i

	reject "4: auth on without a key" "$NS_E" "$HBCTL" node set auth on
	reject "4: delete the primary key while auth is on" "$NS_A" \
		"$HBCTL" key del 1
	reject "4: a duplicate key id" "$NS_A" \
		"$HBCTL" key add 1 file "$WORK/k2"
	reject "4: an unknown primary key" "$NS_A" "$HBCTL" key primary 77
	reject "4: delete an unknown key" "$NS_A" "$HBCTL" key del 77
	for i in 11 12 13; do
		hbq "$NS_E" key add "$i" file "$WORK/k2" || {
			tap_fail "4: three more keys can be added"
			return
		}
	done
	hbq "$NS_E" key add 14 file "$WORK/k2" ||
		{ tap_fail "4: four keys can be installed"; return; }
	reject "4: a fifth key" "$NS_E" "$HBCTL" key add 15 file "$WORK/k2"
	(umask 077; printf 'abc\n' >"$WORK/short")
	reject "4: a key file that is not 64 hex characters" "$NS_E" \
		"$HBCTL" key add 16 file "$WORK/short"
	reject "4: key id 0" "$NS_E" "$HBCTL" key add 0 file "$WORK/k2"
}

# --- 5: secrets stay secret -------------------------------------------------------

test_no_secret_out()
{
	local f k

	: >"$WORK/outputs"
	for ns in "$NS_A" "$NS_E"; do
		{
			hbq "$ns" show
			hbq "$ns" -j show
			hbq "$ns" node show
			hbq "$ns" -j node show
			hbq "$ns" key show
			hbq "$ns" -j key show
			"$IP" netns exec "$ns" cat /proc/net/heartbeat
		} >>"$WORK/outputs" 2>&1
	done
	for f in k1 k2 kbad; do
		k=$(cat "$WORK/$f")
		# Also the first half alone, and in upper case.
		if grep -qiF -e "$k" -e "${k:0:32}" "$WORK/outputs"; then
			fail "a secret ($f) appears in the output"
			return 1
		fi
	done
	if ! grep -q 'primary' "$WORK/outputs"; then
		fail "the outputs do not say which key is primary"
		return 1
	fi
	log "$(wc -l <"$WORK/outputs") lines of output checked, no secret in them"
}

# --- 6: rollover ----------------------------------------------------------------------

test_rollover()
{
	local n t0

	t0=$(mono_ns)

	for n in A B C; do
		hb "$(nsof "$n")" key add 2 file "$WORK/k2" || return 1
	done
	for n in A B C; do
		hb "$(nsof "$n")" key primary 2 || return 1
	done
	sleep 1
	for n in A B C; do
		hb "$(nsof "$n")" key del 1 || return 1
	done
	sleep 3
	if ! counter_grows "$NS_B" 2 rx || ! counter_grows "$NS_A" 2 tx; then
		fail "key 2 does not sign and verify frames after the rollover"
		return 1
	fi
	if [ -n "$(key_field "$NS_A" 1 id)" ]; then
		fail "key 1 is still installed on A"
		return 1
	fi
	if ! all_peers_are "$NS_B" up || ! no_down_events "$t0" A B C; then
		show_nodes A B C
		for n in A B C; do
			log "node $n: drops $(hbj "$(nsof "$n")" node show | jq -c '.drops | with_entries(select(.value > 0))'), keys $(hbj "$(nsof "$n")" key show | jq -c .)"
			jq -c 'select(.state == "down")' "${MON[$n]}" | sed 's/^/#   /'
		done
		fail "a peer went DOWN during the rollover"
		return 1
	fi
}

# --- 7: forged and replayed frames ----------------------------------------------------

INC=1000
DEST=1

# inj ARGS...: one frame from I as node 9 to A, signed with key 2 unless
# the arguments say otherwise.
inj()
{
	"$IP" netns exec "$NS_I" "$INJECT" --dst 10.40.0.1 --src 10.40.0.9 \
		--id 9 --cluster "$CLUSTER" --interval 100000 --multiplier 10 \
		--incarnation "$INC" --dest-id "$DEST" "$@" >/dev/null
}

# drop_class DESC REASON INJECT-ARGS...: exactly one more drop of REASON,
# no other drop, and node 9's rx and state unchanged.
drop_class()
{
	local desc=$1 reason=$2 d0 d1 t0 t1 rx0 rx1

	shift 2
	d0=$(drop_count "$NS_A" "$reason")
	t0=$(hbj "$NS_A" node show | jq '[.drops[]] | add')
	rx0=$(peer_field "$NS_A" 9 rx)
	if ! inj "$@"; then
		tap_fail "7: $desc: hb_inject failed"
		return
	fi
	sleep 0.3
	d1=$(drop_count "$NS_A" "$reason")
	t1=$(hbj "$NS_A" node show | jq '[.drops[]] | add')
	rx1=$(peer_field "$NS_A" 9 rx)
	log "$desc: drops.$reason $d0 -> $d1, all drops $t0 -> $t1, rx $rx0 -> $rx1"
	if [ "$d1" -eq $((d0 + 1)) ] && [ "$t1" -eq $((t0 + 1)) ] &&
	   [ "$rx1" = "$rx0" ]; then
		tap_ok "7: $desc: drops.$reason +1, nothing else"
	else
		tap_fail "7: $desc: drops.$reason +1, nothing else"
	fi
}

test_forgery()
{
	local k=(--key-file "$WORK/k2" --key-id 2) rx

	# 9 goes DOWN again a detection time after the last frame: look at
	# what it received and at the UP event, not at its state now.
	inj "${k[@]}" --seq 1 --count 5 --gap-us 20000
	case $? in
	0) ;;
	"$KSFT_SKIP")
		tap_missing "7: forged and replayed frames" "this kernel has no AF_ALG sockets (CONFIG_CRYPTO_USER_API_HASH): hb_inject cannot sign"
		return ;;
	*)
		tap_fail "7: frames signed by hb_inject are accepted"
		return ;;
	esac
	sleep 0.3
	rx=$(peer_field "$NS_A" 9 rx)
	if [ "$rx" != 5 ] || ! has_event "${MON[A]}" \
		'.event == "state" and .peer == 9 and .state == "up"'; then
		hbj "$NS_A" node show | jq -c .drops | sed 's/^/#   /'
		tap_fail "7: frames signed by hb_inject are accepted (rx $rx, not 5, or no UP event)"
		return
	fi
	tap_ok "7: frames signed by hb_inject (AF_ALG hmac) are accepted (rx 5, UP event)"
	drop_class "a replayed sequence number" replay "${k[@]}" --seq 3
	inj "${k[@]}" --seq 200 || return
	drop_class "a sequence number older than the window" stale \
		"${k[@]}" --seq 100
	drop_class "a flipped MAC" auth "${k[@]}" --seq 201 --mac-flip
	drop_class "an unknown key id" no_key --key-file "$WORK/k2" \
		--key-id 9 --seq 202
	drop_class "a key that is not this key id's" auth \
		--key-file "$WORK/k1" --key-id 2 --seq 203
	# A frame signed for another node (the MAC covers the destination).
	DEST=2
	drop_class "a frame signed for node 2" auth "${k[@]}" --seq 207
	DEST=1
	drop_class "an unsigned frame" unauth --seq 204
	drop_class "a truncated trailer" auth "${k[@]}" --seq 205 \
		--truncate 100
	INC=999
	drop_class "an older incarnation" stale "${k[@]}" --seq 500
	INC=1000
	# Issue 2's weakness: an unsigned frame with a huge sequence number
	# would have made every genuine frame after it stale.
	drop_class "an unsigned frame with sequence number 2^62" unauth \
		--seq 4611686018427387904
	# The same counters, by reason, in /proc/net/heartbeat_stats.
	if diff <(hbj "$NS_A" node show | jq -r '.drops | to_entries[] |
			"drop_\(.key) \(.value)"' | sort) \
		<("$IP" netns exec "$NS_A" cat /proc/net/heartbeat_stats |
			grep '^drop_' | sort) >"$WORK/stats.diff"; then
		tap_ok "7: /proc/net/heartbeat_stats has every drop counter of hbctl"
	else
		sed 's/^/#   /' "$WORK/stats.diff"
		tap_fail "7: /proc/net/heartbeat_stats has every drop counter of hbctl"
	fi
	rx=$(peer_field "$NS_A" 9 rx)
	if inj "${k[@]}" --seq 206 && sleep 0.3 &&
	   [ "$(peer_field "$NS_A" 9 rx)" -eq $((rx + 1)) ]; then
		tap_ok "7: genuine frames are still accepted after the forgeries"
	else
		tap_fail "7: genuine frames are still accepted after the forgeries"
	fi
}

# --- 8: permissions ---------------------------------------------------------------------

test_unprivileged()
{
	reject "8: unprivileged key add" "$NS_A" \
		"${nobody[@]}" "$HBCTL" key add 5 file "$PUB/k"
	reject "8: unprivileged key del" "$NS_A" "${nobody[@]}" "$HBCTL" key del 2
	reject "8: unprivileged key primary" "$NS_A" \
		"${nobody[@]}" "$HBCTL" key primary 2
	reject "8: unprivileged key show" "$NS_A" "${nobody[@]}" "$HBCTL" key show
	reject "8: unprivileged auth off" "$NS_A" \
		"${nobody[@]}" "$HBCTL" node set auth off
	if "$IP" netns exec "$NS_A" "${nobody[@]}" "$HBCTL" -j show \
		>"$WORK/nobody.json" 2>&1 &&
	   [ "$(jq -r '.node.auth' "$WORK/nobody.json")" = true ]; then
		tap_ok "8: an unprivileged caller reads hbctl show (auth on)"
	else
		tap_fail "8: an unprivileged caller reads hbctl show (auth on)"
	fi
}

# --- 9: a node that cannot sign sends nothing -------------------------------------------

# ff_set FILE VALUE: one fail_function attribute.
ff_set()
{
	echo "$2" >"$FF/$1"
}

test_fail_closed()
{
	local t0 n0 n1 r0 r1 u0 u1 ev down=1 up=1 k0 k1 what

	what="9: a node that cannot sign sends nothing"
	# 6.1's should_fail_ex() draws a random number under crngs.lock from
	# the kprobe's int3 handler, which lockdep reports as an inconsistent
	# lock state (a kernel issue, not the module's): that report would fail
	# the debug run and switch lockdep off, so this test runs on request.
	if [ "${HB_AUTH_FAIL_INJECT:-0}" != 1 ]; then
		tap_skip "$what" "on request: HB_AUTH_FAIL_INJECT=1 runs it (fail_function makes lockdep in 6.1 report itself)"
		return
	fi
	if [ ! -w "$FF/inject" ]; then
		tap_skip "$what" "no $FF (CONFIG_FAIL_FUNCTION): signing cannot be made to fail"
		return
	fi
	if ! grep -qw hb_auth_sign "$FF/injectable"; then
		tap_fail "9: hb_auth_sign is listed in $FF/injectable"
		return
	fi
	if ! slowwait 20 peer_is "$NS_B" 1 up; then
		tap_fail "9: B sees A UP before signing fails"
		return
	fi
	t0=$(mono_ns)
	# Every call fails, silently: verbose 2 would print a stack trace per
	# frame, which the console scan would rightly report.
	if ! ff_set verbose 0 || ! ff_set probability 100 ||
	   ! ff_set interval 1 || ! ff_set times -1 ||
	   ! ff_set task-filter N || ! ff_set inject hb_auth_sign; then
		echo >"$FF/inject" 2>/dev/null
		tap_fail "9: hb_auth_sign made to fail through $FF"
		return
	fi
	FF_ARMED=1
	log "hb_auth_sign fails from now on (every node of the guest)"
	# Frames signed before may still be in flight for a moment.
	sleep 1
	n0=$(node_field "$NS_A" tx_no_key)
	r0=$(peer_field "$NS_B" 1 rx)
	u0=$(drop_count "$NS_B" unauth)
	sleep 2
	n1=$(node_field "$NS_A" tx_no_key)
	r1=$(peer_field "$NS_B" 1 rx)
	u1=$(drop_count "$NS_B" unauth)
	slowwait 20 peer_is "$NS_B" 1 down || down=0
	ev=$(count_events "${MON[A]}" \
		".event == \"auth\" and .reason == \"no_key\" and .time_ns > $t0")
	log "A: $("$HBCTL" -n "$NS_A" node show | grep -i auth)"

	echo '!hb_auth_sign' >"$FF/inject" || echo >"$FF/inject"
	FF_ARMED=0
	log "hb_auth_sign works again"
	k0=$(key_field "$NS_A" 2 tx)
	slowwait 20 peer_is "$NS_B" 1 up || up=0
	k1=$(key_field "$NS_A" 2 tx)

	[ "${n1:-0}" -gt "${n0:-0}" ] && [ "${n0:-0}" -gt 0 ]
	tap_result $? "9: A counts the frames it cannot sign (tx_no_key $n0 -> $n1 in 2 s)"
	[ "$ev" -eq 1 ]
	tap_result $? "9: A raises one auth event (no_key) while it cannot sign (got $ev)"
	[ -n "$r0" ] && [ "$r0" = "$r1" ] && [ -n "$u0" ] && [ "$u0" = "$u1" ]
	tap_result $? "9: nothing from A reaches B meanwhile (rx $r0 -> $r1, drops.unauth $u0 -> $u1)"
	[ "$down" -eq 1 ]
	tap_result $? "9: B sees A DOWN (A is silent)"
	[ "$up" -eq 1 ] && [ "${k1:-0}" -gt "${k0:-0}" ]
	tap_result $? "9: signing works again: A UP at B, key 2 signs (tx $k0 -> $k1)"
}

# --- main ---------------------------------------------------------------------------------

tap_header
log "heartbeat auth selftests: kernel $(uname -r), hbctl $HBCTL"
dmesg_mark auth-start

missing=0
for t in "$IP" jq "$INJECT" "$CLOCK" setpriv; do
	require_cmd "$t" || missing=1
done
if [ "$missing" -eq 0 ]; then
	load_module
	rc=$?
	qrun modprobe algif_hash || log "modprobe algif_hash failed"
else
	rc=$KSFT_SKIP
fi
tap_result "$rc" "0: load heartbeat.ko"
if [ "$HAVE_MODULE" -ne 1 ] || ! "$HBCTL" --help 2>&1 | grep -q genkey; then
	tap_skip "auth tests" "module or an hbctl with keys missing"
	tap_finish
	exit $?
fi

ID=([A]=1 [B]=2 [C]=3 [E]=5)
if ! setup_switch || ! add_node A 10.40.0.1 "" || ! add_node B 10.40.0.2 "" ||
   ! add_node C 10.40.0.3 "" || ! add_node E 10.40.0.5 "" ||
   ! add_node I 10.40.0.9 "" || ! configure ||
   ! hbq "$NS_E" node set id 5 cluster "$CLUSTER"; then
	tap_fail "setup: three nodes, E and the injector"
	tap_finish
	exit $?
fi

test_genkey
tap_result $? "1: hbctl genkey prints a new 64 hex character key each time"
have_keys=$?
if [ "$have_keys" -ne 0 ]; then
	tap_skip "2-8" "no keys"
	tap_finish
	exit $?
fi
# A key file the unprivileged caller can read (outside the private $WORK),
# so that the kernel, not the file mode, is what refuses it.
PUB=${HB_RESULTS:-/tmp}/auth-pub
mkdir -p "$PUB" && chmod 755 "$PUB" && cp "$WORK/k2" "$PUB/k" &&
	chmod 644 "$PUB/k"

test_shared_key
tap_result $? "2: A and B require authentication with key 1: UP, key counters grow"
test_no_key_refused
tap_result $? "2: C without a key is refused by A (unauth) and accepts A's signed frames"
test_wrong_secret
tap_result $? "3: a wrong secret under key id 1 is dropped (auth); the right one brings C UP"
test_refusals
test_no_secret_out
tap_result $? "5: no secret in hbctl show/node show/key show (human, JSON) or /proc"
test_rollover
tap_result $? "6: rollover to key 2 on A, B, C without a DOWN"
test_forgery
test_unprivileged
# Last: it takes every node of the guest down for a while.
test_fail_closed

if dmesg_clean_since auth-start; then
	tap_ok "10: no kernel warning in dmesg"
else
	tap_fail "10: no kernel warning in dmesg"
fi
tap_finish
