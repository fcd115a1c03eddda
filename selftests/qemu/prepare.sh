#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes this machine ready to build and test the module without touching the
# host kernel: installs the packages the runner needs (apt-get, only what is
# missing) and unpacks each Debian kernel image we test on into the cache,
# never installing it.
#
#   prepare.sh CACHE_DIR        -> CACHE_DIR/kernels/<release>/{vmlinuz,lib/modules/<release>}
set -euo pipefail

cache=${1:?usage: prepare.sh CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)

packages=(
	qemu-system-x86 busybox-static wireguard-tools wireguard-go iproute2
	iperf3 nftables iptables iputils-ping ncat dkms kmod cpio xz-utils
	zstd bash procps make gcc libc6-dev libssl-dev libsodium-dev libmnl-dev
	linux-headers-amd64 linux-headers-6.12-amd64 clang libclang-rt-14-dev llvm rsync file valgrind
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "prepare: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$cache/kernels"
for rel in $("$here/releases.sh"); do
	dir=$cache/kernels/$rel
	[ -f "$dir/.done" ] && continue
	echo "prepare: fetching linux-image-$rel"
	rm -rf "$dir" "$cache/deb"
	mkdir -p "$dir" "$cache/deb"
	(cd "$cache/deb" && apt-get download -q "linux-image-$rel" >/dev/null)
	dpkg-deb -x "$cache"/deb/linux-image-"$rel"_*.deb "$dir/root"
	# 6.12 ships compressed modules; busybox insmod wants them plain.
	find "$dir/root/lib/modules" -name '*.ko.xz' -exec xz -d -q {} +
	depmod -b "$dir/root" "$rel"
	cp "$dir/root/boot/vmlinuz-$rel" "$dir/vmlinuz"
	rm -rf "$cache/deb"
	touch "$dir/.done"
done
