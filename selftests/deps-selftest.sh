#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Does selftests/deps.sh install everything that "make check", "make
# check-debug" and "make demo" run?  A host-side test of a few seconds,
# part of every make check.  TAP:
#
#  1. "deps.sh --list" prints its packages;
#  2. each has an installation candidate in apt (apt-get update has run);
#  3. the closure of their dependencies can be computed: Depends and
#     Pre-Depends, recursively, the first alternative of each "a | b" and
#     a virtual package only when one package provides it
#     (apt-cache depends --recurse, cached in .build/deps-selftest/);
#  4. every command that the scripts and Makefiles run (words in command
#     position, found by a tokenizer below) and that resolves to a file
#     on this host comes from a package that deps.sh lists, that is in
#     that closure, or that is Essential (there on every Debian system).
#     One failure per package that is none of these, naming the commands;
#  5. the same for what the scripts use that no tokenizer sees (REQUIRED:
#     the kernel build's flex, bison and bc, objtool's libelf headers,
#     the fuzzer's runtime libraries, the guest's kernel, BIOS and
#     busybox...), each of which must also be present on this host.
#
# A command that does not resolve on this host is listed as a
# diagnostic: the tokenizer also finds words that are no command.
#
# The package of a file is dpkg -S's, tried on the file's path, then on
# where its symbolic links lead (alternatives such as awk and cc), each
# also with /usr added or removed (merged /usr).
#
# Exit status (kselftest): 0 pass, 1 fail.

set -u

SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/lib.sh
. "$SELFTESTS/lib.sh"
REPO=$(hb_repo)
cd "$REPO" || exit 1
CACHE=$REPO/.build/deps-selftest
mkdir -p "$CACHE"

