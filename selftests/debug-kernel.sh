#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, the debug kernel that "make check-debug" boots: Debian's
# linux-source-6.1 configured with
#
#   make allnoconfig KCONFIG_ALLCONFIG=selftests/debug.config
#
# (KASAN, lockdep, kmemleak, debug objects, UBSAN, DEBUG_LIST, and what the
# guest and the tests need; the fragment documents itself), then its
# modules installed where the guest's modprobe finds them.
#
#   selftests/debug-kernel.sh        build unless the cache is current
#
# It is built outside the checkout, in the machine's cache (lib.sh's
# hb_cache: /var/cache/heartbeat, or HB_CACHE), so that every fresh clone
# on the machine (CI's among them) boots the same kernel without building
# it again:
#   linux-source/V/           the unpacked linux-source-6.1 (hb_linux_source;
#                             checkpatch comes from there too)
#   debug-kernel/KEY/obj/     the build (O=); also the KDIR for external
#                             modules
#   debug-kernel/KEY/mods/lib/modules/R/   "make modules_install" output,
#                             R = kernel release
#   debug-kernel/KEY/build.log  the build's output
#   debug-kernel/KEY/env      DK_KEY DK_KREL DK_KDIR DK_BZIMAGE DK_MODDIR
#                             DK_BUILD_S (seconds the build took), DK_UNITS
#                             (compiled units); written last, so a build
#                             that did not finish is never taken for a
#                             cached one
# and the env file is copied to the checkout's .build/debug-kernel.env,
# which check-debug.sh reads.
#
# KEY: sha256 of RECIPE (below; bump it when the build steps change), the
# linux-source-6.1 package version and size of its tarball, and
# debug.config.  A new key builds in a directory of its own; the builds of
# other keys are deleted once it succeeds (each is about 3 GB).  The build
# runs under "nice -n 10" with HB_DK_JOBS (default 2) jobs, and holds a
# lock so that two concurrent runs build once.
#
# Exit status 0 with the env file written, 1 on failure (see build.log).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

RECIPE=2
FRAGMENT=$SELFTESTS/debug.config
JOBS=${HB_DK_JOBS:-2}
TARBALL=${HB_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}

dklog()
{
	echo "debug-kernel: $*" >&2
}

die()
{
	dklog "error: $*"
	exit 1
}

[ -r "$TARBALL" ] || die "no $TARBALL (apt-get install linux-source-6.1)"
[ -r "$FRAGMENT" ] || die "no $FRAGMENT"
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
key=$( { echo "recipe $RECIPE"; echo "linux-source-6.1 ${pkgver:-?}";
	stat -c 'tarball %s' "$TARBALL"; cat "$FRAGMENT"; } |
	sha256sum | cut -c1-16)

cache=$(hb_cache) || die "no cache directory"
DK=$cache/debug-kernel/$key
ENV_COPY=$REPO/.build/debug-kernel.env
mkdir -p "$DK" "$REPO/.build"
exec 9>"$cache/debug-kernel/.lock"
if ! flock -n 9; then
	dklog "another build holds $cache/debug-kernel/.lock; waiting"
	flock 9 || die "cannot lock $cache/debug-kernel/.lock"
fi

# cached: the env file names this key and its files are there.
cached()
{
	local k

	[ -s "$DK/env" ] || return 1
	k=$(sed -n 's/^DK_KEY=//p' "$DK/env")
	[ "$k" = "$key" ] || return 1
	# shellcheck source=/dev/null
	. "$DK/env"
	[ -s "$DK_BZIMAGE" ] && [ -s "$DK_MODDIR/modules.dep" ] &&
		[ -s "$DK_KDIR/Module.symvers" ]
}

if cached; then
	cp "$DK/env" "$ENV_COPY" || die "cannot write $ENV_COPY"
	dklog "cached: $DK_KREL (key $key) in $DK"
	exit 0
fi

# check_config: every line of the fragment is in the final .config.
check_config()
{
	local line sym bad=0

	while IFS= read -r line; do
		case $line in
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=" "$DK/obj/.config"; then
				dklog "config: $sym is set, the fragment wants it off"
				bad=1
			fi
			;;
		CONFIG_*)
			if ! grep -qxF "$line" "$DK/obj/.config"; then
				sym=${line%%=*}
				dklog "config: wanted $line, got: $(grep -E "^$sym=|^# $sym is not set" "$DK/obj/.config" || echo "(absent)")"
				bad=1
			fi
			;;
		esac
	done <"$FRAGMENT"
	return "$bad"
}

build()
{
	local krel

	rm -rf "$DK/obj" "$DK/mods" "$DK/env"
	src=$(hb_linux_source) || return 1
	mkdir -p "$DK/obj" "$DK/mods"
	dklog "configuring: allnoconfig + $FRAGMENT"
	make -s -C "$src" O="$DK/obj" allnoconfig \
		KCONFIG_ALLCONFIG="$FRAGMENT" || return 1
	check_config || { dklog "the fragment did not survive Kconfig"; return 1; }
	dklog "building bzImage and modules: nice -n 10 make -j$JOBS (11 to 16 min on 2 cores, longer beside guests)"
	nice -n 10 make -C "$DK/obj" -j"$JOBS" bzImage modules || return 1
	make -s -C "$DK/obj" INSTALL_MOD_PATH="$DK/mods" modules_install ||
		return 1
	krel=$(cat "$DK/obj/include/config/kernel.release") || return 1
	[ -s "$DK/mods/lib/modules/$krel/modules.dep" ] ||
		{ dklog "modules_install did not run depmod"; return 1; }
}

dklog "building (key $key; log in $DK/build.log)"
start=$(date +%s)
build >"$DK/build.log.new" 2>&1
rc=$?
mv "$DK/build.log.new" "$DK/build.log"
if [ "$rc" -ne 0 ]; then
	grep -E 'error|Error|debug-kernel:' "$DK/build.log" | tail -n 20 >&2
	die "build failed (exit $rc), see $DK/build.log"
fi
secs=$(($(date +%s) - start))
krel=$(cat "$DK/obj/include/config/kernel.release")
units=$(grep -cE '^  CC ' "$DK/build.log")
cat >"$DK/env.new" <<EOF
DK_KEY=$key
DK_KREL=$krel
DK_KDIR=$DK/obj
DK_BZIMAGE=$DK/obj/arch/x86/boot/bzImage
DK_MODDIR=$DK/mods/lib/modules/$krel
DK_BUILD_S=$secs
DK_UNITS=$units
EOF
mv "$DK/env.new" "$DK/env"
cp "$DK/env" "$ENV_COPY" || die "cannot write $ENV_COPY"
# Builds of other keys are not used again by this recipe.
find "$cache/debug-kernel" -mindepth 1 -maxdepth 1 -type d ! -name "$key" \
	-exec rm -rf {} +
dklog "built $krel in ${secs}s ($units units compiled)"
