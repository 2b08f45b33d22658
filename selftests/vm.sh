#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's packaged kernel in QEMU and run one script of this repository
# inside it, as root, with the host's root file system shared read-only over
# 9p (virtme style: every host tool is there), the repository read-only at
# its own path (the built heartbeat.ko, hbctl and helpers) and a writable
# results directory shared back.
#
#   selftests/vm.sh [-t SECONDS] [-n NAME] [-q] [-e VAR=VALUE]...
#                   [-k BZIMAGE -m MODDIR] [--] SCRIPT [ARGS...]
#
#   SCRIPT   a script inside the repository, run as "bash SCRIPT ARGS..." from
#            the repository's top directory
#   -t       kill the guest after SECONDS from QEMU's start (default
#            $HB_VM_TIMEOUT or 1200)
#   -n       results go to .build/vm-NAME/ (default "run")
#   -q       do not stream the script's output to stdout
#   -e       export VAR=VALUE to the script (e.g. HBCTL=/path/to/hbctl)
#   -k       boot BZIMAGE instead of Debian's packaged kernel (the debug
#            kernel of selftests/debug-kernel.sh); needs -m
#   -m       that kernel's modules: MODDIR is .../lib/modules/<release>;
#            its parent is shared over 9p on the guest's /lib/modules, so
#            modprobe works unchanged
#
# Environment: HB_VM_MEM (2G), HB_VM_SMP (2), HB_VM_APPEND (more kernel
# parameters), HB_VM_KERNEL (a kernel image with Debian's modules), and:
#   HB_VM_ACCEL          kvm or tcg: no probe, use that (default: probe)
#   HB_VM_PROBE_TIMEOUT  seconds a guest under KVM, the probe included, may
#                        take from QEMU's start to init's first line (30)
#   HB_VM_BOOT_TIMEOUT   the boot watchdog: seconds from QEMU's start to
#                        init's first line (120; 300 with -k; under KVM at
#                        most HB_VM_PROBE_TIMEOUT)
#   HB_VM_ACCEL_CACHE    where verdicts of the probe go (.build/accel)
#   HB_VM_KVM_DEV        the KVM device to look at (/dev/kvm; for tests)
#   HB_VM_QEMU           the QEMU binary (qemu-system-x86_64; for tests)
#
# Accelerator: TCG (-machine q35,accel=tcg -cpu max) unless KVM proved it
# works.  A /dev/kvm that can be opened is not enough (nested KVM may abort
# QEMU at once, "failed to set MSR 0x10a", or hang the guest before its first
# console line): when there is one and HB_VM_ACCEL is not set, a probe boots
# the kernel under KVM (-cpu host) with "hbprobe=1", on which init prints its
# first line and powers off; KVM is used only when that line arrives within
# HB_VM_PROBE_TIMEOUT.  The verdict, failures included, is cached in
# .build/accel/ per host boot id, QEMU version and kernel image, so the
# probe runs once per boot.  One line on stderr says which accelerator and
# why ("vm: accel tcg: KVM probe refused (qemu aborted: ...)").
#
# Boot watchdog: init's first line is "hb-init: started".  When it is not on
# the console within HB_VM_BOOT_TIMEOUT seconds (HB_VM_PROBE_TIMEOUT under
# KVM, when shorter: a KVM that works reaches init in a second or two),
# QEMU is killed.  A guest under KVM that never reached init (the watchdog
# fired, or a signal killed QEMU) marks KVM refused in the cache for the
# rest of the boot, and the guest runs once more under TCG, saying so in
# one line (its first console and QEMU output are kept as console-kvm.log
# and qemu-kvm.log).
#
# Results directory (emptied at each run; on the host and, at the same path,
# in the guest, where $HB_RESULTS names it):
#   output.log    the script's stdout and stderr
#   console.log   the whole serial console (kernel messages)
#   qemu.log      QEMU's own stdout and stderr
#   dmesg.log     the guest's kernel log, written just before power off
#   exitcode      the script's exit status, written by the guest's init
#   splats.log    console lines matching the splat pattern (empty if none;
#                 absent when there are none but init never started: a
#                 console that stops before init proves nothing)
#   kmemleak.log  when the kernel has kmemleak: its report after the run
#   leaks.log     the leaks of kmemleak.log that involve heartbeat.ko
#   modules.log   /proc/modules just before that scan
#   probe-*.log   the console and QEMU output of a KVM probe, if one ran
#   *-kvm.log     console and QEMU output of a guest under KVM that never
#                 reached init, before its rerun under TCG
#   vm.env        BOOT_S (guest uptime when the script started), INIT_S
#                 (wall seconds from QEMU's start to init's first line), WALL_S,
#                 ACCEL (kvm or tcg), VM_ERROR (below), ACCEL_WHY (the
#                 "vm: accel" line's reason, shell-quoted)
#
# The guest's kernel command line is "console=ttyS0 panic=-1 no_timer_check
# ..." (no_timer_check: on a busy host, a TCG guest's early timer check can
# fail and panic); its init (built into a tiny busybox initramfs cached in
# .build/initramfs/) mounts devtmpfs and prints "hb-init: started" on
# /dev/console, loads the 9p modules, mounts the shares, chroots into the
# host's root, mounts proc, sys, devtmpfs, devpts and tmpfs on /tmp, /run
# and /dev/shm, runs the script, stores its exit status and powers off
# through sysrq (or reboots, which -no-reboot turns into an exit, when the
# kernel has no ACPI).
#
# On a kernel with kmemleak (the debug kernel), init then unloads heartbeat
# (so that what its exit path forgot becomes unreferenced), scans twice and
# saves the report; a leak whose allocation backtrace runs through
# heartbeat.ko fails the run.
#
# Exit status: the script's status (0 pass, 1 fail, 4 skip) when the console
# is clean; 1 when the console shows a kernel splat, kmemleak found a leak
# of the module, or the run failed, which vm.env's VM_ERROR tells apart:
#   abort           QEMU died (non-zero exit, signal) or the guest stopped
#                   before the script finished (or QEMU failed after it)
#   boot-timeout    no "hb-init: started" within the boot watchdog (or -t)
#   script-timeout  init started, the script did not finish within -t
# (empty when the run completed).  The splat check is reported as the TAP
# test "no kernel splats on the console" on stderr (it fails, too, when init
# never started: that console was never scanned), the leak check as "no
# kmemleak leaks".

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)

