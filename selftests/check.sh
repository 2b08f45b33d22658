#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": install what is missing, run the static checks, boot a QEMU
# guest and run selftests/heartbeat.sh in it (the core: tests 0-9), then
# boot a second guest and run selftests/cluster.sh (cluster modes, issue 3:
# tests a-f).  Prints one TAP stream (every static check and every guest
# test is one test) and ends with
#
#   N passed, N failed, N skipped
#
# Exit 0 only when nothing failed and at least one test passed.
#
# Static checks: W=1 build without warnings, sparse (C=2) without warnings in
# our files, checkpatch --strict (taken from Debian's linux-source-6.1 into
# .build/ at check time), hbctl build and unit tests (make -C tools/hbctl
# test), the selftest helpers build, shellcheck of selftests/ when installed.
#
# Environment: HB_SKIP_DEPS=1 skips selftests/deps.sh; HB_SKIP_VM=1 skips
# both guests, HB_SKIP_CLUSTER=1 the cluster one; HB_VM_TIMEOUT (seconds
# per guest, default 1200).

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

# --- builds -------------------------------------------------------------------

phase "module build, W=1"
# A clean build, so that every warning shows up again.
rm -f "$REPO"/kmod/*.o "$REPO"/kmod/.*.cmd "$REPO"/heartbeat.ko \
	"$REPO"/heartbeat.o "$REPO"/heartbeat.mod "$REPO"/heartbeat.mod.[co]
make module KBUILD_OPTS="W=1" >"$LOGS/build-w1.log" 2>&1
rc=$?
nwarn=$(grep -c 'warning:' "$LOGS/build-w1.log")
if [ "$rc" -ne 0 ]; then
	show_log "$LOGS/build-w1.log"
	tap_fail "build: make module W=1 (exit $rc)"
elif [ "$nwarn" -ne 0 ]; then
	grep -A3 'warning:' "$LOGS/build-w1.log" | head -n 60 | sed 's/^/#   /'
	tap_fail "build: make module W=1 without warnings ($nwarn warnings)"
else
	tap_ok "build: make module W=1 without warnings"
fi

phase "sparse"
if [ ! -f "$REPO/heartbeat.ko" ]; then
	tap_skip "sparse: make module C=2, no warning in our files" \
		"the module does not build"
elif ! command -v sparse >/dev/null; then
	tap_skip "sparse: make module C=2, no warning in our files" \
		"sparse missing"
else
	make module KBUILD_OPTS="C=2" >"$LOGS/sparse.log" 2>&1
	rc=$?
	grep -E '(kmod/|include/uapi/linux/heartbeat\.h|^heartbeat\.).*(warning|error):' \
		"$LOGS/sparse.log" >"$LOGS/sparse-ours.log"
	if [ "$rc" -ne 0 ]; then
		show_log "$LOGS/sparse.log"
		tap_fail "sparse: make module C=2 (exit $rc)"
	elif [ -s "$LOGS/sparse-ours.log" ]; then
		head -n 40 "$LOGS/sparse-ours.log" | sed 's/^/#   /'
		tap_fail "sparse: make module C=2, no warning in our files ($(wc -l <"$LOGS/sparse-ours.log") warnings)"
	else
		tap_ok "sparse: make module C=2, no warning in our files"
	fi
fi

phase "checkpatch"
CP_DIR=$BUILD/linux-scripts
CHECKPATCH=$(find "$CP_DIR" -path '*/scripts/checkpatch.pl' 2>/dev/null | head -n 1)
if [ -z "$CHECKPATCH" ]; then
	SRC_TAR=$(find /usr/src -maxdepth 1 -name 'linux-source-6.1.tar.*' | head -n 1)
	if [ -n "$SRC_TAR" ]; then
		mkdir -p "$CP_DIR"
		tar -xf "$SRC_TAR" -C "$CP_DIR" --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' \
			>"$LOGS/checkpatch-extract.log" 2>&1
		CHECKPATCH=$(find "$CP_DIR" -path '*/scripts/checkpatch.pl' | head -n 1)
	fi
fi
# shellcheck disable=SC2206 # globs wanted
CP_FILES=(kmod/*.c kmod/*.h include/uapi/linux/heartbeat.h)
if [ -z "$CHECKPATCH" ]; then
	tap_skip "checkpatch --strict" "no linux-source-6.1 tarball"
else
	perl "$CHECKPATCH" --strict --no-tree --show-types --color=never -f \
		"${CP_FILES[@]}" \
		>"$LOGS/checkpatch.log" 2>&1
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
make hbctl >"$LOGS/hbctl-build.log" 2>&1
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

make -C tools/hbctl test >"$LOGS/hbctl-test.log" 2>&1
rc=$?
show_log "$LOGS/hbctl-test.log" 15
tap_result $((rc == 0 ? 0 : 1)) "hbctl: make -C tools/hbctl test"

make -C selftests >"$LOGS/helpers.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || show_log "$LOGS/helpers.log"
tap_result $((rc == 0 ? 0 : 1)) "build: selftest helpers (hb_inject, hb_clock, hb_nlfuzz)"

if command -v shellcheck >/dev/null; then
	if shellcheck -x selftests/*.sh .ci/run >"$LOGS/shellcheck.log" 2>&1; then
		tap_ok "shellcheck: selftests/*.sh .ci/run"
	else
		show_log "$LOGS/shellcheck.log" 30
		tap_fail "shellcheck: selftests/*.sh .ci/run"
	fi
else
	tap_skip "shellcheck: selftests/*.sh .ci/run" "shellcheck not installed"
fi

# --- the guests -----------------------------------------------------------------

if [ -n "${HB_SKIP_VM:-}" ]; then
	tap_skip "guest: selftests/heartbeat.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/cluster.sh" "HB_SKIP_VM set"
	tap_skip "guest: selftests/auth.sh" "HB_SKIP_VM set"
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
fi

# --- hostile input (issue 4) ------------------------------------------------------
# The frame parser fuzzed on the host (selftests/fuzz/run.sh), then
# selftests/hostile.sh in a guest of its own.  HB_FUZZ_S: fuzzing seconds;
# HB_SKIP_HOSTILE=1 skips that guest.

phase "fuzz: frame parser"
"$SELFTESTS/fuzz/run.sh" "${HB_FUZZ_S:-60}" >"$LOGS/fuzz.log" 2>&1
rc=$?
show_log "$LOGS/fuzz.log" 12
case $rc in
0) tap_ok "fuzz: hb_frame_parse() under libFuzzer, ASan and UBSan for ${HB_FUZZ_S:-60} s" ;;
"$KSFT_SKIP") tap_skip "fuzz: hb_frame_parse() under libFuzzer" "$(tail -n 1 "$LOGS/fuzz.log")" ;;
*) tap_fail "fuzz: hb_frame_parse() under libFuzzer, ASan and UBSan for ${HB_FUZZ_S:-60} s" ;;
esac
if [ -n "${HB_SKIP_VM:-}${HB_SKIP_HOSTILE:-}" ]; then
	tap_skip "guest: selftests/hostile.sh" "HB_SKIP_VM or HB_SKIP_HOSTILE set"
else
	# 100 module and 100 namespace cycles, 1,000,000 frames: longer
	# than the other guests (HB_HOSTILE_TIMEOUT, seconds).
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
