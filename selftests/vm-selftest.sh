#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side test of selftests/vm.sh: the accelerator probe and its cache,
# the boot watchdog and the three kinds of failed runs, on a machine without
# a working KVM.  A regular file stands in for /dev/kvm (HB_VM_KVM_DEV) and
# a fake QEMU (HB_VM_QEMU) for qemu-system-x86_64: it counts its accel=kvm
# starts and, by HB_FAKE_MODE,
#   abort      accel=kvm: prints the nested-KVM MSR assertion, dies by SIGABRT
#   hang       accel=kvm: no console output, ever
#   abort-all  like abort, and accel=tcg aborts too
#   probe-ok   accel=kvm with hbprobe=1 (the probe): the real QEMU under
#              TCG, a KVM that works; any other accel=kvm or tcg start aborts
#   panic      accel=tcg: a kernel panic on the console, exit 0 (a guest
#              that died before init, under -no-reboot)
# and otherwise runs the real qemu-system-x86_64.
#
# Three vm.sh runs boot a guest under TCG in parallel, then one more (the
# script timeout, with a -t made from how long the first took to reach
# init: a loaded host boots slower); the others stop at the fake QEMU.
# About a minute on an idle 2-core host.
# Prints TAP 13; exit 0 pass, 1 fail, 4 skip.

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
W=$REPO/.build/vm-selftest
T_START=$(now_ms)

tap_header

if ! command -v qemu-system-x86_64 >/dev/null; then
	tap_skip "vm.sh: accelerator probe, boot watchdog, error kinds" \
		"qemu-system-x86_64 missing (run selftests/deps.sh)"
	tap_finish
	exit $?
fi

rm -rf "$W"
mkdir -p "$W"
: >"$W/kvm"