TIMEOUT=${HB_VM_TIMEOUT:-1200}
NAME=run
QUIET=0
ENVS=()
MEM=${HB_VM_MEM:-2G}
SMP=${HB_VM_SMP:-2}
KERNEL=${HB_VM_KERNEL:-}
MODDIR=
QEMU_BIN=${HB_VM_QEMU:-qemu-system-x86_64}
ACCEL_WANT=${HB_VM_ACCEL:-}
KVM_DEV=${HB_VM_KVM_DEV:-/dev/kvm}
PROBE_TIMEOUT=${HB_VM_PROBE_TIMEOUT:-30}
BOOT_TIMEOUT=${HB_VM_BOOT_TIMEOUT:-}
ACCEL_CACHE=${HB_VM_ACCEL_CACHE:-$REPO/.build/accel}

usage()
{
	echo "usage: $0 [-t SECONDS] [-n NAME] [-q] [-e VAR=VALUE]... [-k BZIMAGE -m MODDIR] [--] SCRIPT [ARGS...]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-t) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
	-n) [ $# -ge 2 ] || usage; NAME=$2; shift 2 ;;
	-q) QUIET=1; shift ;;
	-e) [ $# -ge 2 ] || usage; ENVS+=("$2"); shift 2 ;;
	-k) [ $# -ge 2 ] || usage; KERNEL=$2; shift 2 ;;
	-m) [ $# -ge 2 ] || usage; MODDIR=${2%/}; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
SCRIPT=$1
shift

vmlog()
{
	echo "vm: $*" >&2
}

die()
{
	vmlog "error: $*"
	exit 1
}

case $SCRIPT in
/*) ;;
*) SCRIPT="$REPO/$SCRIPT" ;;
esac
[ -f "$SCRIPT" ] || die "no such script: $SCRIPT"

if [ -n "$MODDIR" ]; then
	# Another kernel with its own modules (-k BZIMAGE -m MODDIR).
	[ -n "$KERNEL" ] || die "-m needs -k"
	KVER=${MODDIR##*/}
else
	[ -z "$KERNEL" ] || [ -n "${HB_VM_KERNEL:-}" ] || die "-k needs -m"
	KVER=$(hb_kver) || die "no kernel headers found (apt-get install linux-headers-amd64, or set KDIR=)"
	KERNEL=${KERNEL:-/boot/vmlinuz-$KVER}
	MODDIR=/lib/modules/$KVER
fi
[ -r "$KERNEL" ] || die "no kernel image $KERNEL (apt-get install linux-image-$KVER)"
[ -d "$MODDIR/kernel" ] || die "no modules in $MODDIR"
for t in "$QEMU_BIN" cpio gzip timeout flock; do
	command -v "$t" >/dev/null || die "missing $t (run selftests/deps.sh)"
done
# Debian's kernel reaches init in ~3 s under TCG; another kernel (the debug
# kernel, with KASAN and lockdep) is slower: a longer boot watchdog.
if [ -z "$BOOT_TIMEOUT" ]; then
	BOOT_TIMEOUT=120
	[ "$KERNEL" = "/boot/vmlinuz-$KVER" ] || BOOT_TIMEOUT=300
