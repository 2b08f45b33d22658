#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, with apt-get, whatever the build, the static checks and the QEMU
# selftests need and is not installed yet; then check that the guest kernel
# (/boot/vmlinuz-<release>) matches the headers the module is built against.
# Idempotent: when everything is present it only runs dpkg-query.
#
#   selftests/deps.sh            install what is missing (needs root)
#   HB_DEPS_EXTRA="pkg ..."      more packages to install

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"

PACKAGES=(
	# kernel to boot in the guest, and its headers to build against
	linux-image-amd64 linux-headers-amd64
	# build: module, hbctl, selftest helpers
	gcc make libc6-dev pkg-config libnl-3-dev libnl-genl-3-dev
	# static checks: sparse, checkpatch from the kernel source tarball
	sparse linux-source-6.1 xz-utils perl
	# the frame parser's fuzzer (libFuzzer, ASan, UBSan come with clang)
	clang
	# the guest: QEMU, its BIOS, a static busybox for the initramfs
	qemu-system-x86 seabios busybox-static cpio gzip
	# tools the tests run inside the guest
	kmod iproute2 jq util-linux procps coreutils grep sed
)
# shellcheck disable=SC2206 # word splitting wanted
PACKAGES+=(${HB_DEPS_EXTRA:-})

missing=()
for p in "${PACKAGES[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	case $s in
	ii*) ;;
	*) missing+=("$p") ;;
	esac
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: must run as root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		"${missing[@]}" </dev/null ||
		{ echo "deps: apt-get install failed" >&2; exit 1; }
fi

# The guest boots the kernel whose headers we build against.
kver=$(hb_kver) || {
	echo "deps: no kernel headers under /lib/modules/*-amd64/build" >&2
	exit 1
}
found=
for k in /boot/vmlinuz-*-amd64; do
	[ "$k" = "/boot/vmlinuz-$kver" ] && found=$k
done
if [ -z "$found" ]; then
	echo "deps: no /boot/vmlinuz-$kver for the headers of $kver" >&2
	echo "deps: installed images: $(echo /boot/vmlinuz-*)" >&2
	exit 1
fi
[ -r "$found" ] || { echo "deps: $found is not readable" >&2; exit 1; }
echo "deps: ok (kernel $kver)"
