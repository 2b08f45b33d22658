#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check-debug": the guest test suite again, in a debug kernel.
#
#  1. build, once, a 6.1 kernel with KASAN, lockdep, kmemleak, debug
#     objects, UBSAN and DEBUG_LIST from Debian's linux-source-6.1
#     (selftests/debug-kernel.sh, configured by selftests/debug.config,
#     cached outside the checkout, in lib.sh's hb_cache);
#  2. build heartbeat.ko against it, from a copy of the sources in
#     .build/debug-module/ (so the heartbeat.ko of "make" stays the one for
#     Debian's kernel);
#  3. boot it (selftests/vm.sh -k/-m) and run, each in its own guest,
#     selftests/heartbeat.sh, auth.sh, hostile.sh (malformed frames and
#     teardown cycles, smaller counts) and cluster.sh (its leaderless
#     ring, 16 nodes; then its endpoint moves in a fifth guest).  Any
#     report of the kernel's checkers on the console fails the run, and so
#     does a leak of heartbeat.ko in the kmemleak scan that ends each guest.
#
# One TAP stream, renumbered, ending with
#
#   N passed, N failed, N skipped
#
# Exit 0 only when nothing failed and at least one test passed.
#
# Environment: HB_SKIP_DEPS=1 skips selftests/deps.sh; HB_SKIP_CLUSTER=1
# the cluster guests; HB_DEBUG_CLUSTER (its tests, default "b", then "g"
# in a second guest) and HB_DEBUG_CLUSTER_N (its nodes, default 16);
# HB_DEBUG_HOSTILE=full the whole hostile.sh at full size (long);
# HB_DEBUG_BIG_PEERS (default 200) for heartbeat.sh, which runs without
# its timing test (the 1 ms soak);
# HB_DEBUG_DEADLINE (seconds since the epoch: a guest that does not fit
# before it is skipped, and reported so); HB_VM_TIMEOUT (seconds per guest,
# default 2400: the checkers slow the guest down); HB_DK_JOBS (kernel build
# jobs, default 2).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
cd "$REPO" || exit 1

BUILD=$REPO/.build
LOGS=$BUILD/check-debug
mkdir -p "$LOGS"
T0=$(date +%s)
# shellcheck source=selftests/check-lib.sh
. "$SELFTESTS/check-lib.sh"

MODSRC=$BUILD/debug-module

