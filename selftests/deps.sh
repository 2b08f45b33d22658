#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, with apt-get, whatever the build, the static checks and the QEMU
# selftests need and is not installed yet; then check that the guest kernel
# (/boot/vmlinuz-<release>) matches the headers the module is built against.
# Idempotent: when everything is present it only runs dpkg-query.
#
#   selftests/deps.sh            install what is missing (needs root)
#   selftests/deps.sh --list     print the packages, one a line; install
#                                nothing (selftests/deps-selftest.sh reads
#                                it)
#   HB_DEPS_EXTRA="pkg ..."      more packages to install
#
# Every package is listed by name, even those that this machine's image
# happens to have: a new machine of another image has only Debian's
# Essential packages, and apt-get runs with --no-install-recommends.
# selftests/deps-selftest.sh (part of make check) fails when a script
# runs a tool that no listed package, no dependency of one and no
# Essential package provides.

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"

PACKAGES=(
	# kernel to boot in the guest, and its headers to build against
	linux-image-amd64 linux-headers-amd64
	# build: module, hbctl (its unit tests with gcc's ASan and UBSan, in
	# gcc's dependencies), selftest helpers
	gcc make libc6-dev pkg-config libnl-3-dev libnl-genl-3-dev
	# static checks: sparse (make C=2), checkpatch.pl from the kernel
	# source tarball (tar unpacks it with xz), shellcheck of the scripts
	sparse linux-source-6.1 xz-utils tar perl shellcheck
	# the debug kernel (make check-debug) from that tarball: Recommends
	# of linux-source-6.1 that --no-install-recommends leaves out (flex
	# and bison: Kconfig's parser; bc: timeconst.h; libelf-dev: objtool),
	# depmod (kmod, below) for modules_install; rsync copies the module's
	# sources for its build
	flex bison bc libelf-dev rsync
	# the second kernel line (make check-612, selftests/kernel-612.sh):
	# debootstrap makes the Debian 13 chroot in which the module builds
	# against the 6.12 headers (their modpost needs trixie's glibc, the
	# kernel was built with gcc-14); the rest comes from trixie, in the
	# chroot, never installed on the host
	debootstrap
	# the frame parser's fuzzer: clang, and its runtime (libFuzzer, ASan,
	# UBSan for -fsanitize=fuzzer,address,undefined), which clang's
	# libclang-common-14-dev only Recommends
	clang libclang-rt-14-dev
	# the guest: QEMU, its BIOS, a static busybox and cpio, gzip for the
	# initramfs (xz or zstd unpack compressed kernel modules)
	qemu-system-x86 seabios busybox-static cpio gzip zstd
	# tools the scripts run, on the host and in the guest (which runs the
	# host's root file system): modprobe, insmod (kmod); ip, tc for
	# netem, ss, bridge (iproute2); jq; setpriv, chrt, flock, dmesg
	# (util-linux); awk (mawk: Priority required, yet not Essential);
	# mount (tracefs for hostile.sh g's kprobes; not Essential either)
	kmod iproute2 jq util-linux procps coreutils grep sed findutils mawk
	# operator.sh and install-selftest.sh: dkms builds the module from
	# dkms.conf; Prometheus' own text parser checks hbctl stats
	# (Debian's python3); mount and umount put a tmpfs overlay on the
	# guest's /lib/modules and mount tracefs for hostile.sh g
	dkms python3 python3-prometheus-client mount
	# gojq: the language of jq, which lib.sh prefers (it starts three
	# times faster in the guest)
	gojq
	# systemd-analyze verify of systemd/heartbeat@.service (check.sh)
	systemd
	# make bench and its smoke run in make check (bench/): FRR's bfdd and
	# vtysh (the BFD daemon to compare with), stress-ng (the loads; also
	# heartbeat.sh 10's normal-priority CPU and I/O load), gnuplot (the
	# plots; -nox: no X11), taskset and chrt (util-linux)
	frr stress-ng gnuplot-nox
)
if [ "${1:-}" = --list ]; then
	printf '%s\n' "${PACKAGES[@]}"
	exit 0
fi
if [ $# -gt 0 ]; then
	echo "usage: $0 [--list]" >&2
	exit 2
fi
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