# What the tokenizer reads: the drivers of make check, check-debug,
# demo and bench, every script they run on the host or in the guest, the Makefiles
# (their recipes and $(shell ...)) and CI's entry point.
SCAN=(selftests/*.sh selftests/fuzz/run.sh bench/*.sh .ci/run Makefile
	selftests/Makefile selftests/fuzz/Makefile tools/hbctl/Makefile)

# Packages that the scripts use but deps.sh need not install, and why.
declare -A NOT_REQUIRED=(
	[apt]="deps.sh's own installer (apt-get), there before anything is installed"
	[valgrind]="only make -C tools/hbctl valgrind, by hand: no check runs it"
)

# required_items: "WHAT|WHY" lines for what the scripts need without
# naming it where the tokenizer would see it.  WHAT is a command (found
# in PATH) or a file (an absolute path or a glob: its first match).
required_items()
{
	local kver kdir rt asan ubsan

	# Debian's kernel, the one deps.sh installs, whatever KDIR says
	kver=$(KDIR='' HB_KVER='' hb_kver 2>/dev/null) || kver=NO-KERNEL-HEADERS
	kdir=$(KDIR='' hb_kdir 2>/dev/null) || kdir=/NO-KERNEL-HEADERS
	rt=$(clang -print-resource-dir 2>/dev/null) || rt=/NO-CLANG
	asan=$(gcc -print-file-name=libasan.so 2>/dev/null)
	ubsan=$(gcc -print-file-name=libubsan.so 2>/dev/null)
	cat <<EOF
make|every build
gcc|the module (Kbuild's CC), the debug kernel, hbctl, the helpers
ld|the kernel's and the module's links (binutils)
flex|the debug kernel: Kconfig's lexer (make check-debug)
bison|the debug kernel: Kconfig's parser
bc|the debug kernel: kernel/time/timeconst.h
perl|the kernel builds; checkpatch.pl
/usr/include/gelf.h|the debug kernel: objtool (CONFIG_UNWINDER_ORC) links libelf
depmod|the debug kernel's modules_install
xz|tar unpacks linux-source-6.1.tar.xz (checkpatch.pl, the debug kernel)
/usr/src/linux-source-6.1.tar.xz|checkpatch.pl and the debug kernel's source
sparse|make module C=2 (Kbuild's CHECK)
shellcheck|make check's shellcheck of the scripts
pkg-config|tools/hbctl/Makefile finds libnl with it
/usr/include/libnl3/netlink/genl/genl.h|hbctl and its tests: libnl's headers
/usr/lib/*/pkgconfig/libnl-genl-3.0.pc|hbctl and its tests: pkg-config's libnl-genl-3.0
${asan:-libasan.so}|hbctl's make test: gcc -fsanitize=address
${ubsan:-libubsan.so}|hbctl's make test: gcc -fsanitize=undefined
clang|the frame parser's fuzzer
$rt/lib/linux/libclang_rt.fuzzer-x86_64.a|the fuzzer: clang -fsanitize=fuzzer (libFuzzer)
$rt/lib/linux/libclang_rt.asan-x86_64.a|the fuzzer: clang -fsanitize=address
$rt/lib/linux/libclang_rt.ubsan_standalone-x86_64.a|the fuzzer: clang -fsanitize=undefined
qemu-system-x86_64|every guest
/usr/share/seabios/bios-256k.bin|every guest: QEMU's BIOS
/bin/busybox|the guest's initramfs: a static busybox (vm.sh)
cpio|the guest's initramfs
/boot/vmlinuz-$kver|the guest's kernel, Debian's, matching the headers
/lib/modules/$kver/kernel/fs/9p/9p.ko*|the guest mounts the host's root over 9p
$kdir/Makefile|the module's build: the kernel headers
modprobe|the guest loads veth, bridge, udp_tunnel, sch_netem
ip|the tests' network namespaces, veth pairs, bridge
tc|hostile.sh's netem soak
jq|hbctl -j output in every guest test
setpriv|the permission tests (unprivileged callers)
awk|the scripts' arithmetic on logs
/usr/bin/python3|operator.sh parses hbctl stats with prometheus_client
/usr/lib/python3/dist-packages/prometheus_client/parser.py|operator.sh: the Prometheus text parser (python3-prometheus-client)
dkms|install-selftest.sh: dkms build
/usr/lib/frr/bfdd|bench.sh: FRR's BFD daemon, the system to compare with
vtysh|bench.sh: bfdd's session state (show bfd peers json)
stress-ng|bench.sh: the loads
gnuplot|bench/analyze.py: the plots
EOF
}

# The tokenizer: prints "cmd NAME FILE:LINE" for each word in command
# position and "fn NAME" for each shell function defined.
read -r -d '' TOKENIZER <<'AWK'

function reset_file()
{
	depth = 0
	ctx[0] = "N"
	buf[0] = ""
	hd_n = 0
	cont = ""
}

BEGIN {
	reset_file()
	# words after which the next word is a command again
	split("then do else elif if while until time ! { } exec nohup " \
	      "command builtin sudo run qrun xargs", a, " ")
	for (i in a)
		prefix[a[i]] = 1
	# prefix commands that take leading arguments before the command
	skipargs["timeout"] = 1		# [-k N] [-s SIG] DURATION
	skipargs["nice"] = 1		# [-n N]
	skipargs["chrt"] = 1		# [-f] PRIO
	skipargs["busywait"] = 1	# TIMEOUT
	skipargs["slowwait"] = 1	# TIMEOUT
	skipargs["env"] = 1		# [-i] [VAR=VALUE]...
	skipargs["chroot"] = 1		# DIR
	skipargs["flock"] = 1		# [-n] FILE
	skipargs["taskset"] = 1		# MASK
	skipargs["setpriv"] = 1		# --options
}

FNR == 1 {
	reset_file()
	mk = (FILENAME ~ /(^|\/)(Makefile|[^\/]*\.mk)$/)
	mkvars["CC"] = "cc"
	mkvars["MAKE"] = "make"
}

# here-document bodies are data (or a busybox script, vm.sh's init)
hd_n > 0 {
	t = $0
	if (hd_strip[hd_n])
		sub(/^\t+/, "", t)
	if (t == hd_end[hd_n])
		hd_n = 0
	next
}

