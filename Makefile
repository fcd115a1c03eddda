# SPDX-License-Identifier: GPL-2.0
#
# make                 build wireguard.ko against KDIR
# make check           everything, in QEMU guests on both Debian kernels
# make run             boot a guest and show a working tunnel
# make dkms-install    install through DKMS for KERNELRELEASE (or the running kernel)

KDIR ?= /lib/modules/$(shell uname -r)/build
# Must exceed the in-tree module's 1.0.0 so DKMS replaces it without --force.
WG_VERSION := 1.1.0

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) WG_VERSION=$(WG_VERSION) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

# Out-of-tree copies per kernel release, so builds for several kernels (and
# several people) never share object files: make modules-all [BUILD=dir]
BUILD ?= $(CURDIR)/build
RELEASES = $(shell selftests/qemu/releases.sh)
MODULE_SOURCES = Kbuild src crypto compat

modules-all:
	@set -e; for rel in $(RELEASES); do \
		d=$(BUILD)/$$rel; mkdir -p $$d; \
		rm -rf $$d; mkdir -p $$d; \
		cp -a $(addprefix $(CURDIR)/,$(MODULE_SOURCES)) $$d/; \
		find $$d \( -name '*.o' -o -name '*.cmd' -o -name '*.ko' \) -delete; \
		echo "== $$rel"; \
		$(MAKE) -C /lib/modules/$$rel/build M=$$d W=1 \
			WG_VERSION=$(WG_VERSION) modules 2>&1 | tee $$d/build.log | \
			grep -E 'warning|error' || true; \
		test -f $$d/wireguard.ko; \
		! grep -qE 'warning:|error:' $$d/build.log; \
	done

.PHONY: all module clean modules-all
