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
#     ring, 16 nodes; then its endpoint moves in a fifth guest), two
#     guests at a time.  Any
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
# before it is skipped, and reported so); HB_DEBUG_LANES (2: two guests
# at a time; 1: one after another, their output streamed); HB_VM_TIMEOUT (seconds per guest,
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

# Five guests: four in two lanes that run side by side, then the
# leaderless ring alone (HB_DEBUG_LANES=1: all one after another, with
# their output streamed).  QEMU keeps about 1.35 of 2 cores busy with one
# debug guest, so two at once finish the four in about 800 s instead of
# 1,110 s.  The ring runs alone: its 16 nodes at 100 ms under the
# checkers, beside another debug guest, stalled for longer than their
# detection time (19 false DOWNs in one run, 0 alone).  Each lane starts
# its next guest only when it fits before HB_DEBUG_DEADLINE (seconds since the epoch; .ci/run sets
# it to the end of its budget), with what is left as its timeout (at most
# HB_VM_TIMEOUT): a guest that would need more than is left (its usual
# time here, measured alone on 2 cores, a third more beside another) is
# reported as skipped, never as passed, and not started: a guest killed
# by the deadline would fail the run for lack of time, not for a bug.
# The results are reported in one order whatever the lanes did.
LANES=${HB_DEBUG_LANES:-2}

# guest_spec NAME: the debug guest NAME's script (G_SCRIPT), its name in
# the results (G_WHAT, G_DESC), its usual time alone here (G_NEEDS, s; 0:
# run it whatever the deadline) and its vm.sh options (G_ARGS).
guest_spec()
{
	G_ARGS=()
	case $1 in
	# The core suite, functional tests only: under KASAN and lockdep
	# the guest cannot keep up with 1 ms on four links (150-350
	# frames/s per peer instead of ~950), so the 1 ms soak, a timing
	# test, proves nothing here and is not run (HB_NO_TIMING).  200
	# peers on one node instead of 1,000: the same code.
	debug)
		G_SCRIPT=selftests/heartbeat.sh G_WHAT=heartbeat G_NEEDS=600
		G_DESC=$G_SCRIPT
		G_ARGS=(-e "HB_NO_TIMING=1"
			-e "HB_BIG_PEERS=${HB_DEBUG_BIG_PEERS:-200}") ;;
	debug-auth)
		G_SCRIPT=selftests/auth.sh G_WHAT=auth G_NEEDS=600
		G_DESC=$G_SCRIPT ;;
	# hostile.sh's malformed frames (a) and teardown cycles (c) with
	# smaller counts: 10,000 frames (every class, 600 to 1,000
	# datagrams/s under the checkers), 3 module and 3 netns cycles (13 s
	# each here), 30 peer add/del under traffic, under KASAN and
	# kmemleak.  Not the netlink storm, the netem soak or the permission
	# matrix (b, d, e: policy and timing, the same code in both
	# kernels), for time.  HB_DEBUG_HOSTILE=full runs the whole of it,
	# at full size.
	debug-hostile)
		G_SCRIPT=selftests/hostile.sh G_WHAT=hostile
		if [ "${HB_DEBUG_HOSTILE:-}" = full ]; then
			G_NEEDS=0 G_DESC=$G_SCRIPT
		else
			G_NEEDS=500 G_DESC="$G_SCRIPT (a c, small)"
			G_ARGS=(-e "HB_HOSTILE=a c" -e "HB_FLOOD_TOTAL=10000"
				-e "HB_FLOOD_PPS=5000" -e "HB_CYCLES=3"
				-e "HB_CHURN=30")
		fi ;;
	# cluster.sh's leaderless ring (b) with 16 nodes, the same code
	# paths as make check's 32 in Debian's kernel, then its endpoint
	# moves (g, 4 nodes) in a guest of their own, so that each is
	# skipped on its own when the deadline is near; HB_DEBUG_CLUSTER="a
	# b c d e g" runs more of it in one guest (the leader and fallback
	# tests alone take 10 minutes here).
	debug-cluster)
		G_SCRIPT=selftests/cluster.sh G_WHAT=cluster G_NEEDS=1000
		G_DESC="$G_SCRIPT (${HB_DEBUG_CLUSTER:-b})"
		G_ARGS=(-e "HB_CLUSTER_N=${HB_DEBUG_CLUSTER_N:-16}"
			-e "HB_TESTS=${HB_DEBUG_CLUSTER:-b}") ;;
	debug-cluster-g)
		G_SCRIPT=selftests/cluster.sh G_WHAT="cluster (g)" G_NEEDS=300
		G_DESC="$G_SCRIPT (g)"
		G_ARGS=(-e "HB_CLUSTER_N=16" -e "HB_TESTS=g") ;;
	esac
}