# The fake QEMU.
cat >"$W/qemu" <<'EOF'
#!/bin/bash
# vm-selftest.sh's fake qemu-system-x86_64 (HB_FAKE_MODE, HB_FAKE_COUNT).
ulimit -c 0
die_abort()
{
	echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x$1" >&2
	echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:2996: kvm_buf_set_msrs: Assertion \`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
	kill -ABRT $$
	exit 99
}
args=" $* "
mode=${HB_FAKE_MODE:-}
case $args in
*accel=kvm*)
	echo kvm >>"$HB_FAKE_COUNT"
	case $mode in
	abort | abort-all) die_abort 200000000 ;;
	hang) exec -a "vmst-hang:$HB_FAKE_COUNT" sleep 3600 ;;
	probe-ok)
		case $args in
		*" hbprobe=1"*) ;;
		*) die_abort 200000001 ;;
		esac
		# KVM that works: the real QEMU, under TCG.
		a=()
		for x in "$@"; do
			case $x in
			q35,accel=kvm) x=q35,accel=tcg ;;
			host) x=max ;;
			esac
			a+=("$x")
		done
		exec qemu-system-x86_64 "${a[@]}"
		;;
	esac
	;;
*accel=tcg*)
	case $mode in
	abort-all | probe-ok) die_abort 300000000 ;;
	panic)
		while [ $# -gt 0 ] && [ "$1" != -serial ]; do shift; done
		con=${2#file:}
		echo "[    0.056000] Kernel panic - not syncing: vm-selftest" >"$con"
		exit 0
		;;
	esac
	;;
esac
exec qemu-system-x86_64 "$@"
EOF
chmod +x "$W/qemu"

# Guest scripts: under the checkout (the guest's /tmp is its own tmpfs).
cat >"$W/ok.sh" <<'EOF'
echo "TAP version 13"
echo "ok 1 - vm-selftest guest ran on $(uname -r)"
echo "1..1"
EOF
cat >"$W/sleep.sh" <<'EOF'
echo "vm-selftest: script started, sleeping"
sleep 600
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
# kvm_starts TAG: accel=kvm starts of the fake QEMU counted for TAG.
kvm_starts() { if [ -f "$W/count-$1" ]; then wc -l <"$W/count-$1"; else echo 0; fi; }
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
# guest_passed TAG: exit 0 under TCG, no error, the script's TAP line.
guest_passed()
{
	[ "$(rc_of "$1")" = 0 ] && [ "$(venv "$1" ACCEL)" = tcg ] &&
		[ -z "$(venv "$1" VM_ERROR)" ] &&
		grep -q "^ok 1 - vm-selftest guest ran" \
			"$REPO/.build/vm-vmst-$1/output.log"
}

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
	log "vm.sh stderr of run $tag (exit $(rc_of "$tag")):"
	sed 's/^/#   /' "$W/$tag.err"
	return 1
}

# --- phase 1: three runs that boot a guest, in parallel -------------------------
#
#   a  the probe aborts (MSR assertion): TCG, the guest passes
#   d  HB_VM_ACCEL=kvm, the guest hangs: the boot watchdog (under KVM: the
#      probe timeout, 5 s), a TCG rerun passes
#   p  the probe boots (a KVM that works); the guest under "KVM" aborts
#      before init: KVM refused, rerun under TCG (which aborts too: abort)

vmrun a HB_FAKE_MODE=abort -- -t 300 "$W/ok.sh" &
vmrun d HB_FAKE_MODE=hang HB_VM_ACCEL=kvm HB_VM_PROBE_TIMEOUT=5 \
	-- -t 300 "$W/ok.sh" &
vmrun p HB_FAKE_MODE=probe-ok HB_VM_PROBE_TIMEOUT=120 -- -t 300 "$W/ok.sh" &
wait
log "phase 1 (three runs in parallel): $((($(now_ms) - T_START) / 1000)) s"

# --- phase 2: the script timeout ---------------------------------------------------
#
#   c  the probe hangs (5 s): TCG; the script sleeps past -t: script
#      timeout.  -t: what guest a took to reach init (booting next to two
#      others), plus 25 s; at least 30 s.

init_s=$(venv a INIT_S)
init_s=${init_s%.*}
TSCRIPT=$((${init_s:-60} + 25))
[ "$TSCRIPT" -ge 30 ] || TSCRIPT=30
log "guest a reached init $(venv a INIT_S) s after QEMU's start: -t $TSCRIPT for run c"
vmrun c HB_FAKE_MODE=hang HB_VM_PROBE_TIMEOUT=5 -- -t "$TSCRIPT" "$W/sleep.sh"

# (a) the probe aborts.
a_refused()
{
	[ "$(nlines a "vm: accel tcg: KVM probe refused (qemu aborted: failed to set MSR 0x10a")" = 1 ] &&
		[ "$(nlines a "vm: accel ")" = 1 ]
}
a_once() { [ "$(kvm_starts a)" = 1 ] && has a "vm: ok - no kernel splats on the console"; }
check a "a: probe aborted: one line 'vm: accel tcg: KVM probe refused (qemu aborted: failed to set MSR 0x10a ...)'" a_refused
check a "a: the guest ran its script under TCG and passed (exit 0, VM_ERROR empty)" guest_passed a
check a "a: one probe (one accel=kvm start); the console scanned, no splats" a_once
check a "a: the refusal is cached (verdict=tcg, by=probe)" cached a tcg probe

# (c) the probe hangs; then the script outlives -t.
c_refused()
{
	[ "$(nlines c "vm: accel tcg: KVM probe refused (no console line within 5 s)")" = 1 ] &&
		[ "$(kvm_starts c)" = 1 ] && cached c tcg probe
}
e_timeout()
{
	[ "$(rc_of c)" = 1 ] && [ "$(venv c VM_ERROR)" = script-timeout ] &&
		has c "vm: error: script timeout" && ! has c "error: boot timeout" &&
		! has c "error: abort" &&
		grep -q "script started" "$REPO/.build/vm-vmst-c/output.log"
}
check c "c: probe hung: 'vm: accel tcg: KVM probe refused (no console line within 5 s)', cached" c_refused
check c "e: a script outliving -t $TSCRIPT is a script timeout (exit 1, VM_ERROR=script-timeout)" e_timeout
no_hang() { ! pgrep -f "^vmst-hang:$W/" >/dev/null; }
check c "c, d: no hung fake QEMU left behind" no_hang

# (d) forced KVM, the guest hangs: the boot watchdog.
d_watchdog()
{
	has d "vm: accel kvm: HB_VM_ACCEL=kvm (no probe)" &&
		[ "$(nlines d "vm: accel tcg: no init marker within 5 s under KVM")" = 1 ] &&
		[ "$(nlines d "rerunning the guest under TCG")" = 1 ] &&
		[ "$(kvm_starts d)" = 1 ] &&
		[ -f "$REPO/.build/vm-vmst-d/console-kvm.log" ]
}
check d "d: HB_VM_ACCEL=kvm, guest hung: no probe, the watchdog fired at 5 s, one rerun under TCG" d_watchdog
check d "d: the TCG rerun passed (exit 0, VM_ERROR empty)" guest_passed d
check d "d: the cache records KVM as refused (verdict=tcg, by=watchdog)" cached d tcg watchdog

# (p) a probe that passes, a guest that aborts under KVM anyway.
p_rerun()
{
	[ "$(nlines p "rerunning the guest under TCG")" = 1 ] &&
		has p "vm: accel tcg: qemu aborted: failed to set MSR 0x10a to 0x200000001 under KVM, before init" &&
		[ "$(kvm_starts p)" = 2 ] && [ "$(venv p VM_ERROR)" = abort ]
}
check p "p: a probe that boots: 'vm: accel kvm: KVM probe booted to init'" \
	has p "vm: accel kvm: KVM probe booted to init in"
check p "p: QEMU aborted under KVM before init: one rerun under TCG" p_rerun
check p "p: the cache now refuses KVM (verdict=tcg, by=watchdog)" cached p tcg watchdog

# --- phase 3: runs that stop at the fake QEMU (no boot) ---------------------------

# (b), (f) the cached verdict of run a; QEMU aborts under TCG too.
vmrun f HB_FAKE_MODE=abort-all HB_VM_ACCEL_CACHE="$W/cache-a" \
	HB_FAKE_COUNT="$W/count-a" -- -t 300 "$W/ok.sh"
b_cached()
{
	[ "$(kvm_starts a)" = 1 ] &&
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
vmrun p2 HB_FAKE_MODE=abort-all HB_VM_ACCEL_CACHE="$W/cache-p" \
	HB_FAKE_COUNT="$W/count-p" -- -t 300 "$W/ok.sh"
p2_cached()
{
	[ "$(kvm_starts p)" = 2 ] &&
		has p2 "vm: accel tcg: KVM refused by a guest of this boot (cached): qemu aborted"
}
check p2 "p: the next run: 'KVM refused by a guest of this boot (cached)', no probe" p2_cached

# A guest that panics before init: its splats are reported, not hidden.
vmrun k HB_FAKE_MODE=panic HB_VM_ACCEL=tcg -- -t 300 "$W/ok.sh"
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
vmrun g HB_FAKE_MODE=abort-all HB_VM_KVM_DEV="$W/no-kvm" -- -t 300 "$W/ok.sh"
g_nodev() { [ "$(nlines g "vm: accel tcg: no $W/no-kvm")" = 1 ] && [ "$(kvm_starts g)" = 0 ]; }
check g "no KVM device: 'vm: accel tcg: no $W/no-kvm', no probe" g_nodev
vmrun h HB_FAKE_MODE=abort-all HB_VM_ACCEL=tcg -- -t 300 "$W/ok.sh"
h_tcg() { [ "$(nlines h "vm: accel tcg: HB_VM_ACCEL=tcg")" = 1 ] && [ "$(kvm_starts h)" = 0 ]; }
check h "HB_VM_ACCEL=tcg: 'vm: accel tcg: HB_VM_ACCEL=tcg', no probe" h_tcg
vmrun i HB_FAKE_MODE=abort-all HB_VM_ACCEL=bogus -- -t 300 "$W/ok.sh"
i_bad() { [ "$(rc_of i)" = 1 ] && has i "HB_VM_ACCEL must be kvm or tcg" && [ "$(kvm_starts i)" = 0 ]; }
check i "HB_VM_ACCEL=bogus is refused (exit 1), no probe" i_bad

log "wall time: $((($(now_ms) - T_START) / 1000)) s"
tap_finish
