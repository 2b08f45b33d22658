#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install and DKMS, on the host (issue 12, item 1).  A host-side test,
# part of every make check.  TAP:
#
#  1. make install DESTDIR=<tmp> installs the files of README.md's install
#     table (the unit and example configuration only when the tree has
#     them), skips depmod with a message, and make uninstall removes them;
#  2. dkms.conf's PACKAGE_VERSION is the module's MODULE_VERSION;
#  3. dkms build, in a temporary DKMS tree against the installed headers,
#     builds heartbeat.ko for that release, and modinfo lists udp_tunnel
#     and ip6_udp_tunnel as its dependencies (modprobe loads them).
#
# Exit status (kselftest): 0 pass, 1 fail.

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
cd "$REPO" || exit 1
KDIR=$(hb_kdir) || { tap_missing "kernel headers" "no kernel headers"; tap_finish; exit $?; }
KVER=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

tap_header

# 1 ---------------------------------------------------------------------------
rc=0
make -s install DESTDIR="$TMP/root" KDIR="$KDIR" >"$TMP/install.log" 2>&1 || rc=1
# shellcheck disable=SC2016 # backquotes of markdown
want=$(sed -n '/<!-- install-files -->/,/<!-- \/install-files -->/p' README.md |
	sed -n 's/^| `\([^`]*\)` |.*/\1/p' | sed "s/<release>/$KVER/" |
	while read -r p; do
		case $p in
		*heartbeat@.service) [ -f systemd/heartbeat@.service ] || continue ;;
		*.conf.example) [ -f conf/hb0.conf.example ] || continue ;;
		esac
		echo "$p"
	done | sort)
got=$(cd "$TMP/root" && find . -type f | sed 's/^\.//' | sort)
if [ -z "$want" ] || [ "$want" != "$got" ]; then
	log "README.md: $(echo "$want" | tr '\n' ' ')"
	log "installed: $(echo "$got" | tr '\n' ' ')"
	rc=1
fi
grep -q 'depmod skipped (DESTDIR set)' "$TMP/install.log" || rc=1
make -s uninstall DESTDIR="$TMP/root" KDIR="$KDIR" >>"$TMP/install.log" 2>&1 || rc=1
left=$(cd "$TMP/root" && find . -type f)
[ -z "$left" ] || { log "left after uninstall: $left"; rc=1; }
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$TMP/install.log"
tap_result "$rc" "make install DESTDIR= installs README.md's files ($(echo "$got" | wc -l)), uninstall removes them"

# 2 ---------------------------------------------------------------------------
v_dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
v_mod=$(sed -n 's/^#define HB_MODULE_VERSION\t"\(.*\)"/\1/p' kmod/main.c)
[ -n "$v_mod" ] && [ "$v_dkms" = "$v_mod" ]
tap_result $? "dkms.conf's version ($v_dkms) is the module's ($v_mod)"

# 3 ---------------------------------------------------------------------------
if ! command -v dkms >/dev/null; then
	tap_missing "dkms build against the installed headers" "dkms not installed"
else
	mkdir -p "$TMP/src/heartbeat-$v_dkms" "$TMP/dkms"
	# what the module's build needs, as dkms add would copy it
	cp -r Kbuild dkms.conf kmod include "$TMP/src/heartbeat-$v_dkms"
	rc=0
	dkms build --sourcetree "$TMP/src" --dkmstree "$TMP/dkms" \
		"heartbeat/$v_dkms" -k "$KVER" >"$TMP/dkms.log" 2>&1 || rc=1
	ko=$(find "$TMP/dkms/heartbeat/$v_dkms/$KVER" -name 'heartbeat.ko*' | head -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$ko" ]; then
		sed 's/^/#   /' "$TMP/dkms.log" | tail -n 30
		rc=1
	else
		log "built $ko"
		[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$KVER" ] || rc=1
		[ "$(modinfo -F depends "$ko")" = "udp_tunnel,ip6_udp_tunnel" ] || rc=1
		log "vermagic $(modinfo -F vermagic "$ko"), depends $(modinfo -F depends "$ko")"
	fi
	tap_result "$rc" "dkms build for $KVER in a temporary tree; depends udp_tunnel,ip6_udp_tunnel"
fi

tap_finish