# guest_fits NEEDS: 0 when a guest that usually takes NEEDS seconds fits
# before the deadline; sets GUEST_TIMEOUT, or FITS_WHY when it does not.
guest_fits()
{
	local left

	GUEST_TIMEOUT=${HB_VM_TIMEOUT:-2400}
	[ -n "${HB_DEBUG_DEADLINE:-}" ] || return 0
	left=$((HB_DEBUG_DEADLINE - $(date +%s)))
	if [ "$left" -lt "$1" ]; then
		FITS_WHY="only ${left} s left before the deadline of the run, it takes about $1 s"
		return 1
	fi
	[ "$left" -ge "$GUEST_TIMEOUT" ] || GUEST_TIMEOUT=$left
	return 0
}

# debug_vm_args: VM_ARGS for the guest of the last guest_spec.
debug_vm_args()
{
	VM_ARGS=(-k "$DK_BZIMAGE" -m "$DK_MODDIR" -t "$GUEST_TIMEOUT"
		-e "HB_MODULE=$MODSRC/heartbeat.ko" "${G_ARGS[@]}")
}

# lane NAME...: run these guests one after another, quietly, each into
# $LOGS/vm-NAME.out (its TAP stream) and .log (vm.sh's messages), or
# $LOGS/vm-NAME.skip (why it did not fit).
lane()
{
	local name needs

	for name in "$@"; do
		guest_spec "$name"
		needs=$((G_NEEDS * ${LANE_SLOW:-4} / 3))
		if ! guest_fits "$needs"; then
			echo "$FITS_WHY" >"$LOGS/vm-$name.skip"
			continue
		fi
		debug_vm_args
		log "lane: $G_DESC starts ($(($(date +%s) - T0)) s)"
		"$SELFTESTS/vm.sh" "${VM_ARGS[@]}" -e "CI=${CI:-}" -n "$name" \
			-- "$G_SCRIPT" >"$LOGS/vm-$name.out" 2>"$LOGS/vm-$name.log"
		log "lane: $G_DESC ended ($(($(date +%s) - T0)) s)"
	done
}

GUESTS=(debug debug-auth debug-hostile)
if [ -n "${HB_SKIP_CLUSTER:-}" ]; then
	tap_skip "guest: selftests/cluster.sh (debug kernel)" "HB_SKIP_CLUSTER set"
else
	GUESTS+=(debug-cluster)
	[ -n "${HB_DEBUG_CLUSTER:-}" ] || GUESTS+=(debug-cluster-g)
fi

if [ "$LANES" -le 1 ]; then
	for name in "${GUESTS[@]}"; do
		guest_spec "$name"
		if ! guest_fits "$G_NEEDS"; then
			tap_skip "guest: $G_DESC (debug kernel)" "$FITS_WHY"
			continue
		fi
		debug_vm_args
		guest_tap "$name" "$G_SCRIPT" \
			"$G_WHAT: no kernel splats on the console (debug kernel)" \
			"$G_WHAT: no kmemleak leaks of heartbeat.ko (debug kernel)"
	done
	summary
fi

# Two lanes of about equal length (alone: core 504 s + moves 89 s; auth
# 248 s + hostile 271 s), then the ring (314 s).
LANE_A=() LANE_B=() ALONE=()
for name in "${GUESTS[@]}"; do
	rm -f "$LOGS/vm-$name.out" "$LOGS/vm-$name.log" "$LOGS/vm-$name.skip"
	case $name in
	debug|debug-cluster-g) LANE_A+=("$name") ;;
	debug-cluster) ALONE+=("$name") ;;
	*) LANE_B+=("$name") ;;
	esac
done
phase "guests, two at a time: ${LANE_A[*]} | ${LANE_B[*]}; then ${ALONE[*]:-nothing} alone"
lane "${LANE_A[@]}" &
lane_a=$!
lane "${LANE_B[@]}" &
lane_b=$!
wait "$lane_a" "$lane_b"
[ "${#ALONE[@]}" -eq 0 ] || LANE_SLOW=3 lane "${ALONE[@]}"
for name in "${GUESTS[@]}"; do
	guest_spec "$name"
	phase "guest: $G_DESC"
	if [ -f "$LOGS/vm-$name.skip" ]; then
		tap_skip "guest: $G_DESC (debug kernel)" "$(cat "$LOGS/vm-$name.skip")"
		continue
	fi
	guest_fold "$name" "$G_SCRIPT" \
		"$G_WHAT: no kernel splats on the console (debug kernel)" \
		"$G_WHAT: no kmemleak leaks of heartbeat.ko (debug kernel)" \
		<"$LOGS/vm-$name.out"
done

summary
