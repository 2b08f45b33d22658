#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": install what is missing, run the static checks and the
# host-side tests (deps-selftest.sh, vm-selftest.sh, the fuzzer), then boot
# one QEMU guest for each of selftests/heartbeat.sh (the core),
# cluster.sh (cluster modes), auth.sh (keys), protocol.sh (timers, ports,
# addresses, RTT, leaders), config.sh (configuration files and the systemd
# unit's commands), operator.sh (install, modprobe, hooks, metrics),
# scale.sh's regression tests (HB_SCALE=none) and hostile.sh (hostile
# input and faults).
# Prints one TAP stream (every static check and every guest test is one
# test), each test preceded by its wall time ("# time: N s"), and ends with
#
#   N passed, N failed, N skipped
#
# Exit 0 only when nothing failed and at least one test passed.
#
# Static checks: one clean module build with W=1 and sparse (C=1) without
# warnings, checkpatch --strict (from Debian's linux-source-6.1, unpacked
# once into the machine's cache), hbctl build and unit tests (make -C
# tools/hbctl test), systemd-analyze verify of the systemd unit, the
# selftest helpers build, shellcheck of the scripts,
# and deps-selftest.sh (deps.sh installs everything the scripts run).  A
# missing tool is a skip, and a failure when CI=true (lib.sh's
# tap_missing).
#
# Environment: HB_SKIP_DEPS=1 skips selftests/deps.sh; HB_SKIP_VM=1 skips
# the guests, HB_SKIP_CLUSTER=1 the cluster one; HB_VM_TIMEOUT (seconds
# per guest, default 1200); HB_FULL=1 runs the guests' full counts (see
# hostile.sh and cluster.sh); HB_FUZZ_S (fuzzing seconds, default 60).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
cd "$REPO" || exit 1

BUILD=$REPO/.build
LOGS=$BUILD/check
mkdir -p "$LOGS"
T0=$(date +%s)
JOBS=$(nproc)
# phase, show_log, guest_tap (shared with check-debug.sh)
# shellcheck source=selftests/check-lib.sh
. "$SELFTESTS/check-lib.sh"

tap_header

# --- dependencies -------------------------------------------------------------

if [ -z "${HB_SKIP_DEPS:-}" ]; then
	phase "dependencies"
	if "$SELFTESTS/deps.sh" >"$LOGS/deps.log" 2>&1; then
		tap_ok "deps: packages installed, guest kernel found"
		show_log "$LOGS/deps.log" 3
	else
		show_log "$LOGS/deps.log"
		tap_fail "deps: packages installed, guest kernel found"
	fi
fi

# The frame parser fuzzed on the host (selftests/fuzz/run.sh) on one CPU
# while the static checks, mostly one process at a time, run on the
# other; its result is read before the first guest, which wants both.
# HB_FUZZ_S: fuzzing seconds.
FUZZ_S=${HB_FUZZ_S:-60}
"$SELFTESTS/fuzz/run.sh" "$FUZZ_S" >"$LOGS/fuzz.log" 2>&1 &
FUZZ_PID=$!

# Does deps.sh list everything that the scripts run?  On the host, a few
# seconds.
host_tap deps-selftest "$SELFTESTS/deps-selftest.sh"

# make install DESTDIR=, make uninstall, dkms build in a temporary tree
# (about 30 s).
host_tap install-selftest "$SELFTESTS/install-selftest.sh"

# vm.sh's accelerator probe, boot watchdog and error kinds, with a fake
# QEMU and /dev/kvm (four short TCG guests).
if [ -n "${HB_SKIP_VM:-}" ]; then
	tap_skip "vm-selftest: selftests/vm-selftest.sh" "HB_SKIP_VM set"
else
	host_tap vm-selftest "$SELFTESTS/vm-selftest.sh"
fi

# --- builds -------------------------------------------------------------------

