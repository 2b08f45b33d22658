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
#  3. make deb builds a package whose files are those of make install
#     under /usr and /etc (no module), plus the module's sources under
#     /usr/src/heartbeat-<version> (every kmod/ and include/ source, Kbuild,
#     dkms.conf), the example configuration as a conffile, and maintainer
#     scripts that shellcheck accepts;
#  4. dkms build of the package's sources, in a temporary DKMS tree against
#     the installed headers, builds heartbeat.ko for that release, and
#     modinfo lists udp_tunnel and ip6_udp_tunnel as its dependencies
#     (modprobe loads them).
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
rc=0
deb=$(make -s deb 2>"$TMP/deb.log" | tail -n 1)
if [ ! -f "$deb" ]; then
	sed 's/^/#   /' "$TMP/deb.log"
	rc=1
else
	dpkg-deb -x "$deb" "$TMP/deb"
	dpkg-deb -e "$deb" "$TMP/deb-control"
	# shellcheck disable=SC2016 # backquotes of markdown
	want=$(sed -n '/<!-- install-files -->/,/<!-- \/install-files -->/p' README.md |
		sed -n 's/^| `\([^`]*\)` |.*/\1/p' | grep -v '^/lib/modules/' |
		sed -e 's|^/usr/local/|/usr/|' -e 's|/hbctl\.8$|/hbctl.8.gz|'
		echo /usr/share/doc/heartbeat/README.md
		echo "/usr/src/heartbeat-$v_dkms/Kbuild"
		echo "/usr/src/heartbeat-$v_dkms/dkms.conf"
		find kmod include -type f -name '*.[ch]' |
			sed "s|^|/usr/src/heartbeat-$v_dkms/|")
	want=$(echo "$want" | sort)
	got=$(cd "$TMP/deb" && find . -type f | sed 's/^\.//' | sort)
	if [ "$want" != "$got" ]; then
		log "want: $(echo "$want" | tr '\n' ' ')"
		log "got:  $(echo "$got" | tr '\n' ' ')"
		rc=1
	fi
	[ "$(cat "$TMP/deb-control/conffiles")" = /etc/heartbeat/hb0.conf.example ] ||
		{ log "conffiles: $(cat "$TMP/deb-control/conffiles")"; rc=1; }
	[ "$(sed -n 's/^Version: //p' "$TMP/deb-control/control")" = "$v_dkms" ] ||
		{ log "control: $(cat "$TMP/deb-control/control")"; rc=1; }
	if command -v shellcheck >/dev/null; then
		shellcheck -s sh "$TMP/deb-control/postinst" \
			"$TMP/deb-control/prerm" || rc=1
	fi
	log "$deb: $(echo "$got" | wc -l) files"
fi
tap_result "$rc" "make deb: make install's files, the module's sources for DKMS, a conffile, sound scripts"

# 4 ---------------------------------------------------------------------------
if ! command -v dkms >/dev/null; then
	tap_missing "dkms build against the installed headers" "dkms not installed"
elif [ ! -d "$TMP/deb/usr/src/heartbeat-$v_dkms" ]; then
	tap_fail "dkms build of the package's sources (no package)"
else
	mkdir -p "$TMP/dkms"
	rc=0
	dkms build --sourcetree "$TMP/deb/usr/src" --dkmstree "$TMP/dkms" \
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
	tap_result "$rc" "dkms build of the package's sources for $KVER; depends udp_tunnel,ip6_udp_tunnel"
fi

tap_finish
