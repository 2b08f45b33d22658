#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An operator's day with heartbeat (issue 12, items 1, 4 and 5): install,
# modprobe, hooks and metrics, as a user would do them.  Runs as root
# inside the QEMU guest started by selftests/vm.sh, from a repository
# where "make" has run.  Prints TAP 13; exit 0 pass, 1 fail, 4 skip.
#
#   A 10.40.0.1 id 1 ---- veth ---- B 10.40.0.2 id 2     cluster 77,
#   "hbctl monitor --exec hook" on A                     100 ms x 10
#
# Tests:
#   1 make install-files DESTDIR=<tmp> (make install without its build
#     step, which kbuild makes take minutes in the emulated guest; the
#     host's install-selftest.sh runs make install itself) installs
#     exactly the files README.md lists under "Installing", each where it
#     says, and make uninstall removes them all
#   2 modprobe heartbeat from an installed module: the guest's
#     /lib/modules (the host's, read-only over 9p) gets a tmpfs overlay,
#     make install-files (no DESTDIR) puts the module under updates/ and runs
#     depmod; modprobe heartbeat then loads udp_tunnel and ip6_udp_tunnel
#     by itself and the module it loads is the installed one; hbctl
#     --version gives its version, and "hbctl node show -j" JSON
#   3 monitor --exec: B's link cut; A's DOWN of B comes within the
#     detection time (1 s) plus the guest's slack (3 s) and the hook runs for it
#     within 3 s of the event (0.2 to 1.1 s in the TCG guest), with HB_EVENT,
#     HB_PEER, HB_STATE, HB_OLD_STATE, HB_REASON, HB_ADDRESS, HB_PORT,
#     HB_DETECT_US, HB_TIME_NS (the event's) and HB_TIME_REAL, and the
#     same event as JSON on its standard input
#   4 hbctl stats --prometheus parses with prometheus_client's parser,
#     B is down and A's counters are there, and README.md documents every
#     metric name printed
#   5 no kernel warning in dmesg
#
# Environment: HBCTL, HB_BIN (hb_clock), PYTHON3 (/usr/bin/python3), HB_RESULTS (logs go to
# $HB_RESULTS/work-operator), HB_TESTS ("1 3": only those).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

HBCTL=${HBCTL:-$REPO/tools/hbctl/hbctl}
BIN=${HB_BIN:-$REPO/.build/bin}
CLOCK=$BIN/hb_clock
# Debian's python3, which has python3-prometheus-client (not another in PATH)
PYTHON3=${PYTHON3:-/usr/bin/python3}
WORK=${HB_RESULTS:-/tmp}/work-operator
rm -rf "$WORK"
mkdir -p "$WORK"
# tmpfs: the install trees and the overlay's upper layer
TMP=$(mktemp -d /tmp/hb-operator.XXXXXX)
KVER=$(uname -r)
OVERLAY=0

NS_A="" NS_B=""

cleanup()
{
	cleanup_bg
	cleanup_all_ns
	[ "$OVERLAY" -eq 0 ] || umount /lib/modules 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# The paths of README.md's install table, one a line, with /usr/local
# as PREFIX ("| `path` | what |" rows between the markers).
readme_paths()
{
	# shellcheck disable=SC2016 # backquotes of markdown
	sed -n '/<!-- install-files -->/,/<!-- \/install-files -->/p' \
		"$REPO/README.md" | sed -n 's/^| `\([^`]*\)` |.*/\1/p' |
		sed "s/<release>/$KVER/"
}

# --- 1: make install DESTDIR ----------------------------------------------------

test_install_destdir()
{
	local d=$TMP/destdir want got extra=0

	log "\$ make install-files DESTDIR=$d (at $SECONDS s)"
	make -s -C "$REPO" install-files DESTDIR="$d" KDIR="/lib/modules/$KVER/build" \
		>"$WORK/install.log" 2>&1 ||
		{ sed 's/^/#   /' "$WORK/install.log"; return 1; }
	want=$(readme_paths | while read -r p; do
		case $p in
		*heartbeat@.service) [ -f "$REPO/systemd/heartbeat@.service" ] || continue ;;
		*.conf.example) [ -f "$REPO/conf/hb0.conf.example" ] || continue ;;
		esac
		echo "$p"
	done | sort)
	got=$(cd "$d" && find . -type f | sed 's/^\.//' | sort)
	[ -n "$want" ] || { fail "README.md lists no installed files"; return 1; }
	log "make install-files done at $SECONDS s"
	log "installed: $(echo "$got" | tr '\n' ' ')"
	if [ "$want" != "$got" ]; then
		log "README.md says: $(echo "$want" | tr '\n' ' ')"
		extra=1
	fi
	grep -q "depmod skipped (DESTDIR set)" "$WORK/install.log" ||
		{ fail "no message that depmod was skipped"; extra=1; }
	if ! "$d/usr/local/sbin/hbctl" --version >/dev/null; then
		fail "installed hbctl does not run"
		extra=1
	fi
	bash -c ". '$d/usr/local/share/bash-completion/completions/hbctl' &&
		COMP_WORDS=(hbctl monitor --e) COMP_CWORD=2 && _hbctl &&
		[ \"\${COMPREPLY[*]}\" = '--exec --exec-timeout' ]" ||
		{ fail "bash completion of 'hbctl monitor --e'"; extra=1; }
	log "installed tree checked at $SECONDS s"
	make -s -C "$REPO" uninstall DESTDIR="$d" KDIR="/lib/modules/$KVER/build" \
		>>"$WORK/install.log" 2>&1 || { fail "make uninstall"; extra=1; }
	got=$(cd "$d" && find . -type f)
	[ -z "$got" ] || { fail "left after uninstall: $got"; extra=1; }
	return "$extra"
}

