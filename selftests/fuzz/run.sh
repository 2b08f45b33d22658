#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz the frame parser of heartbeat.ko on the host for a bounded time:
# build selftests/fuzz (clang, libFuzzer, ASan, UBSan), write the seed
# corpus with gen_corpus, run fuzz_frame for HB_FUZZ_S seconds (default 60)
# over .build/fuzz/corpus (kept between runs, so coverage accumulates).
#
#   selftests/fuzz/run.sh [SECONDS]
#
# Exit 0: no crash; 1: a crash, a leak, an invariant or a build failure
# (the reproducer is in .build/fuzz/artifacts/); 4: clang or its runtime
# (libFuzzer, ASan, UBSan: libclang-rt-14-dev) missing, which
# selftests/deps.sh installs: a skip, never a pass, and in CI (CI=true)
# make check counts it as a failure.  The last line is a one-line summary
# (make check quotes it).

set -u

FUZZ=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$FUZZ/../.." && pwd)
OUT=$TOP/.build/fuzz
SECS=${1:-${HB_FUZZ_S:-60}}

if ! command -v clang >/dev/null; then
	echo "fuzz: SKIP: clang is not installed (selftests/deps.sh installs clang)"
	exit 4
fi
# libFuzzer, ASan and UBSan ship with clang's runtime: probe them with an
# empty target.
mkdir -p "$OUT"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ (void)d; (void)n; return 0; }' >"$OUT/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined -o "$OUT/probe" \
	"$OUT/probe.c" >"$OUT/probe.log" 2>&1; then
	sed 's/^/fuzz:   /' "$OUT/probe.log" | tail -n 5
	echo "fuzz: SKIP: clang cannot link libFuzzer, ASan, UBSan (selftests/deps.sh installs libclang-rt-14-dev)"
	exit 4
fi

if ! make -s -C "$FUZZ" OUT="$OUT" >"$OUT/build.log" 2>&1; then
	sed 's/^/fuzz:   /' "$OUT/build.log" | tail -n 30
	echo "fuzz: FAIL: cannot build the fuzz target"
	exit 1
fi

mkdir -p "$OUT/corpus" "$OUT/artifacts"
"$OUT/gen_corpus" "$OUT/corpus" || {
	echo "fuzz: FAIL: the seed corpus is not accepted by the parser"
	exit 1
}

echo "fuzz: fuzz_frame for $SECS s over $(find "$OUT/corpus" -type f | wc -l) inputs"
rc=0
"$OUT/fuzz_frame" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$OUT/artifacts/" \
	"$OUT/corpus" >"$OUT/fuzz.log" 2>&1 || rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/fuzz.log")
cov=$(grep -E '^#[0-9]+' "$OUT/fuzz.log" | tail -n 1 |
	sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([^ ]*\).*/cov \1, features \2, corpus \3/p')
if [ "$rc" -ne 0 ]; then
	grep -E 'invariant failed|ERROR:|SUMMARY:|runtime error|Test unit written' \
		"$OUT/fuzz.log" | head -n 20 | sed 's/^/fuzz:   /'
	echo "fuzz: FAIL: fuzz_frame exited $rc after ${runs:-?} runs (log .build/fuzz/fuzz.log)"
	exit 1
fi
echo "fuzz: ok: ${runs:-?} runs in $SECS s without a crash (${cov:-no stats})"
exit 0
