# SPDX-License-Identifier: GPL-2.0
#
# make            build heartbeat.ko and hbctl
# make check      install what is missing, static checks, boot a guest, run
#                 every selftest; ends with "N passed, N failed"
# make check-debug  the same guest selftests in a debug kernel (KASAN,
#                 lockdep, kmemleak, UBSAN...) built once from Debian's
#                 linux-source-6.1 into .build/debug-kernel/
# make bench      install what is missing, build, boot one guest and run
#                 the benchmark (README.md, Benchmarks; ~14 min, BENCH_* to
#                 change it); prints a Markdown table, results in
#                 .build/bench/
# make bench-smoke  a few seconds of it, with checks (make check runs it
#                 inside the protocol guest)
# make bench-compare A=old.json B=new.json  the ratio B/A of every figure
# make check-612  the module built against Debian 13's 6.12 headers (in a
#                 trixie chroot) and the core selftests booted on 6.12
# make demo       install what is missing, build, and show a three node
#                 cluster detecting a failure inside a guest
# make install    install the module, hbctl, its man page, the bash
#                 completion, and (when they exist) the systemd unit and
#                 the example configuration; then depmod
# make install-files  the same without building first (what make built;
#                 for a read-only tree, or a packaging step)
# make uninstall  remove what make install installed; then depmod
# make deb        a Debian package (.build/deb/heartbeat_<version>_<arch>.deb)
#                 of hbctl, its files and the module's sources for DKMS,
#                 which builds the module on the target (packaging/mkdeb.sh)
#
# Install paths (DESTDIR is prepended to every one):
#   /lib/modules/$(KERNELRELEASE)/updates/heartbeat.ko
#   $(PREFIX)/sbin/hbctl                            PREFIX: /usr/local
#   $(PREFIX)/share/man/man8/hbctl.8
#   $(PREFIX)/share/bash-completion/completions/hbctl
#   $(PREFIX)/lib/systemd/system/heartbeat@.service (if systemd/ has it)
#   /etc/heartbeat/hb0.conf.example                 (if conf/ has it)
# KERNELRELEASE defaults to the release of KDIR's headers (UTS_RELEASE).  depmod runs
# for that release, except with DESTDIR (a staging tree has no modules to
# resolve symbols against: run depmod on the target, or let a package's
# scripts do it); DEPMOD= overrides the command.
#
# The module is built against Debian's packaged kernel headers, found by
# glob (never with uname -r: the build host does not run that kernel);
# KDIR=/path/to/kernel/build overrides.

KDIR ?= $(lastword $(sort $(wildcard /lib/modules/*-amd64/build)))
PWD := $(shell pwd)

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DEPMOD ?= depmod
# The release the headers build for: UTS_RELEASE (Debian's
# include/config/kernel.release says 6.1.192, not 6.1.0-57-amd64).
HB_KREL := $(or $(KERNELRELEASE),$(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null))
MODDIR := /lib/modules/$(HB_KREL)/updates
SBINDIR := $(PREFIX)/sbin
MANDIR := $(PREFIX)/share/man/man8
COMPDIR := $(PREFIX)/share/bash-completion/completions
UNITDIR := $(PREFIX)/lib/systemd/system
CONFDIR := $(SYSCONFDIR)/heartbeat
UNIT := systemd/heartbeat@.service
CONF_EXAMPLE := conf/hb0.conf.example

.PHONY: all module hbctl check check-debug check-612 demo deps clean \
	install install-files uninstall deb bench bench-smoke bench-compare

all: module hbctl

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: apt-get install linux-headers-amd64, or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) $(KBUILD_OPTS) modules

hbctl:
	$(MAKE) -C tools/hbctl

deps:
	selftests/deps.sh

check:
	selftests/check.sh

check-debug:
	selftests/check-debug.sh

check-612:
	selftests/check-612.sh

demo:
	selftests/demo.sh

bench:
	bench/run.sh

bench-smoke:
	bench/run.sh --smoke

bench-compare:
	@test -n "$(A)" -a -n "$(B)" || { echo "usage: make bench-compare A=old.json B=new.json" >&2; exit 2; }
	$${PYTHON3:-/usr/bin/python3} bench/analyze.py --compare $(A) $(B)

install: all
	$(MAKE) install-files

install-files:
	@test -n "$(HB_KREL)" || { echo "no kernel release: pass KERNELRELEASE= or KDIR=" >&2; exit 1; }
	install -D -m 0644 heartbeat.ko $(DESTDIR)$(MODDIR)/heartbeat.ko
	install -D -m 0755 tools/hbctl/hbctl $(DESTDIR)$(SBINDIR)/hbctl
	install -D -m 0644 tools/hbctl/hbctl.8 $(DESTDIR)$(MANDIR)/hbctl.8
	install -D -m 0644 tools/hbctl/hbctl.bash-completion \
		$(DESTDIR)$(COMPDIR)/hbctl
	@if [ -f $(UNIT) ]; then \
		echo install -D -m 0644 $(UNIT) $(DESTDIR)$(UNITDIR)/heartbeat@.service; \
		install -D -m 0644 $(UNIT) $(DESTDIR)$(UNITDIR)/heartbeat@.service; \
	fi
	@if [ -f $(CONF_EXAMPLE) ]; then \
		echo install -D -m 0644 $(CONF_EXAMPLE) $(DESTDIR)$(CONFDIR)/hb0.conf.example; \
		install -D -m 0644 $(CONF_EXAMPLE) $(DESTDIR)$(CONFDIR)/hb0.conf.example; \
	fi
	@if [ -n "$(DESTDIR)" ]; then \
		echo "depmod skipped (DESTDIR set): run 'depmod $(HB_KREL)' on the target"; \
	else \
		echo $(DEPMOD) -a $(HB_KREL); $(DEPMOD) -a $(HB_KREL); \
	fi

uninstall:
	@test -n "$(HB_KREL)" || { echo "no kernel release: pass KERNELRELEASE= or KDIR=" >&2; exit 1; }
	rm -f $(DESTDIR)$(MODDIR)/heartbeat.ko $(DESTDIR)$(SBINDIR)/hbctl \
		$(DESTDIR)$(MANDIR)/hbctl.8 $(DESTDIR)$(COMPDIR)/hbctl \
		$(DESTDIR)$(UNITDIR)/heartbeat@.service \
		$(DESTDIR)$(CONFDIR)/hb0.conf.example
	@if [ -n "$(DESTDIR)" ]; then \
		echo "depmod skipped (DESTDIR set)"; \
	else \
		echo $(DEPMOD) -a $(HB_KREL); $(DEPMOD) -a $(HB_KREL); \
	fi

deb: hbctl
	packaging/mkdeb.sh .build/deb

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(PWD) clean; fi
	$(MAKE) -C tools/hbctl clean
	rm -rf .build