# --- 2: modprobe from the installed module ----------------------------------------

test_modprobe()
{
	local path holders udp udp6

	udp=$(modinfo -n udp_tunnel) || { fail "no udp_tunnel module"; return 1; }
	udp6=$(modinfo -n ip6_udp_tunnel) ||
		{ fail "no ip6_udp_tunnel module"; return 1; }
	for m in heartbeat ip6_udp_tunnel udp_tunnel; do
		[ ! -e /sys/module/$m ] || qrun rmmod "$m" ||
			{ fail "$m is loaded and cannot be removed"; return 1; }
	done
	qrun modprobe overlay || { log "no overlayfs"; return "$KSFT_SKIP"; }
	mkdir -p "$TMP/upper" "$TMP/work"
	run mount -t overlay overlay -o "lowerdir=/lib/modules,upperdir=$TMP/upper,workdir=$TMP/work" /lib/modules ||
		return "$KSFT_SKIP"
	OVERLAY=1
	# make install's "depmod -a <release>" over the modules that matter
	# here: a whole depmod reads every module of the release over 9p,
	# which takes minutes under TCG.  The dependencies are still depmod's
	# own, from the modules' symbols.
	{
		echo '#!/bin/sh'
		echo "echo \"depmod \$*\" >>'$WORK/depmod.log'"
		echo "[ \"\$1\" = -a ] && [ \"\$2\" = '$KVER' ] || exit 1"
		echo "exec depmod '$KVER' '/lib/modules/$KVER/updates/heartbeat.ko' '$udp' '$udp6'"
	} >"$TMP/depmod"
	chmod +x "$TMP/depmod"
	log "\$ make install-files PREFIX=$TMP/usr SYSCONFDIR=$TMP/etc DEPMOD=$TMP/depmod (the module on the real /lib/modules)"
	make -s -C "$REPO" install-files PREFIX="$TMP/usr" SYSCONFDIR="$TMP/etc" \
		DEPMOD="$TMP/depmod" \
		KDIR="/lib/modules/$KVER/build" >"$WORK/install-real.log" 2>&1 ||
		{ sed 's/^/#   /' "$WORK/install-real.log"; return 1; }
	grep -qx "depmod -a $KVER" "$WORK/depmod.log" ||
		{ fail "make install did not run depmod -a $KVER"; return 1; }
	run modprobe heartbeat || return 1
	path=$(modinfo -n heartbeat)
	[ "$path" = "/lib/modules/$KVER/updates/heartbeat.ko" ] ||
		{ fail "modinfo -n heartbeat: $path"; return 1; }
	for m in udp_tunnel ip6_udp_tunnel; do
		holders=$(ls /sys/module/$m/holders 2>/dev/null)
		[ "$holders" = heartbeat ] ||
			{ fail "$m not loaded for heartbeat (holders: $holders)"; return 1; }
	done
	log "modprobe heartbeat loaded $path, udp_tunnel and ip6_udp_tunnel"
	# item 7: the module's version, and -j after the command
	"$HBCTL" --version | grep -qx 'heartbeat.ko 1.0' ||
		{ fail "hbctl --version: $("$HBCTL" --version | tr '\n' ' ')"; return 1; }
	"$HBCTL" node show -j | jq -e '.configured == false' >/dev/null ||
		{ fail "hbctl node show -j"; return 1; }
}

