#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The second kernel line: Debian 13's ("trixie") packaged 6.12 kernel,
# prepared once, for "make check-612" (selftests/check-612.sh) and by hand:
#
#   selftests/kernel-612.sh           prepare unless the cache is current
#   selftests/kernel-612.sh module    prepare, then build heartbeat.ko for
#                                     6.12 into .build/k612-module/ (with
#                                     W=1; KBUILD_OPTS adds options)
#   selftests/kernel-612.sh ready     exit 0 when prepared, at once, without
#                                     preparing or waiting for a lock
#
# The kbuild helpers of linux-headers-6.12 (modpost) are linked against
# trixie's glibc and do not run on Debian 12 ("GLIBC_2.38 not found"; its
# glibc is 2.36).  Rebuilding them from source would not be enough: the
# kernel was built with gcc-14, and Debian 12's gcc-12 rejects flags that
# 6.12's Makefile passes to it (-fmin-function-alignment=16).  So the
# module is built in a trixie chroot (debootstrap --variant=minbase, with
# gcc-14, make and perl), into which apt installs linux-headers-amd64 as
# on a Debian 13 machine.  Those headers depend on the kernel image, which
# apt installs in the chroot too (nothing is installed on the host): its
# vmlinuz and its modules (indexed by its postinst's depmod) are what
# selftests/vm.sh -k/-m boots.  The guest runs the host's Debian 12 user
# space as usual.
#
# The packages come from the mirror the machine's apt uses for Debian 12
# (the first "deb" source of /etc/apt/sources.list or sources.list.d that
# ends in /debian; HB_K612_MIRROR overrides), suite trixie.
#
# Cache (lib.sh's hb_cache: /var/cache/heartbeat, or HB_CACHE), ~1 GB:
#   k612/KEY/root/        the chroot; in it /usr/src/linux-headers-R (the
#                         KDIR), /boot/vmlinuz-R and /usr/lib/modules/R
#                         (the MODDIR), R the kernel release
#   k612/KEY/prepare.log  the output of the steps
#   k612/KEY/env          K612_KEY K612_KREL (R) K612_PKGVER K612_ROOT
#                         K612_KDIR (a path in the chroot) K612_VMLINUZ
#                         K612_MODDIR, and the seconds the steps took:
#                         K612_CHROOT_S (debootstrap), K612_HEADERS_S
#                         (apt-get install of the headers and the image),
#                         K612_PREPARE_S (all); written last, so that an
#                         interrupted preparation is never taken for a
#                         finished one
# and the env file is copied to the checkout's .build/k612.env.  The
# module subcommand builds in a copy of the sources in the chroot's /tmp,
# and writes .build/k612-module/heartbeat.ko, build.log and module.env
# (K612M_S: seconds; K612M_WARN: warnings and errors about our files).
#
# KEY: sha256 of RECIPE (bump it when the steps change), the suite and the
# package lists.  Debian uploads a new 6.12 now and then: the cache keeps
# the one it prepared until HB_K612_REFRESH=1 prepares it again (in
# KEY.new, which replaces KEY once complete).  A preparation holds
# k612/.lock exclusively, module builds hold it shared: two runs prepare
# once, and a build never sees a half-made chroot.  The steps are mostly
# downloads and unpacking: CI runs this at idle priority.
#
# Exit status 0 when done, 1 on failure (see prepare.log).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

RECIPE=1
SUITE=trixie
# gcc-14: the compiler the 6.12 kernel was built with; libelf-dev, bc,
# flex, bison: what an external module build may run; perl: W=1 runs
# kernel-doc, which needs more of it than perl-base.
CHROOT_PKGS=gcc-14,make,libc6-dev,libelf-dev,bc,flex,bison,kmod,perl
HEADERS_PKG=linux-headers-amd64

k612log()
{
	echo "kernel-612: $*" >&2
}

die()
{
	k612log "error: $*"
	exit 1
}

# mirror: the Debian archive of the machine's apt sources.
mirror()
{
	local f

	if [ -n "${HB_K612_MIRROR:-}" ]; then
		echo "$HB_K612_MIRROR"
		return 0
	fi
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# One-line ("deb [opts] URI suite...") and deb822 ("URIs: ...")
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk '$1 == "deb" { print $2 } $1 == "URIs:" {
				for (i = 2; i <= NF; i++) print $i }'
	done | grep -E '^(https?|file)://.*/debian/?$' | head -n 1 | sed 's#/$##'
}

