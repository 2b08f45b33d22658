#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make demo": install what is missing, build heartbeat.ko, hbctl and the
# helpers, then boot a QEMU guest and show three nodes detecting a failure
# (selftests/demo-guest.sh prints the transcript).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
cd "$REPO" || exit 1
LOG=$REPO/.build/demo-build.log
mkdir -p "$REPO/.build"

"$SELFTESTS/deps.sh" || exit 1
echo "demo: building heartbeat.ko, hbctl and the test helpers (log: $LOG)"
if ! { make module && make hbctl && make -C selftests; } >"$LOG" 2>&1; then
	tail -n 30 "$LOG"
	echo "demo: the build failed" >&2
	exit 1
fi
echo "demo: booting the guest (software emulation: about 10 s to boot)"
exec "$SELFTESTS/vm.sh" -t 600 -n demo -- selftests/demo-guest.sh