# --- 3: monitor --exec -------------------------------------------------------------

setup_pair()
{
	setup_ns NS_A NS_B || return 1
	qrun "$IP" link add eth0 netns "$NS_A" type veth peer name eth0 \
		netns "$NS_B" || return 1
	qrun "$IP" -n "$NS_A" addr add 10.40.0.1/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_B" addr add 10.40.0.2/24 dev eth0 || return 1
	qrun "$IP" -n "$NS_A" link set eth0 up || return 1
	qrun "$IP" -n "$NS_B" link set eth0 up || return 1
	hb "$NS_A" node set id 1 cluster 77 || return 1
	hb "$NS_B" node set id 2 cluster 77 || return 1
	# 1 s of detection: the emulated guest stalls for hundreds of ms
	hb "$NS_A" peer add 2 10.40.0.2 interval 100ms multiplier 10 || return 1
	hb "$NS_B" peer add 1 10.40.0.1 interval 100ms multiplier 10 || return 1
}

test_exec()
{
	local hook=$WORK/hook.sh out=$WORK/hook pid t_cut t_ev t_hook env json
	local ok=0

	mkdir -p "$out"
	cat >"$hook" <<EOF
#!/bin/sh
# Records the first DOWN once armed: when it ran, its environment and
# its stdin.
[ "\$HB_STATE" = down ] && [ -e "$out/armed" ] && [ ! -e "$out/env" ] || exit 0
"$CLOCK" >"$out/ran_ns"
cat >"$out/stdin"
env | grep '^HB_' | sort >"$out/env.tmp"
mv "$out/env.tmp" "$out/env"
EOF
	chmod +x "$hook"
	setup_pair || return 1
	"$HBCTL" -n "$NS_A" -j monitor --exec "$hook" >"$WORK/monitor.jsonl" \
		2>"$WORK/monitor.err" &
	pid=$!
	bg_track "$pid"
	log "[$NS_A] hbctl -j monitor --exec $hook (pid $pid)"
	slowwait 20 peer_is "$NS_A" 2 up ||
		{ fail "A never saw B up"; return 1; }
	touch "$out/armed"
	t_cut=$("$CLOCK")
	run "$IP" -n "$NS_B" link set eth0 down
	if ! slowwait 15 test -e "$out/env"; then
		fail "no hook ran for a DOWN within 15 s"
		log "monitor: $(tail -c 600 "$WORK/monitor.jsonl")"
		log "stderr: $(tail -c 300 "$WORK/monitor.err")"
		return 1
	fi
	env=$(cat "$out/env")
	json=$(cat "$out/stdin")
	printf '%s\n' "$env" | sed 's/^/#   /'
	log "stdin: $json"
	t_ev=$(sed -n 's/^HB_TIME_NS=//p' <<<"$env")
	t_hook=$(cat "$out/ran_ns")
	log "cut at $t_cut, DOWN raised $(((t_ev - t_cut) / 1000000)) ms later, hook ran $(((t_hook - t_ev) / 1000000)) ms after the event"
	# The kernel's DOWN: after the cut, within the detection time and
	# the guest's slack (the cut's own ip command takes up to a second
	# to start); the hook: within 3 s of the event (its sh and hb_clock
	# start in it).
	if [ "$t_ev" -le "$t_cut" ] || [ $((t_ev - t_cut)) -gt 4000000000 ]; then
		fail "no DOWN within the detection time (1 s) + 3 s of the cut"
		ok=1
	fi
	if [ "$t_hook" -lt "$t_ev" ] || [ $((t_hook - t_ev)) -gt 3000000000 ]; then
		fail "the hook did not run within 3 s of the DOWN"
		ok=1
	fi
	for kv in HB_EVENT=state HB_PEER=2 HB_STATE=down HB_OLD_STATE=up \
		HB_REASON=timeout HB_ADDRESS=10.40.0.2 HB_PORT=7410 \
		"HB_NETNS=$NS_A"; do
		grep -qx "$kv" <<<"$env" || { fail "no $kv"; ok=1; }
	done
	# the detection time that elapsed: 1 s and the timer's lateness
	grep -qE '^HB_DETECT_US=[12][0-9]{6}$' <<<"$env" ||
		{ fail "HB_DETECT_US not in [1, 3) s"; ok=1; }
	grep -qE '^HB_TIME_REAL=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}$' <<<"$env" ||
		{ fail "HB_TIME_REAL is not an RFC 3339 time"; ok=1; }
	# shellcheck disable=SC2016 # jq's variables
	jqb -e --arg t "$t_ev" '.event == "state" and .peer == 2 and
		.state == "down" and .old_state == "up" and
		.reason == "timeout" and .address == "10.40.0.2" and
		.port == 7410 and (.time_ns | tostring) == $t and
		(.time_real | type) == "string"' <<<"$json" >/dev/null ||
		{ fail "standard input is not the event's JSON"; ok=1; }
	# the monitor's own lines carry the wall-clock time too
	first_event "$WORK/monitor.jsonl" '.state == "down" and .time_real != null' |
		grep -q . || { fail "monitor's JSON has no time_real"; ok=1; }
	return "$ok"
}

