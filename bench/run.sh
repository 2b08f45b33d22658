#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench" and "make bench-smoke" on the host: install what is missing
# (selftests/deps.sh: frr, stress-ng, gnuplot among the rest), build the
# module, hbctl and the helpers (hb_bench), boot one QEMU guest
# (selftests/vm.sh) that runs bench/bench.sh, then turn its raw data into
# results with bench/analyze.py and print the Markdown table.
#
#   bench/run.sh           the benchmark (about 14 minutes with the defaults)
#   bench/run.sh --smoke   a few seconds of it, with checks (TAP; exit 1 when
#                          one fails)
#
# Results: $BENCH_DEST (default .build/bench/) gets results.json (every
# figure), table.md and plots/*.svg, and raw/ (bench.sh's raw data).
# Compare two runs with "make bench-compare A=old.json B=new.json".
#
# Environment: every BENCH_* variable that bench/bench.sh reads is passed
# on to the guest (BENCH_CELL_S, BENCH_REPS, BENCH_LOADS,
# BENCH_INTERVAL_MS, BENCH_MULT, BENCH_FAST_MS, BENCH_FAST_LOADS,
# BENCH_CUTS, BENCH_FIFO_PRIO); HB_SKIP_DEPS=1 skips deps.sh; HB_VM_*
# as for selftests/vm.sh (HB_VM_ACCEL=tcg where KVM does not work).

set -u

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
cd "$REPO" || exit 1

SMOKE=0
[ "${1:-}" = --smoke ] && SMOKE=1

if [ -z "${HB_SKIP_DEPS:-}" ]; then
	selftests/deps.sh || exit 1
fi
make -j"$(nproc)" all >/dev/null || { echo "bench: make failed" >&2; exit 1; }
make -C selftests >/dev/null || { echo "bench: make -C selftests failed" >&2; exit 1; }

envs=()
while IFS='=' read -r k _; do
	envs+=(-e "$k=${!k}")
done < <(env | grep '^BENCH_[A-Z_]*=' | sort)
envs+=(-e "CI=${CI:-}")

if [ "$SMOKE" -eq 1 ]; then
	exec selftests/vm.sh -n bench-smoke -t "${HB_VM_TIMEOUT:-600}" \
		"${envs[@]}" bench/bench.sh --smoke
fi

# The guest's time limit, from the run's size: every cell takes its
# seconds, one of settling and two of starting and stopping, plus boot,
# setup, the cuts and slack.
cell_s=${BENCH_CELL_S:-12}
reps=${BENCH_REPS:-5}
read -ra loads <<<"${BENCH_LOADS:-idle cpu cpu-n20 vm io fifo1 fifoall}"
read -ra fast <<<"${BENCH_FAST_LOADS:-idle cpu}"
[ -n "${BENCH_FAST_MS-1}" ] || fast=()
cells=$((reps * (${#loads[@]} + ${#fast[@]})))
limit=$((cells * (cell_s + 6) * 2 + ${BENCH_CUTS:-20} * 10 + 600))

res=$REPO/.build/vm-bench
selftests/vm.sh -n bench -t "${HB_VM_TIMEOUT:-$limit}" "${envs[@]}" \
	bench/bench.sh
rc=$?
if [ ! -f "$res/bench/raw/meta.json" ]; then
	echo "bench: the guest wrote no results (exit $rc): see $res/output.log" >&2
	exit 1
fi
dest=${BENCH_DEST:-$REPO/.build/bench}
rm -rf "$dest"
mkdir -p "$dest"
cp -r "$res/bench/raw" "$dest/"
"${PYTHON3:-/usr/bin/python3}" bench/analyze.py "$dest" || exit 1
echo
echo "bench: results in $dest (results.json, table.md, plots/)"
exit "$rc"
