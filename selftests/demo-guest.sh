#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "make demo" transcript, run inside the guest by selftests/demo.sh:
# three nodes (network namespaces n1, n2, n3 on one bridge) find each other,
# n3's link is cut, n1 and n2 report it DOWN through "hbctl monitor" with
# the measured detection time, the link comes back and n3 is UP again.
#
#            +-------- switch (bridge) --------+
#            |                                 |
#     n1 10.0.0.1        n2 10.0.0.2        n3 10.0.0.3
#       node id 1          node id 2          node id 3     cluster 7

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
HBCTL=${HBCTL:-$REPO/tools/hbctl/hbctl}
MODULE=${HB_MODULE:-$REPO/heartbeat.ko}
CLOCK=${HB_BIN:-$REPO/.build/bin}/hb_clock
WORK=${HB_RESULTS:-/tmp}/demo
rm -rf "$WORK"
mkdir -p "$WORK"

declare -A NS ADDR
NODES=(n1 n2 n3)

trap 'cleanup_bg; cleanup_all_ns' EXIT

say()
{
	printf '\n=== %s\n' "$*"
}

# on NODE CMD...: show and run a command as if typed on that node.
on()
{
	local n=$1

	shift
	printf '%s# %s\n' "$n" "${*/#"$HBCTL"/hbctl}"
	"$IP" netns exec "${NS[$n]}" "$@"
}

die()
{
	echo "demo: $*" >&2
	exit 1
}

say "Loading the module (the guest runs Debian's $(uname -r) kernel)"
modprobe -a udp_tunnel ip6_udp_tunnel veth bridge || die "modprobe failed"
[ -e /sys/module/heartbeat ] && rmmod heartbeat
echo "# insmod heartbeat.ko"
insmod "$MODULE" || die "insmod $MODULE failed"

say "Three servers: network namespaces joined by a bridge"
setup_ns SW || die "netns"
"$IP" -n "$SW" link add br0 type bridge
"$IP" -n "$SW" link set br0 up
i=0
for n in "${NODES[@]}"; do
	i=$((i + 1))
	setup_ns "$n" || die "netns"
	NS[$n]=${!n}
	ADDR[$n]=10.0.0.$i
	"$IP" link add eth0 netns "${NS[$n]}" type veth peer name "port-$n" \
		netns "$SW" || die "veth"
	"$IP" -n "$SW" link set "port-$n" master br0 up
	"$IP" -n "${NS[$n]}" addr add "${ADDR[$n]}/24" dev eth0
	"$IP" -n "${NS[$n]}" link set eth0 up
	echo "$n: ${ADDR[$n]}"
done

say "Each node gets an id and learns about the other two"
i=0
for n in "${NODES[@]}"; do
	i=$((i + 1))
	on "$n" "$HBCTL" node set id "$i" cluster 7 || die "node set"
done
for n in "${NODES[@]}"; do
	j=0
	for m in "${NODES[@]}"; do
		j=$((j + 1))
		[ "$n" = "$m" ] && continue
		on "$n" "$HBCTL" peer add "$j" "${ADDR[$m]}" interval 100ms \
			multiplier 3 || die "peer add"
	done
done

for n in n1 n2; do
	"$IP" netns exec "${NS[$n]}" "$HBCTL" monitor >"$WORK/$n.monitor" 2>&1 &
	bg_track $!
	"$IP" netns exec "${NS[$n]}" "$HBCTL" -j monitor >"$WORK/$n.jsonl" 2>&1 &
	bg_track $!
done

all_up()
{
	local n

	for n in "${NODES[@]}"; do
		all_peers_are "${NS[$n]}" up || return 1
	done
}

say "Waiting for every peer to be up"
slowwait 20 all_up || echo "(not every peer is up after 20 s)"

for n in "${NODES[@]}"; do
	say "hbctl show on $n"
	on "$n" "$HBCTL" show
done

say "Cutting n3's link (its bridge port goes down)"
read -r _ ta < <("$IP" netns exec "$SW" "$CLOCK" down port-n3)
echo "# ip link set port-n3 down    (at CLOCK_MONOTONIC $ta ns)"

down_event()
{
	jq -cR 'fromjson? | select(.event == "state" and .peer == 3 and .state == "down")' \
		"$WORK/$1.jsonl" 2>/dev/null | head -n 1
}

have_down()
{
	[ -n "$(down_event n1)" ] && [ -n "$(down_event n2)" ]
}

slowwait 10 have_down || echo "(no DOWN event after 10 s)"
for n in n1 n2; do
	say "hbctl monitor on $n"
	cat "$WORK/$n.monitor"
	ev=$(down_event "$n")
	if [ -n "$ev" ]; then
		t=$(jq -r .time_ns <<<"$ev")
		d=$(jq -r '.detect_us // empty' <<<"$ev")
		echo "-> $n declared node 3 DOWN $(((t - ta) / 1000000)) ms after the cut (detection time ${d:-?} us = 3 x 100 ms)"
	fi
done

say "hbctl show on n1 while n3 is cut off"
on n1 "$HBCTL" show

say "Restoring n3's link"
"$IP" netns exec "$SW" "$CLOCK" up port-n3 >/dev/null
echo "# ip link set port-n3 up"
slowwait 10 all_up || echo "(not every peer is up again after 10 s)"

for n in n1 n2; do
	say "hbctl monitor on $n"
	cat "$WORK/$n.monitor"
done

say "hbctl show on n1: node 3 is up again"
on n1 "$HBCTL" show
say "/proc/net/heartbeat on n1"
on n1 cat /proc/net/heartbeat

cleanup_bg
cleanup_all_ns
rmmod heartbeat
say "Done"
