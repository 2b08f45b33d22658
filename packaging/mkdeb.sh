#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a Debian binary package of heartbeat with dpkg-deb alone (no
# debhelper): hbctl, its man page and bash completion, the systemd unit,
# the example configuration, and the module's sources for DKMS, which
# builds and installs heartbeat.ko for the running kernel when the package
# is configured, and (its kernel hook) for every kernel installed later.
#
#   packaging/mkdeb.sh [OUTDIR]      (make deb: OUTDIR is .build/deb)
#
# hbctl must be built (make hbctl).  Prints the path of the .deb.  The
# package's version is the module's (HB_MODULE_VERSION in kmod/main.c, the
# PACKAGE_VERSION of dkms.conf); its architecture is dpkg's.
#
#   /usr/sbin/hbctl, /usr/share/man/man8/hbctl.8.gz,
#   /usr/share/bash-completion/completions/hbctl,
#   /usr/lib/systemd/system/heartbeat@.service,
#   /etc/heartbeat/hb0.conf.example (a conffile),
#   /usr/src/heartbeat-<version>/ (Kbuild, dkms.conf, kmod/, include/),
#   /usr/share/doc/heartbeat/README.md

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$REPO/.build/deb}
cd "$REPO"

VERSION=$(sed -n 's/^#define HB_MODULE_VERSION\t"\(.*\)"/\1/p' kmod/main.c)
V_DKMS=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
if [ -z "$VERSION" ] || [ "$VERSION" != "$V_DKMS" ]; then
	echo "mkdeb: module version '$VERSION' and dkms.conf's '$V_DKMS' differ" >&2
	exit 1
fi
[ -x tools/hbctl/hbctl ] || { echo "mkdeb: build hbctl first (make hbctl)" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
ROOT=$STAGE/root
SRC=$ROOT/usr/src/heartbeat-$VERSION

# What make install puts under PREFIX=/usr and /etc (no module: DKMS
# builds it on the target, for the target's kernels).
install -D -m 0755 tools/hbctl/hbctl "$ROOT/usr/sbin/hbctl"
strip --strip-unneeded "$ROOT/usr/sbin/hbctl"
install -d "$ROOT/usr/share/man/man8"
gzip -9n <tools/hbctl/hbctl.8 >"$ROOT/usr/share/man/man8/hbctl.8.gz"
install -D -m 0644 tools/hbctl/hbctl.bash-completion \
	"$ROOT/usr/share/bash-completion/completions/hbctl"
install -D -m 0644 systemd/heartbeat@.service \
	"$ROOT/usr/lib/systemd/system/heartbeat@.service"
install -D -m 0644 conf/hb0.conf.example \
	"$ROOT/etc/heartbeat/hb0.conf.example"
install -D -m 0644 README.md "$ROOT/usr/share/doc/heartbeat/README.md"

# The module's sources, as "dkms add" expects them.
install -d "$SRC"
install -m 0644 Kbuild dkms.conf "$SRC/"
find kmod include -type f \( -name '*.[ch]' \) -print0 |
	while IFS= read -r -d '' f; do
		install -D -m 0644 "$f" "$SRC/$f"
	done

install -d "$ROOT/DEBIAN"
SIZE=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat >"$ROOT/DEBIAN/control" <<EOF
Package: heartbeat
Version: $VERSION
Architecture: $ARCH
Maintainer: heartbeat developers <heartbeat@localhost>
Installed-Size: $SIZE
Depends: dkms, libc6, libnl-3-200, libnl-genl-3-200
Recommends: linux-headers-amd64
Section: net
Priority: optional
Description: kernel heartbeats for fast, trustworthy failure detection
 heartbeat.ko sends and receives heartbeat frames on kernel timers, one
 instance per network namespace, so that a busy or starved userspace does
 not make a live server look dead.  hbctl configures nodes and peers over
 generic netlink, reads liveness and runs hooks on failures.
 .
 DKMS builds the module for the running kernel and for every kernel
 installed later (their headers are needed).
EOF
echo /etc/heartbeat/hb0.conf.example >"$ROOT/DEBIAN/conffiles"

cat >"$ROOT/DEBIAN/postinst" <<EOF
#!/bin/sh
# heartbeat: let DKMS build and install the module.
set -e
if [ "\$1" = configure ]; then
	if ! dkms status -m heartbeat -v $VERSION | grep -q .; then
		dkms add -m heartbeat -v $VERSION
	fi
	# For the running kernel (DKMS's kernel hook builds it for every
	# kernel installed later); a failure, such as missing headers,
	# leaves the package installed and says why.
	dkms autoinstall || echo "heartbeat: DKMS could not build the module; install the kernel's headers and run 'dkms autoinstall'" >&2
fi
exit 0
EOF
cat >"$ROOT/DEBIAN/prerm" <<EOF
#!/bin/sh
# heartbeat: remove the module DKMS built, for every kernel.
set -e
case "\$1" in
remove|upgrade|deconfigure)
	if dkms status -m heartbeat -v $VERSION | grep -q .; then
		dkms remove -m heartbeat -v $VERSION --all || true
	fi
	;;
esac
exit 0
EOF
chmod 0755 "$ROOT/DEBIAN/postinst" "$ROOT/DEBIAN/prerm"

mkdir -p "$OUT"
DEB=$OUT/heartbeat_${VERSION}_$ARCH.deb
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