# --- 4: Prometheus --------------------------------------------------------------------

test_prometheus()
{
	local prom=$WORK/metrics.prom

	[ -n "$NS_A" ] || setup_pair || return 1
	qrun "$IP" -n "$NS_B" link set eth0 down
	slowwait 20 peer_is "$NS_A" 2 down || { fail "B not down"; return 1; }
	hb "$NS_A" stats --prometheus >"$prom" || return 1
	log "$(wc -l <"$prom") lines, $(grep -c '^# TYPE' "$prom") metrics"
	"$PYTHON3" - "$prom" "$REPO/README.md" "$NS_A" <<'EOF'
import importlib.util, sys, types
# prometheus_client's own parser, without the package's __init__, which
# imports its HTTP servers too: 0.3 s on the host, many seconds in the
# emulated guest.
spec = importlib.util.find_spec("prometheus_client")
if spec is None:
    print("# python3-prometheus-client missing")
    sys.exit(4)
pkg = types.ModuleType("prometheus_client")
pkg.__path__ = list(spec.submodule_search_locations)
sys.modules["prometheus_client"] = pkg
from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read()
readme = open(sys.argv[2]).read()
netns = sys.argv[3]
fams = {f.name: f for f in text_string_to_metric_families(text)}
bad = []
def sample(name, **labels):
    for f in fams.values():
        for s in f.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None
if sample("heartbeat_peer_up", netns=netns, peer="2", address="10.40.0.2") != 0:
    bad.append("heartbeat_peer_up of peer 2 is not 0 (B is down)")
if sample("heartbeat_peer_state", peer="2", state="down") != 1:
    bad.append("heartbeat_peer_state{state=down} of peer 2 is not 1")
if not (sample("heartbeat_peer_rx_frames_total", peer="2") or 0) > 0:
    bad.append("no rx frames from peer 2")
if sample("heartbeat_node_peers_state", node="1", state="down") != 1:
    bad.append("heartbeat_node_peers_state{state=down} is not 1")
if sample("heartbeat_node_info", node="1", cluster="77") != 1:
    bad.append("no heartbeat_node_info of node 1, cluster 77")
names = set()
for f in fams.values():
    for s in f.samples:
        names.add(s.name)
for n in sorted(names):
    if "`%s`" % n not in readme:
        bad.append("README.md does not document " + n)
print("# %d families, %d sample names" % (len(fams), len(names)))
for b in bad:
    print("# FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
}

# --- main -----------------------------------------------------------------------------

tap_header
log "operator selftests: kernel $KVER, hbctl $HBCTL"
dmesg_mark start

missing=0
for t in "$IP" jq "$CLOCK" modprobe modinfo rmmod make mount "$PYTHON3"; do
	require_cmd "$t" || missing=1
done
if [ "$missing" -ne 0 ]; then
	tap_skip "operator tests" "tools missing"
	tap_finish
	exit $?
fi
qrun modprobe veth || log "modprobe veth failed"

if want 1; then
	test_install_destdir
	tap_result $? "1: make install-files DESTDIR= puts every file where README.md says; uninstall removes them"
fi
if want 2 || want 3 || want 4; then
	test_modprobe
	tap_result $? "2: modprobe heartbeat from the installed module loads udp_tunnel and ip6_udp_tunnel"
	if [ ! -e /sys/module/heartbeat ]; then
		log "the module is not loaded: insmod $REPO/heartbeat.ko"
		modprobe udp_tunnel
		modprobe ip6_udp_tunnel
		run insmod "$REPO/heartbeat.ko"
	fi
fi
if want 3; then
	test_exec
	tap_result $? "3: monitor --exec runs the hook for a real DOWN in time, with its environment and JSON"
fi
if want 4; then
	test_prometheus
	tap_result $? "4: stats --prometheus parses with prometheus_client; README.md documents every metric"
fi
dmesg_clean_since start
tap_result $? "5: no kernel warning in dmesg"
tap_finish
