#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check-debug": the guest test suite again, in a debug kernel.
#
#  1. build, once, a 6.1 kernel with KASAN, lockdep, kmemleak, debug
#     objects, UBSAN and DEBUG_LIST from Debian's linux-source-6.1
#     (selftests/debug-kernel.sh, configured by selftests/debug.config,
#     cached in .build/debug-kernel/);
#  2. build heartbeat.ko against it, from a copy of the sources in
#     .build/debug-module/ (so the heartbeat.ko of "make" stays the one for
#     Debian's kernel);
#  3. boot it (selftests/vm.sh -k/-m) and run selftests/heartbeat.sh, then
#     selftests/cluster.sh, each in its own guest.  Any report of the
#     kernel's checkers on the console fails the run, and so does a leak
#     of heartbeat.ko in the kmemleak scan that ends each guest.
#
# One TAP stream, renumbered, ending with
#
#   N passed, N failed, N skipped
#
# Exit 0 only when nothing failed and at least one test passed.
#
# Environment: HB_SKIP_DEPS=1 skips selftests/deps.sh; HB_SKIP_CLUSTER=1
# the cluster guest; HB_DEBUG_CLUSTER_N its number of nodes (default 16); HB_DEBUG_HOSTILE=1 adds selftests/hostile.sh (long);
# HB_VM_TIMEOUT (seconds per guest, default 2400: the checkers slow the
# guest down); HB_DK_JOBS (kernel build jobs, default 2).

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

DK=$BUILD/debug-kernel
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

phase "debug kernel (built once, then cached in $DK)"
start=$(date +%s)
if "$SELFTESTS/debug-kernel.sh" >"$LOGS/debug-kernel.log" 2>&1; then
	show_log "$LOGS/debug-kernel.log" 5
	# shellcheck source=/dev/null
	. "$DK/env"
	tap_ok "debug: kernel $DK_KREL built (config key $DK_KEY, build ${DK_BUILD_S} s, this run $(($(date +%s) - start)) s)"
else
	show_log "$LOGS/debug-kernel.log"
	show_log "$DK/build.log" 20
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

VM_ARGS=(-k "$DK_BZIMAGE" -m "$DK_MODDIR" -t "${HB_VM_TIMEOUT:-2400}"
	-e "HB_MODULE=$MODSRC/heartbeat.ko")

# Under KASAN and lockdep the 1 ms test delivers about 150 frames/s per
# peer instead of ~950: its floor is lowered there (it still asserts that
# no peer goes DOWN).
VM_ARGS+=(-e "HB_FAST_MIN_RATE=${HB_DEBUG_FAST_MIN_RATE:-50}")
guest_tap debug selftests/heartbeat.sh \
	"9: no kernel splats on the console (debug kernel)" \
	"9: no kmemleak leaks of heartbeat.ko (debug kernel)"
if [ -n "${HB_SKIP_CLUSTER:-}" ]; then
	tap_skip "guest: selftests/cluster.sh (debug kernel)" "HB_SKIP_CLUSTER set"
else
	# 16 nodes, not 32: the same code paths, in half the time under the
	# checkers (make check runs the 32-node scale in Debian's kernel).
	VM_ARGS+=(-e "HB_CLUSTER_N=${HB_DEBUG_CLUSTER_N:-16}")
	guest_tap debug-cluster selftests/cluster.sh \
		"f: no kernel splats on the console (debug kernel, cluster run)" \
		"f: no kmemleak leaks of heartbeat.ko (debug kernel, cluster run)"
fi
VM_ARGS=(-k "$DK_BZIMAGE" -m "$DK_MODDIR" -t "${HB_VM_TIMEOUT:-2400}"
	-e "HB_MODULE=$MODSRC/heartbeat.ko")
guest_tap debug-auth selftests/auth.sh \
	"no kernel splats on the console (debug kernel, auth run)" \
	"no kmemleak leaks of heartbeat.ko (debug kernel, auth run)"
# The hostile guest (100 module and netns cycles, fuzzing) takes too long
# under the checkers for CI's 90 minutes: on request only.
if [ -n "${HB_DEBUG_HOSTILE:-}" ]; then
	guest_tap debug-hostile selftests/hostile.sh \
		"no kernel splats on the console (debug kernel, hostile run)" \
		"no kmemleak leaks of heartbeat.ko (debug kernel, hostile run)"
fi

summary