fi
case $ACCEL_WANT in
"" | kvm | tcg) ;;
*) die "HB_VM_ACCEL must be kvm or tcg (or empty: probe), not $ACCEL_WANT" ;;
esac
for v in TIMEOUT PROBE_TIMEOUT BOOT_TIMEOUT; do
	case ${!v} in
	"" | *[!0-9]* | 0) die "$v must be a positive number of seconds, not '${!v}'" ;;
	esac
done
BUSYBOX=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
		BUSYBOX=$b
		break
	fi
done
[ -n "$BUSYBOX" ] || die "no static busybox (apt-get install busybox-static)"

# --- the initramfs ----------------------------------------------------------

# Modules for virtio 9p, in dependency order; built-in ones are skipped.
MODULES="netfs fscache 9pnet virtio_ring virtio virtio_pci_modern_dev
virtio_pci_legacy_dev virtio_pci 9pnet_virtio 9p"

read -r -d '' INIT <<'EOF'
#!/bin/busybox sh
# heartbeat selftests guest init: mount the host's root over 9p, chroot, run.
# First /dev (the kernel does not mount devtmpfs in an initramfs by itself,
# and this one has no /dev/console: until then init has no output at all),
# then the marker line the host's boot watchdog waits for.
/bin/busybox mkdir -p /proc /sys /dev /newroot /usr/bin /usr/sbin /sbin
/bin/busybox mountpoint -q /dev || /bin/busybox mount -t devtmpfs devtmpfs /dev
echo "hb-init: started" >/dev/console
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
say() { echo "hb-init: $*" >/dev/console; }
halt_now() {
	sync
	# Without ACPI (the debug kernel) power off only halts: reboot, which
	# QEMU's -no-reboot turns into an exit.
	if [ -d /sys/firmware/acpi ]; then
		echo o >/proc/sysrq-trigger
		sleep 5
		poweroff -f
	fi
	echo b >/proc/sysrq-trigger
	sleep 5
	reboot -f
	while :; do sleep 60; done
}
# The host's accelerator probe (hbprobe=1): init was reached, which is all
# the probe wants to know; power off at once.
case " $(cat /proc/cmdline) " in
*" hbprobe=1 "*) say "probe: init reached, powering off"; halt_now ;;
esac
for m in $(cat /modules.order); do
	[ -e "/sys/module/$m" ] && continue
	insmod "/lib/modules/$m.ko" || say "insmod $m failed"
