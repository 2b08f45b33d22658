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
#   -t       kill the guest after SECONDS (default $HB_VM_TIMEOUT or 1200)
#   -n       results go to .build/vm-NAME/ (default "run")
#   -q       do not stream the script's output to stdout
#   -e       export VAR=VALUE to the script (e.g. HBCTL=/path/to/hbctl)
#   -k       boot BZIMAGE instead of Debian's packaged kernel (the debug
#            kernel of selftests/debug-kernel.sh); needs -m
#   -m       that kernel's modules: MODDIR is .../lib/modules/<release>;
#            its parent is shared over 9p on the guest's /lib/modules, so
#            modprobe works unchanged
#
# Results directory (emptied at each run; on the host and, at the same path,
# in the guest, where $HB_RESULTS names it):
#   output.log    the script's stdout and stderr
#   console.log   the whole serial console (kernel messages)
#   dmesg.log     the guest's kernel log, written just before power off
#   exitcode      the script's exit status, written by the guest's init
#   splats.log    console lines matching the splat pattern (empty if none)
#   kmemleak.log  when the kernel has kmemleak: its report after the run
#   leaks.log     the leaks of kmemleak.log that involve heartbeat.ko
#   modules.log   /proc/modules just before that scan
#   vm.env        BOOT_S (guest uptime when the script started), WALL_S
#
# The guest's kernel command line is "console=ttyS0 panic=-1 ..."; its init
# (built into a tiny busybox initramfs cached in .build/initramfs/) loads the
# 9p modules, mounts the shares, chroots into the host's root, mounts proc,
# sys, devtmpfs, devpts and tmpfs on /tmp, /run and /dev/shm, runs the
# script, stores its exit status and powers off through sysrq (or reboots,
# which -no-reboot turns into an exit, when the kernel has no ACPI).
#
# On a kernel with kmemleak (the debug kernel), init then unloads heartbeat
# (so that what its exit path forgot becomes unreferenced), scans twice and
# saves the report; a leak whose allocation backtrace runs through
# heartbeat.ko fails the run.
#
# Exit status: the script's status (0 pass, 1 fail, 4 skip) when the console
# is clean; 1 when the console shows a kernel splat, kmemleak found a leak
# of the module, the guest timed out or died before the script finished.
# The splat check is reported as the TAP test "no kernel splats on the
# console" on stderr, the leak check as "no kmemleak leaks".

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
for t in qemu-system-x86_64 cpio gzip; do
	command -v "$t" >/dev/null || die "missing $t (run selftests/deps.sh)"
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
/bin/busybox mkdir -p /proc /sys /dev /newroot /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
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
	(cd "$dir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -1 >"$INITRD.tmp" || { rm -rf "$dir"; return 1; }
	mv "$INITRD.tmp" "$INITRD"
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

ACCEL=tcg
CPU=max
if [ -z "${HB_VM_NO_KVM:-}" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	ACCEL=kvm
	CPU=host
fi

APPEND="console=ttyS0,115200 panic=-1 loglevel=7 mitigations=off"
APPEND="$APPEND tsc=unstable hbres=$RES hbrepo=$REPO ${HB_VM_APPEND:-}"
VIRTFS_MODS=()
if [ "$MODDIR" != "/lib/modules/$KVER" ]; then
	APPEND="$APPEND hbmods=$KVER"
	VIRTFS_MODS=(-virtfs "local,path=${MODDIR%/*},mount_tag=hbmods,security_model=none,readonly=on,multidevs=remap")
fi

QEMU=(qemu-system-x86_64
	-machine "q35,accel=$ACCEL" -cpu "$CPU" -m "$MEM" -smp "$SMP"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND"
	-serial "file:$RES/console.log"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$REPO,mount_tag=hbrepo,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$RES,mount_tag=hbresults,security_model=none,multidevs=remap"
	"${VIRTFS_MODS[@]}")

vmlog "kernel $KVER, accel $ACCEL, ${SMP} vCPUs, $MEM, timeout ${TIMEOUT}s"
vmlog "results in $RES"
start=$(date +%s.%N)
timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$RES/qemu.log" 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null; exit 130' INT TERM
if [ "$QUIET" -eq 0 ]; then
	tail -n +1 -F --pid="$qpid" "$RES/output.log" 2>/dev/null &
	tpid=$!
fi
wait "$qpid"
qrc=$?
[ "$QUIET" -eq 0 ] && wait "$tpid"
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

boot=$(cut -d' ' -f1 "$RES/boot-uptime" 2>/dev/null)
printf 'BOOT_S=%s\nWALL_S=%s\nACCEL=%s\n' "${boot:-}" "$wall" "$ACCEL" \
	>"$RES/vm.env"
vmlog "guest booted to its script in ${boot:-?}s (guest uptime); wall time ${wall}s"

status=0
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	vmlog "error: timed out after ${TIMEOUT}s; console tail:"
	tail -n 30 "$RES/console.log" | sed 's/^/vm:   /' >&2
	status=1
elif [ "$qrc" -ne 0 ]; then
	vmlog "error: qemu exited with $qrc:"
	sed 's/^/vm:   /' "$RES/qemu.log" >&2
	status=1
fi

rc=
[ -s "$RES/exitcode" ] && rc=$(cat "$RES/exitcode")
if [ -z "$rc" ]; then
	vmlog "error: the guest script did not finish; console tail:"
	tail -n 40 "$RES/console.log" | sed 's/^/vm:   /' >&2
	status=1
elif [ "$status" -eq 0 ]; then
	status=$rc
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