CMD=${1:-prepare}
case $CMD in
prepare|module|ready) ;;
*) echo "usage: $0 [prepare|module|ready]" >&2; exit 2 ;;
esac

key=$( { echo "recipe $RECIPE"; echo "suite $SUITE"; echo "$CHROOT_PKGS";
	echo "$HEADERS_PKG"; } | sha256sum | cut -c1-16)
cache=$(hb_cache) || die "no cache directory"
K=$cache/k612/$key
ENV_COPY=$REPO/.build/k612.env
mkdir -p "$cache/k612" "$REPO/.build"

# cached: the env file names this key and its files are there.
cached()
{
	local k

	[ -s "$K/env" ] || return 1
	k=$(sed -n 's/^K612_KEY=//p' "$K/env")
	[ "$k" = "$key" ] || return 1
	# shellcheck source=/dev/null
	. "$K/env"
	[ -s "$K612_VMLINUZ" ] && [ -s "$K612_MODDIR/modules.dep" ] &&
		[ -s "$K612_ROOT$K612_KDIR/Module.symvers" ] &&
		[ -x "$K612_ROOT/usr/bin/gcc-14" ]
}

if [ "$CMD" = ready ]; then
	[ -z "${HB_K612_REFRESH:-}" ] && cached && exit 0
	exit 1
fi

exec 9>"$cache/k612/.lock"

# remove DIR: delete a chroot (or what is left of one).  debootstrap
# mounts proc and sys in it while it works: a run killed meanwhile may
# leave them mounted, and rm must not go into them.
remove()
{
	local m

	[ -e "$1" ] || return 0
	awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$1"
}

# in_root CMD...: run CMD in the chroot, with a clean environment.
in_root()
{
	chroot "$1" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		"${@:2}"
}

# step NAME CMD...: run CMD, and set STEP_S to the seconds it took.
step()
{
	local start=$SECONDS rc

	k612log "$1"
	"${@:2}"
	rc=$?
	STEP_S=$((SECONDS - start))
	k612log "$1: exit $rc, ${STEP_S} s"
	return "$rc"
}