done
RES=
REPO=
MODS=
for a in $(cat /proc/cmdline); do
	case $a in
	hbres=*) RES=${a#hbres=} ;;
	hbrepo=*) REPO=${a#hbrepo=} ;;
	hbmods=*) MODS=${a#hbmods=} ;;
	esac
done
[ -n "$RES" ] && [ -n "$REPO" ] ||
	{ say "no hbres= or hbrepo= on the command line"; halt_now; }
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$o,ro,cache=loose" hostroot /newroot ||
	{ say "cannot mount the host root"; halt_now; }
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
ln -sf /proc/self/fd /newroot/dev/fd
ln -sf /proc/self/fd/0 /newroot/dev/stdin
ln -sf /proc/self/fd/1 /newroot/dev/stdout
ln -sf /proc/self/fd/2 /newroot/dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=0755 tmpfs /newroot/run
[ -d /newroot/sys/kernel/debug ] &&
	mount -t debugfs debugfs /newroot/sys/kernel/debug 2>/dev/null
# The repository gets its own share, so it is there even when it lives
# under a directory the guest hides (a checkout in /tmp, say).
mkdir -p "/newroot$REPO" 2>/dev/null
mount -t 9p -o "$o,ro,cache=loose" hbrepo "/newroot$REPO" ||
	{ say "cannot mount the repository on $REPO"; halt_now; }
mount -t 9p -o "$o" hbresults "/newroot$RES" ||
	{ say "cannot mount the results share on $RES"; halt_now; }
# Another kernel's modules, where its modprobe looks for them.
if [ -n "$MODS" ]; then
	mount -t 9p -o "$o,ro,cache=loose" hbmods /newroot/lib/modules ||
		{ say "cannot mount the modules of $MODS"; halt_now; }
fi
hostname hb-guest
cat /proc/uptime >"/newroot$RES/boot-uptime"
say "running $RES/cmd"
chroot /newroot /usr/bin/env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp TERM=dumb LANG=C.UTF-8 HB_RESULTS="$RES" HB_IN_VM=1 \
	/bin/bash "$RES/cmd" </dev/null >"/newroot$RES/output.log" 2>&1
rc=$?
echo "$rc" >"/newroot$RES/exitcode"
# kmemleak: unload heartbeat so that what it did not free is unreferenced,
# let the objects age past kmemleak's 5 s minimum, scan twice (the second
# scan drops transient false positives) and save the report.
kml=/newroot/sys/kernel/debug/kmemleak
if [ -w "$kml" ]; then
	say "kmemleak: unloading heartbeat, then scanning"
	cat /proc/modules >"/newroot$RES/modules.log"
	[ -e /sys/module/heartbeat ] && { rmmod heartbeat || say "rmmod heartbeat failed"; }
	sleep 6
	echo scan >"$kml"
	sleep 6
	echo scan >"$kml"
	cat "$kml" >"/newroot$RES/kmemleak.log"
	say "kmemleak: $(grep -c 'unreferenced object' "/newroot$RES/kmemleak.log") unreferenced objects"
fi
dmesg >"/newroot$RES/dmesg.log"
say "script exited with $rc; powering off"
umount "/newroot$RES"
halt_now
EOF

init_hash=$( { printf '%s\n' "$INIT" "$MODULES" "$MODDIR"; sha256sum "$BUSYBOX"; } |
	sha256sum | cut -c1-12)
IRDIR=$REPO/.build/initramfs
INITRD=$IRDIR/initramfs-$KVER-$init_hash.cpio.gz

find_module()
{
	local f

	f=$(find "$MODDIR/kernel" -name "$1.ko" -o -name "$1.ko.xz" \
		-o -name "$1.ko.zst" -o -name "$1.ko.gz" | head -n 1)
	echo "$f"
}

build_initramfs()
{
	local dir m f order=""

	mkdir -p "$IRDIR"
	dir=$(mktemp -d "$IRDIR/tmp.XXXXXX")
	mkdir -p "$dir/bin" "$dir/lib/modules"
	cp "$BUSYBOX" "$dir/bin/busybox"
	printf '%s\n' "$INIT" >"$dir/init"
	chmod 755 "$dir/init"
	for m in $MODULES; do
		f=$(find_module "$m")
		if [ -z "$f" ]; then
			# Built in (or absent): init skips what /sys/module has.
			continue
		fi
		case $f in
		*.xz) xz -dc "$f" >"$dir/lib/modules/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$dir/lib/modules/$m.ko" ;;
		*.gz) gzip -dc "$f" >"$dir/lib/modules/$m.ko" ;;
		*) cp "$f" "$dir/lib/modules/$m.ko" ;;
		esac || { rm -rf "$dir"; return 1; }
		order="$order $m"
	done
	printf '%s\n' "$order" >"$dir/modules.order"
	# Written next to the tree (a name of this run's own: concurrent runs
	# may build the same image), then renamed into place.
	(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -1 >"$dir.cpio.gz" || { rm -rf "$dir" "$dir.cpio.gz"; return 1; }
	mv "$dir.cpio.gz" "$INITRD"
	rm -rf "$dir"
	# Drop initramfs images of other versions of this script (for this
	# kernel: another kernel's image may be in use by a concurrent run).
	find "$IRDIR" -name "initramfs-$KVER-*.cpio.gz" \
		! -name "${INITRD##*/}" -delete
}

if [ ! -s "$INITRD" ]; then
	vmlog "building $INITRD"
	build_initramfs || die "cannot build the initramfs"
fi

# --- the run ----------------------------------------------------------------

RES=$REPO/.build/vm-$NAME
rm -rf "$RES"
mkdir -p "$RES"
: >"$RES/output.log"
{
	printf 'cd %q || exit 1\n' "$REPO"
	for e in "${ENVS[@]}"; do
		printf 'export %q\n' "$e"
	done
	printf 'exec bash %q' "$SCRIPT"
	[ $# -eq 0 ] || printf ' %q' "$@"
	printf '\n'
} >"$RES/cmd"

# no_timer_check: on a busy host, the early IO-APIC timer check of a TCG
# guest can miss its ticks and panic ("IO-APIC + timer doesn't work!").
APPEND_BASE="console=ttyS0,115200 panic=-1 no_timer_check"
APPEND="$APPEND_BASE loglevel=7 mitigations=off"
APPEND="$APPEND tsc=unstable hbres=$RES hbrepo=$REPO ${HB_VM_APPEND:-}"
VIRTFS_MODS=()
if [ "$MODDIR" != "/lib/modules/$KVER" ]; then
	APPEND="$APPEND hbmods=$KVER"
	VIRTFS_MODS=(-virtfs "local,path=${MODDIR%/*},mount_tag=hbmods,security_model=none,readonly=on,multidevs=remap")
fi

# The first line of the guest's init, as soon as it has a /dev/console.
MARKER="hb-init: started"

# qemu_argv ACCEL CONSOLE APPEND SHARES: the QEMU command line in QEMU[]
# (TCG: q35 with -cpu max; KVM: -cpu host).  SHARES=1 adds the 9p shares.
qemu_argv()
{
	local accel=$1 console=$2 append=$3 shares=$4 cpu=max

	[ "$accel" = kvm ] && cpu=host
	QEMU=("$QEMU_BIN"
		-machine "q35,accel=$accel" -cpu "$cpu" -m "$MEM" -smp "$SMP"
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$KERNEL" -initrd "$INITRD" -append "$append"
		-serial "file:$console")
	[ "$shares" -eq 1 ] || return 0
	QEMU+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$REPO,mount_tag=hbrepo,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$RES,mount_tag=hbresults,security_model=none,multidevs=remap"
		"${VIRTFS_MODS[@]}")
}

