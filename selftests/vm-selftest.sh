#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side test of selftests/vm.sh: the accelerator probe and its cache,
# the boot watchdog and the three kinds of failed runs, on a machine without
# a working KVM, booting no guest at all (every other guest of make check
# proves that the real init prints its marker and that TCG works).  A
# regular file stands in for /dev/kvm (HB_VM_KVM_DEV) and a fake QEMU
# (HB_VM_QEMU) for qemu-system-x86_64.  The fake takes only the options
# vm.sh passes (another one is an error, so that a change of vm.sh's command
# line shows here), tells the accelerator from "-machine q35,accel=kvm|tcg"
# (and wants -cpu host under KVM, -cpu max under TCG), logs each start as
# "ACCEL probe" (hbprobe=1 on -append) or "ACCEL guest" in $HB_FAKE_COUNT,
# and by HB_FAKE_MODE
#   abort      accel=kvm: prints the nested-KVM MSR assertion, dies by SIGABRT
#   hang       accel=kvm: no console output, ever
#   abort-all  like abort, and accel=tcg aborts too
#   probe-ok   accel=kvm with hbprobe=1 (the probe) boots (a KVM that
#              works); any other accel=kvm or tcg start aborts
#   panic      accel=tcg: a kernel panic on the console, exit 0 (a guest
#              that died before init, under -no-reboot)
# and otherwise "boots": it does on the host what the guest's init would,
# from its own command line: the kernel's first lines and init's marker
# ("hb-init: started") on the -serial file; for hbprobe=1, init's probe
# line, then power off (exit 0); for a guest, checks the 9p shares and
# hbres=/hbrepo= as init's mounts would, writes boot-uptime in the
# hbresults share, runs its cmd there (env -i, HB_RESULTS, HB_IN_VM=1,
# stdin /dev/null, output to output.log), writes exitcode and dmesg.log and
# powers off (exit 0).
#
# All runs go in parallel (two of them once the runs whose cache they
# read are done); the longest is the script timeout: a 1 s probe, then
# -t 3.  About 6 s on an idle 2-core host.
# Prints TAP 13; exit 0 pass, 1 fail, 4 skip (vm.sh's prerequisites, such
# as the kernel image, missing: a failure under CI=true).

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
W=$REPO/.build/vm-selftest
T_START=$(now_ms)
# -t of the script timeout run: the fake's marker is on the console within
# milliseconds (a 30-fold margin for a loaded host).
TSCRIPT=3

tap_header

rm -rf "$W"
mkdir -p "$W"
: >"$W/kvm"

# The fake QEMU.
cat >"$W/qemu" <<'EOF'
#!/bin/bash
# vm-selftest.sh's fake qemu-system-x86_64 (HB_FAKE_MODE, HB_FAKE_COUNT).
ulimit -c 0
me=qemu-system-x86_64
fail()
{
	echo "$me: $*" >&2
	exit 1
}
die_abort()
{
	echo "$me: error: failed to set MSR 0x10a to 0x$1" >&2
	echo "$me: ../../target/i386/kvm/kvm.c:2996: kvm_buf_set_msrs: Assertion \`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
	kill -ABRT $$
	exit 99
}
if [ "$*" = --version ]; then
	echo "QEMU emulator version 7.2.0 (vm-selftest fake)"
	exit 0
fi