summary()
{
	phase "done"
	tap_plan "$TAP_N"
	echo "$TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
	if [ "$TAP_FAIL" -gt 0 ] || [ "$TAP_PASS" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

tap_header

if [ -z "${HB_SKIP_DEPS:-}" ]; then
	phase "dependencies"
	if "$SELFTESTS/deps.sh" >"$LOGS/deps.log" 2>&1; then
		tap_ok "debug: deps: packages installed"
	else
		show_log "$LOGS/deps.log"
		tap_fail "debug: deps: packages installed"
	fi
fi

# --- the kernel ---------------------------------------------------------------

phase "debug kernel (built once, then cached in $(hb_cache)/debug-kernel)"
start=$(date +%s)
if "$SELFTESTS/debug-kernel.sh" >"$LOGS/debug-kernel.log" 2>&1; then
	show_log "$LOGS/debug-kernel.log" 5
	# shellcheck source=/dev/null
	. "$BUILD/debug-kernel.env"
	tap_ok "debug: kernel $DK_KREL built (config key $DK_KEY, build ${DK_BUILD_S} s, this run $(($(date +%s) - start)) s)"
else
	show_log "$LOGS/debug-kernel.log"
	tap_fail "debug: kernel built from linux-source-6.1 with selftests/debug.config"
	summary
fi

# --- the module and the tools -------------------------------------------------

phase "heartbeat.ko against $DK_KREL"
mkdir -p "$MODSRC"
rsync -a --delete --exclude='*.o' --exclude='.*.cmd' --exclude='*.ko' \
	--exclude='*.mod' --exclude='*.mod.c' \
	"$REPO/Kbuild" "$REPO/kmod" "$REPO/include" "$MODSRC/" &&
	rm -f "$MODSRC"/*.ko "$MODSRC"/*.o "$MODSRC"/.*.cmd
start=$(date +%s)
make -C "$DK_KDIR" M="$MODSRC" modules >"$LOGS/module.log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
nwarn=$(grep -c 'warning:' "$LOGS/module.log")
if [ "$rc" -ne 0 ] || [ ! -f "$MODSRC/heartbeat.ko" ]; then
	show_log "$LOGS/module.log"
	tap_fail "debug: build heartbeat.ko against $DK_KREL (exit $rc)"
	summary
fi
# The W=1 and sparse checks of "make check" judge warnings; here they are
# shown, not counted (KASAN, for one, makes stack frames bigger).
[ "$nwarn" -eq 0 ] || grep -A3 'warning:' "$LOGS/module.log" | head -n 40 |
	sed 's/^/#   /'
tap_ok "debug: build heartbeat.ko against $DK_KREL (${secs} s, $nwarn warnings)"

phase "hbctl and the selftest helpers"
if make hbctl >"$LOGS/hbctl.log" 2>&1 &&
	make -C selftests >"$LOGS/helpers.log" 2>&1; then
	tap_ok "debug: build hbctl and the selftest helpers"
else
	show_log "$LOGS/hbctl.log" 20
	show_log "$LOGS/helpers.log" 20
	tap_fail "debug: build hbctl and the selftest helpers"
fi

# --- the guests -----------------------------------------------------------------

# Each guest gets what is left before HB_DEBUG_DEADLINE (seconds since
# the epoch; .ci/run sets it to the end of its budget), at most
# HB_VM_TIMEOUT.  A guest that would need more than is left (its usual
# time here, measured on 2 cores) is reported as skipped, never as passed,
# and not started: a guest killed by the deadline would fail the run for
# lack of time, not for a bug.
GUEST_TIMEOUT=${HB_VM_TIMEOUT:-2400}

# guest_fits NAME NEEDS: 0 when the guest NAME, which usually takes NEEDS
# seconds under the checkers, fits before the deadline; sets
# GUEST_TIMEOUT.
guest_fits()
{
	local left

	GUEST_TIMEOUT=${HB_VM_TIMEOUT:-2400}
	[ -n "${HB_DEBUG_DEADLINE:-}" ] || return 0
	left=$((HB_DEBUG_DEADLINE - $(date +%s)))
	if [ "$left" -lt "$2" ]; then
		tap_skip "guest: $1 (debug kernel)" "only ${left} s left before the deadline of the run, it takes about $2 s"
		return 1
	fi
	[ "$left" -ge "$GUEST_TIMEOUT" ] || GUEST_TIMEOUT=$left
	return 0
}

debug_guest()
{
	local name=$1 script=$2 what=$3

	shift 3
	VM_ARGS=(-k "$DK_BZIMAGE" -m "$DK_MODDIR" -t "$GUEST_TIMEOUT"
		-e "HB_MODULE=$MODSRC/heartbeat.ko" "$@")
	guest_tap "$name" "$script" \
		"$what: no kernel splats on the console (debug kernel)" \
		"$what: no kmemleak leaks of heartbeat.ko (debug kernel)"
}

# The core suite, functional tests only: under KASAN and lockdep the
# guest cannot keep up with 1 ms on four links (150-350 frames/s per peer
# instead of ~950), so the 1 ms soak, a timing test, proves nothing here
# and is not run (HB_NO_TIMING).  200 peers on one node instead of 1,000:
# the same code.
if guest_fits selftests/heartbeat.sh 600; then
	debug_guest debug selftests/heartbeat.sh heartbeat \
		-e "HB_NO_TIMING=1" \
		-e "HB_BIG_PEERS=${HB_DEBUG_BIG_PEERS:-200}"
fi
if guest_fits selftests/auth.sh 600; then
	debug_guest debug-auth selftests/auth.sh auth
fi
# hostile.sh's malformed frames (a) and teardown cycles (c) with smaller
# counts: 10,000 frames (every class, 600 to 1,000 datagrams/s under the
# checkers), 3 module and 3 netns cycles (13 s each here), 30 peer
# add/del under traffic, under KASAN and kmemleak.  Not the netlink storm, the
# netem soak or the permission matrix (b, d, e: policy and timing, the
# same code in both kernels), for time.  HB_DEBUG_HOSTILE=full runs the
# whole of it, at full size.
if [ "${HB_DEBUG_HOSTILE:-}" = full ]; then
	debug_guest debug-hostile selftests/hostile.sh hostile
elif guest_fits "selftests/hostile.sh (a c, small)" 500; then
	debug_guest debug-hostile selftests/hostile.sh hostile \
		-e "HB_HOSTILE=a c" -e "HB_FLOOD_TOTAL=10000" \
		-e "HB_FLOOD_PPS=5000" -e "HB_CYCLES=3" -e "HB_CHURN=30"
fi
# cluster.sh's leaderless ring (b) with 16 nodes, the same code paths as
# make check's 32 in Debian's kernel, then its endpoint moves (g, 4 nodes)
# in a guest of their own, so that each is skipped on its own when the
# deadline is near; HB_DEBUG_CLUSTER="a b c d e g" runs more of it in one
# guest (the leader and fallback tests alone take 10 minutes here).
if [ -n "${HB_SKIP_CLUSTER:-}" ]; then
	tap_skip "guest: selftests/cluster.sh (debug kernel)" "HB_SKIP_CLUSTER set"
else
	if guest_fits "selftests/cluster.sh (${HB_DEBUG_CLUSTER:-b})" 1000; then
		debug_guest debug-cluster selftests/cluster.sh cluster \
			-e "HB_CLUSTER_N=${HB_DEBUG_CLUSTER_N:-16}" \
			-e "HB_TESTS=${HB_DEBUG_CLUSTER:-b}"
	fi
	if [ -z "${HB_DEBUG_CLUSTER:-}" ] &&
	   guest_fits "selftests/cluster.sh (g)" 300; then
		debug_guest debug-cluster-g selftests/cluster.sh "cluster (g)" \
			-e "HB_CLUSTER_N=16" -e "HB_TESTS=g"
	fi
fi

summary