{
	line = $0
	if (mk && line ~ /\\$/) {
		cont = cont substr(line, 1, length(line) - 1) " "
		next
	}
	if (mk) {
		line = cont line
		cont = ""
		if (line ~ /^\t/) {
			sub(/^\t[@+-]*/, "", line)
			line = mk_expand(line)
			gsub(/\$\$/, "$", line)
			scan(line)
		} else if (line ~ /^[A-Za-z_][A-Za-z0-9_]*[ \t]*(\?|:|\+)?=/) {
			name = line
			sub(/[ \t]*(\?|:|\+)?=.*/, "", name)
			val = line
			sub(/^[^=]*=[ \t]*/, "", val)
			if (line !~ /^[^=]*\+=/)
				mkvars[name] = val
			# $(shell CMD) in a definition runs CMD
			if (val ~ /\$\(shell /)
				scan(mk_expand(val))
		}
		next
	}
	# a line continued with a backslash is joined to the next one
	if (line ~ /\\$/ && ctx[depth] != "S") {
		cont = cont substr(line, 1, length(line) - 1) " "
		next
	}
	line = cont line
	cont = ""
	scan(line)
}

# mk_expand S: Make's $(VAR) replaced by its value (a few levels deep),
# its function calls by a placeholder, $(shell CMD) by $(CMD)
function mk_expand(s,    n, v, i, f)
{
	for (i = 0; i < 4; i++) {
		while (match(s, /\$\([A-Za-z_][A-Za-z0-9_]*\)/)) {
			n = substr(s, RSTART + 2, RLENGTH - 3)
			v = (n in mkvars) ? mkvars[n] : "_M_"
			s = substr(s, 1, RSTART - 1) v substr(s, RSTART + RLENGTH)
		}
		while (match(s, /\$\([a-z-]+ [^$()]*\)/)) {
			f = substr(s, RSTART + 2, RLENGTH - 3)
			if (f ~ /^shell /) {
				sub(/^shell /, "", f)
				v = "`" f "`"
			} else {
				v = "_F_"
			}
			s = substr(s, 1, RSTART - 1) v substr(s, RSTART + RLENGTH)
		}
	}
	return s
}

# scan LINE: walk it character by character through a stack of contexts
# (N code, C $(...), B `...`, S '...', D "...", A $((...)), P ${...},
# R array assignment).  Each code context (N, C, B) has a buffer of words
# and separators; a command substitution's buffer is split into words when
# it closes, and stands as the word X in the one around it.
function scan(line,    i, c, c2, n, top, w)
{
	n = length(line)
	for (i = 1; i <= n; i++) {
		c = substr(line, i, 1)
		c2 = substr(line, i, 2)
		top = ctx[depth]
		if (top == "S") {
			if (c == "'")
				depth--
			else
				put(c ~ /[A-Za-z0-9.+\/-]/ ? c : "_")
			continue
		}
		if (top == "A") {
			if (c == "(")
				par[depth]++
			else if (c == ")" && --par[depth] == 0)
				depth--
			continue
		}
		if (top == "P") {
			if (c == "{")
				par[depth]++
			if (c == "}" && --par[depth] == 0) {
				# ${VAR:-DEFAULT}: DEFAULT may name a command
				w = pexp[depth]
				if (sub(/^[A-Za-z_][A-Za-z0-9_]*:?[-=]/, "", w))
					emit(w)
				depth--
			} else {
				pexp[depth] = pexp[depth] c
			}
			continue
		}
		if (c == "\\") {
			put("_")
			i++
			continue
		}
		if (substr(line, i, 3) == "$((" ||
		    (c2 == "((" && top != "D")) {
			ctx[++depth] = "A"
			par[depth] = 2
			put("_0_")
			i += (c == "$") ? 2 : 1
			continue
		}
		if (c2 == "${") {
			ctx[++depth] = "P"
			par[depth] = 1
			pexp[depth] = ""
			put("_V_")
			i++
			continue
		}
		if (c2 == "$(" || (c == "`" && top != "B")) {
			ctx[++depth] = (c == "`") ? "B" : "C"
			buf[depth] = ""
			if (c2 == "$(")
				i++
			continue
		}
		if ((c == ")" && top == "C") || (c == "`" && top == "B")) {
			words(buf[depth])
			depth--
			put("_X_")
			continue
		}
		if (top == "D") {
			if (c == "\"")
				depth--
			else
				put(c ~ /[A-Za-z0-9.+\/$-]/ ? c : "_")
			continue
		}
		# code: N, C, B or R
		if (c == "'") {
			ctx[++depth] = "S"
			put("q")
			continue
		}
		if (c == "\"") {
			ctx[++depth] = "D"
			continue
		}
		if (c == "#" && (i == 1 || substr(line, i - 1, 1) ~ /[ \t;(|&]/))
			break
		if (c2 == "=(") {
			ctx[++depth] = "R"
			put("=( ")
			i++
			continue
		}
		if (c == ")" && top == "R") {
			depth--
			put(" ) ; ")
			continue
		}
		if (c2 == "<<" && substr(line, i + 2, 1) != "<" &&
		    match(substr(line, i), /^<<-?[ \t]*["']?[A-Za-z_][A-Za-z0-9_]*["']?/)) {
			w = substr(line, i, RLENGTH)
			i += RLENGTH - 1
			hd_strip[hd_n + 1] = (w ~ /^<<-/)
			sub(/^<<-?[ \t]*["']?/, "", w)
			sub(/["']$/, "", w)
			hd_end[++hd_n] = w
			put(" < HEREDOC ")
			continue
		}
		if (c2 == "<<") {
			# <<< here-string
			i += 2
			put(" < ")
			continue
		}
		if (c2 == ">&" || c2 == "<&" || c2 == "&>") {
			put(c2)
			i++
			continue
		}
		if (c == "|" || c == "&" || c == ";" || c == "(" || c == ")") {
			put(" ; ")
			continue
		}
		put(c)
	}
	# a newline ends a command, unless a string or an array goes on
	top = ctx[depth]
	if (top == "N" || top == "C" || top == "B") {
		words(buf[depth])
		buf[depth] = ""
	} else if (top == "R") {
		put(" NL ")
	}
}

# put S: append to the buffer of the innermost code context
function put(s,    d)
{
	for (d = depth; d > 0 && ctx[d] != "C" && ctx[d] != "B"; d--)
		;
	buf[d] = buf[d] s
}

function isname(w)
{
	return w ~ /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/ || w ~ /^\/[A-Za-z0-9_.\/+-]+$/
}

function emit(w)
{
	gsub(/"/, "", w)
	if (isname(w))
		printf "cmd %s %s:%d\n", w, FILENAME, FNR
}

# words CODE: split on blanks; report the first word of each simple
# command, after assignments, redirections and prefix commands.
function words(code,    nw, wl, k, w, st, forin, arr)
{
	nw = split(code, wl, /[ \t]+/)
	st = 1			# 1: the next word is a command
	forin = 0
	for (k = 1; k <= nw; k++) {
		w = wl[k]
		if (w == "")
			continue
		if (w == ";" || w == ")" || w == "{" || w == "}") {
			st = 1
			forin = 0
			continue
		}
		if (w == "HEREDOC" || w == "NL")
			continue
		if (forin) {
			# for VAR in WORDS: loose, the loops over tool names
			if (w == "do")
				forin = 0
			else if (w != "in")
				emit(w)
			continue
		}
		if (w ~ /=\($/) {
			# NAME=(FIRST ...: an array whose first word is a command
			if (k < nw && wl[k + 1] != ")" && wl[k + 1] != "NL")
				emit(wl[k + 1])
			st = 0
			continue
		}
		if (!st)
			continue
		if (w ~ /^[0-9]*[<>]/) {
			if (w ~ /^[0-9]*[<>]+&?$/)
				k++
			continue
		}
		if (w ~ /^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=/)
			continue
		if (w == "for" || w == "select") {
			forin = 1
			k++
			continue
		}
		if (w == "case") {
			st = 0
			continue
		}
		if (w in prefix) {
			if (w == "command" && wl[k + 1] == "-v") {
				k++
				while (k < nw && wl[k + 1] != ";") {
					k++
					emit(wl[k])
				}
				st = 0
			}
			if (w == "command" || w == "run" || w == "qrun" ||
			    w == "exec" || w == "nohup" || w == "xargs" ||
			    w == "sudo")
				emit(w)
			if (w == "xargs")
				while (k < nw && wl[k + 1] ~ /^-/)
					k++
			continue
		}
		if (w == "require_cmd") {
			while (k < nw && wl[k + 1] != ";") {
				k++
				emit(wl[k])
			}
			st = 0
			continue
		}
		emit(w)
		st = 0
		if (w in skipargs) {
			# skip its options and fixed arguments; the command follows
			while (k < nw && wl[k + 1] ~ /^-/) {
				k++
				if (wl[k] ~ /^-[kns]$/ || wl[k] == "--regid" ||
				    wl[k] == "-u")
					k++
			}
			if (w == "timeout" || w == "chrt" || w == "busywait" ||
			    w == "slowwait" || w == "chroot" || w == "flock" ||
			    w == "taskset")
				k++
			if (w == "env")
				while (k < nw && wl[k + 1] ~ /^[A-Za-z_][A-Za-z0-9_]*=/)
					k++
			st = 1
			continue
		}
		# ip [-n NS] netns exec NS CMD
		if (w == "ip" || w == "$IP") {
			for (m = k + 1; m + 2 <= nw && wl[m] != ";"; m++)
				if (wl[m] == "netns" && wl[m + 1] == "exec") {
					emit(wl[m + 3])
					break
				}
		}
	}
}

# function definitions: NAME() or function NAME
{
	t = $0
	if (t ~ /^[ \t]*(function[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*\(\)/) {
		sub(/^[ \t]*(function[ \t]+)?/, "", t)
		sub(/[ \t]*\(\).*/, "", t)
		print "fn " t
	}
}
AWK

# The closure of ROOTS (space separated) in the output of apt-cache
# depends --recurse: Depends and Pre-Depends, the first alternative of
# each "a | b", a virtual package only when one package provides it.
read -r -d '' CLOSURE <<'AWK'
function name(s)
{
	gsub(/[<>]/, "", s)
	sub(/:(any|amd64|all)$/, "", s)
	return s
}

function edge(a, b)
{
	adj[a] = adj[a] " " b
}

function flush()
{
	if (virt != "" && nprov == 1)
		edge(vfrom, prov)
	virt = ""
}

/^[^ ]/ {
	flush()
	cur = name($0)
	inalt = 0
	next
}

/^    [^ ]/ {
	if (virt != "") {
		nprov++
		prov = name($1)
	}
	next
}

/^ [ |](Pre)?Depends: / {
	flush()
	first = !inalt
	inalt = ($0 ~ /^ \|/)
	if (!first)
		next
	dep = $0
	sub(/^ [ |][A-Za-z]+: /, "", dep)
	if (dep ~ /^<.*>$/ && dep !~ /:any>$/) {
		virt = name(dep)
		vfrom = cur
		nprov = 0
	} else {
		edge(cur, name(dep))
	}
	next
}

END {
	flush()
	n = split(roots, q, " ")
	for (i = 1; i <= n; i++)
		seen[q[i]] = 1
	for (h = 1; h <= n; h++) {
		m = split(adj[q[h]], d, " ")
		for (j = 1; j <= m; j++)
			if (!(d[j] in seen)) {
				seen[d[j]] = 1
				q[++n] = d[j]
			}
	}
	for (p in seen)
		print p
}
AWK

# in_path NAME: set FOUND to the executable NAME in PATH, as type -P
# would, without a subshell per name (a fork costs 20 ms on a busy
# 2-core machine, and there are a hundred names).
in_path()
{
	local d

	FOUND=
	case $1 in
	*/*) [ -f "$1" ] && [ -x "$1" ] && FOUND=$1; return ;;
	esac
	local IFS=:
	for d in $PATH; do
		if [ -f "${d:-.}/$1" ] && [ -x "${d:-.}/$1" ]; then
			FOUND=${d:-.}/$1
			return
		fi
	done
}

# usr_twin PATH: the same path with /usr added or removed (merged /usr:
# dpkg knows the one the package shipped), or nothing.
usr_twin()
{
	case $1 in
	/usr/bin/* | /usr/sbin/* | /usr/lib/* | /usr/lib64/*) TWIN=${1#/usr} ;;
	/bin/* | /sbin/* | /lib/* | /lib64/*) TWIN=/usr$1 ;;
	*) TWIN= ;;
	esac
}

# --- 1. the list ----------------------------------------------------------

tap_header

if ! listed=$("$SELFTESTS/deps.sh" --list) || [ -z "$listed" ]; then
	tap_fail "deps.sh --list prints the packages deps.sh installs"
	tap_finish
	exit
fi
mapfile -t PKGS <<<"$listed"
declare -A LISTED
bad=()
for p in "${PKGS[@]}"; do
	[[ $p =~ ^[a-z0-9][a-z0-9.+-]+$ ]] || bad+=("'$p'")
	LISTED[$p]=1
done
if [ ${#bad[@]} -eq 0 ]; then
	tap_ok "deps.sh --list: ${#PKGS[@]} packages"
else
	tap_fail "deps.sh --list: not package names: ${bad[*]}"
fi

# apt's answers change only with the list and apt's or dpkg's state: they
# are cached under that key.
key=$( {
	printf '%s\n' "${PKGS[@]}" | sort
	stat -c '%n %Y %s' /var/lib/dpkg/status
	find /var/lib/apt/lists -maxdepth 1 -type f -printf '%f %T@ %s\n' \
		2>/dev/null | sort
	printf '%s\n' "$CLOSURE"
} | sha256sum | cut -c1-16)
find "$CACHE" -type f ! -name "*-$key" -delete

# --- 2. each has an installation candidate ----------------------------------

policy=$CACHE/policy-$key
if [ ! -s "$policy" ]; then
	apt-cache policy "${PKGS[@]}" >"$policy.tmp" 2>/dev/null
	mv "$policy.tmp" "$policy"
fi
declare -A CAND
cur=
while IFS= read -r line; do
	case $line in
	[!\ ]*:) cur=${line%:} ;;
	"  Candidate: "*) CAND[$cur]=${line#  Candidate: } ;;
	esac
done <"$policy"
nocand=()
known=()
for p in "${PKGS[@]}"; do
	c=${CAND[$p]:-}
	if [ -z "$c" ] || [ "$c" = "(none)" ]; then
		nocand+=("$p")
	else
		known+=("$p")
	fi
done
if [ ${#nocand[@]} -eq 0 ]; then
	tap_ok "every listed package has an installation candidate in apt"
else
	[ ${#known[@]} -gt 0 ] ||
		log "no package has a candidate: has apt-get update run?"
	rm -f "$policy"
	for p in "${nocand[@]}"; do
		tap_fail "listed package $p has no installation candidate in apt (apt-cache policy $p): misspelt, or not in Debian 12?"
	done
fi

# --- 3. the closure of their dependencies ----------------------------------------

declare -A CLOSED
closure=$CACHE/closure-$key
how="cached"
if [ ! -s "$closure" ] && [ ${#known[@]} -gt 0 ]; then
	how="computed"
	apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances \
		"${known[@]}" 2>"$CACHE/apt-depends.err-$key" |
		awk -v roots="${known[*]}" "$CLOSURE" >"$closure.tmp"
	if [ "${PIPESTATUS[0]}" -eq 0 ] && [ -s "$closure.tmp" ]; then
		mv "$closure.tmp" "$closure"
	else
		sed 's/^/#   /' "$CACHE/apt-depends.err-$key"
		rm -f "$closure.tmp"
	fi
fi
if [ -s "$closure" ]; then
	while IFS= read -r p; do
		CLOSED[$p]=1
	done <"$closure"
	tap_ok "the listed packages and their dependencies: ${#CLOSED[@]} packages ($how)"
else
	tap_fail "the listed packages and their dependencies (apt-cache depends --recurse)"
fi

# --- what the scripts run, and what they use unnamed --------------------------------

# Commands: NAME -> where it is first run; functions and builtins are not.
declare -A WHERE FN BUILTIN
while read -r kind name where; do
	case $kind in
	fn) FN[$name]=1 ;;
	cmd) [ -n "${WHERE[$name]:-}" ] || WHERE[$name]=$where ;;
	esac
done < <(awk "$TOKENIZER" "${SCAN[@]}")
while IFS= read -r b; do
	BUILTIN[$b]=1
done < <(compgen -b; compgen -k)

# Items: "cmd:NAME" (the tokenizer's) and "req:WHAT" (required_items);
# ITEM_PATH the file each resolved to, ITEM_WHY where or why it is used.
declare -A ITEM_PATH ITEM_WHY
unresolved=()
for name in "${!WHERE[@]}"; do
	if [ -n "${FN[$name]:-}" ] || [ -n "${BUILTIN[$name]:-}" ]; then
		continue
	fi
	in_path "$name"
	case $FOUND in
	"")
		[[ $name =~ ^[a-z][a-z0-9]*([._+-][a-z0-9]+)*$ ]] &&
			unresolved+=("$name")
		;;
	"$REPO"/*) ;;
	*)
		ITEM_PATH["cmd:$name"]=$FOUND
		ITEM_WHY["cmd:$name"]=${WHERE[$name]}
		;;
	esac
done

missing_req=()
while IFS='|' read -r what why; do
	[ -n "$what" ] || continue
	FOUND=
	case $what in
	/*)
		for f in $what; do
			[ -e "$f" ] && { FOUND=$f; break; }
		done
		;;
	*) in_path "$what" ;;
	esac
	if [ -z "$FOUND" ]; then
		missing_req+=("$what ($why)")
		continue
	fi
	ITEM_PATH["req:$what"]=$FOUND
	ITEM_WHY["req:$what"]=$why
done < <(required_items)

# Where the items' links lead (one realpath), then the packages of the
# paths and their twins (one dpkg -S).
items=("${!ITEM_PATH[@]}")
paths=()
for item in "${items[@]}"; do
	paths+=("${ITEM_PATH[$item]}")
done
declare -A REAL
i=0
while IFS= read -r r; do
	REAL[${items[$i]}]=$r
	i=$((i + 1))
done < <([ ${#paths[@]} -eq 0 ] || realpath -- "${paths[@]}")
# A path that vanished meanwhile would shift the lines: then none counts.
[ "$i" -eq ${#items[@]} ] || REAL=()
all=()
for item in "${items[@]}"; do
	for p in "${ITEM_PATH[$item]}" "${REAL[$item]:-}"; do
		[ -n "$p" ] || continue
		usr_twin "$p"
		all+=("$p" ${TWIN:+"$TWIN"})
	done
done
declare -A OWNER
while IFS= read -r line; do
	case $line in
	"diversion by "*) continue ;;
	esac
	owners=${line%%: /*}
	owners=${owners//,/ }
	p=
	for o in $owners; do
		p="$p${p:+ }${o%%:*}"
	done
	OWNER["/${line#*: /}"]=$p
done < <([ ${#all[@]} -eq 0 ] || dpkg -S -- "${all[@]}" 2>/dev/null)

# ITEM_PKGS: the packages of the first of the item's path, where it
# leads, and their twins, that one owns.
declare -A ITEM_PKGS
pkgs=()
for item in "${items[@]}"; do
	for p in "${ITEM_PATH[$item]}" "${REAL[$item]:-}"; do
		[ -n "$p" ] || continue
		usr_twin "$p"
		for v in "$p" $TWIN; do
			[ -n "${OWNER[$v]:-}" ] || continue
			ITEM_PKGS[$item]=${OWNER[$v]}
			# shellcheck disable=SC2206 # a list of names
			pkgs+=(${OWNER[$v]})
			break 2
		done
	done
done
declare -A ESSENTIAL
if [ ${#pkgs[@]} -gt 0 ]; then
	while read -r p e; do
		[ "$e" = yes ] && ESSENTIAL[$p]=1
	done < <(dpkg-query -W -f='${Package} ${Essential}\n' "${pkgs[@]}" \
		2>/dev/null)
fi

# verdict PKG: set VERDICT to how deps.sh provides PKG, or to nothing.
verdict()
{
	if [ -n "${LISTED[$1]:-}" ]; then
		VERDICT="listed"
	elif [ -n "${ESSENTIAL[$1]:-}" ]; then
		VERDICT="Essential"
	elif [ -n "${CLOSED[$1]:-}" ]; then
		VERDICT="a dependency of a listed package"
	elif [ -n "${NOT_REQUIRED[$1]:-}" ]; then
		VERDICT="not required: ${NOT_REQUIRED[$1]}"
	else
		VERDICT=
	fi
}

# judge KIND DESC: the items of KIND (cmd or req) by package; one failure
# per package that deps.sh does not provide, one pass when none.
judge()
{
	local kind=$1 desc=$2 item name p pick n=0 nbad=0
	local -A by ok

	for item in "${items[@]}"; do
		[ "${item%%:*}" = "$kind" ] || continue
		n=$((n + 1))
		name=${item#*:}
		# a glob: the file it matched
		[[ $name != *[*?[]* ]] || name=${ITEM_PATH[$item]}
		if [ -z "${ITEM_PKGS[$item]:-}" ]; then
			tap_fail "$name (${ITEM_WHY[$item]}): ${ITEM_PATH[$item]} is in no Debian package, deps.sh cannot install it"
			nbad=$((nbad + 1))
			continue
		fi
		# Any of its packages that deps.sh provides will do.
		pick=
		for p in ${ITEM_PKGS[$item]}; do
			verdict "$p"
			if [ -n "$VERDICT" ]; then
				pick=$p
				ok[$p]=$VERDICT
				break
			fi
		done
		[ -n "$pick" ] || pick=${ITEM_PKGS[$item]%% *}
		by[$pick]="${by[$pick]:-}${by[$pick]:+, }$name (${ITEM_WHY[$item]})"
	done
	for p in $(printf '%s\n' "${!by[@]}" | sort); do
		if [ -n "${ok[$p]:-}" ]; then
			log "$p: ${ok[$p]}: ${by[$p]}"
		else
			tap_fail "package $p is not installed by selftests/deps.sh (add it to PACKAGES): ${by[$p]}"
			nbad=$((nbad + 1))
		fi
	done
	[ "$nbad" -eq 0 ] && tap_ok "$desc: $n, from ${#by[@]} packages"
}

# --- 4. the commands -----------------------------------------------------------

judge cmd "the commands that the scripts and Makefiles run come from listed packages, their dependencies or Essential packages"
if [ ${#unresolved[@]} -gt 0 ]; then
	log "words in command position that run nothing here (another file's functions, arguments; or tools missing on this host):"
	printf '%s\n' "${unresolved[@]}" | sort | tr '\n' ' ' |
		fold -s -w 72 | sed 's/^/#   /'
	echo
fi

# --- 5. what they use without naming it ------------------------------------------

for m in "${missing_req[@]}"; do
	tap_fail "required, missing on this host: $m (selftests/deps.sh should install it)"
done
judge req "what the scripts use unnamed (kernel build tools, headers, runtimes, the guest's files) comes from listed packages, their dependencies or Essential packages"

tap_finish