# The command line: only what vm.sh passes.
machine= cpu= kernel= initrd= append= serial= noreboot=0
declare -A share=()
while [ $# -gt 0 ]; do
	case $1 in
	-nodefaults | -no-user-config) shift; continue ;;
	-no-reboot) noreboot=1; shift; continue ;;
	-machine | -cpu | -m | -smp | -display | -kernel | -initrd | -append | -serial | -virtfs)
		[ $# -ge 2 ] || fail "$1: requires an argument" ;;
	*) fail "$1: not an option vm.sh passes (vm-selftest.sh's fake QEMU)" ;;
	esac
	case $1 in
	-machine) machine=$2 ;;
	-cpu) cpu=$2 ;;
	-kernel) kernel=$2 ;;
	-initrd) initrd=$2 ;;
	-append) append=$2 ;;
	-serial) serial=$2 ;;
	-virtfs)
		IFS=, read -r -a kv <<<"$2"
		[ "${kv[0]}" = local ] || fail "-virtfs $2: not a local share"
		path= tag=
		for x in "${kv[@]:1}"; do
			case $x in
			path=*) path=${x#path=} ;;
			mount_tag=*) tag=${x#mount_tag=} ;;
			esac
		done
		[ -n "$path" ] && [ -n "$tag" ] || fail "-virtfs $2: no path or mount_tag"
		[ -d "$path" ] || fail "-virtfs $2: cannot open $path"
		share[$tag]=$path
		;;
	esac
	shift 2
done
case $machine in
q35,accel=kvm) accel=kvm ;;
q35,accel=tcg) accel=tcg ;;
*) fail "-machine '$machine': not q35,accel=kvm or q35,accel=tcg" ;;
esac
case $accel:$cpu in
kvm:host | tcg:max) ;;
tcg:host) fail "CPU model 'host' requires KVM or HVF" ;;
*) fail "-cpu '$cpu' under $accel: vm.sh passes host (KVM) or max (TCG)" ;;
esac
[ "$noreboot" = 1 ] || fail "no -no-reboot: a guest that reboots would never end"
[ -r "$kernel" ] || fail "could not open kernel file '$kernel'"
[ -r "$initrd" ] || fail "could not load initrd '$initrd'"
case $serial in
file:?*) con=${serial#file:} ;;
*) fail "-serial '$serial': vm.sh's console is a file:" ;;
esac
role=guest
case " $append " in
*" hbprobe=1 "*) role=probe ;;
esac
echo "$accel $role" >>"$HB_FAKE_COUNT"
# As QEMU: the console file is created (truncated) before the guest starts.
exec 3>"$con" || fail "could not open serial device '$con'"

mode=${HB_FAKE_MODE:-}
case $accel:$mode in
kvm:abort | kvm:abort-all) die_abort 200000000 ;;
kvm:hang)
	exec 3>&-
	exec -a "vmst-hang:$HB_FAKE_COUNT" sleep 3600
	;;
kvm:probe-ok) [ "$role" = probe ] || die_abort 200000001 ;;
tcg:abort-all | tcg:probe-ok) die_abort 300000000 ;;
tcg:panic)
	printf '[    0.056000] Kernel panic - not syncing: vm-selftest\r\n' >&3
	exit 0
	;;
esac