# QEMU runs under timeout(1), which gives it a process group of its own and
# passes a signal it receives on to the whole group (a wrapper's children
# too), then SIGKILLs them after -k seconds.  QPID is that timeout process.
# Between the two, a sh that exits with QEMU's status (128 + the signal
# when one killed it): bash then sees a plain exit and prints no job
# report ("line N: PID Aborted ...") of its own; that sh's own report goes
# to /dev/null, QEMU's stderr to the log.
QPID=
trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null; exit 130' INT TERM

# start_qemu LIMIT LOG: QEMU[] in the background, stdout and stderr to LOG,
# killed in any case after LIMIT seconds.
start_qemu()
{
	# shellcheck disable=SC2016 # for sh -c
	timeout -k 10 "$1" sh -c 'exec 3>&2 2>/dev/null; ("$@" 2>&3 3>&-); exit $?' \
		qemu "${QEMU[@]}" </dev/null >"$2" 2>&1 9>&- &
	QPID=$!
}

# stop_qemu: stop it now (SIGTERM, SIGKILL 10 s later); QRC its status.
stop_qemu()
{
	kill -TERM "$QPID" 2>/dev/null
	wait "$QPID"
	QRC=$?
	QPID=
}

# wait_qemu SECONDS: let it exit by itself for at most SECONDS, then stop it.
wait_qemu()
{
	local end=$(($(now_ms) + $1 * 1000))

	while kill -0 "$QPID" 2>/dev/null && [ "$(now_ms)" -lt "$end" ]; do
		sleep 0.2
	done
	stop_qemu
}

# qemu_end RC LOG: how QEMU ended, in a few words, with the first error line
# of its output ("qemu aborted: failed to set MSR 0x10a ...").
qemu_end()
{
	local rc=$1 log=$2 how line sig

	if [ "$rc" -gt 128 ]; then
		sig=$(kill -l $((rc - 128)) 2>/dev/null)
		case $sig in
		ABRT) how="qemu aborted" ;;
		"") how="qemu exited with $rc" ;;
		*) how="qemu killed by SIG$sig" ;;
		esac
	elif [ "$rc" -eq 0 ]; then
		how="the guest stopped by itself (qemu exit 0)"
	else
		how="qemu exited with $rc"
	fi
	line=$(grep -a -m 1 -i -E 'error|assert|fail|abort' "$log" 2>/dev/null)
	[ -n "$line" ] || line=$(grep -a -v '^[[:space:]]*$' "$log" 2>/dev/null | tail -n 1)
	line=$(printf '%s' "$line" | tr -d '\r' |
		sed -e 's/^[^ ]*qemu[^ :]*: //' -e 's/^error: //' | cut -c 1-100)
	echo "$how${line:+: $line}"
}

# console_tail FILE: the last non-empty console line, for one-line reasons.
console_tail()
{
	tr -d '\r' <"$1" 2>/dev/null | grep -a -v '^[[:space:]]*$' | tail -n 1 |
		cut -c 1-80
}

# --- the accelerator ----------------------------------------------------------
#
# KVM only when a probe boot proved it works: a readable and writable
# /dev/kvm is not enough (nested KVM may abort QEMU at once, "failed to set
# MSR 0x10a", or hang the guest before its first console line).  The probe
# boots the kernel under KVM with "hbprobe=1", on which init prints its
# marker and powers off; no marker within HB_VM_PROBE_TIMEOUT seconds, or
# QEMU dying, refuses KVM.  The verdict is cached per host boot, QEMU and
# kernel image, failures included, so the probe runs once per boot.

# accel_key: the cache file of the verdict for this boot, QEMU and kernel.
accel_key()
{
	local boot qpath qver kid key

	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	BOOT_ID=${boot:-unknown}
	qpath=$(command -v "$QEMU_BIN")
	qver=$("$QEMU_BIN" --version 2>/dev/null | head -n 1)
	kid=$(stat -L -c '%s %Y' "$KERNEL")
	key=$(printf '%s\n' "$BOOT_ID" "$qpath" "$qver" "$KERNEL" "$kid" |
		sha256sum | cut -c 1-16)
	ACCEL_FILE=$ACCEL_CACHE/$key
	ACCEL_DESC="qemu=$qpath ($qver), kernel=$KERNEL ($kid)"
}

