# SPDX-License-Identifier: GPL-2.0
#
# make                 build wireguard.ko against KDIR
# make check           everything, in QEMU guests on both Debian kernels
# make run             boot a guest and show a working tunnel
# make dkms-install    install through DKMS for KVER (or the running kernel)

KDIR ?= /lib/modules/$(shell uname -r)/build
WG_VERSION := $(shell sed -n 's/^WG_VERSION ?= //p' Kbuild)

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) WG_VERSION=$(WG_VERSION) modules

# Kernel images, unpacked, and initramfs bases live outside the tree so that
# "dkms add ." copies only sources.
CACHE ?= /var/cache/wireguard-selftests
export WG_CACHE := $(CACHE)

check:
	selftests/qemu/check.sh

# The whole guest suite on a debugging kernel (KASAN, lockdep, kmemleak...)
# built from Debian's linux-source and cached; not part of check.
check-debug:
	selftests/qemu/check-debug.sh

# Boots the 6.1 guest and shows a working tunnel; a shell if interactive.
run: modules-all
	selftests/qemu/prepare.sh $(CACHE)
	selftests/qemu/boot.sh $(CACHE) $(shell selftests/qemu/releases.sh 6.1) \
		$(BUILD)/$(shell selftests/qemu/releases.sh 6.1)/wireguard.ko run

# Ours against Debian's in-tree module, side by side in the same guests,
# plus the native crypto and allowed-ips benches. Not part of check.
bench:
	selftests/qemu/bench-host.sh

bench-crypto:
	$(MAKE) -C selftests/unit/crypto bench

bench-allowedips:
	$(MAKE) -C selftests/unit/allowedips bench

dkms-install:
	rm -rf /usr/src/wireguard-$(WG_VERSION)
	mkdir -p /usr/src/wireguard-$(WG_VERSION)
	cp -a Kbuild Makefile dkms.conf src crypto compat /usr/src/wireguard-$(WG_VERSION)/
	dkms add -m wireguard -v $(WG_VERSION) || true
	dkms build -m wireguard -v $(WG_VERSION) $(if $(KVER),-k $(KVER))
	dkms install -m wireguard -v $(WG_VERSION) $(if $(KVER),-k $(KVER))

install:
	$(if $(wildcard autoroute/Makefile),$(MAKE) -C autoroute install)

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

.PHONY: all module clean modules-all check check-debug run dkms-install install bench bench-crypto bench-allowedips