phase "module build, W=1, and sparse"
# One clean build with gcc's W=1 warnings and sparse on every file (C=1
# checks what it compiles, which after a clean is everything).
rm -f "$REPO"/kmod/*.o "$REPO"/kmod/.*.cmd "$REPO"/heartbeat.ko \
	"$REPO"/heartbeat.o "$REPO"/heartbeat.mod "$REPO"/heartbeat.mod.[co]
SPARSE=1
command -v sparse >/dev/null || SPARSE=0
if [ "$SPARSE" -eq 1 ]; then
	make -j"$JOBS" module KBUILD_OPTS="W=1 C=1" >"$LOGS/build.log" 2>&1
else
	make -j"$JOBS" module KBUILD_OPTS="W=1" >"$LOGS/build.log" 2>&1
fi
rc=$?
# Every warning of gcc, and sparse's about our files (the kernel's headers
# have their own).
grep -E 'warning:|error:' "$LOGS/build.log" |
	grep -vE '^(/usr/src|\./include|\./arch)/' >"$LOGS/build-warnings.log"
nwarn=$(wc -l <"$LOGS/build-warnings.log")
desc="build: make module W=1$([ "$SPARSE" -eq 1 ] && echo " C=1 (sparse)") without warnings"
if [ "$rc" -ne 0 ]; then
	show_log "$LOGS/build.log"
	tap_fail "$desc (exit $rc)"
elif [ "$nwarn" -ne 0 ]; then
	head -n 40 "$LOGS/build-warnings.log" | sed 's/^/#   /'
	tap_fail "$desc ($nwarn warnings, see .build/check/build.log)"
else
	tap_ok "$desc"
fi
[ "$SPARSE" -eq 1 ] || tap_missing "sparse: no warning in our files" \
	"sparse missing"

# The second kernel line: the same sources against Debian 13's 6.12
# headers, with W=1, in its trixie chroot (selftests/kernel-612.sh), when
# that is prepared already (CI prepares it in the background from its
# start); make check-612 prepares it, builds and boots 6.12 in any case.
phase "module build against 6.12, W=1"
if "$SELFTESTS/kernel-612.sh" ready; then
	desc="build: heartbeat.ko against Debian 13's 6.12 headers, W=1, without warnings"
	if "$SELFTESTS/kernel-612.sh" module >"$LOGS/build-612.log" 2>&1; then
		# shellcheck source=/dev/null
		. "$BUILD/k612-module/module.env"
		if [ "$K612M_WARN" -eq 0 ]; then
			tap_ok "$desc"
		else
			sed 's/^/#   /' "$BUILD/k612-module/build-warnings.log" |
				head -n 40
			tap_fail "$desc ($K612M_WARN warnings, see .build/k612-module/build.log)"
		fi
	else
		show_log "$LOGS/build-612.log" 30
		tap_fail "$desc"
	fi
else
	log "6.12 not prepared yet: make check-612 builds the module for it"
fi

phase "checkpatch"
# From the cached linux-source tree that the debug kernel builds from too.
CHECKPATCH=
if SRC=$(hb_linux_source 2>"$LOGS/checkpatch-extract.log"); then
	CHECKPATCH=$SRC/scripts/checkpatch.pl
fi
# shellcheck disable=SC2206 # globs wanted
CP_FILES=(kmod/*.c kmod/*.h include/uapi/linux/heartbeat.h)
# kmod/compat.h holds the kernel version checks (#if LINUX_VERSION_CODE,
# which checkpatch also takes for a constant on the left of a
# comparison) and is checked without those two; every other file with
# them, so that a version check anywhere else fails.
CP_OTHERS=()
for f in "${CP_FILES[@]}"; do
	[ "$f" = kmod/compat.h ] || CP_OTHERS+=("$f")
done
if [ -z "$CHECKPATCH" ]; then
	tap_missing "checkpatch --strict" "$(cat "$LOGS/checkpatch-extract.log")"
else
	(
		perl "$CHECKPATCH" --strict --no-tree --show-types \
			--color=never -f "${CP_OTHERS[@]}"
		rc=$?
		if [ -f kmod/compat.h ]; then
			perl "$CHECKPATCH" --strict --no-tree --show-types \
				--color=never \
				--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
				-f kmod/compat.h || rc=1
		fi
		exit "$rc"
	) >"$LOGS/checkpatch.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "checkpatch --strict: ${#CP_FILES[@]} files clean"
	else
		grep -E '^(ERROR|WARNING|CHECK):|^#[0-9]+: FILE:' \
			"$LOGS/checkpatch.log" | head -n 60 | sed 's/^/#   /'
		tap_fail "checkpatch --strict: $(grep -cE '^(ERROR|WARNING|CHECK):' "$LOGS/checkpatch.log") problems (see .build/check/checkpatch.log)"
	fi
fi

phase "hbctl"
make -j"$JOBS" hbctl >"$LOGS/hbctl-build.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	show_log "$LOGS/hbctl-build.log"
	tap_fail "build: make hbctl (exit $rc)"
elif grep -q 'warning:' "$LOGS/hbctl-build.log"; then
	grep 'warning:' "$LOGS/hbctl-build.log" | head -n 20 | sed 's/^/#   /'
	tap_fail "build: make hbctl without warnings"
else
	tap_ok "build: make hbctl without warnings"
fi

make -j"$JOBS" -C tools/hbctl test >"$LOGS/hbctl-test.log" 2>&1
rc=$?
show_log "$LOGS/hbctl-test.log" 15
tap_result $((rc == 0 ? 0 : 1)) "hbctl: make -C tools/hbctl test"

# The systemd unit, as systemd-analyze verify sees it: every command must
# exist, so the copy names the hbctl just built; any warning fails.
if command -v systemd-analyze >/dev/null; then
	rm -rf "$LOGS/unit"
	mkdir -p "$LOGS/unit"
	sed "s#^\(Exec[A-Za-z]*=\)hbctl #\1$REPO/tools/hbctl/hbctl #" \
		systemd/heartbeat@.service >"$LOGS/unit/heartbeat@hb0.service"
	systemd-analyze verify --man=no "$LOGS/unit/heartbeat@hb0.service" \
		>"$LOGS/unit-verify.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$LOGS/unit-verify.log" ]; then
		tap_ok "systemd: systemd-analyze verify heartbeat@.service"
	else
		show_log "$LOGS/unit-verify.log" 20
		tap_fail "systemd: systemd-analyze verify heartbeat@.service (exit $rc)"
	fi
else
	tap_missing "systemd: systemd-analyze verify heartbeat@.service" \
		"systemd-analyze missing"
fi

make -j"$JOBS" -C selftests >"$LOGS/helpers.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || show_log "$LOGS/helpers.log"
tap_result $((rc == 0 ? 0 : 1)) "build: selftest helpers (hb_inject, hb_clock, hb_nlfuzz, hb_bench)"

SC_FILES=(selftests/*.sh selftests/fuzz/run.sh bench/*.sh .ci/run)
if command -v shellcheck >/dev/null; then
	# Two files to a process, one process per CPU.
	if printf '%s\0' "${SC_FILES[@]}" |
		xargs -0 -n 2 -P "$JOBS" shellcheck -x >"$LOGS/shellcheck.log" 2>&1; then
		tap_ok "shellcheck: selftests/*.sh selftests/fuzz/run.sh bench/*.sh .ci/run"
	else
		show_log "$LOGS/shellcheck.log" 30
		tap_fail "shellcheck: selftests/*.sh selftests/fuzz/run.sh bench/*.sh .ci/run"
	fi
else
	tap_missing "shellcheck: selftests/*.sh selftests/fuzz/run.sh bench/*.sh .ci/run" \
		"shellcheck not installed"
fi

phase "fuzz: frame parser"
rc=0
wait "$FUZZ_PID" || rc=$?
show_log "$LOGS/fuzz.log" 12
case $rc in
0) tap_ok "fuzz: hb_frame_parse() under libFuzzer, ASan and UBSan for $FUZZ_S s" ;;
"$KSFT_SKIP")
	tap_missing "fuzz: hb_frame_parse() under libFuzzer" \
		"$(tail -n 1 "$LOGS/fuzz.log" | sed 's/^fuzz: SKIP: //')" ;;
*) tap_fail "fuzz: hb_frame_parse() under libFuzzer, ASan and UBSan for $FUZZ_S s" ;;
esac

# --- the guests -----------------------------------------------------------------

if [ -n "${HB_SKIP_VM:-}" ]; then
	tap_skip "guest: selftests/heartbeat.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/cluster.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/auth.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/protocol.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/config.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/operator.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/scale.sh" "HB_SKIP_VM set"
else
	guest_tap check selftests/heartbeat.sh \
		"9: no kernel splats on the console"
	if [ -n "${HB_SKIP_CLUSTER:-}" ]; then
		tap_skip "guest: selftests/cluster.sh" "HB_SKIP_CLUSTER set"
	else
		guest_tap cluster selftests/cluster.sh \
			"f: no kernel splats on the console (cluster run)"
	fi
	guest_tap auth selftests/auth.sh \
		"no kernel splats on the console (auth run)"
	guest_tap protocol selftests/protocol.sh \
		"7: no kernel splats on the console (protocol run)"
	guest_tap config selftests/config.sh \
		"7: no kernel splats on the console (config run)"
	guest_tap operator selftests/operator.sh \
		"6: no kernel splats on the console (operator run)"
	# scale.sh's regression tests only (HB_SCALE=none: /proc read in
	# small chunks, NODE_GET's counts; about 30 s in the guest), not its
	# scenarios of thousands of peers.
	VM_ARGS_SAVED=("${VM_ARGS[@]}")
	VM_ARGS+=(-e HB_SCALE=none)
	guest_tap scale selftests/scale.sh \
		"no kernel splats on the console (scale run)"
	VM_ARGS=("${VM_ARGS_SAVED[@]}")
fi

# --- hostile input (issue 4) ------------------------------------------------------
# selftests/hostile.sh in a guest of its own; HB_SKIP_HOSTILE=1 skips it.

if [ -n "${HB_SKIP_VM:-}${HB_SKIP_HOSTILE:-}" ]; then
	tap_skip "guest: selftests/hostile.sh" "HB_SKIP_VM or HB_SKIP_HOSTILE set"
else
	# Longer than the other guests, above all with HB_FULL=1
	# (HB_HOSTILE_TIMEOUT, seconds).
	HB_VM_TIMEOUT=${HB_HOSTILE_TIMEOUT:-3600} \
		guest_tap hostile selftests/hostile.sh \
		"z: no kernel splats on the console (hostile run)"
fi

phase "done"
tap_plan "$TAP_N"
echo "$TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
if [ "$TAP_FAIL" -gt 0 ] || [ "$TAP_PASS" -eq 0 ]; then
	exit 1
fi
exit 0