# prepare_into DIR: the chroot, the headers and the image, in DIR.
prepare_into()
{
	local dir=$1 m krel h

	m=$(mirror)
	[ -n "$m" ] || { k612log "no Debian mirror in the apt sources (set HB_K612_MIRROR)"; return 1; }
	command -v debootstrap >/dev/null ||
		{ k612log "no debootstrap (apt-get install debootstrap)"; return 1; }
	k612log "mirror $m, suite $SUITE, in $dir"
	remove "$dir"
	mkdir -p "$dir" || return 1
	# debootstrap's own keyring check: debian-archive-keyring of
	# Debian 12 has trixie's keys.
	step "debootstrap (minbase, $CHROOT_PKGS)" \
		debootstrap --variant=minbase --include="$CHROOT_PKGS" \
		"$SUITE" "$dir/root" "$m" || return 1
	CHROOT_S=$STEP_S
	# linux-headers-R depends on linux-image-R: apt installs both, and
	# the image's postinst runs depmod.  INITRD=No: its initramfs hook
	# does nothing (the guest boots vm.sh's own initramfs).
	step "apt-get install $HEADERS_PKG (and so the image) in the chroot" \
		in_root "$dir/root" INITRD=No apt-get install -y -q \
		--no-install-recommends "$HEADERS_PKG" </dev/null || return 1
	HEADERS_S=$STEP_S
	krel=
	for h in "$dir"/root/usr/src/linux-headers-*-amd64; do
		[ -s "$h/Module.symvers" ] && krel=${h##*/linux-headers-}
	done
	if [ -z "$krel" ]; then
		k612log "no linux-headers-*-amd64 in the chroot"
		return 1
	fi
	if [ ! -s "$dir/root/boot/vmlinuz-$krel" ] ||
		[ ! -s "$dir/root/usr/lib/modules/$krel/modules.dep" ]; then
		k612log "no vmlinuz-$krel or modules.dep in the chroot"
		return 1
	fi
	KREL=$krel
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	PKGVER=$(in_root "$dir/root" dpkg-query -W -f='${Version}' \
		"linux-image-$krel")
	rm -rf "$dir/root/var/cache/apt/archives/"*.deb
}

prepare()
{
	local start=$SECONDS new=$K.new

	[ -n "${HB_K612_REFRESH:-}" ] || ! cached || return 0
	[ -z "${HB_K612_REFRESH:-}" ] || k612log "HB_K612_REFRESH set: preparing again"
	prepare_into "$new" >"$cache/k612/prepare-$key.log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$cache/k612/prepare-$key.log" >&2
		remove "$new"
		die "preparation failed, see $cache/k612/prepare-$key.log"
	fi
	remove "$K"
	mv "$new" "$K" || die "cannot rename $new"
	mv "$cache/k612/prepare-$key.log" "$K/prepare.log"
	cat >"$K/env.new" <<EOF
K612_KEY=$key
K612_KREL=$KREL
K612_PKGVER=$PKGVER
K612_ROOT=$K/root
K612_KDIR=/usr/src/linux-headers-$KREL
K612_VMLINUZ=$K/root/boot/vmlinuz-$KREL
K612_MODDIR=$K/root/usr/lib/modules/$KREL
K612_CHROOT_S=$CHROOT_S
K612_HEADERS_S=$HEADERS_S
K612_PREPARE_S=$((SECONDS - start))
EOF
	mv "$K/env.new" "$K/env"
	# Preparations of other keys are not used again.
	find "$cache/k612" -mindepth 1 -maxdepth 1 -type d ! -name "$key" \
		! -name "$key.new" -print0 |
		while IFS= read -r -d '' d; do remove "$d"; done
	k612log "prepared $KREL ($PKGVER) in $((SECONDS - start)) s"
}

if ! flock -n 9; then
	k612log "another run holds $cache/k612/.lock; waiting"
	flock 9 || die "cannot lock $cache/k612/.lock"
fi
prepare
cached || die "the cache in $K is incomplete"
cp "$K/env" "$ENV_COPY" || die "cannot write $ENV_COPY"
k612log "ready: $K612_KREL ($K612_PKGVER) in $K"
[ "$CMD" = module ] || exit 0

# --- heartbeat.ko for 6.12 -------------------------------------------------

# Builds share the chroot: a shared lock keeps a preparation out.
flock -s 9 || die "cannot lock $cache/k612/.lock"
OUT=$REPO/.build/k612-module
mkdir -p "$OUT"
rm -f "$OUT/heartbeat.ko" "$OUT/module.env"
SRC=$(mktemp -d "$K612_ROOT/tmp/hb-build.XXXXXX") || die "no build directory"
trap 'rm -rf "$SRC"' EXIT
cp -r "$REPO/Kbuild" "$REPO/kmod" "$REPO/include" "$SRC/" ||
	die "cannot copy the sources"
find "$SRC" \( -name '*.o' -o -name '.*.cmd' -o -name '*.ko' -o \
	-name '*.mod' -o -name '*.mod.c' \) -delete
start=$SECONDS
# shellcheck disable=SC2086 # KBUILD_OPTS: words wanted
in_root "$K612_ROOT" make -C "$K612_KDIR" M="${SRC#"$K612_ROOT"}" \
	-j"$(nproc)" W=1 ${KBUILD_OPTS:-} modules >"$OUT/build.log" 2>&1
rc=$?
secs=$((SECONDS - start))
# Warnings about our files (the kernel's headers have their own).
grep -E 'warning:|error:' "$OUT/build.log" | grep -vE '^/usr/src/' \
	>"$OUT/build-warnings.log"
nwarn=$(wc -l <"$OUT/build-warnings.log")
if [ "$rc" -ne 0 ] || [ ! -s "$SRC/heartbeat.ko" ]; then
	tail -n 30 "$OUT/build.log" >&2
	die "heartbeat.ko for $K612_KREL: build failed (exit $rc), see $OUT/build.log"
fi
cp "$SRC/heartbeat.ko" "$OUT/heartbeat.ko" || die "cannot copy heartbeat.ko"
printf 'K612M_S=%s\nK612M_WARN=%s\n' "$secs" "$nwarn" >"$OUT/module.env"
k612log "built $OUT/heartbeat.ko for $K612_KREL in ${secs} s, $nwarn warnings about our files"
[ "$nwarn" -eq 0 ] || sed 's/^/kernel-612:   /' "$OUT/build-warnings.log" >&2
exit 0