# cache_read: C_VERDICT (kvm or tcg), C_BY (probe or watchdog), C_REASON.
cache_read()
{
	[ -f "$ACCEL_FILE" ] || return 1
	C_VERDICT=$(sed -n 's/^verdict=//p' "$ACCEL_FILE")
	C_BY=$(sed -n 's/^by=//p' "$ACCEL_FILE")
	C_REASON=$(sed -n 's/^reason=//p' "$ACCEL_FILE")
	case $C_VERDICT in
	kvm | tcg) return 0 ;;
	esac
	return 1
}

# cache_write VERDICT BY REASON; verdicts of earlier boots are dropped.
cache_write()
{
	local tmp f

	mkdir -p "$ACCEL_CACHE" || return 1
	tmp=$ACCEL_CACHE/.tmp.$$
	printf 'verdict=%s\nby=%s\nreason=%s\nboot_id=%s\n%s\ndate=%s\n' \
		"$1" "$2" "$3" "$BOOT_ID" "$ACCEL_DESC" "$(date -Is)" >"$tmp" &&
		mv -f "$tmp" "$ACCEL_FILE" || return 1
	for f in "$ACCEL_CACHE"/*; do
		[ -f "$f" ] || continue
		grep -q -x -F "boot_id=$BOOT_ID" "$f" || rm -f "$f"
	done
}

# probe_kvm: 0 when the kernel booted to init under KVM (PROBE_S: how long
# it took), 1 otherwise with the reason in PROBE_WHY.
probe_kvm()
{
	local con=$RES/probe-console.log log=$RES/probe-qemu.log t0 last

	: >"$con"
	qemu_argv kvm "$con" "$APPEND_BASE loglevel=4 hbprobe=1" 0
	t0=$(now_ms)
	start_qemu $((PROBE_TIMEOUT + 30)) "$log"
	while kill -0 "$QPID" 2>/dev/null &&
		! grep -a -q -F "$MARKER" "$con" &&
		[ $(($(now_ms) - t0)) -lt $((PROBE_TIMEOUT * 1000)) ]; do
		sleep 0.2
	done
	if grep -a -q -F "$MARKER" "$con"; then
		PROBE_S=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
		wait_qemu 10
		return 0
	fi
	if kill -0 "$QPID" 2>/dev/null; then
		stop_qemu
		last=$(console_tail "$con")
		if [ -z "$last" ]; then
			PROBE_WHY="no console line within $PROBE_TIMEOUT s"
		else
			PROBE_WHY="no init marker within $PROBE_TIMEOUT s; the console stops at: $last"
		fi
		return 1
	fi
	wait "$QPID"
	QRC=$?
	QPID=
	PROBE_WHY=$(qemu_end "$QRC" "$log")
	return 1
}

# choose_accel: ACCEL (kvm or tcg) and ACCEL_WHY, from HB_VM_ACCEL, the
# device, the cached verdict or a probe.
choose_accel()
{
	ACCEL=tcg
	case $ACCEL_WANT in
	kvm)
		ACCEL=kvm
		ACCEL_WHY="HB_VM_ACCEL=kvm (no probe)"
		return
		;;
	tcg)
		ACCEL_WHY="HB_VM_ACCEL=tcg"
		return
		;;
	esac
	if [ ! -e "$KVM_DEV" ]; then
		ACCEL_WHY="no $KVM_DEV"
		return
	fi
	if [ ! -r "$KVM_DEV" ] || [ ! -w "$KVM_DEV" ]; then
		ACCEL_WHY="$KVM_DEV is not readable and writable by $(id -un)"
		return
	fi
	accel_key
	mkdir -p "$ACCEL_CACHE" || die "cannot create $ACCEL_CACHE"
	# One probe at a time: a concurrent run waits for its verdict.
	exec 9>"$ACCEL_CACHE/.lock"
	flock -w $((PROBE_TIMEOUT + 120)) 9 ||
		vmlog "accel: waited too long for $ACCEL_CACHE/.lock; probing anyway"
	if cache_read; then
		if [ "$C_VERDICT" = kvm ]; then
			ACCEL=kvm
			ACCEL_WHY="KVM passed the probe of this boot (cached)"
		elif [ "$C_BY" = watchdog ]; then
			ACCEL_WHY="KVM refused by a guest of this boot (cached): $C_REASON"
		else
			ACCEL_WHY="KVM refused by the probe of this boot (cached): $C_REASON"
		fi
	elif probe_kvm; then
		ACCEL=kvm
		ACCEL_WHY="KVM probe booted to init in $PROBE_S s"
		cache_write kvm probe "booted to init in $PROBE_S s"
	else
		ACCEL_WHY="KVM probe refused ($PROBE_WHY)"
		cache_write tcg probe "$PROBE_WHY"
	fi
	exec 9>&-
}

choose_accel
vmlog "accel $ACCEL: $ACCEL_WHY"

# --- the guest ----------------------------------------------------------------

# run_guest ACCEL: boot the guest once and wait for it, under the boot
# watchdog (no init marker within BOOT_TIMEOUT seconds, or PROBE_TIMEOUT
# under KVM when shorter) and the script's timeout (-t, counted from
# QEMU's start).  Sets QRC, MARKED (1: the marker
# is on the console), KIND ("", abort, boot-timeout, script-timeout),
# BOUND (the bound that fired), INIT_S (seconds from QEMU's start to the
# marker, to the poll's half second) and WALL.
run_guest()
{
	local accel=$1 boot_to=$BOOT_TIMEOUT t0 el tpid=

	if [ "$accel" = kvm ] && [ "$PROBE_TIMEOUT" -lt "$boot_to" ]; then
		boot_to=$PROBE_TIMEOUT
	fi
	qemu_argv "$accel" "$RES/console.log" "$APPEND" 1
	vmlog "kernel $KVER, accel $accel, ${SMP} vCPUs, $MEM, boot timeout ${boot_to}s, timeout ${TIMEOUT}s"
	vmlog "results in $RES"
	: >"$RES/console.log"
	t0=$(now_ms)
	start_qemu $((TIMEOUT + 30)) "$RES/qemu.log"
	if [ "$QUIET" -eq 0 ]; then
		tail -n +1 -F --pid="$QPID" "$RES/output.log" 2>/dev/null &
		tpid=$!
	fi
	MARKED=0
	KIND=
	BOUND=
	INIT_S=
	while kill -0 "$QPID" 2>/dev/null; do
		el=$(($(now_ms) - t0))
		if [ "$MARKED" -eq 0 ] && grep -a -q -F "$MARKER" "$RES/console.log"; then
			MARKED=1
			INIT_S=$(awk -v ms="$el" 'BEGIN { printf "%.1f", ms / 1000 }')
		fi
		if [ "$MARKED" -eq 0 ] && [ "$el" -ge $((boot_to * 1000)) ]; then
			KIND="boot-timeout"
			BOUND=$boot_to
		elif [ "$el" -ge $((TIMEOUT * 1000)) ]; then
			KIND="script-timeout"
			[ "$MARKED" -eq 1 ] || KIND="boot-timeout"
			BOUND=$TIMEOUT
		fi
		[ -z "$KIND" ] || break
		sleep 0.5
	done
	if [ -n "$KIND" ]; then
		stop_qemu
	else
		wait "$QPID"
		QRC=$?
		QPID=
	fi
	[ -z "$tpid" ] || wait "$tpid"
	WALL=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
	if [ "$MARKED" -eq 0 ] && grep -a -q -F "$MARKER" "$RES/console.log"; then
		MARKED=1
		INIT_S=$WALL
	fi
	if [ -z "$KIND" ] && { [ ! -s "$RES/exitcode" ] || [ "$QRC" -ne 0 ]; }; then
		KIND=abort
	fi
}

run_guest "$ACCEL"

# KVM that never reached init (the boot watchdog fired, or QEMU died by a
# signal, as in the MSR assertion) is refused for the rest of this boot,
# and the guest runs once more under TCG.
if [ "$ACCEL" = kvm ] && [ "$MARKED" -eq 0 ] &&
	{ [ "$KIND" = boot-timeout ] || { [ "$KIND" = abort ] && [ "$QRC" -gt 128 ]; }; }; then
	if [ "$KIND" = boot-timeout ]; then
		why="no init marker within $BOUND s under KVM"
	else
		why="$(qemu_end "$QRC" "$RES/qemu.log") under KVM, before init"
	fi
	[ -n "${ACCEL_FILE:-}" ] || accel_key
	cache_write tcg watchdog "$why" ||
		vmlog "cannot record the KVM failure in $ACCEL_CACHE"
	mv -f "$RES/console.log" "$RES/console-kvm.log"
	mv -f "$RES/qemu.log" "$RES/qemu-kvm.log"
	rm -f "$RES/exitcode" "$RES/boot-uptime" "$RES/dmesg.log"
	: >"$RES/output.log"
	ACCEL=tcg
	ACCEL_WHY="KVM refused by the boot watchdog: $why"
	vmlog "accel tcg: $why (console in $RES/console-kvm.log); rerunning the guest under TCG"
	run_guest tcg
fi

boot=$(cut -d' ' -f1 "$RES/boot-uptime" 2>/dev/null)
# KEY=VALUE lines, for sed and for a shell (only ACCEL_WHY needs quotes).
printf 'BOOT_S=%s\nINIT_S=%s\nWALL_S=%s\nACCEL=%s\nVM_ERROR=%s\nACCEL_WHY=%q\n' \
	"${boot:-}" "$INIT_S" "$WALL" "$ACCEL" "$KIND" "$ACCEL_WHY" >"$RES/vm.env"
if [ -n "$INIT_S" ]; then
	vmlog "guest reached init ${INIT_S}s after QEMU's start, its script at ${boot:-?}s (guest uptime); wall time ${WALL}s"
else
	vmlog "guest never reached init; wall time ${WALL}s"
fi

# console_dump N: the last N lines of the console, if it has any.
console_dump()
{
	if [ -s "$RES/console.log" ]; then
		vmlog "console tail:"
		tail -n "$1" "$RES/console.log" | sed 's/^/vm:   /' >&2
	else
		vmlog "the console is empty"
	fi
}

status=0
case $KIND in
boot-timeout)
	vmlog "error: boot timeout: no init marker (\"$MARKER\") on the console within ${BOUND}s (accel $ACCEL)"
	console_dump 30
	status=1
	;;
script-timeout)
	vmlog "error: script timeout: the guest booted but its script did not finish within ${BOUND}s (-t)"
	console_dump 30
	status=1
	;;
abort)
	if [ -s "$RES/exitcode" ]; then
		vmlog "error: abort: $(qemu_end "$QRC" "$RES/qemu.log"), after the script finished"
	else
		vmlog "error: abort: $(qemu_end "$QRC" "$RES/qemu.log"), before the script finished"
	fi
	sed 's/^/vm:   /' "$RES/qemu.log" >&2
	console_dump 30
	status=1
	;;
esac

rc=
[ -s "$RES/exitcode" ] && rc=$(cat "$RES/exitcode")
if [ -z "$KIND" ]; then
	status=${rc:-1}
fi

# A kernel splat anywhere on the console fails the run.  On top of lib.sh's
# DMESG_BAD, the reports of the debug kernel's checkers that do not always
# say "BUG:" or "WARNING:" (debug objects, lockdep, kmemleak).
SPLAT_RE="$DMESG_BAD|ODEBUG:|suspicious RCU usage|possible (circular|recursive) locking|inconsistent lock state|sleeping function called from invalid context|bad unlock balance|held lock freed|non-static key|unreferenced object|suspected memory leak"
# Not splats: this init's own messages, the boot banners of the debug
# kernel's checkers, and the summary a kmemleak scan prints (its leaks are
# judged below, by whose they are).
SPLAT_OK="^hb-init: |rcu:[[:space:]]+RCU lockdep checking is enabled\\.|kmemleak: Kernel memory leak detector initialized|kmemleak: [0-9]+ new suspected memory leaks \\(see /sys/kernel/debug/kmemleak\\)"
grep -a -E "$SPLAT_RE" "$RES/console.log" | grep -a -v -E "$SPLAT_OK" \
	>"$RES/splats.log"
if [ -s "$RES/splats.log" ]; then
	vmlog "not ok - no kernel splats on the console"
	sed 's/^/vm:   /' "$RES/splats.log" >&2
	status=1
elif [ "$MARKED" -eq 0 ]; then
	# A console that never reached init proves nothing: no splats.log,
	# which check-lib.sh's guest_tap reports as "no console scan".
	rm -f "$RES/splats.log"
	vmlog "not ok - no kernel splats on the console (no init marker: the console was never scanned)"
	status=1
else
	vmlog "ok - no kernel splats on the console"
fi

# kmemleak (when the kernel has it): a leaked object whose allocation
# backtrace names heartbeat.ko, or holds an address that no longer resolves
# (a module unloaded since: of the modules the tests load, only heartbeat
# is ever unloaded), is a leak of ours.
if [ -f "$RES/kmemleak.log" ]; then
	awk '
	function flush() {
		if (blk != "" && ours)
			printf "%s", blk
		blk = ""
		ours = 0
	}
	/^unreferenced object/ { flush(); blk = $0 "\n"; next }
	blk != "" { blk = blk $0 "\n" }
	/\[heartbeat\]/ { ours = 1 }
	/\] 0xffffffff[0-9a-f]+$/ { ours = 1 }
	END { flush() }' "$RES/kmemleak.log" >"$RES/leaks.log"
	nall=$(grep -c '^unreferenced object' "$RES/kmemleak.log")
	nours=$(grep -c '^unreferenced object' "$RES/leaks.log")
	if [ "$nours" -gt 0 ]; then
		vmlog "not ok - no kmemleak leaks involving heartbeat.ko ($nours of $nall leaked objects)"
		head -n 60 "$RES/leaks.log" | sed 's/^/vm:   /' >&2
		status=1
	else
		vmlog "ok - no kmemleak leaks involving heartbeat.ko ($nall leaked objects elsewhere)"
	fi
	if [ "$nall" -gt "$nours" ]; then
		vmlog "kmemleak: $((nall - nours)) leaked objects not involving heartbeat.ko (base kernel), in $RES/kmemleak.log"
	fi
fi
vmlog "exit $status"
exit "$status"
