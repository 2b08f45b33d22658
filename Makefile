# SPDX-License-Identifier: GPL-2.0
#
# make            build heartbeat.ko and hbctl
# make check      install what is missing, static checks, boot a guest, run
#                 every selftest; ends with "N passed, N failed"
# make check-debug  the same guest selftests in a debug kernel (KASAN,
#                 lockdep, kmemleak, UBSAN...) built once from Debian's
#                 linux-source-6.1 into .build/debug-kernel/
# make demo       install what is missing, build, and show a three node
#                 cluster detecting a failure inside a guest
#
# The module is built against Debian's packaged kernel headers, found by
# glob (never with uname -r: the build host does not run that kernel);
# KDIR=/path/to/kernel/build overrides.

KDIR ?= $(lastword $(sort $(wildcard /lib/modules/*-amd64/build)))
PWD := $(shell pwd)

.PHONY: all module hbctl check check-debug demo deps clean

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

demo:
	selftests/demo.sh

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(PWD) clean; fi
	$(MAKE) -C tools/hbctl clean
	rm -rf .build