# The guest: the kernel's console is the serial port only with
# console=ttyS0 (-nodefaults: no other); the serial driver writes CRLF.
case " $append " in
*" console=ttyS0 "* | *" console=ttyS0,"*) ;;
*) exec 3>/dev/null ;;
esac
kmsg() { printf '[%12s] %s\r\n' "$1" "$2" >&3; printf '[%12s] %s\n' "$1" "$2" >>"$W_DMESG"; }
say() { printf 'hb-init: %s\r\n' "$*" >&3; }
power_off() { kmsg 2.400000 "reboot: Power down"; exit 0; }
W_DMESG=/dev/null
kver=${kernel##*/vmlinuz-}
kmsg 0.000000 "Linux version $kver (vm-selftest fake QEMU, accel $accel, -cpu $cpu)"
kmsg 0.000000 "Command line: $append"
kmsg 1.900000 "Run /init as init process"
say started
if [ "$role" = probe ]; then
	say "probe: init reached, powering off"
	power_off
fi
res= repo= mods=
read -r -a words <<<"$append"
for a in "${words[@]}"; do
	case $a in
	hbres=*) res=${a#hbres=} ;;
	hbrepo=*) repo=${a#hbrepo=} ;;
	hbmods=*) mods=${a#hbmods=} ;;
	esac
done
[ -n "$res" ] && [ -n "$repo" ] ||
	{ say "no hbres= or hbrepo= on the command line"; power_off; }
# init's mounts: the host root at /, the repository and the results at
# their own paths (the same on the host: the fake runs there).
[ "${share[hostroot]:-}" = / ] || { say "cannot mount the host root"; power_off; }
[ "${share[hbrepo]:-}" = "$repo" ] ||
	{ say "cannot mount the repository on $repo"; power_off; }
[ "${share[hbresults]:-}" = "$res" ] ||
	{ say "cannot mount the results share on $res"; power_off; }
if [ -n "$mods" ] && [ -z "${share[hbmods]:-}" ]; then
	say "cannot mount the modules of $mods"
	power_off
fi
echo "2.31 1.77" >"$res/boot-uptime"
say "running $res/cmd"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp TERM=dumb LANG=C.UTF-8 HB_RESULTS="$res" HB_IN_VM=1 \
	/bin/bash "$res/cmd" </dev/null >"$res/output.log" 2>&1
rc=$?
echo "$rc" >"$res/exitcode"
W_DMESG=$res/dmesg.log
kmsg 2.300000 "vm-selftest: the script exited with $rc"
say "script exited with $rc; powering off"
power_off
EOF
chmod +x "$W/qemu"

# Guest scripts: under the checkout (the guest's /tmp is its own tmpfs).
cat >"$W/ok.sh" <<EOF
echo "TAP version 13"
if [ "\${HB_IN_VM:-}" = 1 ] && [ -d "\${HB_RESULTS:-}" ] &&
	[ "\$(pwd)" = $(printf %q "$REPO") ]; then
	echo "ok 1 - vm-selftest guest ran in \$(pwd)"
else
	echo "not ok 1 - vm-selftest guest: HB_IN_VM=\${HB_IN_VM:-} HB_RESULTS=\${HB_RESULTS:-} in \$(pwd)"
fi
echo "1..1"
EOF
cat >"$W/sleep.sh" <<EOF
echo "vm-selftest: script started, sleeping"
exec -a $(printf %q "vmst-script:$W/") sleep 600
EOF

# vmrun TAG [VAR=VALUE]... -- [VM.SH ARGS]: selftests/vm.sh -q -n vmst-TAG
# with the fake QEMU and device, the cache and counter of TAG (a VAR=VALUE
# may name another run's); its stderr in $W/TAG.err, its status in
# $W/TAG.rc.  The caller's HB_VM_* do not leak in.
vmrun()
{
	local tag=$1 envs=() pid

	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	env -u HB_VM_ACCEL -u HB_VM_BOOT_TIMEOUT -u HB_VM_PROBE_TIMEOUT \
		-u HB_VM_TIMEOUT -u HB_VM_KERNEL -u HB_VM_APPEND \
		HB_VM_QEMU="$W/qemu" HB_VM_KVM_DEV="$W/kvm" \
		HB_VM_ACCEL_CACHE="$W/cache-$tag" HB_FAKE_COUNT="$W/count-$tag" \
		HB_VM_SMP=1 HB_VM_MEM=512M "${envs[@]}" \
		"$SELFTESTS/vm.sh" -q -n "vmst-$tag" "$@" \
		>"$W/$tag.out" 2>"$W/$tag.err" &
	pid=$!
	echo "$pid" >"$W/$tag.pid"
	wait "$pid"
	echo $? >"$W/$tag.rc"
	rm -f "$W/$tag.pid"
}

# On the way out, stop the runs still going (vm.sh stops its QEMU on
# SIGTERM; started in the background here, it ignores SIGINT).
cleanup()
{
	local f

	for f in "$W"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- what the checks look at -----------------------------------------------------

rc_of() { cat "$W/$1.rc" 2>/dev/null; }
# starts TAG: the fake QEMU's starts of TAG, "ACCEL ROLE,..." (ROLE: probe
# or guest), in order.
starts() { if [ -f "$W/count-$1" ]; then paste -s -d , "$W/count-$1"; fi; }
# nlines TAG TEXT: lines of vm.sh's stderr holding TEXT.
nlines() { grep -c -F -e "$2" "$W/$1.err"; }
has() { grep -q -F -e "$2" "$W/$1.err"; }
# venv TAG VAR: VAR of the run's vm.env (written shell-quoted).
# shellcheck disable=SC1090 # written by vm.sh
venv() { (. "$REPO/.build/vm-vmst-$1/vm.env" 2>/dev/null && printf '%s' "${!2:-}"); }
# cached TAG VERDICT BY: the only verdict in TAG's cache.
cached()
{
	local f=("$W/cache-$1"/*)

	[ "${#f[@]}" -eq 1 ] && [ -f "${f[0]}" ] &&
		grep -q -x "verdict=$2" "${f[0]}" && grep -q -x "by=$3" "${f[0]}"
}
# guest_passed TAG: exit 0 under TCG, no error, the guest's boot-uptime
# read (BOOT_S), the script's TAP line.
guest_passed()
{
	[ "$(rc_of "$1")" = 0 ] && [ "$(venv "$1" ACCEL)" = tcg ] &&
		[ -z "$(venv "$1" VM_ERROR)" ] && [ -n "$(venv "$1" BOOT_S)" ] &&
		grep -q "^ok 1 - vm-selftest guest ran" \
			"$REPO/.build/vm-vmst-$1/output.log"
}

# --- the runs ------------------------------------------------------------------
#
#   h  HB_VM_ACCEL=tcg (first, alone: vm.sh's prerequisites, and the
#      initramfs it builds once for all)
#   a  the probe aborts (MSR assertion): TCG, the guest passes
#   c  the probe hangs (1 s): TCG; the script sleeps past -t: script timeout
#   d  HB_VM_ACCEL=kvm, the guest hangs: the boot watchdog (under KVM: the
#      probe timeout, 1 s), a TCG rerun passes
#   p  the probe boots (a KVM that works); the guest under "KVM" aborts
#      before init: KVM refused, rerun under TCG (which aborts too: abort)
#   k  a panic before init; g  no KVM device; i  a bad HB_VM_ACCEL
#   f  (after a) a's cached verdict; QEMU aborts under TCG too
#   p2 (after p) the verdict p's failed guest left

vmrun h HB_FAKE_MODE=abort-all HB_VM_ACCEL=tcg -- -t 300 "$W/ok.sh"
if [ "$(rc_of h)" != 0 ] && ! grep -q "^vm: accel " "$W/h.err" &&
	why=$(grep -m 1 -E "^vm: error: (no kernel headers found|no kernel image|no modules in|missing |no static busybox)" "$W/h.err"); then
	tap_missing "vm.sh: accelerator probe, boot watchdog, error kinds" \
		"vm.sh cannot start: ${why#vm: error: }"
	tap_finish
	exit $?
fi
vmrun a HB_FAKE_MODE=abort -- -t 300 "$W/ok.sh" &
pid_a=$!
vmrun p HB_FAKE_MODE=probe-ok HB_VM_PROBE_TIMEOUT=120 -- -t 300 "$W/ok.sh" &
pid_p=$!
vmrun c HB_FAKE_MODE=hang HB_VM_PROBE_TIMEOUT=1 -- -t "$TSCRIPT" "$W/sleep.sh" &
vmrun d HB_FAKE_MODE=hang HB_VM_ACCEL=kvm HB_VM_PROBE_TIMEOUT=1 \
	-- -t 300 "$W/ok.sh" &
vmrun k HB_FAKE_MODE=panic HB_VM_ACCEL=tcg -- -t 300 "$W/ok.sh" &
vmrun g HB_FAKE_MODE=abort-all HB_VM_KVM_DEV="$W/no-kvm" -- -t 300 "$W/ok.sh" &
vmrun i HB_FAKE_MODE=abort-all HB_VM_ACCEL=bogus -- -t 300 "$W/ok.sh" &
wait "$pid_a"
vmrun f HB_FAKE_MODE=abort-all HB_VM_ACCEL_CACHE="$W/cache-a" -- -t 300 "$W/ok.sh" &
wait "$pid_p"
vmrun p2 HB_FAKE_MODE=abort-all HB_VM_ACCEL_CACHE="$W/cache-p" -- -t 300 "$W/ok.sh" &
wait
log "all runs: $((($(now_ms) - T_START) / 1000)) s"

# check TAG DESC CMD...: one TAP test; on failure, vm.sh's stderr of TAG.
declare -A SHOWN
check()
{
	local tag=$1 desc=$2

	shift 2
	if "$@"; then
		tap_ok "$desc"
		return 0
	fi
	tap_fail "$desc"
	[ -n "${SHOWN[$tag]:-}" ] && return 1
	SHOWN[$tag]=1
	log "vm.sh stderr of run $tag (exit $(rc_of "$tag"), fake QEMU starts: $(starts "$tag")):"
	sed 's/^/#   /' "$W/$tag.err"
	return 1
}

# (a) the probe aborts.
a_refused()
{
	[ "$(nlines a "vm: accel tcg: KVM probe refused (qemu aborted: failed to set MSR 0x10a")" = 1 ] &&
		[ "$(nlines a "vm: accel ")" = 1 ]
}
a_once()
{
	[ "$(starts a)" = "kvm probe,tcg guest" ] &&
		has a "vm: ok - no kernel splats on the console"
}
check a "a: probe aborted: one line 'vm: accel tcg: KVM probe refused (qemu aborted: failed to set MSR 0x10a ...)'" a_refused
check a "a: the guest ran its script under TCG and passed (exit 0, VM_ERROR empty)" guest_passed a
check a "a: one probe (one accel=kvm start), one TCG guest; the console scanned, no splats" a_once
check a "a: the refusal is cached (verdict=tcg, by=probe)" cached a tcg probe

# (c) the probe hangs; then the script outlives -t.
c_refused()
{
	[ "$(nlines c "vm: accel tcg: KVM probe refused (no console line within 1 s)")" = 1 ] &&
		[ "$(starts c)" = "kvm probe,tcg guest" ] && cached c tcg probe
}
e_timeout()
{
	[ "$(rc_of c)" = 1 ] && [ "$(venv c VM_ERROR)" = script-timeout ] &&
		[ -n "$(venv c INIT_S)" ] &&
		has c "vm: error: script timeout" && ! has c "error: boot timeout" &&
		! has c "error: abort" && [ ! -e "$REPO/.build/vm-vmst-c/exitcode" ] &&
		grep -q "script started" "$REPO/.build/vm-vmst-c/output.log"
}
check c "c: probe hung: 'vm: accel tcg: KVM probe refused (no console line within 1 s)', cached" c_refused
check c "e: a script outliving -t $TSCRIPT is a script timeout (exit 1, VM_ERROR=script-timeout)" e_timeout
no_hang() { ! pgrep -f "^vmst-(hang|script):$W/" >/dev/null; }
check c "c, d: no hung fake QEMU or guest script left behind" no_hang

# (d) forced KVM, the guest hangs: the boot watchdog.
d_watchdog()
{
	has d "vm: accel kvm: HB_VM_ACCEL=kvm (no probe)" &&
		[ "$(nlines d "vm: accel tcg: no init marker within 1 s under KVM")" = 1 ] &&
		[ "$(nlines d "rerunning the guest under TCG")" = 1 ] &&
		[ "$(starts d)" = "kvm guest,tcg guest" ] &&
		[ -f "$REPO/.build/vm-vmst-d/console-kvm.log" ]
}
check d "d: HB_VM_ACCEL=kvm, guest hung: no probe, the watchdog fired at 1 s, one rerun under TCG" d_watchdog
check d "d: the TCG rerun passed (exit 0, VM_ERROR empty)" guest_passed d
check d "d: the cache records KVM as refused (verdict=tcg, by=watchdog)" cached d tcg watchdog

# (p) a probe that passes, a guest that aborts under KVM anyway.
p_rerun()
{
	[ "$(nlines p "rerunning the guest under TCG")" = 1 ] &&
		has p "vm: accel tcg: qemu aborted: failed to set MSR 0x10a to 0x200000001 under KVM, before init" &&
		[ "$(starts p)" = "kvm probe,kvm guest,tcg guest" ] &&
		[ "$(venv p VM_ERROR)" = abort ]
}
check p "p: a probe that boots: 'vm: accel kvm: KVM probe booted to init'" \
	has p "vm: accel kvm: KVM probe booted to init in"
check p "p: QEMU aborted under KVM before init: one rerun under TCG" p_rerun
check p "p: the cache now refuses KVM (verdict=tcg, by=watchdog)" cached p tcg watchdog

# (b), (f) the cached verdict of run a; QEMU aborts under TCG too.
b_cached()
{
	[ "$(starts f)" = "tcg guest" ] && [ "$(starts a)" = "kvm probe,tcg guest" ] &&
		[ "$(nlines f "vm: accel tcg: KVM refused by the probe of this boot (cached): qemu aborted: failed to set MSR 0x10a")" = 1 ] &&
		[ "$(nlines f "vm: accel ")" = 1 ]
}
f_abort()
{
	[ "$(rc_of f)" = 1 ] && [ "$(venv f VM_ERROR)" = abort ] &&
		has f "vm: error: abort: qemu aborted: failed to set MSR 0x10a to 0x300000000" &&
		! has f "error: boot timeout" && ! has f "error: script timeout"
}
f_unscanned()
{
	has f "vm: not ok - no kernel splats on the console (no init marker: the console was never scanned)" &&
		! has f "vm: ok - no kernel splats" &&
		[ ! -e "$REPO/.build/vm-vmst-f/splats.log" ]
}
check f "b: the cached verdict is used: no second probe, one line 'KVM refused by the probe of this boot (cached)'" b_cached
check f "f: QEMU aborting under TCG is an abort (exit 1, VM_ERROR=abort)" f_abort
check f "f: no init marker: the splat check fails and no splats.log is written" f_unscanned

# (p) the verdict its failed guest left.
p2_cached()
{
	[ "$(starts p2)" = "tcg guest" ] &&
		[ "$(starts p)" = "kvm probe,kvm guest,tcg guest" ] &&
		has p2 "vm: accel tcg: KVM refused by a guest of this boot (cached): qemu aborted"
}
check p2 "p: the next run: 'KVM refused by a guest of this boot (cached)', no probe" p2_cached

# A guest that panics before init: its splats are reported, not hidden.
k_panic()
{
	[ "$(rc_of k)" = 1 ] && [ "$(venv k VM_ERROR)" = abort ] &&
		has k "vm: not ok - no kernel splats on the console" &&
		has k "Kernel panic - not syncing: vm-selftest" &&
		! has k "the console was never scanned" &&
		grep -q "Kernel panic" "$REPO/.build/vm-vmst-k/splats.log"
}
check k "a panic before init: an abort, the splat check fails on it (splats.log written)" k_panic

# No device, HB_VM_ACCEL=tcg, a bad HB_VM_ACCEL: never a probe.
g_nodev() { [ "$(nlines g "vm: accel tcg: no $W/no-kvm")" = 1 ] && [ "$(starts g)" = "tcg guest" ]; }
check g "no KVM device: 'vm: accel tcg: no $W/no-kvm', no probe" g_nodev
h_tcg() { [ "$(nlines h "vm: accel tcg: HB_VM_ACCEL=tcg")" = 1 ] && [ "$(starts h)" = "tcg guest" ]; }
check h "HB_VM_ACCEL=tcg: 'vm: accel tcg: HB_VM_ACCEL=tcg', no probe" h_tcg
i_bad() { [ "$(rc_of i)" = 1 ] && has i "HB_VM_ACCEL must be kvm or tcg" && [ -z "$(starts i)" ]; }
check i "HB_VM_ACCEL=bogus is refused (exit 1), no probe" i_bad

log "wall time: $((($(now_ms) - T_START) / 1000)) s"
tap_finish
